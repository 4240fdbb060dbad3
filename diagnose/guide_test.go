package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

// guideCase plants one condition of Celigo's troubleshooting guide in a healthy agent's bundle
// and checks the finding it raises: its severity, its evidence at the planted file and line,
// and the guide's remedy. Its negative twin plants the nearest benign thing and checks that no
// such finding (or no warn or fail) appears.
type guideCase struct {
	name  string
	step  string // the guide's step
	plant func(f *fixture) (path string, line int)
	id    string
	sev   string
	words []string // in the remedy, from the guide
	// absent: ids that must not be found; quiet: ids that may be found, but not as warn/fail.
	absent, quiet []string
	first         bool // the finding must be the first
	check         func(t *testing.T, f *manifest.Finding, all []manifest.Finding)
}

func (c guideCase) test(t *testing.T) {
	f := newFixture()
	path, line := "", 0
	if c.plant != nil {
		path, line = c.plant(f)
	}
	res := f.run()
	fs := res.Findings
	checkWellFormed(t, fs)
	if c.id != "" {
		got := byID(fs, c.id)
		if got == nil {
			t.Fatalf("no %s finding; got %s", c.id, ids(fs))
		}
		t.Logf("%s\n%s %s: %s\n%s\nremedy: %s\nevidence: %v", ids(fs), got.Severity, got.ID, got.Title, got.Detail, got.Remedy, got.Evidence)
		if got.Severity != c.sev {
			t.Errorf("%s is %s, want %s: %s", c.id, got.Severity, c.sev, got.Detail)
		}
		if path != "" {
			found := false
			for _, e := range got.Evidence {
				if e.Path == path && (line == 0 || e.Line == line) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s evidence %+v, want %s line %d", c.id, got.Evidence, path, line)
			}
		}
		for _, w := range c.words {
			if !strings.Contains(strings.ToLower(got.Remedy), strings.ToLower(w)) {
				t.Errorf("%s remedy lacks %q: %s", c.id, w, got.Remedy)
			}
		}
		if c.first && fs[0].ID != c.id {
			t.Errorf("first finding is %s, want %s: %s", fs[0].ID, c.id, ids(fs))
		}
		if c.check != nil {
			c.check(t, got, fs)
		}
	}
	for _, id := range c.absent {
		if f := byID(fs, id); f != nil {
			t.Errorf("unexpected %s (%s): %s", id, f.Severity, f.Detail)
		}
	}
	for _, id := range c.quiet {
		if f := byID(fs, id); f != nil && (f.Severity == manifest.SeverityFail || f.Severity == manifest.SeverityWarn) {
			t.Errorf("%s is %s: %s", id, f.Severity, f.Detail)
		}
	}
}

// noWarnFromLogs checks that the logs raised no warn or fail.
func noWarnOrFail(t *testing.T, fs []manifest.Finding) {
	t.Helper()
	for _, f := range fs {
		if f.Severity == manifest.SeverityFail || f.Severity == manifest.SeverityWarn {
			t.Errorf("%s %s: %s — %s", f.Severity, f.ID, f.Title, f.Detail)
		}
	}
}

func TestHealthyAgent(t *testing.T) {
	f := newFixture()
	res := f.run()
	noWarnOrFail(t, res.Findings)
	for _, id := range []string{"heartbeat.ok", "tunnel.ok", "service.running", "agent.version", "token.hash"} {
		if byID(res.Findings, id) == nil {
			t.Errorf("no %s: %s", id, ids(res.Findings))
		}
	}
	if hb := byID(res.Findings, "heartbeat.ok"); hb != nil && !strings.Contains(hb.Detail, "60 seconds before opadiag ran") {
		t.Errorf("heartbeat.ok detail: %s", hb.Detail)
	}
	if res.AgentVersion != "4.5.1" || res.AgentVersionSource != "package.json /opt/celigo-agent/resources/app/package.json" {
		t.Errorf("version %q from %q", res.AgentVersion, res.AgentVersionSource)
	}
}

func TestGuideSteps(t *testing.T) {
	dbErr := "level=error, logName=query, connectionId=5f2a9c, err=Error: getaddrinfo ENOTFOUND sqlserver01.corp.local"
	cases := []guideCase{
		// Checklist 1: the agent runs, as a service, started automatically.
		{
			name: "service stopped", step: "Confirm that the OPA is running locally",
			plant: func(f *fixture) (string, int) {
				s := &f.m.Service.Services[0]
				s.State, s.RawState, s.PID = "stopped", "inactive (dead)", 0
				f.m.System.Processes = manifest.Processes{Total: 100}
				f.log.cutAfter(at(-2 * time.Hour))
				return "service/celigo-agent.service/status.txt", 0
			},
			id: "service.not_running", sev: "fail", words: []string{"systemctl"},
		},
		{
			name: "service stopped, but the logs show it alive: say both, do not fail", step: "Confirm that the OPA is running locally",
			plant: func(f *fixture) (string, int) {
				s := &f.m.Service.Services[0]
				s.State, s.RawState, s.PID = "stopped", "inactive (dead)", 0
				f.m.System.Processes = manifest.Processes{Total: 100}
				return logPath, f.log.line(len(f.log.entries) - 2)
			},
			id: "service.not_running", sev: "warn", words: []string{"systemctl"},
			check: func(t *testing.T, f *manifest.Finding, _ []manifest.Finding) {
				if !strings.Contains(f.Detail, "logs show it alive") || !strings.Contains(f.Detail, "Heartbeat sent successfully") {
					t.Errorf("detail %s", f.Detail)
				}
			},
		},
		{
			name: "service not automatic", step: "Startup type is 'Automatic'",
			plant: func(f *fixture) (string, int) {
				f.m.Service.Services[0].AutoStart, f.m.Service.Services[0].StartType = boolp(false), "disabled"
				return "service/celigo-agent.service/status.txt", 0
			},
			id: "service.not_automatic", sev: "warn", words: []string{"enable"},
		},
		{
			name: "not running anywhere", step: "Confirm that the OPA is running locally",
			plant: func(f *fixture) (string, int) {
				f.m.Service = manifest.Service{Manager: "systemd", Available: true, Installs: f.m.Service.Installs,
					Services: []manifest.AgentService{{Name: "celigo-agent.service", State: "not_found"}}}
				f.m.System.Processes = manifest.Processes{Total: 100}
				f.log.cutAfter(at(-3 * time.Hour).Add(30 * time.Minute))
				return "system/processes.json", 0
			},
			id: "agent.not_running", sev: "fail", words: []string{"Start the agent", "service"},
		},
		{
			name: "no process seen while the logs show a heartbeat 60 s old", step: "Confirm that the OPA is running locally",
			plant: func(f *fixture) (string, int) {
				f.m.Service = manifest.Service{Manager: "none", Detail: "systemd is not running (PID 1 is bash)", Installs: f.m.Service.Installs,
					Services: []manifest.AgentService{{Name: "celigo-agent.service", State: "no_systemd"}}}
				f.m.System.Processes = manifest.Processes{Total: 12}
				return logPath, f.log.line(len(f.log.entries) - 2)
			},
			id: "agent.not_seen", sev: "info", absent: []string{"agent.not_running", "service.none"},
		},
		{
			name: "runs without a service", step: "Run in Background / As a Windows Service",
			plant: func(f *fixture) (string, int) {
				f.m.Service.Services = []manifest.AgentService{{Name: "celigo-agent.service", State: "not_found"}}
				f.m.System.Processes.Agent[0].Mode, f.m.System.Processes.Agent[0].Service = "ui-or-background", ""
				return "system/processes.json", 0
			},
			id: "service.none", sev: "warn", words: []string{"Install the service"},
		},
		{
			name: "services not queried: no claim of running without one", step: "Run in Background / As a Windows Service",
			plant: func(f *fixture) (string, int) {
				f.m.Service = manifest.Service{Manager: "scm", Detail: "OpenSCManager: Access is denied", Installs: f.m.Service.Installs,
					Services: []manifest.AgentService{{Name: "Celigo Agent", State: "unknown"}}}
				return "system/processes.json", 0
			},
			id: "service.unknown", sev: "info", absent: []string{"service.none", "agent.not_running"},
		},
		{
			name: "two instances", step: "Only one instance of the OPA can run at a time",
			plant: func(f *fixture) (string, int) {
				ps := &f.m.System.Processes
				ps.Instances = 2
				ps.Agent = append(ps.Agent, manifest.Process{PID: 4000, Mode: "ui-or-background", Instance: true})
				return "system/processes.json", 0
			},
			id: "agent.instances", sev: "fail", words: []string{"Only one instance"},
		},
		// Checklist 3: the token.
		{
			name: "empty token", step: "Verify the OPA's token configuration",
			plant: func(f *fixture) (string, int) {
				f.m.Agents[0].Settings[0].Token = &manifest.Token{Key: "token", Hash: emptyTokenHash}
				return "agent/settings.json", 0
			},
			id: "token.empty", sev: "fail", words: []string{"paste the token"},
			check: func(t *testing.T, f *manifest.Finding, all []manifest.Finding) {
				if !strings.Contains(f.Detail, `""`) || strings.Contains(f.Detail, emptyTokenHash) {
					t.Errorf("detail %s", f.Detail)
				}
				if byID(all, "token.hash") != nil {
					t.Error("an empty token has no hash to compare")
				}
			},
		},
		{
			name: "token with a trailing space", step: "Verify the OPA's token configuration",
			plant: func(f *fixture) (string, int) {
				f.m.Agents[0].Settings[0].Token.TrailingWhitespace = true
				return "agent/settings.json", 0
			},
			id: "token.malformed", sev: "fail", words: []string{"without spaces"},
		},
		{
			name: "a Windows path with tmp in it is no Settings-tmp", step: "Verify the OPA's token configuration",
			plant: func(f *fixture) (string, int) {
				f.m.Host.OS = "windows"
				f.m.Agents[0].Settings[0].Source = `C:\Users\tmpadmin\AppData\Roaming\Agent\Settings`
				return "agent/settings.json", 0
			},
			id: "token.hash", sev: "info", words: []string{"opadiag hash-token"}, absent: []string{"settings.tmp_left"},
		},
		{
			name: "Settings-tmp on Windows", step: "Verify the OPA's token configuration",
			plant: func(f *fixture) (string, int) {
				a := &f.m.Agents[0]
				a.Settings = append(a.Settings, manifest.SettingsFile{Source: `C:\Users\ops\AppData\Roaming\Agent\Settings-tmp`, Path: "agent/settings-tmp.json", Parsed: true,
					Token: &manifest.Token{Key: "token", Hash: "sha256:ffffffffffffffff", Length: 32}})
				f.other["agent/settings-tmp.json"] = "{}"
				return "agent/settings-tmp.json", 0
			},
			id: "settings.tmp_left", sev: "warn", words: []string{"restore Settings"},
		},
		{
			name: "token rejected by integrator.io", step: "You have an expired or invalid access token",
			plant: func(f *fixture) (string, int) {
				id := f.heartbeatFailures(-30*time.Minute, 0, "[ERROR] Invalid token while sending heartbeat")
				return logPath, f.log.line(id)
			},
			id: "token.rejected", sev: "fail", words: []string{"opadiag hash-token"}, first: true,
		},
		{
			name: "an on-premise API's expired token is not the agent's", step: "Authentication failures",
			plant: func(f *fixture) (string, int) {
				id := f.log.add(at(-10*time.Minute-5*time.Second), "level=error, logName=importError, url=https://erp.corp.local:8443/api/orders, status=401, message=access token expired")
				f.log.add(at(-9*time.Minute-5*time.Second), "level=error, logName=importError, url=https://erp.corp.local:8443/api/orders, status=401, message=access token expired")
				f.log.add(at(-8*time.Minute-5*time.Second), "level=error, logName=importError, url=https://erp.corp.local:8443/api/orders, status=401, message=access token expired")
				return logPath, f.log.line(id)
			},
			id: "target.auth", sev: "warn", words: []string{"not the agent's token"}, absent: []string{"token.rejected", "heartbeat.failing"},
			check: func(t *testing.T, f *manifest.Finding, _ []manifest.Finding) {
				if !strings.Contains(f.Title, "erp.corp.local:8443") {
					t.Errorf("title %s", f.Title)
				}
			},
		},
		// Checklist 4: the version.
		{
			name: "old version", step: "Your OPA version must be 3.7.0 or later",
			plant: func(f *fixture) (string, int) {
				f.m.Service.Installs[0].Version = "3.6.0"
				f.log.drop(at(-4*time.Hour), at(0), "Update for version")
				return "manifest.json", 0
			},
			id: "agent.version_old", sev: "fail", words: []string{"updates itself only when it runs as a service"},
		},
		{
			name: "a latest version line is not the running version", step: "check the version in the Linux OPA logs",
			plant: func(f *fixture) (string, int) {
				f.m.Service.Installs = nil
				f.log.drop(at(-4*time.Hour), at(0), "Update for version")
				id := f.log.add(at(-time.Hour), "level=info, logName=updater, latest version 4.6.0 is available")
				return logPath, f.log.line(id)
			},
			id: "agent.version_unknown", sev: "info", absent: []string{"agent.version"},
			check: func(t *testing.T, f *manifest.Finding, _ []manifest.Finding) {
				if !strings.Contains(f.Detail, "4.6.0") || !strings.Contains(f.Detail, "not necessarily the one running") {
					t.Errorf("detail %s", f.Detail)
				}
			},
		},
		{
			name: "the logs name another running version than the installed one", step: "Confirm your OPA's version",
			plant: func(f *fixture) (string, int) {
				id := f.log.add(at(-30*time.Minute), "level=info, logName=appStart, Update for version 4.4.0 is not available (latest version: 4.5.1).")
				return logPath, f.log.line(id)
			},
			id: "agent.version_mismatch", sev: "warn", words: []string{"Restart the agent's service"},
		},
		{
			name: "Windows Server 2012 R2", step: "Windows Server 2012 R2 must use agent 4.3.0",
			plant: func(f *fixture) (string, int) {
				f.m.Host.OS, f.m.Host.OSName, f.m.System.OS.WindowsServer2012R2 = "windows", "Windows Server 2012 R2 Standard", true
				return "system/os.json", 0
			},
			id: "os.windows_2012r2", sev: "fail", words: []string{"4.3.0"},
		},
		// Checklist 6 and "Can't find logs": logs missing or empty.
		{
			name: "no logs", step: "Can't find logs or the log files are empty",
			plant: func(f *fixture) (string, int) { f.log = nil; return "", 0 },
			id:    "logs.missing", sev: "warn", words: []string{"delete and reinstall the agent"},
		},
		{
			name: "empty logs", step: "Can't find logs or the log files are empty",
			plant: func(f *fixture) (string, int) { f.log = &logb{}; return logPath, 0 },
			id:    "logs.empty", sev: "warn", words: []string{"delete and reinstall the agent"},
		},
		// Failed to uninstall old application files.
		{
			name: "update could not uninstall old files", step: "Failed to uninstall old application files",
			plant: func(f *fixture) (string, int) {
				id := f.log.add(at(-50*time.Minute), "level=error, logName=updater, Error: Failed to uninstall old application files. Please try running the installer again.: 2")
				return logPath, f.log.line(id)
			},
			id: "update.uninstall_failed", sev: "warn", words: []string{"Restart the system", "PATH"},
		},
		{
			name: "an update that uninstalled its old files", step: "Failed to uninstall old application files",
			plant: func(f *fixture) (string, int) {
				f.log.add(at(-50*time.Minute), "level=info, logName=updater, uninstalled old application files, installing 4.5.2")
				return "", 0
			},
			absent: []string{"update.uninstall_failed"},
		},
		// Heartbeats.
		{
			name: "heartbeats failing for half an hour", step: "A failed heartbeat can appear with any of the following error log messages",
			plant: func(f *fixture) (string, int) {
				id := f.heartbeatFailures(-30*time.Minute, 0, "[ERROR] Failed to send heartbeat: Connection timeout")
				return logPath, f.log.line(id)
			},
			id: "heartbeat.failing", sev: "fail", words: []string{"process is not running", "firewall or proxy", "clock"},
			check: func(t *testing.T, f *manifest.Finding, _ []manifest.Finding) {
				if !strings.Contains(f.Detail, "30 failed heartbeats") || !strings.Contains(f.Detail, "31 minutes before opadiag ran") {
					t.Errorf("detail %s", f.Detail)
				}
			},
		},
		{
			name: "one failed heartbeat, then success", step: "Temporary Network Glitch",
			plant: func(f *fixture) (string, int) {
				id := f.heartbeatFailures(-90*time.Minute, -89*time.Minute, "[ERROR] Socket timeout during heartbeat")
				return logPath, f.log.line(id)
			},
			id: "heartbeat.recovered", sev: "info", words: []string{"glitches"}, quiet: []string{"network.timeout"}, absent: []string{"heartbeat.failing"},
		},
		{
			name: "heartbeat stopped 3 hours ago while the log goes on", step: "Long gaps between heartbeat logs could indicate the OPA stopped",
			plant: func(f *fixture) (string, int) {
				f.log.drop(at(-150*time.Minute), at(0), "Heartbeat sent successfully")
				return logPath, f.log.line(f.log.entries[len(f.log.entries)-1].id)
			},
			id: "heartbeat.stopped", sev: "fail", absent: []string{"heartbeat.ok"},
			check: func(t *testing.T, f *manifest.Finding, _ []manifest.Finding) {
				if !strings.Contains(f.Detail, "2 hours 31 minutes before opadiag ran") {
					t.Errorf("detail %s", f.Detail)
				}
			},
		},
		{
			name: "the log stops 3 hours before the run", step: "The OPA crashed or hung",
			plant: func(f *fixture) (string, int) {
				f.log.cutAfter(at(-3 * time.Hour).Add(20 * time.Minute))
				last := f.log.sorted()[len(f.log.entries)-1].id
				return logPath, f.log.line(last)
			},
			id: "logs.silent", sev: "fail", words: []string{"systemctl status celigo-agent", "uncaughtException"}, absent: []string{"heartbeat.ok"}, first: true,
			check: func(t *testing.T, f *manifest.Finding, _ []manifest.Finding) {
				if !strings.Contains(f.Detail, "2 hours 40 minutes before opadiag ran") || !strings.Contains(f.Detail, "celigo-agent.service is running") {
					t.Errorf("detail %s", f.Detail)
				}
			},
		},
		{
			name: "a silence, then the agent logs again", step: "Long gaps between heartbeat logs could indicate the OPA stopped",
			plant: func(f *fixture) (string, int) {
				f.log.drop(at(-2*time.Hour), at(-time.Hour), "")
				return logPath, 0
			},
			id: "logs.silences", sev: "warn",
		},
		{
			name: "a gap in heartbeats while the agent logs", step: "Long gaps between heartbeat logs could indicate the OPA lost connectivity",
			plant: func(f *fixture) (string, int) {
				f.log.drop(at(-2*time.Hour), at(-90*time.Minute), "Heartbeat sent successfully")
				return logPath, 0
			},
			id: "heartbeat.gaps", sev: "warn", absent: []string{"logs.silences", "heartbeat.failing"},
		},
		// Connectivity, by host.
		{
			name: "integrator.io does not resolve", step: "getaddrinfo ENOTFOUND api.integrator.io",
			plant: func(f *fixture) (string, int) {
				id := f.heartbeatFailures(-20*time.Minute, 0, "level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26) { errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'api.integrator.io' }")
				return logPath, f.log.line(id)
			},
			id: "network.dns", sev: "fail", words: []string{"nslookup api.integrator.io"}, first: true,
		},
		{
			name: "a database that does not resolve is not integrator.io", step: "Validate connection settings",
			plant: func(f *fixture) (string, int) {
				id := f.log.add(at(-40*time.Minute-10*time.Second), dbErr)
				f.log.add(at(-20*time.Minute-10*time.Second), dbErr)
				f.log.add(at(-10*time.Minute-10*time.Second), dbErr)
				return logPath, f.log.line(id)
			},
			id: "target.dns", sev: "warn", words: []string{"connections that use this agent"}, absent: []string{"network.dns", "heartbeat.failing"},
			check: func(t *testing.T, f *manifest.Finding, _ []manifest.Finding) {
				if !strings.Contains(f.Title, "sqlserver01.corp.local (a database)") || strings.Contains(f.Title, "integrator.io") {
					t.Errorf("title %s", f.Title)
				}
			},
		},
		{
			name: "the guide's multi-line ETIMEDOUT is one event", step: "connect ETIMEDOUT 72.44.45.92:443",
			plant: func(f *fixture) (string, int) {
				first := 0
				f.log.drop(at(-15*time.Minute), at(0), "Heartbeat sent successfully")
				for d := -15 * time.Minute; d < 0; d += time.Minute {
					id := f.log.add(at(d), "level=error, logName=heartbeatFailed, err=Error: connect ETIMEDOUT 72.44.45.92:443\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1300:16) {\n  errno: -4039,\n  code: 'ETIMEDOUT',\n  syscall: 'connect',\n  address: '72.44.45.92',\n  port: 443\n}")
					if first == 0 {
						first = id
					}
				}
				return logPath, f.log.line(first)
			},
			id: "network.timeout", sev: "fail", words: []string{"firewall or proxy"},
			check: func(t *testing.T, f *manifest.Finding, _ []manifest.Finding) {
				if !strings.HasPrefix(f.Detail, "15 errors") || strings.Contains(f.Detail, "unknown time") {
					t.Errorf("detail %s", f.Detail)
				}
			},
		},
		// Tunnel.
		{
			name: "heartbeats fail and no tunnel was ever created", step: "check the logs again to determine if the OPA was able to connect to a tunnel",
			plant: func(f *fixture) (string, int) {
				f.log.drop(at(-4*time.Hour), at(0), "logName=tunnel")
				id := f.heartbeatFailures(-30*time.Minute, 0, "level=error, logName=heartbeatFailed, err=Error: connect ETIMEDOUT 72.44.45.92:443")
				return logPath, f.log.line(id)
			},
			id: "tunnel.none", sev: "fail", words: []string{"noInternet"},
		},
		{
			name: "noInternet and heartbeatFailed around the same time", step: "If both noInternet and heartbeatFailed are logged around the same time",
			plant: func(f *fixture) (string, int) {
				id := f.log.add(at(-20*time.Minute).Add(-10*time.Second), "level=error, logName=noInternet")
				f.heartbeatFailures(-20*time.Minute, 0, "level=error, logName=heartbeatFailed, err=Error: connect ETIMEDOUT 72.44.45.92:443")
				return logPath, f.log.line(id)
			},
			id: "network.no_internet", sev: "fail", words: []string{"t2.micro", "packets-per-second", "CPU credit"},
		},
		{
			name: "noInternet and heartbeatFailed hours apart", step: "If both noInternet and heartbeatFailed are logged around the same time",
			plant: func(f *fixture) (string, int) {
				id := f.log.add(at(-170*time.Minute).Add(10*time.Second), "level=error, logName=noInternet")
				f.heartbeatFailures(-30*time.Minute, -29*time.Minute, "level=error, logName=heartbeatFailed, err=Error: connect ETIMEDOUT 72.44.45.92:443")
				return logPath, f.log.line(id)
			},
			id: "network.no_internet", sev: "info",
		},
		{
			name: "the tunnel keeps failing", step: "requesting tunnel failed, happening often and in continuous intervals",
			plant: func(f *fixture) (string, int) {
				first := 0
				for d := -12 * time.Minute; d < 0; d += time.Minute {
					id := f.log.add(at(d).Add(5*time.Second), "level=error, logName=requestTunnel, requesting tunnel failed\nerror={\"errno\":-3008,\"code\":\"ENOTFOUND\",\"syscall\":\"getaddrinfo\",\"hostname\":\"api.integrator.io\"}")
					if first == 0 {
						first = id
					}
				}
				return logPath, f.log.line(first)
			},
			id: "tunnel.failing", sev: "fail", words: []string{"Offline", "Celigo Support"}, absent: []string{"network.dns"},
		},
		{
			name: "three tunnel retries before connecting are normal", step: "You can expect to see this log error approximately three times",
			plant: func(f *fixture) (string, int) {
				for i := 0; i < 3; i++ {
					f.log.add(at(-time.Hour).Add(time.Duration(i)*time.Second), "level=error, logName=requestTunnel, requesting tunnel failed\nerror={\"errno\":-3008,\"code\":\"ENOTFOUND\",\"syscall\":\"getaddrinfo\",\"hostname\":\"api.integrator.io\"}")
				}
				id := f.log.add(at(-time.Hour).Add(5*time.Second), lineTunnelOK)
				return logPath, f.log.line(id)
			},
			id: "tunnel.ok", sev: "pass", absent: []string{"network.dns", "tunnel.failing", "tunnel.retries"},
		},
		{
			name: "runs of tunnel retries again and again", step: "It may be an issue with Celigo's infrastructure if it's happening often",
			plant: func(f *fixture) (string, int) {
				first := 0
				for run := 0; run < 4; run++ {
					base := at(-150*time.Minute + time.Duration(run)*30*time.Minute)
					for i := 0; i < 6; i++ {
						id := f.log.add(base.Add(time.Duration(i)*time.Second), "level=error, logName=requestTunnel, requesting tunnel failed")
						if first == 0 {
							first = id
						}
					}
					f.log.add(base.Add(10*time.Second), lineTunnelOK)
				}
				return logPath, f.log.line(first)
			},
			id: "tunnel.retries", sev: "warn", words: []string{"Offline", "Celigo Support"},
		},
		{
			name: "small EC2 instance", step: "Instance Resource Limitations (eg. AWS EC2)",
			plant: func(f *fixture) (string, int) {
				f.m.System.OS.Cloud = manifest.Cloud{Provider: "aws", InstanceType: "t3.micro"}
				return "system/os.json", 0
			},
			id: "cloud.small_instance", sev: "warn", words: []string{"t3.micro"},
		},
		// Port 7017.
		{
			name: "unable to bind 7017", step: "Unable to bind to 0.0.0.0:7017",
			plant: func(f *fixture) (string, int) {
				id := f.log.add(at(-30*time.Second), "level=error, logName=forwardInError, code=undefined, message=Unable to bind to 0.0.0.0:7017, stack=Error:")
				return logPath, f.log.line(id)
			},
			id: "port.bind", sev: "fail", words: []string{"contact Celigo Support"},
		},
		// JDBC and Oracle.
		{
			name: "java 11", step: "If you are using on-prem JDBC connections, make sure JDK 17 is installed",
			plant: func(f *fixture) (string, int) {
				f.m.System.Prerequisites.Java = manifest.Java{Found: true, Version: "11.0.2", Major: 11, Path: "/usr/bin/java", Source: "PATH"}
				return "system/prerequisites.json", 0
			},
			id: "prereq.java", sev: "info", words: []string{"JDK 17"},
		},
		{
			name: "no oracle client", step: "the Oracle instant client must be installed",
			plant: func(f *fixture) (string, int) {
				f.m.System.Prerequisites.Oracle = manifest.Oracle{Searched: []string{"/usr/lib/oracle"}}
				return "system/prerequisites.json", 0
			},
			id: "prereq.oracle", sev: "info", words: []string{"Oracle instant client"},
		},
		// Uncaught exceptions.
		{
			name: "the service crashed", step: "find uncaughtExceptionHappenedOnService and determine if it's set to True",
			plant: func(f *fixture) (string, int) {
				f.m.Agents[0].Settings[0].UncaughtExceptionHappenedOnService = boolp(true)
				f.other["agent/uncaughtException"] = "Uncaught Exception: TypeError: Cannot read properties of undefined (reading 'port')\n    at Server.listen (/opt/celigo-agent/app.js:10:5)\n"
				return "agent/uncaughtException", 0
			},
			id: "crash.service", sev: "fail", words: []string{"uncaughtException file", "Celigo Support"},
		},
		{
			name: "the crash flag is false", step: "find uncaughtExceptionHappenedOnService",
			plant: func(f *fixture) (string, int) {
				f.m.Agents[0].Settings[0].UncaughtExceptionHappenedOnService = boolp(false)
				return "", 0
			},
			absent: []string{"crash.service", "crash.file"},
		},
		{
			name: "uncaught exception in the log", step: "Search for common keywords: Uncaught Exception, UnhandledPromiseRejection",
			plant: func(f *fixture) (string, int) {
				id := f.log.add(at(-45*time.Minute), "level=error, logName=uncaughtException, err=UnhandledPromiseRejection: TypeError: Cannot read properties of null\n    at forward (/opt/celigo-agent/app.js:1:2)")
				return logPath, f.log.line(id)
			},
			id: "logs.exceptions", sev: "warn", words: []string{"stack traces"},
		},
		{
			name: "out of memory", step: "Out of Memory (OOM)",
			plant: func(f *fixture) (string, int) {
				id := f.log.add(at(-45*time.Minute), "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory")
				return logPath, f.log.line(id)
			},
			id: "resources.memory", sev: "warn", words: []string{"memory"},
		},
		{
			name: "file descriptors", step: "File descriptor or memory limits",
			plant: func(f *fixture) (string, int) {
				id := f.log.add(at(-45*time.Minute), "level=error, err=Error: EMFILE: too many open files, open '/root/.config/agent/server.log'")
				return logPath, f.log.line(id)
			},
			id: "resources.files", sev: "warn", words: []string{"LimitNOFILE"},
		},
		{
			name: "missing environment variable", step: "Missing environment variables",
			plant: func(f *fixture) (string, int) {
				id := f.log.add(at(-45*time.Minute), "level=error, err=Error: Missing environment variable ORACLE_HOME")
				return logPath, f.log.line(id)
			},
			id: "env.missing", sev: "warn", words: []string{"restart the agent's service"},
		},
		{
			name: "OOM killer in the system log", step: "check for system-level triggers (dmesg)",
			plant: func(f *fixture) (string, int) {
				f.m.System.OOM = []manifest.LogLine{{Path: "system/dmesg.txt", Line: 12, Text: "Out of memory: Killed process 1187 (agent)"}}
				return "system/dmesg.txt", 12
			},
			id: "system.oom_killer", sev: "warn", words: []string{"memory"},
		},
		{
			name: "EPERM after uninstalling the service", step: "Error: EPERM: operation not permitted, unlink",
			plant: func(f *fixture) (string, int) {
				id := f.log.add(at(-45*time.Minute), "level=error, logName=uncaughtException, Error: EPERM: operation not permitted, unlink 'C:\\ProgramData\\agent\\daemon\\agent.exe'")
				return logPath, f.log.line(id)
			},
			id: "service.uninstall_eperm", sev: "warn", words: []string{"Uninstall service again"},
		},
		// Unexpected restarts.
		{
			name: "restarts without a shutdown", step: "Unexpected restarts or shutdowns",
			plant: func(f *fixture) (string, int) {
				id := f.log.add(at(-90*time.Minute).Add(30*time.Second), "level=info, logName=appStart, Update for version 4.5.1 is not available (latest version: 4.5.1).")
				f.log.add(at(-40*time.Minute).Add(30*time.Second), "level=info, logName=appStart, Update for version 4.5.1 is not available (latest version: 4.5.1).")
				return logPath, f.log.line(id)
			},
			id: "agent.restarts", sev: "warn", words: []string{"uncaughtException"},
		},
		{
			name: "a clean restart", step: "Unexpected restarts or shutdowns",
			plant: func(f *fixture) (string, int) {
				f.log.add(at(-90*time.Minute).Add(25*time.Second), "level=info, logName=appQuit, shutting down")
				f.log.add(at(-90*time.Minute).Add(30*time.Second), "level=info, logName=appStart, Update for version 4.5.1 is not available (latest version: 4.5.1).")
				return "", 0
			},
			absent: []string{"agent.restarts"},
		},
		{
			name: "the service restarted (journal)", step: "Unexpected restarts or shutdowns",
			plant: func(f *fixture) (string, int) {
				s := &f.m.Service.Services[0]
				s.Journal = &manifest.JournalSummary{Path: "service/celigo-agent.service/journal.txt", Failures: 1}
				f.other["service/celigo-agent.service/journal.txt"] = "2026-11-28T10:41:55+0000 opa-01 systemd[1]: celigo-agent.service: Main process exited, code=killed, status=9/KILL\n" +
					"2026-11-28T10:42:05+0000 opa-01 systemd[1]: Started Celigo On-Premise Agent.\n"
				return "service/celigo-agent.service/journal.txt", 1
			},
			id: "service.restarts", sev: "warn", words: []string{"uncaughtException"},
		},
		{
			name: "PATH without System32", step: "the Windows system PATH environment variable is in a corrupted or inconsistent state",
			plant: func(f *fixture) (string, int) {
				f.m.Host.OS = "windows"
				f.m.System.OS.Path = &manifest.WindowsPath{Machine: manifest.PathFacts{Entries: []string{`C:\Program Files\Agent`}}}
				return "system/os.json", 0
			},
			id: "os.path_system32", sev: "warn", words: []string{"Restart the server"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, c.test)
	}
}
