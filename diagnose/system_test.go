package diagnose

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

func boolp(b bool) *bool { return &b }
func intp(n int) *int    { return &n }

// base is a manifest of a Linux host with the agent's home, its service running and enabled,
// one instance, version 4.5.1 and Java 17 with the Oracle client.
func base() *manifest.Manifest {
	return &manifest.Manifest{
		Host:   manifest.Host{OS: "linux"},
		Agents: []manifest.Agent{{ID: 1, Home: "/root/.config/agent", Folder: "agent"}},
		Service: manifest.Service{Manager: "systemd", Available: true, Services: []manifest.AgentService{
			{Name: "celigo-agent.service", Found: true, State: "running", RawState: "active (running)", StartType: "enabled", AutoStart: boolp(true), PID: 10, Restarts: intp(0)},
			{Name: "celigoagent.service", State: "not_found"},
		}, Installs: []manifest.Install{{Source: "package.json", Where: "/opt/agent/package.json", Version: "4.5.1", Dir: "/opt/agent"}}},
		System: manifest.System{
			Processes:     manifest.Processes{Instances: 1, Agent: []manifest.Process{{PID: 10, Mode: "service", Instance: true, Service: "celigo-agent.service"}}},
			Resources:     manifest.Resources{MemoryTotal: 8 << 30, MemoryAvailable: 4 << 30, Disks: []manifest.Disk{{Purpose: "agent home", Path: "/root", Total: 100 << 30, Free: 50 << 30}}},
			Prerequisites: manifest.Prerequisites{Java: manifest.Java{Found: true, Version: "17.0.9", Major: 17}, Oracle: manifest.Oracle{Found: true}},
		},
	}
}

func findingIDs(fs []manifest.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID+":"+f.Severity)
	}
	sort.Strings(out)
	return out
}

func TestSystemChecks(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(m *manifest.Manifest)
		want  []string // findings (id:severity) of the system checks
		check func(t *testing.T, fs []manifest.Finding)
	}{
		{name: "healthy", edit: func(m *manifest.Manifest) {}, want: []string{"agent.version:pass", "service.running:pass"}},
		{
			name: "stopped, disabled, restarted, UI still open",
			edit: func(m *manifest.Manifest) {
				s := &m.Service.Services[0]
				s.State, s.RawState, s.AutoStart, s.StartType, s.Restarts, s.Result, s.ExitCode = "failed", "failed (failed)", boolp(false), "disabled", intp(5), "oom-kill", "status=9 (killed)"
				s.Journal = &manifest.JournalSummary{Path: "service/celigo-agent.service/journal.txt", Failures: 2, OOMKills: 1}
				m.System.Processes = manifest.Processes{Instances: 1, Agent: []manifest.Process{{PID: 20, Mode: "ui-or-background", Instance: true}}}
			},
			want: []string{"agent.version:pass", "service.not_automatic:warn", "service.not_running:fail", "service.restarts:warn", "system.oom_killer:warn"},
			check: func(t *testing.T, fs []manifest.Finding) {
				for _, f := range fs {
					if f.ID == "service.not_running" && (!strings.Contains(f.Detail, "oom-kill") || !strings.Contains(f.Remedy, "Only one instance")) {
						t.Errorf("not_running = %+v", f)
					}
				}
			},
		},
		{
			name: "no service, agent in the background",
			edit: func(m *manifest.Manifest) {
				m.Service.Services[0] = manifest.AgentService{Name: "celigo-agent.service", State: "not_found"}
				m.System.Processes.Agent[0].Mode = "ui-or-background"
			},
			want: []string{"agent.version:pass", "service.none:warn"},
		},
		{
			name: "no systemd, nothing running",
			edit: func(m *manifest.Manifest) {
				m.Service = manifest.Service{Manager: "none", Detail: "systemd is not running (PID 1 is bash)", Services: []manifest.AgentService{
					{Name: "celigo-agent.service", State: "no_systemd"}, {Name: "celigoagent.service", State: "no_systemd"}}, Installs: m.Service.Installs}
				m.System.Processes = manifest.Processes{Total: 80}
			},
			want: []string{"agent.not_running:fail", "agent.version:pass"},
			check: func(t *testing.T, fs []manifest.Finding) {
				for _, f := range fs {
					if f.ID == "agent.not_running" && !strings.Contains(f.Detail, "PID 1 is bash") {
						t.Errorf("detail = %q", f.Detail)
					}
				}
			},
		},
		{
			name: "no systemd, processes not listed: unknown, not a failure",
			edit: func(m *manifest.Manifest) {
				m.Service = manifest.Service{Manager: "none", Detail: "systemd is not running (PID 1 is bash)", Services: []manifest.AgentService{
					{Name: "celigo-agent.service", State: "no_systemd"}}, Installs: m.Service.Installs}
				m.System.Processes = manifest.Processes{Errors: []string{"list processes: permission denied"}}
			},
			want: []string{"agent.state_unknown:info", "agent.version:pass"},
		},
		{
			name: "services not queried, an instance runs: no claim about a service",
			edit: func(m *manifest.Manifest) {
				m.Service = manifest.Service{Manager: "scm", Detail: "Access is denied", Services: []manifest.AgentService{
					{Name: "Celigo Agent", State: "unknown"}}, Installs: m.Service.Installs}
				m.System.Processes = manifest.Processes{Total: 80, Instances: 1, Agent: []manifest.Process{{PID: 20, Mode: "background", Instance: true}}}
			},
			want: []string{"agent.version:pass", "service.unknown:info"},
			check: func(t *testing.T, fs []manifest.Finding) {
				if f := byID(fs, "service.unknown"); f == nil || strings.Contains(f.Title, "without a service") || !strings.Contains(f.Detail, "Access is denied") {
					t.Errorf("service.unknown = %+v", f)
				}
			},
		},
		{
			name: "no agent anywhere: agent.not_found speaks",
			edit: func(m *manifest.Manifest) {
				m.Agents = nil
				m.Service.Installs = nil
				m.Service = manifest.Service{Manager: "none", Services: []manifest.AgentService{{Name: "celigo-agent.service", State: "no_systemd"}}}
				m.System.Processes = manifest.Processes{}
			},
			want: nil,
		},
		{
			name: "two instances",
			edit: func(m *manifest.Manifest) {
				m.System.Processes = manifest.Processes{Instances: 2, Agent: []manifest.Process{
					{PID: 10, Mode: "service", Instance: true, Service: "celigo-agent.service"},
					{PID: 11, Mode: "helper"},
					{PID: 20, Mode: "ui", Instance: true, User: "ops"}}}
			},
			want: []string{"agent.instances:fail", "agent.version:pass", "service.running:pass"},
			check: func(t *testing.T, fs []manifest.Finding) {
				for _, f := range fs {
					if f.ID == "agent.instances" && f.Detail != "Agent main processes: PID 10 (service celigo-agent.service), PID 20 (ui, user ops). Only one instance may run: several fight over the tunnel and the local port (Unable to bind to 0.0.0.0:7017) and stop the service from starting." {
						t.Errorf("detail = %q", f.Detail)
					}
				}
			},
		},
		{name: "old version", edit: func(m *manifest.Manifest) { m.Service.Installs[0].Version = "3.6.12" }, want: []string{"agent.version_old:fail", "service.running:pass"}},
		{name: "3.10 is newer than 3.7", edit: func(m *manifest.Manifest) { m.Service.Installs[0].Version = "3.10.0" }, want: []string{"agent.version:pass", "service.running:pass"}},
		{name: "unknown version", edit: func(m *manifest.Manifest) { m.Service.Installs = nil }, want: []string{"agent.version_unknown:info", "service.running:pass"}},
		{
			name: "windows 2012 R2 with 4.5.1",
			edit: func(m *manifest.Manifest) {
				m.System.OS.WindowsServer2012R2, m.Host.OSName = true, "Windows Server 2012 R2 Standard"
			},
			want: []string{"os.windows_2012r2:fail", "service.running:pass"},
		},
		{
			name: "windows 2012 R2 with 4.3.0",
			edit: func(m *manifest.Manifest) {
				m.System.OS.WindowsServer2012R2, m.Service.Installs[0].Version = true, "4.3.0"
			},
			want: []string{"os.windows_2012r2:info", "service.running:pass"},
		},
		{
			name: "windows PATH without System32",
			edit: func(m *manifest.Manifest) {
				m.System.OS.Path = &manifest.WindowsPath{
					Machine: manifest.PathFacts{Entries: []string{`C:\Windows`}, Empty: 2},
					Process: manifest.PathFacts{Entries: []string{`C:\Windows\system32`}, HasSystem32: true}}
			},
			want: []string{"agent.version:pass", "os.path_system32:warn", "service.running:pass"},
		},
		{
			name: "java 11, no oracle client",
			edit: func(m *manifest.Manifest) {
				m.System.Prerequisites = manifest.Prerequisites{Java: manifest.Java{Found: true, Version: "11.0.2", Major: 11, Path: "/usr/bin/java", Source: "PATH"}}
			},
			want: []string{"agent.version:pass", "prereq.java:info", "prereq.oracle:info", "service.running:pass"},
		},
		{
			name: "low memory and disk, tiny instance, low file limit",
			edit: func(m *manifest.Manifest) {
				r := &m.System.Resources
				r.MemoryTotal, r.MemoryAvailable = 1<<30, 200<<20
				r.Disks = append(r.Disks, manifest.Disk{Purpose: "output", Path: "/tmp", Total: 10 << 30, Free: 300 << 20})
				m.System.OS.Cloud.InstanceType = "t3.micro"
				m.System.Processes.Agent[0].OpenFiles = &manifest.Limit{Soft: "1024", Hard: "4096"}
			},
			want: []string{"agent.version:pass", "cloud.small_instance:warn", "resources.low_disk:warn", "resources.low_memory:warn", "resources.open_files_limit:info", "service.running:pass"},
		},
		{
			name: "small but idle server",
			edit: func(m *manifest.Manifest) {
				m.System.Resources.MemoryTotal, m.System.Resources.MemoryAvailable = 1<<30, 900<<20
			},
			want: []string{"agent.version:pass", "resources.small_memory:info", "service.running:pass"},
		},
		{
			name: "windows crash events",
			edit: func(m *manifest.Manifest) {
				m.Service.Events = []manifest.EventCount{{Log: "System", ID: 7031, Count: 3, Path: "service/events-scm.txt", Line: 9}, {Log: "System", ID: 7036, Count: 10}}
			},
			want: []string{"agent.version:pass", "service.restarts:warn", "service.running:pass"},
			check: func(t *testing.T, fs []manifest.Finding) {
				for _, f := range fs {
					if f.ID == "service.restarts" && (len(f.Evidence) != 1 || f.Evidence[0].Line != 9) {
						t.Errorf("evidence = %+v", f.Evidence)
					}
				}
			},
		},
		{
			name: "denied without elevation",
			edit: func(m *manifest.Manifest) {
				m.Invocation.Denied = []manifest.Denied{{Collector: "system", What: "/var/log/syslog", Error: "permission denied", Hint: "run opadiag again as root (sudo opadiag)"}}
			},
			want: []string{"agent.version:pass", "privilege.denied:info", "service.running:pass"},
		},
		{name: "service collector did not run", edit: func(m *manifest.Manifest) { m.Service = manifest.Service{} }, want: []string{}},
		{
			name: "strict mode: the token could not be learned",
			edit: func(m *manifest.Manifest) {
				m.Redaction.Strict, m.Redaction.StrictReason = true, "/root/.config/agent/Settings: permission denied"
				m.Agents[0].Settings = []manifest.SettingsFile{{Source: "/root/.config/agent/Settings", Error: "permission denied"}}
			},
			want: []string{"agent.version:pass", "redaction.strict:warn", "service.running:pass"},
			check: func(t *testing.T, fs []manifest.Finding) {
				for _, f := range fs {
					if f.ID == "redaction.strict" && !strings.Contains(f.Detail, "permission denied") {
						t.Errorf("the reason is not given: %+v", f)
					}
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.edit(m)
			in := testInput(m, nil)
			var fs []manifest.Finding
			for _, c := range []check{checkService, checkInstances, checkVersion, checkPath, checkPrerequisites, checkOOM, checkResourcesLow, checkInstanceType, checkDenied, checkStrict} {
				fs = append(fs, c(in)...)
			}
			got := findingIDs(fs)
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("findings = %v, want %v", got, tt.want)
			}
			for _, f := range fs {
				if f.Title == "" || f.Severity != manifest.SeverityPass && f.Remedy == "" {
					t.Errorf("finding without title or remedy: %+v", f)
				}
			}
			if tt.check != nil {
				tt.check(t, fs)
			}
		})
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"3.7.0", "3.7.0", 0},
		{"3.6.9", "3.7.0", -1},
		{"3.10.0", "3.7.0", 1},
		{"v4.3.0", "4.3.0", 0},
		{"4.3", "4.3.0", 0},
		{"4.3.0-beta.1", "4.3.0", 0},
		{"4.3.1", "4.3.0", 1},
	}
	for _, tt := range tests {
		if got := compareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestLogScanVersion(t *testing.T) {
	tests := []struct {
		name    string
		lines   string
		current string
		latest  string
		line    int
	}{
		{"electron-updater", "2025-07-28T09:12:03.514Z: level=info, Checking for update\n" +
			"2025-07-28T09:12:03.900Z: level=info, Update for version 4.5.1 is not available (latest version: 4.5.1, downgrade is disallowed).\n", "4.5.1", "4.5.1", 2},
		{"the running version, not a newer latest one", "2025-07-29T09:00:00.000Z: latest version: 4.6.0\n2025-07-28T09:00:00.000Z: Update for version 4.5.1 is not available (latest version: 4.5.1)\n", "4.5.1", "4.5.1", 2},
		{"the latest only", "2025-07-29T09:00:00.000Z: Found version 4.6.0 (url: x.exe)\n", "", "4.6.0", 1},
		{"newest running version wins", "2025-07-28T09:00:00.000Z: current version: 4.5.0\n2025-07-29T09:00:00.000Z: current version: 4.5.1\n", "4.5.1", "", 2},
		{"journal prefix", "2025-07-28T09:12:03+0000 opa-01 agent[1187]: current version: v4.4.2, latest version 4.5.0.\n", "4.4.2", "4.5.0", 1},
		{"no number", "2025-07-28T09:12:03.514Z: you run the latest version\n", "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newLogScan(time.UTC)
			w := s.File("agent/logs/server.log")
			w.Write([]byte(tt.lines))
			w.Close()
			vm, ok := s.AgentVersion()
			if ok != (tt.line > 0) || vm.Current != tt.current || vm.Latest != tt.latest || vm.Ref.Line != tt.line {
				t.Errorf("got %+v %v", vm, ok)
			}
		})
	}
}

func TestIsTinyInstance(t *testing.T) {
	for itype, want := range map[string]bool{
		"t2.micro": true, "t3.small": true, "T3A.nano": true, "t4g.small": true,
		"t3.medium": false, "m5.large": false, "": false, "t3": false,
	} {
		if got := isTinyInstance(itype); got != want {
			t.Errorf("isTinyInstance(%q) = %v, want %v", itype, got, want)
		}
	}
}
