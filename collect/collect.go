// Package collect makes the support bundle: it finds the agent's homes, runs the collectors, each
// under its own deadline, streams what they gather through the redactor into a zip, lets
// diagnose draw findings from it, and writes summary.txt and manifest.json last before moving the
// finished zip into place. One collector failing, timing out or panicking never stops the run:
// it becomes a status in the manifest.
package collect

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/platform"
	"github.com/opadiag/opadiag/redact"
)

// Collector gathers one kind of evidence into the bundle.
type Collector interface {
	// Name is stable; it names the collector in the manifest and on the console.
	Name() string
	// Collect adds files to b. Problems that leave the rest collectable are recorded with
	// b.Problem; an error means the collector could not do its job.
	Collect(ctx context.Context, b *Bundle) error
}

// timeouter is implemented by collectors that need another deadline than DefaultTimeout.
type timeouter interface{ Timeout() time.Duration }

// DefaultTimeout is a collector's deadline unless it asks for another.
const DefaultTimeout = 60 * time.Second

// abandonGrace is how long a collector is waited for after its deadline before it is abandoned.
const abandonGrace = 2 * time.Second

// FileOpener opens files without disturbing the agent (platform.Platform.Open).
type FileOpener interface {
	Open(path string) (*os.File, error)
}

// HostInfo tells who and where opadiag runs.
type HostInfo interface {
	Hostname() string
	User() string
	Elevated() bool
}

// HomeFinder lists where agent homes may be.
type HomeFinder interface {
	AgentHomeCandidates() []platform.Candidate
}

// Platform is what a run needs of the operating system.
type Platform interface {
	FileOpener
	HostInfo
	HomeFinder
}

// Clock tells the time; tests pass a fixed one.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Progress hears about collectors as they run; the console implements it.
type Progress interface {
	Started(name string)
	Finished(c manifest.Collector)
}

// Options configure one run. The CLI fills them from flags; zero values are not defaults, the
// CLI supplies those.
type Options struct {
	OutputDir    string   // where the bundle goes; empty: the current directory, else the home directory
	AgentDirs    []string // agent homes given with --agent-dir; empty: discover
	Since        time.Duration
	MaxFileSize  int64
	MaxTotalSize int64
	NoNetwork    bool
	Endpoints    []string
	ProbeTimeout time.Duration
	Trigger      string   // "manual" or "crash"
	Args         []string // the command line, recorded redacted
	Given        []string // names of the flags given on the command line ("--endpoint"…)
	Tool         manifest.Tool

	Platform Platform
	Runner   CommandRunner // runs external commands; nil: ExecRunner
	Clock    Clock
	Progress Progress // may be nil
}

// Result is a finished run.
type Result struct {
	Path     string
	Manifest *manifest.Manifest
	Warnings []string // things the user should know that did not stop the run
}

// absent lists the collectors that belong in a bundle but are not part of this build, and the
// flags that only they would act on.
var absent = []struct {
	name, reason string
	flags        []string
}{
	{"network", "network probes are not part of this build", []string{"--no-network", "--endpoint", "--probe-timeout"}},
}

// Run makes one bundle. It returns an error only when no bundle could be written; everything
// else (collectors failing, nothing found) is recorded in the bundle.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Platform == nil {
		return nil, errors.New("collect: no platform")
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.Runner == nil {
		opts.Runner = ExecRunner{}
	}
	start := opts.Clock.Now()
	res := &Result{}
	dir, warn, err := outputDir(opts.OutputDir)
	if err != nil {
		return nil, err
	}
	if warn != "" {
		res.Warnings = append(res.Warnings, warn)
	}
	red := redact.New()
	m := newManifest(opts, start, red, dir)
	w, err := newWriter(dir, red, m, opts.MaxTotalSize, start)
	if err != nil {
		return nil, err
	}
	done := false
	defer func() {
		if !done {
			w.abort()
		}
	}()

	homes := findHomes(opts, m)
	scan := diagnose.NewLogScan()
	collectors := []Collector{
		&settingsCollector{homes: homes, open: opts.Platform},
		&logsCollector{homes: homes, open: opts.Platform, since: opts.Since, now: start, maxFile: opts.MaxFileSize, scan: scan},
		&crashCollector{homes: homes, open: opts.Platform, maxFile: opts.MaxFileSize, scan: scan},
	}
	if sysOS, ok := opts.Platform.(SystemOS); ok {
		facts := newAgentFacts()
		collectors = append(collectors,
			&serviceCollector{os: sysOS, open: opts.Platform, runner: opts.Runner, since: opts.Since, now: start,
				maxFile: opts.MaxFileSize, scan: scan, facts: facts, paths: defaultPaths(),
				cmdTimeout: commandTimeout, slowTimeout: slowTimeout},
			&systemCollector{os: sysOS, open: opts.Platform, runner: opts.Runner, since: opts.Since, now: start,
				maxFile: opts.MaxFileSize, homes: homes, output: dir, facts: facts, paths: defaultPaths(),
				pattern: agentPattern, factsWait: factsWait, cmdTimeout: commandTimeout, slowTimeout: slowTimeout})
	} else {
		m.Absent = append(m.Absent,
			manifest.Absent{Name: "service", Reason: "the platform gives no access to services"},
			manifest.Absent{Name: "system", Reason: "the platform gives no access to OS facts and processes"})
	}
	m.Collectors = runAll(ctx, w, collectors, opts.Clock, opts.Progress)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted before the bundle was finished: %w", err)
	}
	files, omitted, failed := w.snapshot()
	if failed != nil {
		return nil, failed
	}
	for _, a := range m.Agents {
		for _, s := range a.Settings {
			if s.Token != nil && m.Redaction.TokenHash == "" {
				m.Redaction.TokenHash = s.Token.Hash
			}
		}
	}
	summarizeHost(m, scan)
	m.Findings = diagnose.Run(diagnose.Input{Manifest: m, Files: files, Omitted: omitted, Logs: scan, Now: start})
	m.DurationMS = opts.Clock.Now().Sub(start).Milliseconds()
	stem := fmt.Sprintf("opadiag-%s-%s", fileSafe(m.Host.Hostname), start.UTC().Format("20060102T150405Z"))
	path, err := w.finish(dir, stem, m, Summary)
	if err != nil {
		return nil, err
	}
	done = true
	res.Path, res.Manifest = path, m
	return res, nil
}

func newManifest(opts Options, start time.Time, red *redact.Redactor, dir string) *manifest.Manifest {
	p := opts.Platform
	m := &manifest.Manifest{
		Schema:  manifest.SchemaID,
		Tool:    opts.Tool,
		Created: start.UTC(),
		Invocation: manifest.Invocation{
			Trigger: opts.Trigger, User: p.User(), Elevated: p.Elevated(),
		},
		Options: manifest.Options{
			Output: dir, AgentDirs: opts.AgentDirs, Since: opts.Since.String(),
			MaxFileSize: opts.MaxFileSize, MaxTotalSize: opts.MaxTotalSize, NoNetwork: opts.NoNetwork,
			ProbeTimeout: opts.ProbeTimeout.String(),
		},
		Host: manifest.Host{Hostname: p.Hostname(), OS: runtime.GOOS, Arch: runtime.GOARCH, Elevated: p.Elevated()},
	}
	m.Tool.Name = "opadiag"
	for _, a := range opts.Args {
		m.Invocation.Args = append(m.Invocation.Args, red.String(a))
	}
	for _, e := range opts.Endpoints {
		m.Options.Endpoints = append(m.Options.Endpoints, red.String(e))
	}
	given := map[string]bool{}
	for _, g := range opts.Given {
		given[g] = true
	}
	for _, a := range absent {
		m.Absent = append(m.Absent, manifest.Absent{Name: a.name, Reason: a.reason})
		for _, f := range a.flags {
			if given[f] {
				m.Invocation.Unused = append(m.Invocation.Unused, manifest.Unused{
					Flag: f, Reason: fmt.Sprintf("the %s collector is not part of this build: nothing to act on", a.name),
				})
			}
		}
	}
	if opts.Trigger == "crash" {
		m.Invocation.Unused = append(m.Invocation.Unused, manifest.Unused{
			Flag:   "--trigger crash",
			Reason: "this build never prompts when triggered by a crash; rate limiting and rotation of crash bundles belong to crash-hook, which is not part of this build",
		})
	}
	return m
}

// home is an agent home and its folder in the bundle.
type home struct {
	id     int
	path   string
	folder string
}

// findHomes returns the agent homes of the run, from --agent-dir or discovery, and records the
// search in the manifest.
func findHomes(opts Options, m *manifest.Manifest) []home {
	var paths []string
	if len(opts.AgentDirs) > 0 {
		m.Discovery.Method = "agent-dir"
		for _, d := range opts.AgentDirs {
			if abs, err := filepath.Abs(d); err == nil {
				d = abs
			}
			m.Discovery.Searched = append(m.Discovery.Searched, d)
			paths = append(paths, d)
		}
	} else {
		m.Discovery.Method = "discovered"
		f := platform.FindHomes(opts.Platform.AgentHomeCandidates())
		m.Discovery.Searched = f.Searched
		m.Discovery.Problems = f.Problems
		for _, d := range f.Denied {
			m.Invocation.Denied = append(m.Invocation.Denied, manifest.Denied{
				Collector: "discovery", What: d, Error: "permission denied",
				Hint: elevateHint(m.Host.OS, m.Invocation.Elevated) + " to look for an agent home there",
			})
		}
		paths = f.Homes
	}
	var homes []home
	for i, p := range paths {
		h := home{id: i + 1, path: p, folder: "agent"}
		if len(paths) > 1 {
			h.folder = fmt.Sprintf("agent/%d", i+1)
		}
		homes = append(homes, h)
		m.Agents = append(m.Agents, manifest.Agent{ID: h.id, Home: p, Folder: h.folder})
	}
	return homes
}

// runAll runs the settings collector first, alone, because it registers the agent token that
// every later file is scrubbed of, then the others side by side. The results keep the
// collectors' order.
func runAll(ctx context.Context, w *writer, cs []Collector, clock Clock, p Progress) []manifest.Collector {
	out := make([]manifest.Collector, len(cs))
	if len(cs) == 0 {
		return out
	}
	out[0] = runOne(ctx, w, cs[0], clock, p)
	var wg sync.WaitGroup
	for i := 1; i < len(cs); i++ {
		wg.Go(func() { out[i] = runOne(ctx, w, cs[i], clock, p) })
	}
	wg.Wait()
	return out
}

// runOne runs a collector under its deadline, turning a panic, an error or a timeout into its
// status.
func runOne(ctx context.Context, w *writer, c Collector, clock Clock, p Progress) manifest.Collector {
	b := &Bundle{w: w, collector: c.Name()}
	timeout := DefaultTimeout
	if t, ok := c.(timeouter); ok {
		timeout = t.Timeout()
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if p != nil {
		p.Started(c.Name())
	}
	started := clock.Now()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v\n%s", r, firstFrames(debug.Stack()))
			}
		}()
		done <- c.Collect(cctx, b)
	}()
	var err error
	abandoned := false
	select {
	case err = <-done:
	case <-cctx.Done():
		select {
		case err = <-done:
		case <-time.After(abandonGrace):
			abandoned = true
			err = cctx.Err()
		}
	}
	b.closed.Store(true)
	r := manifest.Collector{
		Name: c.Name(), Started: started.UTC(), DurationMS: clock.Now().Sub(started).Milliseconds(),
		Problems: b.Problems(), Status: manifest.StatusOK,
	}
	switch {
	case ctx.Err() != nil:
		r.Status, r.Error = manifest.StatusFailed, "interrupted"
	case errors.Is(cctx.Err(), context.DeadlineExceeded) && (err != nil || abandoned):
		r.Status, r.TimedOut = manifest.StatusTimeout, true
		r.Error = fmt.Sprintf("did not finish within %s", timeout)
		if abandoned {
			r.Error += "; abandoned"
		}
	case err != nil:
		r.Status, r.Error = manifest.StatusFailed, w.red.String(err.Error())
	case len(r.Problems) > 0:
		r.Status = manifest.StatusPartial
	}
	if p != nil {
		p.Finished(r)
	}
	return r
}

// firstFrames keeps the goroutine header and the first frames of a stack, enough to find a panic.
func firstFrames(stack []byte) string {
	lines := strings.Split(strings.TrimSpace(string(stack)), "\n")
	// Skip the frames of debug.Stack and the deferred recover.
	for i, l := range lines {
		if strings.Contains(l, "panic(") {
			lines = lines[i:]
			break
		}
	}
	if len(lines) > 12 {
		lines = lines[:12]
	}
	return strings.Join(lines, "\n")
}

// outputDir resolves where the bundle goes: the given folder (created if missing), or the current
// directory, falling back to the home directory when that is not writable.
func outputDir(dir string) (string, string, error) {
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", "", fmt.Errorf("output folder %q: %w", dir, err)
		}
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return "", "", fmt.Errorf("create the output folder %q: %w", abs, err)
		}
		if err := probeWritable(abs); err != nil {
			return "", "", fmt.Errorf("output folder %q is not writable: %w", abs, err)
		}
		return abs, "", nil
	}
	cwd, cwdErr := os.Getwd()
	if cwdErr == nil {
		if cwdErr = probeWritable(cwd); cwdErr == nil {
			return cwd, "", nil
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", "", fmt.Errorf("the current folder is not writable (%v) and there is no home folder: %w", cwdErr, err)
	}
	if err := probeWritable(home); err != nil {
		return "", "", fmt.Errorf("neither the current folder (%v) nor the home folder %s is writable: %w", cwdErr, home, err)
	}
	return home, fmt.Sprintf("the current folder is not writable (%v); the bundle goes to %s", cwdErr, home), nil
}

func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".opadiag-probe-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileSafe makes a host name usable in a file name on every OS.
func fileSafe(s string) string {
	s = strings.Trim(unsafeName.ReplaceAllString(s, "_"), "._")
	if s == "" {
		return "host"
	}
	return s
}
