package diagnose

// matcher finds many strings at once, ASCII case-insensitively, in one pass over the text
// (Aho-Corasick compiled to a DFA over byte classes). A healthy log costs one table lookup per
// byte however many patterns there are.
type matcher struct {
	class  [256]uint16 // byte -> class; 0 for bytes that occur in no string
	nclass int
	// delta[row+class] is the next state's row (state*nclass), with acceptBit set when strings
	// end in that state: the scan loop then needs no multiplication and no second table.
	delta []uint32
	out   [][]int // per state: the strings that end there
}

const acceptBit = 1 << 31

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// newMatcher compiles strs (lowercase); scan reports each by its index.
func newMatcher(strs []string) *matcher {
	m := &matcher{nclass: 1}
	for _, s := range strs {
		for i := 0; i < len(s); i++ {
			c := lowerByte(s[i])
			if m.class[c] == 0 {
				m.class[c] = uint16(m.nclass)
				m.nclass++
			}
		}
	}
	for c := 'a'; c <= 'z'; c++ {
		m.class[c-'a'+'A'] = m.class[c]
	}
	// The trie, with -1 for a missing edge.
	type node struct {
		next []int
		fail int
		out  []int
	}
	newNode := func() node {
		n := node{next: make([]int, m.nclass)}
		for i := range n.next {
			n.next[i] = -1
		}
		return n
	}
	nodes := []node{newNode()}
	for id, s := range strs {
		cur := 0
		for i := 0; i < len(s); i++ {
			c := m.class[lowerByte(s[i])]
			if nodes[cur].next[c] < 0 {
				nodes[cur].next[c] = len(nodes)
				nodes = append(nodes, newNode())
			}
			cur = nodes[cur].next[c]
		}
		nodes[cur].out = append(nodes[cur].out, id)
	}
	// Breadth first: fail links, inherited outputs and the full transition table.
	queue := []int{}
	for c := 0; c < m.nclass; c++ {
		if n := nodes[0].next[c]; n > 0 {
			nodes[n].fail = 0
			queue = append(queue, n)
		} else {
			nodes[0].next[c] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for c := 0; c < m.nclass; c++ {
			n := nodes[s].next[c]
			if n < 0 {
				nodes[s].next[c] = nodes[nodes[s].fail].next[c]
				continue
			}
			f := nodes[nodes[s].fail].next[c]
			nodes[n].fail = f
			nodes[n].out = append(nodes[n].out, nodes[f].out...)
			queue = append(queue, n)
		}
	}
	m.delta = make([]uint32, len(nodes)*m.nclass)
	m.out = make([][]int, len(nodes))
	for i, n := range nodes {
		for c, t := range n.next {
			v := uint32(t * m.nclass)
			if len(nodes[t].out) > 0 {
				v |= acceptBit
			}
			m.delta[i*m.nclass+c] = v
		}
		m.out[i] = n.out
	}
	return m
}

// scan calls fn with the index just past each match and the matched string's number.
func (m *matcher) scan(b []byte, fn func(end, id int)) {
	delta, class := m.delta, &m.class
	row := uint32(0)
	for i, c := range b {
		row = delta[row+uint32(class[c])]
		if row&acceptBit != 0 {
			row &^= acceptBit
			for _, id := range m.out[int(row)/m.nclass] {
				fn(i+1, id)
			}
		}
	}
}
