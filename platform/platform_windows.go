package platform

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

func homeCandidates(getenv func(string) string) []Candidate {
	return windowsCandidates(getenv, profileDirs())
}

// profileDirs returns every user profile folder the registry knows, loaded or not.
func profileDirs() []string {
	const list = `SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList`
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, list, registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return nil
	}
	defer k.Close()
	sids, err := k.ReadSubKeyNames(-1)
	if err != nil {
		return nil
	}
	var dirs []string
	for _, sid := range sids {
		sk, err := registry.OpenKey(k, sid, registry.QUERY_VALUE)
		if err != nil {
			continue
		}
		p, _, err := sk.GetStringValue("ProfileImagePath")
		sk.Close()
		if err != nil || p == "" {
			continue
		}
		if x, err := registry.ExpandString(p); err == nil {
			p = x
		}
		dirs = append(dirs, p)
	}
	return dirs
}

func openShared(path string) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	t, err := windows.GetFileType(h)
	var info windows.ByHandleFileInformation
	if err == nil {
		err = windows.GetFileInformationByHandle(h, &info)
	}
	if err != nil {
		windows.CloseHandle(h)
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if t != windows.FILE_TYPE_DISK || info.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0 {
		windows.CloseHandle(h)
		return nil, &os.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	return os.NewFile(uintptr(h), path), nil
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USERNAME")
}

func isElevated() bool { return windows.GetCurrentProcessToken().IsElevated() }

var procGetConsoleProcessList = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetConsoleProcessList")

func isTerminal(f *os.File) bool {
	var mode uint32
	return windows.GetConsoleMode(windows.Handle(f.Fd()), &mode) == nil
}

func colorTerminal(f *os.File) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	h := windows.Handle(f.Fd())
	var mode uint32
	if windows.GetConsoleMode(h, &mode) != nil {
		return false
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	// Consoles before Windows 10 refuse the flag: they get plain text.
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}

func systemdBooted() (bool, string) { return false, "" }

// scm is the service control manager opened read-only.
type scm struct{ h windows.Handle }

func openServiceManager() (ServiceManager, error) {
	h, err := windows.OpenSCManager(nil, nil, windows.SC_MANAGER_CONNECT|windows.SC_MANAGER_ENUMERATE_SERVICE)
	if err != nil {
		return nil, fmt.Errorf("open the service control manager: %w", err)
	}
	return &scm{h: h}, nil
}

func (m *scm) Close() error { return windows.CloseServiceHandle(m.h) }

func (m *scm) List() ([]ServiceEntry, error) {
	var needed, returned uint32
	var buf []uint64 // 8-byte aligned for the structures
	for {
		var p *byte
		if len(buf) > 0 {
			p = (*byte)(unsafe.Pointer(&buf[0]))
		}
		err := windows.EnumServicesStatusEx(m.h, windows.SC_ENUM_PROCESS_INFO, windows.SERVICE_WIN32,
			windows.SERVICE_STATE_ALL, p, uint32(len(buf)*8), &needed, &returned, nil, nil)
		if err == nil {
			break
		}
		if err != windows.ERROR_MORE_DATA || needed <= uint32(len(buf)*8) {
			return nil, fmt.Errorf("list services: %w", err)
		}
		buf = make([]uint64, needed/8+1)
	}
	if returned == 0 {
		return nil, nil
	}
	list := unsafe.Slice((*windows.ENUM_SERVICE_STATUS_PROCESS)(unsafe.Pointer(&buf[0])), int(returned))
	out := make([]ServiceEntry, 0, len(list))
	for _, s := range list {
		state, _ := SCState(s.ServiceStatusProcess.CurrentState)
		out = append(out, ServiceEntry{
			Name: windows.UTF16PtrToString(s.ServiceName), DisplayName: windows.UTF16PtrToString(s.DisplayName),
			State: state, PID: s.ServiceStatusProcess.ProcessId,
		})
	}
	return out, nil
}

func (m *scm) Query(name string) (ServiceDetail, []error) {
	d := ServiceDetail{Name: name, State: ServiceUnknown}
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return d, []error{&QueryError{Part: PartOpen, Service: name, Err: err}}
	}
	h, err := windows.OpenService(m.h, p, windows.SERVICE_QUERY_STATUS|windows.SERVICE_QUERY_CONFIG)
	if err != nil {
		return d, []error{&QueryError{Part: PartOpen, Service: name, Err: err}}
	}
	defer windows.CloseServiceHandle(h)
	var errs []error
	var st windows.SERVICE_STATUS_PROCESS
	var needed uint32
	if err := windows.QueryServiceStatusEx(h, windows.SC_STATUS_PROCESS_INFO, (*byte)(unsafe.Pointer(&st)), uint32(unsafe.Sizeof(st)), &needed); err != nil {
		errs = append(errs, &QueryError{Part: PartStatus, Service: name, Err: err})
	} else {
		d.State, d.RawState = SCState(st.CurrentState)
		d.PID, d.Win32ExitCode, d.ServiceExitCode = st.ProcessId, st.Win32ExitCode, st.ServiceSpecificExitCode
	}
	startType := uint32(0xffffffff)
	if buf, err := queryConfig(h); err != nil {
		errs = append(errs, &QueryError{Part: PartConfig, Service: name, Err: err})
	} else {
		c := (*windows.QUERY_SERVICE_CONFIG)(unsafe.Pointer(&buf[0]))
		startType = c.StartType
		d.StartType = StartTypeName(c.StartType, false)
		d.BinaryPath = windows.UTF16PtrToString(c.BinaryPathName)
		d.Account = windows.UTF16PtrToString(c.ServiceStartName)
		d.DisplayName = windows.UTF16PtrToString(c.DisplayName)
	}
	if startType == windows.SERVICE_AUTO_START {
		if buf, err := queryConfig2(h, windows.SERVICE_CONFIG_DELAYED_AUTO_START_INFO); err != nil {
			errs = append(errs, &QueryError{Part: PartDelayed, Service: name, Err: err})
		} else if (*windows.SERVICE_DELAYED_AUTO_START_INFO)(unsafe.Pointer(&buf[0])).IsDelayedAutoStartUp != 0 {
			d.StartType = StartTypeName(startType, true)
		}
	}
	if buf, err := queryConfig2(h, windows.SERVICE_CONFIG_FAILURE_ACTIONS); err != nil {
		errs = append(errs, &QueryError{Part: PartRecovery, Service: name, Err: err})
	} else {
		fa := (*windows.SERVICE_FAILURE_ACTIONS)(unsafe.Pointer(&buf[0]))
		rec := &Recovery{ResetPeriodS: fa.ResetPeriod}
		if fa.Command != nil {
			rec.Command = windows.UTF16PtrToString(fa.Command)
		}
		if fa.ActionsCount > 0 && fa.Actions != nil {
			for _, a := range unsafe.Slice(fa.Actions, int(fa.ActionsCount)) {
				rec.Actions = append(rec.Actions, RecoveryAction{Type: RecoveryActionName(a.Type), DelayMS: a.Delay})
			}
		}
		d.Recovery = rec
	}
	return d, errs
}

// queryConfig calls QueryServiceConfig with a buffer large enough.
func queryConfig(h windows.Handle) ([]uint64, error) {
	buf := make([]uint64, 1024)
	for {
		var needed uint32
		err := windows.QueryServiceConfig(h, (*windows.QUERY_SERVICE_CONFIG)(unsafe.Pointer(&buf[0])), uint32(len(buf)*8), &needed)
		if err == nil {
			return buf, nil
		}
		if err != windows.ERROR_INSUFFICIENT_BUFFER || needed <= uint32(len(buf)*8) {
			return nil, err
		}
		buf = make([]uint64, needed/8+1)
	}
}

// queryConfig2 calls QueryServiceConfig2 for one level with a buffer large enough. Wine fails
// some levels with ERROR_INVALID_LEVEL.
func queryConfig2(h windows.Handle, level uint32) ([]uint64, error) {
	buf := make([]uint64, 512)
	for {
		var needed uint32
		err := windows.QueryServiceConfig2(h, level, (*byte)(unsafe.Pointer(&buf[0])), uint32(len(buf)*8), &needed)
		if err == nil {
			return buf, nil
		}
		if err != windows.ERROR_INSUFFICIENT_BUFFER || needed <= uint32(len(buf)*8) {
			return nil, err
		}
		buf = make([]uint64, needed/8+1)
	}
}

// uninstallValues are the values read of each Uninstall key.
var uninstallValues = []string{"DisplayName", "DisplayVersion", "Publisher", "InstallLocation", "InstallDate",
	"DisplayIcon", "UninstallString", "QuietUninstallString"}

func uninstallKeys() ([]RegistryKey, []error) {
	var out []RegistryKey
	var errs []error
	read := func(root registry.Key, rootName, path string, mustExist bool) {
		k, err := registry.OpenKey(root, path, registry.ENUMERATE_SUB_KEYS|registry.QUERY_VALUE)
		if err != nil {
			if mustExist || err != registry.ErrNotExist {
				errs = append(errs, fmt.Errorf(`open %s\%s: %w`, rootName, path, err))
			}
			return
		}
		defer k.Close()
		subs, err := k.ReadSubKeyNames(-1)
		if err != nil {
			errs = append(errs, fmt.Errorf(`list %s\%s: %w`, rootName, path, err))
			return
		}
		for _, s := range subs {
			sk, err := registry.OpenKey(k, s, registry.QUERY_VALUE)
			if err != nil {
				errs = append(errs, fmt.Errorf(`open %s\%s\%s: %w`, rootName, path, s, err))
				continue
			}
			rk := RegistryKey{Path: rootName + `\` + path + `\` + s, Values: map[string]string{}}
			for _, name := range uninstallValues {
				if v, _, err := sk.GetStringValue(name); err == nil {
					rk.Values[name] = v
				} else if n, _, err := sk.GetIntegerValue(name); err == nil {
					rk.Values[name] = strconv.FormatUint(n, 10)
				}
			}
			sk.Close()
			out = append(out, rk)
		}
	}
	read(registry.LOCAL_MACHINE, "HKLM", UninstallKey, true)
	read(registry.LOCAL_MACHINE, "HKLM", UninstallKeyWOW64, false)
	users, err := registry.OpenKey(registry.USERS, "", registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return out, append(errs, fmt.Errorf("list the loaded profiles (HKEY_USERS): %w", err))
	}
	sids, err := users.ReadSubKeyNames(-1)
	users.Close()
	if err != nil {
		errs = append(errs, fmt.Errorf("list the loaded profiles (HKEY_USERS): %w", err))
	}
	for _, sid := range sids {
		if strings.HasSuffix(sid, "_Classes") {
			continue
		}
		read(registry.USERS, "HKU", sid+`\Software\Microsoft\Windows\CurrentVersion\Uninstall`, false)
	}
	return out, errs
}

// windowEnum collects the result of one EnumWindows call; the callback is created once, as
// Windows callbacks cannot be freed.
var windowEnum struct {
	sync.Mutex
	pids map[int32]bool
}

var enumWindowsCallback = sync.OnceValue(func() uintptr {
	return syscall.NewCallback(func(hwnd windows.HWND, _ uintptr) uintptr {
		if windows.IsWindowVisible(hwnd) {
			var pid uint32
			if _, err := windows.GetWindowThreadProcessId(hwnd, &pid); err == nil && pid != 0 {
				windowEnum.pids[int32(pid)] = true
			}
		}
		return 1
	})
})

func visibleWindowPIDs() (map[int32]bool, error) {
	cb := enumWindowsCallback()
	windowEnum.Lock()
	defer windowEnum.Unlock()
	windowEnum.pids = map[int32]bool{}
	if err := windows.EnumWindows(cb, nil); err != nil {
		return nil, fmt.Errorf("list windows: %w", err)
	}
	pids := windowEnum.pids
	windowEnum.pids = nil
	return pids, nil
}

func machinePath() (string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SYSTEM\CurrentControlSet\Control\Session Manager\Environment`, registry.QUERY_VALUE)
	if err != nil {
		return "", fmt.Errorf("read the machine PATH: %w", err)
	}
	defer k.Close()
	machine, _, err := k.GetStringValue("Path")
	if err != nil {
		return "", fmt.Errorf("read the machine PATH: %w", err)
	}
	return machine, nil
}

func firmware() (string, string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `HARDWARE\DESCRIPTION\System\BIOS`, registry.QUERY_VALUE)
	if err != nil {
		return "", "", fmt.Errorf(`read HKLM\HARDWARE\DESCRIPTION\System\BIOS: %w`, err)
	}
	defer k.Close()
	vendor, _, _ := k.GetStringValue("SystemManufacturer")
	product, _, _ := k.GetStringValue("SystemProductName")
	return vendor, product, nil
}
