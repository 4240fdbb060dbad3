package platform

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// wininetProxy reads HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings. Missing
// values are left empty.
func wininetProxy() (WinINetProxy, error) {
	const path = `Software\Microsoft\Windows\CurrentVersion\Internet Settings`
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.QUERY_VALUE)
	if err != nil {
		return WinINetProxy{}, fmt.Errorf(`read HKCU\%s: %w`, path, err)
	}
	defer k.Close()
	// A value that is absent is the default; one that cannot be read (a wrong type) is an error,
	// returned beside what could be read.
	var p WinINetProxy
	var errs []error
	failed := func(name string, err error) bool {
		if err != nil && !errors.Is(err, registry.ErrNotExist) {
			errs = append(errs, fmt.Errorf(`read HKCU\%s\%s: %w`, path, name, err))
		}
		return err != nil
	}
	if n, _, err := k.GetIntegerValue("ProxyEnable"); !failed("ProxyEnable", err) {
		p.ProxyEnable = n != 0
	}
	str := func(name string) string {
		s, _, err := k.GetStringValue(name)
		if failed(name, err) {
			return ""
		}
		return s
	}
	p.ProxyServer, p.ProxyOverride, p.AutoConfigURL = str("ProxyServer"), str("ProxyOverride"), str("AutoConfigURL")
	return p, errors.Join(errs...)
}

var procGetExtendedTcpTable = windows.NewLazySystemDLL("iphlpapi.dll").NewProc("GetExtendedTcpTable")

// tcpTableOwnerPIDListener is TCP_TABLE_OWNER_PID_LISTENER.
const tcpTableOwnerPIDListener = 3

// tcpTable calls GetExtendedTcpTable for the listening sockets of one address family.
func tcpTable(family uint32) ([]byte, error) {
	if err := procGetExtendedTcpTable.Find(); err != nil {
		return nil, err
	}
	size := uint32(16 << 10)
	for range 4 {
		buf := make([]byte, size)
		r, _, _ := procGetExtendedTcpTable.Call(uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)), 0,
			uintptr(family), tcpTableOwnerPIDListener, 0)
		switch windows.Errno(r) {
		case 0:
			return buf[:size], nil
		case windows.ERROR_INSUFFICIENT_BUFFER:
			size += 4 << 10 // the table may grow between the calls
			continue
		default:
			return nil, fmt.Errorf("GetExtendedTcpTable: %w", windows.Errno(r))
		}
	}
	return nil, errors.New("GetExtendedTcpTable: the table kept growing")
}

func portHolders(ctx context.Context, port int) ([]PortHolder, string, error) {
	var socks []socket
	for _, fam := range []struct {
		af uint32
		v6 bool
	}{{windows.AF_INET, false}, {windows.AF_INET6, true}} {
		b, err := tcpTable(fam.af)
		if err != nil {
			return nil, "", fmt.Errorf("read listening sockets: %w", err)
		}
		ss, err := parseTCPTable(b, fam.v6)
		if err != nil {
			return nil, "", fmt.Errorf("read listening sockets: %w", err)
		}
		socks = append(socks, onPort(ss, port)...)
	}
	if len(socks) == 0 {
		return nil, fmt.Sprintf("no socket listens on port %d", port), nil
	}
	var out []PortHolder
	note := ""
	for _, s := range socks {
		h := PortHolder{PID: s.pid, Local: s.local.String()}
		switch image, err := processImage(s.pid); {
		case err == nil:
			h.Command, h.Name = image, filepath.Base(image)
		case s.pid == 0:
			note = "Windows does not say which process holds the port"
		case s.pid == 4:
			h.Name = "System" // the kernel: HTTP.sys (an URL reservation, IIS, WinRM…) or another driver
			note = "the port is held by the kernel, usually HTTP.sys: netsh http show servicestate lists who asked for it"
		default:
			note = "a process could not be inspected: run opadiag as administrator to name it"
		}
		out = append(out, h)
	}
	return out, note, nil
}

// processImage returns the full path of a process's executable.
func processImage(pid int) (string, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return "", err
	}
	defer windows.CloseHandle(h)
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n := uint32(len(buf))
	if err := windows.QueryFullProcessImageName(h, 0, &buf[0], &n); err != nil {
		return "", err
	}
	return windows.UTF16ToString(buf[:n]), nil
}
