package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/opadiag/opadiag/manifest"
)

var m = &manifest.Manifest{
	Findings: []manifest.Finding{
		{ID: "a", Severity: manifest.SeverityInfo, Title: "info title", Remedy: "r"},
		{ID: "b", Severity: manifest.SeverityWarn, Title: "warn title", Detail: "d → x", Remedy: "do this…"},
		{ID: "c", Severity: manifest.SeverityFail, Title: "fail title", Remedy: "do that"},
		{ID: "d", Severity: manifest.SeverityPass, Title: "pass title"},
	},
	Collectors: []manifest.Collector{{Name: "logs", Status: manifest.StatusOK}, {Name: "network", Status: manifest.StatusSkipped}},
	Redaction:  manifest.Redaction{TokenHash: "sha256:0123456789abcdef"},
}

func TestReport(t *testing.T) {
	var out, errb bytes.Buffer
	New(&out, &errb, Colors{}, false).Report("/tmp/b.zip", m)
	s := out.String()
	fail, warn := strings.Index(s, "FAIL fail title"), strings.Index(s, "WARN warn title")
	if fail < 0 || warn < fail || strings.Contains(s, "info title") || strings.Contains(s, "pass title") {
		t.Fatalf("findings that matter, fail first:\n%s", s)
	}
	if !strings.HasSuffix(s, "bundle: /tmp/b.zip\n") {
		t.Fatalf("the path must come last:\n%s", s)
	}
	if strings.ContainsAny(s, "\x1b→…") {
		t.Fatalf("plain output must be ASCII:\n%q", s)
	}
	if errb.Len() != 0 {
		t.Fatalf("results on stderr: %q", errb.String())
	}
}

func TestQuiet(t *testing.T) {
	var out, errb bytes.Buffer
	c := New(&out, &errb, Colors{}, true)
	c.Finished(manifest.Collector{Name: "logs", Status: manifest.StatusFailed, Error: "boom"})
	c.Warn("w")
	c.Report("/tmp/b.zip", m)
	if out.String() != "bundle: /tmp/b.zip\n" || errb.Len() != 0 {
		t.Fatalf("quiet printed %q / %q", out.String(), errb.String())
	}
}

func TestFinished(t *testing.T) {
	var errb bytes.Buffer
	New(&bytes.Buffer{}, &errb, Colors{}, false).Finished(manifest.Collector{Name: "logs", Status: manifest.StatusFailed, DurationMS: 12, Error: "read x: permission denied\nstack"})
	if got := errb.String(); got != "  logs       failed       12ms  read x: permission denied\n" {
		t.Fatalf("%q", got)
	}
	errb.Reset()
	New(&bytes.Buffer{}, &errb, Colors{Err: true}, false).Finished(manifest.Collector{Name: "logs", Status: manifest.StatusOK})
	if !strings.Contains(errb.String(), "\x1b[32m") {
		t.Fatalf("no colour on a colour terminal: %q", errb.String())
	}
}

// TestColorsPerStream: colour is decided for each stream on its own. opadiag > out.txt on a
// colour console keeps colour on stderr, and out.txt gets neither escape codes nor non-ASCII.
func TestColorsPerStream(t *testing.T) {
	tests := []struct {
		name             string
		colors           Colors
		outESC, errESC   bool
		outNonASCIIAllow bool
	}{
		{name: "stdout redirected", colors: Colors{Err: true}, errESC: true},
		{name: "stderr redirected", colors: Colors{Out: true}, outESC: true, outNonASCIIAllow: true},
		{name: "both terminals", colors: Colors{Out: true, Err: true}, outESC: true, errESC: true, outNonASCIIAllow: true},
		{name: "neither", colors: Colors{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			c := New(&out, &errb, tt.colors, false)
			c.Finished(manifest.Collector{Name: "logs", Status: manifest.StatusOK})
			c.Warn("w")
			c.Report("/tmp/b.zip", m)
			if got := strings.Contains(out.String(), "\x1b"); got != tt.outESC {
				t.Errorf("escape codes on stdout = %v, want %v:\n%q", got, tt.outESC, out.String())
			}
			if got := strings.Contains(errb.String(), "\x1b"); got != tt.errESC {
				t.Errorf("escape codes on stderr = %v, want %v:\n%q", got, tt.errESC, errb.String())
			}
			if !tt.outNonASCIIAllow && strings.ContainsAny(out.String(), "→…") {
				t.Errorf("stdout without colour must be ASCII:\n%q", out.String())
			}
		})
	}
}

func TestJSON(t *testing.T) {
	var out bytes.Buffer
	if err := New(&out, &bytes.Buffer{}, Colors{}, false).JSON(Outcome{Bundle: "/tmp/b.zip", Manifest: m}); err != nil {
		t.Fatal(err)
	}
	var s Summary
	if err := json.Unmarshal(out.Bytes(), &s); err != nil || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("not one JSON object: %v\n%s", err, out.String())
	}
	if s.Bundle != "/tmp/b.zip" || s.Collectors["ok"] != 1 || s.Collectors["skipped"] != 1 || len(s.Findings) != 4 {
		t.Fatalf("%+v", s)
	}
}

func TestChanges(t *testing.T) {
	f := func(id, sev string) manifest.Finding { return manifest.Finding{ID: id, Severity: sev, Title: id} }
	tests := []struct {
		name          string
		stored, today []manifest.Finding
		want          string
	}{
		{"same", []manifest.Finding{f("a", "warn")}, []manifest.Finding{f("a", "warn")}, ""},
		{"new fail first", []manifest.Finding{f("a", "info")}, []manifest.Finding{f("a", "info"), f("b", "warn"), f("c", "fail")}, "c:-fail b:-warn"},
		{"gone", []manifest.Finding{f("a", "warn"), f("b", "info")}, []manifest.Finding{f("b", "info")}, "a:warn-"},
		{"severity changed", []manifest.Finding{f("a", "fail")}, []manifest.Finding{f("a", "info")}, "a:fail-info"},
		{"raised twice counts once, at its worst", []manifest.Finding{f("a", "warn")}, []manifest.Finding{f("a", "info"), f("a", "warn")}, ""},
		{"nothing stored", nil, []manifest.Finding{f("a", "pass")}, "a:-pass"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range Changes(tt.stored, tt.today) {
				got = append(got, c.ID+":"+c.Stored+"-"+c.Today)
			}
			if strings.Join(got, " ") != tt.want {
				t.Fatalf("changes = %v, want %q", got, tt.want)
			}
		})
	}
}

func TestInspectVerdictFirst(t *testing.T) {
	var out bytes.Buffer
	stored := &manifest.Manifest{Findings: []manifest.Finding{{ID: "old", Severity: "warn", Title: "old finding"}}}
	Inspect(&out, "b.zip", Verdict{Manifest: stored, Entries: 3, Problems: []string{"x.txt: SHA-256 a, the manifest says b"}, More: 4,
		Today: []manifest.Finding{{ID: "new", Severity: "fail", Title: "new finding"}}})
	s := out.String()
	if !strings.HasPrefix(s, "INVALID: 5 problems\n  x.txt: SHA-256") || !strings.Contains(s, "  and 4 more\n") {
		t.Fatalf("the verdict must come first:\n%s", s)
	}
	for _, want := range []string{"FAIL new finding", "  new      FAIL new finding", "  gone     WARN old finding"} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q in:\n%s", want, s)
		}
	}
}

// TestInspectBounded: inspect's printout stays a few screens whatever the manifest holds
// (a hostile bundle listed 2,000 failed collectors, 10,000 stored findings and a finding naming
// 20,000 places in a 1 MB detail: 40,000 lines and 6.4 MB were printed).
func TestInspectBounded(t *testing.T) {
	long := strings.Repeat("x<", 500_000)
	m := &manifest.Manifest{Host: manifest.Host{Hostname: long}}
	for i := range 2000 {
		m.Collectors = append(m.Collectors, manifest.Collector{Name: fmt.Sprintf("c%d", i), Status: "failed", Error: long})
	}
	var today []manifest.Finding
	for i := range 10000 {
		f := manifest.Finding{ID: fmt.Sprintf("x.%d", i), Severity: "warn", Title: long, Detail: long, Remedy: long}
		for j := range 100 {
			f.Evidence = append(f.Evidence, manifest.Evidence{Path: long, Line: j + 1})
		}
		m.Findings = append(m.Findings, f)
		if i < 3000 {
			today = append(today, manifest.Finding{ID: fmt.Sprintf("y.%d", i), Severity: "fail", Title: "t", Detail: long, Evidence: f.Evidence})
		}
	}
	var out bytes.Buffer
	Inspect(&out, "b.zip", Verdict{Manifest: m, Entries: 3, Problems: []string{long}, Today: today})
	lines := strings.Count(out.String(), "\n")
	t.Logf("inspect printed %d lines, %d bytes", lines, out.Len())
	if lines > 600 || out.Len() > 256<<10 {
		t.Errorf("inspect printed %d lines, %d bytes", lines, out.Len())
	}
	for _, want := range []string{"and 1960 more collectors", "and 2940 more findings", "and 95 more places", "more changes"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in the printout", want)
		}
	}
}
