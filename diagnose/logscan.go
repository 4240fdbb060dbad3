package diagnose

import (
	"bytes"
	"io"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Ref is one occurrence of an event: the first line of its entry in a bundle file.
type Ref struct {
	Path string
	Line int
	Time time.Time // from the entry's leading timestamp; zero when it has none
	Text string    // the entry, lines joined, redacted (as the bundle holds it), cut to maxText
}

const maxText = 240

// maxRefs is how many occurrences of an event are kept as evidence.
const maxRefs = 5

// Event sums up one kind of event (of one host, or of all) across the scanned files.
type Event struct {
	Host  Host
	Count int
	First []Ref // the first maxRefs occurrences
	Last  Ref   // the latest occurrence by time, else the last seen
	// Earliest is the time of the earliest timestamped occurrence.
	Earliest time.Time
}

// event is an Event being gathered; the last occurrence's text is kept in a reused buffer, since
// it changes on every occurrence.
type event struct {
	Event
	lastText []byte
}

// maxHostsPerKind bounds the hosts told apart per kind; the rest are counted under one entry.
const maxHostsPerKind = 32

type aggKey struct {
	kind int // index in patterns
	host Host
}

// Thresholds of the spans the scan keeps.
const (
	// heartbeatGap is a stretch without a successful heartbeat (sent about every 60 s) that
	// counts as a gap.
	heartbeatGap = 5 * time.Minute
	// silenceMin is the shortest stretch without any log line that the scan keeps as a hole.
	silenceMin = 10 * time.Minute
)

// source is what kind of bundle file a scan reads.
type source int

const (
	srcLog     source = iota // the agent's own log
	srcCrash                 // the agent's uncaughtException file
	srcJournal               // a systemd journal extract (journalctl -o short-iso)
	srcEvents                // a Windows event-log extract
)

// sourceOf tells a bundle file's kind by its path.
func sourceOf(p string) source {
	base := strings.ToLower(path.Base(p))
	switch {
	case strings.HasPrefix(p, "service/") && base == "journal.txt":
		return srcJournal
	case strings.HasPrefix(p, "service/") && strings.HasPrefix(base, "events-"):
		return srcEvents
	case strings.HasPrefix(base, "uncaughtexception"):
		return srcCrash
	}
	return srcLog
}

// LogScan reads log lines (redacted, as the bundle holds them) and records the events the
// troubleshooting guide tells support to look for: which host each is about, when, and how
// they follow each other. Its memory does not grow with the logs. It is safe for concurrent
// use; each file is written by one goroutine.
type LogScan struct {
	loc *time.Location // for timestamps without a zone
	// notAfter and notBefore bound the plausible times of lines (zero: unbounded); a line
	// outside them keeps its text but not its time (see setWindow). notBefore applies to the
	// logs, the journal and the event extracts, not to crash files, which may be older.
	notAfter, notBefore time.Time

	mu     sync.Mutex
	files  map[string]*FileStats
	events map[aggKey]*event
	plain  [32]*event           // the events of each kind without a host: most of them
	hosts  [32]int              // hosts told apart per kind
	points map[string]*pointSet // timeline kinds, folded by minute
	// Spans of activity of the agent's logs (any line) and of successful heartbeats, from
	// every file; the journal's agent lines are kept apart (see deferred).
	logSpans, hbSpans, journalSpans []span
	hbRuns, tunnelRuns              runSet
	newest                          Ref // the latest timestamped line of the agent's logs
	newestJournal                   Ref
	// newestEarly is the newest line time before the window (notBefore) of the agent's logs:
	// when every line is that old, recency is told from it.
	newestEarly Ref
	versions    versionMentions
	// deferred holds the journal's agent events: the agent's log files hold the same lines
	// when both were collected, so they count only outside the log files' time.
	deferred        []occurrence
	deferredDropped int
	replayed        bool
}

// FileStats describes one scanned file.
type FileStats struct {
	Lines int
	Bytes int64
}

func newLogScan(loc *time.Location) *LogScan {
	if loc == nil {
		loc = time.UTC
	}
	return &LogScan{loc: loc, files: map[string]*FileStats{}, events: map[aggKey]*event{}, points: map[string]*pointSet{}}
}

// clockSkew is how far past the run a line's time may be and still count: the run's time and
// the logs' come from the same machine, but a log without a zone is read at the offset the
// system collector recorded, which may be off by a day's worth of zones around a DST change.
const clockSkew = 24 * time.Hour

// setWindow bounds the plausible times of lines: not after the run plus clockSkew, and, for the
// logs, the journal and the event extracts, not before the run minus since (the collected
// window) minus clockSkew. A zero run or since leaves that side unbounded.
func (s *LogScan) setWindow(run time.Time, since time.Duration) {
	if run.IsZero() {
		return
	}
	s.notAfter = run.Add(clockSkew)
	if since > 0 {
		s.notBefore = run.Add(-since - clockSkew)
	}
}

// File returns a writer that scans the lines of the bundle file path: an agent log, an
// uncaughtException file, a service journal or an event-log extract, told by the path. Close it
// to scan a last line without a line break and to record the file's results.
func (s *LogScan) File(p string) io.WriteCloser {
	s.mu.Lock()
	s.files[p] = &FileStats{}
	s.mu.Unlock()
	src := sourceOf(p)
	lw := &lineWriter{s: s, path: p, src: src, logSpans: spanTracker{thr: silenceMin}, notAfter: s.notAfter}
	if src != srcCrash {
		lw.notBefore = s.notBefore
	}
	if src == srcJournal || src == srcEvents {
		return &textWriter{w: lw}
	}
	return lw
}

// Event returns what was seen of kind across all hosts, nil when nothing.
func (s *LogScan) Event(kind string) *Event {
	return merged(s.Events(kind))
}

// Events returns what was seen of kind, one Event per host, the most frequent first.
func (s *LogScan) Events(kind string) []Event {
	s.replay()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Event
	ki, ok := kindIndex[kind]
	if !ok {
		return nil
	}
	for k, e := range s.events {
		if k.kind != ki {
			continue
		}
		ev := e.Event
		ev.First = append([]Ref(nil), e.First...)
		ev.Last.Text = cut(e.lastText)
		out = append(out, ev)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Host.String() < out[j].Host.String()
	})
	return out
}

// Newest returns the latest timestamped line of the agent's logs (or, when they have none, of
// its journal), zero when no line had a timestamp.
func (s *LogScan) Newest() Ref {
	s.replay()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.newest.Path == "" {
		return s.newestJournal
	}
	return s.newest
}

// NewestEarly returns the newest time, and its file, among the agent's log lines left without a
// time for being before the collected window; zero when none.
func (s *LogScan) NewestEarly() Ref {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newestEarly
}

// Files returns the statistics of every scanned file.
func (s *LogScan) Files() map[string]FileStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]FileStats{}
	for k, v := range s.files {
		out[k] = *v
	}
	return out
}

func later(a, b Ref) bool {
	if a.Time.IsZero() || b.Time.IsZero() {
		return !a.Time.IsZero()
	}
	return a.Time.After(b.Time)
}

func earlier(a, b Ref) bool {
	switch {
	case a.Time.IsZero() != b.Time.IsZero():
		return !a.Time.IsZero()
	case !a.Time.Equal(b.Time):
		return a.Time.Before(b.Time)
	case a.Path != b.Path:
		return a.Path < b.Path
	}
	return a.Line < b.Line
}

// occurrence is one event of one entry, as a file writer hands it to the scan. text is valid
// only until it is recorded.
type occurrence struct {
	k    int // kind, by index in patterns
	host Host
	path string
	line int
	t    time.Time
	text []byte
}

// record adds occurrences to the totals. The caller holds s.mu.
func (s *LogScan) record(o occurrence) {
	var e *event
	if o.host == (Host{}) {
		e = s.plain[o.k]
	}
	if e == nil {
		k := aggKey{o.k, o.host}
		if e = s.events[k]; e == nil {
			if s.hosts[o.k] >= maxHostsPerKind && o.host.Name != "" {
				// Too many hosts to tell apart: count this one with the others of its target.
				k.host = Host{Target: o.host.Target}
				e = s.events[k]
			}
			if e == nil {
				e = &event{Event: Event{Host: k.host}}
				s.events[k] = e
				if k.host.Name != "" {
					s.hosts[o.k]++
				}
			}
		}
		if k.host == (Host{}) {
			s.plain[o.k] = e
		}
	}
	e.Count++
	if len(e.First) < maxRefs {
		e.First = append(e.First, Ref{Path: o.path, Line: o.line, Time: o.t, Text: cut(o.text)})
	}
	if e.Last.Path == "" || o.t.IsZero() == e.Last.Time.IsZero() && !o.t.Before(e.Last.Time) || !o.t.IsZero() && e.Last.Time.IsZero() {
		e.Last = Ref{Path: o.path, Line: o.line, Time: o.t}
		e.lastText = append(e.lastText[:0], o.text[:min(len(o.text), maxText)]...)
	}
	if !o.t.IsZero() && (e.Earliest.IsZero() || o.t.Before(e.Earliest)) {
		e.Earliest = o.t
	}
	if tl := timelineKind(o.k); tl != "" {
		ps := s.points[tl]
		if ps == nil {
			ps = &pointSet{}
			s.points[tl] = ps
		}
		ps.add(o.t, o.path, o.line, o.text)
	}
	if o.k == kVersion {
		s.noteVersion(Ref{Path: o.path, Line: o.line, Time: o.t, Text: cut(o.text)}, string(o.text))
	}
}

// timelineKind is the timeline kind an event kind is drawn as, "" for none. Successful
// heartbeats are drawn as spans, not points.
func timelineKind(k int) string {
	switch k {
	case kHeartbeatFailed:
		return TLHeartbeatFailed
	case kTunnelCreated:
		return TLTunnelCreated
	case kTunnelReady:
		return TLTunnelReady
	case kTunnelFailed:
		return TLTunnelFailed
	case kNoInternet:
		return TLNoInternet
	case kBind:
		return TLBindFailed
	case kUncaught:
		return TLCrash
	case kStart:
		return TLServiceRestart
	case kStop:
		return tlStop
	}
	return ""
}

// tlStop is a clean stop of the agent: not drawn, but it tells expected restarts apart.
const tlStop = "stop"

// point adds one point of a timeline kind that is no log event (the service manager's). The
// caller holds s.mu.
func (s *LogScan) point(kind string, t time.Time, p string, line int, text []byte) {
	ps := s.points[kind]
	if ps == nil {
		ps = &pointSet{}
		s.points[kind] = ps
	}
	ps.add(t, p, line, text)
}

// replay counts the journal's agent events that fall outside the time the agent's log files
// cover: the same lines are in both when both were collected. It runs once, when the results
// are first read.
func (s *LogScan) replay() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.replayed {
		return
	}
	s.replayed = true
	covered := mergeSpans(s.logSpans, time.Minute)
	inLogs := func(t time.Time) bool {
		i := sort.Search(len(covered), func(i int) bool { return !covered[i].To.Add(time.Minute).Before(t) })
		return i < len(covered) && !covered[i].From.Add(-time.Minute).After(t)
	}
	sort.SliceStable(s.deferred, func(i, j int) bool { return s.deferred[i].t.Before(s.deferred[j].t) })
	seq := newSeq()
	for _, o := range s.deferred {
		if len(covered) > 0 && (o.t.IsZero() || inLogs(o.t)) {
			continue
		}
		s.record(o)
		seq.note(o)
	}
	s.closeSeq(seq)
	s.deferred = nil
}

// seqState follows the order of one stream's events: successful heartbeats' spans and the runs
// of failed heartbeats and tunnel requests.
type seqState struct {
	hb             spanTracker
	hbRun, tunnel  runTracker
	hbRuns, tuRuns runSet
}

func newSeq() *seqState { return &seqState{hb: spanTracker{thr: heartbeatGap}} }

func (q *seqState) note(o occurrence) {
	ref := lineRef{o.path, o.line}
	switch o.k {
	case kHeartbeatOK:
		if !o.t.IsZero() {
			q.hb.add(o.t, ref, 1)
		}
		if r, ok := q.hbRun.ok(o.t, ref); ok {
			q.hbRuns.add(r)
		}
	case kHeartbeatFailed:
		q.hbRun.fail(o.path, o.line, o.t)
	case kTunnelCreated, kTunnelReady:
		if r, ok := q.tunnel.ok(o.t, ref); ok {
			q.tuRuns.add(r)
		}
	case kTunnelFailed:
		q.tunnel.fail(o.path, o.line, o.t)
	}
}

// closeSeq ends a stream and keeps what it found. The caller holds s.mu.
func (s *LogScan) closeSeq(q *seqState) {
	if r, ok := q.hbRun.flush(); ok {
		q.hbRuns.add(r)
	}
	if r, ok := q.tunnel.flush(); ok {
		q.tuRuns.add(r)
	}
	s.hbRuns.addAll(q.hbRuns)
	s.tunnelRuns.addAll(q.tuRuns)
	s.hbSpans = append(s.hbSpans, q.hb.spans...)
	if len(s.hbSpans) > 4*maxSpans {
		s.hbSpans = compactSpans(s.hbSpans, heartbeatGap, 2*maxSpans)
	}
}

// cut makes an entry's text one line for evidence: line breaks and the indentation after them
// become one space; at most maxText bytes, valid UTF-8.
func cut(b []byte) string {
	if !bytes.ContainsAny(b[:min(len(b), 4*maxText)], "\r\n") {
		if len(b) > maxText {
			b = b[:maxText]
		}
		if utf8.Valid(b) {
			return string(b)
		}
		return string(bytes.ToValidUTF8(b, []byte("?")))
	}
	out := make([]byte, 0, maxText)
	for i := 0; i < len(b) && len(out) < maxText; i++ {
		switch c := b[i]; c {
		case '\r':
		case '\n':
			for i+1 < len(b) && (b[i+1] == ' ' || b[i+1] == '\t') {
				i++
			}
			out = append(out, ' ')
		default:
			out = append(out, c)
		}
	}
	return string(bytes.ToValidUTF8(out, []byte("?")))
}

func toLower(dst, src []byte) []byte {
	for _, c := range src {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// leadingTime reads the timestamp agent log lines start with: "2025-05-06T12:08:22.172Z",
// "2025-05-06 12:08:22", optionally in brackets, optionally with a zone offset ("+02:00",
// "+0200"). Without a zone the time is in loc. A line without one gives the zero time.
func leadingTime(line []byte, loc *time.Location) time.Time {
	b := line
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		b = b[3:] // a byte-order mark at the start of the file
	}
	if len(b) > 0 && b[0] == '{' {
		return jsonTime(b, loc)
	}
	if len(b) > 0 && b[0] == '[' {
		b = b[1:]
	}
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return time.Time{}
	}
	num := func(s []byte) int {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec := num(b[0:4]), num(b[5:7]), num(b[8:10]), num(b[11:13]), num(b[14:16]), num(b[17:19])
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60 {
		return time.Time{}
	}
	b = b[19:]
	nsec := 0
	if len(b) > 1 && (b[0] == '.' || b[0] == ',') {
		i, scale := 1, 100000000
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			nsec += int(b[i]-'0') * scale
			scale /= 10
		}
		b = b[i:]
	}
	if len(b) >= 6 && b[0] == ' ' && (b[1] == '+' || b[1] == '-') && b[2] >= '0' && b[2] <= '9' {
		b = b[1:] // "2026-11-28 07:00:00,123 -05:00": the offset after a space
	}
	switch {
	case len(b) > 0 && b[0] == 'Z':
		loc = time.UTC
	case len(b) >= 5 && (b[0] == '+' || b[0] == '-'):
		oh, om := num(b[1:3]), -1
		if b[3] == ':' && len(b) >= 6 {
			om = num(b[4:6])
		} else {
			om = num(b[3:5])
		}
		if oh < 0 || om < 0 || oh > 23 || om > 59 {
			return time.Time{}
		}
		off := oh*3600 + om*60
		if b[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, nsec, loc)
}

// jsonKeys are the fields JSON log lines (winston's json format, pino, bunyan) keep their time in.
var jsonKeys = [][]byte{[]byte(`"timestamp":`), []byte(`"time":`), []byte(`"@timestamp":`), []byte(`"ts":`)}

// jsonTime reads the time of a JSON log line from its timestamp field, wherever the field is;
// a line without one gives the zero time.
func jsonTime(b []byte, loc *time.Location) time.Time {
	for _, k := range jsonKeys {
		i := bytes.Index(b, k)
		if i < 0 {
			continue
		}
		v := b[i+len(k):]
		for len(v) > 0 && v[0] == ' ' {
			v = v[1:]
		}
		if len(v) > 20 && v[0] == '"' && v[1] != '{' && v[1] != '[' {
			if t := leadingTime(v[1:], loc); !t.IsZero() {
				return t
			}
		}
	}
	return time.Time{}
}
