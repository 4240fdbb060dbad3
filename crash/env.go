package crash

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/opadiag/opadiag/internal/winpath"
	"github.com/opadiag/opadiag/platform"
)

// Env is the machine a crash hook is installed on, and how to act on it. The CLI fills it from
// the platform; tests fill it with a folder and fakes.
type Env struct {
	// GOOS chooses systemd (linux) or Task Scheduler (windows).
	GOOS string
	// Root, when set, is the folder that stands for the system's / : units are looked for and
	// files written under it, and no system command runs (no daemon-reload, no schtasks).
	// For packaging and tests. Linux only on the command line.
	Root string
	// Getenv reads %ProgramFiles%, %ProgramData% and %SystemRoot% on Windows.
	Getenv func(string) string
	// Exe is the running opadiag, which install copies to where the hook runs it from.
	Exe string
	// Elevated: running as root or an elevated administrator.
	Elevated bool
	// ServiceManager opens Windows' service control manager, where the agent's service is
	// looked for.
	ServiceManager func() (platform.ServiceManager, error)
	// SystemdRunning: systemd is this machine's init, so daemon-reload is run.
	SystemdRunning bool
	// Runner runs systemctl and schtasks.exe; nil: ExecRunner.
	Runner Runner
	Clock  Clock
	// Version is opadiag's, recorded in the state file.
	Version string

	// forceCommands runs system commands (through a fake Runner) with Root set: tests.
	forceCommands bool
}

// HintError is an error with what the user should do next.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

func hintf(hint string, err error) error { return &HintError{Err: err, Hint: hint} }

// ErrNotElevated is the error of install and uninstall run without the rights they need.
var ErrNotElevated = errors.New("not running as root or administrator")

// checkElevated refuses to change the system without root or administrator rights.
func (e *Env) checkElevated(what string) error {
	if e.Root != "" || e.Elevated {
		return nil
	}
	if e.GOOS == "windows" {
		return hintf("run it from a Command Prompt opened with 'Run as administrator', or pass --print to see what it would do",
			errors.Join(errors.New("crash-hook "+what+" needs administrator rights"), ErrNotElevated))
	}
	return hintf("run it with sudo, or pass --print to see what it would do (--root DIR writes under DIR instead)",
		errors.Join(errors.New("crash-hook "+what+" needs root"), ErrNotElevated))
}

// commands reports whether system commands run: not when writing under Root.
func (e *Env) commands() bool { return e.Root == "" || e.forceCommands }

func (e *Env) runner() Runner {
	if e.Runner == nil {
		return ExecRunner{}
	}
	return e.Runner
}

func (e *Env) clock() Clock {
	if e.Clock == nil {
		return SystemClock{}
	}
	return e.Clock
}

func (e *Env) getenv(k string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(k)
}

// binaryPath is where the hook runs opadiag from: a copy in a folder only root or
// administrators write (a task run as SYSTEM must never run a program users can replace).
func (e *Env) binaryPath() string {
	if e.GOOS == "windows" {
		return programFiles(e.getenv) + `\opadiag\opadiag.exe`
	}
	return linuxBinary
}

// stateDir holds the state file; install creates it readable by root or administrators only.
func (e *Env) stateDir() string {
	if e.GOOS == "windows" {
		return programData(e.getenv) + `\opadiag`
	}
	return linuxStateDir
}

// StateFile is where install records what it wrote.
func (e *Env) StateFile() string { return sysPath(e.GOOS, e.stateDir(), "crash-hook.json") }

// output is the crash bundle folder the hook's captures write to.
func (e *Env) output() string { return DefaultDir(e.GOOS, e.getenv) }

// onDisk is where a path of the system is on this machine's disk: itself, or under Root.
// A Windows path under Root loses its drive's colon: C:\ProgramData is ROOT/C/ProgramData.
func (e *Env) onDisk(sys string) string {
	if e.Root == "" {
		return sys
	}
	if e.GOOS == "windows" {
		sys = strings.ReplaceAll(sys, `\`, "/")
		if len(sys) >= 2 && sys[1] == ':' {
			sys = sys[:1] + sys[2:]
		}
	}
	return filepath.Join(e.Root, filepath.FromSlash(strings.TrimPrefix(sys, "/")))
}

// parent is a system path's folder.
func (e *Env) parent(p string) string {
	if e.GOOS == "windows" {
		return winpath.Dir(p)
	}
	return path.Dir(p)
}

// exists reports whether a system path exists (a dangling symlink exists).
func (e *Env) exists(sys string) bool {
	_, err := os.Lstat(e.onDisk(sys))
	return err == nil
}
