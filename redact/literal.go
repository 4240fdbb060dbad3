package redact

import (
	"bytes"
	"encoding/binary"
)

// literalSet is the registered literals, longest first, with an index of their four-byte
// fragments that tells cheaply whether the text on either side of a line break could be part of
// one. It is built once per registration and shared, read-only, by every Writer.
type literalSet struct {
	lits   []literal
	maxLen int
	grams  []uint64   // bitset over gramHash of every 4-byte fragment of every literal, lowercase
	index  *gramIndex // the static anchor words and the literals of five bytes or more
	short  []int      // the literals too short for the index
}

const gramBits = 16

func gramHash(b []byte) uint32 {
	return (binary.LittleEndian.Uint32(b) * 2654435761) >> (32 - gramBits)
}

func newLiteralSet(lits []literal) *literalSet {
	set := &literalSet{lits: lits, grams: make([]uint64, 1<<gramBits/64)}
	words := staticGramWords()
	for i, l := range lits {
		set.maxLen = max(set.maxLen, len(l.low))
		for i := 0; i+4 <= len(l.low); i++ {
			h := gramHash(l.low[i:])
			set.grams[h/64] |= 1 << (h % 64)
		}
		if len(l.low) >= minGramWord {
			words = append(words, gramWord{w: l.low, kind: anchorLiteral, lit: i})
		} else {
			set.short = append(set.short, i)
		}
	}
	set.index = newGramIndex(words)
	return set
}

func (set *literalSet) hasGram(b []byte) bool {
	h := gramHash(b)
	return set.grams[h/64]&(1<<(h%64)) != 0
}

// literalRule replaces the registered literals, in any letter case, also when a line break
// splits one: a wrapped line ("…9b1c2d\n3e4f…", the next line's indentation skipped), util.inspect's
// continuation ("'9b1c2d' +\n  '3e4f…'"), or base64 wrapped at 76 columns. The whole span,
// break included, becomes the replacement.
type literalRule struct {
	set *literalSet
	s   *scan
	at  []int // per short literal: its next occurrence at or after the last search; -2 not searched, -1 none
	// The next match that spans a line break, searched from brkFrom.
	brk     match
	brkOK   bool
	brkFrom int
	joined  []byte // scratch: the text around a break with the breaks removed, lowercase
	pos     []int  // scratch: where each byte of joined is in the buffer
}

func (r *literalRule) next(s *scan, from, min int) (match, int, bool) {
	if r.s != s {
		r.s = s
		r.at = r.at[:0]
		for range r.set.short {
			r.at = append(r.at, -2)
		}
		r.brkFrom = -1
	}
	from = max(from, min)
	var best match
	ok := false
	for p := from; ; {
		at, w := s.nextHit(p, isLiteralAnchor)
		if at < 0 {
			break
		}
		p = at + 1
		if overlapsMarker(s.buf, at, at+len(w.w)) {
			continue // a marker and the text around it spell the literal by chance
		}
		l := &r.set.lits[w.lit]
		best, ok = match{start: at, end: at + len(l.low), repl: string(l.repl), rule: l.rule}, true
		break
	}
	for k, i := range r.set.short {
		if r.at[k] == -1 {
			continue
		}
		if r.at[k] < from {
			r.at[k] = r.find(i, from)
		}
		l := &r.set.lits[i]
		if at := r.at[k]; at >= 0 && (!ok || at < best.start || at == best.start && at+len(l.low) > best.end) {
			best, ok = match{start: at, end: at + len(l.low), repl: string(l.repl), rule: l.rule}, true
		}
	}
	if r.set.maxLen >= 8 {
		if r.brkFrom < 0 || r.brkFrom > from || r.brkOK && r.brk.start < from {
			r.brk, r.brkOK = r.nextBroken(from)
			r.brkFrom = from
		}
		if r.brkOK && (!ok || r.brk.start < best.start || r.brk.start == best.start && r.brk.end > best.end) {
			best, ok = r.brk, true
		}
	}
	return best, from, ok
}

func isLiteralAnchor(k anchorKind) bool { return k == anchorLiteral }

// find returns the first occurrence of literal i at or after from that is not part of a hash
// marker, or -1.
func (r *literalRule) find(i, from int) int {
	low := r.s.low
	f := r.set.lits[i].low
	for {
		j := bytes.Index(low[from:], f)
		if j < 0 {
			return -1
		}
		j += from
		if !overlapsMarker(r.s.buf, j, j+len(f)) {
			return j
		}
		from = j + 1 // a marker and the text around it spell the literal by chance
	}
}

// breakAt describes the line break whose newline is at b[nl]: the text before it ends at le
// (before a "\r", and before "' +" or "\" +" when the next line goes on with the same quote),
// the text after it starts at rs (after the indentation and that quote).
func breakAt(b []byte, nl int) (le, rs int) {
	le = nl
	if le > 0 && b[le-1] == '\r' {
		le--
	}
	rs = nl + 1
	for rs < len(b) && (b[rs] == ' ' || b[rs] == '\t') {
		rs++
	}
	if le >= 3 && b[le-1] == '+' && b[le-2] == ' ' && (b[le-3] == '\'' || b[le-3] == '"') &&
		rs < len(b) && b[rs] == b[le-3] {
		return le - 3, rs + 1
	}
	return le, rs
}

// nextBroken returns the first literal that spans a line break and starts at or after from.
func (r *literalRule) nextBroken(from int) (match, bool) {
	b := r.s.buf
	nls := r.s.newlines()
	for i := r.s.nextNewline(from); i < len(nls); i++ {
		nl := nls[i]
		le, rs := breakAt(b, nl)
		// Cheap test first: a literal split here has at least four of its bytes on one side.
		if !(le >= 4 && r.set.hasGram(r.s.low[le-4:le])) && !(rs+4 <= len(b) && r.set.hasGram(r.s.low[rs:rs+4])) {
			continue
		}
		if m, ok := r.brokenAt(nl, le, rs, from); ok {
			return m, true
		}
	}
	return match{}, false
}

// brokenAt returns the earliest literal that starts before the break at nl (on the same line,
// at or after from) and goes on after it, possibly across further breaks.
func (r *literalRule) brokenAt(nl, le, rs, from int) (match, bool) {
	b, low := r.s.buf, r.s.low
	span := r.set.maxLen - 1
	ls := le
	for ls > 0 && le-ls < span && b[ls-1] != '\n' && ls > from {
		ls--
	}
	if ls == le {
		return match{}, false
	}
	r.joined = append(r.joined[:0], low[ls:le]...)
	r.pos = r.pos[:0]
	for k := ls; k < le; k++ {
		r.pos = append(r.pos, k)
	}
	left := len(r.joined)
	for k := rs; k < len(b) && len(r.joined) < left+span && k < rs+4*r.set.maxLen; {
		if b[k] == '\n' {
			le2, rs2 := breakAt(b, k)
			// Take back what was collected of the break itself ("\r", "' +").
			for len(r.pos) > left && r.pos[len(r.pos)-1] >= le2 {
				r.pos = r.pos[:len(r.pos)-1]
				r.joined = r.joined[:len(r.joined)-1]
			}
			k = rs2
			continue
		}
		r.joined = append(r.joined, low[k])
		r.pos = append(r.pos, k)
		k++
	}
	var best match
	ok := false
	for i := range r.set.lits {
		l := &r.set.lits[i]
		for at := 0; ; {
			j := bytes.Index(r.joined[at:], l.low)
			if j < 0 {
				break
			}
			j += at
			at = j + 1
			if j >= left {
				break // starts after the break: an ordinary match, or another break's
			}
			end := j + len(l.low)
			if end <= left {
				continue // ends before the break
			}
			start, stop := r.pos[j], r.pos[end-1]+1
			if overlapsMarker(b, start, stop) {
				continue
			}
			if !ok || start < best.start || start == best.start && stop > best.end {
				best, ok = match{start: start, end: stop, repl: string(l.repl), rule: l.rule}, true
			}
			break
		}
	}
	return best, ok
}

// unicodeEscapeAll returns v with every byte written as a JSON \u00XX escape (as some
// serializers write a string they treat as opaque).
func unicodeEscapeAll(v string) string {
	const hexDigits = "0123456789abcdef"
	out := make([]byte, 0, 6*len(v))
	for i := 0; i < len(v); i++ {
		out = append(out, '\\', 'u', '0', '0', hexDigits[v[i]>>4], hexDigits[v[i]&15])
	}
	return string(out)
}

// percentEncodeAll returns v with every byte written as %XX.
func percentEncodeAll(v string) string {
	const hexDigits = "0123456789ABCDEF"
	out := make([]byte, 0, 3*len(v))
	for i := 0; i < len(v); i++ {
		out = append(out, '%', hexDigits[v[i]>>4], hexDigits[v[i]&15])
	}
	return string(out)
}

func upperASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
