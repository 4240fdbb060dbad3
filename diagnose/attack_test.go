package diagnose

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

// Independent fixtures: the guide's conditions planted in 50,000-line noisy logs written in the
// formats a real agent's logs come in (ISO with Z, offsets, CRLF with a byte-order mark, JSON
// lines, daily rotation across files).

type logStyle string

const (
	styleISO     logStyle = "iso"
	styleCRLFBOM logStyle = "crlf-bom"
	styleOffset  logStyle = "offset"   // [2026-11-28 17:00:00.123+05:00] text
	styleJSON    logStyle = "json"     // {"timestamp":"…","message":"…"}
	styleRotated logStyle = "rotated"  // server-YYYY-MM-DD.log, one per day
	styleSpaceTZ logStyle = "space-tz" // 2026-11-28 07:00:00,123 -05:00 [info] text
	styleWindows logStyle = "windows"  // rotated daily files, CRLF, each with a byte-order mark
)

// render writes l in style s: the bundle's files and where each entry's first line is.
func render(l *logb, s logStyle) (map[string]string, map[int][2]any) {
	files := map[string]*strings.Builder{}
	lines := map[string]int{}
	where := map[int][2]any{}
	nl := "\n"
	if s == styleCRLFBOM || s == styleWindows {
		nl = "\r\n"
	}
	for _, e := range l.sorted() {
		p := logPath
		if s == styleRotated || s == styleWindows {
			p = "agent/logs/server-" + e.t.UTC().Format("2006-01-02") + ".log"
		}
		b := files[p]
		if b == nil {
			b = &strings.Builder{}
			files[p] = b
			if s == styleCRLFBOM || s == styleWindows {
				b.WriteString("\ufeff")
			}
		}
		where[e.id] = [2]any{p, lines[p] + 1}
		var text string
		switch {
		case strings.HasPrefix(e.text, "\x00"):
			text = e.text[1:]
		case s == styleOffset:
			text = "[" + e.t.In(time.FixedZone("", 5*3600)).Format("2006-01-02 15:04:05.000-07:00") + "] " + e.text
		case s == styleSpaceTZ:
			text = e.t.In(time.FixedZone("", -5*3600)).Format("2006-01-02 15:04:05,000 -07:00") + " " + e.text
		case s == styleJSON:
			lvl := "info"
			if i := strings.Index(e.text, "level="); i >= 0 {
				lvl = strings.SplitN(e.text[i+6:], ",", 2)[0]
			}
			msg, _ := json.Marshal(e.text)
			text = `{"level":"` + lvl + `","message":` + string(msg) + `,"timestamp":"` + ts(e.t) + `"}`
		default:
			text = ts(e.t) + ": " + e.text
		}
		text = strings.ReplaceAll(text, "\n", nl)
		b.WriteString(text + nl)
		lines[p] += strings.Count(text, "\n") + 1
	}
	out := map[string]string{}
	for p, b := range files {
		out[p] = b.String()
	}
	return out, where
}

type attackCase struct {
	name  string
	plant func(f *fixture) int // returns the planted entry's handle (0: none)
	id    string
	sev   string
	words []string
	first bool
	// healthy: no warn or fail at all
	healthy bool
	absent  []string
	check   func(t *testing.T, got *manifest.Finding, all []manifest.Finding)
}

func (c attackCase) run(t *testing.T, s logStyle, seed uint64) {
	f := noisyBundle(50000, seed)
	h := 0
	if c.plant != nil {
		h = c.plant(f)
	}
	files, where := render(f.log, s)
	f.log = nil
	for p, v := range files {
		f.other[p] = v
	}
	res := f.run()
	fs := res.Findings
	checkWellFormed(t, fs)
	if c.healthy {
		noWarnOrFail(t, fs)
	}
	for _, id := range c.absent {
		if g := byID(fs, id); g != nil {
			t.Errorf("unexpected %s %s: %s", g.Severity, id, g.Detail)
		}
	}
	if c.id == "" {
		return
	}
	got := byID(fs, c.id)
	if got == nil {
		t.Fatalf("no %s; got %s", c.id, ids(fs))
	}
	if got.Severity != c.sev {
		t.Errorf("%s is %s, want %s: %s", c.id, got.Severity, c.sev, got.Detail)
	}
	if h != 0 {
		w := where[h]
		ok := false
		for _, e := range got.Evidence {
			if e.Path == w[0].(string) && e.Line == w[1].(int) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s evidence %+v, want %v", c.id, got.Evidence, w)
		}
	}
	for _, w := range c.words {
		if !strings.Contains(strings.ToLower(got.Remedy), strings.ToLower(w)) {
			t.Errorf("%s remedy lacks %q: %s", c.id, w, got.Remedy)
		}
	}
	if c.first && fs[0].ID != c.id {
		t.Errorf("first is %s %s (%s), want %s; %s", fs[0].Severity, fs[0].ID, fs[0].Detail, c.id, ids(fs))
	}
	if c.check != nil {
		c.check(t, got, fs)
	}
}

func hbFail(f *fixture, from, to time.Duration, text string) int {
	return f.heartbeatFailures(from, to, text)
}

func attackCases() []attackCase {
	return []attackCase{
		{name: "healthy", healthy: true, id: "heartbeat.ok", sev: "pass"},
		{name: "healthy, restarted once cleanly by an update", healthy: true, absent: []string{"agent.restarts"},
			plant: func(f *fixture) int {
				f.log.add(at(-6*time.Hour), "level=info, logName=autoUpdater, message=Update downloaded, quitAndInstall")
				f.log.add(at(-6*time.Hour+time.Second), "level=info, logName=appQuit, message=shutting down for update")
				f.log.add(at(-6*time.Hour+20*time.Second), "level=info, logName=appStart, Update for version 4.5.1 is not available (latest version: 4.5.1, downgrade is disallowed).")
				f.log.add(at(-6*time.Hour+22*time.Second), lineTunnelOK)
				f.log.add(at(-6*time.Hour+23*time.Second), lineTunnelRdy)
				return 0
			}},
		{name: "healthy, three tunnel retries at startup", healthy: true, absent: []string{"tunnel.retries", "tunnel.failing", "network.dns"},
			plant: func(f *fixture) int {
				t0 := at(-2 * time.Hour)
				f.log.add(t0, "level=info, logName=appStart, agent started")
				for i := 0; i < 3; i++ {
					f.log.add(t0.Add(time.Duration(i+1)*time.Second), "level=error, logName=requestTunnel, requesting tunnel failed\nerror={\"errno\":-3008,\"code\":\"ENOTFOUND\",\"syscall\":\"getaddrinfo\",\"hostname\":\"api.integrator.io\"}")
				}
				f.log.add(t0.Add(5*time.Second), lineTunnelOK)
				f.log.add(t0.Add(6*time.Second), lineTunnelRdy)
				return 0
			}},
		{name: "healthy, one integration's DB errors", healthy: true, absent: []string{"network.dns", "network.refused", "token.rejected"},
			plant: func(f *fixture) int {
				for d := -20 * time.Hour; d < -time.Hour; d += 7 * time.Hour {
					f.log.add(at(d), "level=error, logName=query, connectionId=5f2a9c, err=Error: connect ECONNREFUSED 10.1.2.3:5432")
					f.log.add(at(d+time.Second), "level=error, logName=query, connectionId=5f2a9c, err=Error: Login failed for user 'svc_erp'.")
				}
				return 0
			}},
		{name: "heartbeats fail: Connection timeout", first: true, id: "network.timeout", sev: "fail", words: []string{"firewall or proxy"},
			plant: func(f *fixture) int {
				return hbFail(f, -40*time.Minute, 0, "[ERROR] Failed to send heartbeat: Connection timeout")
			}},
		{name: "heartbeats fail: ENOTFOUND api.integrator.io", first: true, id: "network.dns", sev: "fail", words: []string{"nslookup api.integrator.io"},
			plant: func(f *fixture) int {
				return hbFail(f, -40*time.Minute, 0, "level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26) { errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'api.integrator.io' }")
			}},
		{name: "heartbeats fail: invalid token", first: true, id: "token.rejected", sev: "fail", words: []string{"opadiag hash-token"},
			plant: func(f *fixture) int {
				return hbFail(f, -40*time.Minute, 0, "[ERROR] Invalid token while sending heartbeat")
			}},
		{name: "heartbeats fail: guide multi-line ETIMEDOUT", first: true, id: "network.timeout", sev: "fail", words: []string{"firewall or proxy"},
			plant: func(f *fixture) int {
				return hbFail(f, -40*time.Minute, 0, "level=error, logName=heartbeatFailed, err=Error: connect ETIMEDOUT 72.44.45.92:443\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1300:16) {\n  errno: -4039,\n  code: 'ETIMEDOUT',\n  syscall: 'connect',\n  address: '72.44.45.92',\n  port: 443\n}")
			}},
		{name: "heartbeat stopped 3h ago, log goes on", first: true, id: "heartbeat.stopped", sev: "fail",
			plant: func(f *fixture) int {
				f.log.drop(at(-3*time.Hour), at(0), "Heartbeat sent successfully")
				for d := -3 * time.Hour; d < 0; d += 3 * time.Minute {
					f.log.add(at(d+7*time.Second), lineQuery)
				}
				return f.log.add(at(-3*time.Hour-20*time.Second), "level=info, logName=heartbeat, message=Heartbeat sent successfully, durationMs=55")
			}},
		{name: "log ends 3h ago", first: true, id: "logs.silent", sev: "fail",
			plant: func(f *fixture) int {
				f.log.cutAfter(at(-3 * time.Hour))
				return f.log.add(at(-3*time.Hour+time.Second), "level=info, logName=heartbeat, message=Heartbeat sent successfully, durationMs=55")
			}},
		{name: "noInternet + heartbeatFailed together", id: "network.no_internet", sev: "fail", words: []string{"t2.micro"},
			check: func(t *testing.T, _ *manifest.Finding, all []manifest.Finding) {
				if all[0].ID != "network.no_internet" && all[0].ID != "network.dns" {
					t.Errorf("first is %s", all[0].ID)
				}
			},
			plant: func(f *fixture) int {
				id := f.log.add(at(-24*time.Minute+30*time.Second), "level=error, logName=noInternet")
				hbFail(f, -24*time.Minute-30*time.Second, 0, "level=error, logName=heartbeatFailed, err=Error: getaddrinfo EAI_AGAIN api.integrator.io")
				return id
			}},
		{name: "noInternet + heartbeatFailed 23h apart", id: "network.no_internet", sev: "info", healthy: true,
			plant: func(f *fixture) int {
				return f.log.add(at(-23*time.Hour-30*time.Minute), "level=error, logName=noInternet")
			}},
		{name: "tunnel keeps failing", first: true, id: "tunnel.failing", sev: "fail", words: []string{"Celigo Support"},
			plant: func(f *fixture) int {
				first := 0
				for d := -50 * time.Minute; d < 0; d += 30 * time.Second {
					id := f.log.add(at(d), "level=error, logName=requestTunnel, requesting tunnel failed\nerror={\"errno\":-111,\"code\":\"ECONNREFUSED\",\"syscall\":\"connect\",\"address\":\"3.212.10.4\",\"port\":443}")
					if first == 0 {
						first = id
					}
				}
				return first
			}},
		{name: "bind 7017, 30 minutes ago", first: true, id: "port.bind", sev: "warn", words: []string{"Celigo Support"},
			plant: func(f *fixture) int {
				return f.log.add(at(-30*time.Minute), "level=error, logName=forwardInError, code=undefined, message=Unable to bind to 0.0.0.0:7017, stack=Error:\n    at Server.setupListenHandle [as _listen2] (node:net:1817:16)")
			}},
		{name: "uninstall old files", first: true, id: "update.uninstall_failed", sev: "warn", words: []string{"Restart the system"},
			plant: func(f *fixture) int {
				return f.log.add(at(-2*time.Hour), "level=error, logName=autoUpdater, Error: Failed to uninstall old application files. Please try running the installer again.: 2")
			}},
		{name: "missing env variable", first: true, id: "env.missing", sev: "warn",
			plant: func(f *fixture) int {
				return f.log.add(at(-2*time.Hour), "level=error, logName=appStart, message=Environment variable JAVA_HOME is not set")
			}},
		{name: "EPERM unlink", first: true, id: "service.uninstall_eperm", sev: "warn", words: []string{"Uninstall service again"},
			plant: func(f *fixture) int {
				return f.log.add(at(-2*time.Hour), "level=error, logName=uncaughtException, Error: EPERM: operation not permitted, unlink 'C:\\Users\\svc\\AppData\\Roaming\\Agent\\service\\daemon\\celigoagent.exe'")
			}},
		{name: "one unexpected restart", id: "agent.restarts", sev: "info",
			plant: func(f *fixture) int {
				return f.log.add(at(-5*time.Hour), "level=info, logName=appStart, agent started")
			}},
		{name: "two unexpected restarts", id: "agent.restarts", sev: "warn", words: []string{"uncaughtException"},
			plant: func(f *fixture) int {
				f.log.add(at(-7*time.Hour), "level=info, logName=appStart, Starting Celigo on-premise agent")
				return f.log.add(at(-5*time.Hour), "level=info, logName=appStart, agent started")
			}},
		{name: "uncaught exception with stack", id: "logs.exceptions", sev: "warn",
			plant: func(f *fixture) int {
				return f.log.add(at(-5*time.Hour), "level=error, logName=uncaughtException, err=TypeError: Cannot read properties of null (reading 'socket')\n    at Tunnel.onClose (/opt/celigo-agent/resources/app/lib/tunnel.js:212:17)\n    at Socket.emit (node:events:517:28)")
			}},
		{name: "DB ENOTFOUND is target.dns", first: true, id: "target.dns", sev: "warn", absent: []string{"network.dns"},
			plant: func(f *fixture) int {
				first := 0
				for d := -40 * time.Minute; d < 0; d += 2 * time.Minute {
					id := f.log.add(at(d), "level=error, logName=query, connectionId=5f2a9c, err=Error: getaddrinfo ENOTFOUND sqlserver01.corp.local")
					if first == 0 {
						first = id
					}
				}
				return first
			}},
		{name: "API 401 token is target.auth", first: true, id: "target.auth", sev: "warn", absent: []string{"token.rejected"},
			plant: func(f *fixture) int {
				first := 0
				for d := -40 * time.Minute; d < 0; d += 2 * time.Minute {
					id := f.log.add(at(d), "level=error, logName=request, url=https://erp.corp.local/api/orders, status=401, message=token expired")
					if first == 0 {
						first = id
					}
				}
				return first
			}},
		{name: "latest version line is not the running version", healthy: true, absent: []string{"agent.version_mismatch"},
			plant: func(f *fixture) int {
				return f.log.add(at(-1*time.Hour), "level=info, logName=autoUpdater, A new version is available: latest version 4.6.0 available")
			}},
		{name: "heartbeats fail and no tunnel ever", id: "tunnel.none", sev: "fail",
			plant: func(f *fixture) int {
				f.log.drop(at(-48*time.Hour), at(0), "tunnel")
				hbFail(f, -40*time.Minute, -time.Minute, "[ERROR] Socket timeout during heartbeat")
				return hbFail(f, -time.Minute, 0, "[ERROR] Socket timeout during heartbeat")
			}},
		{name: "heartbeat stopped before midnight, today's file has no heartbeat", first: true, id: "heartbeat.stopped", sev: "fail",
			plant: func(f *fixture) int {
				f.log.drop(at(-13*time.Hour), at(0), "Heartbeat sent successfully")
				f.log.drop(at(-13*time.Hour), at(0), "heartbeatFailed")
				for d := -13 * time.Hour; d < 0; d += 3 * time.Minute {
					f.log.add(at(d+7*time.Second), lineQuery)
				}
				return f.log.add(at(-13*time.Hour-20*time.Second), "level=info, logName=heartbeat, message=Heartbeat sent successfully, durationMs=55")
			}},
		{name: "integrator.io answers 401 to heartbeats", first: true, id: "token.rejected", sev: "fail", words: []string{"opadiag hash-token"},
			absent: []string{"target.auth"},
			plant: func(f *fixture) int {
				return hbFail(f, -30*time.Minute, 0, "level=error, logName=heartbeatFailed, err=Error: Request failed with status code 401, url=https://api.integrator.io/v1/agents/heartbeat")
			}},
		{name: "healthy, acknowledged wording", healthy: true, id: "heartbeat.ok", sev: "pass",
			plant: func(f *fixture) int {
				for i := range f.log.entries {
					if strings.Contains(f.log.entries[i].text, "Heartbeat sent successfully") {
						f.log.entries[i].text = "[INFO] Agent heartbeat acknowledged by integrator.io"
					}
				}
				return 0
			}},
		{name: "integrator.io down while a DB also fails: the agent's cause first", first: true, id: "network.refused", sev: "fail",
			absent: []string{"target.dns"},
			plant: func(f *fixture) int {
				for d := -30 * time.Minute; d < 0; d += 90 * time.Second {
					f.log.add(at(d+3*time.Second), "level=error, logName=query, connectionId=5f2a9c, err=Error: connect ECONNREFUSED 10.1.2.3:1433")
				}
				return hbFail(f, -30*time.Minute, 0, "level=error, logName=heartbeatFailed, err=Error: connect ECONNREFUSED 52.2.3.4:443")
			}},
		{name: "heartbeats through a proxy asking for credentials", first: true, id: "network.proxy_auth", sev: "fail",
			plant: func(f *fixture) int {
				return hbFail(f, -30*time.Minute, 0, "[ERROR] Failed to send heartbeat: Request failed with status code 407 Proxy Authentication Required")
			}},
		{name: "heartbeats through a TLS-intercepting proxy", first: true, id: "network.tls", sev: "fail",
			plant: func(f *fixture) int {
				return hbFail(f, -30*time.Minute, 0, "level=error, logName=heartbeatFailed, err=Error: unable to get local issuer certificate, code=UNABLE_TO_GET_ISSUER_CERT_LOCALLY")
			}},
		{name: "heap out of memory, then a restart", id: "resources.memory", sev: "warn", words: []string{"memory"},
			plant: func(f *fixture) int {
				id := f.log.add(at(-4*time.Hour), "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb7a940 node::Abort() [/opt/celigo-agent/agent]\n 2: 0xa8e823  [/opt/celigo-agent/agent]")
				f.log.add(at(-4*time.Hour+30*time.Second), "level=info, logName=appStart, agent started")
				return id
			}},
		{name: "too many open files", id: "resources.files", sev: "warn", words: []string{"LimitNOFILE"},
			plant: func(f *fixture) int {
				return f.log.add(at(-3*time.Hour), "level=error, logName=forwardInError, message=Error: EMFILE: too many open files, open '/root/.config/agent/server-2026-11-28.log'")
			}},
		{name: "each multi-line ETIMEDOUT counted once", id: "network.timeout", sev: "fail",
			plant: func(f *fixture) int {
				return hbFail(f, -20*time.Minute, 0, "level=error, logName=heartbeatFailed, err=Error: connect ETIMEDOUT 72.44.45.92:443\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1300:16) {\n  errno: -4039,\n  code: 'ETIMEDOUT',\n  syscall: 'connect',\n  address: '72.44.45.92',\n  port: 443\n}")
			},
			check: func(t *testing.T, got *manifest.Finding, _ []manifest.Finding) {
				if !strings.HasPrefix(got.Detail, "21 errors") { // 20 planted and the noise's one
					t.Errorf("detail %s", got.Detail)
				}
			}},
		{name: "version from the logs: a newer version offered is not the running one", id: "agent.version", sev: "pass",
			plant: func(f *fixture) int {
				f.m.Service.Installs = nil
				f.log.add(at(-2*time.Hour), "level=info, logName=autoUpdater, A new version is available: latest version 4.6.0 available, downloading")
				return 0
			},
			check: func(t *testing.T, got *manifest.Finding, _ []manifest.Finding) {
				if strings.Contains(got.Title+got.Detail, "4.6.0 is") || !strings.Contains(got.Title+got.Detail, "4.5.1") {
					t.Errorf("%s — %s", got.Title, got.Detail)
				}
			}},
		{name: "guide wording: Unable to reach https://api.integrator.io", first: true, id: "heartbeat.failing", sev: "fail",
			words: []string{"firewall or proxy"},
			plant: func(f *fixture) int {
				return hbFail(f, -30*time.Minute, 0, "[ERROR] Unable to reach https://api.integrator.io")
			}},
		{name: "guide wording: Socket timeout during heartbeat", id: "heartbeat.failing", sev: "fail",
			check: func(t *testing.T, _ *manifest.Finding, all []manifest.Finding) {
				if all[0].ID != "heartbeat.failing" && all[0].ID != "network.timeout" {
					t.Errorf("first is %s", all[0].ID)
				}
			},
			plant: func(f *fixture) int {
				return hbFail(f, -30*time.Minute, 0, "[ERROR] Socket timeout during heartbeat")
			}},
		{name: "heartbeats fail through a refusing proxy: still integrator.io's link", first: true, id: "network.refused", sev: "fail",
			absent: []string{"target.refused"},
			plant: func(f *fixture) int {
				return hbFail(f, -30*time.Minute, 0, "level=error, logName=heartbeatFailed, err=Error: connect ECONNREFUSED 10.0.0.5:3128")
			}},
		{name: "healthy, a daily restart by the service manager with a clean stop", healthy: true, absent: []string{"agent.restarts"},
			plant: func(f *fixture) int {
				t0 := at(-10 * time.Hour)
				f.log.add(t0, "level=info, logName=appQuit, message=received SIGTERM, shutting down")
				f.log.add(t0.Add(3*time.Second), "level=info, logName=appStart, Update for version 4.5.1 is not available (latest version: 4.5.1, downgrade is disallowed).")
				for i := 0; i < 2; i++ {
					f.log.add(t0.Add(time.Duration(4+i)*time.Second), "level=error, logName=requestTunnel, requesting tunnel failed\nerror={\"errno\":-98,\"code\":\"EADDRINUSE\",\"syscall\":\"listen\",\"port\":7017}")
				}
				f.log.add(t0.Add(8*time.Second), lineTunnelOK)
				f.log.add(t0.Add(9*time.Second), lineTunnelRdy)
				return 0
			}},
		{name: "the tunnel never finds a free port", first: true, id: "tunnel.failing", sev: "fail", words: []string{"Celigo Support"},
			plant: func(f *fixture) int {
				first := 0
				for d := -50 * time.Minute; d < 0; d += 30 * time.Second {
					id := f.log.add(at(d), "level=error, logName=requestTunnel, requesting tunnel failed\nerror={\"errno\":-98,\"code\":\"EADDRINUSE\",\"syscall\":\"listen\",\"port\":7017}")
					if first == 0 {
						first = id
					}
				}
				return first
			}},
		{name: "healthy, local times without a zone on a machine five hours west", healthy: true, id: "heartbeat.ok", sev: "pass",
			plant: func(f *fixture) int {
				f.m.System.OS.Timezone, f.m.System.OS.TimezoneOffsetS = "EST", -5*3600
				for i := range f.log.entries {
					// written as local wall-clock time, rendered below without a zone
					f.log.entries[i].text = "\x00" + f.log.entries[i].t.In(time.FixedZone("", -5*3600)).Format("2006-01-02 15:04:05.000") + " " + f.log.entries[i].text
				}
				return 0
			}},
		{name: "healthy, one integration's DB errors all day, some in the last hour", healthy: true, id: "heartbeat.ok", sev: "pass",
			absent: []string{"network.dns", "token.rejected"},
			plant: func(f *fixture) int {
				for d := -23 * time.Hour; d < 0; d += 47 * time.Minute {
					f.log.add(at(d), "level=error, logName=query, connectionId=5f2a9c, err=Error: getaddrinfo ENOTFOUND sqlserver01.corp.local")
					f.log.add(at(d+13*time.Minute), "level=error, logName=importError, url=https://erp.corp.local/api/orders, statusCode=401, message=Unauthorized: token expired")
				}
				return 0
			},
			check: func(t *testing.T, _ *manifest.Finding, all []manifest.Finding) {
				for _, id := range []string{"target.dns", "target.auth"} {
					g := byID(all, id)
					if g == nil || !strings.Contains(g.Title, "corp.local") {
						t.Errorf("%s: %+v", id, g)
					}
				}
			}},
		{name: "the update's uninstall error is the first line of the day's file", first: true, id: "update.uninstall_failed", sev: "warn",
			words: []string{"Restart the system", "PATH"},
			plant: func(f *fixture) int {
				f.log.drop(at(-12*time.Hour), at(-12*time.Hour+time.Second), "")
				return f.log.add(at(-12*time.Hour), "[ERROR] Error: Failed to uninstall old application files. Please try running the installer again.: 2")
			}},
		{name: "an uncaught exception, then the log ends", first: true, id: "logs.silent", sev: "fail", words: []string{"uncaughtException"},
			plant: func(f *fixture) int {
				f.log.cutAfter(at(-3 * time.Hour))
				return f.log.add(at(-3*time.Hour+time.Second), "level=error, logName=uncaughtException, err=ReferenceError: tunnel is not defined\n    at Timeout._onTimeout (/opt/celigo-agent/resources/app/lib/agent.js:88:5)\n    at listOnTimeout (node:internal/timers:569:17)")
			},
			check: func(t *testing.T, _ *manifest.Finding, all []manifest.Finding) {
				if g := byID(all, "logs.exceptions"); g == nil || g.Severity != "warn" {
					t.Errorf("logs.exceptions %+v", g)
				}
			}},
		{name: "a crash loop in the last hour", id: "agent.restarts", sev: "warn", words: []string{"uncaughtException"},
			plant: func(f *fixture) int {
				first := 0
				for d := -50 * time.Minute; d < 0; d += 10 * time.Minute {
					f.log.add(at(d), "level=error, logName=uncaughtException, err=TypeError: Cannot read properties of undefined (reading 'port')\n    at Object.<anonymous> (/opt/celigo-agent/resources/app/lib/server.js:41:22)")
					id := f.log.add(at(d+15*time.Second), "level=info, logName=appStart, agent started")
					if first == 0 {
						first = id
					}
				}
				return 0
			},
			check: func(t *testing.T, _ *manifest.Finding, all []manifest.Finding) {
				if all[0].Severity != "fail" && all[0].Severity != "warn" {
					t.Errorf("first %s", all[0].ID)
				}
				t.Log(ids(all))
			}},
		{name: "healthy, a local database refuses now and then", healthy: true, absent: []string{"network.refused"},
			plant: func(f *fixture) int {
				for d := -20 * time.Hour; d < 0; d += 5 * time.Hour {
					f.log.add(at(d), "level=warn, logName=forwardInError, code=ECONNREFUSED, message=connect ECONNREFUSED 127.0.0.1:3306, connectionId=5f2a9c")
				}
				return 0
			}},
		{name: "a failing heartbeat's stack on unindented lines is one entry", id: "heartbeat.failing", sev: "fail",
			plant: func(f *fixture) int {
				return hbFail(f, -30*time.Minute, 0, "level=error, logName=heartbeatFailed, err=Error: Invalid token while sending heartbeat\nError: Request failed with status code 401\nat createError (/opt/celigo-agent/resources/app/node_modules/axios/lib/core/createError.js:16:15)")
			},
			check: func(t *testing.T, _ *manifest.Finding, all []manifest.Finding) {
				g := byID(all, "token.rejected")
				if g == nil || !strings.HasPrefix(g.Detail, "30 log entries") || all[0].ID != "token.rejected" {
					t.Errorf("token.rejected %+v; %s", g, ids(all))
				}
			}},
		{name: "healthy, a proxy variable not set is a notice", healthy: true, absent: []string{"env.missing"},
			plant: func(f *fixture) int {
				f.log.add(at(-12*time.Hour), "level=info, logName=appStart, message=HTTPS_PROXY environment variable not set, connecting directly")
				return 0
			}},
		{name: "the JDBC bridge cannot find Java", id: "env.missing", sev: "warn",
			plant: func(f *fixture) int {
				return f.log.add(at(-2*time.Hour), "level=error, logName=jdbcBridge, stderr=ERROR: JAVA_HOME is not set and no 'java' command could be found in your PATH.")
			}},
	}
}

func TestAttackFixtures(t *testing.T) {
	styles := []logStyle{styleISO, styleCRLFBOM, styleOffset, styleJSON, styleRotated, styleSpaceTZ, styleWindows}
	for i, c := range attackCases() {
		for j, s := range styles {
			if (testing.Short() || raceEnabled) && j != (i%len(styles)) {
				continue
			}
			c, s := c, s
			t.Run(fmt.Sprintf("%s/%s", c.name, s), func(t *testing.T) { c.run(t, s, uint64(i+1)) })
		}
	}
}

// TestAttackDump writes a planted case's logs into $ATTACK_DUMP, for the end-to-end run of the
// CLI (opadiag collect --agent-dir). Skipped unless the variable is set.
func TestAttackDump(t *testing.T) {
	dir := os.Getenv("ATTACK_DUMP")
	if dir == "" {
		t.Skip("ATTACK_DUMP not set")
	}
	// Heartbeats failing for 40 minutes on ENOTFOUND api.integrator.io, CRLF with a BOM, relative to now.
	f := noisyBundle(50000, 9)
	hbFail(f, -40*time.Minute, 0, "level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io")
	shift := time.Now().UTC().Truncate(time.Second).Sub(runAt)
	for i := range f.log.entries {
		f.log.entries[i].t = f.log.entries[i].t.Add(shift)
	}
	files, _ := render(f.log, styleCRLFBOM)
	for p, v := range files {
		name := filepath.Join(dir, "server-"+time.Now().UTC().Format("2006-01-02")+".log")
		_ = p
		if err := os.WriteFile(name, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	settings := `{"token":"` + strings.Repeat("ab12", 8) + `","uncaughtExceptionHappenedOnService":false}`
	if err := os.WriteFile(filepath.Join(dir, "Settings"), []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A Linux agent whose lines are only in the service's journal (journalctl -o short-iso), the
// guide's "journalctl -u celigoagent.service": healthy, then its heartbeats stopped 3 hours ago.
func TestAttackJournalOnly(t *testing.T) {
	for _, stopped := range []bool{false, true} {
		t.Run(fmt.Sprint("stopped=", stopped), func(t *testing.T) {
			f := noisyBundle(50000, 5)
			if stopped {
				f.log.drop(at(-3*time.Hour), at(0), "Heartbeat sent successfully")
				for d := -3 * time.Hour; d < 0; d += 3 * time.Minute {
					f.log.add(at(d+7*time.Second), lineQuery)
				}
			}
			var b strings.Builder
			for _, e := range f.log.sorted() {
				b.WriteString(e.t.Format("2006-01-02T15:04:05-0700") + " opa-01 celigo-agent[1187]: " + strings.ReplaceAll(e.text, "\n", "\n ") + "\n")
			}
			f.log = nil
			jp := "service/celigo-agent.service/journal.txt"
			f.other[jp] = b.String()
			f.m.Service.Services[0].Journal = &manifest.JournalSummary{Path: jp}
			res := f.run()
			checkWellFormed(t, res.Findings)
			t.Log(ids(res.Findings))
			if !stopped {
				noWarnOrFail(t, res.Findings)
				return
			}
			if g := byID(res.Findings, "heartbeat.stopped"); g == nil || g.Severity != "fail" || res.Findings[0].ID != "heartbeat.stopped" {
				t.Errorf("heartbeat.stopped %+v; %s", g, ids(res.Findings))
			}
		})
	}
}

// TestAttackTestdata runs the bundles of testdata/attack: healthy agents whose logs come in the
// formats that broke the checks (JSON lines, an offset after a space with CRLF and a byte-order
// mark, a restart's EADDRINUSE tunnel retries and a proxy variable's notice).
func TestAttackTestdata(t *testing.T) {
	for _, name := range []string{"json-healthy.log", "space-offset-healthy.log", "restart-eaddrinuse.log"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "attack", name))
			if err != nil {
				t.Fatal(err)
			}
			f := newFixture()
			f.log = nil
			f.other[logPath] = string(b)
			res := f.run()
			checkWellFormed(t, res.Findings)
			noWarnOrFail(t, res.Findings)
			for _, id := range []string{"port.bind", "env.missing", "target.auth", "agent.restarts"} {
				if g := byID(res.Findings, id); g != nil {
					t.Errorf("%s %s: %s", g.Severity, id, g.Detail)
				}
			}
			if g := byID(res.Findings, "heartbeat.ok"); g == nil || g.Severity != manifest.SeverityPass || !strings.Contains(g.Detail, "seconds before opadiag ran") {
				t.Errorf("heartbeat.ok %+v", g)
			}
		})
	}
}
