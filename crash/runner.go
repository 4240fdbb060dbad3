package crash

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Runner runs the system commands a hook needs (systemctl daemon-reload, schtasks.exe), by
// absolute path. A non-zero exit is a result, not an error.
type Runner interface {
	Run(ctx context.Context, name string, args ...string) (CommandResult, error)
}

// CommandResult is how a command ended and the start of what it printed.
type CommandResult struct {
	ExitCode int // -1 when it did not exit on its own
	Stdout   string
	Stderr   string
}

// commandTimeout is the deadline of each system command.
const commandTimeout = 30 * time.Second

// maxOutput is how much of a command's stdout and stderr is kept.
const maxOutput = 64 << 10

// ExecRunner runs commands with os/exec, each within commandTimeout.
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, name string, args ...string) (CommandResult, error) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr limited
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 2 * time.Second
	if runtime.GOOS != "windows" {
		cmd.Env = append(os.Environ(), "LC_ALL=C")
	}
	err := cmd.Run()
	res := CommandResult{ExitCode: -1, Stdout: stdout.String(), Stderr: stderr.String()}
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("%s: killed at its deadline of %s", name, commandTimeout)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("run %s: %w", name, err)
	}
	return res, nil
}

// limited keeps the first maxOutput bytes written to it.
type limited struct{ b bytes.Buffer }

func (l *limited) Write(p []byte) (int, error) {
	if room := maxOutput - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (l *limited) String() string { return l.b.String() }

// run runs a command and turns a failure or a non-zero exit into an error naming it.
func run(ctx context.Context, r Runner, name string, args ...string) (CommandResult, error) {
	res, err := r.Run(ctx, name, args...)
	what := strings.Join(append([]string{name}, args...), " ")
	switch {
	case err != nil:
		return res, fmt.Errorf("%s: %w", what, err)
	case res.ExitCode != 0:
		msg := strings.TrimSpace(res.Stderr)
		if msg == "" {
			msg = strings.TrimSpace(res.Stdout)
		}
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if msg != "" {
			return res, fmt.Errorf("%s: exit code %d: %s", what, res.ExitCode, msg)
		}
		return res, fmt.Errorf("%s: exit code %d", what, res.ExitCode)
	}
	return res, nil
}
