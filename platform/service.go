package platform

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Service states, as the manifest records them.
const (
	ServiceRunning   = "running"
	ServiceStopped   = "stopped"
	ServiceStarting  = "starting"
	ServiceStopping  = "stopping"
	ServicePaused    = "paused"
	ServiceFailed    = "failed"
	ServiceNotFound  = "not_found"
	ServiceNoSystemd = "no_systemd"
	ServiceUnknown   = "unknown"
)

// ErrNoServiceManager is returned where the OS has no Windows service control manager.
var ErrNoServiceManager = errors.New("no Windows service control manager on this system")

// ServiceManager reads the Windows service control manager with read-only rights
// (SC_MANAGER_CONNECT|SC_MANAGER_ENUMERATE_SERVICE, and SERVICE_QUERY_STATUS|SERVICE_QUERY_CONFIG
// per service), which any user has: it never needs administrator rights.
type ServiceManager interface {
	// List returns every Win32 service with its state.
	List() ([]ServiceEntry, error)
	// Query reads one service. What could not be read is in the errors (*QueryError); the rest
	// is filled.
	Query(name string) (ServiceDetail, []error)
	Close() error
}

// Parts of a service Query reads; a QueryError says which failed.
const (
	PartOpen     = "open"             // OpenService
	PartStatus   = "status"           // QueryServiceStatusEx
	PartConfig   = "configuration"    // QueryServiceConfig
	PartDelayed  = "delayed start"    // QueryServiceConfig2(SERVICE_CONFIG_DELAYED_AUTO_START_INFO)
	PartRecovery = "recovery actions" // QueryServiceConfig2(SERVICE_CONFIG_FAILURE_ACTIONS)
)

// QueryError is a part of a service that could not be read.
type QueryError struct {
	Part    string
	Service string
	Err     error
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("query the %s of service %q: %v", e.Part, e.Service, e.Err)
}

func (e *QueryError) Unwrap() error { return e.Err }

// ServiceEntry is a service as the service list shows it.
type ServiceEntry struct {
	Name        string // the key name (sc query NAME)
	DisplayName string
	State       string // one of the Service* states
	PID         uint32
}

// ServiceDetail is what Query reads of one service.
type ServiceDetail struct {
	Name            string
	DisplayName     string
	State           string // one of the Service* states
	RawState        string // as sc prints it: RUNNING, STOPPED…
	PID             uint32
	Win32ExitCode   uint32
	ServiceExitCode uint32
	StartType       string // Automatic, Automatic (Delayed), Manual, Disabled, Boot, System; empty when unread
	BinaryPath      string
	Account         string
	// Recovery is nil when the failure actions could not be read.
	Recovery *Recovery
}

// Recovery is a service's failure actions (the Recovery tab of services.msc).
type Recovery struct {
	ResetPeriodS uint32
	Command      string
	Actions      []RecoveryAction
}

// RecoveryAction is one failure action: none, restart, reboot or run a command, after a delay.
type RecoveryAction struct {
	Type    string // none, restart, reboot, run_command
	DelayMS uint32
}

// Win32 service states (SERVICE_STATUS.dwCurrentState).
const (
	scStopped         = 1
	scStartPending    = 2
	scStopPending     = 3
	scRunning         = 4
	scContinuePending = 5
	scPausePending    = 6
	scPaused          = 7
)

// SCState maps a Win32 service state to opadiag's state and the name sc prints.
func SCState(state uint32) (string, string) {
	switch state {
	case scStopped:
		return ServiceStopped, "STOPPED"
	case scStartPending:
		return ServiceStarting, "START_PENDING"
	case scStopPending:
		return ServiceStopping, "STOP_PENDING"
	case scRunning:
		return ServiceRunning, "RUNNING"
	case scContinuePending:
		return ServiceStarting, "CONTINUE_PENDING"
	case scPausePending:
		return ServicePaused, "PAUSE_PENDING"
	case scPaused:
		return ServicePaused, "PAUSED"
	}
	return ServiceUnknown, strconv.FormatUint(uint64(state), 10)
}

// StartTypeName names a Win32 start type as services.msc shows it.
func StartTypeName(startType uint32, delayed bool) string {
	switch startType {
	case 0:
		return "Boot"
	case 1:
		return "System"
	case 2:
		if delayed {
			return "Automatic (Delayed)"
		}
		return "Automatic"
	case 3:
		return "Manual"
	case 4:
		return "Disabled"
	}
	return fmt.Sprintf("unknown (%d)", startType)
}

// StartTypeAuto reports whether a start type starts the service at boot.
func StartTypeAuto(name string) *bool {
	t, f := true, false
	switch {
	case strings.HasPrefix(name, "Automatic"), name == "Boot", name == "System":
		return &t
	case name == "Manual", name == "Disabled":
		return &f
	}
	return nil
}

// RecoveryActionName names an SC_ACTION type.
func RecoveryActionName(t uint32) string {
	switch t {
	case 0:
		return "none"
	case 1:
		return "restart"
	case 2:
		return "reboot"
	case 3:
		return "run_command"
	}
	return fmt.Sprintf("unknown_%d", t)
}

// SystemdBooted reports whether systemd manages this system (it is PID 1: /run/systemd/system
// exists), and the name of PID 1. Always false on Windows.
func (Platform) SystemdBooted() (bool, string) { return systemdBooted() }

// ServiceManager opens the Windows service control manager read-only. Elsewhere it returns
// ErrNoServiceManager.
func (Platform) ServiceManager() (ServiceManager, error) { return openServiceManager() }
