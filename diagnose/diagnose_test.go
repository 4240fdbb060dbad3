package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func agentWith(settings ...manifest.SettingsFile) []manifest.Agent {
	return []manifest.Agent{{ID: 1, Home: "/root/.config/agent", Folder: "agent", Settings: settings}}
}

var goodToken = &manifest.Token{Key: "token", Hash: "sha256:0123456789abcdef", Length: 32}

func yes() *bool { b := true; return &b }

func TestChecks(t *testing.T) {
	okSettings := manifest.SettingsFile{Source: "/root/.config/agent/Settings", Path: "agent/settings.json", Parsed: true, Token: goodToken}
	logFile := manifest.File{Path: "agent/logs/server-2026-11-28.log", Collector: "logs", Size: 10, OriginalSize: 10}
	tests := []struct {
		name   string
		m      manifest.Manifest
		files  []manifest.File
		logs   string
		want   map[string]string // finding id -> severity
		absent []string
	}{
		{
			name: "nothing found",
			m:    manifest.Manifest{Discovery: manifest.Discovery{Searched: []string{"/root/.config/agent"}, Problems: []string{"/root: permission denied"}}},
			want: map[string]string{"agent.not_found": "fail"},
		},
		{
			name:   "healthy",
			m:      manifest.Manifest{Agents: agentWith(okSettings)},
			files:  []manifest.File{logFile},
			logs:   "2026-11-28T11:58:00.000Z: [INFO] Heartbeat sent successfully\n2026-11-28T11:59:00.000Z: [INFO] Heartbeat sent successfully\n2026-11-28T11:59:01.000Z: level=info, logName=tunnelReadyForUse\n",
			want:   map[string]string{"token.hash": "info", "heartbeat.ok": "pass", "tunnel.ok": "pass"},
			absent: []string{"logs.missing", "logs.stale", "heartbeat.gaps", "crash.service"},
		},
		{
			name: "token problems",
			m: manifest.Manifest{Agents: agentWith(
				manifest.SettingsFile{Source: "/a/Settings", Path: "agent/settings.json", Parsed: true, Token: &manifest.Token{Key: "token", Hash: "sha256:0000000000000000", Length: 33, TrailingWhitespace: true}},
			)},
			files: []manifest.File{logFile},
			logs:  "2026-11-28T11:00:00Z [ERROR] Invalid token while sending heartbeat\n",
			want:  map[string]string{"token.malformed": "fail", "token.rejected": "fail", "heartbeat.failing": "fail"},
		},
		{
			name:  "no token",
			m:     manifest.Manifest{Agents: agentWith(manifest.SettingsFile{Source: "/a/Settings", Path: "agent/settings.json", Parsed: true})},
			files: []manifest.File{logFile},
			want:  map[string]string{"token.missing": "fail"},
		},
		{
			name: "settings missing and no logs",
			m:    manifest.Manifest{Agents: agentWith()},
			want: map[string]string{"settings.missing": "fail", "logs.missing": "warn"},
		},
		{
			name:  "crash flag",
			m:     manifest.Manifest{Agents: agentWith(manifest.SettingsFile{Source: "/a/Settings", Path: "agent/settings.json", Parsed: true, Token: goodToken, UncaughtExceptionHappenedOnService: yes()})},
			files: []manifest.File{logFile, {Path: "agent/uncaughtException", Collector: "crash"}},
			want:  map[string]string{"crash.service": "fail"},
		},
		{
			name:  "network trouble",
			m:     manifest.Manifest{Agents: agentWith(okSettings)},
			files: []manifest.File{logFile},
			logs: strings.Repeat("2026-11-28T10:00:00Z level=error, logName=requestTunnel, requesting tunnel failed error={\"code\":\"ENOTFOUND\"}\n", 5) +
				"2026-11-28T10:00:01Z level=error, logName=noInternet\n2026-11-28T10:00:02Z level=error, logName=heartbeatFailed, err=Error: connect ETIMEDOUT 72.44.45.92:443\n",
			want: map[string]string{"network.dns": "fail", "network.no_internet": "fail", "network.timeout": "warn", "tunnel.failing": "fail", "heartbeat.failing": "fail"},
		},
		{
			name:  "stale logs and gaps",
			m:     manifest.Manifest{Agents: agentWith(okSettings)},
			files: []manifest.File{logFile},
			logs:  "2026-11-20T10:00:00Z Heartbeat sent successfully\n2026-11-20T11:00:00Z Heartbeat sent successfully\n",
			want:  map[string]string{"logs.stale": "warn", "heartbeat.gaps": "warn"},
		},
		{
			name:  "bind and eperm",
			m:     manifest.Manifest{Agents: agentWith(okSettings)},
			files: []manifest.File{logFile},
			logs:  "message=Unable to bind to 0.0.0.0:7017\nError: EPERM: operation not permitted, unlink 'x'\n",
			want:  map[string]string{"port.bind": "fail", "service.uninstall_eperm": "warn"},
		},
		{
			name:  "empty logs",
			m:     manifest.Manifest{Agents: agentWith(okSettings)},
			files: []manifest.File{{Path: "agent/logs/a.log", Collector: "logs"}},
			want:  map[string]string{"logs.empty": "warn"},
		},
		{
			name: "collector failures",
			m: manifest.Manifest{Agents: agentWith(okSettings), Collectors: []manifest.Collector{
				{Name: "logs", Status: manifest.StatusTimeout, Error: "did not finish within 5m0s"},
				{Name: "crash", Status: manifest.StatusPartial, Problems: []string{"read x: permission denied"}},
			}},
			files: []manifest.File{logFile},
			want:  map[string]string{"collector.logs": "warn", "collector.crash": "info"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			scan := NewLogScan()
			w := scan.File(logFile.Path)
			w.Write([]byte(tc.logs))
			w.Close()
			got := Run(Input{Manifest: &tc.m, Files: tc.files, Logs: scan, Now: now})
			sev := map[string]string{}
			for i, f := range got {
				sev[f.ID] = f.Severity
				if f.Title == "" || (f.Severity != manifest.SeverityPass && f.Remedy == "") {
					t.Errorf("%s lacks a title or a remedy", f.ID)
				}
				if i > 0 && rank(got[i-1].Severity) > rank(f.Severity) {
					t.Errorf("findings not ordered by severity at %s", f.ID)
				}
			}
			for id, s := range tc.want {
				if sev[id] != s {
					t.Errorf("finding %s: %q, want %q (all: %v)", id, sev[id], s, sev)
				}
			}
			for _, id := range tc.absent {
				if _, ok := sev[id]; ok {
					t.Errorf("unexpected finding %s", id)
				}
			}
		})
	}
}

func rank(s string) int {
	return map[string]int{"fail": 0, "warn": 1, "info": 2, "pass": 3}[s]
}
