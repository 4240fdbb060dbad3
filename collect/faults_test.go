package collect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/platform"
)

// faultyOpener opens files like the platform does, then does something to some of them: fail
// (permission denied), or delete, truncate or grow them at the first read, as the agent might
// while opadiag reads.
type faultyOpener struct {
	faults map[string]string // base name -> fault
	// release ends the reads of files whose fault is "hang" (a dead network share), and
	// the opens of those whose fault is "hang-open"; nil: they never end.
	release chan struct{}
}

func (o faultyOpener) OpenFile(path string) (File, error) {
	fault := o.faults[filepath.Base(path)]
	switch fault {
	case "denied":
		return nil, &fs.PathError{Op: "open", Path: path, Err: syscall.EACCES}
	case "hang-open":
		<-o.release
	}
	f, err := platform.Current().Open(path)
	if err != nil {
		return nil, err
	}
	return &rottingFile{File: f, path: path, fault: fault, release: o.release}, nil
}

// rottingFile applies its fault once, at the first read.
type rottingFile struct {
	File
	path    string
	fault   string
	release chan struct{}
	done    bool
	// reading is held while a read is in flight: Close waits for it, as closing a file whose
	// read is blocked in the kernel (FUSE, a dead network share) waits for that read.
	reading sync.RWMutex
}

func (f *rottingFile) Close() error {
	f.reading.Lock()
	defer f.reading.Unlock()
	return f.File.Close()
}

func (f *rottingFile) strike() {
	if f.done {
		return
	}
	f.done = true
	switch f.fault {
	case "delete":
		os.Remove(f.path)
	case "truncate":
		os.Truncate(f.path, 10)
	case "grow":
		g, _ := os.OpenFile(f.path, os.O_APPEND|os.O_WRONLY, 0)
		g.WriteString(strings.Repeat("grown line\n", 100))
		g.Close()
	}
}

func (f *rottingFile) Read(p []byte) (int, error) {
	f.strike()
	return f.File.Read(p)
}

func (f *rottingFile) ReadAt(p []byte, off int64) (int, error) {
	if f.fault == "hang" {
		f.reading.RLock()
		defer f.reading.RUnlock()
		<-f.release
		return 0, io.EOF
	}
	f.strike()
	return f.File.ReadAt(p, off)
}

// TestHungReads: logs whose read or open never returns (a dead network share, an antivirus
// lock) cost the stall timeout each, delay no other collector, and the manifest names them;
// the healthy logs are in the bundle.
func TestHungReads(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	home := newHome(t, linuxLayout)
	for _, n := range []string{"stuck.log", "stuck-open.log", "stuck2.log", "stuck3.log"} {
		os.WriteFile(filepath.Join(home, "logs", n), []byte("2026-11-28T10:00:00.000Z level=info, ok\n"), 0o644)
	}
	opts := testOptions(t.TempDir(), home)
	opts.StallTimeout = 2 * time.Second
	opts.open = faultyOpener{faults: map[string]string{"stuck.log": "hang", "stuck-open.log": "hang-open", "stuck2.log": "hang", "stuck3.log": "hang"}, release: release}
	start := time.Now()
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	m, entries := readBundle(t, res.Path)
	for _, want := range []string{"agent/logs/logs/agent.log", "agent/settings.json"} {
		if entries[want] == nil {
			t.Errorf("%s is missing: a hung read cost the healthy files", want)
		}
	}
	stuck := map[string]string{}
	for _, o := range m.Omitted {
		stuck[filepath.Base(o.Source)] = o.Reason
	}
	for _, n := range []string{"stuck.log", "stuck-open.log", "stuck2.log", "stuck3.log"} {
		if !strings.Contains(stuck[n], "made no progress") {
			t.Errorf("%s is not named with the reason: %v", n, m.Omitted)
		}
	}
	// After the first stall, the next files of the dead share get a shorter timeout.
	var full, short int
	for _, r := range stuck {
		switch {
		case strings.Contains(r, "for 2s"):
			full++
		case strings.Contains(r, "for 1s"):
			short++
		}
	}
	if full != 1 || short != 3 {
		t.Errorf("%d stalls waited the full timeout and %d a shorter one, want 1 and 3: %v", full, short, stuck)
	}
	for _, c := range m.Collectors {
		if c.Status == manifest.StatusTimeout {
			t.Errorf("collector %s timed out: the stall should have been abandoned first", c.Name)
		}
	}
	t.Logf("the run took %s with four hung files and a stall timeout of %s", took.Round(time.Millisecond), opts.StallTimeout)
}

// faultHome writes an agent home with one log per fault and the oddities of a sick machine.
func faultHome(t *testing.T) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "agent")
	os.MkdirAll(filepath.Join(home, "logs"), 0o755)
	os.WriteFile(filepath.Join(home, "Settings"), []byte(`{"token":"`+fixtureToken+`"}`), 0o600)
	body := strings.Repeat("2026-11-28T10:00:00.000Z: level=info, token="+fixtureToken+"\n", 200)
	for _, n := range []string{"denied.log", "delete.log", "truncate.log", "grow.log", "fine.log"} {
		os.WriteFile(filepath.Join(home, "logs", n), []byte(body), 0o644)
	}
	os.WriteFile(filepath.Join(home, "logs", "empty.log"), nil, 0o644)
	os.WriteFile(filepath.Join(home, "logs", "binary.log"), []byte("MZ\x00\x00\x01\x02"+fixtureToken), 0o644)
	os.WriteFile(filepath.Join(home, "logs", "latin1.log"), []byte("caf\xe9 cr\xe8me password=x\xff\n"), 0o644)
	// A symlink to a file outside the home, a symlink loop, and a folder symlinked to its parent.
	outside := filepath.Join(t.TempDir(), "secret.log")
	os.WriteFile(outside, []byte("outside "+fixtureToken), 0o644)
	os.Symlink(outside, filepath.Join(home, "logs", "outside.log"))
	os.Symlink(filepath.Join(home, "logs", "loop2.log"), filepath.Join(home, "logs", "loop1.log"))
	os.Symlink(filepath.Join(home, "logs", "loop1.log"), filepath.Join(home, "logs", "loop2.log"))
	os.Symlink(home, filepath.Join(home, "logs", "again"))
	if runtime.GOOS != "windows" {
		if err := mkfifo(filepath.Join(home, "logs", "pipe.log")); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			os.Chtimes(p, now, now)
		}
		return nil
	})
	return home
}

// TestSickMachine runs a collect over every fault of the list at once: it must end with a
// bundle whose manifest names each problem, never hang, and never leak the token.
func TestSickMachine(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("FIFOs and symlinks as on Unix")
	}
	home := faultHome(t)
	opts := testOptions(t.TempDir(), home)
	opts.Clock = SystemClock{}
	opts.open = faultyOpener{faults: map[string]string{
		"denied.log": "denied", "delete.log": "delete", "truncate.log": "truncate", "grow.log": "grow",
	}}
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m, entries := readBundle(t, res.Path)
	if in := containsAny(entries, fixtureToken); len(in) > 0 {
		t.Fatalf("token in %v", in)
	}
	var logs manifest.Collector
	for _, c := range m.Collectors {
		if c.Name == "logs" {
			logs = c
		}
	}
	if logs.Status != manifest.StatusPartial || !strings.Contains(strings.Join(logs.Problems, "\n"), "permission denied") {
		t.Fatalf("logs collector: %+v", logs)
	}
	note := func(name string) string {
		if f := fileOf(m, "agent/logs/logs/"+name); f != nil {
			return f.Note
		}
		t.Fatalf("%s not in the bundle", name)
		return ""
	}
	if n := note("delete.log"); !strings.Contains(n, "deleted") {
		t.Errorf("deleted file: note %q", n)
	}
	if n := note("truncate.log"); !strings.Contains(n, "changed while it was read") {
		t.Errorf("truncated file: note %q", n)
	}
	if n := note("grow.log"); !strings.Contains(n, "changed while it was read") {
		t.Errorf("growing file: note %q", n)
	}
	if f := fileOf(m, "agent/logs/logs/grow.log"); f == nil || strings.Contains(string(entries["agent/logs/logs/grow.log"]), "grown line") {
		t.Errorf("a growing file must be read up to the size it had when opened")
	}
	if f := fileOf(m, "agent/logs/logs/empty.log"); f == nil || f.Size != 0 {
		t.Errorf("empty file: %+v", f)
	}
	if got := string(entries["agent/logs/logs/latin1.log"]); !strings.Contains(got, "caf\xe9") || !strings.Contains(got, "password=[REDACTED]") {
		t.Errorf("non-UTF-8 file: %q", got)
	}
	omitted := map[string]string{}
	for _, o := range m.Omitted {
		omitted[filepath.Base(o.Source)] = o.Reason
	}
	for name, want := range map[string]string{
		"binary.log":  "binary",
		"outside.log": "outside the agent home",
		"loop1.log":   "cannot be resolved",
		"pipe.log":    "not a regular file",
	} {
		if !strings.Contains(omitted[name], want) {
			t.Errorf("%s: omitted with %q, want %q", name, omitted[name], want)
		}
	}
	for name := range entries {
		if strings.Contains(name, "again") {
			t.Errorf("followed a symlinked folder: %s", name)
		}
	}
	if !hasFinding(m, "collector.logs", "") {
		t.Error("no finding for the logs that could not be read")
	}
}

// TestInterruptedMidRun cancels the run while the logs are being read, as Ctrl-C does: no bundle
// and no temporary file may be left.
func TestInterruptedMidRun(t *testing.T) {
	home := newHome(t, linuxLayout)
	writeAgentLog(t, filepath.Join(home, "logs", "huge.log"), 64<<20)
	os.Chtimes(filepath.Join(home, "logs", "huge.log"), testNow, testNow)
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := testOptions(out, home)
	opts.MaxFileSize = 1 << 30
	opts.Progress = cancelOn{"logs", cancel}
	_, err := Run(ctx, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want an interruption, got %v", err)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Fatalf("left behind %s", ents[0].Name())
	}
}

// cancelOn cancels when the named collector starts.
type cancelOn struct {
	name   string
	cancel func()
}

func (c cancelOn) Started(name string) {
	if name == c.name {
		go func() { time.Sleep(10 * time.Millisecond); c.cancel() }()
	}
}
func (cancelOn) Finished(manifest.Collector) {}

func TestUnwritableOutput(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses /proc, which not even root can write to")
	}
	home := newHome(t, linuxLayout)
	for _, dir := range []string{"/proc", "/proc/opadiag-test/out"} {
		if _, err := Run(context.Background(), testOptions(dir, home)); err == nil {
			t.Fatalf("%s: a bundle was written", dir)
		}
	}
}

// TestCommandDeadline runs a real command that outlives its deadline: it is killed, and the
// manifest records it.
func TestCommandDeadline(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	w, err := bundle.Create(t.TempDir(), bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	b := w.Bundle("service")
	_, err = addCommand(ctx, b, ExecRunner{}, "service/sleep.txt", 0, nil, sleep, "30")
	if err == nil || !strings.Contains(err.Error(), "killed at its deadline") {
		t.Fatalf("err = %v", err)
	}
	cmds := w.Seal().Commands
	if len(cmds) != 1 || !strings.Contains(cmds[0].Error, "deadline") || cmds[0].ExitCode != -1 {
		t.Fatalf("commands: %+v", cmds)
	}
}

// TestManyLogs: a folder of more recent logs than a run takes gets the newest in the bundle and
// the others named as left out, counted by reason once the manifest's list is full.
func TestManyLogs(t *testing.T) {
	home := newHome(t, linuxLayout)
	for i := range 30 {
		p := filepath.Join(home, "logs", fmt.Sprintf("many-%02d.log", i))
		os.WriteFile(p, []byte("2026-11-28T10:00:00.000Z level=info, ok\n"), 0o644)
		mt := testNow.Add(-time.Duration(30-i) * time.Minute)
		os.Chtimes(p, mt, mt)
	}
	opts := testOptions(t.TempDir(), home)
	opts.maxLogs = 10
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m, entries := readBundle(t, res.Path)
	logs := 0
	for name := range entries {
		if strings.HasPrefix(name, "agent/logs/") {
			logs++
		}
	}
	if logs != 10 {
		t.Errorf("%d logs in the bundle, want 10", logs)
	}
	if entries["agent/logs/logs/many-29.log"] == nil {
		t.Errorf("the newest log is missing")
	}
	if manifest.OmittedTotal(m) < 20 || !strings.Contains(fmt.Sprint(m.Omitted), "only the newest 10 are taken") {
		t.Errorf("the logs left out are not named: %v", m.Omitted)
	}
}

// TestSettingsNotAFile: a Settings file that is a FIFO (or a symlink out of the home) is never
// opened; the manifest names it as left out with the reason, and the strict-mode reason says
// it, rather than that there is no Settings file.
func TestSettingsNotAFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs on Windows")
	}
	home := filepath.Join(t.TempDir(), "agent")
	os.MkdirAll(filepath.Join(home, "logs"), 0o755)
	if err := mkfifo(filepath.Join(home, "Settings")); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), testOptions(t.TempDir(), home))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := readBundle(t, res.Path)
	got := ""
	for _, o := range m.Omitted {
		if o.Source == filepath.Join(home, "Settings") {
			got = o.Reason
		}
	}
	if !strings.Contains(got, "not a regular file") {
		t.Errorf("Settings left out for %q, want it named as not a regular file: %v", got, m.Omitted)
	}
	if !m.Redaction.Strict || !strings.Contains(m.Redaction.StrictReason, "not a regular file") {
		t.Errorf("strict %v, reason %q", m.Redaction.Strict, m.Redaction.StrictReason)
	}
	// The findings say what the manifest says: left out, not missing or damaged.
	leftOut := false
	for _, f := range m.Findings {
		switch f.ID {
		case "settings.left_out":
			leftOut = strings.Contains(f.Detail, "not a regular file")
		case "settings.missing", "settings.unreadable":
			t.Errorf("%s: %s", f.ID, f.Detail)
		}
	}
	if !leftOut {
		t.Errorf("no settings.left_out naming the FIFO: %+v", m.Findings)
	}
}

// TestManyCrashFiles: a home with more uncaughtException files than a run takes gets the newest
// in the bundle and the others named as left out.
func TestManyCrashFiles(t *testing.T) {
	home := newHome(t, linuxLayout)
	for i := range maxCrashFiles + 5 {
		p := filepath.Join(home, fmt.Sprintf("uncaughtException.%03d", i))
		os.WriteFile(p, []byte("Error: boom\n"), 0o644)
		mt := testNow.Add(-time.Duration(100-i) * time.Minute)
		os.Chtimes(p, mt, mt)
	}
	res, err := Run(context.Background(), testOptions(t.TempDir(), home))
	if err != nil {
		t.Fatal(err)
	}
	m, entries := readBundle(t, res.Path)
	n := 0
	for name := range entries {
		if strings.Contains(name, "uncaughtException.") {
			n++
		}
	}
	if n != maxCrashFiles {
		t.Errorf("%d crash files in the bundle, want %d", n, maxCrashFiles)
	}
	if entries[fmt.Sprintf("agent/uncaughtException.%03d", maxCrashFiles+4)] == nil {
		t.Errorf("the newest crash file is missing")
	}
	if !strings.Contains(fmt.Sprint(m.Omitted), "crash files: only the newest") {
		t.Errorf("the crash files left out are not named: %v", m.Omitted)
	}
}

// TestWalkBounded: a home holding more files than a walk lists is listed in part, and says so;
// a folder is never read whole.
func TestWalkBounded(t *testing.T) {
	dir := t.TempDir()
	for i := range 30 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.log", i)), nil, 0o644)
	}
	des, err := readDirAtMost(dir, 10)
	if len(des) != 10 || !errors.Is(err, errTooMany) {
		t.Errorf("readDirAtMost(10) = %d entries, %v; want 10, errTooMany", len(des), err)
	}
	if des, err := readDirAtMost(dir, 30); len(des) != 30 || err != nil || des[0].Name() != "f00.log" {
		t.Errorf("readDirAtMost(30) = %d entries, %v", len(des), err)
	}
	h := home{path: dir, idx: &homeIndex{max: 12}}
	x := h.index()
	if len(x.entries) != 12 || len(x.errs) != 1 || !strings.Contains(x.errs[0].err.Error(), "listed in part") {
		t.Errorf("%d entries, errors %v; want 12 and the home listed in part", len(x.entries), x.errs)
	}
}
