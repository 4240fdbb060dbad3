package diagnose

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/opadiag/opadiag/internal/winpath"
	"github.com/opadiag/opadiag/manifest"
)

// This file holds the checks over the service and system collectors' records: the guide's
// first checklist (running, as a service, started automatically, one instance, a recent
// version, a supported OS) and the system-level causes of crashes it names (memory, disk, file
// descriptors, small cloud instances, a damaged PATH).

// Versions the guide names.
const (
	minAgentVersion   = "3.7.0" // older agents do not receive automatic updates
	win2012R2Version  = "4.3.0" // the only version supported on Windows Server 2012 R2
	lowMemoryBytes    = 512 << 20
	smallMemoryBytes  = 2 << 30
	lowDiskBytes      = 1 << 30
	lowOpenFilesLimit = 4096
)

const (
	remedyStartWindows = "Press Win+R, type services.msc, find Celigo Agent, set its Startup type to Automatic and start it."
	remedyStartLinux   = "Run: sudo systemctl enable --now celigo-agent (or the unit named here), then check it with systemctl status celigo-agent."
	remedyOneInstance  = "Only one instance of the agent can run on a machine. Close the agent's window completely (and end its tasks in Task Manager, or kill them on Linux), then start only the service."
)

func startRemedy(goos string) string {
	if goos == "windows" {
		return remedyStartWindows
	}
	return remedyStartLinux
}

// serviceEvidence points at a service's files in the bundle.
func serviceEvidence(s manifest.AgentService) []manifest.Evidence {
	var ev []manifest.Evidence
	for _, f := range s.Files {
		ev = append(ev, manifest.Evidence{Path: f})
	}
	return ev
}

func checkService(in *input) []manifest.Finding {
	m := in.m
	svc := m.Service
	if svc.Manager == "" {
		return nil // the service collector did not run
	}
	var out []manifest.Finding
	var found []manifest.AgentService
	for _, s := range svc.Services {
		if s.Found {
			found = append(found, s)
		}
	}
	instances := m.System.Processes.Instances
	if len(found) == 0 {
		return append(out, checkNoService(in, instances)...)
	}
	alive, aliveRef := in.logsAlive()
	for _, s := range found {
		name := s.Name
		if s.DisplayName != "" && s.DisplayName != s.Name {
			name = s.DisplayName + " (" + s.Name + ")"
		}
		ev := serviceEvidence(s)
		switch s.State {
		case "running":
			out = append(out, finding("service.running", manifest.SeverityPass, "The agent's service "+name+" is running",
				fmt.Sprintf("State %s, start type %s, PID %d.", s.RawState, orUnknown(s.StartType), s.PID), "", ev...))
		default:
			detail := fmt.Sprintf("The service %s is %s", name, s.State)
			if s.RawState != "" {
				detail += " (" + s.RawState + ")"
			}
			detail += "."
			if s.ExitCode != "" {
				detail += " Last exit: " + s.ExitCode + "."
			}
			if s.Result != "" && s.Result != "success" {
				detail += " Result: " + s.Result + "."
			}
			sev := manifest.SeverityFail
			remedy := startRemedy(m.Host.OS) + " If it stops again, read its log and uncaughtException file in this bundle."
			switch {
			case instances > 0:
				detail += " " + counts(instances, "agent instance", "run") + " outside the service (UI or background mode)."
				remedy = "The agent runs outside its service. " + remedyOneInstance + " " + remedy
			case alive:
				// The machine and the logs disagree: say what each says, and do not fail on it.
				sev = manifest.SeverityWarn
				detail += " Yet the agent's logs show it alive: " + aliveRef.Text + " (" + in.before(aliveRef.Time) + "). " +
					"opadiag may not see where the agent runs (a container, another account's session), or the logs come from another machine."
				ev = append(ev, refs(aliveRef)...)
			}
			out = append(out, finding("service.not_running", sev, "The agent's service "+name+" is not running", detail, remedy, ev...))
		}
		if s.AutoStart != nil && !*s.AutoStart {
			out = append(out, finding("service.not_automatic", manifest.SeverityWarn, "The agent's service "+name+" does not start automatically",
				"Its start type is "+orUnknown(s.StartType)+": after a restart of the server the agent stays offline.",
				startRemedy(m.Host.OS), ev...))
		}
		out = append(out, serviceRestarts(in, s, name)...)
	}
	return out
}

// checkNoService: no service was found, or none could be queried. The agent may run in its UI
// or in the background, or not at all; the logs may say otherwise than the machine.
func checkNoService(in *input, instances int) []manifest.Finding {
	m := in.m
	svc := m.Service
	looked := make([]string, 0, len(svc.Services))
	for _, s := range svc.Services {
		looked = append(looked, s.Name)
	}
	queried := svc.Available
	detail := "No service " + listSome(looked, " or ") + " is installed."
	if !queried {
		d := svc.Detail
		if d == "" {
			d = "no reason given"
		}
		detail = "The service manager could not be queried: " + d + "."
	}
	alive, aliveRef := in.logsAlive()
	ev := []manifest.Evidence{}
	if processesListed(m) {
		ev = append(ev, manifest.Evidence{Path: "system/processes.json"})
	}
	switch {
	case instances > 0 && queried:
		return []manifest.Finding{finding("service.none", manifest.SeverityWarn, "The agent runs without a service (UI or background mode)",
			detail+" "+counts(instances, "agent instance", "run")+" as a program instead.",
			"Without a service the agent stops when its user logs off, and it does not update itself automatically. "+
				"Install the service from the agent's window, close the window completely, then make sure only the service runs.", ev...)}
	case instances > 0:
		return []manifest.Finding{finding("service.unknown", manifest.SeverityInfo, "The agent runs; whether as a service could not be told",
			detail+" "+counts(instances, "agent instance", "run")+".",
			"If the agent is not installed as a service, install it from the agent's window: without one it stops when its user "+
				"logs off and does not update itself. "+remedyElevate, ev...)}
	case len(m.Agents) == 0 && len(svc.Installs) == 0:
		return nil // agent.not_found says it all
	case alive:
		say := "no agent process runs"
		if !processesListed(m) {
			say = "its processes could not be listed"
		}
		return []manifest.Finding{finding("agent.not_seen", manifest.SeverityInfo, "The logs show the agent alive, but this machine shows no agent",
			detail+" On this machine "+say+". The agent's logs say: "+aliveRef.Text+" ("+in.before(aliveRef.Time)+").",
			"opadiag may not see where the agent runs (a container, another machine whose folder was passed with --agent-dir, "+
				"another account). Run opadiag where the agent runs, elevated. "+remedyElevate, append(ev, refs(aliveRef)...)...)}
	case !processesListed(m):
		return []manifest.Finding{finding("agent.state_unknown", manifest.SeverityInfo, "Whether the agent runs could not be told",
			detail+" The processes could not be listed either.", remedyElevate, ev...)}
	}
	remedy := "Start the agent. Installing it as a service (from the agent's window, or on Linux with the install script) keeps it " +
		"running across logoffs and restarts and lets it update itself."
	sev := manifest.SeverityFail
	if !queried {
		detail += " Whether a service is installed is not known."
	}
	if n := in.lf.newest; n.Path != "" {
		detail += " The newest line of its logs is " + in.before(n.Time) + "."
		ev = append(ev, refs(n)...)
	}
	return []manifest.Finding{finding("agent.not_running", sev, "The agent is not running", detail+" No agent process runs.", remedy, ev...)}
}

// serviceRestarts reports a service that restarted or crashed: systemd's restart counter and
// failures in its journal, or the Service Control Manager's crash events.
func serviceRestarts(in *input, s manifest.AgentService, name string) []manifest.Finding {
	var parts []string
	var ev []manifest.Evidence
	if s.Restarts != nil && *s.Restarts > 0 {
		parts = append(parts, fmt.Sprintf("systemd restarted it %d times since it was loaded", *s.Restarts))
		ev = append(ev, serviceEvidence(s)...)
	}
	if j := s.Journal; j != nil && j.Failures > 0 {
		parts = append(parts, "its journal shows "+count(j.Failures, "failure")+" within --since")
		ev = append(ev, manifest.Evidence{Path: j.Path})
		for _, p := range in.lf.points[svcCrash] {
			if p.Ref.Path == j.Path && len(ev) < 6 {
				ev = append(ev, refs(p.Ref)...)
			}
		}
	}
	for _, e := range in.m.Service.Events {
		if e.ID == 7031 || e.ID == 7034 || e.ID == 7023 || e.ID == 7000 || e.ID == 7009 {
			what := map[int]string{7031: "terminated unexpectedly", 7034: "terminated unexpectedly", 7023: "terminated with an error",
				7000: "failed to start", 7009: "did not start in time"}[e.ID]
			p := fmt.Sprintf("%d Service Control Manager events %d (%s)", e.Count, e.ID, what)
			if e.Last != nil {
				p += ", the last " + stamp(*e.Last)
			}
			parts = append(parts, p)
			ev = append(ev, manifest.Evidence{Path: e.Path, Line: e.Line})
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return []manifest.Finding{finding("service.restarts", manifest.SeverityWarn, "The agent's service "+name+" stopped or crashed",
		listSome(parts, "; ")+".",
		"Read the agent's uncaughtException file and logs in this bundle around those times. Common causes: memory or "+
			"file-descriptor limits, the OOM killer, another agent instance holding its port. If the cause is not clear, "+
			"send this bundle to Celigo Support.", ev...)}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func checkInstances(in *input) []manifest.Finding {
	ps := in.m.System.Processes
	if ps.Instances <= 1 {
		return nil
	}
	var desc []string
	var ev []manifest.Evidence
	for _, p := range ps.Agent {
		if p.Instance {
			d := fmt.Sprintf("PID %d (%s", p.PID, p.Mode)
			if p.Service != "" {
				d += " " + p.Service
			}
			if p.User != "" {
				d += ", user " + p.User
			}
			desc = append(desc, d+")")
		}
	}
	ev = append(ev, manifest.Evidence{Path: "system/processes.json"})
	return []manifest.Finding{finding("agent.instances", manifest.SeverityFail,
		fmt.Sprintf("%d instances of the agent are running", ps.Instances),
		"Agent main processes: "+listSome(desc, ", ")+". Only one instance may run: several fight over the tunnel "+
			"and the local port (Unable to bind to 0.0.0.0:7017) and stop the service from starting.",
		remedyOneInstance, ev...)}
}

// compareVersions compares dotted versions numerically ("3.10.0" > "3.7.0"); what follows the
// numbers (-beta) is ignored.
func compareVersions(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func versionParts(v string) []int {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	var out []int
	for _, p := range strings.Split(v, ".") {
		end := 0
		for end < len(p) && p[end] >= '0' && p[end] <= '9' {
			end++
		}
		n, err := strconv.Atoi(p[:end])
		if err != nil {
			break
		}
		out = append(out, n)
		if end < len(p) {
			break
		}
	}
	return out
}

// versionInfo is the agent's version from the most reliable source: the install its service
// runs (Uninstall registry key, package.json, app.asar), else any install, else the newest log
// line naming the running version. A line naming only the latest available version never
// gives the running one.
type versionInfo struct {
	version, source string
	ev              []manifest.Evidence
	logged, latest  *VersionMention
}

func agentVersion(m *manifest.Manifest, scan *LogScan) versionInfo {
	windows := m.Host.OS == "windows"
	var programs []string // of the services found
	for _, s := range m.Service.Services {
		if s.Found && s.BinaryPath != "" {
			programs = append(programs, winpath.CommandLineBinary(s.BinaryPath))
		}
	}
	var chosen, first *manifest.Install
	for i := range m.Service.Installs {
		in := &m.Service.Installs[i]
		if in.Version == "" {
			continue
		}
		if first == nil {
			first = in
		}
		for _, bin := range programs {
			if chosen == nil && winpath.Under(bin, in.Dir, windows || windowsPath(in.Dir)) {
				chosen = in
			}
		}
	}
	if chosen == nil {
		chosen = first
	}
	var vi versionInfo
	if chosen != nil {
		vi.version, vi.source = chosen.Version, strings.TrimSpace(chosen.Source+" "+chosen.Where)
		vi.ev = []manifest.Evidence{{Path: "manifest.json"}}
	}
	vm := scan.mentions()
	if vm.current.Ref.Path != "" {
		vi.logged = &vm.current
	}
	if vm.latest.Ref.Path != "" {
		vi.latest = &vm.latest
	}
	if vi.version == "" && vi.logged != nil {
		vi.version = vi.logged.Current
		vi.source = fmt.Sprintf("log %s line %d", vi.logged.Ref.Path, vi.logged.Ref.Line)
		vi.ev = refs(vi.logged.Ref)
	}
	return vi
}

func checkVersion(in *input) []manifest.Finding {
	m := in.m
	h := m.Host
	vi := in.version
	v := vi.version
	if v == "" && m.Service.Manager == "" {
		return nil // nothing was looked at
	}
	var out []manifest.Finding
	from := ""
	if vi.source != "" {
		from = " (read from " + vi.source + ")"
	}
	ev := vi.ev
	r2 := m.System.OS.WindowsServer2012R2
	switch {
	case v == "" && r2:
		out = append(out, finding("os.windows_2012r2", manifest.SeverityWarn, "Windows Server 2012 R2: the agent must be version 4.3.0",
			"This server runs "+h.OSName+" and the agent's version could not be read.",
			"Celigo ended support for Windows Server 2012 R2: install agent version 4.3.0 exactly. Newer versions update "+
				"themselves and break on this OS; 4.3.0 does not update itself.", manifest.Evidence{Path: "system/os.json"}))
		return out
	case r2 && compareVersions(v, win2012R2Version) != 0:
		out = append(out, finding("os.windows_2012r2", manifest.SeverityFail, "Windows Server 2012 R2 needs agent version 4.3.0, this is "+v,
			"This server runs "+h.OSName+" with agent "+v+from+".",
			"Celigo ended support for Windows Server 2012 R2. Uninstall this agent and install version 4.3.0: other versions "+
				"update themselves, which breaks the agent's configuration and makes flows fail.", append(ev, manifest.Evidence{Path: "system/os.json"})...))
		return append(out, versionMismatch(in)...)
	case r2:
		out = append(out, finding("os.windows_2012r2", manifest.SeverityInfo, "Windows Server 2012 R2 with agent 4.3.0",
			"This server runs "+h.OSName+" with agent 4.3.0"+from+", the version Celigo requires there.",
			"Agent 4.3.0 does not update itself: keep it, and plan a move to a supported Windows Server.", append(ev, manifest.Evidence{Path: "system/os.json"})...))
		return append(out, versionMismatch(in)...)
	case v == "":
		if len(m.Agents) == 0 && len(m.Service.Installs) == 0 {
			return nil
		}
		detail := "No Uninstall registry entry, package.json or log line named the running version."
		var ev []manifest.Evidence
		if vi.latest != nil {
			detail += fmt.Sprintf(" The logs name only the latest available version, %s (%s line %d), which is not necessarily the one running.",
				vi.latest.Latest, vi.latest.Ref.Path, vi.latest.Ref.Line)
			ev = refs(vi.latest.Ref)
		}
		return append(out, finding("agent.version_unknown", manifest.SeverityInfo, "The agent's version could not be determined", detail,
			"Windows: Control Panel → Programs and Features shows Celigo Agent's version. Linux: search the agent's logs for "+
				"\"latest version\" (journalctl -u celigoagent.service -n 1000). The version must be 3.7.0 or later.", ev...))
	}
	if compareVersions(v, minAgentVersion) < 0 {
		out = append(out, finding("agent.version_old", manifest.SeverityFail, "The agent is version "+v+", older than 3.7.0",
			"Agent "+v+from+". Versions before 3.7.0 do not receive automatic updates, which may cause the problems you see.",
			"Install the current agent. The agent updates itself only when it runs as a service and, on Windows, with "+
				"administrator rights.", ev...))
	} else {
		out = append(out, finding("agent.version", manifest.SeverityPass, "The agent is version "+v, "Agent "+v+from+".", "", ev...))
	}
	out = append(out, versionMismatch(in)...)
	if l := vi.latest; l != nil && compareVersions(l.Latest, v) > 0 && compareVersions(v, minAgentVersion) >= 0 {
		out = append(out, finding("agent.update_available", manifest.SeverityInfo, "A newer agent, "+l.Latest+", is available",
			fmt.Sprintf("The agent is %s%s; its logs name %s as the latest version (%s line %d, %s).", v, from, l.Latest, l.Ref.Path, l.Ref.Line, stamp(l.Ref.Time)),
			"The agent updates itself when it runs as a service (on Windows with administrator rights). If it stays on the old "+
				"version, check that it runs as a service, or install the new version.", refs(l.Ref)...))
	}
	return out
}

// versionMismatch reports logs that say the agent runs another version than the one installed:
// an update not applied, or a stale install record.
func versionMismatch(in *input) []manifest.Finding {
	vi := in.version
	l := vi.logged
	if l == nil || strings.HasPrefix(vi.source, "log ") || vi.version == "" || compareVersions(l.Current, vi.version) == 0 {
		return nil
	}
	why := "the installed update is not running yet: the agent was not restarted since"
	if compareVersions(l.Current, vi.version) > 0 {
		why = "the install record (" + vi.source + ") was not updated with the agent, or another copy of the agent runs"
	}
	return []manifest.Finding{finding("agent.version_mismatch", manifest.SeverityWarn,
		"The logs say the agent runs "+l.Current+", but "+vi.version+" is installed",
		fmt.Sprintf("Installed: %s (%s). The agent's log says it runs %s (%s line %d, %s): %s.", vi.version, vi.source, l.Current,
			l.Ref.Path, l.Ref.Line, stamp(l.Ref.Time), why),
		"Restart the agent's service so that the installed version runs; if the logs keep naming another version, make sure "+
			"only one copy of the agent is installed and runs, and reinstall it.", append(refs(l.Ref), vi.ev...)...)}
}

func checkPath(in *input) []manifest.Finding {
	p := in.m.System.OS.Path
	if p == nil {
		return nil
	}
	var bad []string
	if len(p.Machine.Entries) > 0 && !p.Machine.HasSystem32 {
		bad = append(bad, "the machine's PATH (registry)")
	}
	if len(p.Process.Entries) > 0 && !p.Process.HasSystem32 {
		bad = append(bad, "this session's PATH")
	}
	ev := []manifest.Evidence{{Path: "system/os.json"}}
	switch {
	case len(bad) > 0:
		return []manifest.Finding{finding("os.path_system32", manifest.SeverityWarn, "The Windows PATH is missing System32",
			strings.Join(bad, " and ")+" lacks %SystemRoot%\\System32. The guide blames a damaged PATH after an automatic update "+
				"for \"Failed to uninstall old application files\".",
			"Restart the server: Windows repairs and reloads the PATH at start-up. If System32 is still missing, add "+
				"%SystemRoot%\\system32 back (System Properties → Environment Variables → Path).", ev...)}
	case p.Machine.Empty > 0:
		return []manifest.Finding{finding("os.path_empty_entries", manifest.SeverityInfo, "The Windows PATH has empty entries",
			fmt.Sprintf("The machine's PATH has %d empty entries (;;), a sign it was edited badly.", p.Machine.Empty),
			"If the agent reports \"Failed to uninstall old application files\" after an update, restart the server.", ev...)}
	}
	return nil
}

// agentPresent reports whether any trace of the agent was found: a home, an install, a
// service or a process. Prerequisites matter only then.
func agentPresent(m *manifest.Manifest) bool {
	if len(m.Agents) > 0 || len(m.Service.Installs) > 0 || m.System.Processes.Instances > 0 {
		return true
	}
	for _, s := range m.Service.Services {
		if s.Found {
			return true
		}
	}
	return false
}

func checkPrerequisites(in *input) []manifest.Finding {
	if in.m.Service.Manager == "" || !agentPresent(in.m) {
		return nil
	}
	pr := in.m.System.Prerequisites
	ev := []manifest.Evidence{{Path: "system/prerequisites.json"}}
	var out []manifest.Finding
	j := pr.Java
	switch {
	case !j.Found:
		out = append(out, finding("prereq.java", manifest.SeverityInfo, "Java is not installed (needed only for on-prem JDBC connections)",
			"No java on PATH and no JAVA_HOME.", "If this agent serves JDBC connections, install JDK 17.", ev...))
	case j.Major != 17:
		v := j.Version
		if v == "" {
			v = "of an unknown version"
		}
		out = append(out, finding("prereq.java", manifest.SeverityInfo, "Java "+v+" is installed, not 17 (matters for on-prem JDBC connections)",
			"java at "+j.Path+" ("+j.Source+") is "+v+".", "If this agent serves JDBC connections, install JDK 17 and point JAVA_HOME at it.", ev...))
	}
	if !pr.Oracle.Found {
		out = append(out, finding("prereq.oracle", manifest.SeverityInfo, "No Oracle instant client found (needed only for Oracle connections)",
			"Looked in: "+listSome(pr.Oracle.Searched, ", ")+".",
			"If this agent serves Oracle database connections, install the Oracle instant client on this machine and put it on "+
				"PATH (Windows) or the loader's path (Linux).", ev...))
	}
	return out
}

func checkOOM(in *input) []manifest.Finding {
	sys := in.m.System
	var ev []manifest.Evidence
	for i, l := range sys.OOM {
		if i < 5 || i == len(sys.OOM)-1 {
			ev = append(ev, manifest.Evidence{Path: l.Path, Line: l.Line})
		}
	}
	journal := 0
	for _, s := range in.m.Service.Services {
		if s.Journal != nil {
			journal += s.Journal.OOMKills
		}
		if s.Result == "oom-kill" {
			journal++
		}
	}
	if len(sys.OOM) == 0 && journal == 0 {
		return nil
	}
	detail := count(len(sys.OOM), "OOM-killer line") + " in the system logs"
	if last := sys.OOM; len(last) > 0 {
		detail += "; the last: " + last[len(last)-1].Text
	}
	if journal > 0 {
		detail += fmt.Sprintf("; the agent's service was killed by the OOM killer (%d journal lines or results)", journal)
	}
	return []manifest.Finding{finding("system.oom_killer", manifest.SeverityWarn, "The system ran out of memory and killed processes", detail+".",
		"Out of memory makes the operating system kill processes, the agent among them. Give the server more memory or stop "+
			"other programs on it: Celigo recommends a small server dedicated to the agent.", ev...)}
}

func checkResourcesLow(in *input) []manifest.Finding {
	r := in.m.System.Resources
	var out []manifest.Finding
	ev := []manifest.Evidence{{Path: "system/resources.json"}}
	if r.MemoryTotal > 0 {
		low := max(uint64(lowMemoryBytes), r.MemoryTotal/10)
		switch {
		case r.MemoryAvailable < low:
			out = append(out, finding("resources.low_memory", manifest.SeverityWarn, "Little memory is free",
				fmt.Sprintf("%s of %s memory available.", manifest.FormatSize(r.MemoryAvailable), manifest.FormatSize(r.MemoryTotal)),
				"The agent crashes or is killed when memory runs out. Stop other programs or give the server more memory.", ev...))
		case r.MemoryTotal < smallMemoryBytes:
			out = append(out, finding("resources.small_memory", manifest.SeverityInfo, "The server has less than 2 GiB of memory",
				fmt.Sprintf("%s of memory in all, %s available.", manifest.FormatSize(r.MemoryTotal), manifest.FormatSize(r.MemoryAvailable)),
				"A server this small is easily exhausted by the agent's flows; watch for out-of-memory crashes.", ev...))
		}
	}
	for _, d := range r.Disks {
		if d.Total == 0 || d.Error != "" {
			continue
		}
		if d.Free < lowDiskBytes || d.Free < d.Total/20 {
			out = append(out, finding("resources.low_disk", manifest.SeverityWarn, "Little disk space where the "+d.Purpose+" lives",
				fmt.Sprintf("%s: %s free of %s.", d.Path, manifest.FormatSize(d.Free), manifest.FormatSize(d.Total)),
				"The agent cannot write its logs and settings on a full disk. Free some space.", ev...))
		}
	}
	for _, p := range in.m.System.Processes.Agent {
		if p.OpenFiles == nil || !(p.Instance || p.Mode == "service") {
			continue
		}
		if n, err := strconv.Atoi(p.OpenFiles.Soft); err == nil && n < lowOpenFilesLimit {
			out = append(out, finding("resources.open_files_limit", manifest.SeverityInfo,
				fmt.Sprintf("The agent may open only %d files", n),
				fmt.Sprintf("Process %d has an open-files limit of %s (hard %s). File-descriptor limits are among the causes of "+
					"uncaught exceptions the guide names.", p.PID, p.OpenFiles.Soft, p.OpenFiles.Hard),
				"If the logs show EMFILE or too many open files, raise LimitNOFILE= in the agent's unit and restart it.",
				manifest.Evidence{Path: "system/processes.json"}))
			break
		}
	}
	return out
}

func checkInstanceType(in *input) []manifest.Finding {
	c := in.m.System.OS.Cloud
	if !isTinyInstance(c.InstanceType) {
		return nil
	}
	return []manifest.Finding{finding("cloud.small_instance", manifest.SeverityWarn, "The agent runs on a small "+c.InstanceType+" instance",
		"The firmware says this is an EC2 "+c.InstanceType+" instance.",
		"Low-tier instances (t2.micro, t3.micro, t3.small) hit network bandwidth, packets-per-second and CPU credit limits, "+
			"which shows as heartbeat failures and noInternet in the logs. Move the agent to a larger instance type.",
		manifest.Evidence{Path: "system/os.json"})}
}

// isTinyInstance reports the low-tier cloud instance types the guide warns about (t2/t3/t3a/t4g
// nano, micro, small): network bandwidth, packets-per-second and CPU credit limits make the
// agent lose its connection.
func isTinyInstance(t string) bool {
	t = strings.ToLower(t)
	fam, size, ok := strings.Cut(t, ".")
	if !ok {
		return false
	}
	switch fam {
	case "t2", "t3", "t3a", "t4g":
		return size == "nano" || size == "micro" || size == "small"
	}
	return false
}

func checkDenied(in *input) []manifest.Finding {
	d := in.m.Invocation.Denied
	if len(d) == 0 {
		return nil
	}
	var what []string
	for i, x := range d {
		if i == 8 {
			what = append(what, fmt.Sprintf("and %d more", len(d)-8))
			break
		}
		what = append(what, cutItem(x.What))
	}
	sev := manifest.SeverityInfo
	title := "Some things could not be read without more rights"
	if in.m.Invocation.Elevated {
		title = "Some things could not be read even with elevated rights"
	}
	return []manifest.Finding{finding("privilege.denied", sev, title,
		"Permission denied: "+strings.Join(what, "; ")+". Each is listed with its error in the manifest's invocation.denied.",
		d[0].Hint+".")}
}

// checkStrict tells the user that the agent token could not be learned, so the bundle was
// redacted in strict mode: every token-shaped string is [REDACTED], which may hide request ids
// support would have liked to read.
func checkStrict(in *input) []manifest.Finding {
	r := in.m.Redaction
	if !r.Strict {
		return nil
	}
	remedy := "Nothing leaked: every string shaped like a token was redacted instead, which may also hide ids support would read. " +
		"To have only the token hashed, make its Settings file readable to opadiag: " + remedyElevate
	var ev []manifest.Evidence
	for _, a := range in.m.Agents {
		for _, s := range a.Settings {
			if s.Path != "" {
				ev = append(ev, manifest.Evidence{Path: s.Path})
			}
		}
	}
	return []manifest.Finding{finding("redaction.strict", manifest.SeverityWarn,
		"The agent token could not be learned: the bundle was redacted in strict mode",
		"Why: "+cutItem(r.StrictReason)+".", remedy, ev...)}
}
