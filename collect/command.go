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
	"sync"
	"time"

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

// AddCommand runs a command and streams its output, redacted, into the bundle as entry (at most
// limit bytes, 0 meaning DefaultCommandLimit, within what --max-total-size leaves). Its command
// line, exit code, stderr (redacted) and duration are recorded in the manifest's commands. The
// error is the runner's (not started, killed at the deadline); the result is returned either way.
func (b *Bundle) AddCommand(ctx context.Context, r CommandRunner, entry string, limit int64, name string, args ...string) (CommandResult, error) {
	return b.AddCommandObserved(ctx, r, entry, limit, nil, name, args...)
}

// AddCommandObserved is AddCommand with observe also receiving the redacted output, as
// FileInfo.Observe does for files (the log scan reads the journal this way).
func (b *Bundle) AddCommandObserved(ctx context.Context, r CommandRunner, entry string, limit int64, observe io.Writer, name string, args ...string) (CommandResult, error) {
	if limit <= 0 {
		limit = DefaultCommandLimit
	}
	limit = b.Reserve(limit)
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
	lr := &limitedReader{r: pr, n: limit}
	addErr := b.Add(ctx, entry, lr, FileInfo{Source: line, Observe: observe})
	// Drain what is past the limit so the command is not blocked on a full pipe.
	_, _ = io.Copy(io.Discard, pr)
	out := <-done
	left, hit := lr.state()
	b.Release(left)
	if hit {
		b.Note(entry, fmt.Sprintf("output cut at %d bytes", limit))
	}
	rec := manifest.Command{
		Collector: b.collector, Line: b.w.red.String(line), Entry: entry, ExitCode: out.res.ExitCode,
		Stderr: b.w.red.String(out.res.Stderr), DurationMS: time.Since(start).Milliseconds(),
	}
	if out.err != nil {
		rec.Error = b.w.red.String(out.err.Error())
	}
	b.Update(func(m *manifest.Manifest) { m.Commands = append(m.Commands, rec) })
	if out.err != nil {
		return out.res, out.err
	}
	var we writeError
	if errors.As(addErr, &we) {
		return out.res, addErr
	}
	return out.res, nil
}

// limitedReader reads at most n bytes and remembers whether there was more. It is safe for
// concurrent use: a read abandoned at the collector's deadline may still be running when the
// command's outcome is recorded.
type limitedReader struct {
	r   io.Reader
	mu  sync.Mutex
	n   int64
	hit bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	left := l.n
	l.mu.Unlock()
	if left <= 0 {
		var one [1]byte
		if k, _ := l.r.Read(one[:]); k > 0 {
			l.mu.Lock()
			l.hit = true
			l.mu.Unlock()
		}
		return 0, io.EOF
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := l.r.Read(p)
	l.mu.Lock()
	l.n -= int64(n)
	l.mu.Unlock()
	return n, err
}

// state returns the bytes not read of the limit and whether there was more than it.
func (l *limitedReader) state() (int64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n, l.hit
}

// CaptureCommand runs a command for the caller to read its output: at most limit bytes of its
// stdout (0 meaning DefaultCommandLimit) are returned, unredacted. When entry is not empty the
// same bytes are also added to the bundle as entry, redacted. The command line, exit code,
// stderr (redacted) and duration are recorded in the manifest's commands as AddCommand does.
// Whatever the caller stores from the output must be redacted first.
func (b *Bundle) CaptureCommand(ctx context.Context, r CommandRunner, entry string, limit int64, name string, args ...string) ([]byte, CommandResult, error) {
	if limit <= 0 {
		limit = DefaultCommandLimit
	}
	line := strings.Join(append([]string{name}, args...), " ")
	out := &capped{max: int(limit)}
	start := time.Now()
	res, err := r.Run(ctx, out, name, args...)
	rec := manifest.Command{
		Collector: b.collector, Line: b.w.red.String(line), ExitCode: res.ExitCode,
		Stderr: b.w.red.String(res.Stderr), DurationMS: time.Since(start).Milliseconds(),
	}
	if err != nil {
		rec.Error = b.w.red.String(err.Error())
	}
	var addErr error
	if entry != "" && (len(out.b) > 0 || err == nil) {
		rec.Entry = entry
		kept := out.b[:b.Reserve(int64(len(out.b)))]
		info := FileInfo{Source: line, Truncated: out.total > int64(len(kept)), OriginalSize: out.total}
		switch {
		case len(kept) < len(out.b):
			info.Note = "output cut: the bundle's total size cap (--max-total-size) is used up"
		case info.Truncated:
			info.Note = fmt.Sprintf("output cut at %d bytes", limit)
		}
		addErr = b.Add(ctx, entry, bytes.NewReader(kept), info)
	}
	b.Update(func(m *manifest.Manifest) { m.Commands = append(m.Commands, rec) })
	if err == nil {
		if we := (writeError{}); errors.As(addErr, &we) {
			err = addErr
		}
	}
	return out.b, res, err
}
