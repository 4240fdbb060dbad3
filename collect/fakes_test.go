package collect

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/platform"
	"github.com/opadiag/opadiag/redact"
)

// fakeCmd is the canned behaviour of one command line.
type fakeCmd struct {
	out    string
	stderr string
	exit   int
	hang   bool // blocks until its deadline, like a hung systemctl
}

// fakeRunner answers commands from a table keyed by the command line; a key ending in "*"
// matches every line it prefixes. A command not in the table is missing: it cannot be started.
type fakeRunner struct {
	mu    sync.Mutex
	cmds  map[string]fakeCmd
	calls []string
}

func (f *fakeRunner) Run(ctx context.Context, stdout io.Writer, name string, args ...string) (CommandResult, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	f.mu.Lock()
	f.calls = append(f.calls, line)
	c, ok := f.cmds[line]
	if !ok {
		best := ""
		for k, v := range f.cmds {
			if p, star := strings.CutSuffix(k, "*"); star && strings.HasPrefix(line, p) && (!ok || len(p) > len(best)) {
				best, c, ok = p, v, true
			}
		}
	}
	f.mu.Unlock()
	if !ok {
		return CommandResult{ExitCode: -1}, &exec.Error{Name: name, Err: exec.ErrNotFound}
	}
	if c.hang {
		<-ctx.Done()
		return CommandResult{ExitCode: -1}, fmt.Errorf("killed at its deadline: %w", ctx.Err())
	}
	if _, err := io.WriteString(stdout, c.out); err != nil {
		return CommandResult{ExitCode: -1}, err
	}
	return CommandResult{ExitCode: c.exit, Stderr: c.stderr}, nil
}

func (f *fakeRunner) called(prefix string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}

// fakeOS is a SystemOS with canned answers.
type fakeOS struct {
	goos        string
	env         map[string]string
	path        map[string]string // LookPath answers
	booted      bool
	pid1        string
	scm         *fakeSCM
	scmErr      error
	keys        []platform.RegistryKey
	keyErrs     []error
	host        platform.HostFacts
	hostErr     error
	mem         platform.Memory
	load        *[3]float64
	disk        platform.Disk
	procs       []platform.Process
	realProcs   bool // list the real processes of this machine
	windows     map[int32]bool
	machinePath string
	vendor      string
	product     string
	self        int32
}

func (f *fakeOS) OS() string                    { return f.goos }
func (f *fakeOS) Getenv(k string) string        { return f.env[k] }
func (f *fakeOS) Self() int32                   { return f.self }
func (f *fakeOS) CPUs() int                     { return 2 }
func (f *fakeOS) SystemdBooted() (bool, string) { return f.booted, f.pid1 }
func (f *fakeOS) LookPath(file string) (string, error) {
	if p, ok := f.path[file]; ok {
		return p, nil
	}
	return "", exec.ErrNotFound
}
func (f *fakeOS) ServiceManager() (platform.ServiceManager, error) {
	if f.scmErr != nil {
		return nil, f.scmErr
	}
	if f.scm == nil {
		return nil, platform.ErrNoServiceManager
	}
	return f.scm, nil
}
func (f *fakeOS) UninstallKeys() ([]platform.RegistryKey, []error) { return f.keys, f.keyErrs }
func (f *fakeOS) HostFacts() (platform.HostFacts, error)           { return f.host, f.hostErr }
func (f *fakeOS) Memory(context.Context) (platform.Memory, error)  { return f.mem, nil }
func (f *fakeOS) LoadAverage(context.Context) (*[3]float64, error) { return f.load, nil }
func (f *fakeOS) DiskUsage(_ context.Context, p string) (platform.Disk, error) {
	return f.disk, nil
}
func (f *fakeOS) Processes(ctx context.Context, keep func(*platform.Process) bool) ([]platform.Process, int, error) {
	if f.realProcs {
		return platform.Current().Processes(ctx, keep)
	}
	var out []platform.Process
	for _, p := range f.procs {
		if keep(&p) {
			out = append(out, p)
		}
	}
	return out, len(f.procs) + 40, nil
}
func (f *fakeOS) VisibleWindowPIDs() (map[int32]bool, error) { return f.windows, nil }
func (f *fakeOS) MachinePath() (string, error)               { return f.machinePath, nil }
func (f *fakeOS) Firmware() (string, string, error)          { return f.vendor, f.product, nil }

// fakeSCM is a service control manager with canned services.
type fakeSCM struct {
	list    []platform.ServiceEntry
	details map[string]platform.ServiceDetail
	errs    map[string][]error
}

func (s *fakeSCM) List() ([]platform.ServiceEntry, error) { return s.list, nil }
func (s *fakeSCM) Query(name string) (platform.ServiceDetail, []error) {
	return s.details[name], s.errs[name]
}
func (s *fakeSCM) Close() error { return nil }

// bundleResult is a bundle written by runCollectors, read back.
type bundleResult struct {
	m     *manifest.Manifest
	files map[string]string
	path  string
}

// runCollectors runs collectors as Run does (the first alone, the rest side by side), writes
// the bundle, verifies it (sizes, hashes and the manifest's schema) and reads it back.
func runCollectors(t *testing.T, goos string, elevated bool, scan *diagnose.LogScan, cs ...Collector) bundleResult {
	t.Helper()
	dir := t.TempDir()
	now := time.Date(2025, 7, 29, 12, 0, 0, 0, time.UTC)
	red := redact.New()
	m := &manifest.Manifest{
		Schema: manifest.SchemaID, Tool: manifest.Tool{Name: "opadiag", Version: "test"}, Created: now,
		Invocation: manifest.Invocation{Trigger: "manual", User: "tester", Elevated: elevated},
		Options:    manifest.Options{Since: "168h0m0s"},
		Host:       manifest.Host{Hostname: "test", OS: goos, Arch: "amd64"},
		Discovery:  manifest.Discovery{Method: "agent-dir"},
	}
	w, err := NewWriter(dir, WriterOptions{Redactor: red, Manifest: m, TotalSize: 1 << 30, Created: now})
	if err != nil {
		t.Fatal(err)
	}
	m.Collectors = runAll(context.Background(), w, cs, SystemClock{}, nil)
	files, omitted, failed := w.snapshot()
	if failed != nil {
		t.Fatal(failed)
	}
	summarizeHost(m)
	//lint:ignore SA1019 transitional, as in Run
	dres := diagnose.RunInput(diagnose.Input{Manifest: m, Files: files, Omitted: omitted, Logs: scan})
	m.Findings = dres.Findings
	setVersion(m, dres)
	path, err := w.Finish("bundle")
	if err != nil {
		t.Fatal(err)
	}
	m, entries := readBundle(t, path)
	res := bundleResult{m: m, files: map[string]string{}, path: path}
	for name, b := range entries {
		res.files[name] = string(b)
	}
	return res
}

// collector returns the outcome of the named collector.
func (r bundleResult) collector(t *testing.T, name string) manifest.Collector {
	t.Helper()
	for _, c := range r.m.Collectors {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no collector %s in %+v", name, r.m.Collectors)
	return manifest.Collector{}
}

// service returns the named service of the manifest.
func (r bundleResult) service(t *testing.T, name string) manifest.AgentService {
	t.Helper()
	for _, s := range r.m.Service.Services {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no service %s in %+v", name, r.m.Service.Services)
	return manifest.AgentService{}
}

// command returns the recorded command whose line starts with prefix.
func (r bundleResult) command(t *testing.T, prefix string) manifest.Command {
	t.Helper()
	for _, c := range r.m.Commands {
		if strings.HasPrefix(c.Line, prefix) {
			return c
		}
	}
	t.Fatalf("no command %q in %+v", prefix, r.m.Commands)
	return manifest.Command{}
}

func (r bundleResult) finding(id string) *manifest.Finding {
	for i := range r.m.Findings {
		if r.m.Findings[i].ID == id {
			return &r.m.Findings[i]
		}
	}
	return nil
}

// notExist is a sysPaths.exists that knows only the given paths.
func existsOnly(paths ...string) func(string) bool {
	set := map[string]bool{}
	for _, p := range paths {
		set[p] = true
	}
	return func(p string) bool { return set[p] }
}

var errInvalidLevel = errors.New("The system call level is not correct.")

// makeAsar builds an Electron app.asar holding top-level files.
func makeAsar(files map[string]string) []byte {
	entries := map[string]any{}
	var data []byte
	for name, content := range files {
		entries[name] = map[string]any{"size": len(content), "offset": fmt.Sprint(len(data))}
		data = append(data, content...)
	}
	hdr, _ := json.Marshal(map[string]any{"files": entries})
	pad := (4 - len(hdr)%4) % 4
	pickle := make([]byte, 8+len(hdr)+pad)
	binary.LittleEndian.PutUint32(pickle[0:], uint32(4+len(hdr)+pad))
	binary.LittleEndian.PutUint32(pickle[4:], uint32(len(hdr)))
	copy(pickle[8:], hdr)
	out := binary.LittleEndian.AppendUint32(nil, 4)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(pickle)))
	out = append(out, pickle...)
	return append(out, data...)
}
