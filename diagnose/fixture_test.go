package diagnose

import (
	"sort"
	"strings"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

// logb builds an agent log: timestamped entries kept in time order, some of them planted and
// found again by their handle to know their line.
type logb struct {
	entries []logEntry
	next    int
}

type logEntry struct {
	t    time.Time
	text string // may hold several lines: the first has the timestamp
	id   int
}

// add adds an entry at t and returns its handle.
func (l *logb) add(t time.Time, text string) int {
	l.next++
	l.entries = append(l.entries, logEntry{t: t, text: text, id: l.next})
	return l.next
}

// drop removes the entries within [from, to) whose text contains s.
func (l *logb) drop(from, to time.Time, s string) {
	kept := l.entries[:0]
	for _, e := range l.entries {
		if !e.t.Before(from) && e.t.Before(to) && strings.Contains(e.text, s) {
			continue
		}
		kept = append(kept, e)
	}
	l.entries = kept
}

// cutAfter removes every entry after t.
func (l *logb) cutAfter(t time.Time) {
	kept := l.entries[:0]
	for _, e := range l.entries {
		if !e.t.After(t) {
			kept = append(kept, e)
		}
	}
	l.entries = kept
}

func (l *logb) sorted() []logEntry {
	sort.SliceStable(l.entries, func(i, j int) bool { return l.entries[i].t.Before(l.entries[j].t) })
	return l.entries
}

// line returns the 1-based line of the entry with handle id.
func (l *logb) line(id int) int {
	n := 1
	for _, e := range l.sorted() {
		if e.id == id {
			return n
		}
		n += strings.Count(e.text, "\n") + 1
	}
	return 0
}

func (l *logb) String() string {
	var b strings.Builder
	for _, e := range l.sorted() {
		b.WriteString(ts(e.t) + ": " + e.text)
		b.WriteByte('\n')
	}
	return b.String()
}

// Lines of a healthy agent's log.
const (
	lineHeartbeat = "level=info, logName=heartbeat, message=Heartbeat sent successfully, durationMs=84"
	lineRequest   = "level=info, logName=request, requestId=6f1c, method=GET, url=https://api.integrator.io/v1/connections/5f2a, status=200, durationMs=120"
	lineQuery     = "level=info, logName=query, connectionId=5f2a9c, table=ORDERS, rows=12, durationMs=40"
	lineTunnelOK  = "level=info, logName=tunnelCreated"
	lineTunnelRdy = "level=info, logName=tunnelReadyForUse, port=7017"
)

// healthyLog is three hours of a healthy agent ending a minute before the run: a heartbeat
// every minute, requests and queries between, the tunnel created at the start.
func healthyLog() *logb {
	l := &logb{}
	start := runAt.Add(-3 * time.Hour)
	l.add(start, "level=info, logName=appStart, Update for version 4.5.1 is not available (latest version: 4.5.1, downgrade is disallowed).")
	l.add(start.Add(2*time.Second), lineTunnelOK)
	l.add(start.Add(3*time.Second), lineTunnelRdy)
	for t := start.Add(time.Minute); !t.After(runAt.Add(-time.Minute)); t = t.Add(time.Minute) {
		l.add(t, lineHeartbeat)
		l.add(t.Add(20*time.Second), lineRequest)
		l.add(t.Add(40*time.Second), lineQuery)
	}
	return l
}

// fixture is a bundle being planted: a healthy agent's manifest and log, and other files.
type fixture struct {
	m     *manifest.Manifest
	log   *logb
	other map[string]string
}

const logPath = "agent/logs/server-2026-11-28.log"

func newFixture() *fixture {
	return &fixture{m: agentManifest(), log: healthyLog(), other: map[string]string{"agent/settings.json": `{"token":"sha256:0123456789abcdef"}`}}
}

// run writes the bundle and runs the checks over it.
func (f *fixture) run() Result {
	files := map[string]string{}
	for k, v := range f.other {
		files[k] = v
	}
	if f.log != nil {
		files[logPath] = f.log.String()
	}
	m := f.m
	m.Files = nil
	return Run(m, bundleOf(m, files))
}

// at is a time relative to the run.
func at(d time.Duration) time.Time { return runAt.Add(d) }

// heartbeatFailures plants failed heartbeats every minute from from to to (relative to the
// run), in place of successful ones, and returns the first one's handle.
func (f *fixture) heartbeatFailures(from, to time.Duration, text string) int {
	f.log.drop(at(from), at(to), "Heartbeat sent successfully")
	first := 0
	for d := from; d < to; d += time.Minute {
		id := f.log.add(at(d), text)
		if first == 0 {
			first = id
		}
	}
	return first
}
