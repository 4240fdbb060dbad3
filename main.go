// Command opadiag makes the support bundle for the Celigo on-premise agent: one zip with the
// agent's Settings (token redacted to a hash), recent logs, the crash file, a manifest and
// findings, ready to attach to a support ticket. Run it without arguments to collect with the
// defaults; see the README for every command and flag.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/opadiag/opadiag/agent"
	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/collect"
	"github.com/opadiag/opadiag/console"
	"github.com/opadiag/opadiag/crash"
	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/netprobe"
	"github.com/opadiag/opadiag/platform"
	"github.com/opadiag/opadiag/redact"
	"github.com/opadiag/opadiag/report"
)

// Set with -ldflags "-X main.version=… -X main.commit=…" by release builds; otherwise read from
// the build information.
var (
	version = ""
	commit  = ""
)

// memoryLimit is the soft limit of opadiag's heap (unless GOMEMLIMIT says otherwise): it runs
// on the agent's server, so the garbage collector works harder rather than let the heap grow.
// The run's live data is a few MiB; the obfuscator's tables for a million distinct addresses
// fit under it too (peak RSS 49 MiB instead of 72 MiB, at no measurable cost in time).
const memoryLimit = 40 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop() // from here Ctrl-C closes a waiting window at once
	pause := pauseAtExit(os.Args, os.Getenv, platform.Current().Console())
	os.Exit(finish(err, pause, os.Stdin, os.Stderr))
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct {
	err  error
	hint string
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(hint, format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...), hint: hint}
}

// hintError carries what the user should do next.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

// errInvalidBundle is inspect's verdict on a bundle that fails verification: exit code 1, the
// problems were already printed.
var errInvalidBundle = errors.New("the bundle is invalid or was changed after it was written")

// exitCode prints err as opadiag's error message and returns the exit code: 0 success, 1 no bundle
// (or an invalid one for inspect), 2 usage error.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "opadiag: error: %v\n", err)
	var ue *usageError
	var he *hintError
	switch {
	case errors.As(err, &ue):
		if ue.hint != "" {
			fmt.Fprintf(stderr, "opadiag: hint: %s\n", ue.hint)
		}
		return 2
	case errors.As(err, &he):
		fmt.Fprintf(stderr, "opadiag: hint: %s\n", he.hint)
	}
	return 1
}

// Defaults, as DESIGN.md fixes them.
const (
	defaultSince        = 168 * time.Hour
	defaultMaxFileSize  = 64 << 20
	defaultMaxTotalSize = 512 << 20
	defaultProbeTimeout = 5 * time.Second
)

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	plat := platform.Current()
	onUsage := func(_ context.Context, cmd *cli.Command, err error, _ bool) error {
		return usagef("run 'opadiag "+strings.TrimSpace(strings.TrimPrefix(cmd.FullName(), "opadiag"))+" --help' to see the flags", "%v", err)
	}
	maxFile, maxTotal, keepSize := newSize(defaultMaxFileSize), newSize(defaultMaxTotalSize), newSize(crash.DefaultKeepSize)
	collectCmd := &cli.Command{
		Name:      "collect",
		Usage:     "write a support bundle (the default when no command is given)",
		UsageText: "opadiag collect [flags]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Sources: cli.EnvVars("OPADIAG_OUTPUT"), Usage: "folder to write the bundle to (default: the current folder, else your Desktop, Documents or temporary folder)"},
			&cli.StringSliceFlag{Name: "agent-dir", Sources: cli.EnvVars("OPADIAG_AGENT_DIR"), Usage: "agent home to collect (repeatable); skips discovery"},
			&cli.DurationFlag{Name: "since", Sources: cli.EnvVars("OPADIAG_SINCE"), Value: defaultSince, Usage: "collect logs from this far back (Go duration: 90s, 48h)"},
			&cli.GenericFlag{Name: "max-file-size", Sources: cli.EnvVars("OPADIAG_MAX_FILE_SIZE"), Value: maxFile, Usage: "keep at most this many of each log's newest bytes (512KiB, 64MiB, 2GiB)"},
			&cli.GenericFlag{Name: "max-total-size", Sources: cli.EnvVars("OPADIAG_MAX_TOTAL_SIZE"), Value: maxTotal, Usage: "stop adding logs past this many bytes in all, before compression"},
			&cli.BoolFlag{Name: "no-network", Sources: cli.EnvVars("OPADIAG_NO_NETWORK"), Usage: "do not probe the network"},
			&cli.BoolFlag{Name: "obfuscate", Sources: cli.EnvVars("OPADIAG_OBFUSCATE"), Usage: "replace host names, IP addresses and user names by stand-ins; the mapping is written beside the bundle"},
			&cli.StringSliceFlag{Name: "endpoint", Sources: cli.EnvVars("OPADIAG_ENDPOINT"), Usage: "URL to probe instead of the default targets (repeatable)"},
			&cli.DurationFlag{Name: "probe-timeout", Sources: cli.EnvVars("OPADIAG_PROBE_TIMEOUT"), Value: defaultProbeTimeout, Usage: "deadline of each network probe"},
			&cli.BoolFlag{Name: "json", Sources: cli.EnvVars("OPADIAG_JSON"), Usage: "print one JSON object on stdout: bundle path, counts, findings"},
			&cli.BoolFlag{Name: "quiet", Sources: cli.EnvVars("OPADIAG_QUIET"), Usage: "print only errors and the bundle path"},
			&cli.StringFlag{Name: "trigger", Sources: cli.EnvVars("OPADIAG_TRIGGER"), Value: "manual", Usage: "manual, or crash for unattended capture (never prompts, rate-limited, rotated)"},
			&cli.DurationFlag{Name: "min-interval", Sources: cli.EnvVars("OPADIAG_MIN_INTERVAL"), Value: crash.DefaultMinInterval, Usage: "--trigger crash: at most one bundle per this long (0: no limit)"},
			&cli.IntFlag{Name: "keep", Sources: cli.EnvVars("OPADIAG_KEEP"), Value: crash.DefaultKeep, Usage: "--trigger crash: keep the newest this many crash bundles"},
			&cli.GenericFlag{Name: "keep-size", Sources: cli.EnvVars("OPADIAG_KEEP_SIZE"), Value: keepSize, Usage: "--trigger crash: keep at most this many bytes of crash bundles (the newest always stays)"},
			&cli.BoolFlag{Name: "if-crashed", Sources: cli.EnvVars("OPADIAG_IF_CRASHED"), Usage: "--trigger crash: capture only when the agent's files show a crash since the last capture (cron, scheduled task)"},
		},
		OnUsageError: onUsage,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return collectAction(ctx, cmd, args, maxFile.n, maxTotal.n, keepSize.n, plat, stdin, stdout, stderr)
		},
	}
	hookFlags := func(print bool) []cli.Flag {
		fs := []cli.Flag{&cli.StringFlag{Name: "root", Usage: "find units and write under this folder instead of / (packaging, tests); nothing is reloaded"}}
		if print {
			fs = append(fs, &cli.BoolFlag{Name: "print", Usage: "print what would be done, change nothing"})
		}
		return fs
	}
	hookCmd := func(name, usage string, print bool) *cli.Command {
		if print {
			usage += "; --print shows what it would do"
		}
		return &cli.Command{
			Name: name, Usage: usage, Flags: hookFlags(print), OnUsageError: onUsage,
			UsageText: "opadiag crash-hook " + name + " [--root DIR]",
			Action: func(ctx context.Context, cmd *cli.Command) error {
				return crashHookAction(ctx, cmd, name, plat, stdout)
			},
		}
	}
	root := &cli.Command{
		Name:                      "opadiag",
		Usage:                     "support bundle for the Celigo on-premise agent",
		UsageText:                 "opadiag [command] [flags]   (no command: collect)",
		DefaultCommand:            "collect",
		HideVersion:               true,
		DisableSliceFlagSeparator: true,
		Reader:                    stdin,
		Writer:                    stdout,
		ErrWriter:                 stderr,
		ExitErrHandler:            func(context.Context, *cli.Command, error) {},
		OnUsageError:              onUsage,
		Commands: []*cli.Command{
			collectCmd,
			{
				Name:         "inspect",
				Usage:        "verify a bundle against its manifest and print its findings",
				UsageText:    "opadiag inspect BUNDLE.zip [--json]",
				Flags:        []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print the manifest's findings and the verdict as JSON"}},
				OnUsageError: onUsage,
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return inspectAction(cmd, stdout, stderr)
				},
			},
			{
				Name:         "report",
				Usage:        "write report.html for a bundle, with today's checks, to read it in a browser",
				UsageText:    "opadiag report BUNDLE.zip [--output FILE]",
				Flags:        []cli.Flag{&cli.StringFlag{Name: "output", Usage: "the page to write, or a folder to write BUNDLE.report.html in (default: beside the bundle); an existing file is never replaced"}},
				OnUsageError: onUsage,
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return reportAction(cmd, stdout, stderr)
				},
			},
			{
				Name:         "hash-token",
				Usage:        "print a token's hash as bundles show it, to compare with integrator.io",
				UsageText:    "opadiag hash-token [TOKEN]   (or the token on stdin)",
				OnUsageError: onUsage,
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return hashTokenAction(cmd, plat, stdin, stdout, stderr)
				},
			},
			{
				Name:      "crash-hook",
				Usage:     "install, remove or show the hook that captures a bundle when the agent's service fails",
				UsageText: "opadiag crash-hook install|uninstall|status [--root DIR] [--print]",
				Commands: []*cli.Command{
					hookCmd("install", "capture a bundle each time the agent's service fails (root or administrator)", true),
					hookCmd("uninstall", "remove exactly what install wrote (root or administrator)", true),
					hookCmd("status", "say what is installed and what the last capture did", false),
				},
				OnUsageError: onUsage,
				Action: func(ctx context.Context, cmd *cli.Command) error {
					if cmd.Args().Present() {
						return usagef("use install, uninstall or status", "crash-hook: unknown command %q", cmd.Args().First())
					}
					return usagef("use install, uninstall or status", "crash-hook needs a command")
				},
			},
			{
				Name:         "version",
				Usage:        "print opadiag's version",
				OnUsageError: onUsage,
				Action: func(ctx context.Context, cmd *cli.Command) error {
					if cmd.Args().Present() {
						return usagef("", "version takes no arguments")
					}
					v, c := buildInfo()
					fmt.Fprintf(stdout, "opadiag %s (commit %s, %s, %s/%s)\n", v, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
					return nil
				},
			},
		},
	}
	return root.Run(ctx, normalizeArgs(args))
}

func collectAction(ctx context.Context, cmd *cli.Command, osArgs []string, maxFile, maxTotal, keepSize int64, plat platform.Platform, stdin io.Reader, stdout, stderr io.Writer) error {
	if cmd.Args().Present() {
		return usagef("commands are collect, inspect, report, hash-token, crash-hook and version; 'opadiag --help' lists them",
			"unexpected argument %q", cmd.Args().First())
	}
	trigger := cmd.String("trigger")
	if trigger != "manual" && trigger != "crash" {
		return usagef("use --trigger manual or --trigger crash", "--trigger %q is not manual or crash", trigger)
	}
	if trigger != "crash" {
		for _, f := range []string{"min-interval", "keep", "keep-size", "if-crashed"} {
			if cmd.IsSet(f) {
				return usagef("add --trigger crash, or leave --"+f+" out", "--%s applies to --trigger crash only", f)
			}
		}
	}
	if cmd.Duration("min-interval") < 0 {
		return usagef("give a duration such as 10m, or 0 for no limit", "--min-interval must not be negative")
	}
	if cmd.Int("keep") < 1 {
		return usagef("give a number of bundles such as 5", "--keep must be at least 1")
	}
	if keepSize <= 0 {
		return usagef("give a size such as 1GiB", "--keep-size must be more than 0")
	}
	if cmd.Duration("since") <= 0 {
		return usagef("give a positive duration such as 168h", "--since must be positive")
	}
	if cmd.Duration("probe-timeout") <= 0 {
		return usagef("give a positive duration such as 5s", "--probe-timeout must be positive")
	}
	for _, e := range cmd.StringSlice("endpoint") {
		if _, err := netprobe.ParseEndpoint(e); err != nil {
			return usagef("give a URL such as https://host[:port]/path, http://host:port or tcp://host:port", "--endpoint %q: %v", redact.New().String(e), err)
		}
	}
	if maxFile <= 0 || maxTotal <= 0 {
		return usagef("give a size such as 64MiB", "--max-file-size and --max-total-size must be more than 0")
	}
	dirs := cmd.StringSlice("agent-dir")
	for _, d := range dirs {
		st, err := os.Stat(d)
		if err != nil || !st.IsDir() {
			return usagef("give the folder that holds the agent's Settings file", "--agent-dir \"%s\" is not a folder", d)
		}
	}
	asJSON := cmd.Bool("json")
	outStream := stdout
	if asJSON {
		outStream = io.Discard // stdout carries the JSON object only
	}
	con := console.New(outStream, stderr, console.Colors{Out: colorOK(outStream, plat), Err: colorOK(stderr, plat)}, cmd.Bool("quiet"))
	v, c := buildInfo()
	opts := collect.Options{
		OutputDir: cmd.String("output"), AgentDirs: dirs, Since: cmd.Duration("since"),
		MaxFileSize: maxFile, MaxTotalSize: maxTotal, NoNetwork: cmd.Bool("no-network"), Obfuscate: cmd.Bool("obfuscate"),
		Endpoints: cmd.StringSlice("endpoint"), ProbeTimeout: cmd.Duration("probe-timeout"),
		Trigger: trigger, Args: osArgs[1:],
		Tool:     manifest.Tool{Name: "opadiag", Version: v, Commit: c, Go: runtime.Version()},
		Platform: plat, System: plat, Places: plat, Clock: collect.SystemClock{}, Progress: con,
		Network: collect.NetworkEnv{System: plat},
	}
	if len(dirs) == 0 {
		opts.Candidates = agent.Candidates(plat)
	}
	var res *collect.Result
	var err error
	if trigger == "crash" {
		var out *crash.Outcome
		out, err = crash.Capture(ctx, crash.CaptureOptions{
			Dir: cmd.String("output"), MinInterval: cmd.Duration("min-interval"), Keep: int(cmd.Int("keep")), KeepSize: keepSize,
			IfCrashed: cmd.Bool("if-crashed"), Open: plat, Collect: opts, Clock: crash.SystemClock{}, GOOS: runtime.GOOS, Getenv: os.Getenv,
			Homes: func() []string {
				if len(dirs) > 0 {
					return dirs
				}
				return agent.FindHomes(agent.Candidates(plat)).Homes
			},
		})
		if out != nil {
			for _, w := range out.Warnings {
				con.Warn("%s", w)
			}
			if msg := out.Message(); msg != "" && err == nil {
				// Rate-limited and busy runs say so even with --quiet; a cron line's
				// --if-crashed that found nothing stays silent with it.
				if out.Status != crash.NotCrashed || !cmd.Bool("quiet") {
					fmt.Fprintf(stderr, "opadiag: warning: %s\nopadiag: hint: %s\n", msg, out.Hint())
				}
				if asJSON {
					return out.WriteJSON(stdout)
				}
				return nil
			}
			res = out.Result
		}
	} else {
		con.Collecting("a support bundle for the Celigo on-premise agent")
		res, err = collect.Run(ctx, opts)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return &hintError{err: err, hint: "nothing was written; run opadiag again to make a bundle"}
		}
		if trigger == "crash" && !plat.Elevated() {
			return &hintError{err: err, hint: "run it as root (administrator), or choose another folder with --output"}
		}
		return &hintError{err: err, hint: "choose another folder with --output (it must be writable and have free space)"}
	}
	done := console.Outcome{Bundle: res.Path, Manifest: res.Manifest, Warnings: res.Warnings, Mapping: res.Mapping}
	for _, w := range done.Warnings {
		con.Warn("%s", w)
	}
	if asJSON {
		if err := console.New(stdout, stderr, console.Colors{}, true).JSON(done); err != nil {
			return fmt.Errorf("write the JSON summary: %w", err)
		}
	} else {
		if res.Mapping != "" {
			con.Hint("host, IP and user stand-ins are explained in %s: keep it, do not send it", res.Mapping)
		}
		con.Report(res.Path, res.Manifest)
	}
	if !res.Manifest.Invocation.Elevated && len(res.Manifest.Discovery.Problems) > 0 {
		con.Hint("run opadiag as administrator (Windows) or with sudo (Linux) to read every agent home")
	}
	// Started from Explorer: show the bundle there too (main keeps the window open).
	if trigger == "manual" && doubleClicked(osArgs, plat.Console()) {
		if err := plat.Reveal(res.Path); err != nil {
			con.Warn("could not open the bundle's folder: %v", err)
		}
	}
	return nil
}

// crashHookAction runs crash-hook install, uninstall or status.
func crashHookAction(ctx context.Context, cmd *cli.Command, name string, plat platform.Platform, stdout io.Writer) error {
	if cmd.Args().Present() {
		return usagef("crash-hook "+name+" takes only flags", "unexpected argument %q", cmd.Args().First())
	}
	root := cmd.String("root")
	if root != "" {
		if runtime.GOOS == "windows" {
			return usagef("use --print to see the task's definition", "--root is for Linux units")
		}
		st, err := os.Stat(root)
		if err != nil || !st.IsDir() {
			return usagef("give an existing folder that stands for /", "--root %q is not a folder", root)
		}
		if root, err = filepath.Abs(root); err != nil {
			return usagef("give an existing folder that stands for /", "--root: %v", err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		exe = ""
	}
	v, _ := buildInfo()
	booted, _ := plat.SystemdBooted()
	env := &crash.Env{GOOS: runtime.GOOS, Root: root, Getenv: os.Getenv, Exe: exe, Elevated: plat.Elevated(),
		ServiceManager: plat.ServiceManager, SystemdRunning: booted, Clock: crash.SystemClock{}, Version: v}
	printOnly := cmd.Bool("print")
	switch {
	case name == "install" && printOnly:
		p, err := env.Plan(ctx)
		if err != nil {
			return hookError(err)
		}
		p.Print(stdout, env)
	case name == "install":
		rep, err := crash.Install(ctx, env)
		if rep != nil {
			rep.Failed = err != nil
			rep.Write(stdout, env, "installed")
		}
		return hookError(err)
	case name == "uninstall" && printOnly:
		return hookError(env.PrintUninstall(ctx, stdout))
	case name == "uninstall":
		rep, err := crash.Uninstall(ctx, env)
		if rep != nil {
			rep.Failed = err != nil
			rep.Write(stdout, env, "removed")
		}
		return hookError(err)
	default:
		st, err := crash.ReadStatus(ctx, env)
		if err != nil {
			return hookError(err)
		}
		st.Write(stdout, env)
	}
	return nil
}

// hookError gives a crash-hook error its hint.
func hookError(err error) error {
	var he *crash.HintError
	if errors.As(err, &he) {
		return &hintError{err: err, hint: he.Hint}
	}
	if errors.Is(err, fs.ErrPermission) {
		return &hintError{err: err, hint: "run it with sudo (as administrator on Windows), or give a --root folder you can write"}
	}
	return err
}

func hashTokenAction(cmd *cli.Command, plat platform.Platform, stdin io.Reader, stdout, stderr io.Writer) error {
	var token string
	switch cmd.Args().Len() {
	case 0:
		f, ok := stdin.(*os.File)
		onConsole := ok && plat.Terminal(f)
		if onConsole {
			fmt.Fprintln(stderr, "opadiag: hint: paste the token exactly as integrator.io shows it, then press Enter")
		}
		var err error
		if token, err = readToken(stdin, onConsole); err != nil {
			return err
		}
	case 1:
		token = cmd.Args().First()
	default:
		return usagef("quote the token, or pipe it on stdin", "hash-token takes one token, got %d arguments", cmd.Args().Len())
	}
	if token == "" {
		return usagef("pass the token as an argument or on stdin", "no token given")
	}
	fmt.Fprintln(stdout, redact.HashToken(token))
	if t := strings.TrimSpace(token); t != token {
		fmt.Fprintf(stderr, "opadiag: warning: the token has leading or trailing whitespace; without it the hash is %s\n", redact.HashToken(t))
	}
	return nil
}

func inspectAction(cmd *cli.Command, stdout, stderr io.Writer) error {
	if cmd.Args().Len() != 1 {
		return usagef("give the path of one bundle zip", "inspect takes one bundle, got %d arguments", cmd.Args().Len())
	}
	path := cmd.Args().First()
	r, err := bundle.Open(path)
	if err != nil {
		return &hintError{err: err, hint: openHint(path)}
	}
	defer r.Close()
	v := r.Verify()
	rep := console.Verdict{Manifest: r.Manifest(), Entries: v.Entries, Problems: v.Problems, More: v.More}
	if m := r.Manifest(); m != nil {
		// Today's checks, drawn from the bundle's files, whatever release wrote it.
		rep.Today = diagnose.Run(m, r.FS()).Findings
		if diagnose.ShowTokenHash(m.Redaction.TokenHash) == `""` {
			m.Redaction.TokenHash = "" // an older release hashed an empty token: nothing to compare
		}
	}
	if cmd.Bool("json") {
		if err := console.InspectJSON(stdout, path, rep); err != nil {
			return err
		}
	} else {
		console.Inspect(stdout, path, rep)
		if rep.Manifest != nil && len(rep.Problems) == 0 {
			fmt.Fprintf(stderr, "opadiag: hint: to read it in a browser, with a timeline: opadiag report %s\n", path)
		}
	}
	switch {
	case len(rep.Problems) > 0 && rep.Manifest == nil:
		return &hintError{err: errInvalidBundle, hint: "the problems are listed above: it is not a bundle opadiag wrote, or it was damaged; ask for the bundle again"}
	case len(rep.Problems) > 0:
		return &hintError{err: errInvalidBundle, hint: "the problems are listed above: ask for the bundle again (a copy or a transfer can damage it); to read what it holds anyway, in a browser: opadiag report " + path}
	}
	return nil
}

// reportAction writes report.html for an existing bundle, with today's checks over its files.
func reportAction(cmd *cli.Command, stdout, stderr io.Writer) error {
	if cmd.Args().Len() != 1 {
		return usagef("give the path of one bundle zip", "report takes one bundle, got %d arguments", cmd.Args().Len())
	}
	path := cmd.Args().First()
	r, err := bundle.Open(path)
	if err != nil {
		return &hintError{err: err, hint: openHint(path)}
	}
	defer r.Close()
	m := r.Manifest()
	if m == nil {
		return &hintError{err: fmt.Errorf("%s has no readable manifest.json", path), hint: "run 'opadiag inspect " + path + "' to see what is wrong with it"}
	}
	if v := r.Verify(); !v.Valid() {
		fmt.Fprintf(stderr, "opadiag: warning: the bundle does not match its manifest (%d problems): the page shows what it holds\n", len(v.Problems)+v.More)
		fmt.Fprintf(stderr, "opadiag: hint: run 'opadiag inspect %s' to see the problems\n", path)
	}
	if diagnose.ShowTokenHash(m.Redaction.TokenHash) == `""` {
		m.Redaction.TokenHash = "" // an older release hashed an empty token: nothing to compare
	}
	var page bytes.Buffer
	if err := report.HTML(&page, m, diagnose.Run(m, r.FS()), r.FS()); err != nil {
		return err
	}
	out, explicit := cmd.String("output"), true
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".report.html"
	switch {
	case out == "":
		out, explicit = filepath.Join(filepath.Dir(path), name), false
	case strings.HasSuffix(out, string(filepath.Separator)) || strings.HasSuffix(out, "/"):
		out, explicit = filepath.Join(out, name), false // a folder, as collect's --output is
	default:
		if st, err := os.Stat(out); err == nil && st.IsDir() {
			out, explicit = filepath.Join(out, name), false
		}
	}
	written, err := writeNew(out, explicit, page.Bytes())
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &hintError{err: err, hint: "opadiag never replaces a file: choose another --output, or remove it"}
		}
		return &hintError{err: err, hint: "choose another --output (its folder must exist and be writable)"}
	}
	fmt.Fprintf(stdout, "report: %s\n", written)
	return nil
}

// openHint says what to do about a file that bundle.Open could not read as a zip.
func openHint(path string) string {
	const generic = "check the path; the file must be a bundle written by opadiag"
	f, err := os.Open(path)
	if err != nil {
		return generic
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return generic
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	switch {
	case n == 0:
		return "the file is empty: copy or download the bundle again"
	case n == 4 && string(head) == "PK\x03\x04":
		return "the file starts as a zip but its end is missing (a download or copy cut short): copy or download the bundle again"
	}
	return generic
}

// writeNew writes data to a new file at path (mode 0600, as the bundle it comes from), never
// replacing one: when path is taken and was not asked for by name, it tries NAME-2.EXT,
// NAME-3.EXT… The page is written whole to a temporary file beside it first, then linked to its
// name, so that no half-written page ever has it; where the file system has no links, it is
// written in place and removed when a write fails.
func writeNew(path string, exact bool, data []byte) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".opadiag-report-*.tmp")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the temporary name means nothing to the user
		}
		return "", fmt.Errorf("write the report %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write the report %s: %w", path, err)
	}
	for i := 1; i <= 100; i++ {
		p := nthName(path, i)
		err := os.Link(tmp.Name(), p)
		if errors.Is(err, fs.ErrExist) && !exact {
			continue
		}
		if errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("write the report: %w", &fs.PathError{Op: "create", Path: p, Err: fs.ErrExist})
		}
		if err != nil {
			return writeInPlace(path, exact, data)
		}
		return p, nil
	}
	return "", fmt.Errorf("write the report beside %s: %w (100 names tried)", path, fs.ErrExist)
}

// nthName is the i-th name writeNew tries for path: path itself, then NAME-2.html, NAME-3.html…
// (NAME-2 when path does not end in .html).
func nthName(path string, i int) string {
	if i == 1 {
		return path
	}
	ext := ".html"
	stem := strings.TrimSuffix(path, ext)
	if stem == path {
		ext = ""
	}
	return stem + "-" + strconv.Itoa(i) + ext
}

// writeInPlace is writeNew on a file system without hard links.
func writeInPlace(path string, exact bool, data []byte) (string, error) {
	for i := 1; i <= 100; i++ {
		p := nthName(path, i)
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) && !exact {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("write the report: %w", err)
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(p)
			return "", fmt.Errorf("write the report %s: %w", p, err)
		}
		return p, nil
	}
	return "", fmt.Errorf("write the report beside %s: %w (100 names tried)", path, fs.ErrExist)
}

// buildInfo returns opadiag's version and commit: from -ldflags when set, else from the module
// and VCS information Go records in the binary.
func buildInfo() (string, string) {
	v, c := version, commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && c == "" {
				c = s.Value
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	if c == "" {
		c = "unknown"
	}
	return v, c
}

// size is a byte count flag: plain bytes or KiB/MiB/GiB.
type size struct{ n int64 }

func newSize(n int64) *size { return &size{n} }

func (s *size) Get() any { return s.n }

func (s *size) String() string {
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if s.n >= u.mult && s.n%u.mult == 0 {
			return strconv.FormatInt(s.n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(s.n, 10)
}

func (s *size) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	s.n = n
	return nil
}

// parseSize reads "1048576", "512KiB", "64MiB", "2GiB" (units in any case, an optional B).
func parseSize(v string) (int64, error) {
	t := strings.TrimSpace(v)
	mult := int64(1)
	lower := strings.ToLower(t)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"b", 1}} {
		if strings.HasSuffix(lower, u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size: use bytes or KiB, MiB, GiB (512KiB, 64MiB, 2GiB)", v)
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is too large", v)
	}
	return n * mult, nil
}
