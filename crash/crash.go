// Package crash makes support bundles unattended after the agent crashes, and installs what
// starts them.
//
// Capture is `opadiag collect --trigger crash`: it never prompts, writes to a folder of its own
// (/var/lib/opadiag/crash, %ProgramData%\opadiag\crash), makes at most one bundle per
// --min-interval, keeps only the newest crash bundles (--keep, --keep-size), takes a lock so
// that two triggers at once make one bundle, and appends one line per run to capture.log beside
// the bundles. With --if-crashed it captures only when the agent's files say it crashed since
// the last capture, for agents that do not run as a service (a cron line, a scheduled task).
//
// Install, Uninstall and Status are `opadiag crash-hook`: on Linux a drop-in for each of the
// agent's systemd units that starts opadiag-capture.service when the unit's process ends in
// anything but success; on Windows a Task Scheduler task run as SYSTEM on the Service Control
// Manager's events 7031 and 7034 about the agent's service. What install writes is recorded in a
// state file, so that uninstall removes exactly that.
package crash

import (
	"path/filepath"
	"strings"
	"time"
)

// Clock tells the time; tests pass a fake one.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Defaults of collect --trigger crash, as the README documents them.
const (
	DefaultMinInterval = 10 * time.Minute
	DefaultKeep        = 5
	DefaultKeepSize    = 1 << 30
)

// DefaultDir is where crash bundles go when --output is not given: /var/lib/opadiag/crash, or
// %ProgramData%\opadiag\crash on Windows. Never the working directory: a hook started by a
// service runs in / or C:\Windows\System32.
func DefaultDir(goos string, getenv func(string) string) string {
	if goos == "windows" {
		return programData(getenv) + `\opadiag\crash`
	}
	return "/var/lib/opadiag/crash"
}

// programData is %ProgramData%, C:\ProgramData when it is unset.
func programData(getenv func(string) string) string {
	if p := strings.TrimRight(getenv("ProgramData"), `\`); p != "" {
		return p
	}
	return `C:\ProgramData`
}

// programFiles is %ProgramFiles%, C:\Program Files when it is unset.
func programFiles(getenv func(string) string) string {
	if p := strings.TrimRight(getenv("ProgramFiles"), `\`); p != "" {
		return p
	}
	return `C:\Program Files`
}

// sysPath joins the parts of a path on the target system, with its separator.
func sysPath(goos string, parts ...string) string {
	if goos == "windows" {
		return strings.Join(parts, `\`)
	}
	return filepath.ToSlash(filepath.Join(parts...))
}
