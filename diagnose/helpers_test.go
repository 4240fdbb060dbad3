package diagnose

import (
	"path"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

// runAt is the moment of the test bundles' runs.
var runAt = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// scanOf scans files (bundle path -> text) as Run does, in UTC.
func scanOf(files map[string]string) *LogScan {
	s := newLogScan(time.UTC)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w := s.File(n)
		w.Write([]byte(files[n]))
		w.Close()
	}
	return s
}

// testInput builds the checks' input for m and the logs.
func testInput(m *manifest.Manifest, logs map[string]string) *input {
	in := &input{m: m, files: m.Files, omitted: m.Omitted, logs: scanOf(logs), now: m.Created}
	in.lf = in.logs.facts()
	in.version = agentVersion(m, in.logs)
	return in
}

// collectorOf names the collector of a bundle path, as collect does.
func collectorOf(p string) string {
	switch {
	case strings.HasPrefix(p, "service/"):
		return "service"
	case strings.HasPrefix(p, "system/"):
		return "system"
	case strings.HasPrefix(p, "network/"):
		return "network"
	case strings.HasPrefix(strings.ToLower(path.Base(p)), "uncaughtexception"):
		return "crash"
	case strings.Contains(p, "/logs/"):
		return "logs"
	}
	return "settings"
}

// bundleOf lists files in m (with their collectors) and returns them as a file system.
func bundleOf(m *manifest.Manifest, files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fsys[n] = &fstest.MapFile{Data: []byte(files[n])}
		m.Files = append(m.Files, manifest.File{Path: n, Collector: collectorOf(n), Size: int64(len(files[n])), OriginalSize: int64(len(files[n]))})
	}
	return fsys
}

// agentManifest is the manifest of a healthy Linux agent: its home with a good token, its
// service running, one instance, version 4.5.1, made at runAt.
func agentManifest() *manifest.Manifest {
	return &manifest.Manifest{
		Schema:    manifest.SchemaID,
		Created:   runAt,
		Options:   manifest.Options{Since: "168h0m0s"},
		Host:      manifest.Host{Hostname: "opa-01", OS: "linux"},
		Discovery: manifest.Discovery{Method: "discovered"},
		Agents: []manifest.Agent{{ID: 1, Home: "/root/.config/agent", Folder: "agent", Settings: []manifest.SettingsFile{
			{Source: "/root/.config/agent/Settings", Path: "agent/settings.json", Parsed: true, Token: &manifest.Token{Key: "token", Hash: "sha256:0123456789abcdef", Length: 32}},
		}}},
		Service: manifest.Service{Manager: "systemd", Available: true, Services: []manifest.AgentService{
			{Name: "celigo-agent.service", Found: true, State: "running", RawState: "active (running)", StartType: "enabled", AutoStart: boolp(true), PID: 1187, Restarts: intp(0),
				BinaryPath: "/opt/celigo-agent/agent", Files: []string{"service/celigo-agent.service/status.txt"}},
		}, Installs: []manifest.Install{{Source: "package.json", Where: "/opt/celigo-agent/resources/app/package.json", Version: "4.5.1", Dir: "/opt/celigo-agent"}}},
		System: manifest.System{
			OS:            manifest.OSFacts{Type: "linux", Name: "Ubuntu", Timezone: "UTC"},
			Processes:     manifest.Processes{Total: 120, Instances: 1, Agent: []manifest.Process{{PID: 1187, Mode: "service", Instance: true, Service: "celigo-agent.service"}}},
			Resources:     manifest.Resources{MemoryTotal: 8 << 30, MemoryAvailable: 4 << 30},
			Prerequisites: manifest.Prerequisites{Java: manifest.Java{Found: true, Version: "17.0.9", Major: 17}, Oracle: manifest.Oracle{Found: true}},
		},
	}
}

// ts formats a time as the agent's log lines start.
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// byID returns the finding with id, nil when none.
func byID(fs []manifest.Finding, id string) *manifest.Finding {
	for i := range fs {
		if fs[i].ID == id {
			return &fs[i]
		}
	}
	return nil
}

// checkWellFormed fails on findings without a title or remedy, unordered by severity, or with
// duplicate ids.
func checkWellFormed(t *testing.T, fs []manifest.Finding) {
	t.Helper()
	seen := map[string]bool{}
	for i, f := range fs {
		if f.Title == "" || f.Severity != manifest.SeverityPass && f.Remedy == "" {
			t.Errorf("%s lacks a title or a remedy", f.ID)
		}
		if i > 0 && severityRank[fs[i-1].Severity] > severityRank[f.Severity] {
			t.Errorf("findings not ordered by severity at %s", f.ID)
		}
		if seen[f.ID] && !strings.HasPrefix(f.ID, "collector.") {
			t.Errorf("finding %s twice", f.ID)
		}
		seen[f.ID] = true
		for _, e := range f.Evidence {
			if e.Path == "" {
				t.Errorf("%s has evidence without a path", f.ID)
			}
		}
	}
}
