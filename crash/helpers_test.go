package crash

import (
	"archive/zip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/opadiag/opadiag/collect"
	"github.com/opadiag/opadiag/manifest"
)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// writeBundle writes a small zip named and shaped like a bundle of the given trigger, made at t,
// padded to at least size bytes, and returns its path.
func writeBundle(t testing.TB, dir string, at time.Time, trigger string, size int) string {
	t.Helper()
	name := fmt.Sprintf("opadiag-host-%s.zip", at.UTC().Format("20060102T150405Z"))
	path := filepath.Join(dir, name)
	for i := 2; ; i++ {
		if _, err := os.Lstat(path); os.IsNotExist(err) {
			break
		}
		path = filepath.Join(dir, fmt.Sprintf("opadiag-host-%s-%d.zip", at.UTC().Format("20060102T150405Z"), i))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(w, `{"schema":%q,"invocation":{"trigger":%q}}`, manifest.SchemaID, trigger)
	if size > 0 {
		p, err := zw.CreateHeader(&zip.FileHeader{Name: "pad", Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		p.Write(make([]byte, size))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// fakeCollect stands for collect.Run: it writes a crash bundle named after the clock's time,
// counting its calls; block, when set, is waited on first.
type fakeCollect struct {
	t       testing.TB
	clock   *fakeClock
	size    int
	err     error
	mu      sync.Mutex
	calls   int
	entered chan struct{} // closed on the first call, when set
	block   chan struct{}
}

func (f *fakeCollect) run(ctx context.Context, o collect.Options) (*collect.Result, error) {
	f.mu.Lock()
	f.calls++
	first := f.calls == 1
	f.mu.Unlock()
	if first && f.entered != nil {
		close(f.entered)
	}
	if f.block != nil {
		<-f.block
	}
	if o.Trigger != "crash" {
		f.t.Errorf("collect run with trigger %q", o.Trigger)
	}
	if f.err != nil {
		return nil, f.err
	}
	return &collect.Result{Path: writeBundle(f.t, o.OutputDir, f.clock.Now(), "crash", f.size)}, nil
}

func (f *fakeCollect) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// zips lists the .zip files of dir.
func zips(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.zip"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// logLines returns the capture log's entries.
func logLines(t testing.TB, dir string) []LogEntry {
	t.Helper()
	es, err := ReadLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func statuses(es []LogEntry) []Status {
	var out []Status
	for _, e := range es {
		out = append(out, e.Status)
	}
	return out
}

// goTool is the go command: go test puts its own first on the PATH of the tests it runs.
func goTool(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	return p
}
