package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing/fstest"
	"time"

	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
)

// The fixtures are bundles as a run would leave them: an agent's logs written minute by minute
// over the --since window, the manifest listing those files with their sizes and hashes, and
// the Result a diagnosis draws from them, its timeline's events pointing at the lines that
// caused them.

// runAt is the moment of every fixture's run.
var runAt = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

const tokenHash = "sha256:83a3cdf1b05b639e"

// fixture is a bundle: its manifest, its files and the diagnosis of it.
type fixture struct {
	name string
	m    *manifest.Manifest
	fs   fstest.MapFS
	r    diagnose.Result
}

// agentLog writes an agent home's logs and records the timeline events they show, as the
// diagnosis would fold them: successful heartbeats into spans, the rest one event a line.
type agentLog struct {
	files  map[string]*strings.Builder
	lines  map[string]int
	events []diagnose.TimelineEvent
	hb     int // index of the open heartbeat span in events, -1 when none
	last   time.Time
}

func newAgentLog() *agentLog {
	return &agentLog{files: map[string]*strings.Builder{}, lines: map[string]int{}, hb: -1}
}

// line appends a log line at t and returns where it went.
func (l *agentLog) line(t time.Time, msg string) (string, int, string) {
	p := "agent/logs/server-" + t.Format("2006-01-02") + ".log"
	b := l.files[p]
	if b == nil {
		b = &strings.Builder{}
		l.files[p] = b
	}
	text := t.Format("2006-01-02T15:04:05.000Z") + ": " + msg
	b.WriteString(text + "\n")
	l.lines[p]++
	l.last = t
	return p, l.lines[p], text
}

// event logs msg and records an event of kind for it.
func (l *agentLog) event(kind string, t time.Time, msg string) {
	p, n, text := l.line(t, msg)
	if kind != diagnose.TLHeartbeatOK {
		l.hb = -1
		l.events = append(l.events, diagnose.TimelineEvent{Kind: kind, Time: t, Count: 1, Path: p, Line: n, Text: text})
		return
	}
	if l.hb >= 0 && t.Sub(l.events[l.hb].End) <= 5*time.Minute {
		l.events[l.hb].End = t
		l.events[l.hb].Count++
		return
	}
	l.hb = len(l.events)
	l.events = append(l.events, diagnose.TimelineEvent{Kind: kind, Time: t, End: t, Count: 1, Path: p, Line: n, Text: text})
}

// heartbeats sends a heartbeat every minute from a to b, with the agent's other chatter.
func (l *agentLog) heartbeats(a, b time.Time) {
	for t := a; t.Before(b); t = t.Add(time.Minute) {
		if t.Minute()%10 == 3 {
			l.line(t.Add(-20*time.Second), "level=info, logName=request, method=POST, url=https://api.integrator.io/v1/exports/run, status=200, durationMs=84")
		}
		l.event(diagnose.TLHeartbeatOK, t, "level=info, logName=heartbeat, message=Heartbeat sent successfully")
	}
}

// span records a span of kind (gap, silence) that no single line shows.
func (l *agentLog) span(kind string, a, b time.Time) {
	l.hb = -1
	l.events = append(l.events, diagnose.TimelineEvent{Kind: kind, Time: a, End: b, Count: 1})
}

// ref returns the evidence of the n-th (0-based; -1 the last) event of kind.
func (l *agentLog) ref(kind string, n int) manifest.Evidence {
	var found []diagnose.TimelineEvent
	for _, e := range l.events {
		if e.Kind == kind {
			found = append(found, e)
		}
	}
	if n < 0 {
		n = len(found) + n
	}
	return manifest.Evidence{Path: found[n].Path, Line: found[n].Line}
}

// bundle makes the fixture: the files, a manifest listing them and the timeline in time order.
func (l *agentLog) bundle(name string, m *manifest.Manifest, extra map[string]string, findings []manifest.Finding) fixture {
	fsys := fstest.MapFS{}
	for p, b := range l.files {
		fsys[p] = &fstest.MapFile{Data: []byte(b.String()), Mode: 0o644}
	}
	for p, s := range extra {
		fsys[p] = &fstest.MapFile{Data: []byte(s), Mode: 0o644}
	}
	var paths []string
	for p := range fsys {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		data := fsys[p].Data
		sum := sha256.Sum256(data)
		f := manifest.File{Path: p, Source: "/root/.config/agent/" + strings.TrimPrefix(strings.TrimPrefix(p, "agent/logs/"), "agent/"),
			Collector: "logs", Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Redactions: map[string]int{}, OriginalSize: int64(len(data))}
		switch {
		case p == "agent/settings.json":
			f.Source, f.Collector, f.Redactions = "/root/.config/agent/Settings", "settings", map[string]int{"agent_token": 1, "secret_key": 1}
		case strings.HasPrefix(p, "agent/uncaught"):
			f.Collector = "crash"
		case strings.HasPrefix(p, "system/") || strings.HasPrefix(p, "service/") || strings.HasPrefix(p, "network/"):
			f.Source, f.Collector = "", strings.SplitN(p, "/", 2)[0]
		case strings.HasPrefix(p, "agent/logs/"):
			f.Redactions = map[string]int{"password_pair": strings.Count(string(data), "[REDACTED]")}
		}
		m.Files = append(m.Files, f)
	}
	m.Redaction.Rules = map[string]int{}
	for _, f := range m.Files {
		for k, v := range f.Redactions {
			if v > 0 {
				m.Redaction.Rules[k] += v
			}
		}
	}
	sort.SliceStable(l.events, func(i, j int) bool { return l.events[i].Time.Before(l.events[j].Time) })
	r := diagnose.Result{Findings: findings, Timeline: diagnose.Timeline{Start: runAt.Add(-168 * time.Hour), End: runAt, Events: l.events}}
	r.Timeline.Events = append(r.Timeline.Events, diagnose.TimelineEvent{Kind: diagnose.TLRun, Time: runAt, Count: 1})
	m.Findings = findings
	return fixture{name: name, m: m, fs: fsys, r: r}
}

// baseManifest is a run on a Linux server with the agent installed as a service.
func baseManifest() *manifest.Manifest {
	no := false
	start := runAt.Add(-3 * time.Second)
	col := func(name, status string, ms int64, errs ...string) manifest.Collector {
		c := manifest.Collector{Name: name, Status: status, Started: start, DurationMS: ms}
		if status == manifest.StatusPartial {
			c.Problems = errs
		} else if len(errs) > 0 {
			c.Error = errs[0]
		}
		return c
	}
	return &manifest.Manifest{
		Schema:     manifest.SchemaID,
		Tool:       manifest.Tool{Name: "opadiag", Version: "1.2.0", Commit: "4f1c2a9e7b3d", Go: "go1.26.8"},
		Created:    runAt,
		DurationMS: 2870,
		Invocation: manifest.Invocation{Trigger: "manual", Args: []string{"collect"}, User: "root", Elevated: true},
		Options: manifest.Options{Output: "/root", Since: "168h0m0s", MaxFileSize: 64 << 20, MaxTotalSize: 512 << 20,
			ProbeTimeout: "5s"},
		Host: manifest.Host{Hostname: "erp-gw-01", OS: "linux", Arch: "amd64", OSName: "Ubuntu 22.04.4 LTS", OSVersion: "22.04",
			Elevated: true, AgentVersion: "4.4.1", AgentVersionSource: "package.json /opt/celigo-agent/resources/app/package.json",
			ServiceState: "running", ServiceStartType: "enabled", Instances: 1,
			Network: &manifest.NetworkSummary{Probed: true, Reachable: true, Region: "us", API: "api.integrator.io", Route: "direct",
				Text: "api.integrator.io answers directly (TLS verified, clock within 1s)", TLSVerified: new(true), LocalPortFree: &no}},
		Discovery: manifest.Discovery{Method: "discovered", Searched: []string{"/root/.config/agent", "/home/*/.config/agent", "/root/.agent", "/home/*/.agent"}},
		Agents: []manifest.Agent{{ID: 1, Home: "/root/.config/agent", Folder: "agent", Settings: []manifest.SettingsFile{{
			Source: "/root/.config/agent/Settings", Path: "agent/settings.json", Parsed: true, UncaughtExceptionHappenedOnService: &no,
			Token: &manifest.Token{Key: "token", Hash: tokenHash, Length: 32}}}}},
		Collectors: []manifest.Collector{
			col("settings", manifest.StatusOK, 3), col("service", manifest.StatusOK, 41), col("logs", manifest.StatusOK, 612),
			col("crash", manifest.StatusOK, 1), col("system", manifest.StatusPartial, 188, "read /var/log/syslog: permission denied"),
			col("network", manifest.StatusOK, 1740),
		},
		Omitted: []manifest.Omitted{
			{Source: "/root/.config/agent/server-2026-11-12.log", Collector: "logs", Reason: "dated 2026-11-12, before the --since window (168h0m0s)", Size: 412_330},
			{Source: "/root/.config/agent/server-2026-11-13.log", Collector: "logs", Reason: "dated 2026-11-13, before the --since window (168h0m0s)", Size: 398_004},
			{Source: "/root/.config/agent/Crashpad/settings.log", Collector: "logs", Reason: "binary content (NUL bytes), which cannot be redacted with confidence", Size: 1024},
		},
		Redaction: manifest.Redaction{TokenHash: tokenHash},
	}
}

// settingsJSON is a redacted Settings file.
const settingsJSON = `{
  "token": "` + tokenHash + `",
  "environment": "production",
  "proxy": "",
  "dbPassword": "[REDACTED]",
  "uncaughtExceptionHappenedOnService": false
}
`

var (
	tokenFinding = manifest.Finding{ID: "token.hash", Severity: manifest.SeverityInfo, Title: "Token hash to compare with integrator.io",
		Detail:   "The agent's token (token, 32 characters) has hash " + tokenHash + ".",
		Remedy:   "Copy the agent's token from integrator.io (Resources → Agents) and run: opadiag hash-token TOKEN. The same hash means the tokens are identical.",
		Evidence: []manifest.Evidence{{Path: "agent/settings.json", Line: 2}}}
	serviceFinding = manifest.Finding{ID: "service.running", Severity: manifest.SeverityPass, Title: "The agent's service is running",
		Detail: "celigo-agent.service is active (running), enabled at boot.", Evidence: []manifest.Evidence{{Path: "service/celigo-agent.service/show.txt"}}}
)

func common() map[string]string {
	return map[string]string{
		"agent/settings.json":                   settingsJSON,
		"service/celigo-agent.service/show.txt": "ActiveState=active\nSubState=running\nUnitFileState=enabled\nNRestarts=0\n",
		"network/probes.json":                   `{"schema": "opadiag.probes/v1"}` + "\n",
	}
}

// healthy: heartbeats all week, one restart at a reboot, the tunnel up.
func healthyFixture() fixture {
	l := newAgentLog()
	start := runAt.Add(-168 * time.Hour)
	reboot := time.Date(2026, 11, 23, 4, 2, 0, 0, time.UTC)
	l.heartbeats(start.Add(30*time.Second), reboot.Add(-8*time.Minute))
	l.span(diagnose.TLSilence, reboot.Add(-8*time.Minute), reboot)
	l.event(diagnose.TLServiceRestart, reboot, "level=info, logName=startup, message=Celigo on-premise agent starting, latest version 4.4.1")
	l.event(diagnose.TLTunnelCreated, reboot.Add(4*time.Second), "level=info, logName=tunnelCreated, host=agent-ext.integrator.io")
	l.event(diagnose.TLTunnelReady, reboot.Add(6*time.Second), "level=info, logName=tunnelReadyForUse")
	l.heartbeats(reboot.Add(time.Minute), runAt)
	findings := []manifest.Finding{
		tokenFinding,
		{ID: "heartbeat.ok", Severity: manifest.SeverityPass, Title: "Heartbeats succeed",
			Detail: "10069 successful heartbeats; the last 2026-11-28 11:59:30 UTC.", Evidence: []manifest.Evidence{l.ref(diagnose.TLHeartbeatOK, -1)}},
		serviceFinding,
	}
	m := baseManifest()
	return l.bundle("healthy", m, common(), findings)
}

// failing: DNS stopped resolving integrator.io last night; heartbeats and the tunnel fail since.
func failingFixture() fixture {
	l := newAgentLog()
	start := runAt.Add(-168 * time.Hour)
	outage := time.Date(2026, 11, 27, 22, 14, 0, 0, time.UTC)
	l.heartbeats(start.Add(30*time.Second), outage)
	l.event(diagnose.TLNoInternet, outage.Add(5*time.Second), "level=error, logName=noInternet, message=getaddrinfo ENOTFOUND api.integrator.io")
	for t, i := outage.Add(30*time.Second), 0; t.Before(runAt); t, i = t.Add(time.Minute), i+1 {
		l.event(diagnose.TLHeartbeatFailed, t, "level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io, url=https://api.integrator.io/v1/agents/heartbeat")
		if i%30 == 7 {
			l.event(diagnose.TLTunnelFailed, t.Add(10*time.Second), "level=error, logName=requestTunnel, message=requesting tunnel failed: getaddrinfo ENOTFOUND api.integrator.io")
		}
		if i%120 == 60 {
			l.event(diagnose.TLNoInternet, t.Add(15*time.Second), "level=error, logName=noInternet, message=getaddrinfo ENOTFOUND api.integrator.io")
		}
	}
	l.span(diagnose.TLGap, outage, runAt)
	m := baseManifest()
	m.Host.Network = &manifest.NetworkSummary{Probed: true, Reachable: false, Region: "us", API: "api.integrator.io",
		Text: "api.integrator.io: DNS lookup failed (not_found); no route answered"}
	findings := []manifest.Finding{
		{ID: "heartbeat.failing", Severity: manifest.SeverityFail, Title: "The agent cannot send its heartbeat to integrator.io",
			Detail:   "826 failed heartbeats since 2026-11-27 22:14:30 UTC; the last 2026-11-28 11:59:30 UTC. The last successful one was 2026-11-27 22:13:30 UTC.",
			Remedy:   "From this server, check that https://api.integrator.io answers (curl -I https://api.integrator.io), that the firewall allows outbound HTTPS (port 443) and SSH (port 22) to integrator.io, and, behind a proxy, that HTTP_PROXY/HTTPS_PROXY are right.",
			Evidence: []manifest.Evidence{l.ref(diagnose.TLHeartbeatFailed, 0), l.ref(diagnose.TLHeartbeatFailed, -1)}},
		{ID: "network.dns_not_found", Severity: manifest.SeverityFail, Title: "api.integrator.io does not resolve on this server",
			Detail:   "The DNS lookup of api.integrator.io failed (NXDOMAIN); the agent's logs say ENOTFOUND since 2026-11-27 22:14 UTC.",
			Remedy:   "Check the server's DNS settings (/etc/resolv.conf) and that the DNS server can resolve public names.",
			Evidence: []manifest.Evidence{{Path: "network/probes.json"}, l.ref(diagnose.TLNoInternet, 0)}},
		{ID: "heartbeat.gaps", Severity: manifest.SeverityWarn, Title: "1 gap of more than 5 minutes between heartbeats",
			Detail: "The longest: no heartbeat from 2026-11-27 22:13:30 UTC to 2026-11-28 12:00:00 UTC (13h46m30s)."},
		{ID: "tunnel.failing", Severity: manifest.SeverityWarn, Title: "Tunnel requests fail",
			Detail: "28 tunnel requests failed.", Remedy: "Outbound SSH (port 22) to the agent-extension server must be allowed.",
			Evidence: []manifest.Evidence{l.ref(diagnose.TLTunnelFailed, 0)}},
		tokenFinding,
		serviceFinding,
	}
	return l.bundle("failing", m, common(), findings)
}

// crash: the agent crashed in the night, was silent for hours, then restarted and could not bind
// its port at first.
func crashFixture() fixture {
	l := newAgentLog()
	start := runAt.Add(-168 * time.Hour)
	crash := time.Date(2026, 11, 26, 3, 12, 44, 0, time.UTC)
	back := time.Date(2026, 11, 26, 9, 40, 0, 0, time.UTC)
	l.heartbeats(start.Add(30*time.Second), crash.Add(-44*time.Second))
	l.event(diagnose.TLCrash, crash, "level=error, logName=uncaughtException, message=TypeError: Cannot read properties of undefined (reading 'socket'), password=[REDACTED]")
	l.span(diagnose.TLSilence, crash, back)
	l.span(diagnose.TLGap, crash.Add(-44*time.Second), back.Add(2*time.Minute))
	l.event(diagnose.TLServiceRestart, back, "level=info, logName=startup, message=Celigo on-premise agent starting, latest version 4.4.1")
	l.event(diagnose.TLBindFailed, back.Add(2*time.Second), "level=error, logName=forwardInError, code=EADDRINUSE, message=Unable to bind to 0.0.0.0:7017, stack=Error: listen EADDRINUSE")
	l.event(diagnose.TLServiceRestart, back.Add(70*time.Second), "level=info, logName=startup, message=Celigo on-premise agent starting, latest version 4.4.1")
	l.event(diagnose.TLTunnelCreated, back.Add(75*time.Second), "level=info, logName=tunnelCreated, host=agent-ext.integrator.io")
	l.event(diagnose.TLTunnelReady, back.Add(77*time.Second), "level=info, logName=tunnelReadyForUse")
	l.heartbeats(back.Add(2*time.Minute), runAt)
	yes := true
	m := baseManifest()
	m.Agents[0].Settings[0].UncaughtExceptionHappenedOnService = &yes
	extra := common()
	extra["agent/uncaughtException"] = "TypeError: Cannot read properties of undefined (reading 'socket')\n    at TLSSocket.onConnect (/opt/celigo-agent/resources/app/lib/tunnel.js:212:31)\n    at TLSSocket.emit (node:events:517:28)\n"
	findings := []manifest.Finding{
		{ID: "crash.service", Severity: manifest.SeverityFail, Title: "The agent's service crashed with an uncaught exception",
			Detail:   "Settings has uncaughtExceptionHappenedOnService set to true: the agent's service crashed. agent/uncaughtException written 2026-11-26 03:12 UTC.",
			Remedy:   "Read the uncaughtException file in the bundle for the stack trace. If it is not self-explanatory, open a ticket with Celigo Support and attach this bundle.",
			Evidence: []manifest.Evidence{{Path: "agent/uncaughtException", Line: 1}, {Path: "agent/settings.json", Line: 6}}},
		{ID: "bind.failed", Severity: manifest.SeverityWarn, Title: "The agent could not bind 0.0.0.0:7017",
			Detail: "1 log line; the last 2026-11-26 09:40:02 UTC.", Remedy: "Another program, or a second agent, holds port 7017: stop it.",
			Evidence: []manifest.Evidence{l.ref(diagnose.TLBindFailed, 0)}},
		{ID: "logs.silence", Severity: manifest.SeverityWarn, Title: "The agent logged nothing for 6h27m",
			Detail: "From 2026-11-26 03:12:44 UTC to 2026-11-26 09:40:00 UTC."},
		tokenFinding,
		serviceFinding,
	}
	return l.bundle("crash", m, extra, findings)
}

// noAgent: nothing found where the agent lives; no service either.
func noAgentFixture() fixture {
	m := baseManifest()
	m.Agents = nil
	m.Redaction.TokenHash = ""
	m.Host.AgentVersion, m.Host.AgentVersionSource, m.Host.ServiceState, m.Host.ServiceStartType, m.Host.Instances = "", "", "not_found", "", 0
	m.Omitted = nil
	m.Collectors = []manifest.Collector{
		{Name: "settings", Status: manifest.StatusSkipped, Error: "no agent home found", Started: runAt},
		{Name: "service", Status: manifest.StatusOK, Started: runAt, DurationMS: 38},
		{Name: "logs", Status: manifest.StatusSkipped, Error: "no agent home found", Started: runAt},
		{Name: "crash", Status: manifest.StatusSkipped, Error: "no agent home found", Started: runAt},
		{Name: "system", Status: manifest.StatusOK, Started: runAt, DurationMS: 95},
		{Name: "network", Status: manifest.StatusOK, Started: runAt, DurationMS: 1602},
	}
	findings := []manifest.Finding{
		{ID: "agent.not_found", Severity: manifest.SeverityFail, Title: "No on-premise agent found on this machine",
			Detail: "No agent home was found in the 4 places searched.",
			Remedy: "Run opadiag again as administrator or with sudo, or pass --agent-dir with the folder that holds the agent's Settings file."},
	}
	l := newAgentLog()
	f := l.bundle("no-agent", m, map[string]string{"system/os.json": `{"name": "Ubuntu 22.04.4 LTS"}` + "\n"}, findings)
	f.r.Timeline.Events = []diagnose.TimelineEvent{{Kind: diagnose.TLRun, Time: runAt, Count: 1}}
	return f
}

func fixtures() []fixture {
	return []fixture{healthyFixture(), failingFixture(), crashFixture(), noAgentFixture()}
}

// kindCounts is what a fixture's timeline holds: the events (their counts summed) of each kind.
func kindCounts(t diagnose.Timeline) map[string]int {
	out := map[string]int{}
	for _, e := range t.Events {
		out[e.Kind] += max(e.Count, 1)
	}
	return out
}

// Describe is for failures: a fixture's name and size.
func (f fixture) String() string {
	return fmt.Sprintf("%s (%d files, %d events)", f.name, len(f.fs), len(f.r.Timeline.Events))
}
