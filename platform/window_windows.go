package platform

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"unsafe"

	"github.com/opadiag/opadiag/internal/winpath"
	"golang.org/x/sys/windows"
)

var procGetConsoleWindow = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetConsoleWindow")

func consoleState() ConsoleState {
	var s ConsoleState
	if procGetConsoleProcessList.Find() == nil {
		var pids [4]uint32
		n, _, _ := procGetConsoleProcessList.Call(uintptr(unsafe.Pointer(&pids[0])), uintptr(len(pids)))
		s.Processes = int(n)
	}
	if procGetConsoleWindow.Find() == nil {
		if hwnd, _, _ := procGetConsoleWindow.Call(); hwnd != 0 {
			s.Window = true
			s.Visible = windows.IsWindowVisible(windows.HWND(hwnd))
		}
	}
	if err := windows.ProcessIdToSessionId(windows.GetCurrentProcessId(), &s.Session); err != nil {
		s.Session = 0 // unknown: taken for the services' session, where nobody can press Enter
	}
	if h, err := windows.GetStdHandle(windows.STD_INPUT_HANDLE); err == nil && h != 0 && h != windows.InvalidHandle {
		var mode uint32
		s.StdinConsole = windows.GetConsoleMode(h, &mode) == nil
	}
	s.Parent = parentProgram()
	return s
}

// parentProgram returns the file name of the parent process's program in lower case, "" when it
// cannot be told (the parent exited, the snapshot failed).
func parentProgram() string {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return ""
	}
	defer windows.CloseHandle(snap)
	self := windows.GetCurrentProcessId()
	names := map[uint32]string{}
	var parent uint32
	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		names[e.ProcessID] = windows.UTF16ToString(e.ExeFile[:])
		if e.ProcessID == self {
			parent = e.ParentProcessID
		}
	}
	if parent == 0 {
		return ""
	}
	return strings.ToLower(names[parent])
}

func reveal(path string) error {
	explorer := filepath.Join(winpath.Root(os.Getenv), "explorer.exe")
	line, err := revealCommandLine(explorer, path)
	if err != nil {
		return err
	}
	cmd := exec.Command(explorer)
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: line}
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}
