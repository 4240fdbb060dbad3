package collect

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/platform"
)

// The fixture token; it must never appear in a bundle.
const fixtureToken = "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"

// fakePlatform is a machine with fixed facts that opens real files.
type fakePlatform struct{}

func (fakePlatform) Hostname() string                   { return "testhost" }
func (fakePlatform) User() string                       { return "tester" }
func (fakePlatform) Elevated() bool                     { return false }
func (fakePlatform) Open(path string) (*os.File, error) { return platform.Current().Open(path) }

// fixedClock always says the same time.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// testNow is the fixtures' "now": logs are dated relative to it.
var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// layout describes a fixture agent home.
type layout struct {
	name     string
	settings string // file name of Settings
	eol      string // line ending of logs
	bom      bool
	tmp      bool // also a Settings-tmp
	crash    string
}

var (
	linuxLayout   = layout{name: "linux", settings: "Settings", eol: "\n", crash: "uncaughtException"}
	windowsLayout = layout{name: "windows", settings: "Settings", eol: "\r\n", bom: true, tmp: true, crash: "uncaughtException.txt"}
)

// makeHome writes a fixture agent home in dir: Settings with the token and a password, logs of
// today and yesterday (token and password inside), one 10 days old by name, one old by mtime,
// a 200 KiB log, logs/agent.log, a crash file, and Chromium storage that must be skipped.
func makeHome(t testing.TB, dir string, l layout) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "logs"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "Local Storage", "leveldb"), 0o755))
	settings := `{"token":"` + fixtureToken + `","environment":"production","uncaughtExceptionHappenedOnService":true,"dbPassword":"hunter2","proxy":"http://bob:pr0xy@proxy.example.invalid:3128"}`
	if l.bom {
		settings = "\xEF\xBB\xBF{\r\n  \"accessToken\": \"" + fixtureToken + "\",\r\n  \"uncaughtExceptionHappenedOnService\": \"True\",\r\n  \"dbPassword\": \"hunter2\"\r\n}\r\n"
	}
	must(os.WriteFile(filepath.Join(dir, l.settings), []byte(settings), 0o600))
	if l.tmp {
		must(os.WriteFile(filepath.Join(dir, "Settings-tmp"), []byte(`{"accessToken":"`+fixtureToken), 0o600))
	}
	logLine := func(ts time.Time, msg string) string {
		return ts.UTC().Format("2006-01-02T15:04:05.000Z") + ": " + msg + l.eol
	}
	for _, age := range []int{0, 1} {
		day := testNow.AddDate(0, 0, -age)
		var b strings.Builder
		for i := 0; i < 30; i++ {
			b.WriteString(logLine(day.Add(time.Duration(i-60)*time.Minute), "level=info, logName=heartbeat, message=Heartbeat sent successfully"))
		}
		b.WriteString(logLine(day.Add(-20*time.Minute), "level=debug, token="+fixtureToken+", conn=Server=db;Pwd=hunter2;"))
		name := filepath.Join(dir, "server-"+day.Format("2006-01-02")+".log")
		must(os.WriteFile(name, []byte(b.String()), 0o644))
		must(os.Chtimes(name, day, day))
	}
	old := filepath.Join(dir, "server-"+testNow.AddDate(0, 0, -10).Format("2006-01-02")+".log")
	must(os.WriteFile(old, []byte(logLine(testNow.AddDate(0, 0, -10), "old line")), 0o644))
	must(os.Chtimes(old, testNow.AddDate(0, 0, -10), testNow.AddDate(0, 0, -10)))
	oldByMtime := filepath.Join(dir, "logs", "previous.log")
	must(os.WriteFile(oldByMtime, []byte("old by mtime"+l.eol), 0o644))
	must(os.Chtimes(oldByMtime, testNow.AddDate(0, 0, -30), testNow.AddDate(0, 0, -30)))
	var big strings.Builder
	for i := 0; big.Len() < 200<<10; i++ {
		fmt.Fprintf(&big, "line %06d password=s3cret%d%s", i, i, l.eol)
	}
	bigName := filepath.Join(dir, "logs", "big.log")
	must(os.WriteFile(bigName, []byte(big.String()), 0o644))
	must(os.Chtimes(bigName, testNow.Add(-time.Hour), testNow.Add(-time.Hour)))
	agentLog := filepath.Join(dir, "logs", "agent.log")
	must(os.WriteFile(agentLog, []byte("agent started"+l.eol), 0o644))
	must(os.Chtimes(agentLog, testNow.Add(-2*time.Hour), testNow.Add(-2*time.Hour)))
	must(os.WriteFile(filepath.Join(dir, l.crash), []byte("Error: EPERM: operation not permitted, unlink 'x'"+l.eol+"    at f (a.js:1:1)"+l.eol), 0o644))
	must(os.WriteFile(filepath.Join(dir, "Local Storage", "leveldb", "000003.log"), []byte("token "+fixtureToken), 0o644))
	// Files written just now get a fixed time too, so that manifests are reproducible.
	for _, f := range []string{l.settings, "Settings-tmp", l.crash, filepath.Join("Local Storage", "leveldb", "000003.log")} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			must(os.Chtimes(filepath.Join(dir, f), testNow.Add(-3*time.Hour), testNow.Add(-3*time.Hour)))
		}
	}
}

// newHome makes a fixture agent home named Agent in a new temporary folder.
func newHome(t testing.TB, l layout) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "Agent")
	makeHome(t, home, l)
	return home
}

// runLayout runs a collect over a new fixture home of layout l into a new output folder.
func runLayout(t testing.TB, l layout) (res *Result, home, out string) {
	t.Helper()
	home, out = newHome(t, l), t.TempDir()
	res, err := Run(context.Background(), testOptions(out, home))
	if err != nil {
		t.Fatal(err)
	}
	return res, home, out
}

// testOptions are the options of a run over homes, writing to out.
func testOptions(out string, homes ...string) Options {
	return Options{
		OutputDir: out, AgentDirs: homes, Since: 168 * time.Hour,
		MaxFileSize: 64 << 10, MaxTotalSize: 512 << 20, NoNetwork: true, ProbeTimeout: 5 * time.Second,
		Trigger: "manual", Tool: manifest.Tool{Name: "opadiag", Version: "test", Commit: "none", Go: "go"},
		Platform: fakePlatform{}, Clock: fixedClock{testNow},
	}
}

// verified opens the bundle at path, fails the test unless it verifies (schema, sizes, hashes),
// and returns its manifest.
func verified(t testing.TB, path string) *manifest.Manifest {
	t.Helper()
	r, err := bundle.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if rep := r.Verify(); !rep.Valid() {
		t.Fatalf("bundle %s is invalid:\n%s", path, strings.Join(rep.Problems, "\n"))
	}
	return r.Manifest()
}

// readBundle verifies the bundle at path (schema, sizes, hashes) and returns its entries.
func readBundle(t testing.TB, path string) (*manifest.Manifest, map[string][]byte) {
	t.Helper()
	m := verified(t, path)
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	entries := map[string][]byte{}
	for _, f := range zr.File {
		if f.Method != zip.Deflate {
			t.Errorf("%s is not deflated", f.Name)
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		entries[f.Name], err = io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return m, entries
}

// onlyZip returns the one file in dir, failing when there is not exactly one zip and nothing
// else.
func onlyZip(t testing.TB, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || !strings.HasSuffix(ents[0].Name(), ".zip") {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("want exactly one zip in %s, got %v", dir, names)
	}
	return filepath.Join(dir, ents[0].Name())
}

func fileOf(m *manifest.Manifest, path string) *manifest.File {
	for i := range m.Files {
		if m.Files[i].Path == path {
			return &m.Files[i]
		}
	}
	return nil
}

// hasFinding reports whether m has the finding id, of severity sev unless sev is empty.
func hasFinding(m *manifest.Manifest, id, sev string) bool {
	for _, f := range m.Findings {
		if f.ID == id && (sev == "" || f.Severity == sev) {
			return true
		}
	}
	return false
}

func containsAny(entries map[string][]byte, s string) []string {
	var in []string
	for name, data := range entries {
		if bytes.Contains(data, []byte(s)) {
			in = append(in, name)
		}
	}
	return in
}
