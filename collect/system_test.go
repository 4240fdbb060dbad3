package collect

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/agent"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/platform"
)

var sysNow = time.Date(2025, 7, 29, 12, 0, 0, 0, time.UTC)

func newSystem(t *testing.T, fos *fakeOS, r *fakeRunner, paths sysPaths) *systemCollector {
	t.Helper()
	return &systemCollector{
		os: fos, open: platformOpener{platform.Current()}, runner: r, since: 168 * time.Hour, maxFile: 1 << 20,
		output: "/tmp/out", paths: paths, pattern: agent.NamePattern, cmdTimeout: time.Second, slowTimeout: time.Second,
	}
}

// sysFacts are the facts a system collector test starts from: one agent home, and what the
// service collector learned.
func sysFacts(dirs []string, pids map[int32]string, services []string) Facts {
	f := knownFacts(dirs, pids, services)
	f.Start = sysNow
	f.homes = []home{{id: 1, path: "/root/.config/agent", folder: "agent"}}
	return f
}

func TestSystemLinux(t *testing.T) {
	root := t.TempDir()
	agent := root + "/opt/celigo-agent/agent"
	writeFile(t, root+"/etc/os-release", readTestdata(t, "../osout/testdata/os-release/ubuntu2204", ""))
	writeFile(t, root+"/var/log/syslog", readTestdata(t, "linux/syslog", ""))
	writeFile(t, root+"/proc/1187/cgroup", "0::/system.slice/celigo-agent.service\n")
	writeFile(t, root+"/proc/1187/limits", readTestdata(t, "linux/limits", ""))
	writeFile(t, root+"/proc/2001/cgroup", "0::/user.slice/user-1000.slice/session-3.scope\n")
	writeFile(t, root+"/proc/2001/limits", readTestdata(t, "linux/limits", ""))
	fos := &fakeOS{
		goos: "linux", self: 4242, booted: true,
		env:  map[string]string{"LD_LIBRARY_PATH": root + "/nowhere"},
		path: map[string]string{"java": "/usr/lib/jvm/java-11/bin/java"},
		host: platform.HostFacts{OSType: "linux", OSFamily: "debian", OSPlatform: "ubuntu", OSName: "Ubuntu", OSVersion: "22.04.4 LTS (Jammy Jellyfish)",
			Kernel: "5.15.0-1064-aws", Arch: "x86_64", BootTime: sysNow.Add(-50 * time.Hour), Timezone: "UTC"},
		mem:    platform.Memory{Total: 1 << 30, Available: 100 << 20},
		load:   &[3]float64{1.5, 0.75, 0.333},
		disk:   platform.Disk{FSType: "ext4", Total: 20 << 30, Free: 500 << 20},
		vendor: "Amazon EC2", product: "t3.micro",
		procs: []platform.Process{
			{PID: 1187, PPID: 1, Name: "agent", Exe: agent, Argv: []string{agent, "--no-sandbox", "--service"}, User: "root", Started: sysNow.Add(-time.Hour), RSS: 180 << 20, CPUPercent: 1.234},
			{PID: 1203, PPID: 1187, Name: "agent", Exe: agent, Argv: []string{agent, "--type=zygote", "--no-sandbox"}, User: "root"},
			{PID: 2001, PPID: 1000, Name: "Celigo Agent", Exe: "/home/ops/OnPremAgent/Celigo Agent", Argv: []string{"/home/ops/OnPremAgent/Celigo Agent", "--hidden", "--token=abcdef0123456789abcdef"}, User: "ops"},
			{PID: 3000, PPID: 1, Name: "journalctl", Exe: "/usr/bin/journalctl", Argv: []string{"journalctl", "-u", "celigo-agent.service", "-f"}},
			{PID: 3001, PPID: 4242, Name: "systemctl", Exe: "/usr/bin/systemctl", Argv: []string{"/usr/bin/systemctl", "status", "celigo-agent.service"}},
			{PID: 3002, PPID: 1, Name: "node", Exe: "/usr/bin/node", Argv: []string{"/usr/bin/node", "--max-old-space-size=2048", "/srv/celigo/agent/main.js"}, User: "celigo", Errors: []string{"exe: readlink /proc/3002/exe: permission denied"}},
			{PID: 3003, PPID: 1, Name: "ssh-agent", Exe: "/usr/bin/ssh-agent", Argv: []string{"ssh-agent", "-s"}},
		},
	}
	r := &fakeRunner{cmds: map[string]fakeCmd{
		"/usr/bin/dmesg --time-format iso":       {out: readTestdata(t, "linux/dmesg.txt", "")},
		"/usr/lib/jvm/java-11/bin/java -version": {stderr: "openjdk version \"11.0.23\" 2024-04-16\nOpenJDK Runtime Environment (build 11.0.23+9)"},
		"/sbin/ldconfig -p":                      {out: "2 libs found in cache `/etc/ld.so.cache'\n\tlibclntsh.so.21.1 (libc6,x86-64) => /usr/lib/oracle/21/client64/lib/libclntsh.so.21.1\n"},
	}}
	paths := defaultPaths()
	paths.osRelease = []string{root + "/etc/os-release"}
	paths.syslogs = []string{root + "/var/log/syslog"}
	paths.proc = root + "/proc"
	paths.exists = existsOnly(root+"/etc/os-release", root+"/var/log/syslog", "/usr/bin/dmesg", "/sbin/ldconfig")
	facts := sysFacts([]string{root + "/opt/celigo-agent"}, map[int32]string{1187: "celigo-agent.service"}, []string{"celigo-agent.service"})
	res := runCollectors(t, "linux", false, facts, newSystem(t, fos, r, paths))

	// The process whose program could not be read makes the run partial, with a denied entry.
	if col := res.collector(t, "system"); col.Status != manifest.StatusPartial || len(col.Problems) != 1 {
		t.Errorf("collector = %+v", col)
	}
	sys := res.m.System
	o := sys.OS
	if o.Name != "Ubuntu" || o.UptimeS != 50*3600 || o.OSRelease["PRETTY_NAME"] != "Ubuntu 22.04.4 LTS" || o.Cloud.InstanceType != "t3.micro" ||
		o.Cloud.Provider != "aws" || o.Path != nil || o.WindowsServer2012R2 {
		t.Errorf("os = %+v", o)
	}
	if res.m.Host.OSName != "Ubuntu 22.04.4 LTS" {
		t.Errorf("host os name = %q", res.m.Host.OSName)
	}
	rs := sys.Resources
	if rs.MemoryTotal != 1<<30 || rs.CPUs != 2 || len(rs.Load) != 3 || rs.Load[2] != 0.33 || len(rs.Disks) != 3 || rs.Disks[1].Purpose != "agent install" {
		t.Errorf("resources = %+v", rs)
	}
	ps := sys.Processes
	if ps.Instances != 3 || len(ps.Agent) != 4 || ps.Total != 47 {
		t.Fatalf("processes: %d instances, %d agent processes of %d: %+v", ps.Instances, len(ps.Agent), ps.Total, ps.Agent)
	}
	want := map[int32]struct {
		mode     string
		instance bool
	}{1187: {"service", true}, 1203: {"helper", false}, 2001: {"ui-or-background", true}, 3002: {"ui-or-background", true}}
	for _, p := range ps.Agent {
		w, ok := want[p.PID]
		if !ok || p.Mode != w.mode || p.Instance != w.instance {
			t.Errorf("process %d: mode %q instance %v, want %+v", p.PID, p.Mode, p.Instance, w)
		}
		if strings.Contains(p.Cmdline, "abcdef0123456789abcdef") {
			t.Errorf("command line not redacted: %q", p.Cmdline)
		}
	}
	if p := ps.Agent[0]; p.OpenFiles == nil || p.OpenFiles.Soft != "1024" || p.Service != "celigo-agent.service" || p.Started == nil || p.CPUPercent != 1.23 {
		t.Errorf("service process = %+v", p)
	}
	if len(res.m.Invocation.Denied) != 1 || res.m.Invocation.Denied[0].Hint != "run opadiag again as root (sudo opadiag)" {
		t.Errorf("denied = %+v", res.m.Invocation.Denied)
	}
	syslog := res.files["system/syslog.txt"]
	if strings.Contains(syslog, "Jul 21") || strings.Count(syslog, "\n") != 3 {
		t.Errorf("syslog not cut at --since:\n%s", syslog)
	}
	if f := fileOf(res.m, "system/syslog.txt"); f == nil || !f.Truncated {
		t.Errorf("the syslog cut at --since is not marked truncated: %+v", f)
	}
	if res.files["system/dmesg.txt"] != readTestdata(t, "linux/dmesg.txt", "") {
		t.Errorf("dmesg = %q", res.files["system/dmesg.txt"])
	}
	// The one kill is in the syslog and in dmesg: counted once, from the syslog.
	if len(sys.OOM) != 2 || sys.OOM[0].Path != "system/syslog.txt" || sys.OOM[0].Line != 1 || sys.OOM[1].Path != "system/syslog.txt" ||
		sys.OOM[1].Time == nil || !sys.OOM[1].Time.Equal(time.Date(2025, 7, 29, 3, 41, 55, 0, time.UTC)) {
		t.Errorf("oom = %+v", sys.OOM)
	}
	pr := sys.Prerequisites
	if !pr.Java.Found || pr.Java.Major != 11 || pr.Java.Source != "PATH" || !pr.Oracle.Found || len(pr.Oracle.Libraries) != 1 {
		t.Errorf("prerequisites = %+v", pr)
	}
	for _, f := range []string{"system/os.json", "system/processes.json", "system/resources.json", "system/prerequisites.json"} {
		if !strings.HasPrefix(res.files[f], "{") {
			t.Errorf("%s = %q", f, res.files[f])
		}
	}
	for _, id := range []string{"agent.instances", "system.oom_killer", "resources.low_memory", "resources.low_disk", "cloud.small_instance", "resources.open_files_limit", "privilege.denied"} {
		if res.finding(id) == nil {
			t.Errorf("no finding %s", id)
		}
	}
}

func TestSystemWindows(t *testing.T) {
	install := `C:\Program Files\Celigo Agent`
	java := `C:\Program Files\Java\jdk-17` + string(filepath.Separator) + filepath.Join("bin", "java.exe")
	fos := &fakeOS{
		goos: "windows", self: 9999,
		env: map[string]string{"SystemRoot": `C:\Windows`, "JAVA_HOME": `C:\Program Files\Java\jdk-17`,
			"PATH": `C:\Windows\system32;C:\Windows;C:\Program Files\Java\jdk-17\bin`},
		host:        platform.HostFacts{OSType: "windows", OSName: "Windows Server 2012 R2 Standard", OSVersion: "6.3", OSBuild: "9600.21620", Arch: "x86_64"},
		mem:         platform.Memory{Total: 8 << 30, Available: 4 << 30},
		disk:        platform.Disk{FSType: "NTFS", Total: 100 << 30, Free: 50 << 30},
		machinePath: `C:\Program Files\Celigo Agent;;C:\Windows;`,
		vendor:      "Amazon EC2", product: "m5.large",
		windows: map[int32]bool{5000: true},
		procs: []platform.Process{
			{PID: 4312, PPID: 600, Name: "celigoagent.exe", Exe: install + `\resources\app.asar.unpacked\daemon\celigoagent.exe`, User: `NT AUTHORITY\SYSTEM`},
			{PID: 4400, PPID: 4312, Name: "Celigo Agent.exe", Exe: install + `\Celigo Agent.exe`, Argv: []string{install + `\Celigo Agent.exe`, "--service"}},
			{PID: 5000, PPID: 3000, Name: "Celigo Agent.exe", Exe: install + `\Celigo Agent.exe`, Argv: []string{install + `\Celigo Agent.exe`}, User: `SRV\ops`},
			{PID: 5001, PPID: 5000, Name: "Celigo Agent.exe", Exe: install + `\Celigo Agent.exe`, Argv: []string{install + `\Celigo Agent.exe`, "--type=renderer"}},
			{PID: 6000, PPID: 3000, Name: "notepad.exe", Exe: `C:\Windows\notepad.exe`},
		},
	}
	r := &fakeRunner{cmds: map[string]fakeCmd{
		`C:\Windows\System32\wevtutil.exe qe System *`: {out: readTestdata(t, "windows/system-events.xml", "")},
		java + " -version": {stderr: "java version \"17.0.11\" 2024-04-16 LTS"},
	}}
	facts := sysFacts([]string{install}, map[int32]string{4312: "celigoagent.exe"}, []string{"celigoagent.exe", "Celigo Agent"})
	res := runCollectors(t, "windows", false, facts, newSystem(t, fos, r, sysPaths{exists: existsOnly(java)}))
	if col := res.collector(t, "system"); col.Status != manifest.StatusOK {
		t.Errorf("collector = %+v", col)
	}
	sys := res.m.System
	if !sys.OS.WindowsServer2012R2 || sys.OS.Path == nil || sys.OS.Path.Machine.HasSystem32 || sys.OS.Path.Machine.Empty != 1 || !sys.OS.Path.Process.HasSystem32 {
		t.Errorf("os = %+v path %+v", sys.OS, sys.OS.Path)
	}
	ps := sys.Processes
	modes := map[int32]string{}
	for _, p := range ps.Agent {
		modes[p.PID] = p.Mode
	}
	if ps.Instances != 2 || modes[4312] != "service" || modes[4400] != "service" || modes[5000] != "ui" || modes[5001] != "helper" || len(ps.Agent) != 4 {
		t.Errorf("processes: %d instances, modes %v", ps.Instances, modes)
	}
	if len(sys.OOM) != 1 || sys.OOM[0].Path != "system/eventlog-system.txt" || sys.OOM[0].Line != 2 {
		t.Errorf("oom = %+v", sys.OOM)
	}
	events := res.files["system/eventlog-system.txt"]
	if !strings.HasPrefix(events, "2025-07-28T22:00:00.000Z  Critical") || !strings.Contains(events, "Resource-Exhaustion-Detector  2004") {
		t.Errorf("system events:\n%s", events)
	}
	if j := sys.Prerequisites.Java; !j.Found || j.Major != 17 || j.Source != "JAVA_HOME" {
		t.Errorf("java = %+v", j)
	}
	for _, id := range []string{"agent.instances", "os.path_system32", "system.oom_killer"} {
		if res.finding(id) == nil {
			t.Errorf("no finding %s", id)
		}
	}
	if res.finding("cloud.small_instance") != nil {
		t.Error("m5.large reported as small")
	}
}

// TestSystemWithoutServiceFacts: when the service collector did not finish, the system
// collector does not wait for it; it matches processes by name and says so.
func TestSystemWithoutServiceFacts(t *testing.T) {
	fos := &fakeOS{goos: "linux", procs: []platform.Process{{PID: 10, PPID: 1, Name: "celigo-agent", Exe: "/opt/x/celigo-agent"}}}
	c := newSystem(t, fos, &fakeRunner{}, sysPaths{exists: existsOnly()})
	facts := sysFacts(nil, nil, nil)
	facts.serviceOK = false
	res := runCollectors(t, "linux", true, facts, c)
	col := res.collector(t, "system")
	if col.Status != manifest.StatusPartial || !strings.Contains(strings.Join(col.Problems, " "), "matched by name only") {
		t.Errorf("collector = %+v", col)
	}
	if res.m.System.Processes.Instances != 1 {
		t.Errorf("processes = %+v", res.m.System.Processes)
	}
}

// startFakeAgents starts n copies of sleep named fake-agent in a temporary install folder, and
// returns the folder; they are killed when the test ends.
func startFakeAgents(t *testing.T, n int) string {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command to stand in for the agent")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "fake-agent")
	data, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	for range n {
		cmd := exec.Command(bin, "300")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
	}
	return dir
}

func TestTwoRealInstances(t *testing.T) {
	dir := startFakeAgents(t, 2)
	// The fake agents are this test's children; opadiag's own children are never the agent's,
	// so the matcher is told opadiag is another process.
	fos := &fakeOS{goos: "linux", realProcs: true, self: -1}
	facts := sysFacts([]string{dir}, nil, nil)
	c := newSystem(t, fos, &fakeRunner{}, sysPaths{exists: existsOnly(), proc: "/proc"})
	// Nothing else on this machine may match: only the fake agents' folder counts.
	c.pattern = regexp.MustCompile(`^opadiag-test-matches-nothing$`)
	res := runCollectors(t, "linux", false, facts, c)
	ps := res.m.System.Processes
	if ps.Instances != 2 || len(ps.Agent) != 2 {
		t.Fatalf("processes = %+v, want the 2 fake agents as 2 instances", ps)
	}
	for _, p := range ps.Agent {
		if !p.Instance || !strings.HasPrefix(p.Exe, dir) || p.RSS == 0 || p.Started == nil || !strings.Contains(p.Match, "inside the agent install") {
			t.Errorf("process = %+v", p)
		}
	}
	if f := res.finding("agent.instances"); f == nil || f.Severity != manifest.SeverityFail {
		t.Errorf("no failing agent.instances finding: %+v", res.m.Findings)
	}
	if res.m.Host.Instances != 2 {
		t.Errorf("host instances = %d", res.m.Host.Instances)
	}
}

func TestProcessMatcher(t *testing.T) {
	m := newProcessMatcher(100, []string{"/opt/celigo-agent", "/srv/opa/"}, map[int32]string{7: "x.service"}, agent.NamePattern, false)
	w := newProcessMatcher(100, []string{`C:\Program Files\Celigo Agent\`}, nil, agent.NamePattern, true)
	tests := []struct {
		name string
		m    *processMatcher
		p    platform.Process
		want bool
	}{
		{"service main pid", m, platform.Process{PID: 7, Name: "whatever"}, true},
		{"under an install", m, platform.Process{PID: 8, Exe: "/opt/celigo-agent/agent"}, true},
		{"a sibling folder is not inside", m, platform.Process{PID: 8, Exe: "/opt/celigo-agent2/agent"}, false},
		{"name", m, platform.Process{PID: 9, Name: "Celigo Agent", Exe: "/home/ops/x/Celigo Agent"}, true},
		{"node running the agent's script", m, platform.Process{PID: 10, Exe: "/usr/bin/node", Argv: []string{"node", "/srv/opa/main.js"}}, true},
		{"node running something else", m, platform.Process{PID: 11, Exe: "/usr/bin/node", Argv: []string{"node", "/srv/shop/main.js"}}, false},
		{"a tool looking at the agent", m, platform.Process{PID: 12, Exe: "/usr/bin/journalctl", Argv: []string{"journalctl", "-u", "celigo-agent"}}, false},
		{"opadiag itself", m, platform.Process{PID: 100, Name: "celigo-opadiag"}, false},
		{"a command opadiag runs", m, platform.Process{PID: 101, PPID: 100, Exe: "/opt/celigo-agent/agent"}, false},
		{"no exe: argv[0]", m, platform.Process{PID: 13, Argv: []string{"/opt/celigo-agent/agent"}}, true},
		{"windows, other case", w, platform.Process{PID: 14, Exe: `c:\program files\celigo agent\Celigo Agent.exe`}, true},
		{"ssh-agent", m, platform.Process{PID: 15, Name: "ssh-agent", Exe: "/usr/bin/ssh-agent"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			if got := tt.m.keep(&p); got != tt.want {
				t.Errorf("keep = %v, want %v (reason %q)", got, tt.want, tt.m.reasons[p.PID])
			}
		})
	}
}

// opadiag's ancestors name the agent in their command lines (a crash hook, sh -c "… celigoagent
// …", sudo) but are never the agent.
func TestProcessMatcherAncestors(t *testing.T) {
	const self = 902
	procs := []platform.Process{
		{PID: 1, PPID: 0, Name: "systemd", Exe: "/usr/lib/systemd/systemd"},
		{PID: 500, PPID: 1, Name: "agent", Exe: "/opt/celigo-agent/agent"},
		{PID: 501, PPID: 500, Name: "agent", Exe: "/opt/celigo-agent/agent", Argv: []string{"/opt/celigo-agent/agent", "--type=renderer"}},
		{PID: 890, PPID: 1, Name: "sudo", Exe: "/usr/bin/sudo", Argv: []string{"sudo", "sh", "-c", "opadiag collect; systemctl status celigoagent"}},
		{PID: 901, PPID: 890, Name: "sh", Exe: "/usr/bin/sh", Argv: []string{"sh", "-c", "opadiag collect; systemctl status celigoagent"}},
		{PID: self, PPID: 901, Name: "opadiag", Exe: "/usr/local/bin/opadiag"},
		{PID: 903, PPID: self, Name: "journalctl", Exe: "/usr/bin/journalctl", Argv: []string{"journalctl", "-u", "celigoagent.service"}},
		{PID: 950, PPID: 1, Name: "sh", Exe: "/usr/bin/sh", Argv: []string{"sh", "-c", "/opt/celigo-agent/agent --background"}},
	}
	tests := []struct {
		name string
		self int32
		want []int32
	}{
		{"opadiag started by a shell that names the agent", self, []int32{500, 501, 950}},
		{"no ancestors known", 12345, []int32{500, 501, 901, 950}},
		{"a loop in the parents", 7, []int32{500, 501, 901, 950}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newProcessMatcher(tt.self, []string{"/opt/celigo-agent"}, map[int32]string{500: "celigoagent.service"}, agent.NamePattern, false)
			var kept []platform.Process
			list := append([]platform.Process(nil), procs...)
			if tt.self == 7 {
				list = append(list, platform.Process{PID: 7, PPID: 8}, platform.Process{PID: 8, PPID: 7})
			}
			for _, p := range list {
				if m.keep(&p) {
					kept = append(kept, p)
				}
			}
			var got []int32
			for _, p := range m.withoutAncestors(kept) {
				got = append(got, p.PID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("kept %v, want %v", got, tt.want)
			}
			for pid := range m.reasons {
				if !slices.Contains(got, pid) {
					t.Errorf("a reason is kept for %d, which is not the agent's", pid)
				}
			}
		})
	}
}

func TestKeepOOM(t *testing.T) {
	var in bytes.Buffer
	in.WriteString("[    0.000000] Linux version 6.1\n")
	in.WriteString("[  100.000000] Out of memory: Killed process 42 (node)\n")
	for i := 0; i < 200; i++ {
		in.WriteString("[  200.000000] audit: noise noise noise noise noise noise noise noise\n")
	}
	in.WriteString("[  300.000000] the newest line\n")
	tests := []struct {
		name string
		max  int
		cut  bool
	}{
		{"fits", 1 << 20, false},
		{"cut, OOM kept", 2000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, note := keepOOM(in.Bytes(), tt.max)
			if (note != "") != tt.cut {
				t.Fatalf("note = %q", note)
			}
			s := string(out)
			if !strings.Contains(s, "Out of memory: Killed process 42") || !strings.HasSuffix(s, "the newest line\n") {
				t.Errorf("lost the OOM line or the newest one:\n%s", s)
			}
			if tt.cut && (len(out) > tt.max || !strings.Contains(s, "OOM-killer lines among them are kept above")) {
				t.Errorf("cut output is %d bytes:\n%s", len(out), s)
			}
		})
	}
}

func TestSinceFilter(t *testing.T) {
	now := time.Date(2025, 7, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"drops older lines", "Jul 20 10:00:00 h a\nJul 28 10:00:00 h b\n  continued\nJul 29 10:00:00 h c\n", "Jul 28 10:00:00 h b\n  continued\nJul 29 10:00:00 h c\n"},
		{"unstamped lines before the first recent one go", "garbage\nJul 29 10:00:00 h c\n", "Jul 29 10:00:00 h c\n"},
		{"nothing recent", "Jul 20 10:00:00 h a\n", ""},
		{"rfc3339", "2025-07-20T10:00:00+00:00 h a\n2025-07-29T10:00:00+00:00 h b", "2025-07-29T10:00:00+00:00 h b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &sinceFilter{br: bufio.NewReader(strings.NewReader(tt.in)), cutoff: now.Add(-48 * time.Hour), now: now}
			got, err := io.ReadAll(f)
			if err != nil || string(got) != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
