// Package platform makes the operating system's calls that opadiag needs, and nothing else. It
// is the only package with OS-specific files and golang.org/x/sys, split by concern: opening a
// file without disturbing its owner (open), the service managers (service: the Windows service
// control manager, whether systemd runs), the registry (Uninstall keys, profile folders, the
// machine PATH), the console (terminal, colour, double-click, Explorer), the network (which
// process holds a port, the WinINet proxy) and the host and its processes (host, process). Each
// concern has an untagged file with the exported API and a _unix/_windows pair defining the same
// unexported names; a mechanism only Linux has (/proc, /sys) is tried on every Unix and reports
// an error where it is absent.
//
// It knows nothing of the Celigo agent (package agent) and parses no command output (package
// collect/osout). The event log is read with wevtutil by the collectors: it needs no call here.
// The byte layouts of the kernels' socket tables are read here (net.go), untagged so Linux CI
// tests both, because only the port holder lookup uses them.
package platform

import (
	"os"
	"os/exec"
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

// Getenv reads an environment variable of opadiag's process.
func (Platform) Getenv(key string) string { return os.Getenv(key) }

// LookPath finds an executable on PATH as the shell would (with PATHEXT on Windows).
func (Platform) LookPath(file string) (string, error) { return exec.LookPath(file) }
