package collect

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/opadiag/opadiag/agent"
	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

func TestRunLayouts(t *testing.T) {
	for _, l := range []layout{linuxLayout, windowsLayout} {
		t.Run(l.name, func(t *testing.T) {
			res, _, out := runLayout(t, l)
			path := onlyZip(t, out)
			if path != res.Path {
				t.Fatalf("result path %s, bundle at %s", res.Path, path)
			}
			if st, err := os.Stat(path); err != nil || runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
				t.Fatalf("bundle mode: %v %v", st.Mode(), err)
			}
			if !strings.HasPrefix(filepath.Base(path), "opadiag-testhost-20261128T120000Z") {
				t.Errorf("bundle name %s", filepath.Base(path))
			}
			m, entries := readBundle(t, path)

			if in := containsAny(entries, fixtureToken); len(in) > 0 {
				t.Fatalf("the token survives in %v", in)
			}
			if in := containsAny(entries, "hunter2"); len(in) > 0 {
				t.Fatalf("a password survives in %v", in)
			}
			settings := string(entries["agent/settings.json"])
			if !strings.Contains(settings, redact.HashToken(fixtureToken)) || !strings.Contains(settings, `"dbPassword": "[REDACTED]"`) {
				t.Fatalf("agent/settings.json:\n%s", settings)
			}
			if m.Redaction.TokenHash != redact.HashToken(fixtureToken) {
				t.Errorf("token_hash %q", m.Redaction.TokenHash)
			}
			a := m.Agents[0]
			if len(a.Settings) == 0 || a.Settings[0].Token == nil || a.Settings[0].UncaughtExceptionHappenedOnService == nil || !*a.Settings[0].UncaughtExceptionHappenedOnService {
				t.Fatalf("settings record: %+v", a.Settings)
			}
			if tok := a.Settings[0].Token; tok.Length != len(fixtureToken) || tok.LeadingWhitespace || tok.TrailingWhitespace || tok.Quoted {
				t.Errorf("token record: %+v", tok)
			}

			for _, day := range []time.Time{testNow, testNow.AddDate(0, 0, -1)} {
				if entries["agent/logs/server-"+day.Format("2006-01-02")+".log"] == nil {
					t.Errorf("recent log of %s missing", day.Format("2006-01-02"))
				}
			}
			for name := range entries {
				if strings.Contains(name, testNow.AddDate(0, 0, -10).Format("2006-01-02")) || strings.Contains(name, "previous.log") {
					t.Errorf("old log %s collected", name)
				}
				if strings.Contains(strings.ToLower(name), "leveldb") || strings.Contains(name, "Local Storage") {
					t.Errorf("browser storage %s collected", name)
				}
			}
			crash := "agent/" + l.crash
			if f := fileOf(m, crash); f == nil || f.Mtime == nil {
				t.Fatalf("crash file %s missing or without mtime", crash)
			}

			big := fileOf(m, "agent/logs/logs/big.log")
			if big == nil || !big.Truncated || big.OriginalSize <= big.Size || big.Size > 64<<10 {
				t.Fatalf("big log not cut to its newest bytes: %+v", big)
			}
			if !strings.HasSuffix(string(entries["agent/logs/logs/big.log"]), "password=[REDACTED]"+l.eol) ||
				!strings.HasPrefix(string(entries["agent/logs/logs/big.log"]), "line ") {
				t.Errorf("big log does not hold whole newest lines")
			}

			if l.tmp {
				if entries["agent/settings-tmp.txt"] == nil {
					t.Errorf("the unparsable Settings-tmp is not in the bundle, scrubbed")
				}
				if !hasFinding(m, "settings.tmp_left", "") {
					t.Errorf("no finding for Settings-tmp")
				}
			}
			for _, id := range []string{"crash.service", "token.hash", "service.uninstall_eperm"} {
				if !hasFinding(m, id, "") {
					t.Errorf("finding %s missing", id)
				}
			}
			for _, c := range m.Collectors {
				if c.Status != manifest.StatusOK && !(c.Name == "network" && c.Status == manifest.StatusSkipped) {
					t.Errorf("collector %s: %s %s %v", c.Name, c.Status, c.Error, c.Problems)
				}
			}
			if !strings.Contains(string(entries["summary.txt"]), "FINDINGS") {
				t.Errorf("summary.txt lacks findings")
			}
		})
	}
}

func TestRunNothingFound(t *testing.T) {
	out := t.TempDir()
	opts := testOptions(out)
	opts.Candidates = []agent.Candidate{{Parent: t.TempDir(), Name: "agent"}}
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := readBundle(t, res.Path)
	if len(m.Agents) != 0 || len(m.Discovery.Searched) != 1 || m.Discovery.Method != "discovered" {
		t.Fatalf("discovery: %+v agents %v", m.Discovery, m.Agents)
	}
	if !hasFinding(m, "agent.not_found", "") || m.Findings[0].Severity != manifest.SeverityFail {
		t.Fatalf("findings: %+v", m.Findings)
	}
}

func TestRunDiscovers(t *testing.T) {
	root := t.TempDir()
	makeHome(t, filepath.Join(root, "alice", ".config", "Agent"), linuxLayout)
	makeHome(t, filepath.Join(root, "bob", ".config", "agent"), linuxLayout)
	opts := testOptions(t.TempDir())
	opts.AgentDirs = nil
	opts.Candidates = []agent.Candidate{{Parent: filepath.Join(root, "*", ".config"), Name: "agent"}}
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m, entries := readBundle(t, res.Path)
	if len(m.Agents) != 2 || m.Agents[1].Folder != "agent/2" {
		t.Fatalf("agents: %+v", m.Agents)
	}
	if entries["agent/1/settings.json"] == nil || entries["agent/2/settings.json"] == nil {
		t.Fatal("each home's settings must be in its own folder")
	}
	if !hasFinding(m, "agent.several_homes", "") {
		t.Error("no finding for several homes")
	}
}

func TestRunTotalCap(t *testing.T) {
	home := newHome(t, linuxLayout)
	opts := testOptions(t.TempDir(), home)
	opts.MaxTotalSize = 10 << 10
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := readBundle(t, res.Path)
	var logBytes int64
	for _, f := range m.Files {
		if f.Collector == "logs" || f.Collector == "crash" {
			logBytes += f.Size
		}
	}
	if logBytes > 10<<10 {
		t.Fatalf("%d bytes of logs under a 10 KiB cap", logBytes)
	}
	capped := 0
	for _, o := range m.Omitted {
		if strings.Contains(o.Reason, "--max-total-size") {
			capped++
		}
	}
	if capped == 0 {
		t.Fatal("nothing recorded as left out for the total cap")
	}
}

// TestReadOnly hashes the agent home (contents, sizes, mtimes) before and after a run: nothing
// of the agent's may change.
func TestReadOnly(t *testing.T) {
	home := newHome(t, windowsLayout)
	before := snapshotTree(t, home)
	if _, err := Run(context.Background(), testOptions(t.TempDir(), home)); err != nil {
		t.Fatal(err)
	}
	if after := snapshotTree(t, home); after != before {
		t.Fatalf("the agent home changed:\nbefore %s\nafter  %s", before, after)
	}
}

func snapshotTree(t *testing.T, dir string) string {
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(p + " " + info.Mode().String() + " " + info.ModTime().String())
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b.WriteString(" " + redact.HashToken(string(data)))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return redact.HashToken(b.String())
}

// TestNoOverwrite makes two bundles in the same second: the second gets another name.
func TestNoOverwrite(t *testing.T) {
	home := newHome(t, linuxLayout)
	out := t.TempDir()
	r1, err := Run(context.Background(), testOptions(out, home))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Run(context.Background(), testOptions(out, home))
	if err != nil {
		t.Fatal(err)
	}
	if r1.Path == r2.Path || !strings.HasSuffix(r2.Path, "-2.zip") {
		t.Fatalf("second bundle %s, first %s", r2.Path, r1.Path)
	}
	readBundle(t, r1.Path)
	readBundle(t, r2.Path)
}

// faultyFile fails every write after limit bytes with err, as a full disk does.
type faultyFile struct {
	w     io.Writer
	limit int
	err   error
}

func (f *faultyFile) Write(p []byte) (int, error) {
	if len(p) > f.limit {
		n, _ := f.w.Write(p[:f.limit])
		f.limit = 0
		return n, f.err
	}
	f.limit -= len(p)
	return f.w.Write(p)
}

func TestDiskFull(t *testing.T) {
	home := newHome(t, linuxLayout)
	for _, limit := range []int{0, 100, 3000} {
		out := t.TempDir()
		opts := testOptions(out, home)
		opts.wrapOutput = func(w io.Writer) io.Writer { return &faultyFile{w: w, limit: limit, err: syscall.ENOSPC} }
		_, err := Run(context.Background(), opts)
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("limit %d: want ENOSPC, got %v", limit, err)
		}
		if ents, _ := os.ReadDir(out); len(ents) != 0 {
			t.Fatalf("limit %d: left behind %v", limit, ents[0].Name())
		}
	}
}

func TestOutputDirProblems(t *testing.T) {
	home := newHome(t, linuxLayout)
	t.Run("missing is created", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "a", "b")
		if _, err := Run(context.Background(), testOptions(out, home)); err != nil {
			t.Fatal(err)
		}
		onlyZip(t, out)
	})
	t.Run("not a folder", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "file")
		os.WriteFile(f, nil, 0o600)
		if _, err := Run(context.Background(), testOptions(f, home)); err == nil {
			t.Fatal("a file as output folder must fail")
		}
	})
	t.Run("read-only", func(t *testing.T) {
		if os.Geteuid() == 0 || runtime.GOOS == "windows" {
			t.Skip("root and Windows can write into a read-only folder")
		}
		out := t.TempDir()
		os.Chmod(out, 0o500)
		defer os.Chmod(out, 0o700)
		if _, err := Run(context.Background(), testOptions(out, home)); err == nil {
			t.Fatal("a read-only output folder must fail")
		}
	})
}

func TestInterrupted(t *testing.T) {
	home := newHome(t, linuxLayout)
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, testOptions(out, home)); !errors.Is(err, context.Canceled) {
		t.Fatalf("want an interruption error, got %v", err)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Fatalf("left behind %s", ents[0].Name())
	}
}

// collectorFunc is a collector made of a function, for the run loop's tests.
type collectorFunc struct {
	name    string
	timeout time.Duration
	fn      func(ctx context.Context, b *bundle.Bundle) error
}

func (c collectorFunc) Name() string { return c.name }
func (c collectorFunc) Collect(ctx context.Context, _ Facts, b *bundle.Bundle) error {
	return c.fn(ctx, b)
}
func (c collectorFunc) Timeout() time.Duration {
	if c.timeout == 0 {
		return DefaultTimeout
	}
	return c.timeout
}

// blockingReader blocks until released, as a read from a hung network share does.
type blockingReader struct{ release chan struct{} }

func (r blockingReader) Read(p []byte) (int, error) {
	<-r.release
	return 0, io.EOF
}

func TestRunLoop(t *testing.T) {
	w, err := bundle.Create(t.TempDir(), bundle.Options{StallTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	release := make(chan struct{}) // unblocks the hung read
	defer close(release)
	wake := make(chan struct{}) // wakes the collector that ignores its deadline
	var afterDeadline atomic.Value
	cs := []Collector{
		collectorFunc{name: "first", fn: func(ctx context.Context, b *bundle.Bundle) error {
			return b.Add(ctx, "first.txt", strings.NewReader("ok"), 0, bundle.Info{})
		}},
		collectorFunc{name: "panics", fn: func(context.Context, *bundle.Bundle) error { panic("boom") }},
		collectorFunc{name: "fails", fn: func(context.Context, *bundle.Bundle) error { return errors.New("read x: permission denied") }},
		collectorFunc{name: "partial", fn: func(ctx context.Context, b *bundle.Bundle) error {
			b.Problem("read y: permission denied")
			return b.Add(ctx, "partial.txt", strings.NewReader("some"), 0, bundle.Info{})
		}},
		collectorFunc{name: "hangs-in-read", timeout: 50 * time.Millisecond, fn: func(ctx context.Context, b *bundle.Bundle) error {
			return b.Add(ctx, "hung.txt", blockingReader{release}, 0, bundle.Info{})
		}},
		collectorFunc{name: "ignores-deadline", timeout: 50 * time.Millisecond, fn: func(ctx context.Context, b *bundle.Bundle) error {
			<-wake
			afterDeadline.Store(b.Add(context.Background(), "late.txt", strings.NewReader("late"), 0, bundle.Info{}))
			close(wake)
			return nil
		}},
		collectorFunc{name: "last", fn: func(ctx context.Context, b *bundle.Bundle) error {
			return b.Add(ctx, "last.txt", strings.NewReader("ok"), 0, bundle.Info{})
		}},
	}
	got := runPhase(context.Background(), w, Facts{}, cs, SystemClock{}, nil)
	want := map[string]string{
		"first": manifest.StatusOK, "panics": manifest.StatusFailed, "fails": manifest.StatusFailed,
		"partial": manifest.StatusPartial, "hangs-in-read": manifest.StatusTimeout,
		"ignores-deadline": manifest.StatusTimeout, "last": manifest.StatusOK,
	}
	for i, r := range got {
		if r.Name != cs[i].Name() {
			t.Fatalf("result %d is %s, want %s: order lost", i, r.Name, cs[i].Name())
		}
		if r.Status != want[r.Name] {
			t.Errorf("%s: status %s (%s), want %s", r.Name, r.Status, r.Error, want[r.Name])
		}
	}
	if !strings.Contains(got[1].Error, "panic: boom") {
		t.Errorf("panic not recorded: %q", got[1].Error)
	}
	if !got[5].TimedOut || !strings.Contains(got[5].Error, "abandoned") {
		t.Errorf("abandoned collector: %+v", got[5])
	}
	wake <- struct{}{} // let the abandoned collector try to add a file
	<-wake             // closed once it tried
	path, err := w.Finish("loop")
	if err != nil {
		t.Fatal(err)
	}
	m, entries := readBundle(t, path)
	if entries["late.txt"] != nil {
		t.Fatal("an abandoned collector added a file after its deadline")
	}
	if err, _ := afterDeadline.Load().(error); err == nil {
		t.Fatal("an abandoned collector's Add succeeded")
	}
	// The read that hung gave nothing before the deadline: left out, with the reason.
	found := false
	for _, o := range m.Omitted {
		found = found || o.Collector == "hangs-in-read" && strings.Contains(o.Reason, "deadline")
	}
	if !found {
		t.Fatalf("the read stopped at the deadline is not recorded: %+v", m.Omitted)
	}
}

func TestObfuscateRun(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home", "alice", "Agent")
	makeHome(t, home, windowsLayout)
	out := t.TempDir()
	opts := testOptions(out, home)
	opts.Obfuscate = true
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m, entries := readBundle(t, res.Path)
	if m.Host.Hostname != "host1" || !strings.Contains(filepath.Base(res.Path), "opadiag-host1-") || !m.Options.Obfuscate {
		t.Fatalf("host %q, bundle %s", m.Host.Hostname, res.Path)
	}
	for _, secret := range []string{"testhost", "tester", "alice"} {
		if in := containsAny(entries, secret); len(in) > 0 {
			t.Errorf("%q survives in %v", secret, in)
		}
	}
	st, err := os.Stat(res.Mapping)
	if err != nil || filepath.Dir(res.Mapping) != out || runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Fatalf("mapping %s: %v %v", res.Mapping, st, err)
	}
	data, _ := os.ReadFile(res.Mapping)
	if !strings.Contains(string(data), `"host1": "testhost"`) || !strings.Contains(string(data), `"alice"`) {
		t.Fatalf("mapping:\n%s", data)
	}
	for name := range entries {
		if strings.Contains(name, "obfuscation") {
			t.Fatalf("the mapping is inside the bundle: %s", name)
		}
	}
}

// TestSummaryText: summary.txt has CRLF line endings and a UTF-8 byte-order mark on Windows, so
// that the Notepad of older Windows Server shows lines, and is left as it is elsewhere.
func TestSummaryText(t *testing.T) {
	for _, goos := range []string{"windows", "linux"} {
		t.Run(goos, func(t *testing.T) {
			m := &manifest.Manifest{Host: manifest.Host{OS: goos, Hostname: "h"}, Findings: []manifest.Finding{{ID: "x", Severity: "warn", Title: "café"}}}
			got := summaryText(m)
			lf := bytes.Count(got, []byte("\n"))
			crlf := bytes.Count(got, []byte("\r\n"))
			bom := bytes.HasPrefix(got, []byte("\xEF\xBB\xBF"))
			if goos == "windows" && (!bom || crlf != lf || bytes.Contains(got, []byte("\r\r\n"))) {
				t.Fatalf("bom %v, %d CRLF of %d line breaks:\n%q", bom, crlf, lf, got)
			}
			if goos == "linux" && (bom || crlf != 0) {
				t.Fatalf("bom %v, %d CRLF:\n%q", bom, crlf, got)
			}
		})
	}
}
