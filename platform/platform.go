// Package platform is the only place with operating-system specific code: where the agent keeps
// its home, how to open a file without disturbing the agent, who is running opadiag and with
// what rights, and what the console can do. Each OS has one file (platform_linux.go,
// platform_windows.go, platform_other.go) defining the same unexported names; the code here and
// in other untagged files is shared, and parsers of OS output live in untagged files so that
// Linux CI tests them.
package platform

import (
	"errors"
	"os"
	"runtime"
)

// Platform gives access to the machine opadiag runs on. Collectors receive it (or a fake) as an
// argument; nothing reaches the OS through package state.
type Platform struct{}

// Current returns the Platform of the running OS.
func Current() Platform { return Platform{} }

// OS is the running operating system as GOOS names it.
func (Platform) OS() string { return runtime.GOOS }

// Arch is the running architecture as GOARCH names it.
func (Platform) Arch() string { return runtime.GOARCH }

// Hostname is the machine's name, or "unknown-host" when the OS does not say.
func (Platform) Hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown-host"
	}
	return h
}

// User is the name of the account opadiag runs as.
func (Platform) User() string { return currentUser() }

// Elevated reports whether opadiag runs as root, or as an elevated administrator on Windows.
func (Platform) Elevated() bool { return isElevated() }

// ErrNotRegular is returned by Open for anything that is not a regular file: a FIFO, a device,
// a socket or a directory would block or mean nothing in a bundle.
var ErrNotRegular = errors.New("not a regular file")

// Open opens a file for reading without disturbing its owner: on Windows with
// FILE_SHARE_READ|FILE_SHARE_WRITE|FILE_SHARE_DELETE so the agent can keep writing, rotating and
// deleting it; on Linux without following a final symlink, without blocking on a FIFO, and
// without updating its access time where the kernel allows. Anything but a regular file gives
// ErrNotRegular.
func (Platform) Open(path string) (*os.File, error) { return openShared(path) }

// AgentHomeCandidates returns the folders that may contain an agent home, each with the name the
// home has in it (matched case-insensitively), in the order they are searched.
func (Platform) AgentHomeCandidates() []Candidate { return homeCandidates(os.Getenv) }

// ColorTerminal reports whether f is a terminal that understands ANSI colour sequences,
// switching them on where the console needs it (Windows 10 and later).
func (Platform) ColorTerminal(f *os.File) bool { return colorTerminal(f) }

// Terminal reports whether f is an interactive terminal.
func (Platform) Terminal(f *os.File) bool { return isTerminal(f) }
