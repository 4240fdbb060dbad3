package diagnose

import (
	"bytes"
	"io"
	"regexp"
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

// LogScan reads log lines as they are written to the bundle (redacted) and records the events
// the troubleshooting guide tells support to look for. It is safe for concurrent use.
type LogScan struct {
	mu         sync.Mutex
	events     map[string]*Event
	heartbeats []time.Time // times of successful heartbeats
	newest     Ref         // the latest timestamped line of any file
	files      map[string]*FileStats
	version    VersionMention
}

// FileStats describes one scanned file.
type FileStats struct {
	Lines int
	Bytes int64
}

// NewLogScan returns an empty scan.
func NewLogScan() *LogScan {
	return &LogScan{events: map[string]*Event{}, files: map[string]*FileStats{}}
}

// File returns a writer that scans the lines of the bundle file path. Close it to scan a last
// line without a line break.
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
	return s.events[kind]
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

// HeartbeatGaps returns the stretches longer than min between successful heartbeats, longest
// first.
func (s *LogScan) HeartbeatGaps(min time.Duration) []Gap {
	s.mu.Lock()
	hb := append([]time.Time(nil), s.heartbeats...)
	s.mu.Unlock()
	sort.Slice(hb, func(i, j int) bool { return hb[i].Before(hb[j]) })
	var gaps []Gap
	for i := 1; i < len(hb); i++ {
		if hb[i].Sub(hb[i-1]) > min {
			gaps = append(gaps, Gap{hb[i-1], hb[i]})
		}
	}
	sort.SliceStable(gaps, func(i, j int) bool { return gaps[i].To.Sub(gaps[i].From) > gaps[j].To.Sub(gaps[j].From) })
	return gaps
}

// maxLine is how much of a line is kept for matching; the rest of a longer line is skipped.
const maxLine = 8 << 10

// lineWriter splits what is written into lines with bounded memory.
type lineWriter struct {
	s       *LogScan
	path    string
	line    int
	partial []byte
	long    bool // the current line passed maxLine: the rest is skipped
	lower   []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if !w.long {
			room := maxLine - len(w.partial)
			if len(chunk) > room {
				chunk, w.long = chunk[:room], true
			}
			w.partial = append(w.partial, chunk...)
		}
		if i < 0 {
			break
		}
		w.flush()
		p = p[i+1:]
	}
	w.s.mu.Lock()
	w.s.files[w.path].Bytes += int64(n)
	w.s.mu.Unlock()
	return n, nil
}

func (w *lineWriter) Close() error {
	if len(w.partial) > 0 {
		w.flush()
	}
	return nil
}

func (w *lineWriter) flush() {
	w.line++
	line := bytes.TrimRight(w.partial, "\r")
	w.lower = toLower(w.lower[:0], line)
	var ts time.Time
	var kinds []string
	for _, p := range patterns {
		if p.match(w.lower) {
			kinds = append(kinds, p.kind)
		}
	}
	if len(kinds) > 0 || len(line) >= 20 {
		ts = leadingTime(line)
	}
	if len(kinds) > 0 || !ts.IsZero() {
		w.s.record(w.path, w.line, ts, line, kinds)
	}
	w.s.mu.Lock()
	w.s.files[w.path].Lines = w.line
	w.s.mu.Unlock()
	w.partial, w.long = w.partial[:0], false
}

func (p pattern) match(lower []byte) bool {
	for _, all := range p.any {
		ok := true
		for _, s := range all {
			if !bytes.Contains(lower, []byte(s)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (s *LogScan) record(path string, line int, ts time.Time, text []byte, kinds []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ts.IsZero() && ts.After(s.newest.Time) {
		s.newest = Ref{Path: path, Line: line, Time: ts, Text: cut(text)}
	}
	for _, k := range kinds {
		e := s.events[k]
		if e == nil {
			e = &Event{}
			s.events[k] = e
		}
		e.Count++
		r := Ref{Path: path, Line: line, Time: ts, Text: cut(text)}
		if len(e.First) < maxRefs {
			e.First = append(e.First, r)
		}
		if e.Last.Path == "" || ts.IsZero() || !ts.Before(e.Last.Time) {
			e.Last = r
		}
		if k == EvHeartbeatOK && !ts.IsZero() {
			s.heartbeats = append(s.heartbeats, ts)
		}
		if k == EvVersion {
			s.noteVersion(r, string(text))
		}
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

// leadingTime matches the timestamps agent logs start with: "2025-05-06T12:08:22.172Z",
// "2025-05-06 12:08:22", optionally in brackets.
var leadingTime = func() func([]byte) time.Time {
	re := regexp.MustCompile(`^\[?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?`)
	return func(line []byte) time.Time {
		if len(line) < 19 || line[0] != '[' && (line[0] < '0' || line[0] > '9') {
			return time.Time{}
		}
		m := re.FindSubmatch(line)
		if m == nil {
			return time.Time{}
		}
		s := string(m[1]) + "T" + string(m[2]) + string(m[3])
		zone := string(m[4])
		switch {
		case zone == "":
			t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.Local)
			if err != nil {
				return time.Time{}
			}
			return t
		case zone != "Z" && len(zone) == 5:
			zone = zone[:3] + ":" + zone[3:]
		}
		t, err := time.Parse(time.RFC3339Nano, s+zone)
		if err != nil {
			return time.Time{}
		}
		return t
	}
}()
