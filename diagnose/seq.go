package diagnose

import (
	"slices"
	"sort"
	"time"
)

// This file holds the bounded records the log scan keeps of time: spans of activity, runs of
// failures, and points folded by minute. Each has a fixed bound whatever the logs hold.

// lineRef is a line of a bundle file.
type lineRef struct {
	Path string
	Line int
}

// span is a stretch of time in which something (log lines, successful heartbeats) happened at
// least every threshold of its tracker.
type span struct {
	From, To       time.Time
	FromRef, ToRef lineRef
	Count          int // lines or heartbeats in it
}

// maxSpans bounds the spans one file keeps: past it the smallest holes between them are closed,
// so the longest silences and gaps are never lost.
const maxSpans = 512

// spanTracker gathers the spans of one stream (a file) in which events are at most thr apart.
type spanTracker struct {
	thr   time.Duration
	spans []span
}

func (st *spanTracker) add(t time.Time, r lineRef, n int) {
	if k := len(st.spans); k > 0 {
		c := &st.spans[k-1]
		if !t.Before(c.From.Add(-st.thr)) && !t.After(c.To.Add(st.thr)) {
			if t.After(c.To) {
				c.To, c.ToRef = t, r
			}
			if t.Before(c.From) {
				c.From, c.FromRef = t, r
			}
			c.Count += n
			return
		}
	}
	st.spans = append(st.spans, span{From: t, To: t, FromRef: r, ToRef: r, Count: n})
	if len(st.spans) > 2*maxSpans {
		st.spans = compactSpans(st.spans, st.thr, maxSpans)
	}
}

// mergeSpans sorts spans and joins those less than thr apart.
func mergeSpans(spans []span, thr time.Duration) []span {
	s := slices.Clone(spans)
	sort.Slice(s, func(i, j int) bool { return s[i].From.Before(s[j].From) })
	var out []span
	for _, x := range s {
		if k := len(out); k > 0 && !x.From.After(out[k-1].To.Add(thr)) {
			c := &out[k-1]
			if x.To.After(c.To) {
				c.To, c.ToRef = x.To, x.ToRef
			}
			c.Count += x.Count
			continue
		}
		out = append(out, x)
	}
	return out
}

// compactSpans merges spans until at most limit remain, closing the smallest holes first.
func compactSpans(spans []span, thr time.Duration, limit int) []span {
	s := mergeSpans(spans, thr)
	if len(s) <= limit || limit < 1 {
		return s
	}
	// Keep the limit-1 longest holes (the later of equal ones), close the others.
	idx := make([]int, len(s)-1)
	for i := range idx {
		idx[i] = i + 1 // the hole before s[i+1]
	}
	hole := func(i int) time.Duration { return s[i].From.Sub(s[i-1].To) }
	sort.SliceStable(idx, func(a, b int) bool { return hole(idx[a]) > hole(idx[b]) })
	keep := make(map[int]bool, limit-1)
	for _, i := range idx[:limit-1] {
		keep[i] = true
	}
	out := s[:1]
	for i := 1; i < len(s); i++ {
		if !keep[i] {
			c := &out[len(out)-1]
			if s[i].To.After(c.To) {
				c.To, c.ToRef = s[i].To, s[i].ToRef
			}
			c.Count += s[i].Count
			continue
		}
		out = append(out, s[i])
	}
	return out
}

// holes returns the stretches of at least min between merged spans.
func holes(merged []span, min time.Duration) []span {
	var out []span
	for i := 1; i < len(merged); i++ {
		a, b := merged[i-1], merged[i]
		if b.From.Sub(a.To) >= min {
			out = append(out, span{From: a.To, To: b.From, FromRef: a.ToRef, ToRef: b.FromRef})
		}
	}
	return out
}

// run is a run of failures of one kind (heartbeats, tunnel requests) until a success ended it,
// or until the stream ended.
type failRun struct {
	Start, End time.Time
	First      Ref // the first failure
	LastRef    lineRef
	Count      int
	Ended      bool // a success ended it
	OK         time.Time
	OKRef      lineRef
}

// runTracker follows the runs of one stream, in order.
type runTracker struct {
	open    failRun
	running bool
}

// fail notes a failure. The run's first failure is kept as evidence, without its text.
func (rt *runTracker) fail(path string, line int, t time.Time) {
	if !rt.running {
		rt.open, rt.running = failRun{Start: t, First: Ref{Path: path, Line: line, Time: t}}, true
	}
	r := &rt.open
	r.Count++
	if !t.IsZero() {
		if r.Start.IsZero() {
			r.Start = t
		}
		r.End = t
	}
	r.LastRef = lineRef{path, line}
}

// ok ends the open run, if any, and returns it.
func (rt *runTracker) ok(t time.Time, ref lineRef) (failRun, bool) {
	if !rt.running {
		return failRun{}, false
	}
	rt.running = false
	r := rt.open
	r.Ended, r.OK, r.OKRef = true, t, ref
	return r, true
}

// flush returns the open run at the end of the stream.
func (rt *runTracker) flush() (failRun, bool) {
	r, ok := rt.open, rt.running
	rt.running = false
	return r, ok
}

// maxRuns bounds the runs kept of each kind; the oldest go first, counted in older.
const maxRuns = 1000

// runSet is the runs of one kind, bounded: what is dropped is summed up.
type runSet struct {
	runs  []failRun
	older runStats // of the runs dropped
}

// runStats sums up runs: how many a success ended, their failures, and those of more than
// normalTunnelRetries failures.
type runStats struct {
	ended, failures, long int
}

func (rs *runSet) add(r failRun) {
	rs.runs = append(rs.runs, r)
	if len(rs.runs) <= maxRuns+maxRuns/4 {
		return
	}
	sort.SliceStable(rs.runs, func(i, j int) bool { return rs.runs[i].Start.Before(rs.runs[j].Start) })
	n := len(rs.runs) - maxRuns
	for _, d := range rs.runs[:n] {
		if d.Ended {
			rs.older.ended++
			rs.older.failures += d.Count
			if d.Count > normalTunnelRetries {
				rs.older.long++
			}
		}
	}
	rs.runs = append(rs.runs[:0], rs.runs[n:]...)
}

// addAll adds another set's runs and what it dropped.
func (rs *runSet) addAll(o runSet) {
	for _, r := range o.runs {
		rs.add(r)
	}
	rs.older.ended += o.older.ended
	rs.older.failures += o.older.failures
	rs.older.long += o.older.long
}

// point is one minute's occurrences of an event kind.
type point struct {
	Time, Last time.Time
	Count      int
	Ref        Ref // the first occurrence
}

// pointSet folds an event kind's timestamped occurrences by minute, keeping the newest
// MaxTimelineEvents minutes.
type pointSet struct {
	byMin   map[int64]*point
	dropped int // occurrences left out past the bound
}

func (ps *pointSet) add(t time.Time, path string, line int, text []byte) {
	if t.IsZero() {
		return
	}
	if ps.byMin == nil {
		ps.byMin = map[int64]*point{}
	}
	m := t.Unix() / 60
	if p := ps.byMin[m]; p != nil {
		p.Count++
		if t.After(p.Last) {
			p.Last = t
		}
		if t.Before(p.Time) {
			p.Time, p.Ref = t, Ref{Path: path, Line: line, Time: t, Text: cut(text)}
		}
		return
	}
	ps.byMin[m] = &point{Time: t, Last: t, Count: 1, Ref: Ref{Path: path, Line: line, Time: t, Text: cut(text)}}
	if len(ps.byMin) > MaxTimelineEvents+MaxTimelineEvents/4 {
		mins := make([]int64, 0, len(ps.byMin))
		for k := range ps.byMin {
			mins = append(mins, k)
		}
		slices.Sort(mins)
		for _, k := range mins[:len(mins)-MaxTimelineEvents] {
			ps.dropped += ps.byMin[k].Count
			delete(ps.byMin, k)
		}
	}
}

// sorted returns the points in time order.
func (ps *pointSet) sorted() []point {
	out := make([]point, 0, len(ps.byMin))
	for _, p := range ps.byMin {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// near reports whether some point lies within d of t, and the nearest one.
func near(points []point, t time.Time, d time.Duration) (point, bool) {
	i := sort.Search(len(points), func(i int) bool { return !points[i].Last.Before(t.Add(-d)) })
	if i < len(points) && !points[i].Time.After(t.Add(d)) {
		return points[i], true
	}
	return point{}, false
}
