package console

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/opadiag/opadiag/collect"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
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
	New(&out, &errb, false, false).Report("/tmp/b.zip", m)
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

// An empty token shows as "", never as the hash of the empty string.
func TestEmptyToken(t *testing.T) {
	empty := *m
	empty.Redaction.TokenHash = redact.HashToken("")
	var out, errb bytes.Buffer
	New(&out, &errb, false, false).Report("/tmp/b.zip", &empty)
	var ins bytes.Buffer
	Inspect(&ins, "/tmp/b.zip", &collect.Report{Manifest: &empty, Entries: 1})
	var js bytes.Buffer
	if err := New(&js, &errb, false, false).JSON(&collect.Result{Path: "/tmp/b.zip", Manifest: &empty}); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"report": out.String(), "inspect": ins.String(), "json": js.String()} {
		if strings.Contains(s, empty.Redaction.TokenHash) {
			t.Errorf("%s shows the empty string's hash:\n%s", name, s)
		}
	}
	if !strings.Contains(out.String(), `agent token: "" (empty)`) || !strings.Contains(ins.String(), `agent token: "" (empty)`) {
		t.Errorf("the empty token is not shown as \"\":\n%s\n%s", out.String(), ins.String())
	}
	if !strings.Contains(string(collect.Summary(&empty)), `agent token: "" (empty)`) {
		t.Errorf("summary.txt:\n%s", collect.Summary(&empty))
	}
}

func TestQuiet(t *testing.T) {
	var out, errb bytes.Buffer
	c := New(&out, &errb, false, true)
	c.Finished(manifest.Collector{Name: "logs", Status: manifest.StatusFailed, Error: "boom"})
	c.Warn("w")
	c.Report("/tmp/b.zip", m)
	if out.String() != "bundle: /tmp/b.zip\n" || errb.Len() != 0 {
		t.Fatalf("quiet printed %q / %q", out.String(), errb.String())
	}
}

func TestFinished(t *testing.T) {
	var errb bytes.Buffer
	New(&bytes.Buffer{}, &errb, false, false).Finished(manifest.Collector{Name: "logs", Status: manifest.StatusFailed, DurationMS: 12, Error: "read x: permission denied\nstack"})
	if got := errb.String(); got != "  logs       failed       12ms  read x: permission denied\n" {
		t.Fatalf("%q", got)
	}
	errb.Reset()
	New(&bytes.Buffer{}, &errb, true, false).Finished(manifest.Collector{Name: "logs", Status: manifest.StatusOK})
	if !strings.Contains(errb.String(), "\x1b[32m") {
		t.Fatalf("no colour on a colour terminal: %q", errb.String())
	}
}

func TestJSON(t *testing.T) {
	var out bytes.Buffer
	if err := New(&out, &bytes.Buffer{}, false, false).JSON(&collect.Result{Path: "/tmp/b.zip", Manifest: m}); err != nil {
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
