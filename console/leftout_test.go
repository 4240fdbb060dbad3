package console

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

// oldHome is a run over an agent home with n old daily logs and a few other things left out.
func oldHome(n int) *manifest.Manifest {
	m := &manifest.Manifest{Redaction: manifest.Redaction{TokenHash: "sha256:0123456789abcdef"}}
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		d := day.AddDate(0, 0, i).Format(time.DateOnly)
		m.Omitted = append(m.Omitted, manifest.Omitted{Source: "/root/.config/agent/server-" + d + ".log", Collector: "logs",
			Reason: "dated " + d + ", before the --since window (168h0m0s)"})
	}
	for i := range 7 {
		m.Omitted = append(m.Omitted, manifest.Omitted{Source: fmt.Sprintf("/x/%d", i), Collector: "logs", Reason: fmt.Sprintf("reason %c", 'a'+i)})
	}
	return m
}

func TestLeftOut(t *testing.T) {
	tests := []struct {
		name string
		m    *manifest.Manifest
		want string
	}{
		{"nothing", &manifest.Manifest{}, ""},
		{"one", &manifest.Manifest{Omitted: []manifest.Omitted{{Source: "/p", Reason: "not a regular file (named pipe)"}}},
			"left out: 1 item (summary.txt lists them by reason)\n  1 not a regular file\n"},
		{"20,000 old logs", oldHome(20000), "left out: 20007 items (summary.txt lists them by reason)\n" +
			"  20000 before the --since window, 2020-01-01 to 2074-10-03\n" +
			"  1 reason a\n  1 reason b\n  1 reason c\n  1 reason d\n  and 3 more reasons\n"},
	}
	capped := oldHome(20000)
	manifest.CapOmitted(capped, 200)
	tests = append(tests, struct {
		name string
		m    *manifest.Manifest
		want string
	}{"capped", capped, tests[2].want})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			writeLeftOut(&b, tt.m, "summary.txt")
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

// TestReportLeftOut: the end of a run shows what was left out in a few lines, before the token
// hash and the path; quiet shows only the path.
func TestReportLeftOut(t *testing.T) {
	var out bytes.Buffer
	New(&out, &bytes.Buffer{}, Colors{}, false).Report("/tmp/b.zip", oldHome(20000))
	s := out.String()
	if n := strings.Count(s, "\n"); n > 15 {
		t.Errorf("%d lines for 20,000 logs left out:\n%s", n, s)
	}
	left, hash := strings.Index(s, "left out: 20007 items"), strings.Index(s, "agent token hash")
	if left < 0 || hash < left || !strings.HasSuffix(s, "bundle: /tmp/b.zip\n") {
		t.Errorf("left out, then the hash, then the path:\n%s", s)
	}
	out.Reset()
	New(&out, &bytes.Buffer{}, Colors{}, true).Report("/tmp/b.zip", oldHome(3))
	if out.String() != "bundle: /tmp/b.zip\n" {
		t.Errorf("quiet printed %q", out.String())
	}
}

// TestInspectLeftOut: inspect shows what was left out grouped, from a capped manifest too.
func TestInspectLeftOut(t *testing.T) {
	m := oldHome(20000)
	manifest.CapOmitted(m, 200)
	var out bytes.Buffer
	Inspect(&out, "/tmp/b.zip", Verdict{Manifest: m, Entries: 3})
	s := out.String()
	if !strings.Contains(s, "left out: 20007 items (summary.txt lists them by reason)\n  20000 before the --since window, 2020-01-01 to 2074-10-03\n") {
		t.Errorf("inspect:\n%s", s)
	}
	if n := strings.Count(s, "\n"); n > 20 {
		t.Errorf("%d lines for 20,000 logs left out:\n%s", n, s)
	}
}
