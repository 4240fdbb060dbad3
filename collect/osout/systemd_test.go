package osout

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/platform"
)

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func intp(n int) *int { return &n }

func TestUnitFromShow(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		want  Unit
		state string
		auto  *bool
	}{
		{
			name: "running, enabled", file: "systemctl/show-running.txt", state: platform.ServiceRunning, auto: boolp(true),
			want: Unit{
				ID: "celigo-agent.service", Description: "Celigo On-Premise Agent", LoadState: "loaded",
				ActiveState: "active", SubState: "running", UnitFileState: "enabled", MainPID: 1187,
				NRestarts: intp(2), Result: "success",
				ExecStart:    []Exec{{Path: "/opt/celigo-agent/agent", Argv: []string{"/opt/celigo-agent/agent", "--no-sandbox", "--service"}}},
				FragmentPath: "/etc/systemd/system/celigo-agent.service",
				DropInPaths:  []string{"/etc/systemd/system/celigo-agent.service.d/override.conf"},
				ActiveSince:  "Mon 2025-07-28 09:12:01 UTC",
			},
		},
		{
			name: "not found", file: "systemctl/show-notfound.txt", state: platform.ServiceNotFound, auto: nil,
			want: Unit{
				ID: "celigoagent.service", Description: "celigoagent.service", LoadState: "not-found",
				ActiveState: "inactive", SubState: "dead", NRestarts: intp(0), Result: "success",
			},
		},
		{
			name: "failed by the OOM killer, disabled", file: "systemctl/show-failed.txt", state: platform.ServiceFailed, auto: boolp(false),
			want: Unit{
				ID: "celigoagent.service", Description: "integrator.io on-premise agent", LoadState: "loaded",
				ActiveState: "failed", SubState: "failed", UnitFileState: "disabled", ExecMainCode: "killed", ExecMainStatus: 9,
				NRestarts: intp(5), Result: "oom-kill",
				ExecStart:    []Exec{{Path: "/usr/bin/node", Argv: []string{"/usr/bin/node", "/srv/celigo/agent/main.js"}}},
				FragmentPath: "/lib/systemd/system/celigoagent.service", ActiveSince: "Tue 2025-07-29 02:00:13 CEST", User: "celigo",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks := ParseSystemctlShow(open(t, tt.file))
			if len(blocks) != 1 {
				t.Fatalf("%d blocks, want 1", len(blocks))
			}
			got := UnitFromShow(blocks[0])
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("UnitFromShow:\n got %+v\nwant %+v", got, tt.want)
			}
			if s := UnitState(got); s != tt.state {
				t.Errorf("UnitState = %q, want %q", s, tt.state)
			}
			if a := UnitAutoStart(got.UnitFileState); !reflect.DeepEqual(a, tt.auto) {
				t.Errorf("UnitAutoStart = %v, want %v", a, tt.auto)
			}
		})
	}
}

func boolp(b bool) *bool { return &b }

func TestParseSystemctlShowSeveral(t *testing.T) {
	blocks := ParseSystemctlShow(open(t, "systemctl/show-candidates.txt"))
	var ids []string
	for _, b := range blocks {
		ids = append(ids, b["Id"])
	}
	want := []string{"cron.service", "opa.service", "ssh.service", "systemd-journald.service"}
	if !reflect.DeepEqual(ids, want) {
		t.Fatalf("ids = %v, want %v", ids, want)
	}
	opa := UnitFromShow(blocks[1])
	if len(opa.ExecStart) != 1 || opa.ExecStart[0].Path != "/home/ops/OnPremAgent/Celigo Agent" {
		t.Errorf("opa ExecStart = %+v", opa.ExecStart)
	}
	ssh := UnitFromShow(blocks[2])
	if len(ssh.ExecStart) != 1 || ssh.ExecStart[0].Path != "/usr/sbin/sshd" || ssh.ExecStart[0].Argv[1] != "-D" {
		t.Errorf("ssh ExecStart = %+v (ExecStartPre must not count)", ssh.ExecStart)
	}
}

func TestParseUnitExecStart(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []Exec
	}{
		{"continued line", "systemctl/celigo-agent.service", []Exec{{Path: "/opt/celigo-agent/agent", Argv: []string{"/opt/celigo-agent/agent", "--no-sandbox", "--service"}}}},
		{"reset, prefix and quotes", "systemctl/quoted.service", []Exec{{Path: "/home/ops/OnPremAgent/Celigo Agent", Argv: []string{"/home/ops/OnPremAgent/Celigo Agent", "--hidden"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseUnitExecStart(open(t, tt.file)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseListUnits(t *testing.T) {
	got := ParseListUnits(open(t, "systemctl/list-units.txt"))
	want := []string{"celigo-agent.service", "cron.service", "mnt-data.mount.service", "opa.service", "ssh.service", "systemd-journald.service"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCgroupUnit(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"cgroup v2", "proc/cgroup-v2", "celigo-agent.service"},
		{"cgroup v1", "proc/cgroup-v1", "celigoagent.service"},
		{"user session", "proc/cgroup-user", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := CgroupUnit(string(b)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseJournalLine(t *testing.T) {
	tests := []struct {
		name string
		line string
		ok   bool
		want JournalEntry
	}{
		{"old offset", "2025-07-28T09:12:01+0000 opa-01 systemd[1]: Started Celigo On-Premise Agent.", true,
			JournalEntry{Time: time.Date(2025, 7, 28, 9, 12, 1, 0, time.UTC), Host: "opa-01", Ident: "systemd", PID: 1, Message: "Started Celigo On-Premise Agent."}},
		{"new offset with fraction", "2025-07-29T05:42:05.123456+02:00 opa-01 agent[1187]: level=info", true,
			JournalEntry{Time: time.Date(2025, 7, 29, 3, 42, 5, 123456000, time.UTC), Host: "opa-01", Ident: "agent", PID: 1187, Message: "level=info"}},
		{"no pid", "2025-07-28T09:12:01+0000 opa-01 kernel: Out of memory", true,
			JournalEntry{Time: time.Date(2025, 7, 28, 9, 12, 1, 0, time.UTC), Host: "opa-01", Ident: "kernel", Message: "Out of memory"}},
		{"no entries", "-- No entries --", false, JournalEntry{}},
		{"boot marker", "-- Boot 5c1d2e3f4a5b4c6d8e9f0a1b2c3d4e5f --", false, JournalEntry{}},
		{"continuation", "    at GetAddrInfoReqWrap.onlookup (node:dns:107:26)", false, JournalEntry{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseJournalLine(tt.line)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if ok && (!got.Time.Equal(tt.want.Time) || got.Host != tt.want.Host || got.Ident != tt.want.Ident || got.PID != tt.want.PID || got.Message != tt.want.Message) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestJournalSummary(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "journal/short-iso.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var s JournalSummary
	for _, l := range strings.Split(string(b), "\n") {
		s.Add(l)
	}
	if s.Entries != 14 || s.Starts != 2 || s.Failures != 1 || s.OOMKills != 2 {
		t.Errorf("summary = %+v, want 14 entries, 2 starts, 1 failure, 2 OOM lines", s)
	}
	if !s.First.Equal(time.Date(2025, 7, 28, 9, 11, 58, 0, time.UTC)) || !s.Last.Equal(time.Date(2025, 7, 29, 3, 42, 5, 123456000, time.UTC)) {
		t.Errorf("first %v last %v", s.First, s.Last)
	}
}

func TestExecBinary(t *testing.T) {
	tests := []struct {
		name string
		exec Exec
		want string
	}{
		{"binary", Exec{Path: "/opt/celigo-agent/agent", Argv: []string{"/opt/celigo-agent/agent", "--service"}}, "/opt/celigo-agent/agent"},
		{"node script", Exec{Path: "/usr/bin/node", Argv: []string{"/usr/bin/node", "--max-old-space-size=2048", "/srv/celigo/agent/main.js"}}, "/srv/celigo/agent/main.js"},
		{"interpreter without script", Exec{Path: "/usr/bin/node", Argv: []string{"/usr/bin/node", "-e", "1"}}, "/usr/bin/node"},
		{"interpreter with no argv", Exec{Path: "/usr/bin/node"}, "/usr/bin/node"},
		{"windows electron", Exec{Path: `C:\Program Files\nodejs\node.exe`, Argv: []string{`C:\Program Files\nodejs\node.exe`, `C:\agent\main.js`}}, `C:\agent\main.js`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExecBinary(tt.exec); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzParseSystemctlShow(f *testing.F) {
	for _, name := range []string{"systemctl/show-running.txt", "systemctl/show-candidates.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, b := range ParseSystemctlShow(strings.NewReader(s)) {
			u := UnitFromShow(b)
			_ = UnitState(u)
			for _, e := range u.ExecStart {
				_ = ExecBinary(e)
			}
		}
		_ = ParseUnitExecStart(strings.NewReader(s))
	})
}

func FuzzParseJournalLine(f *testing.F) {
	f.Add("2025-07-28T09:12:01+0000 opa-01 systemd[1]: Started Celigo On-Premise Agent.")
	f.Add("2025-07-29T05:42:05.123456+02:00 opa-01 agent[1187]: level=info")
	f.Fuzz(func(t *testing.T, s string) {
		var sum JournalSummary
		sum.Add(s)
		if e, ok := ParseJournalLine(s); ok && e.Time.IsZero() {
			t.Errorf("entry without time: %q", s)
		}
	})
}
