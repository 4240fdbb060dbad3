package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/manifest"
)

// CommandRunner runs external commands (systemctl, journalctl, wevtutil, sc, java -version…).
// ExecRunner is the real one; tests pass fakes, so collectors never call os/exec themselves.
type CommandRunner interface {
	// Run runs name (an absolute path where the OS has one) with args until it exits or ctx is
	// done, writing its stdout to stdout. A non-zero exit is a result, not an error; the error
	// says the command could not be started or was killed at its deadline.
	Run(ctx context.Context, stdout io.Writer, name string, args ...string) (CommandResult, error)
}

// CommandResult is how a command ended.
type CommandResult struct {
	ExitCode int    // -1 when it did not exit on its own
	Stderr   string // the start of what it printed on stderr
}

// maxStderr is how much of a command's stderr is kept.
const maxStderr = 16 << 10

// ExecRunner runs commands with os/exec. On Unix it sets LC_ALL=C so output is in the format the
// parsers expect.
type ExecRunner struct{}

// Run implements CommandRunner.
func (ExecRunner) Run(ctx context.Context, stdout io.Writer, name string, args ...string) (CommandResult, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout = stdout
	stderr := &capped{max: maxStderr}
	cmd.Stderr = stderr
	cmd.WaitDelay = 2 * time.Second // a child that keeps the pipes open cannot hold us
	if runtime.GOOS != "windows" {
		cmd.Env = append(os.Environ(), "LC_ALL=C")
	}
	err := cmd.Run()
	res := CommandResult{ExitCode: -1, Stderr: stderr.String()}
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("killed at its deadline: %w", ctx.Err())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return res, nil
	}
	return res, err
}

// capped keeps the first max bytes written to it.
type capped struct {
	max   int
	b     []byte
	total int64 // bytes written, kept or not
}

func (c *capped) Write(p []byte) (int, error) {
	c.total += int64(len(p))
	if room := c.max - len(c.b); room > 0 {
		c.b = append(c.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (c *capped) String() string { return strings.TrimSpace(string(c.b)) }

// DefaultCommandLimit is how much of a command's output is kept unless the caller says otherwise.
const DefaultCommandLimit = 16 << 20

// addCommand runs a command and streams its output into the bundle as entry (at most limit
// bytes, 0 meaning DefaultCommandLimit; the bundle redacts it and holds it to the caps).
// observe, when set, also receives the output as it comes (a summary of the journal). The
// command line, exit code, stderr and duration are recorded in the manifest's commands. The
// error is the runner's (not started, killed at the deadline), or a failure to write the bundle;
// the result is returned either way.
func addCommand(ctx context.Context, b *bundle.Bundle, r CommandRunner, entry string, limit int64, observe io.Writer, name string, args ...string) (CommandResult, error) {
	if limit <= 0 {
		limit = DefaultCommandLimit
	}
	line := strings.Join(append([]string{name}, args...), " ")
	pr, pw := io.Pipe()
	type outcome struct {
		res CommandResult
		err error
	}
	done := make(chan outcome, 1)
	start := time.Now()
	go func() {
		res, err := r.Run(ctx, pw, name, args...)
		pw.CloseWithError(err)
		done <- outcome{res, err}
	}()
	var src io.Reader = pr
	if observe != nil {
		src = io.TeeReader(pr, observe)
	}
	addErr := b.Add(ctx, entry, src, limit, bundle.Info{Source: line})
	// Drain what is past the limit so the command is not blocked on a full pipe.
	_, _ = io.Copy(io.Discard, pr)
	out := <-done
	recordCommand(b, line, entry, out.res, out.err, time.Since(start))
	if out.err != nil {
		return out.res, out.err
	}
	if bundle.IsWriteError(addErr) {
		return out.res, addErr
	}
	return out.res, nil
}

// recordCommand adds a command's outcome to the manifest's commands.
func recordCommand(b *bundle.Bundle, line, entry string, res CommandResult, err error, took time.Duration) {
	rec := manifest.Command{
		Collector: b.Collector(), Line: line, Entry: entry, ExitCode: res.ExitCode,
		Stderr: res.Stderr, DurationMS: took.Milliseconds(),
	}
	if err != nil {
		rec.Error = err.Error()
	}
	b.Update(func(m *manifest.Manifest) { m.Commands = append(m.Commands, rec) })
}

// captureCommand runs a command for the caller to read its output: at most limit bytes of its
// stdout (0 meaning DefaultCommandLimit) are returned, unredacted. When entry is not empty the
// same bytes are also added to the bundle as entry (redacted by the bundle). The command is
// recorded in the manifest's commands as addCommand does. Whatever the caller keeps of the
// output goes into the manifest, which the bundle redacts as a whole.
func captureCommand(ctx context.Context, b *bundle.Bundle, r CommandRunner, entry string, limit int64, name string, args ...string) ([]byte, CommandResult, error) {
	if limit <= 0 {
		limit = DefaultCommandLimit
	}
	line := strings.Join(append([]string{name}, args...), " ")
	out := &capped{max: int(limit)}
	start := time.Now()
	res, err := r.Run(ctx, out, name, args...)
	if entry != "" && (len(out.b) == 0 && err != nil) {
		entry = ""
	}
	recordCommand(b, line, entry, res, err, time.Since(start))
	var addErr error
	if entry != "" {
		info := bundle.Info{Source: line, Truncated: out.total > int64(len(out.b)), OriginalSize: out.total}
		if info.Truncated {
			info.Note = fmt.Sprintf("output cut at %d bytes", limit)
		}
		addErr = b.Add(ctx, entry, bytes.NewReader(out.b), int64(len(out.b))+1, info)
	}
	if err == nil && bundle.IsWriteError(addErr) {
		err = addErr
	}
	return out.b, res, err
}

// firstLineOf returns s up to its first line break.
func firstLineOf(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
