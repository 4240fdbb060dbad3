package platform

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
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

// SCOutput is the output of `sc queryex`, `sc qc` or `sc qfailure` for one service: its fields,
// each with its lines (FAILURE_ACTIONS and STATE flags continue on following lines).
type SCOutput struct {
	Name   string
	Fields map[string][]string
}

// Field returns the first line of a field, "" when absent.
func (o SCOutput) Field(key string) string {
	if v := o.Fields[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// ParseSC reads sc.exe's "KEY : value" output (queryex, qc, qfailure). It returns the first
// service's fields; ok is false when the output holds none (sc failed, or printed an error).
func ParseSC(r io.Reader) (SCOutput, bool) {
	out := SCOutput{Fields: map[string][]string{}}
	sc := bufio.NewScanner(r)
	last := ""
	found := false
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		trim := strings.TrimSpace(line)
		if trim == "" || strings.HasPrefix(trim, "[SC]") {
			continue
		}
		if strings.HasPrefix(trim, "SERVICE_NAME:") {
			if found {
				break // a second service
			}
			found = true
			out.Name = strings.TrimSpace(strings.TrimPrefix(trim, "SERVICE_NAME:"))
			continue
		}
		if !found {
			continue
		}
		if k, v, ok := strings.Cut(trim, ":"); ok && isSCKey(strings.TrimSpace(k)) {
			last = strings.TrimSpace(k)
			out.Fields[last] = append(out.Fields[last], strings.TrimSpace(v))
			continue
		}
		if last != "" {
			out.Fields[last] = append(out.Fields[last], trim)
		}
	}
	return out, found
}

// isSCKey reports whether s looks like an sc field name: upper case, digits, underscores,
// and "RESET_PERIOD (in seconds)".
func isSCKey(s string) bool {
	if s == "" {
		return false
	}
	base, _, _ := strings.Cut(s, " (")
	for _, r := range base {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

var scNumber = regexp.MustCompile(`^(\d+)\s+(.*)$`)

// ApplySCQueryEx fills d with what `sc queryex` printed.
func ApplySCQueryEx(d *ServiceDetail, o SCOutput) {
	if m := scNumber.FindStringSubmatch(o.Field("STATE")); m != nil {
		n, _ := strconv.Atoi(m[1])
		d.State, d.RawState = SCState(uint32(n))
	}
	if n, err := strconv.ParseUint(firstWord(o.Field("PID")), 10, 32); err == nil {
		d.PID = uint32(n)
	}
	if n, err := strconv.ParseUint(firstWord(o.Field("WIN32_EXIT_CODE")), 10, 32); err == nil {
		d.Win32ExitCode = uint32(n)
	}
	if n, err := strconv.ParseUint(firstWord(o.Field("SERVICE_EXIT_CODE")), 10, 32); err == nil {
		d.ServiceExitCode = uint32(n)
	}
}

// ApplySCQC fills d with what `sc qc` printed: start type (with "(DELAYED)"), binary path,
// account, display name.
func ApplySCQC(d *ServiceDetail, o SCOutput) {
	if m := scNumber.FindStringSubmatch(o.Field("START_TYPE")); m != nil {
		n, _ := strconv.Atoi(m[1])
		d.StartType = StartTypeName(uint32(n), strings.Contains(m[2], "DELAYED"))
	}
	if v := o.Field("BINARY_PATH_NAME"); v != "" {
		d.BinaryPath = v
	}
	if v := o.Field("SERVICE_START_NAME"); v != "" {
		d.Account = v
	}
	if v := o.Field("DISPLAY_NAME"); v != "" {
		d.DisplayName = v
	}
}

var scAction = regexp.MustCompile(`^([A-Z_]+) -- Delay = (\d+) milliseconds`)

// ParseSCQFailure reads the recovery actions `sc qfailure` printed; nil when it printed none.
func ParseSCQFailure(o SCOutput) *Recovery {
	var reset string
	for k, v := range o.Fields {
		if strings.HasPrefix(k, "RESET_PERIOD") && len(v) > 0 {
			reset = v[0]
		}
	}
	if reset == "" && len(o.Fields["FAILURE_ACTIONS"]) == 0 {
		return nil
	}
	rec := &Recovery{Command: o.Field("COMMAND_LINE")}
	if n, err := strconv.ParseUint(firstWord(reset), 10, 32); err == nil {
		rec.ResetPeriodS = uint32(n)
	}
	for _, a := range o.Fields["FAILURE_ACTIONS"] {
		m := scAction.FindStringSubmatch(a)
		if m == nil {
			continue
		}
		d, _ := strconv.ParseUint(m[2], 10, 32)
		typ := strings.ToLower(m[1])
		if typ == "run_process" || typ == "run" {
			typ = "run_command"
		}
		rec.Actions = append(rec.Actions, RecoveryAction{Type: typ, DelayMS: uint32(d)})
	}
	return rec
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// CommandLineBinary returns the program of a Windows command line (a service's ImagePath or an
// UninstallString): the quoted first part, or the text up to the first ".exe".
func CommandLineBinary(cmd string) string {
	cmd = strings.TrimSpace(cmd)
	if strings.HasPrefix(cmd, `"`) {
		if end := strings.Index(cmd[1:], `"`); end >= 0 {
			return cmd[1 : end+1]
		}
		return strings.Trim(cmd, `"`)
	}
	if i := strings.Index(strings.ToLower(cmd), ".exe"); i >= 0 {
		return cmd[:i+4]
	}
	if f := strings.Fields(cmd); len(f) > 0 {
		return f[0]
	}
	return ""
}
