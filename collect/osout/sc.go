package osout

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/opadiag/opadiag/platform"
)

// This file reads what sc.exe prints (queryex, qc, qfailure) when the service control manager's
// API cannot be used.

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
func ApplySCQueryEx(d *platform.ServiceDetail, o SCOutput) {
	if m := scNumber.FindStringSubmatch(o.Field("STATE")); m != nil {
		n, _ := strconv.Atoi(m[1])
		d.State, d.RawState = platform.SCState(uint32(n))
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
func ApplySCQC(d *platform.ServiceDetail, o SCOutput) {
	if m := scNumber.FindStringSubmatch(o.Field("START_TYPE")); m != nil {
		n, _ := strconv.Atoi(m[1])
		d.StartType = platform.StartTypeName(uint32(n), strings.Contains(m[2], "DELAYED"))
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
func ParseSCQFailure(o SCOutput) *platform.Recovery {
	var reset string
	for k, v := range o.Fields {
		if strings.HasPrefix(k, "RESET_PERIOD") && len(v) > 0 {
			reset = v[0]
		}
	}
	if reset == "" && len(o.Fields["FAILURE_ACTIONS"]) == 0 {
		return nil
	}
	rec := &platform.Recovery{Command: o.Field("COMMAND_LINE")}
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
		rec.Actions = append(rec.Actions, platform.RecoveryAction{Type: typ, DelayMS: uint32(d)})
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
