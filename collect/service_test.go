package collect

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/collect/osout"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/platform"
)

// readTestdata reads a file of testdata/, with {{ROOT}} replaced by root.
func readTestdata(t *testing.T, name, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "{{ROOT}}", root)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		writeFile(t, p, got)
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

const showProps = "--property=Id,Names,Description,LoadState,ActiveState,SubState,UnitFileState,MainPID,ExecMainPID,ExecMainStatus,ExecMainCode,ExecMainStartTimestamp,ExecMainExitTimestamp,NRestarts,Result,ExecStart,FragmentPath,DropInPaths,ActiveEnterTimestamp,InactiveEnterTimestamp,User,Group,WorkingDirectory,Restart,LimitNOFILE,MemoryCurrent"

// linuxHost lays out a root with the agent's unit, drop-in and install, and returns it.
func linuxHost(t *testing.T) string {
	root := t.TempDir()
	writeFile(t, root+"/etc/systemd/system/celigo-agent.service", readTestdata(t, "linux/celigo-agent.service", root))
	writeFile(t, root+"/etc/systemd/system/celigo-agent.service.d/override.conf", "[Service]\nEnvironment=AGENT_PASSWORD=s3cr3t-0verride\n")
	writeFile(t, root+"/opt/celigo-agent/agent", "#!/bin/sh\n")
	writeFile(t, root+"/opt/celigo-agent/resources/app/package.json", `{"name":"celigo-agent","productName":"Celigo Agent","version":"4.5.1"}`)
	return root
}

func newLinuxService(t *testing.T, root string, r *fakeRunner, booted bool, exists func(string) bool) *serviceCollector {
	paths := defaultPaths()
	paths.unitDirs = []string{root + "/etc/systemd/system", root + "/lib/systemd/system"}
	paths.exists = exists
	c := &serviceCollector{
		os: &fakeOS{goos: "linux", booted: booted, pid1: "systemd"}, open: platformOpener{platform.Current()}, runner: r,
		since: 168 * time.Hour, maxFile: 1 << 20,
		paths: paths, cmdTimeout: 300 * time.Millisecond, slowTimeout: 300 * time.Millisecond,
	}
	return c
}

func TestServiceLinux(t *testing.T) {
	root := linuxHost(t)
	since := time.Date(2025, 7, 22, 12, 0, 0, 0, time.UTC).Local().Format("2006-01-02 15:04:05")
	r := &fakeRunner{cmds: map[string]fakeCmd{
		"/usr/bin/systemctl show celigo-agent.service --no-pager " + showProps:                               {out: readTestdata(t, "linux/show-celigo-agent.txt", root)},
		"/usr/bin/systemctl show celigoagent.service --no-pager " + showProps:                                {out: readTestdata(t, "linux/show-celigoagent.txt", root)},
		"/usr/bin/systemctl show opa.service --no-pager " + showProps:                                        {out: readTestdata(t, "linux/show-opa.txt", root)},
		"/usr/bin/systemctl list-units --type=service --all --no-legend --plain --no-pager":                  {out: readTestdata(t, "linux/list-units.txt", root)},
		"/usr/bin/systemctl show --no-pager --property=Id,Description,ExecStart *":                           {out: readTestdata(t, "linux/show-candidates.txt", root)},
		"/usr/bin/systemctl status celigo-agent.service --no-pager --full --lines=20":                        {out: readTestdata(t, "linux/status-running.txt", root)},
		"/usr/bin/systemctl status opa.service --no-pager --full --lines=20":                                 {out: "○ opa.service - On-premise agent (integrator.io)\n     Active: inactive (dead)\n", exit: 3},
		"/usr/bin/journalctl -u celigo-agent.service --since " + since + " -n 20000 -o short-iso --no-pager": {out: readTestdata(t, "linux/journal.txt", root)},
		// A journalctl that hangs past its deadline: killed, recorded, the run goes on.
		"/usr/bin/journalctl -u opa.service *": {hang: true},
	}}
	c := newLinuxService(t, root, r, true, existsOnly("/usr/bin/systemctl", "/usr/bin/journalctl", root+"/opt/celigo-agent/resources/app/package.json"))
	res := runCollectors(t, "linux", true, Facts{}, c)
	dirs, pids, _, published := c.learned()
	if !published || len(dirs) != 2 || dirs[0] != root+"/opt/celigo-agent" || pids[1187] != "celigo-agent.service" {
		t.Errorf("facts published: dirs %v pids %v", dirs, pids)
	}
	// The journals are read in phase 2, by the events collector, given the units found.
	col := res.collector(t, "events")
	if col.Status != manifest.StatusPartial || !strings.Contains(strings.Join(col.Problems, "\n"), "journalctl -u opa.service: killed at its deadline") {
		t.Errorf("collector = %+v, want partial with the hung journalctl", col)
	}
	if cmd := res.command(t, "/usr/bin/journalctl -u opa.service"); cmd.ExitCode != -1 || !strings.Contains(cmd.Error, "deadline") {
		t.Errorf("hung command recorded as %+v", cmd)
	}
	svc := res.m.Service
	if svc.Manager != "systemd" || !svc.Available || len(svc.Services) != 3 {
		t.Fatalf("service section = %+v", svc)
	}
	a := res.service(t, "celigo-agent.service")
	if !a.Found || a.State != "running" || a.StartType != "enabled" || a.AutoStart == nil || !*a.AutoStart || a.PID != 1187 ||
		a.Restarts == nil || *a.Restarts != 2 || a.Account != "root" || a.Journal == nil || a.Journal.Entries != 14 || a.Journal.OOMKills != 2 {
		t.Errorf("celigo-agent.service = %+v journal %+v", a, a.Journal)
	}
	if n := res.service(t, "celigoagent.service"); n.Found || n.State != "not_found" {
		t.Errorf("celigoagent.service = %+v", n)
	}
	if o := res.service(t, "opa.service"); !o.Found || o.State != "stopped" || !strings.Contains(o.Why, "names the agent") || o.AutoStart == nil || *o.AutoStart {
		t.Errorf("opa.service = %+v", o)
	}
	for _, f := range []string{"service/celigo-agent.service/show.txt", "service/celigo-agent.service/status.txt",
		"service/celigo-agent.service/celigo-agent.service", "service/celigo-agent.service/celigo-agent.service.d/override.conf",
		"service/celigo-agent.service/journal.txt", "service/celigoagent.service/show.txt"} {
		if _, ok := res.files[f]; !ok {
			t.Errorf("%s missing from the bundle", f)
		}
	}
	unit := res.files["service/celigo-agent.service/celigo-agent.service"]
	drop := res.files["service/celigo-agent.service/celigo-agent.service.d/override.conf"]
	if strings.Contains(unit, "Pr0xyPa55") || strings.Contains(drop, "s3cr3t-0verride") || !strings.Contains(unit, "ExecStart=") {
		t.Errorf("unit files not redacted:\n%s\n%s", unit, drop)
	}
	if len(svc.Installs) != 2 || svc.Installs[0].Version != "4.5.1" || svc.Installs[0].Source != "package.json" || svc.Installs[1].Dir != "/home/ops/OnPremAgent" {
		t.Errorf("installs = %+v", svc.Installs)
	}
	h := res.m.Host
	if h.ServiceState != "running" || h.ServiceStartType != "enabled" || h.AgentVersion != "4.5.1" || !strings.HasPrefix(h.AgentVersionSource, "package.json ") {
		t.Errorf("host = %+v", h)
	}
	// The journal is in the bundle for the log checks: the agent's version line is there.
	if j := res.files["service/celigo-agent.service/journal.txt"]; !strings.Contains(j, "4.5.1") {
		t.Errorf("journal.txt = %q", j)
	}
	for _, id := range []string{"service.running", "service.restarts", "service.not_automatic", "agent.version"} {
		if res.finding(id) == nil {
			t.Errorf("no finding %s in %+v", id, res.m.Findings)
		}
	}
}

func TestServiceLinuxNoSystemd(t *testing.T) {
	tests := []struct {
		name    string
		booted  bool
		exists  []string
		detail  string
		unit    bool
		version string
	}{
		{name: "systemd not PID 1", booted: false, exists: []string{"/usr/bin/systemctl"}, detail: "systemd is not running (PID 1 is systemd)"},
		{name: "no systemctl", booted: true, detail: "systemctl is not installed"},
		{name: "unit file left on a machine without systemd", booted: false, exists: []string{"/bin/systemctl"}, unit: true, version: "4.2.0", detail: "systemd is not running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			exists := tt.exists
			if tt.unit {
				writeFile(t, root+"/lib/systemd/system/celigoagent.service", "[Service]\nExecStart=/usr/bin/node "+root+"/srv/agent/main.js\n")
				asar := makeAsar(map[string]string{"package.json": `{"name":"agent","version":"4.2.0"}`})
				writeFile(t, root+"/srv/agent/resources/app.asar", string(asar))
				exists = append(exists, root+"/lib/systemd/system/celigoagent.service", root+"/srv/agent/resources/app.asar")
			}
			r := &fakeRunner{}
			c := newLinuxService(t, root, r, tt.booted, existsOnly(exists...))
			res := runCollectors(t, "linux", false, Facts{}, c)
			if col := res.collector(t, "service"); col.Status != manifest.StatusOK {
				t.Errorf("collector = %+v, want ok: no systemd is a state, not a failure", col)
			}
			if len(r.calls) != 0 {
				t.Errorf("commands run without systemd: %v", r.calls)
			}
			svc := res.m.Service
			if svc.Manager != "none" || svc.Available || !strings.Contains(svc.Detail, tt.detail) || len(svc.Services) != 2 {
				t.Fatalf("service = %+v", svc)
			}
			for _, s := range svc.Services {
				if s.State != "no_systemd" || s.Found {
					t.Errorf("%s = %+v", s.Name, s)
				}
			}
			if res.m.Host.ServiceState != "no_systemd" {
				t.Errorf("host service state = %q", res.m.Host.ServiceState)
			}
			if tt.unit {
				s := res.service(t, "celigoagent.service")
				if s.UnitFile == "" || !strings.Contains(s.Why, "unit file exists") || res.files["service/celigoagent.service/celigoagent.service"] == "" {
					t.Errorf("unit file on disk not collected: %+v", s)
				}
				if len(svc.Installs) != 1 || svc.Installs[0].Version != tt.version || svc.Installs[0].Source != "app.asar" || svc.Installs[0].Dir != root+"/srv/agent" {
					t.Errorf("installs = %+v", svc.Installs)
				}
			}
			if _, _, _, published := c.learned(); !published {
				t.Error("facts never published")
			}
		})
	}
}

func TestServiceLinuxMissingCommand(t *testing.T) {
	root := linuxHost(t)
	// journalctl "exists" but cannot be started; systemctl status is missing from the table.
	r := &fakeRunner{cmds: map[string]fakeCmd{
		"/usr/bin/systemctl show celigo-agent.service --no-pager " + showProps: {out: readTestdata(t, "linux/show-celigo-agent.txt", root)},
		"/usr/bin/systemctl show celigoagent.service --no-pager " + showProps:  {out: readTestdata(t, "linux/show-celigoagent.txt", root)},
		"/usr/bin/systemctl list-units *":                                      {out: ""},
	}}
	c := newLinuxService(t, root, r, true, existsOnly("/usr/bin/systemctl", "/usr/bin/journalctl"))
	res := runCollectors(t, "linux", true, Facts{}, c)
	col := res.collector(t, "service")
	if col.Status != manifest.StatusPartial {
		t.Fatalf("collector = %+v", col)
	}
	cmd := res.command(t, "/usr/bin/journalctl")
	if cmd.ExitCode != -1 || !strings.Contains(cmd.Error, "executable file not found") {
		t.Errorf("missing journalctl recorded as %+v", cmd)
	}
	if s := res.service(t, "celigo-agent.service"); s.State != "running" || len(s.Errors) != 2 {
		t.Errorf("service = %+v, want running with 2 errors (status, journal)", s)
	}
}

func TestServiceWindows(t *testing.T) {
	const key = "celigoagent.exe"
	sc := `C:\Windows\System32\sc.exe`
	wev := `C:\Windows\System32\wevtutil.exe`
	read := func(name string) string { return readTestdata(t, "../osout/testdata/"+name, "") }
	tests := []struct {
		name      string
		errs      []error
		cmds      map[string]fakeCmd
		status    string
		startType string
		recovery  int
		problems  int
	}{
		{
			name: "API and sc.exe work", status: manifest.StatusOK, startType: "Automatic (Delayed)", recovery: 3,
			cmds: map[string]fakeCmd{
				sc + " queryex " + key:  {out: read("sc/queryex-running.txt")},
				sc + " qc " + key:       {out: read("sc/qc-delayed.txt")},
				sc + " qfailure " + key: {out: read("sc/qfailure.txt")},
			},
		},
		{
			// Wine: QueryServiceConfig2 fails with "Invalid level" and sc.exe knows no qc,
			// queryex or qfailure. The collector degrades to partial with the errors.
			name: "wine", status: manifest.StatusPartial, startType: "Automatic", recovery: -1, problems: 2,
			errs: []error{
				&platform.QueryError{Part: platform.PartDelayed, Service: key, Err: errInvalidLevel},
				&platform.QueryError{Part: platform.PartRecovery, Service: key, Err: errInvalidLevel},
			},
			cmds: map[string]fakeCmd{sc + " *": {exit: 1}},
		},
		{
			// The API misses the delayed flag and the recovery actions, sc.exe gives them.
			name: "sc.exe fills what the API missed", status: manifest.StatusOK, startType: "Automatic (Delayed)", recovery: 3,
			errs: []error{
				&platform.QueryError{Part: platform.PartDelayed, Service: key, Err: errInvalidLevel},
				&platform.QueryError{Part: platform.PartRecovery, Service: key, Err: errInvalidLevel},
			},
			cmds: map[string]fakeCmd{
				sc + " queryex " + key:  {out: read("sc/queryex-running.txt")},
				sc + " qc " + key:       {out: read("sc/qc-delayed.txt")},
				sc + " qfailure " + key: {out: read("sc/qfailure.txt")},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds := map[string]fakeCmd{
				wev + " qe System *":      {out: read("wevtutil/scm.xml")},
				wev + " qe Application *": {out: read("wevtutil/application.xml")},
			}
			for k, v := range tt.cmds {
				cmds[k] = v
			}
			r := &fakeRunner{cmds: cmds}
			detail := platform.ServiceDetail{Name: key, DisplayName: "Celigo Agent", State: "running", RawState: "RUNNING", PID: 4312,
				StartType: "Automatic", BinaryPath: `"C:\Program Files\Celigo Agent\resources\app.asar.unpacked\daemon\celigoagent.exe"`, Account: "LocalSystem"}
			if tt.recovery > 0 && len(tt.errs) == 0 {
				detail.StartType = "Automatic (Delayed)"
				detail.Recovery = &platform.Recovery{ResetPeriodS: 86400, Actions: []platform.RecoveryAction{{Type: "restart", DelayMS: 60000}, {Type: "restart", DelayMS: 60000}, {Type: "restart", DelayMS: 120000}}}
			}
			fos := &fakeOS{goos: "windows", env: map[string]string{"SystemRoot": `C:\Windows`},
				scm: &fakeSCM{
					list: []platform.ServiceEntry{
						{Name: "wuauserv", DisplayName: "Windows Update", State: "running"},
						{Name: key, DisplayName: "Celigo Agent", State: "running", PID: 4312},
					},
					details: map[string]platform.ServiceDetail{key: detail},
					errs:    map[string][]error{key: tt.errs},
				},
				keys: []platform.RegistryKey{
					{Path: `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{6F1B}_is1`, Values: map[string]string{
						"DisplayName": "Celigo Agent 4.5.1", "DisplayVersion": "4.5.1", "Publisher": "Celigo, Inc.",
						"InstallLocation": `C:\Program Files\Celigo Agent\`, "InstallDate": "20250612"}},
					{Path: `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\7-Zip`, Values: map[string]string{"DisplayName": "7-Zip 23.01 (x64)"}},
				},
				keyErrs: []error{&os.PathError{Op: "open", Path: `HKU\S-1-5-21-1\Software`, Err: os.ErrPermission}},
			}
			c := &serviceCollector{os: fos, open: platformOpener{platform.Current()}, runner: r, since: 168 * time.Hour,
				maxFile: 1 << 20,
				paths:   sysPaths{exists: existsOnly()}, cmdTimeout: time.Second, slowTimeout: time.Second}
			res := runCollectors(t, "windows", false, Facts{}, c)
			col := res.collector(t, "service")
			// The registry key that could not be read is one problem in every case.
			if col.Status != manifest.StatusPartial || len(col.Problems) != tt.problems+1 {
				t.Errorf("collector = %+v, want %d problems", col, tt.problems+1)
			}
			s := res.service(t, key)
			if !s.Found || s.State != "running" || s.StartType != tt.startType || s.PID != 4312 || s.Account != "LocalSystem" ||
				s.DisplayName != "Celigo Agent" || s.AutoStart == nil || !*s.AutoStart {
				t.Errorf("service = %+v", s)
			}
			switch {
			case tt.recovery < 0 && s.Recovery != nil:
				t.Errorf("recovery = %+v, want none", s.Recovery)
			case tt.recovery > 0 && (s.Recovery == nil || len(s.Recovery.Actions) != tt.recovery):
				t.Errorf("recovery = %+v", s.Recovery)
			}
			svc := res.m.Service
			if len(svc.Installs) != 1 || svc.Installs[0].Version != "4.5.1" || svc.Installs[0].Scope != "all-users" {
				t.Errorf("installs = %+v", svc.Installs)
			}
			if res.m.Host.AgentVersion != "4.5.1" || !strings.HasPrefix(res.m.Host.AgentVersionSource, `registry HKLM\`) {
				t.Errorf("host = %+v", res.m.Host)
			}
			var crashes *manifest.EventCount
			for i := range svc.Events {
				if svc.Events[i].ID == 7031 {
					crashes = &svc.Events[i]
				}
			}
			if len(svc.Events) != 2 || crashes == nil || crashes.Count != 1 || crashes.Line != 2 || crashes.Path != "service/events-scm.txt" {
				t.Errorf("events = %+v", svc.Events)
			}
			if len(res.m.Invocation.Denied) != 1 || !strings.Contains(res.m.Invocation.Denied[0].Hint, "sudo") && !strings.Contains(res.m.Invocation.Denied[0].Hint, "administrator") {
				t.Errorf("denied = %+v", res.m.Invocation.Denied)
			}
			app := res.files["service/events-application.txt"]
			if strings.Contains(app, "Hunter2") || !strings.Contains(app, "Application Error  1000  Celigo Agent.exe | 4.5.1.0") {
				t.Errorf("application events:\n%s", app)
			}
			if tt.name == "API and sc.exe work" {
				golden(t, "windows/events-scm.txt", res.files["service/events-scm.txt"])
				for _, f := range []string{"service/celigoagent.exe/sc-queryex.txt", "service/celigoagent.exe/sc-qc.txt", "service/celigoagent.exe/sc-qfailure.txt"} {
					if res.files[f] == "" {
						t.Errorf("%s missing", f)
					}
				}
				out, _ := json.MarshalIndent(res.m.Service, "", "  ")
				golden(t, "windows/service.json", string(out)+"\n")
			}
			if res.finding("service.restarts") == nil || res.finding("service.running") == nil {
				t.Errorf("findings = %+v", res.m.Findings)
			}
		})
	}
}

func TestServiceWindowsNotFound(t *testing.T) {
	tests := []struct {
		name   string
		os     *fakeOS
		state  string
		status string
	}{
		{"no agent service", &fakeOS{goos: "windows", scm: &fakeSCM{list: []platform.ServiceEntry{{Name: "Spooler", DisplayName: "Print Spooler"}}}}, "not_found", manifest.StatusOK},
		{"the SCM refuses", &fakeOS{goos: "windows", scmErr: errors.New("open the service control manager: Access is denied.")}, "unknown", manifest.StatusPartial},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fakeRunner{cmds: map[string]fakeCmd{`C:\Windows\System32\wevtutil.exe *`: {}}}
			c := &serviceCollector{os: tt.os, open: platformOpener{platform.Current()}, runner: r, since: time.Hour, maxFile: 1 << 20,
				paths: sysPaths{exists: existsOnly()}, cmdTimeout: time.Second, slowTimeout: time.Second}
			res := runCollectors(t, "windows", false, Facts{}, c)
			if col := res.collector(t, "service"); col.Status != tt.status {
				t.Errorf("collector = %+v", col)
			}
			s := res.service(t, "Celigo Agent")
			if s.Found || s.State != tt.state {
				t.Errorf("service = %+v", s)
			}
			if r.called(`C:\Windows\System32\wevtutil.exe qe System`) {
				t.Error("SCM events queried without a service to ask about")
			}
			if !r.called(`C:\Windows\System32\wevtutil.exe qe Application`) {
				t.Error("Application errors not queried")
			}
		})
	}
}

func TestCommandText(t *testing.T) {
	utf16 := []byte{0xff, 0xfe, '<', 0, 'E', 0, '>', 0, 0xe9, 0}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"utf-8", []byte("<Event>é</Event>"), "<Event>é</Event>"},
		{"utf-8 bom", []byte("\ufeff<E>"), "<E>"},
		{"utf-16 bom", utf16, "<E>é"},
		{"utf-16 without bom", utf16[2:], "<E>é"},
		{"invalid bytes", []byte("a\xffb"), "a\ufffdb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := commandText(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAddEvents(t *testing.T) {
	wev := `C:\Windows\System32\wevtutil.exe`
	read := func(name string) string { return readTestdata(t, "../osout/testdata/"+name, "") }
	tests := []struct {
		name    string
		cmds    map[string]fakeCmd
		lines   int
		denied  bool
		problem bool
	}{
		{name: "rendered xml", cmds: map[string]fakeCmd{wev + " qe System *": {out: read("wevtutil/scm.xml")}}, lines: 2},
		{name: "rendering fails: raw xml", lines: 2, cmds: map[string]fakeCmd{
			wev + " qe System /q:* /c:10 /rd:true /f:RenderedXml": {exit: 15, stderr: "Failed to render event. The specified resource type cannot be found in the image file."},
			wev + " qe System /q:* /c:10 /rd:true /f:xml":         {out: read("wevtutil/scm.xml")}}},
		{name: "text output", cmds: map[string]fakeCmd{wev + " qe System *": {out: read("wevtutil/scm.txt")}}, lines: 2},
		{name: "access denied", cmds: map[string]fakeCmd{wev + " qe System *": {exit: 5, stderr: "Failed to read events. Access is denied."}}, denied: true},
		{name: "broken xml", cmds: map[string]fakeCmd{wev + " qe System *": {out: "<Event><System>"}}, problem: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fakeRunner{cmds: tt.cmds}
			names := []string{"Celigo Agent"}
			c := collectorFunc{name: "service", fn: func(ctx context.Context, b *bundle.Bundle) error {
				counts, events, err := addEvents(ctx, b, r, time.Second, wev, "service/events-scm.txt", "System", "*", 10,
					func(e osout.Event) bool { return e.Mentions(names) }, time.Hour)
				if err != nil {
					b.Problem("%v", err)
				}
				if len(events) != tt.lines || tt.lines > 0 && len(counts) != 2 {
					t.Errorf("%d events, counts %+v", len(events), counts)
				}
				return nil
			}}
			res := runCollectors(t, "windows", false, Facts{}, c)
			if got := len(res.m.Invocation.Denied) > 0; got != tt.denied {
				t.Errorf("denied = %+v", res.m.Invocation.Denied)
			}
			if got := res.collector(t, "service").Status == manifest.StatusPartial; got != tt.problem && !tt.denied {
				t.Errorf("collector = %+v", res.collector(t, "service"))
			}
			if tt.lines > 0 && strings.Count(res.files["service/events-scm.txt"], "\n") != tt.lines {
				t.Errorf("events file:\n%s", res.files["service/events-scm.txt"])
			}
			if tt.problem && res.files["service/events-scm.xml"] == "" {
				t.Error("the output that could not be parsed is not kept")
			}
		})
	}
}

func TestIsSystemDir(t *testing.T) {
	lin := &fakeOS{goos: "linux"}
	win := &fakeOS{goos: "windows", env: map[string]string{"SystemRoot": `C:\WINDOWS`}}
	tests := []struct {
		os   SystemOS
		dir  string
		want bool
	}{
		{lin, "/usr/bin", true},
		{lin, "/usr/bin/", true},
		{lin, "/opt/celigo-agent", false},
		{lin, "/usr/lib/celigo", false},
		{win, `C:\Windows\System32`, true},
		{win, `c:\windows`, true},
		{win, `C:\WindowsApps\x`, false},
		{win, `C:\Program Files\Celigo Agent`, false},
	}
	for _, tt := range tests {
		if got := isSystemDir(tt.os, tt.dir); got != tt.want {
			t.Errorf("isSystemDir(%s, %q) = %v, want %v", tt.os.OS(), tt.dir, got, tt.want)
		}
	}
}

// TestRealCommandHangs runs a real command that outlives its deadline through ExecRunner: it
// is killed, and the manifest records it with the deadline as its error.
func TestRealCommandHangs(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	c := collectorFunc{name: "service", fn: func(ctx context.Context, b *bundle.Bundle) error {
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if _, _, err := captureCommand(cctx, b, ExecRunner{}, "service/sleep.txt", 0, sleep, "30"); err != nil {
			b.Problem("%v", err)
		}
		return nil
	}}
	res := runCollectors(t, "linux", false, Facts{}, c)
	cmd := res.command(t, sleep)
	if cmd.ExitCode != -1 || !strings.Contains(cmd.Error, "killed at its deadline") {
		t.Errorf("command = %+v", cmd)
	}
	if col := res.collector(t, "service"); col.Status != manifest.StatusPartial {
		t.Errorf("collector = %+v", col)
	}
}

// TestUnitDirs: the folders of the units' programs, as agent install candidates, leave out
// interpreters and system folders, for discovery and installs alike.
func TestUnitDirs(t *testing.T) {
	c := &serviceCollector{os: &fakeOS{goos: "linux"}}
	units := []unitInfo{
		{svc: manifest.AgentService{Name: "celigo-agent.service"}, exec: []osout.Exec{{Path: "/usr/bin/celigo-agent"}}},
		{svc: manifest.AgentService{Name: "celigoagent.service"}, exec: []osout.Exec{{Path: "/usr/bin/node", Argv: []string{"/usr/bin/node", "/opt/celigo/agent/server.js"}}}},
		{svc: manifest.AgentService{Name: "opa.service"}, exec: []osout.Exec{{Path: "/opt/opa/bin/agent"}, {Path: "/opt/opa/bin/helper"}}},
	}
	var got []string
	for _, d := range c.unitDirs(units) {
		got = append(got, d.dir+" "+d.u.svc.Name)
	}
	if want := []string{"/opt/celigo/agent celigoagent.service", "/opt/opa/bin opa.service"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("unit dirs %q, want %q", got, want)
	}
}

// TestServiceLinuxAlias: when celigoagent.service is another name of celigo-agent.service,
// systemctl show answers both with the same unit; it is read, and its journal scanned, once.
func TestServiceLinuxAlias(t *testing.T) {
	root := linuxHost(t)
	show := readTestdata(t, "linux/show-celigo-agent.txt", root)
	r := &fakeRunner{cmds: map[string]fakeCmd{
		"/usr/bin/systemctl show celigo-agent.service --no-pager " + showProps:     {out: show},
		"/usr/bin/systemctl show celigoagent.service --no-pager " + showProps:      {out: show},
		"/usr/bin/systemctl list-units *":                                          {},
		"/usr/bin/systemctl show --no-pager --property=Id,Description,ExecStart *": {},
		"/usr/bin/systemctl status celigo-agent.service *":                         {out: readTestdata(t, "linux/status-running.txt", root)},
		"/usr/bin/journalctl -u celigo-agent.service *":                            {out: readTestdata(t, "linux/journal.txt", root)},
	}}
	c := newLinuxService(t, root, r, true, existsOnly("/usr/bin/systemctl", "/usr/bin/journalctl"))
	res := runCollectors(t, "linux", true, Facts{}, c)
	if a := res.service(t, "celigoagent.service"); a.AliasOf != "celigo-agent.service" {
		t.Errorf("celigoagent.service = %+v, want an alias of celigo-agent.service", a)
	}
	journals, statuses := 0, 0
	for _, call := range r.calls {
		if strings.Contains(call, "journalctl -u") {
			journals++
		}
		if strings.Contains(call, "systemctl status") {
			statuses++
		}
	}
	if journals != 1 || statuses != 1 {
		t.Errorf("%d journal and %d status queries for one unit: %q", journals, statuses, r.calls)
	}
	if _, ok := res.files["service/celigoagent.service/journal.txt"]; ok {
		t.Error("the alias's journal is in the bundle too")
	}
}
