package manifest

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// What was left out, at any scale: an agent home with 20,000 old daily logs gives 20,000 omitted
// items that all say the same thing. OmittedReason names what they share, GroupOmitted counts
// them by it for people (summary.txt, the console, report.html), and CapOmitted keeps the
// manifest's list short.

// OmittedReason returns reason without what belongs to one item (its date, a parenthesised
// detail, a path, a number, the error after a colon), so that the items left out for the same
// cause share it: "dated 2026-01-02, before the --since window (168h0m0s)" gives "before the
// --since window". It runs once per item left out, so it uses no regular expression.
func OmittedReason(reason string) string {
	r := strings.Join(strings.Fields(reason), " ")
	if i, j, ok := findDate(r); ok {
		// "dated 2026-01-02, ": the logs collector's per-file date, and the comma after it.
		k := j
		if k < len(r) && r[k] == ',' {
			k++
		}
		for k < len(r) && r[k] == ' ' {
			k++
		}
		r = r[:i] + r[k:]
	}
	r = withoutParens(r)
	// "symlink to /some/target, outside the agent home": the target is the file's own.
	if rest, ok := strings.CutPrefix(r, "symlink to "); ok {
		if _, after, ok := strings.Cut(rest, ", outside "); ok {
			r = "symlink outside " + after
		}
	}
	r, _, _ = strings.Cut(r, ": ")
	words := strings.Fields(r)
	for i, w := range words {
		if strings.ContainsAny(w, `/\`) {
			words[i] = "…"
		} else if strings.ContainsAny(w, "0123456789") {
			words[i] = numbersAsN(w)
		}
	}
	r = strings.Trim(strings.Join(words, " "), " ,.;:")
	if r == "" {
		return "no reason given"
	}
	return r
}

// findDate finds "dated YYYY-MM-DD" or "modified YYYY-MM-DD" in s: the start of the word and the
// end of the date.
func findDate(s string) (start, end int, ok bool) {
	for _, w := range []string{"dated ", "modified "} {
		from := 0
		for {
			i := strings.Index(s[from:], w)
			if i < 0 {
				break
			}
			i += from
			d := i + len(w)
			if (i == 0 || s[i-1] == ' ') && d+10 <= len(s) && isDay(s[d:d+10]) {
				return i, d + 10, true
			}
			from = i + 1
		}
	}
	return 0, 0, false
}

// isDay reports whether s has the shape YYYY-MM-DD.
func isDay(s string) bool {
	for i := range 10 {
		if c := s[i]; (i == 4 || i == 7) != (c == '-') || (c != '-' && (c < '0' || c > '9')) {
			return false
		}
	}
	return true
}

// withoutParens removes parenthesised details, nested ones included, with the spaces before
// them. An unbalanced parenthesis is kept.
func withoutParens(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth, open := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			if depth == 0 {
				open = i
			}
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
		if depth == 0 && s[i] == ')' && i > open {
			// Drop the spaces written before the opening parenthesis.
			t := strings.TrimRight(b.String(), " ")
			b.Reset()
			b.WriteString(t)
		}
	}
	if depth > 0 {
		b.WriteString(s[open:])
	}
	return b.String()
}

// numbersAsN replaces each run of digits of w with N.
func numbersAsN(w string) string {
	var b strings.Builder
	inDigits := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= '0' && c <= '9' {
			if !inDigits {
				b.WriteByte('N')
			}
			inDigits = true
			continue
		}
		inDigits = false
		b.WriteByte(c)
	}
	return b.String()
}

// omittedDate returns the day an item left out is of: the date its reason gives (a dated log's
// name, else its modification day), else its modification time; zero when unknown.
func omittedDate(o Omitted) time.Time {
	if _, end, ok := findDate(o.Reason); ok {
		if d, err := time.Parse("2006-01-02", o.Reason[end-10:end]); err == nil {
			return d
		}
	}
	if o.Mtime != nil {
		return o.Mtime.UTC()
	}
	return time.Time{}
}

// OmittedGroup is what was left out for one reason.
type OmittedGroup struct {
	Reason     string   // OmittedReason of its items
	Collectors []string // the collectors that left them out, in order of first appearance
	// Count is how many items were left out for the reason: Listed in the manifest's Omitted,
	// and the rest counted in OmittedMoreByReason.
	Count, Listed int
	// First and Last are the earliest and latest day of the listed items (OmittedDate); zero
	// when none has one.
	First, Last time.Time
	Size        int64 // the listed items' size, where known
	// Largest holds a few listed items: the largest, then (sizes unknown) the newest.
	Largest []Omitted
}

// Dates says the group's date range for people: "2026-01-02 to 2026-11-20", one day alone, or ""
// when no item has a date.
func (g OmittedGroup) Dates() string {
	first, last := g.First.Format(time.DateOnly), g.Last.Format(time.DateOnly)
	switch {
	case g.First.IsZero():
		return ""
	case first == last:
		return first
	}
	return first + " to " + last
}

// GroupOmitted groups what m left out by reason, most items first, each with its date range and
// its largest few items (at most largest of them).
func GroupOmitted(m *Manifest, largest int) []OmittedGroup {
	byReason := map[string]int{}
	var groups []OmittedGroup
	var members [][]dated
	at := func(reason string) int {
		i, ok := byReason[reason]
		if !ok {
			i = len(groups)
			byReason[reason] = i
			groups = append(groups, OmittedGroup{Reason: reason})
			members = append(members, nil)
		}
		return i
	}
	for _, o := range m.Omitted {
		i := at(OmittedReason(o.Reason))
		g := &groups[i]
		g.Count++
		g.Listed++
		g.Size += o.Size
		if !slices.Contains(g.Collectors, o.Collector) && o.Collector != "" {
			g.Collectors = append(g.Collectors, o.Collector)
		}
		d := omittedDate(o)
		if !d.IsZero() {
			if g.First.IsZero() || d.Before(g.First) {
				g.First = d
			}
			if d.After(g.Last) {
				g.Last = d
			}
		}
		members[i] = append(members[i], dated{o, d})
	}
	for _, reason := range sortedMapKeys(m.OmittedMoreByReason) {
		if n := m.OmittedMoreByReason[reason]; n > 0 {
			groups[at(reason)].Count += n
		}
	}
	for i := range groups {
		items := members[i]
		slices.SortStableFunc(items, largestFirst)
		for _, it := range items[:min(len(items), max(largest, 0))] {
			groups[i].Largest = append(groups[i].Largest, it.Omitted)
		}
	}
	if len(groups) == 0 {
		return nil
	}
	order := make([]int, len(groups))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(groups[b].Count, groups[a].Count), cmp.Compare(groups[a].Reason, groups[b].Reason))
	})
	out := make([]OmittedGroup, len(groups))
	for i, j := range order {
		out[i] = groups[j]
	}
	return out
}

// dated is an item left out and its day (omittedDate).
type dated struct {
	Omitted
	day time.Time
}

func datedItems(items []Omitted) []dated {
	out := make([]dated, len(items))
	for i, o := range items {
		out[i] = dated{o, omittedDate(o)}
	}
	return out
}

// largestFirst orders items left out by size, then by day, both descending.
func largestFirst(a, b dated) int {
	return cmp.Or(cmp.Compare(b.Size, a.Size), b.day.Compare(a.day))
}

// OmittedTotal is how many items m left out, listed or not.
func OmittedTotal(m *Manifest) int { return len(m.Omitted) + m.OmittedMore }

// CapOmitted keeps at most limit items in m.Omitted and counts the others in m.OmittedMore and
// m.OmittedMoreByReason. Every reason keeps items in turn, so a rare reason is never crowded
// out by a common one; within a reason, the largest few, the oldest and the newest are kept
// first (so GroupOmitted still gives its date range and largest items), then the newest. The
// items kept stay in their order. It does nothing when m lists limit items or fewer.
func CapOmitted(m *Manifest, limit int) {
	limit = max(limit, 0)
	if len(m.Omitted) <= limit {
		return
	}
	// Each reason's items in the order they are kept.
	var reasons []string
	queue := map[string][]int{}
	for i, o := range m.Omitted {
		r := OmittedReason(o.Reason)
		if _, ok := queue[r]; !ok {
			reasons = append(reasons, r)
		}
		queue[r] = append(queue[r], i)
	}
	items := datedItems(m.Omitted)
	for _, r := range reasons {
		queue[r] = keepOrder(items, queue[r])
	}
	keep := make([]bool, len(m.Omitted))
	for kept, round := 0, 0; kept < limit; round++ {
		progressed := false
		for _, r := range reasons {
			if q := queue[r]; round < len(q) && kept < limit {
				keep[q[round]] = true
				kept++
				progressed = true
			}
		}
		if !progressed {
			break
		}
	}
	var out []Omitted
	for i, o := range m.Omitted {
		if keep[i] {
			out = append(out, o)
			continue
		}
		if m.OmittedMoreByReason == nil {
			m.OmittedMoreByReason = map[string]int{}
		}
		m.OmittedMoreByReason[OmittedReason(o.Reason)]++
		m.OmittedMore++
	}
	m.Omitted = out
}

// capLargest is how many of a reason's largest items CapOmitted keeps first.
const capLargest = 3

// keepOrder returns idx (items of one reason) in the order CapOmitted keeps them: the largest
// few, the oldest, the newest, then the rest newest first.
func keepOrder(items []dated, idx []int) []int {
	byNewest := slices.Clone(idx)
	slices.SortStableFunc(byNewest, func(a, b int) int { return items[b].day.Compare(items[a].day) })
	bySize := slices.Clone(idx)
	slices.SortStableFunc(bySize, func(a, b int) int { return largestFirst(items[a], items[b]) })
	var order []int
	seen := map[int]bool{}
	add := func(i int) {
		if !seen[i] {
			seen[i] = true
			order = append(order, i)
		}
	}
	for _, i := range bySize[:min(capLargest, len(bySize))] {
		if items[i].Size > 0 {
			add(i)
		}
	}
	add(byNewest[len(byNewest)-1])
	add(byNewest[0])
	for _, i := range byNewest {
		add(i)
	}
	return order
}

func sortedMapKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
