package manifest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestOmittedReason(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"dated log", "dated 2026-01-02, before the --since window (168h0m0s)", "before the --since window"},
		{"modified log", "modified 2026-10-29, before the --since window (720h0m0s)", "before the --since window"},
		{"total cap", "the bundle's total size cap (--max-total-size) is used up", "the bundle's total size cap is used up"},
		{"binary", "binary content (NUL bytes), which cannot be redacted with confidence", "binary content, which cannot be redacted with confidence"},
		{"not regular", "not a regular file (named pipe)", "not a regular file"},
		{"not regular, no detail", "not a regular file", "not a regular file"},
		{"symlink out", "symlink to /etc/shadow, outside the agent home", "symlink outside the agent home"},
		{"symlink out, windows", `symlink to C:\Program Files\x y, outside the agent home`, "symlink outside the agent home"},
		{"symlink error", "symlink that cannot be resolved: lstat /a/b: no such file or directory", "symlink that cannot be resolved"},
		{"number", "the newest 4096 bytes hold no complete line", "the newest N bytes hold no complete line"},
		{"path in words", "no system log file on this system, looked at /var/log/syslog", "no system log file on this system, looked at …"},
		{"nested parentheses", "kept out (a (b) c)", "kept out"},
		{"redacted marker kept", "proxy [REDACTED] refused", "proxy [REDACTED] refused"},
		{"empty", "", "no reason given"},
		{"only a date", "dated 2026-01-02", "no reason given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OmittedReason(tt.in); got != tt.want {
				t.Errorf("OmittedReason(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// oldLogs is a home's worth of old daily logs left out, and a few other things.
func oldLogs(n int) *Manifest {
	m := &Manifest{}
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		d := day.AddDate(0, 0, i)
		m.Omitted = append(m.Omitted, Omitted{
			Source: fmt.Sprintf("/root/.config/agent/server-%s.log", d.Format("2006-01-02")), Collector: "logs",
			Reason: fmt.Sprintf("dated %s, before the --since window (168h0m0s)", d.Format("2006-01-02")),
			Size:   int64(1000 + i%97),
		})
	}
	mt := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	m.Omitted = append(m.Omitted,
		Omitted{Source: "/root/.config/agent/pipe.log", Collector: "logs", Reason: "not a regular file (named pipe)"},
		Omitted{Source: "/root/.config/agent/link.log", Collector: "logs", Reason: "symlink to /etc/shadow, outside the agent home"},
		Omitted{Source: "/root/.config/agent/blob.log", Collector: "logs", Reason: "binary content (NUL bytes), which cannot be redacted with confidence", Size: 5 << 20, Mtime: &mt},
	)
	return m
}

func TestGroupOmitted(t *testing.T) {
	m := oldLogs(20000)
	groups := GroupOmitted(m, 3)
	if len(groups) != 4 {
		t.Fatalf("%d groups, want 4: %+v", len(groups), groups)
	}
	g := groups[0]
	if g.Reason != "before the --since window" || g.Count != 20000 || g.Listed != 20000 {
		t.Errorf("first group = %q %d/%d", g.Reason, g.Listed, g.Count)
	}
	if got, want := g.First.Format("2006-01-02"), "2020-01-01"; got != want {
		t.Errorf("first day %s, want %s", got, want)
	}
	if got, want := g.Last, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 19999); !got.Equal(want) {
		t.Errorf("last day %s, want %s", got, want)
	}
	if len(g.Largest) != 3 || g.Largest[0].Size != 1096 || g.Largest[1].Size != 1096 || g.Largest[2].Size != 1096 {
		t.Errorf("largest = %+v", g.Largest)
	}
	// Of equal sizes, the newest first.
	if !(omittedDate(g.Largest[0]).After(omittedDate(g.Largest[1]))) {
		t.Errorf("largest of equal size not newest first: %+v", g.Largest)
	}
	if len(g.Collectors) != 1 || g.Collectors[0] != "logs" {
		t.Errorf("collectors %v", g.Collectors)
	}
	// Ties in count are in reason order.
	var rest []string
	for _, g := range groups[1:] {
		rest = append(rest, g.Reason)
		if g.Count != 1 {
			t.Errorf("%q: count %d", g.Reason, g.Count)
		}
	}
	if got, want := strings.Join(rest, "|"), "binary content, which cannot be redacted with confidence|not a regular file|symlink outside the agent home"; got != want {
		t.Errorf("groups %s, want %s", got, want)
	}
	if d := groups[1].First; !d.Equal(time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("a file without a date in its reason takes its mtime: %s", d)
	}
	if !groups[2].First.IsZero() {
		t.Errorf("a pipe has no date: %s", groups[2].First)
	}
	if GroupOmitted(&Manifest{}, 3) != nil {
		t.Errorf("nothing left out gives groups")
	}
}

func TestCapOmitted(t *testing.T) {
	m := oldLogs(20000)
	before := GroupOmitted(m, 3)
	CapOmitted(m, 200)
	if len(m.Omitted) != 200 || m.OmittedMore != 19803 || OmittedTotal(m) != 20003 {
		t.Fatalf("kept %d, more %d", len(m.Omitted), m.OmittedMore)
	}
	if got := m.OmittedMoreByReason; len(got) != 1 || got["before the --since window"] != 19803 {
		t.Errorf("more by reason = %v", got)
	}
	// The rare reasons are all kept; the groups' counts, ranges and largest items are the same.
	after := GroupOmitted(m, 3)
	if len(after) != len(before) {
		t.Fatalf("%d groups after the cap, %d before", len(after), len(before))
	}
	for i := range before {
		b, a := before[i], after[i]
		if a.Reason != b.Reason || a.Count != b.Count || !a.First.Equal(b.First) || !a.Last.Equal(b.Last) {
			t.Errorf("group %q: after the cap %d %s..%s, before %d %s..%s", b.Reason, a.Count, a.First, a.Last, b.Count, b.First, b.Last)
		}
		if fmt.Sprint(a.Largest) != fmt.Sprint(b.Largest) {
			t.Errorf("group %q: largest changed:\n%v\n%v", b.Reason, a.Largest, b.Largest)
		}
	}
	if after[0].Listed != 197 {
		t.Errorf("listed %d of the big group, want 197", after[0].Listed)
	}
	// The items kept stay in their order.
	for i := 1; i < len(m.Omitted)-3; i++ {
		if m.Omitted[i-1].Source >= m.Omitted[i].Source {
			t.Fatalf("order changed at %d: %s, %s", i, m.Omitted[i-1].Source, m.Omitted[i].Source)
		}
	}
	// Capping again changes nothing; a manifest under the cap is left alone.
	CapOmitted(m, 200)
	if len(m.Omitted) != 200 || m.OmittedMore != 19803 {
		t.Errorf("a second cap changed the counts: %d, %d", len(m.Omitted), m.OmittedMore)
	}
	small := oldLogs(2)
	CapOmitted(small, 200)
	if len(small.Omitted) != 5 || small.OmittedMore != 0 || small.OmittedMoreByReason != nil {
		t.Errorf("a short list was capped: %+v", small)
	}
}

func TestCapOmittedEdges(t *testing.T) {
	tests := []struct {
		name       string
		limit      int
		kept, more int
	}{
		{"zero", 0, 0, 13},
		{"negative", -5, 0, 13},
		{"fewer than reasons", 2, 2, 11},
		{"one per reason and more", 6, 6, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := oldLogs(10)
			CapOmitted(m, tt.limit)
			if len(m.Omitted) != tt.kept || m.OmittedMore != tt.more {
				t.Errorf("kept %d, more %d; want %d, %d", len(m.Omitted), m.OmittedMore, tt.kept, tt.more)
			}
			n := 0
			for _, v := range m.OmittedMoreByReason {
				n += v
			}
			if n != m.OmittedMore {
				t.Errorf("by reason %v sums to %d, not %d", m.OmittedMoreByReason, n, m.OmittedMore)
			}
		})
	}
}

// TestOmittedSchema: the new fields validate, and a manifest written before them still does.
func TestOmittedSchema(t *testing.T) {
	m := valid()
	mt := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	m.Omitted = oldLogs(300).Omitted
	m.Omitted[0].Mtime = &mt
	CapOmitted(m, 50)
	data := encode(t, m)
	if err := Validate(data); err != nil {
		t.Fatalf("a capped manifest is refused: %v", err)
	}
	for _, key := range []string{`"omitted_more": 253`, `"omitted_more_by_reason"`, `"size": 1`, `"mtime": "2026-11-01T08:00:00Z"`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("the manifest lacks %s", key)
		}
	}
	old := valid()
	old.Omitted = []Omitted{{Source: "/x", Collector: "logs", Reason: "not a regular file"}}
	data = encode(t, old)
	if strings.Contains(string(data), "omitted_more") {
		t.Errorf("a manifest with nothing capped writes omitted_more")
	}
	if b, _ := json.Marshal(old.Omitted[0]); strings.Contains(string(b), "size") || strings.Contains(string(b), "mtime") {
		t.Errorf("an item left out without size or mtime writes them: %s", b)
	}
	if err := Validate(data); err != nil {
		t.Fatalf("a manifest without the new fields is refused: %v", err)
	}
	bad := valid()
	bad.OmittedMore = 1
	bad.OmittedMoreByReason = map[string]int{"x": 0}
	if Validate(encode(t, bad)) == nil {
		t.Errorf("a zero count by reason validates")
	}
}

// FuzzOmittedReason: any reason gives a group name that is not empty, holds no digit and is
// valid UTF-8 when the reason is, and grouping it again changes nothing.
func FuzzOmittedReason(f *testing.F) {
	for _, s := range []string{"dated 2026-01-02, before the --since window (168h0m0s)", "symlink to /a, outside x", "a (b (c) d", "modified 2026-1", ") (", "x: y: z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, reason string) {
		got := OmittedReason(reason)
		if got == "" || strings.ContainsAny(got, "0123456789") {
			t.Fatalf("OmittedReason(%q) = %q", reason, got)
		}
		if utf8.ValidString(reason) && !utf8.ValidString(got) {
			t.Fatalf("OmittedReason(%q) = %q, not UTF-8", reason, got)
		}
		if again := OmittedReason(got); again != got {
			t.Fatalf("OmittedReason(%q) = %q, then %q", reason, got, again)
		}
	})
}

func TestOmittedGroupDates(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name string
		g    OmittedGroup
		want string
	}{
		{"none", OmittedGroup{}, ""},
		{"one day", OmittedGroup{First: day(2), Last: day(2)}, "2026-01-02"},
		{"range", OmittedGroup{First: day(2), Last: day(20)}, "2026-01-02 to 2026-01-20"},
	}
	for _, tt := range tests {
		if got := tt.g.Dates(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
