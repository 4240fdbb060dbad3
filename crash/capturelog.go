package crash

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// The capture log: one line per run of collect --trigger crash, beside the bundles.
const (
	LogName = "capture.log"
	// maxLog is the size past which capture.log is moved to capture.log.1 (replacing it)
	// before the next line is appended: the two stay under about 2 MiB however often the
	// agent crashes.
	maxLog = 1 << 20
	// logTail is how much of the end of each log file is read to find the last captures.
	logTail = 256 << 10
	// maxDetail bounds one line's text.
	maxDetail = 1000
)

// Status is how one crash-triggered run ended, as the capture log's lines begin.
type Status string

// The runs' outcomes.
const (
	Captured    Status = "captured"     // a bundle was written: "captured PATH"
	RateLimited Status = "rate-limited" // a bundle was written less than --min-interval ago
	Busy        Status = "busy"         // another capture holds the lock
	NotCrashed  Status = "not-crashed"  // --if-crashed: nothing says the agent crashed since the last capture
	Failed      Status = "failed"       // "failed: REASON"
)

// LogEntry is one line of the capture log.
type LogEntry struct {
	Time   time.Time
	Status Status
	Detail string // what follows the status: the bundle's path, the reason
}

// String formats the entry as its line, without the line break: the RFC 3339 time in UTC, the
// status, and its detail ("failed: reason", "captured PATH", "rate-limited (…)").
func (e LogEntry) String() string {
	sep := " "
	if e.Status == Failed {
		sep = ": "
	}
	s := e.Time.UTC().Format(time.RFC3339) + " " + string(e.Status)
	if e.Detail != "" {
		s += sep + e.Detail
	}
	return s
}

// parseLogLine reads one line of the capture log; ok is false for a line it does not know.
func parseLogLine(line string) (LogEntry, bool) {
	ts, rest, ok := strings.Cut(strings.TrimRight(line, "\r"), " ")
	if !ok {
		return LogEntry{}, false
	}
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return LogEntry{}, false
	}
	word, detail, _ := strings.Cut(rest, " ")
	word = strings.TrimSuffix(word, ":")
	switch st := Status(word); st {
	case Captured, RateLimited, Busy, NotCrashed, Failed:
		return LogEntry{Time: t, Status: st, Detail: detail}, true
	}
	return LogEntry{}, false
}

// oneLine makes text fit on one line of the log: line breaks become spaces, invalid UTF-8 is
// replaced, and it is cut at maxDetail bytes.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), " ")
	if len(s) > maxDetail {
		cut := maxDetail
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// appendLog appends e to dir's capture log as one write, first moving a log past maxLog to
// capture.log.1. A line appended by another run while the log is moved lands in capture.log.1:
// it is kept, not lost.
func appendLog(dir string, e LogEntry) error {
	path := filepath.Join(dir, LogName)
	if st, err := os.Lstat(path); err == nil && st.Size() >= maxLog {
		if err := os.Rename(path, path+".1"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotate the capture log %s: %w", path, err)
		}
	}
	e.Detail = oneLine(e.Detail)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open the capture log: %w", err)
	}
	_, err = f.WriteString(e.String() + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write the capture log %s: %w", path, err)
	}
	return nil
}

// ReadLog returns the entries of dir's capture log, oldest first: those of the ends of
// capture.log.1 and capture.log (the last 256 KiB of each, about 3000 lines). Lines it does not
// know are skipped. A missing log is no entries and no error.
func ReadLog(dir string) ([]LogEntry, error) {
	var out []LogEntry
	var errs []error
	for _, name := range []string{LogName + ".1", LogName} {
		es, err := readLogTail(filepath.Join(dir, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
		out = append(out, es...)
	}
	return out, errors.Join(errs...)
}

func readLogTail(path string) ([]LogEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read the capture log %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read the capture log %s: not a regular file", path)
	}
	start := max(st.Size()-logTail, 0)
	data, err := io.ReadAll(io.NewSectionReader(f, start, logTail))
	if err != nil {
		return nil, fmt.Errorf("read the capture log %s: %w", path, err)
	}
	if start > 0 {
		// The first line read is a part of a line.
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	var out []LogEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), logTail)
	for sc.Scan() {
		if e, ok := parseLogLine(sc.Text()); ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// lastOf returns the newest entry whose status is one of sts, and whether there is one.
func lastOf(es []LogEntry, sts ...Status) (LogEntry, bool) {
	var best LogEntry
	found := false
	for _, e := range es {
		for _, st := range sts {
			if e.Status == st && (!found || !e.Time.Before(best.Time)) {
				best, found = e, true
			}
		}
	}
	return best, found
}
