package diagnose

import (
	"strings"
	"testing"

	"github.com/opadiag/opadiag/manifest"
)

// TestManifestChecks covers the checks drawn from the manifest alone: where the agent is, its
// Settings, and what opadiag could not collect.
func TestManifestChecks(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(f *fixture)
		want   map[string]string // id -> severity
		absent []string
		says   map[string]string // id -> what its title and detail say
	}{
		{
			name: "nothing found",
			edit: func(f *fixture) {
				f.m.Agents, f.log = nil, nil
				f.m.Service = manifest.Service{Manager: "systemd", Available: true, Services: []manifest.AgentService{{Name: "celigo-agent.service", State: "not_found"}}}
				f.m.System.Processes = manifest.Processes{Total: 90}
				f.m.Discovery = manifest.Discovery{Searched: []string{"/root/.config/agent"}, Problems: []string{"/home/ops: permission denied"}}
			},
			want:   map[string]string{"agent.not_found": "fail"},
			absent: []string{"agent.not_running", "logs.missing", "agent.version_unknown"},
		},
		{
			name: "settings missing, no logs, older logs left out",
			edit: func(f *fixture) {
				f.m.Agents[0].Settings, f.log = nil, nil
				f.m.Omitted = []manifest.Omitted{{Source: "/root/.config/agent/server-2026-10-01.log", Collector: "logs", Reason: "dated 2026-10-01, before the --since window"}}
			},
			want: map[string]string{"settings.missing": "fail", "logs.missing": "warn"},
		},
		{
			name: "settings damaged",
			edit: func(f *fixture) {
				s := &f.m.Agents[0].Settings[0]
				s.Parsed, s.Error, s.Token = false, "invalid character '}' looking for beginning of value", nil
			},
			want:   map[string]string{"settings.unreadable": "fail"},
			absent: []string{"token.missing"},
		},
		{
			name: "settings read stalled",
			edit: func(f *fixture) {
				s := &f.m.Agents[0].Settings[0]
				s.Parsed, s.Path, s.Token = false, "", nil
				s.Error = "read settings /root/.config/agent/Settings (left out): read made no progress for 10s: abandoned"
				f.m.Omitted = append(f.m.Omitted, manifest.Omitted{Source: s.Source, Collector: "settings", Reason: s.Error})
			},
			want:   map[string]string{"settings.stalled": "warn"},
			absent: []string{"settings.unreadable", "settings.left_out", "settings.missing", "token.missing"},
			says:   map[string]string{"settings.stalled": "could not be read: reading it did not return"},
		},
		{
			name: "settings read failed",
			edit: func(f *fixture) {
				s := &f.m.Agents[0].Settings[0]
				s.Parsed, s.Path, s.Token = false, "", nil
				s.Error = "read settings /root/.config/agent/Settings (left out): open /root/.config/agent/Settings: permission denied"
			},
			want:   map[string]string{"settings.not_read": "warn"},
			absent: []string{"settings.unreadable", "token.missing"},
		},
		{
			name: "settings over the size limit",
			edit: func(f *fixture) {
				s := &f.m.Agents[0].Settings[0]
				s.Parsed, s.Path, s.Token = false, "", nil
				s.Error = "left out: over the 1 MiB limit"
			},
			want:   map[string]string{"settings.left_out": "warn"},
			absent: []string{"settings.unreadable", "token.missing"},
		},
		{
			name: "settings a FIFO",
			edit: func(f *fixture) {
				f.m.Agents[0].Settings = nil
				f.m.Omitted = append(f.m.Omitted, manifest.Omitted{Source: "/root/.config/agent/Settings", Collector: "settings", Reason: "not a regular file (p---------)"})
			},
			want:   map[string]string{"settings.left_out": "warn"},
			absent: []string{"settings.missing", "settings.unreadable"},
			says:   map[string]string{"settings.left_out": "not a regular file"},
		},
		{
			name: "settings a symlink out of the home",
			edit: func(f *fixture) {
				f.m.Agents[0].Settings = nil
				f.m.Omitted = append(f.m.Omitted, manifest.Omitted{Source: "/root/.config/agent/Settings", Collector: "settings", Reason: "symlink to /etc/shadow, outside the agent home"})
			},
			want:   map[string]string{"settings.left_out": "warn"},
			absent: []string{"settings.missing", "settings.unreadable"},
		},
		{
			name: "another home's Settings left out",
			edit: func(f *fixture) {
				f.m.Agents[0].Settings = nil
				f.m.Omitted = append(f.m.Omitted, manifest.Omitted{Source: "/root/.config/agent2/Settings", Collector: "settings", Reason: "not a regular file (p---------)"})
			},
			want:   map[string]string{"settings.missing": "fail"},
			absent: []string{"settings.left_out"},
		},
		{
			name: "two homes",
			edit: func(f *fixture) {
				f.m.Agents = append(f.m.Agents, manifest.Agent{ID: 2, Home: "/home/ops/.config/agent", Folder: "agent/2"})
			},
			want: map[string]string{"agent.several_homes": "warn"},
		},
		{
			name: "not elevated",
			edit: func(f *fixture) { f.m.Discovery.Problems = []string{"/home/ops: permission denied"} },
			want: map[string]string{"discovery.not_elevated": "info"},
		},
		{
			name: "collector failures",
			edit: func(f *fixture) {
				f.m.Collectors = []manifest.Collector{
					{Name: "logs", Status: manifest.StatusTimeout, Error: "did not finish within 5m0s"},
					{Name: "crash", Status: manifest.StatusPartial, Problems: []string{"read x: permission denied"}},
				}
			},
			want: map[string]string{"collector.logs": "warn", "collector.crash": "info"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			tt.edit(f)
			res := f.run()
			checkWellFormed(t, res.Findings)
			for id, sev := range tt.want {
				if got := byID(res.Findings, id); got == nil || got.Severity != sev {
					t.Errorf("%s: want %s, got %s", id, sev, ids(res.Findings))
				}
			}
			for id, want := range tt.says {
				if got := byID(res.Findings, id); got == nil || !strings.Contains(got.Title+" "+got.Detail, want) || strings.Contains(got.Title, "damaged") {
					t.Errorf("%s does not say %q: %+v", id, want, got)
				}
			}
			for _, id := range tt.absent {
				if byID(res.Findings, id) != nil {
					t.Errorf("unexpected %s: %s", id, ids(res.Findings))
				}
			}
		})
	}
}

func TestRanking(t *testing.T) {
	// Causes before symptoms; other hosts and context after integrator.io's.
	order := []string{"token.rejected", "logs.silent", "network.dns", "network.no_internet", "tunnel.failing", "heartbeat.failing", "target.dns", "logs.exceptions", "collector.logs"}
	for i := 1; i < len(order); i++ {
		if rankOf(order[i-1]) >= rankOf(order[i]) {
			t.Errorf("%s does not rank above %s", order[i-1], order[i])
		}
	}
	if !strings.HasPrefix(count(2, "entry"), "2 entries") || count(1, "entry") != "1 entry" || counts(2, "instance", "run") != "2 instances run" {
		t.Error("count")
	}
}
