package platform

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// systemdBooted is false: Windows has no systemd.
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
