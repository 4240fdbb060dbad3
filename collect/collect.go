// Package collect makes the support bundle: it finds the agent's homes, runs the collectors, each
// under its own deadline, streams what they gather through the redactor into a zip, lets
// diagnose draw findings from it, and writes summary.txt and manifest.json last before moving the
// finished zip into place. One collector failing, timing out or panicking never stops the run:
// it becomes a status in the manifest.
package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
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

// File is what collectors need of an open file (*os.File is one).
type File interface {
	io.ReadSeekCloser
	io.ReaderAt
	Stat() (fs.FileInfo, error)
}

// opener is how collectors open files: the platform's shared-mode open, or in tests one that
// injects faults (permission denied, a file rotated while read).
type opener interface {
	OpenFile(path string) (File, error)
}

// platformOpener opens files with a FileOpener.
type platformOpener struct{ p FileOpener }

func (o platformOpener) OpenFile(path string) (File, error) {
	f, err := o.p.Open(path)
	if err != nil {
		return nil, err // not a nil *os.File in a non-nil interface
	}
	return f, nil
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
	Obfuscate    bool // rename hosts, IPs and users; the mapping goes beside the bundle
	Endpoints    []string
	ProbeTimeout time.Duration
	Trigger      string   // "manual" or "crash"
	Args         []string // the command line, recorded redacted
	Tool         manifest.Tool

	Platform Platform
	Runner   CommandRunner // runs external commands; nil: ExecRunner
	Clock    Clock
	Progress Progress   // may be nil
	Network  NetworkEnv // what the network collector probes with; zero: the real machine

	wrapOutput func(io.Writer) io.Writer // tests inject write faults into the bundle file
	open       opener                    // tests inject read faults; nil: the platform's
}

// Result is a finished run.
type Result struct {
	Path     string
	Manifest *manifest.Manifest
	Warnings []string // things the user should know that did not stop the run
	// Mapping is the file beside the bundle that says what each stand-in of --obfuscate stands
	// for; empty without --obfuscate.
	Mapping string
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
	var obf *redact.Obfuscator
	if opts.Obfuscate {
		obf = redact.NewObfuscator()
		hostname := opts.Platform.Hostname()
		obf.Host(hostname)
		if short, _, ok := strings.Cut(hostname, "."); ok {
			obf.Host(short)
		}
		obf.User(opts.Platform.User())
		red.Obfuscate(obf)
	}
	m := newManifest(opts, start, red, dir)
	w, err := NewWriter(dir, WriterOptions{Redactor: red, Manifest: m, TotalSize: opts.MaxTotalSize, Created: start, Obfuscator: obf, wrap: opts.wrapOutput})
	if err != nil {
		return nil, err
	}
	defer w.Abort() // removes the temporary file unless Finish moved it into place

	homes := findHomes(opts, m)
	var open opener = platformOpener{opts.Platform}
	if opts.open != nil {
		open = opts.open
	}
	scan := diagnose.NewLogScan()
	hints, network := &agentHints{}, &networkResult{}
	collectors := []Collector{
		&settingsCollector{homes: homes, open: open, hints: hints},
		&logsCollector{homes: homes, open: open, since: opts.Since, now: start, maxFile: opts.MaxFileSize, scan: scan},
		&crashCollector{homes: homes, open: open, maxFile: opts.MaxFileSize, scan: scan},
		newNetworkCollector(opts, homes, open, hints, network),
	}
	if sysOS, ok := opts.Platform.(SystemOS); ok {
		facts := newAgentFacts()
		collectors = append(collectors,
			&serviceCollector{os: sysOS, open: open, runner: opts.Runner, since: opts.Since, now: start,
				maxFile: opts.MaxFileSize, scan: scan, facts: facts, paths: defaultPaths(),
				cmdTimeout: commandTimeout, slowTimeout: slowTimeout},
			&systemCollector{os: sysOS, open: open, runner: opts.Runner, since: opts.Since, now: start,
				maxFile: opts.MaxFileSize, homes: homes, output: dir, facts: facts, paths: defaultPaths(),
				pattern: agentPattern, factsWait: factsWait, cmdTimeout: commandTimeout, slowTimeout: slowTimeout})
	} else {
		m.Absent = append(m.Absent,
			manifest.Absent{Name: "service", Reason: "the platform gives no access to services"},
			manifest.Absent{Name: "system", Reason: "the platform gives no access to OS facts and processes"})
	}
	m.Collectors = runAll(ctx, w, collectors, opts.Clock, opts.Progress)
	if err := ctx.Err(); err != nil {
		return nil, interrupted{err}
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
	m.Findings = diagnose.Run(diagnose.Input{Manifest: m, Files: files, Omitted: omitted, Logs: scan, Probes: network.get(), Now: start})
	m.DurationMS = opts.Clock.Now().Sub(start).Milliseconds()
	hostname := m.Host.Hostname
	if obf != nil {
		hostname = obf.Host(hostname)
	}
	stem := fmt.Sprintf("opadiag-%s-%s", fileSafe(hostname), start.UTC().Format("20060102T150405Z"))
	path, err := w.Finish(stem)
	if err != nil {
		return nil, err
	}
	if obf != nil {
		if res.Mapping, err = writeMapping(path, obf.Mapping()); err != nil {
			res.Warnings = append(res.Warnings, err.Error())
		}
	}
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
			MaxFileSize: opts.MaxFileSize, MaxTotalSize: opts.MaxTotalSize, NoNetwork: opts.NoNetwork, Obfuscate: opts.Obfuscate,
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
	return m
}

// writeMapping writes the private mapping of --obfuscate beside the bundle, never inside it:
// BUNDLE.obfuscation.json, mode 0600, never replacing a file.
func writeMapping(bundle string, mp redact.Mapping) (string, error) {
	path := strings.TrimSuffix(bundle, ".zip") + ".obfuscation.json"
	data, err := json.MarshalIndent(struct {
		Bundle string `json:"bundle"`
		Note   string `json:"note"`
		redact.Mapping
	}{filepath.Base(bundle), "private: what the stand-ins in the bundle stand for; do not send this file", mp}, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode the obfuscation mapping: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("write the obfuscation mapping: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return "", fmt.Errorf("write the obfuscation mapping %s: %w", path, err)
	}
	return path, f.Close()
}

// interrupted is the error of a run stopped by its context (Ctrl-C): it wraps the context's error.
type interrupted struct{ err error }

func (e interrupted) Error() string { return "interrupted before the bundle was finished" }
func (e interrupted) Unwrap() error { return e.err }

// home is an agent home and its folder in the bundle.
type home struct {
	id     int
	path   string
	folder string
	idx    *homeIndex // its files, listed once for all collectors
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
		h := home{id: i + 1, path: p, folder: "agent", idx: &homeIndex{}}
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
func runAll(ctx context.Context, w *Writer, cs []Collector, clock Clock, p Progress) []manifest.Collector {
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
func runOne(ctx context.Context, w *Writer, c Collector, clock Clock, p Progress) manifest.Collector {
	b := w.Bundle(c.Name())
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
	case errors.As(err, new(skipError)):
		r.Status, r.Error = manifest.StatusSkipped, w.red.String(err.Error())
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

// skipError is returned by a collector that did not run, by request (--no-network): its status
// is "skipped" and the reason its error.
type skipError struct{ reason string }

func (e skipError) Error() string { return e.reason }

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
