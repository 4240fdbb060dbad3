package diagnose

import (
	"bytes"
	"io"
	"sort"
	"sync"
	"time"
)

// Event kinds the log scan recognises, from the messages Celigo's troubleshooting guide quotes.
const (
	EvHeartbeatOK     = "heartbeat_ok"
	EvHeartbeatFailed = "heartbeat_failed"
	EvInvalidToken    = "invalid_token"
	EvDNS             = "dns_not_found"
	EvTimeout         = "connect_timeout"
	EvRefused         = "connection_refused"
	EvNoInternet      = "no_internet"
	EvTunnelOK        = "tunnel_ok"
	EvTunnelFailed    = "tunnel_failed"
	EvBind            = "bind_failed"
	EvEPERMUnlink     = "eperm_unlink"
	EvException       = "exception"
	EvTLS             = "tls_error"
	EvProxyAuth       = "proxy_auth"
	EvOOM             = "out_of_memory"
	EvFileLimit       = "file_limit"
	EvVersion         = "latest_version"
)

// pattern recognises one kind of event by case-insensitive substrings of a line: every string of
// one of the alternatives must occur.
type pattern struct {
	kind string
	any  [][]string
}

var patterns = []pattern{
	{EvHeartbeatOK, [][]string{{"heartbeat sent successfully"}, {"heartbeat acknowledged"}}},
	{EvHeartbeatFailed, [][]string{{"failed to send heartbeat"}, {"logname=heartbeatfailed"}, {"while sending heartbeat"}, {"during heartbeat"}, {"unable to reach https://api"}}},
	{EvInvalidToken, [][]string{{"invalid token"}, {"invalid access token"}, {"token is invalid"}, {"token", "401"}}},
	{EvDNS, [][]string{{"enotfound"}, {"getaddrinfo", "eai_again"}}},
	{EvTimeout, [][]string{{"etimedout"}, {"connection timeout"}, {"connect timeout"}}},
	{EvRefused, [][]string{{"econnrefused"}}},
	{EvNoInternet, [][]string{{"logname=nointernet"}}},
	{EvTunnelOK, [][]string{{"logname=tunnelcreated"}, {"logname=tunnelreadyforuse"}}},
	{EvTunnelFailed, [][]string{{"logname=requesttunnel", "fail"}, {"requesting tunnel failed"}}},
	{EvBind, [][]string{{"unable to bind to"}, {"eaddrinuse"}}},
	{EvEPERMUnlink, [][]string{{"eperm", "unlink"}}},
	{EvException, [][]string{{"uncaught exception"}, {"uncaughtexception"}, {"unhandledpromiserejection"}, {"typeerror"}, {"referenceerror"}, {"sockettimeoutexception"}}},
	{EvTLS, [][]string{{"self signed certificate"}, {"self-signed certificate"}, {"unable to verify the first certificate"}, {"unable_to_get_issuer_cert"}, {"cert_has_expired"}, {"unable to get local issuer certificate"}}},
	{EvProxyAuth, [][]string{{"407", "proxy"}, {"proxy authentication required"}}},
	{EvOOM, [][]string{{"heap out of memory"}, {"enomem"}, {"out of memory"}}},
	{EvFileLimit, [][]string{{"emfile"}, {"too many open files"}}},
	{EvVersion, [][]string{{"latest version"}}},
}

// maxRefs is how many occurrences of an event are kept as evidence.
const maxRefs = 5

// Ref is one occurrence of an event: a line of a file in the bundle.
type Ref struct {
	Path string
	Line int
	Time time.Time // from the line's leading timestamp; zero when it has none
	Text string    // the line, redacted, cut to maxText
}

const maxText = 240

// Event sums up one kind of event across the scanned files.
type Event struct {
	Count int
	First []Ref // the first maxRefs occurrences
	Last  Ref   // the latest occurrence by time, else the last seen
}

// event is an Event being gathered; the last occurrence's text is kept in a reused buffer, since
// it changes on every occurrence.
type event struct {
	Event
	lastText []byte
}

// GapMin is the shortest stretch without a successful heartbeat that the scan records. The agent
// sends one about every 60 seconds.
const GapMin = 5 * time.Minute

// maxGaps bounds the gaps recorded per file.
const maxGaps = 1000

// heartbeats is what one file says about successful heartbeats.
type heartbeats struct {
	first, last time.Time
	gaps        []Gap
}

// LogScan reads log lines as they are written to the bundle (redacted) and records the events
// the troubleshooting guide tells support to look for. Its memory does not grow with the logs.
// It is safe for concurrent use.
type LogScan struct {
	mu      sync.Mutex
	events  map[string]*event
	beats   []heartbeats // one per file with heartbeats
	newest  Ref          // the latest timestamped line of any file
	files   map[string]*FileStats
	version VersionMention
}

// FileStats describes one scanned file.
type FileStats struct {
	Lines int
	Bytes int64
}

// NewLogScan returns an empty scan.
func NewLogScan() *LogScan {
	return &LogScan{events: map[string]*event{}, files: map[string]*FileStats{}}
}

// File returns a writer that scans the lines of the bundle file path. Close it to scan a last
// line without a line break and to record the file's results.
func (s *LogScan) File(path string) io.WriteCloser {
	s.mu.Lock()
	s.files[path] = &FileStats{}
	s.mu.Unlock()
	return &lineWriter{s: s, path: path}
}

// Event returns what was seen of kind, nil when nothing.
func (s *LogScan) Event(kind string) *Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.events[kind]
	if e == nil {
		return nil
	}
	out := e.Event
	out.First = append([]Ref(nil), e.First...)
	out.Last.Text = cut(e.lastText)
	return &out
}

// Newest returns the latest timestamped line seen, zero when no line had a timestamp.
func (s *LogScan) Newest() Ref {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newest
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

// Gap is a stretch without a successful heartbeat.
type Gap struct {
	From, To time.Time
}

// HeartbeatGaps returns the stretches longer than min (at least GapMin) between successful
// heartbeats, longest first: those inside each file, and those between files.
func (s *LogScan) HeartbeatGaps(min time.Duration) []Gap {
	s.mu.Lock()
	beats := append([]heartbeats(nil), s.beats...)
	s.mu.Unlock()
	var gaps []Gap
	for _, b := range beats {
		for _, g := range b.gaps {
			if g.To.Sub(g.From) > min {
				gaps = append(gaps, g)
			}
		}
	}
	sort.Slice(beats, func(i, j int) bool { return beats[i].first.Before(beats[j].first) })
	var covered time.Time
	for i, b := range beats {
		if i > 0 && b.first.Sub(covered) > min {
			gaps = append(gaps, Gap{covered, b.first})
		}
		if b.last.After(covered) {
			covered = b.last
		}
	}
	sort.SliceStable(gaps, func(i, j int) bool { return gaps[i].To.Sub(gaps[i].From) > gaps[j].To.Sub(gaps[j].From) })
	return gaps
}

// maxLine is how much of a line is kept for matching; the rest of a longer line is skipped.
const maxLine = 8 << 10

// lineWriter finds events in what is written to it. Complete lines are scanned a block at a time:
// each pattern's first string is searched for in the whole block (lowercased once), and only the
// lines it occurs in are looked at further, so a healthy log costs a few fast searches per block
// rather than work per line. Memory is bounded: a line longer than maxLine is cut.
type lineWriter struct {
	s       *LogScan
	path    string
	line    int    // complete lines seen
	carry   []byte // the incomplete last line, at most maxLine bytes
	long    bool   // the incomplete line passed maxLine: the rest of it is skipped
	low     []byte // lowercase scratch
	hits    []hit
	newest  Ref // the latest timestamped line of this file
	written int64
	beats   heartbeats
}

// hit is a line a pattern matched, by its offset in the block.
type hit struct {
	start, end int
	kind       string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	w.written += int64(n)
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		w.addCarry(p)
		return n, nil
	}
	// Finish the carried line, then scan every complete line of p in place.
	if len(w.carry) > 0 || w.long {
		w.addCarry(p[:i+1])
		if w.long {
			w.carry = append(w.carry, '\n') // the cut line still ends here
		}
		w.scanBlock(w.carry)
		w.carry, w.long = w.carry[:0], false
	} else {
		w.scanBlock(p[:i+1])
	}
	last := bytes.LastIndexByte(p, '\n')
	if last > i {
		w.scanBlock(p[i+1 : last+1])
	}
	w.addCarry(p[last+1:])
	return n, nil
}

func (w *lineWriter) addCarry(p []byte) {
	if w.long {
		return
	}
	room := maxLine - len(w.carry)
	if len(p) > room {
		p, w.long = p[:room], true
	}
	w.carry = append(w.carry, p...)
}

func (w *lineWriter) Close() error {
	if len(w.carry) > 0 {
		w.scanBlock(append(w.carry, '\n'))
		w.carry = w.carry[:0]
	}
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	st := w.s.files[w.path]
	st.Lines, st.Bytes = w.line, w.written
	if w.newest.Path != "" && w.newest.Time.After(w.s.newest.Time) {
		w.s.newest = w.newest
	}
	if !w.beats.first.IsZero() {
		w.s.beats = append(w.s.beats, w.beats)
		w.beats = heartbeats{}
	}
	return nil
}

// key is the first string of one alternative of a pattern: finding it leads to checking the
// alternative's other strings on that line.
type key struct {
	str     string
	pattern int
	alt     int
}

var keys, keyMatcher = func() ([]key, *matcher) {
	var ks []key
	var strs []string
	for i, p := range patterns {
		for j, alt := range p.any {
			ks = append(ks, key{alt[0], i, j})
			strs = append(strs, alt[0])
		}
	}
	return ks, newMatcher(strs)
}()

// scanBlock scans complete lines (block ends with a line break).
func (w *lineWriter) scanBlock(block []byte) {
	w.hits = w.hits[:0]
	keyMatcher.scan(block, func(end, id int) {
		k := keys[id]
		ls := bytes.LastIndexByte(block[:end-len(k.str)], '\n') + 1
		le := len(block)
		if i := bytes.IndexByte(block[end:], '\n'); i >= 0 {
			le = end + i
		}
		kind := patterns[k.pattern].kind
		for i := len(w.hits) - 1; i >= 0 && w.hits[i].start == ls; i-- {
			if w.hits[i].kind == kind {
				return // another alternative of the pattern already matched this line
			}
		}
		if rest := patterns[k.pattern].any[k.alt][1:]; len(rest) > 0 {
			w.low = toLower(w.low[:0], block[ls:le])
			if !matchAll(w.low, rest) {
				return
			}
		}
		w.hits = append(w.hits, hit{ls, le, kind})
	})
	base := w.line
	if len(w.hits) > 0 {
		counted, line := 0, base
		for _, h := range w.hits {
			line += bytes.Count(block[counted:h.start], []byte{'\n'})
			counted = h.start
			text := bytes.TrimRight(block[h.start:h.end], "\r")
			ts := leadingTime(text)
			if h.kind == EvHeartbeatOK && !ts.IsZero() {
				w.beat(ts)
			}
			w.s.record(w.path, line+1, ts, text, h.kind)
		}
	}
	w.line = base + bytes.Count(block, []byte{'\n'})
	w.noteNewest(block)
}

// noteNewest remembers the last timestamped line of the block: logs are written in order, so it
// is the newest so far. Stack-trace lines have no timestamp; a few are looked past.
func (w *lineWriter) noteNewest(block []byte) {
	end := len(block) - 1 // the final line break
	line := w.line
	for tries := 0; tries < 64 && end > 0; tries++ {
		start := bytes.LastIndexByte(block[:end], '\n') + 1
		text := bytes.TrimRight(block[start:end], "\r")
		if ts := leadingTime(text); !ts.IsZero() {
			if ts.After(w.newest.Time) {
				w.newest = Ref{Path: w.path, Line: line, Time: ts, Text: cut(text)}
			}
			return
		}
		end = start - 1
		line--
	}
}

func matchAll(line []byte, strs []string) bool {
	for _, s := range strs {
		if !bytes.Contains(line, []byte(s)) {
			return false
		}
	}
	return true
}

// beat notes a successful heartbeat at ts; lines of one file come in time order.
func (w *lineWriter) beat(ts time.Time) {
	b := &w.beats
	if !b.last.IsZero() && ts.Sub(b.last) > GapMin && len(b.gaps) < maxGaps {
		b.gaps = append(b.gaps, Gap{b.last, ts})
	}
	if b.first.IsZero() || ts.Before(b.first) {
		b.first = ts
	}
	if ts.After(b.last) {
		b.last = ts
	}
}

func (s *LogScan) record(path string, line int, ts time.Time, text []byte, kind string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.events[kind]
	if e == nil {
		e = &event{}
		s.events[kind] = e
	}
	e.Count++
	if len(e.First) < maxRefs {
		e.First = append(e.First, Ref{Path: path, Line: line, Time: ts, Text: cut(text)})
	}
	if e.Last.Path == "" || ts.IsZero() || !ts.Before(e.Last.Time) {
		e.Last = Ref{Path: path, Line: line, Time: ts}
		e.lastText = append(e.lastText[:0], text[:min(len(text), maxText)]...)
	}
	if kind == EvVersion {
		s.noteVersion(Ref{Path: path, Line: line, Time: ts, Text: cut(text)}, string(text))
	}
}

func cut(b []byte) string {
	if len(b) > maxText {
		b = b[:maxText]
	}
	return string(bytes.ToValidUTF8(b, []byte("?")))
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
// "+0200"). Without a zone the time is local. A line without one gives the zero time.
func leadingTime(line []byte) time.Time {
	b := line
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
	if len(b) > 1 && b[0] == '.' {
		i, scale := 1, 100000000
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			nsec += int(b[i]-'0') * scale
			scale /= 10
		}
		b = b[i:]
	}
	loc := time.Local
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
		if oh < 0 || om < 0 {
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
