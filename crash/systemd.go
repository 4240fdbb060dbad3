package crash

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/opadiag/opadiag/agent"
	"github.com/opadiag/opadiag/collect/osout"
	"github.com/opadiag/opadiag/internal/winpath"
)

// What the hook writes on Linux.
const (
	// CaptureUnit is the oneshot service that makes a crash bundle.
	CaptureUnit = "opadiag-capture.service"
	// DropInName is the drop-in written into each agent unit's <unit>.d folder.
	DropInName = "opadiag.conf"
	// adminUnitDir is where both go: the administrator's unit folder, which overrides the
	// package's.
	adminUnitDir = "/etc/systemd/system"
	// linuxBinary is where install copies opadiag: a folder only root writes, on root's PATH.
	linuxBinary = "/usr/local/sbin/opadiag"
	// linuxStateDir holds the state file.
	linuxStateDir = "/var/lib/opadiag"
)

// marker begins every file the hook writes: uninstall, without its state file, recognises them by
// it, and an administrator reading one knows where it came from.
const marker = "# Written by opadiag crash-hook install"

// unitDirs are the folders systemd loads system units from, in its order of precedence.
var unitDirs = []string{
	"/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
	"/lib/systemd/system", "/usr/lib/systemd/system",
}

// guideUnits are the unit names Celigo's troubleshooting guide uses.
var guideUnits = []string{"celigo-agent.service", "celigoagent.service"}

// systemctlPaths are where systemctl is, on merged-/usr systems and older ones.
var systemctlPaths = []string{"/usr/bin/systemctl", "/bin/systemctl"}

// maxUnitFile bounds a unit file read.
const maxUnitFile = 1 << 20

// AgentUnit is one of the agent's systemd units, found on disk.
type AgentUnit struct {
	Name    string // celigo-agent.service
	Path    string // its unit file, as the system sees it
	Why     string // why it is the agent's
	Restart string // its Restart= setting, "no" when unset
	Aliases []string
}

// unitFile is a unit file found in a unit folder.
type unitFile struct {
	name, path  string
	aliasOf     string // the unit a symlink names, when it is an alias
	masked      bool
	description string
	restart     string
	exec        []osout.Exec
}

// findUnits returns the agent's units under root: the guide's two names, units whose program
// (or, for an interpreter, script) names the agent, and units whose ExecStart points into a
// folder one of those runs from; with what was skipped and why. A template (name@.service) is
// one of them like any unit: its drop-in, in name@.service.d, applies to each of its instances.
func (e *Env) findUnits() ([]AgentUnit, []string) {
	var notes []string
	units := map[string]*unitFile{}
	var names []string
	for _, dir := range unitDirs {
		ents, err := os.ReadDir(e.onDisk(dir))
		if err != nil {
			if !os.IsNotExist(err) {
				notes = append(notes, fmt.Sprintf("could not list %s: %v", dir, err))
			}
			continue
		}
		for _, ent := range ents {
			n := ent.Name()
			if !strings.HasSuffix(n, ".service") || n == CaptureUnit || units[n] != nil {
				continue // an earlier folder's unit of the same name wins, as in systemd
			}
			u, err := e.readUnit(dir, n)
			if err != nil {
				notes = append(notes, err.Error())
				continue
			}
			units[n] = u
			names = append(names, n)
		}
	}
	sort.Strings(names)

	why := map[string]string{}
	mark := func(name, reason string) {
		if u := units[name]; u != nil && u.aliasOf != "" && units[u.aliasOf] != nil {
			reason = "its alias " + name + " " + reason
			name = u.aliasOf
		}
		if u := units[name]; u != nil && why[name] == "" && !u.masked && u.aliasOf == "" {
			why[name] = reason
		}
	}
	for _, g := range guideUnits {
		mark(g, "is named in Celigo's troubleshooting guide")
	}
	for _, n := range names {
		u := units[n]
		for _, x := range u.exec {
			if bin := osout.ExecBinary(x); agent.NamePattern.MatchString(bin) {
				mark(n, "runs "+bin+", which names the agent")
			}
		}
		if agent.NamePattern.MatchString(n) {
			mark(n, "its name names the agent")
		}
		if agent.NamePattern.MatchString(u.description) {
			mark(n, "its description names the agent")
		}
	}
	// Folders the agent's units run from: another unit whose program is in one is the agent's too.
	var dirs []string
	for _, n := range names {
		if why[n] == "" {
			continue
		}
		for _, x := range units[n].exec {
			bin := osout.ExecBinary(x)
			if d := path.Dir(bin); strings.HasPrefix(bin, "/") && !osout.IsInterpreter(bin) && !systemDir(d) {
				dirs = append(dirs, d)
			}
		}
	}
	for _, n := range names {
		for _, x := range units[n].exec {
			bin := osout.ExecBinary(x)
			for _, d := range dirs {
				if winpath.Under(bin, d, false) {
					mark(n, "its ExecStart points into the agent's install "+d)
				}
			}
		}
	}
	var out []AgentUnit
	for _, n := range names {
		u := units[n]
		if u.masked && agent.NamePattern.MatchString(n) {
			notes = append(notes, n+" is masked: no drop-in for it")
		}
		if why[n] == "" {
			continue
		}
		au := AgentUnit{Name: n, Path: u.path, Why: why[n], Restart: u.restart}
		for _, a := range names {
			if units[a].aliasOf == n {
				au.Aliases = append(au.Aliases, a)
			}
		}
		out = append(out, au)
	}
	return out, notes
}

// systemDir reports whether dir holds the system's own programs, which are never the agent's
// install folder (a unit running /usr/bin/node does not make every node program the agent).
func systemDir(dir string) bool {
	switch strings.TrimRight(dir, "/") {
	case "", "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/lib", "/usr/lib",
		"/usr/libexec", "/lib/systemd", "/usr/lib/systemd":
		return true
	}
	return false
}

// readUnit reads the unit file name in dir: a symlink to /dev/null is a masked unit, a symlink
// to another name an alias; a file is parsed for its Description, Restart and ExecStart.
func (e *Env) readUnit(dir, name string) (*unitFile, error) {
	p := path.Join(dir, name)
	u := &unitFile{name: name, path: p, restart: "no"}
	disk := e.onDisk(p)
	st, err := os.Lstat(disk)
	if err != nil {
		return nil, fmt.Errorf("read unit %s: %w", p, err)
	}
	if st.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(disk)
		if err != nil {
			return nil, fmt.Errorf("read unit %s: %w", p, err)
		}
		if !path.IsAbs(target) {
			target = path.Join(dir, target)
		}
		switch {
		case target == "/dev/null":
			u.masked = true
			return u, nil
		case path.Base(target) != name && strings.HasSuffix(target, ".service"):
			u.aliasOf = path.Base(target)
			return u, nil
		}
		disk = e.onDisk(target)
	}
	f, err := os.Open(disk)
	if err != nil {
		return nil, fmt.Errorf("read unit %s: %w", p, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUnitFile+1))
	if err != nil {
		return nil, fmt.Errorf("read unit %s: %w", p, err)
	}
	if len(data) > maxUnitFile {
		return nil, fmt.Errorf("read unit %s: larger than %d bytes", p, maxUnitFile)
	}
	u.exec = osout.ParseUnitExecStart(bytes.NewReader(data))
	u.description, u.restart = unitSettings(data)
	return u, nil
}

// unitSettings reads a unit file's [Unit] Description= and [Service] Restart= (the last of each).
func unitSettings(data []byte) (description, restart string) {
	restart = "no"
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxUnitFile)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case section == "Unit" && k == "Description":
			description = v
		case section == "Service" && k == "Restart" && v != "":
			restart = v
		}
	}
	return description, restart
}

// systemctl is the systemctl of the system under root, by absolute path.
func (e *Env) systemctl() string {
	for _, p := range systemctlPaths {
		if _, err := os.Stat(e.onDisk(p)); err == nil {
			return p
		}
	}
	return systemctlPaths[0]
}

// dropIn is the drop-in written for each agent unit. ExecStopPost= runs whenever the unit's
// process ends, also when Restart= is about to restart it, where OnFailure= would not fire (a
// unit with Restart=always killed by SIGSEGV goes to auto-restart, never to failed). After a
// clean stop SERVICE_RESULT is "success" and nothing is started. "+" runs the command with full
// privileges when the agent runs as another user; "-" keeps its failure from changing the unit's
// result; "$$" is a literal "$" for systemd, so that the shell reads the variable.
func dropIn(systemctl, output string) string {
	return marker + "; 'opadiag crash-hook uninstall' removes it.\n" +
		"# When this service's process ends in anything but success (a crash, a signal, an exit\n" +
		"# code, a timeout), start " + CaptureUnit + ", which writes a support bundle to\n" +
		"# " + output + ". Unlike OnFailure=, ExecStopPost= also runs when Restart= restarts\n" +
		"# the service; after a clean 'systemctl stop' SERVICE_RESULT is success and nothing starts.\n" +
		"[Service]\n" +
		"ExecStopPost=-+/bin/sh -c 'if [ \"$$SERVICE_RESULT\" != success ]; then exec " + systemctl + " start --no-block " + CaptureUnit + "; fi'\n"
}

// captureUnit is the oneshot service that runs opadiag collect --trigger crash. It has no
// [Install] section: it is never enabled, only started by the drop-ins.
func captureUnit(binary, output string) string {
	return marker + "; 'opadiag crash-hook uninstall' removes it.\n" +
		"# Started by the drop-in " + DropInName + " of the agent's service when its process ends in\n" +
		"# anything but success. Never enabled; at most one bundle per 10 minutes, the newest 5 kept.\n" +
		"[Unit]\n" +
		"Description=opadiag crash capture: a support bundle after the agent's service failed\n" +
		"\n" +
		"[Service]\n" +
		"Type=oneshot\n" +
		"ExecStart=" + binary + " collect --trigger crash --quiet --output " + output + "\n" +
		"Nice=10\n" +
		"IOSchedulingClass=idle\n" +
		"TimeoutStartSec=15min\n"
}
