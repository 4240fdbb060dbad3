package crash

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestLogLines(t *testing.T) {
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		e    LogEntry
		line string
	}{
		{LogEntry{at, Captured, "/var/lib/opadiag/crash/opadiag-h-20261128T110000Z.zip"}, "2026-11-28T11:00:00Z captured /var/lib/opadiag/crash/opadiag-h-20261128T110000Z.zip"},
		{LogEntry{at, RateLimited, "(last capture at 2026-11-28T10:55:00Z, less than --min-interval 10m0s ago)"}, "2026-11-28T11:00:00Z rate-limited (last capture at 2026-11-28T10:55:00Z, less than --min-interval 10m0s ago)"},
		{LogEntry{at, Failed, "create the output folder: permission denied"}, "2026-11-28T11:00:00Z failed: create the output folder: permission denied"},
		{LogEntry{at, Busy, "(another crash capture is running in /x)"}, "2026-11-28T11:00:00Z busy (another crash capture is running in /x)"},
		{LogEntry{at, NotCrashed, "(--if-crashed: no sign of a crash)"}, "2026-11-28T11:00:00Z not-crashed (--if-crashed: no sign of a crash)"},
	} {
		if got := tc.e.String(); got != tc.line {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.line)
		}
		back, ok := parseLogLine(tc.line)
		if !ok || !back.Time.Equal(tc.e.Time) || back.Status != tc.e.Status || back.Detail != tc.e.Detail {
			t.Errorf("%q reads back as %+v %v", tc.line, back, ok)
		}
	}
	for _, bad := range []string{"", "garbage", "2026-11-28T11:00:00Z", "2026-11-28T11:00:00Z exploded x", "yesterday captured /x"} {
		if e, ok := parseLogLine(bad); ok {
			t.Errorf("%q read as %+v", bad, e)
		}
	}
}

func TestOneLine(t *testing.T) {
	long := strings.Repeat("é", maxDetail)
	for _, tc := range []struct{ in, want string }{
		{"a\nb\r\nc", "a b c"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"plain", "plain"},
	} {
		if got := oneLine(tc.in); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
	got := oneLine(long)
	if !utf8.ValidString(got) || len(got) > maxDetail+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("long detail cut to %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
}

// TestReadLogTail: a log longer than the part read starts at a whole line; unknown lines are
// skipped; a missing log is no entries.
func TestReadLogTail(t *testing.T) {
	dir := t.TempDir()
	if es, err := ReadLog(dir); err != nil || len(es) != 0 {
		t.Fatalf("missing log: %v %v", es, err)
	}
	var b strings.Builder
	at := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	b.WriteString("not a log line\n")
	for b.Len() < logTail+5000 {
		b.WriteString(LogEntry{at, Busy, strings.Repeat("z", 77)}.String() + "\n")
	}
	b.WriteString(LogEntry{at.Add(time.Hour), Captured, "/x/opadiag-h-1.zip"}.String() + "\n")
	os.WriteFile(filepath.Join(dir, LogName), []byte(b.String()), 0o600)
	es, err := ReadLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	last, ok := lastOf(es, Captured)
	if !ok || last.Detail != "/x/opadiag-h-1.zip" {
		t.Errorf("last capture %+v %v", last, ok)
	}
	for _, e := range es {
		if e.Status == Busy && len(e.Detail) != 77 {
			t.Fatalf("a cut line was read: %+v", e)
		}
	}
}

func FuzzParseLogLine(f *testing.F) {
	f.Add("2026-11-28T11:00:00Z captured /x.zip")
	f.Add("2026-11-28T11:00:00Z failed: boom")
	f.Add("2026-11-28T11:00:00+01:00 busy")
	f.Fuzz(func(t *testing.T, line string) {
		e, ok := parseLogLine(line)
		if !ok {
			return
		}
		back, ok := parseLogLine(e.String())
		if !ok || back.Status != e.Status || !back.Time.Equal(e.Time.Truncate(time.Second)) {
			t.Fatalf("%q -> %+v -> %q -> %+v", line, e, e.String(), back)
		}
	})
}
