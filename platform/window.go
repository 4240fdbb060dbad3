package platform

import (
	"fmt"
	"strings"
)

// ConsoleState is what the OS says about the console opadiag runs in: enough to tell a person who
// double-clicked opadiag.exe (a window that closes as soon as opadiag exits) from a shell, a
// Scheduled Task, a service or a redirected run. On Linux it is the zero value.
type ConsoleState struct {
	Processes    int    // processes attached to the console (GetConsoleProcessList); 0 without a console
	Window       bool   // the console has a window (GetConsoleWindow)
	Visible      bool   // and that window is visible
	Session      uint32 // the Windows session of this process; 0 is the services' session
	StdinConsole bool   // standard input is the console: not redirected, not closed
	Parent       string // the parent process's program file name, lower case; "" when unknown
}

// launchers are programs that start other programs unattended: a console program they start
// may get a console window of its own, but nobody is there to press Enter.
var launchers = map[string]string{
	"svchost.exe":     "the Task Scheduler service",
	"taskeng.exe":     "the Task Scheduler (Windows Server 2008 R2, 7)",
	"taskhostw.exe":   "a Task Scheduler host",
	"taskhost.exe":    "a Task Scheduler host",
	"services.exe":    "the service control manager",
	"wmiprvse.exe":    "WMI (a remote start)",
	"wsmprovhost.exe": "PowerShell remoting",
	"winrshost.exe":   "Windows Remote Shell",
}

// OwnWindow reports whether a person is looking at a console window that belongs to this process
// alone and closes when it exits: the window exists and is visible, no other process (cmd,
// PowerShell) shares it, the session is not the services' session 0, standard input is that
// console (so Enter can be pressed), and the parent is not a program that starts others
// unattended (the Task Scheduler, the service manager, remote shells). Only then may opadiag wait
// for Enter before exiting.
func (s ConsoleState) OwnWindow() bool {
	_, unattended := launchers[strings.ToLower(s.Parent)]
	return s.Processes == 1 && s.Window && s.Visible && s.Session != 0 && s.StdinConsole && !unattended
}

// Console describes the console opadiag runs in.
func (Platform) Console() ConsoleState { return consoleState() }

// Reveal shows path to the user in the desktop's file manager, where there is one: on Windows,
// an Explorer window with the file selected.
func (Platform) Reveal(path string) error { return reveal(path) }

// revealCommandLine is Explorer's command line selecting path: explorer.exe /select,"path". It is
// passed to CreateProcess as is: Go's own quoting of a single "/select,path" argument puts the
// quotes around the whole argument, a form Explorer ignores for a path with spaces (it opens
// Documents instead).
func revealCommandLine(explorer, path string) (string, error) {
	if path == "" || strings.ContainsAny(path, "\"\x00\r\n") {
		return "", fmt.Errorf("cannot show %s in Explorer: not a Windows path", path)
	}
	return `"` + explorer + `" /select,"` + path + `"`, nil
}
