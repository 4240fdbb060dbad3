package report

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden (and, with the browser tests, docs/report*.png)")

// render writes a fixture's page.
func render(t testing.TB, f fixture) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := HTML(&b, f.m, f.r, f.fs); err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	return b.Bytes()
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; run go test ./report -update and review the diff:\n%s", path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n want: " + wl + "\n  got: " + gl
		}
	}
	return ""
}

// TestPageStructure compares a digest of each fixture's page (headings, findings and their
// evidence, the timeline's marks per kind, table rows, groups left out) with testdata/golden.
func TestPageStructure(t *testing.T) {
	for _, f := range fixtures() {
		t.Run(f.name, func(t *testing.T) {
			if err := manifest.Validate(encodeManifest(t, f.m)); err != nil {
				t.Fatalf("the fixture's manifest is not valid: %v", err)
			}
			page := render(t, f)
			d, err := digest(page)
			if err != nil {
				t.Fatalf("the page does not parse: %v", err)
			}
			golden(t, f.name+".digest", []byte(d))
			// The timeline's marks stand for every event of the Result, each kind with its count.
			want := kindCounts(f.r.Timeline)
			got := marksOf(page)
			for k, n := range want {
				if got[k][1] != n {
					t.Errorf("kind %s: the marks stand for %d events, the timeline has %d", k, got[k][1], n)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("kind %s drawn, not in the timeline", k)
				}
			}
		})
	}
}

func encodeManifest(t *testing.T, m *manifest.Manifest) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := manifest.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// marksOf counts the marks of each kind of the timeline of the whole window: [marks, events].
func marksOf(page []byte) map[string][2]int {
	out := map[string][2]int{}
	d := newDecoder(page)
	view := ""
	for {
		tok, err := d.Token()
		if err != nil {
			return out
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "svg" && hasClass(se, "tl") {
			view = attr(se, "data-view")
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "g" && hasClass(se, "mk") && view == "window" {
			n, _ := strconv.Atoi(attr(se, "data-count"))
			c := out[attr(se, "data-kind")]
			out[attr(se, "data-kind")] = [2]int{c[0] + 1, c[1] + n}
		}
	}
}

func newDecoder(page []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	return d
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func hasClass(se xml.StartElement, class string) bool {
	return slices.Contains(strings.Fields(attr(se, "class")), class)
}

// digest describes a page's structure in reviewable lines: what a reader sees, not how.
func digest(page []byte) (string, error) {
	d := newDecoder(page)
	var out []string
	var section string
	rows := map[string]int{}
	var sections []string
	marks := map[string][2]int{} // view and kind: marks, events
	var kinds []string
	view := ""
	var text *strings.Builder // the text of the element being read, when one is
	var textTag, textPrefix string
	depth := 0
	var finding string
	var evidence, lines, missing int
	flushFinding := func() {
		if finding != "" {
			out = append(out, fmt.Sprintf("  %s evidence=%d lines=%d not-shown=%d", finding, evidence, lines, missing))
			finding, evidence, lines, missing = "", 0, 0, 0
		}
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if text != nil {
				text.WriteByte(' ') // cells and other elements are words apart
				depth++
				continue
			}
			switch name := tok.Name.Local; {
			case name == "title" && section == "":
				text, textTag, textPrefix, depth = &strings.Builder{}, name, "title: ", 0
			case name == "h1" || name == "h2":
				flushFinding()
				text, textTag, textPrefix, depth = &strings.Builder{}, name, name+": ", 0
			case name == "section":
				section = attr(tok, "id")
				sections = append(sections, section)
			case name == "article" && attr(tok, "data-finding") != "":
				flushFinding()
				finding = attr(tok, "data-severity") + " " + attr(tok, "data-finding")
			case name == "li" && finding != "" && attr(tok, "class") == "":
				evidence++
			case name == "pre" && hasClass(tok, "line"):
				lines++
			case name == "span" && hasClass(tok, "missing"):
				missing++
			case name == "svg" && hasClass(tok, "tl"):
				view = attr(tok, "data-view")
			case name == "g" && hasClass(tok, "mk"):
				k := view + " " + attr(tok, "data-kind")
				if _, ok := marks[k]; !ok {
					kinds = append(kinds, k)
				}
				n, _ := strconv.Atoi(attr(tok, "data-count"))
				c := marks[k]
				marks[k] = [2]int{c[0] + 1, c[1] + n}
			case name == "li" && attr(tok, "data-legend") != "":
				text, textTag, textPrefix, depth = &strings.Builder{}, name, "  legend: ", 0
			case name == "tr" && attr(tok, "data-collector") != "":
				text, textTag, textPrefix, depth = &strings.Builder{}, name, "  collector: ", 0
			case name == "tr":
				rows[section]++
			case name == "div" && hasClass(tok, "group"):
				out = append(out, fmt.Sprintf("  left out: %s (%s)", attr(tok, "data-reason"), attr(tok, "data-count")))
			case name == "h3" && section == "timeline":
				text, textTag, textPrefix, depth = &strings.Builder{}, name, "  h3: ", 0
			case name == "p" && (hasClass(tok, "changed") || hasClass(tok, "note")):
				text, textTag, textPrefix, depth = &strings.Builder{}, name, "  note: ", 0
			case name == "dt":
				text, textTag, textPrefix, depth = &strings.Builder{}, name, "  fact: ", 0
			case name == "dd":
				text, textTag, textPrefix, depth = &strings.Builder{}, name, "    ", 0
			}
		case xml.EndElement:
			if text != nil {
				if depth > 0 {
					depth--
					continue
				}
				if tok.Name.Local == textTag {
					s := strings.Join(strings.Fields(text.String()), " ")
					if textTag == "tr" {
						s = strings.Join(strings.Fields(s)[:2], " ") // name and status
					}
					out = append(out, textPrefix+s)
					text = nil
				}
				continue
			}
			if tok.Name.Local == "section" {
				flushFinding()
				if section == "timeline" {
					for _, k := range kinds {
						out = append(out, fmt.Sprintf("  marks of the %s: %d for %d events", strings.Replace(k, " ", ", ", 1), marks[k][0], marks[k][1]))
					}
				}
				if n := rows[section]; n > 0 {
					out = append(out, fmt.Sprintf("  table rows: %d", n))
				}
				section = ""
			}
		case xml.CharData:
			if text != nil {
				text.Write(tok)
			}
		}
	}
	out = append(out, "sections: "+strings.Join(sections, ", "))
	return strings.Join(out, "\n") + "\n", nil
}

// TestSummaryLeftOut: 20,000 old logs left out take a few lines of summary.txt, whether the
// manifest lists them all or only up to its cap.
func TestSummaryLeftOut(t *testing.T) {
	m := bigLeftOut(20000)
	full := Summary(m)
	golden(t, "left-out-20000.summary.txt", full)
	// Capped, the manifest keeps the count, the date range and the largest items of each
	// reason; only the size in all is of the items it lists.
	capped := bigLeftOut(20000)
	manifest.CapOmitted(capped, 200)
	got := Summary(capped)
	golden(t, "left-out-20000-capped.summary.txt", got)
	if a, b := bytes.Count(got, []byte("\n")), bytes.Count(full, []byte("\n")); a != b {
		t.Errorf("capped, summary.txt has %d lines, %d before", a, b)
	}
	for _, line := range []string{"LEFT OUT (20002)", "before the --since window: 20000, 1972-02-17 to 2026-11-19,", "and 19997 more, 19802 of them not listed in manifest.json"} {
		if !bytes.Contains(got, []byte(line)) {
			t.Errorf("capped, summary.txt lacks %q", line)
		}
	}
	t.Logf("summary.txt with 20,000 logs left out: %d bytes, %d lines", len(full), bytes.Count(full, []byte("\n")))
	var before, after bytes.Buffer
	if err := manifest.Encode(&before, m); err != nil {
		t.Fatal(err)
	}
	if err := manifest.Encode(&after, capped); err != nil {
		t.Fatal(err)
	}
	if err := manifest.Validate(after.Bytes()); err != nil {
		t.Errorf("the capped manifest is not valid: %v", err)
	}
	t.Logf("manifest.json with 20,000 logs left out: %d bytes, %d capped at 200", before.Len(), after.Len())
}

// BenchmarkHTML renders the page of the failing fixture (826 failed heartbeats, 9,254 successful
// ones folded in spans, 12 files).
func BenchmarkHTML(b *testing.B) {
	f := failingFixture()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := HTML(&buf, f.m, f.r, f.fs); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

// bigLeftOut is a run over an agent home that holds n old daily logs.
func bigLeftOut(n int) *manifest.Manifest {
	m := baseManifest()
	m.Omitted = nil
	day := runAt.AddDate(0, 0, -8-n)
	for i := range n {
		d := day.AddDate(0, 0, i).Format("2006-01-02")
		m.Omitted = append(m.Omitted, manifest.Omitted{Source: "/root/.config/agent/server-" + d + ".log", Collector: "logs",
			Reason: "dated " + d + ", before the --since window (168h0m0s)", Size: int64(40_000 + (i*7919)%90_000)})
	}
	m.Omitted = append(m.Omitted,
		manifest.Omitted{Source: "/root/.config/agent/logs/pipe.log", Collector: "logs", Reason: "not a regular file (named pipe)"},
		manifest.Omitted{Source: "/root/.config/agent/logs/out.log", Collector: "logs", Reason: "symlink to /var/log/other.log, outside the agent home"})
	return m
}

// TestPageHoldsNoURL: the page holds no URL at all, not even in the text of a log line or a
// remedy, while it reads the same: the failing fixture's lines and remedies name
// https://api.integrator.io.
func TestPageHoldsNoURL(t *testing.T) {
	f := failingFixture()
	f.m.Host.Hostname = "host<style>https://x.invalid/</style>"
	page := render(t, f)
	if loc := regexp.MustCompile(`(?i)[a-z][a-z0-9+.-]*://`).FindIndex(page); loc != nil {
		t.Errorf("the page holds a URL: %q", page[max(loc[0]-60, 0):min(loc[1]+60, len(page))])
	}
	if !bytes.Contains(page, []byte("https&#58;//api.integrator.io")) {
		t.Errorf("the log lines' URLs are gone from the page")
	}
	var text strings.Builder
	d := newDecoder(page)
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if c, ok := tok.(xml.CharData); ok {
			text.Write(c)
		}
	}
	if !strings.Contains(text.String(), "curl -I https://api.integrator.io") {
		t.Errorf("the page's text no longer reads https://api.integrator.io")
	}
	if got := noURLs([]byte("<style>a{}</style>x://y<style>b://c</style>z://")); string(got) != "<style>a{}</style>x&#58;//y<style>b://c</style>z&#58;//" {
		t.Errorf("noURLs: %s", got)
	}
}

// TestPageSize bounds the page, whatever the bundle holds: 20,000 logs left out, thousands of
// files, the most events a timeline may hold with the longest lines, findings with long evidence.
func TestPageSize(t *testing.T) {
	typical := render(t, failingFixture())
	t.Logf("report.html of the failing fixture (826 failed heartbeats): %d bytes", len(typical))

	f := failingFixture()
	f.m.Omitted = bigLeftOut(20000).Omitted
	withOld := render(t, f)
	t.Logf("report.html of the same with 20,000 logs left out: %d bytes", len(withOld))
	if len(withOld)-len(typical) > 16<<10 {
		t.Errorf("20,000 logs left out add %d bytes to the page", len(withOld)-len(typical))
	}

	// The worst: every bound reached, with text that HTML escaping does not grow (escaping can
	// make text up to 5 times longer: &#34; for ").
	long := strings.Repeat("abcd", 4000)
	for i := range 5000 {
		f.m.Files = append(f.m.Files, manifest.File{Path: fmt.Sprintf("agent/logs/extra/%05d-%s.log", i, long[:200]), SHA256: strings.Repeat("a", 64), Note: long})
	}
	f.r.Timeline.Events = nil
	for i := range diagnose.MaxTimelineEvents {
		k := kinds[i%len(kinds)]
		at := f.r.Timeline.Start.Add(time.Duration(i) * time.Minute * 5)
		f.r.Timeline.Events = append(f.r.Timeline.Events, diagnose.TimelineEvent{Kind: k, Time: at, End: at.Add(time.Minute), Count: 1, Path: "agent/logs/x.log", Line: i + 1, Text: long})
	}
	for i := range f.r.Findings {
		f.r.Findings[i].Detail, f.r.Findings[i].Remedy = long, long
		for j := range 50 {
			f.r.Findings[i].Evidence = append(f.r.Findings[i].Evidence, manifest.Evidence{Path: "agent/logs/x.log", Line: j + 1})
		}
	}
	for i := range 40 {
		f.r.Findings = append(f.r.Findings, f.r.Findings[i%4])
	}
	f.fs["agent/logs/x.log"] = &fstest.MapFile{Data: []byte(strings.Repeat(long+"\n", 60))}
	// A hostile manifest: thousands of collectors with long names and errors, a long host name.
	for i := range 5000 {
		f.m.Collectors = append(f.m.Collectors, manifest.Collector{Name: fmt.Sprintf("c%d-%s", i, long[:300]), Status: manifest.StatusFailed,
			Error: long, Problems: []string{long, long, long, long, long, long}, Started: runAt})
		f.m.Absent = append(f.m.Absent, manifest.Absent{Name: long[:300], Reason: long})
	}
	f.m.Host.Hostname = long
	worst := render(t, f)
	if !regexp.MustCompile(`and 99[0-9]{2} more collectors`).Match(worst) {
		t.Errorf("the page does not say how many collectors it leaves out")
	}
	t.Logf("report.html with every bound reached: %d bytes", len(worst))
	if len(worst) > 768<<10 {
		t.Errorf("the page is %d bytes with every bound reached, more than 768 KiB", len(worst))
	}
}
