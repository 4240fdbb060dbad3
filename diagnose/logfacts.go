package diagnose

import (
	"sort"
	"time"
)

// logFacts is what the checks read from a finished scan: when the agent logged, when its
// heartbeats succeeded, the runs of failures, and the points of the timeline.
type logFacts struct {
	newest   Ref       // the newest line of the agent's logs (or of its journal)
	logSpans []span    // when the agent logged, merged across files
	hbSpans  []span    // when heartbeats succeeded, merged across files
	okCount  int       // successful heartbeats
	lastOK   *Event    // nil when none
	silences []span    // stretches of at least silenceMin without any line, between lines
	gaps     []span    // stretches of at least heartbeatGap without a successful heartbeat while the agent logged
	hbRuns   []failRun // runs of failed heartbeats, in time order
	tuRuns   []failRun // runs of failed tunnel requests, in time order
	// hbOlder, tuOlder sum up the oldest runs, left out past maxRuns.
	hbOlder, tuOlder runStats
	points           map[string][]point
	dropped          map[string]int
}

// facts computes the scan's facts once.
func (s *LogScan) facts() *logFacts {
	s.replay()
	lf := &logFacts{newest: s.Newest(), points: map[string][]point{}, dropped: map[string]int{}}
	lf.lastOK = s.Event(EvHeartbeatOK)
	if lf.lastOK != nil {
		lf.okCount = lf.lastOK.Count
	}
	s.mu.Lock()
	all := append(append([]span(nil), s.logSpans...), s.journalSpans...)
	hb := append([]span(nil), s.hbSpans...)
	hbRuns := append([]failRun(nil), s.hbRuns.runs...)
	tuRuns := append([]failRun(nil), s.tunnelRuns.runs...)
	lf.hbOlder, lf.tuOlder = s.hbRuns.older, s.tunnelRuns.older
	for k, ps := range s.points {
		lf.points[k] = ps.sorted()
		if ps.dropped > 0 {
			lf.dropped[k] = ps.dropped
		}
	}
	s.mu.Unlock()
	lf.logSpans = mergeSpans(all, silenceMin)
	lf.hbSpans = mergeSpans(hb, heartbeatGap)
	lf.silences = holes(lf.logSpans, silenceMin)
	for _, g := range holes(lf.hbSpans, heartbeatGap) {
		lf.gaps = append(lf.gaps, minus(g, lf.silences, heartbeatGap)...)
	}
	lf.hbRuns = mergeRuns(hbRuns)
	lf.tuRuns = mergeRuns(tuRuns)
	// A run a later file ended: a success came after it.
	lastTunnel := lf.last(TLTunnelCreated, TLTunnelReady)
	for i := range lf.tuRuns {
		if r := &lf.tuRuns[i]; !r.Ended && !r.End.IsZero() && lastTunnel.After(r.End) {
			r.Ended = true
		}
	}
	if lf.lastOK != nil {
		for i := range lf.hbRuns {
			if r := &lf.hbRuns[i]; !r.Ended && !r.End.IsZero() && lf.lastOK.Last.Time.After(r.End) {
				r.Ended = true
			}
		}
	}
	return lf
}

// minus returns the parts of g at least min long that no silence covers.
func minus(g span, silences []span, min time.Duration) []span {
	parts := []span{g}
	for _, sl := range silences {
		var next []span
		for _, p := range parts {
			if !sl.From.Before(p.To) || !sl.To.After(p.From) {
				next = append(next, p)
				continue
			}
			if sl.From.After(p.From) {
				next = append(next, span{From: p.From, To: sl.From, FromRef: p.FromRef, ToRef: sl.FromRef})
			}
			if sl.To.Before(p.To) {
				next = append(next, span{From: sl.To, To: p.To, FromRef: sl.ToRef, ToRef: p.ToRef})
			}
		}
		parts = next
	}
	var out []span
	for _, p := range parts {
		if p.To.Sub(p.From) >= min {
			out = append(out, p)
		}
	}
	return out
}

// mergeRuns sorts runs and joins a run that a file's end cut with the next one when it follows
// within a few minutes (logs rotate at midnight).
func mergeRuns(runs []failRun) []failRun {
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].Start.Before(runs[j].Start) })
	var out []failRun
	for _, r := range runs {
		if k := len(out); k > 0 && !out[k-1].Ended && !r.Start.IsZero() && !out[k-1].End.IsZero() &&
			r.Start.Sub(out[k-1].End) <= heartbeatGap && !r.Start.Before(out[k-1].End) {
			p := &out[k-1]
			p.Count += r.Count
			p.End, p.LastRef, p.Ended, p.OK, p.OKRef = r.End, r.LastRef, r.Ended, r.OK, r.OKRef
			continue
		}
		out = append(out, r)
	}
	return out
}

// last returns the latest time of the points of kinds.
func (lf *logFacts) last(kinds ...string) time.Time {
	var t time.Time
	for _, k := range kinds {
		if ps := lf.points[k]; len(ps) > 0 && ps[len(ps)-1].Last.After(t) {
			t = ps[len(ps)-1].Last
		}
	}
	return t
}

// lastOKTime is the time of the last successful heartbeat, zero when none.
func (lf *logFacts) lastOKTime() time.Time {
	if lf.lastOK == nil {
		return time.Time{}
	}
	return lf.lastOK.Last.Time
}

// openRun returns the last run when no success ended it.
func openRun(runs []failRun) *failRun {
	if k := len(runs); k > 0 && !runs[k-1].Ended {
		return &runs[k-1]
	}
	return nil
}
