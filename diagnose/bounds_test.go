package diagnose

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

// TestFindingBounds: whatever a hostile or enormous manifest lists (unreadable files, failed
// collectors, homes, Settings files, processes, crash files, searched folders), each finding
// names a few items and counts the rest, has at most maxEvidence evidence entries, and the
// per-collector findings stop at maxCollectorFindings plus one collector.more.
func TestFindingBounds(t *testing.T) {
	const n = 2000
	long := strings.Repeat("x", 10000)
	tests := []struct {
		name string
		edit func(f *fixture)
		id   string // the finding that enumerates the items
		says string // what its title or detail says of the rest
	}{
		{"20,000 unreadable files", func(f *fixture) {
			for i := range 20000 {
				f.m.Files = append(f.m.Files, manifest.File{Path: fmt.Sprintf("agent/logs/server-%05d.log", i), Collector: "logs", OriginalSize: 10})
			}
		}, "bundle.unreadable", "and 19995 more"},
		{"2,000 failed collectors", func(f *fixture) {
			for i := range n {
				f.m.Collectors = append(f.m.Collectors, manifest.Collector{Name: fmt.Sprintf("c%04d", i), Status: manifest.StatusFailed, Error: long})
			}
		}, "collector.more", "and 1985 more"},
		{"a collector with 2,000 problems", func(f *fixture) {
			c := manifest.Collector{Name: "logs", Status: manifest.StatusPartial}
			for i := range n {
				c.Problems = append(c.Problems, fmt.Sprintf("read /var/log/agent-%d.log: permission denied", i))
			}
			f.m.Collectors = append(f.m.Collectors, c)
		}, "collector.logs", "and 1995 more"},
		{"2,000 homes", func(f *fixture) {
			for i := range n {
				f.m.Agents = append(f.m.Agents, manifest.Agent{ID: i + 2, Home: fmt.Sprintf("/home/u%d/.config/agent", i), Folder: fmt.Sprintf("agent/%d", i+2),
					Settings: []manifest.SettingsFile{{Source: fmt.Sprintf("/home/u%d/.config/agent/Settings", i), Path: fmt.Sprintf("agent/%d/settings.json", i+2), Parsed: true}}})
			}
		}, "agent.several_homes", "and 1996 more"},
		{"2,000 damaged Settings", func(f *fixture) {
			for i := range n {
				f.m.Agents[0].Settings = append(f.m.Agents[0].Settings, manifest.SettingsFile{Source: fmt.Sprintf("/root/.config/agent/Settings%d", i),
					Path: fmt.Sprintf("agent/settings%d.txt", i), Error: "not valid JSON: " + long})
			}
		}, "settings.unreadable", "And 1995 more like these"},
		{"2,000 Settings left out", func(f *fixture) {
			for i := range n {
				f.m.Omitted = append(f.m.Omitted, manifest.Omitted{Source: fmt.Sprintf("/root/.config/agent/x%d/Settings", i), Collector: "settings", Reason: "not a regular file (p---------)"})
			}
		}, "settings.left_out", "And 1995 more like these"},
		{"nothing found, 2,000 places searched", func(f *fixture) {
			f.m.Agents = nil
			for i := range n {
				f.m.Discovery.Searched = append(f.m.Discovery.Searched, fmt.Sprintf("/home/u%d/.config/agent", i))
				f.m.Discovery.Problems = append(f.m.Discovery.Problems, fmt.Sprintf("/home/v%d: permission denied", i))
			}
		}, "agent.not_found", "and 1995 more"},
		{"2,000 agent instances", func(f *fixture) {
			ps := &f.m.System.Processes
			for i := range n {
				ps.Agent = append(ps.Agent, manifest.Process{PID: int32(5000 + i), Mode: "background", Instance: true, User: long})
			}
			ps.Instances = n + 1
		}, "agent.instances", "and 1996 more"},
		{"2,000 crash files", func(f *fixture) {
			mt := runAt.Add(-time.Hour)
			for i := range n {
				f.m.Files = append(f.m.Files, manifest.File{Path: fmt.Sprintf("agent/crash/uncaughtException-%d.txt", i), Collector: "crash", Mtime: &mt})
			}
		}, "crash.file", "and 1995 more"},
		{"2,000 services not installed", func(f *fixture) {
			f.m.Service.Services = nil
			for i := range n {
				f.m.Service.Services = append(f.m.Service.Services, manifest.AgentService{Name: fmt.Sprintf("agent-%d.service", i), State: "not_found"})
			}
			f.m.System.Processes = manifest.Processes{Total: 90}
			f.log = nil
		}, "agent.not_running", "and 1995 more"},
		{"a 1 MB home path", func(f *fixture) {
			f.m.Agents[0].Home = "/" + strings.Repeat("h", 1<<20)
			f.m.Agents[0].Settings = nil
		}, "settings.missing", "…"},
		{"2,000 denials, a long strict reason", func(f *fixture) {
			for range n {
				f.m.Invocation.Denied = append(f.m.Invocation.Denied, manifest.Denied{Collector: "system", What: long, Hint: "run elevated"})
			}
			f.m.Redaction.Strict, f.m.Redaction.StrictReason = true, long
		}, "privilege.denied", "and 1992 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			m := f.m
			m.Files = nil
			tt.edit(f)
			files := map[string]string{"agent/settings.json": `{"token":"sha256:0123456789abcdef"}`}
			if f.log != nil {
				files[logPath] = f.log.String()
			}
			fsys := bundleOf(m, files)
			res := Run(m, fsys)
			checkWellFormed(t, res.Findings)
			if len(res.Findings) > 60 {
				t.Errorf("%d findings: %s", len(res.Findings), ids(res.Findings)[:min(2000, len(ids(res.Findings)))])
			}
			collectors := 0
			for _, g := range res.Findings {
				if len(g.Evidence) > maxEvidence {
					t.Errorf("%s has %d evidence entries", g.ID, len(g.Evidence))
				}
				if len(g.Title) > 2<<10 || len(g.Detail) > 8<<10 {
					t.Errorf("%s: title %d bytes, detail %d bytes", g.ID, len(g.Title), len(g.Detail))
				}
				if strings.HasPrefix(g.ID, "collector.") && g.ID != "collector.more" {
					collectors++
				}
			}
			if collectors > maxCollectorFindings {
				t.Errorf("%d collector findings", collectors)
			}
			g := byID(res.Findings, tt.id)
			if g == nil {
				t.Fatalf("no %s: %s", tt.id, ids(res.Findings))
			}
			if !strings.Contains(g.Title+" "+g.Detail, tt.says) {
				t.Errorf("%s does not say %q: %.600s", tt.id, tt.says, g.Detail)
			}
		})
	}
}
