package osout

import (
	"bufio"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/opadiag/opadiag/platform"
)

// This file reads what systemd prints: `systemctl show`, `systemctl list-units`, unit files,
// /proc/<pid>/cgroup and `journalctl -o short-iso`. It is untagged so Linux CI tests it on
// captured output.

// ShowProperties are the properties opadiag asks `systemctl show` for, in that order.
var ShowProperties = []string{
	"Id", "Names", "Description", "LoadState", "ActiveState", "SubState", "UnitFileState",
	"MainPID", "ExecMainPID", "ExecMainStatus", "ExecMainCode", "ExecMainStartTimestamp", "ExecMainExitTimestamp",
	"NRestarts", "Result", "ExecStart", "FragmentPath", "DropInPaths", "ActiveEnterTimestamp",
	"InactiveEnterTimestamp", "User", "Group", "WorkingDirectory", "Restart", "LimitNOFILE", "MemoryCurrent",
}

// ParseSystemctlShow reads `systemctl show` output: one block of Key=Value lines per unit,
// blocks separated by an empty line. Values keep everything after the first '='.
func ParseSystemctlShow(r io.Reader) []map[string]string {
	var out []map[string]string
	cur := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = map[string]string{}
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		cur[k] = v
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// Unit is the state of one systemd unit, from `systemctl show`.
type Unit struct {
	ID             string
	Description    string
	LoadState      string // loaded, not-found, masked, bad-setting, error
	ActiveState    string // active, inactive, failed, activating, deactivating, reloading
	SubState       string // running, dead, exited, auto-restart, failed…
	UnitFileState  string // enabled, disabled, static, masked, indirect…
	MainPID        int
	ExecMainCode   string // exited, killed, dumped (systemctl prints the number 1, 2, 3)
	ExecMainStatus int
	NRestarts      *int
	Result         string // success, exit-code, signal, core-dump, timeout, oom-kill…
	ExecStart      []Exec
	FragmentPath   string
	DropInPaths    []string
	ActiveSince    string // ActiveEnterTimestamp as systemctl prints it
	User           string
}

// Exec is one command of an ExecStart= line.
type Exec struct {
	Path string
	Argv []string
}

// UnitFromShow interprets the properties of one `systemctl show` block.
func UnitFromShow(p map[string]string) Unit {
	u := Unit{
		ID: p["Id"], Description: p["Description"], LoadState: p["LoadState"], ActiveState: p["ActiveState"],
		SubState: p["SubState"], UnitFileState: p["UnitFileState"], Result: p["Result"],
		FragmentPath: p["FragmentPath"], ActiveSince: notNA(p["ActiveEnterTimestamp"]), User: p["User"],
	}
	u.MainPID, _ = strconv.Atoi(p["MainPID"])
	u.ExecMainStatus, _ = strconv.Atoi(p["ExecMainStatus"])
	switch c := p["ExecMainCode"]; c {
	case "0", "":
	case "1":
		u.ExecMainCode = "exited"
	case "2":
		u.ExecMainCode = "killed"
	case "3":
		u.ExecMainCode = "dumped"
	default:
		u.ExecMainCode = c
	}
	if n, err := strconv.Atoi(p["NRestarts"]); err == nil {
		u.NRestarts = &n
	}
	u.ExecStart = ParseExecProperty(p["ExecStart"])
	if d := strings.TrimSpace(p["DropInPaths"]); d != "" {
		u.DropInPaths = strings.Fields(d)
	}
	return u
}

func notNA(s string) string {
	if s == "n/a" {
		return ""
	}
	return s
}

var execPart = regexp.MustCompile(`path=([^;]*?) ; argv\[\]=([^;]*?) ;`)

// ParseExecProperty reads the ExecStart property as `systemctl show` prints it:
// "{ path=/opt/agent/agent ; argv[]=/opt/agent/agent --service ; ignore_errors=no ; … }", one
// brace group per command. systemd joins argv with spaces without quoting, so an argument with a
// space is split.
func ParseExecProperty(v string) []Exec {
	var out []Exec
	for _, m := range execPart.FindAllStringSubmatch(v, -1) {
		out = append(out, Exec{Path: strings.TrimSpace(m[1]), Argv: strings.Fields(m[2])})
	}
	return out
}

// ParseUnitExecStart reads the ExecStart= lines of a unit file's [Service] section. Prefixes
// (-, @, :, +, !) are dropped; an empty ExecStart= resets the list, as in a drop-in.
func ParseUnitExecStart(r io.Reader) []Exec {
	var out []Exec
	section := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var cont string
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimRight(sc.Text(), "\r"))
		if cont != "" {
			line = cont + " " + line
			cont = ""
		}
		if strings.HasSuffix(line, `\`) {
			cont = strings.TrimSuffix(line, `\`)
			continue
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			section = strings.Trim(line, "[]")
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section != "Service" || strings.TrimSpace(k) != "ExecStart" {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" {
			out = nil
			continue
		}
		argv := splitQuoted(strings.TrimLeft(v, "-@:+!"))
		if len(argv) > 0 {
			out = append(out, Exec{Path: argv[0], Argv: argv})
		}
	}
	return out
}

// splitQuoted splits a command line on spaces, honouring double and single quotes.
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	in := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote, in = r, true
		case quote == 0 && (r == ' ' || r == '\t'):
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// ParseListUnits reads `systemctl list-units --no-legend --plain` output and returns the unit
// names (the first column).
func ParseListUnits(r io.Reader) []string {
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		name := f[0]
		if name == "●" || name == "*" {
			if len(f) < 2 {
				continue
			}
			name = f[1]
		}
		if strings.Contains(name, ".") {
			out = append(out, name)
		}
	}
	return out
}

// CgroupUnit returns the systemd service a process belongs to, from /proc/<pid>/cgroup: the last
// "*.service" element of its cgroup path; empty when it is not in one.
func CgroupUnit(content string) string {
	unit := ""
	for _, line := range strings.Split(content, "\n") {
		// hierarchy-ID:controllers:path
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, el := range strings.Split(parts[2], "/") {
			if strings.HasSuffix(el, ".service") {
				unit = el
			}
		}
		if unit != "" && parts[0] == "0" {
			break // the unified hierarchy is authoritative
		}
	}
	return unit
}

// UnitState maps a unit's load and active states to opadiag's service state.
func UnitState(u Unit) string {
	switch u.LoadState {
	case "not-found":
		return platform.ServiceNotFound
	case "":
		return platform.ServiceUnknown
	}
	switch u.ActiveState {
	case "active", "reloading":
		if u.SubState == "exited" {
			return platform.ServiceStopped
		}
		return platform.ServiceRunning
	case "activating":
		return platform.ServiceStarting
	case "deactivating":
		return platform.ServiceStopping
	case "inactive":
		return platform.ServiceStopped
	case "failed":
		return platform.ServiceFailed
	}
	return platform.ServiceUnknown
}

// UnitAutoStart tells whether systemd starts a unit at boot, from its UnitFileState: nil when
// that cannot be told (static and indirect units start only when something pulls them in).
func UnitAutoStart(unitFileState string) *bool {
	t, f := true, false
	switch unitFileState {
	case "enabled", "enabled-runtime", "alias", "generated":
		return &t
	case "disabled", "masked", "masked-runtime":
		return &f
	}
	return nil
}

// JournalEntry is one line of `journalctl -o short-iso`.
type JournalEntry struct {
	Time    time.Time
	Host    string
	Ident   string // syslog identifier: the program, or "systemd" for the manager's messages
	PID     int
	Message string
}

var journalLine = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) (\S+) ([^\[:]+?)(?:\[(\d+)\])?: ?(.*)$`)

// ParseJournalLine reads one short-iso line; ok is false for lines that are not entries
// ("-- No entries --", "-- Boot … --", a continuation of a multi-line message).
func ParseJournalLine(line string) (JournalEntry, bool) {
	m := journalLine.FindStringSubmatch(strings.TrimRight(line, "\r"))
	if m == nil {
		return JournalEntry{}, false
	}
	ts := m[1]
	// short-iso prints +0000 on older systemd, +00:00 on newer.
	if n := len(ts); n >= 5 && (ts[n-5] == '+' || ts[n-5] == '-') {
		ts = ts[:n-2] + ":" + ts[n-2:]
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return JournalEntry{}, false
	}
	e := JournalEntry{Time: t, Host: m[2], Ident: m[3], Message: m[5]}
	e.PID, _ = strconv.Atoi(m[4])
	return e, true
}

// JournalSummary counts what matters in a unit's journal.
type JournalSummary struct {
	Entries  int
	First    time.Time
	Last     time.Time
	Starts   int // "Started …" by systemd
	Failures int // "Failed with result", "Main process exited, code=…, status=…" other than success
	OOMKills int // "Failed with result 'oom-kill'", "A process of this unit has been killed by the OOM killer"
}

// Add counts one line.
func (s *JournalSummary) Add(line string) {
	e, ok := ParseJournalLine(line)
	if !ok {
		return
	}
	s.Entries++
	if s.First.IsZero() || e.Time.Before(s.First) {
		s.First = e.Time
	}
	if e.Time.After(s.Last) {
		s.Last = e.Time
	}
	if e.Ident != "systemd" && !strings.HasPrefix(e.Ident, "systemd[") {
		return
	}
	msg := e.Message
	switch {
	case strings.HasPrefix(msg, "Started "):
		s.Starts++
	case strings.Contains(msg, "oom-kill") || strings.Contains(msg, "killed by the OOM killer"):
		s.OOMKills++
		if strings.Contains(msg, "Failed with result") {
			s.Failures++
		}
	case strings.Contains(msg, "Failed with result"):
		s.Failures++
	}
}

// ExecBinary returns the program an ExecStart runs: its path, or for an interpreter (node,
// electron, sh…) the first argument that is an absolute path, which is the agent's script.
func ExecBinary(e Exec) string {
	p := e.Path
	if p == "" && len(e.Argv) > 0 {
		p = e.Argv[0]
	}
	if IsInterpreter(p) && len(e.Argv) > 1 {
		for _, a := range e.Argv[1:] {
			if strings.HasPrefix(a, "/") || len(a) > 2 && a[1] == ':' {
				return a
			}
		}
	}
	return p
}

// IsInterpreter reports whether the program at p runs a script given as an argument: node,
// electron, a shell. The agent may be started as "node /opt/agent/main.js".
func IsInterpreter(p string) bool {
	base := strings.ToLower(path.Base(strings.ReplaceAll(p, `\`, "/")))
	base = strings.TrimSuffix(base, ".exe")
	switch base {
	case "node", "nodejs", "electron", "sh", "bash", "dash", "env", "xvfb-run":
		return true
	}
	return false
}
