// Package collect makes the support bundle: it finds the agent's homes, runs the collectors, each
// under its own deadline, streams what they gather through the redactor into a zip, lets
// diagnose draw findings from it, and writes summary.txt and manifest.json last before moving the
// finished zip into place. One collector failing, timing out or panicking never stops the run:
// it becomes a status in the manifest.
package collect

import (
	"bufio"
	"bytes"
	"context"
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

	"github.com/opadiag/opadiag/agent"
	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/platform"
	"github.com/opadiag/opadiag/redact"
	"github.com/opadiag/opadiag/report"
)

// Collector gathers one kind of evidence into the bundle.
type Collector interface {
	// Name is stable; it names the collector in the manifest and on the console.
	Name() string
	// Collect adds entries to b. Problems that leave the rest collectable are recorded with
	// b.Problem; an error means the collector could not do its job. facts is what the run knew
	// when the collector's phase started.
	Collect(ctx context.Context, facts Facts, b *bundle.Bundle) error
}

// Facts is what a run knows when a phase starts. Phase 1 (settings, service) is given the agent
// homes; phase 2 (logs, crash, events, system, network) also what phase 1 learned. No collector
// waits for another: what a phase-1 collector did not learn in time is simply absent here.
type Facts struct {
	Start time.Time // the moment of the run
	homes []home    // the agent homes, each listed once for every collector
	// From the settings collector: what Settings say about the agent's region and tunnel host.
	hints []hostHint
	// From the service collector: where the agent is installed, which processes its services
	// run (main PID -> service name), and the names of its services (units, Windows services).
	installDirs []string
	servicePIDs map[int32]string
	services    []string
	serviceOK   bool // the service collector finished, so the three above are complete
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

// Platform is what a run needs of the operating system.
type Platform interface {
	FileOpener
	HostInfo
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
	OutputDir string   // where the bundle goes; empty: the current directory, else Places' fallbacks
	AgentDirs []string // agent homes given with --agent-dir; empty: discover
	// Candidates are where discovery looks for agent homes when AgentDirs is empty: the CLI
	// gives agent.Candidates of the machine; nil looks nowhere.
	Candidates   []agent.Candidate
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

	// StallTimeout abandons a read, open or folder listing that makes no progress this long;
	// 0: bundle.DefaultStallTimeout.
	StallTimeout time.Duration

	// Each capability the run uses is given explicitly. Platform (files, who and where) is
	// required. Without System, the service, events and system collectors are absent from the
	// run, and the manifest says so.
	Platform Platform
	System   SystemOS
	Places   OutputPlaces  // where a bundle may go without --output; nil: the current folder only
	Runner   CommandRunner // runs external commands; nil: ExecRunner
	Clock    Clock
	Progress Progress   // may be nil
	Network  NetworkEnv // what the network collector probes with; zero: the real machine, but see NetworkEnv.System

	wrapOutput func(io.Writer) io.Writer // tests inject write faults into the bundle file
	open       opener                    // tests inject read faults; nil: the platform's
	maxLogs    int                       // the most logs taken; 0: maxLogs (tests lower it)
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
//
// The run has explicit steps: discovery finds the agent homes and reads their Settings, so the
// agent token is registered (or strict mode switched on) before anything else is read; phase 1
// (settings, service) runs, and what it learned becomes the Facts given to phase 2 (logs, crash,
// events, system, network); each collector of a phase runs at once beside the others, under its
// own deadline. Then the bundle is sealed, the findings are drawn from its contents, and
// summary.txt and manifest.json are written last.
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
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = bundle.DefaultStallTimeout
	}
	start := opts.Clock.Now()
	res := &Result{}
	dir, warn, err := outputDir(opts.OutputDir, opts.Places)
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
	}
	m := newManifest(opts, start, dir)
	w, err := bundle.Create(dir, bundle.Options{
		Redactor: red, Manifest: m, TotalSize: opts.MaxTotalSize, StallTimeout: opts.StallTimeout,
		Created: start, Obfuscator: obf, WrapOutput: opts.wrapOutput,
	})
	if err != nil {
		return nil, err
	}
	defer w.Abort() // removes the temporary file unless Finish moved it into place

	var open opener = platformOpener{opts.Platform}
	if opts.open != nil {
		open = opts.open
	}
	homes := findHomes(opts, m)
	if reason := learnSettings(ctx, homes, open, red, opts.StallTimeout); reason != "" {
		red.SetStrict(reason)
	}
	facts := Facts{Start: start, homes: homes}

	// Phase 1: what the others need to know.
	settings := &settingsCollector{hints: &agentHints{}}
	phase1 := []Collector{settings}
	var service *serviceCollector
	if opts.System != nil {
		service = &serviceCollector{os: opts.System, open: open, runner: opts.Runner, since: opts.Since,
			maxFile: opts.MaxFileSize, paths: defaultPaths(), cmdTimeout: commandTimeout, slowTimeout: slowTimeout}
		phase1 = append(phase1, service)
	}
	m.Collectors = runPhase(ctx, w, facts, phase1, opts.Clock, opts.Progress)
	facts.hints = settings.hints.snapshot()
	if service != nil {
		facts.installDirs, facts.servicePIDs, facts.services, facts.serviceOK = service.learned()
	}

	// Phase 2: everything else, given what phase 1 learned.
	phase2 := []Collector{
		&logsCollector{open: open, stall: opts.StallTimeout, since: opts.Since, maxFile: opts.MaxFileSize, maxLogs: opts.maxLogs},
		&crashCollector{open: open, stall: opts.StallTimeout, maxFile: opts.MaxFileSize},
	}
	if opts.System != nil {
		phase2 = append(phase2,
			&eventsCollector{os: opts.System, runner: opts.Runner, since: opts.Since, maxFile: opts.MaxFileSize,
				paths: defaultPaths(), slowTimeout: slowTimeout},
			&systemCollector{os: opts.System, open: open, stall: opts.StallTimeout, runner: opts.Runner, since: opts.Since,
				maxFile: opts.MaxFileSize, output: dir, paths: defaultPaths(), pattern: agent.NamePattern,
				cmdTimeout: commandTimeout, slowTimeout: slowTimeout})
	} else {
		for _, name := range []string{"service", "events", "system"} {
			m.Absent = append(m.Absent, manifest.Absent{Name: name, Reason: "the run was given no access to the operating system's services, processes and logs"})
		}
	}
	phase2 = append(phase2, newNetworkCollector(opts, open))
	m.Collectors = append(m.Collectors, runPhase(ctx, w, facts, phase2, opts.Clock, opts.Progress)...)
	if err := ctx.Err(); err != nil {
		return nil, interrupted{err}
	}

	// The findings, drawn from what the bundle holds.
	sealed := w.Seal()
	for _, a := range sealed.Agents {
		for _, s := range a.Settings {
			if s.Token != nil && sealed.Redaction.TokenHash == "" {
				sealed.Redaction.TokenHash = s.Token.Hash
			}
		}
	}
	found := drawFindings(sealed, w.FS())
	sealed.DurationMS = opts.Clock.Now().Sub(start).Milliseconds()
	hostname := opts.Platform.Hostname()
	if obf != nil {
		hostname = obf.Host(hostname) // the stand-in the manifest shows
	}
	stem := fmt.Sprintf("opadiag-%s-%s", fileSafe(hostname), start.UTC().Format("20060102T150405Z"))
	// What a person reads, made from everything; then the manifest keeps a bounded list of what
	// was left out, and a count of the rest.
	gen := []bundle.Generated{{Name: bundle.SummaryName, Data: summaryText(sealed)}}
	var page bytes.Buffer
	if err := report.HTML(&page, sealed, found, w.FS()); err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("report.html was left out: %v", err))
	} else {
		gen = append(gen, bundle.Generated{Name: bundle.ReportName, Data: page.Bytes()})
	}
	manifest.CapOmitted(sealed, maxOmitted)
	path, err := w.Finish(stem, gen...)
	if err != nil {
		return nil, err
	}
	if obf != nil {
		if res.Mapping, err = writeMapping(path, obf); err != nil {
			res.Warnings = append(res.Warnings, err.Error())
		}
	}
	res.Path, res.Manifest = path, sealed
	return res, nil
}

// maxOmitted bounds the items of the manifest's list of what was left out; the rest are counted
// by reason.
const maxOmitted = 200

// summaryText is summary.txt: on Windows with CRLF line endings and a UTF-8 byte-order mark, so
// that the Notepad of older Windows Server shows it as lines, not mojibake.
func summaryText(m *manifest.Manifest) []byte {
	text := report.Summary(m)
	if m.Host.OS != "windows" {
		return text
	}
	crlf := bytes.ReplaceAll(bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
	return append([]byte("\xEF\xBB\xBF"), crlf...)
}

func newManifest(opts Options, start time.Time, dir string) *manifest.Manifest {
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
	// The bundle redacts every field of the manifest, the arguments and endpoints included.
	m.Invocation.Args = append(m.Invocation.Args, opts.Args...)
	m.Options.Endpoints = append(m.Options.Endpoints, opts.Endpoints...)
	return m
}

// writeMapping writes the private mapping of --obfuscate beside the bundle, never inside it:
// BUNDLE.obfuscation.json, mode 0600, never replacing a file.
func writeMapping(bundle string, obf *redact.Obfuscator) (string, error) {
	path := strings.TrimSuffix(bundle, ".zip") + ".obfuscation.json"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("write the obfuscation mapping: %w", err)
	}
	bw := bufio.NewWriter(f)
	err = obf.WriteMapping(bw, filepath.Base(bundle), "private: what the stand-ins in the bundle stand for; do not send this file")
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", fmt.Errorf("write the obfuscation mapping %s: %w", path, err)
	}
	return path, nil
}

// interrupted is the error of a run stopped by its context (Ctrl-C): it wraps the context's error.
type interrupted struct{ err error }

func (e interrupted) Error() string { return "interrupted before the bundle was finished" }
func (e interrupted) Unwrap() error { return e.err }

// home is an agent home and its folder in the bundle.
type home struct {
	id       int
	path     string
	folder   string
	idx      *homeIndex     // its files, listed once for all collectors
	stall    time.Duration  // the stall timeout of listing it
	settings []settingsFile // its Settings files, read and redacted by discovery
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
		f := agent.FindHomes(opts.Candidates)
		m.Discovery.Searched = f.Searched
		m.Discovery.Problems = f.Problems
		for _, d := range f.Denied {
			m.Invocation.Denied = append(m.Invocation.Denied, manifest.Denied{
				Collector: "discovery", What: d, Error: "permission denied",
				Hint: bundle.ElevateHint(m.Host.OS, m.Invocation.Elevated) + " to look for an agent home there",
			})
		}
		paths = f.Homes
	}
	var homes []home
	for i, p := range paths {
		h := home{id: i + 1, path: p, folder: "agent", idx: &homeIndex{}, stall: opts.StallTimeout}
		if len(paths) > 1 {
			h.folder = fmt.Sprintf("agent/%d", i+1)
		}
		homes = append(homes, h)
		m.Agents = append(m.Agents, manifest.Agent{ID: h.id, Home: p, Folder: h.folder})
	}
	return homes
}

// runPhase runs the collectors of one phase side by side and returns their results in their
// order.
func runPhase(ctx context.Context, w *bundle.Writer, facts Facts, cs []Collector, clock Clock, p Progress) []manifest.Collector {
	out := make([]manifest.Collector, len(cs))
	var wg sync.WaitGroup
	for i := range cs {
		wg.Go(func() { out[i] = runOne(ctx, w, facts, cs[i], clock, p) })
	}
	wg.Wait()
	return out
}

// runOne runs a collector under its deadline, turning a panic, an error or a timeout into its
// status. A collector that ignores its deadline is abandoned after a grace period: its handle on
// the bundle is closed, so nothing it does later reaches the bundle or the manifest.
func runOne(ctx context.Context, w *bundle.Writer, facts Facts, c Collector, clock Clock, p Progress) manifest.Collector {
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
		done <- c.Collect(cctx, facts, b)
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
	b.Close()
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
		r.Status, r.Error = manifest.StatusSkipped, err.Error()
	case err != nil:
		r.Status, r.Error = manifest.StatusFailed, err.Error()
	case len(r.Problems) > 0:
		r.Status = manifest.StatusPartial
	}
	if p != nil {
		// The console is outside the bundle: what it shows is redacted here (the manifest's
		// copy is redacted when the bundle is sealed).
		shown := r
		shown.Error = w.Redactor().String(r.Error)
		shown.Problems = nil
		for _, pr := range r.Problems {
			shown.Problems = append(shown.Problems, w.Redactor().String(pr))
		}
		p.Finished(shown)
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

// OutputPlaces tells where a bundle may go when no folder was given; platform.Platform implements
// it.
type OutputPlaces interface {
	UnsuitableOutput(dir string) string // why dir is no place for a bundle, or ""
	OutputFallbacks() []platform.Folder // Desktop, Documents… in the order to try
}

// outputDir resolves where the bundle goes: the given folder (created if missing), or the current
// directory unless it is not writable or no place for a bundle (C:\Windows\System32, where
// Scheduled Tasks and services start), then each of places' fallbacks in turn. The second result
// says where the bundle went instead of the current folder, for the console.
func outputDir(dir string, places OutputPlaces) (string, string, error) {
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", "", fmt.Errorf("output folder %s: %w", dir, err)
		}
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return "", "", fmt.Errorf("create the output folder %s: %w", abs, err)
		}
		if err := probeWritable(abs); err != nil {
			return "", "", fmt.Errorf("output folder %s is not writable: %w", abs, err)
		}
		return abs, "", nil
	}
	if places == nil {
		places = platform.Current()
	}
	cwd, err := os.Getwd()
	var why string // why the bundle does not go to the current folder
	switch {
	case err != nil:
		why = fmt.Sprintf("the current folder cannot be told (%v)", err)
	case places.UnsuitableOutput(cwd) != "":
		why = fmt.Sprintf("the current folder %s is no place for a bundle: %s", cwd, places.UnsuitableOutput(cwd))
	default:
		if err := probeWritable(cwd); err != nil {
			why = fmt.Sprintf("the current folder %s is not writable (%v)", cwd, err)
		} else {
			return cwd, "", nil
		}
	}
	var tried []string
	for _, f := range places.OutputFallbacks() {
		if r := places.UnsuitableOutput(f.Path); r != "" {
			tried = append(tried, fmt.Sprintf("%s %s: %s", f.Name, f.Path, r))
			continue
		}
		if err := probeWritable(f.Path); err != nil {
			tried = append(tried, fmt.Sprintf("%s %s: %v", f.Name, f.Path, err))
			continue
		}
		return f.Path, fmt.Sprintf("%s; the bundle goes to your %s folder, %s", why, f.Name, f.Path), nil
	}
	if len(tried) == 0 {
		return "", "", fmt.Errorf("%s, and there is no Desktop, Documents or temporary folder to write to", why)
	}
	return "", "", fmt.Errorf("%s, and no other folder is writable (%s)", why, strings.Join(tried, "; "))
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
