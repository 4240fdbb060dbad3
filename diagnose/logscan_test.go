package diagnose

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestLogScan(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		kind  string
		count int
	}{
		{"heartbeat ok", []string{"2025-05-06T12:08:22.172Z: [INFO] Heartbeat sent successfully"}, EvHeartbeatOK, 1},
		{"heartbeat acknowledged", []string{"[INFO] Agent heartbeat acknowledged by integrator.io"}, EvHeartbeatOK, 1},
		{"heartbeat failed forms", []string{
			"[ERROR] Failed to send heartbeat: Connection timeout",
			"[ERROR] Unable to reach https://api.integrator.io",
			"[ERROR] Invalid token while sending heartbeat",
			"[ERROR] Socket timeout during heartbeat",
			"level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io",
		}, EvHeartbeatFailed, 5},
		{"another API's unreachable URL is no heartbeat", []string{"[ERROR] Unable to reach https://api.example.com"}, EvHeartbeatFailed, 0},
		{"dns", []string{"err=Error: getaddrinfo ENOTFOUND api.integrator.io at GetAddrInfoReqWrap.onlookup"}, EvDNS, 1},
		{"timeout", []string{"err=Error: connect ETIMEDOUT 72.44.45.92:443"}, EvTimeout, 1},
		{"no internet", []string{"2025-05-06T12:08:22.172Z: level=error, logName=noInternet"}, EvNoInternet, 1},
		{"tunnel created", []string{"2025-05-06T12:08:22.172Z: level=info, logName=tunnelCreated"}, EvTunnelCreated, 1},
		{"tunnel ready", []string{"2025-05-06T12:08:23.346Z: level=info, logName=tunnelReadyForUse"}, EvTunnelReady, 1},
		{"tunnel failed", []string{"level=error, logName=requestTunnel, requesting tunnel failed"}, EvTunnelFailed, 1},
		{"bind", []string{"2025-05-01T22:59:50.176Z: level=error, logName=forwardInError, code=undefined, message=Unable to bind to 0.0.0.0:7017, stack=Error:"}, EvBind, 1},
		{"eperm", []string{"Error: EPERM: operation not permitted, unlink 'C:\\x'"}, EvEPERMUnlink, 1},
		{"exceptions", []string{"Uncaught Exception", "UnhandledPromiseRejection", "TypeError: x", "ReferenceError: y", "java.net.SocketTimeoutException"}, EvException, 5},
		{"uncaught", []string{"Uncaught Exception", "TypeError: x"}, EvUncaught, 1},
		{"the crash flag is no exception", []string{`settings: {"uncaughtExceptionHappenedOnService":false}`}, EvException, 0},
		{"auth", []string{"[ERROR] Invalid token while sending heartbeat", "Login failed for user 'svc'", "token refresh answered 401"}, EvAuthFailed, 3},
		{"401 in an id or a hash is no status", []string{"level=debug, token=sha256:401abc, requestId=a401", "level=info, tokens=12, durationMs=401ms",
			"[2026-11-28 16:15:07.401+05:00] level=info, logName=agentConfig, token=sha256:0123456789abcdef",
			"2026-11-28 06:15:07,401 -05:00 level=info, logName=agentConfig, token=sha256:0123456789abcdef"}, EvAuthFailed, 0},
		{"proxy 407 needs proxy", []string{"durationMs=407", "proxy returned 407"}, EvProxyAuth, 1},
		{"update", []string{"Error: Failed to uninstall old application files. Please try running the installer again.: 2"}, EvUpdateUninstall, 1},
		{"env", []string{"Error: Missing environment variable NODE_ENV", "environment variable HOME is not set", "the environment was fine"}, EvEnvMissing, 2},
		{"starts and stops", []string{"level=info, logName=appStart", "Agent started", "level=info, logName=appQuit"}, EvStart, 2},
		{"case and CRLF", []string{"HEARTBEAT SENT SUCCESSFULLY\r"}, EvHeartbeatOK, 1},
		{"nothing", []string{"level=info, message=hello"}, EvDNS, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newLogScan(time.UTC)
			w := s.File("agent/logs/x.log")
			// Write in awkward pieces: lines must still be found whole.
			text := strings.Join(tc.lines, "\n")
			for i := 0; i < len(text); i += 7 {
				w.Write([]byte(text[i:min(i+7, len(text))]))
			}
			w.Close()
			e := s.Event(tc.kind)
			got := 0
			if e != nil {
				got = e.Count
			}
			if got != tc.count {
				t.Fatalf("%s: %d, want %d", tc.kind, got, tc.count)
			}
			if e != nil && (e.First[0].Path != "agent/logs/x.log" || e.First[0].Line < 1) {
				t.Fatalf("evidence %+v", e.First[0])
			}
		})
	}
}

// The guide's multi-line heartbeat error is one event, at its entry's time and first line,
// about integrator.io whatever address it names.
const guideTimeout = "2025-05-06T12:08:21.000Z: level=info, logName=request, status=200\n" +
	"2025-05-06T12:08:22.172Z: level=error, logName=heartbeatFailed, err=Error: connect ETIMEDOUT 72.44.45.92:443\n" +
	"    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1300:16) {\n" +
	"  errno: -4039,\n" +
	"  code: 'ETIMEDOUT',\n" +
	"  syscall: 'connect',\n" +
	"  address: '72.44.45.92',\n" +
	"  port: 443\n" +
	"}\n" +
	"2025-05-06T12:09:22.000Z: level=info, logName=request, status=200\n"

func TestMultiLineEntry(t *testing.T) {
	for _, piece := range []int{1, 3, 17, 64, len(guideTimeout)} {
		t.Run(fmt.Sprint(piece), func(t *testing.T) {
			s := newLogScan(time.UTC)
			w := s.File("agent/logs/server.log")
			for i := 0; i < len(guideTimeout); i += piece {
				w.Write([]byte(guideTimeout[i:min(i+piece, len(guideTimeout))]))
			}
			w.Close()
			want := time.Date(2025, 5, 6, 12, 8, 22, 172e6, time.UTC)
			for _, kind := range []string{EvTimeout, EvHeartbeatFailed} {
				e := s.Event(kind)
				if e == nil || e.Count != 1 {
					t.Fatalf("%s: %+v, want one event", kind, e)
				}
				if e.First[0].Line != 2 || !e.First[0].Time.Equal(want) {
					t.Errorf("%s at line %d %s, want line 2 %s", kind, e.First[0].Line, e.First[0].Time, want)
				}
			}
			evs := s.Events(EvTimeout)
			if h := evs[0].Host; h.Target != TargetIntegrator || h.String() != "72.44.45.92:443" {
				t.Errorf("host %+v", h)
			}
			if n := s.Files()["agent/logs/server.log"].Lines; n != 10 {
				t.Errorf("%d lines", n)
			}
		})
	}
}

func TestEntryHosts(t *testing.T) {
	tests := []struct {
		name, text, kind string
		host             string
		target           Target
	}{
		{"guide's ENOTFOUND", "2025-05-06T12:00:00Z level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26) { errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'api.integrator.io' }",
			EvDNS, "api.integrator.io", TargetIntegrator},
		{"a database's name", "2025-05-06T12:00:00Z level=error, logName=query, err=Error: getaddrinfo ENOTFOUND sqlserver01.corp.local",
			EvDNS, "sqlserver01.corp.local", TargetDatabase},
		{"the name on a later line", "2025-05-06T12:00:00Z level=error, logName=exportError, message=request failed\n  Error: getaddrinfo ENOTFOUND erp.corp.local\n  hostname: 'erp.corp.local'",
			EvDNS, "erp.corp.local", TargetOther},
		{"requestTunnel's error line", "2025-05-06T12:00:00Z level=error, logName=requestTunnel, requesting tunnel failed\nerror={\"errno\":-3008,\"code\":\"ENOTFOUND\",\"syscall\":\"getaddrinfo\",\"hostname\":\"api.integrator.io\"}",
			EvDNS, "api.integrator.io", TargetTunnel},
		{"jdbc timeout", "2025-05-06T12:00:00Z level=error, connection=jdbc:sqlserver://10.1.2.3:1433;databaseName=erp, err=connect ETIMEDOUT 10.1.2.3:1433",
			EvTimeout, "10.1.2.3:1433", TargetDatabase},
		{"refused on a database port", "2025-05-06T12:00:00Z level=error, err=Error: connect ECONNREFUSED 127.0.0.1:5432",
			EvRefused, "127.0.0.1:5432", TargetDatabase},
		{"another API's token", "2025-05-06T12:00:00Z level=error, logName=importError, url=https://erp.corp.local:8443/api/orders, status=401, message=access token expired",
			EvAuthFailed, "erp.corp.local:8443", TargetOther},
		{"heartbeat 401", "2025-05-06T12:00:00Z level=error, logName=heartbeatFailed, status=401, message=Invalid token",
			EvAuthFailed, "", TargetIntegrator},
		{"a bare timeout", "2025-05-06T12:00:00Z level=error, message=Connection timeout",
			EvTimeout, "", TargetUnknown},
		{"oracle descriptor", "2025-05-06T12:00:00Z level=error, err=ORA-12170: TNS:Connect timeout occurred (DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=ora-prod)(PORT=1521)))",
			EvTimeout, "ora-prod:1521", TargetDatabase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scanOf(map[string]string{"agent/logs/server.log": tt.text + "\n"})
			evs := s.Events(tt.kind)
			if len(evs) != 1 || evs[0].Count != 1 {
				t.Fatalf("events %+v", evs)
			}
			if h := evs[0].Host; h.String() != tt.host || h.Target != tt.target {
				t.Errorf("host %q (%s), want %q (%s)", h.String(), h.Target, tt.host, tt.target)
			}
		})
	}
}

func TestLeadingTime(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	for in, want := range map[string]string{
		"2025-05-06T12:08:22.172Z: level=info": "2025-05-06T12:08:22.172Z",
		"2025-05-06T12:08:22+02:00 x":          "2025-05-06T10:08:22Z",
		"[2025-05-06 12:08:22.5+0100] x":       "2025-05-06T11:08:22.5Z",
		"2025-05-06 12:08:22,250 local":        "2025-05-06T11:08:22.25Z",
		"level=info 2025-05-06T12:08:22Z":      "",
		"2025-13-06T12:08:22Z bad month":       "",
		"2025-05-06T12:08:22+99:00 bad zone":   "",
		"":                                     "",
	} {
		got := leadingTime([]byte(in), berlin)
		s := ""
		if !got.IsZero() {
			s = got.UTC().Format(time.RFC3339Nano)
		}
		if s != want {
			t.Errorf("leadingTime(%q) = %q, want %q", in, s, want)
		}
	}
}

func TestSpansGapsSilences(t *testing.T) {
	var b strings.Builder
	base := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	line := func(m int, text string) {
		fmt.Fprintf(&b, "%s: %s\n", ts(base.Add(time.Duration(m)*time.Minute)), text)
	}
	for m := 0; m <= 10; m++ {
		line(m, "Heartbeat sent successfully")
	}
	for m := 11; m <= 30; m++ { // logging, no heartbeat: a gap
		line(m, "level=info, logName=request, status=200")
	}
	for m := 31; m <= 40; m++ {
		line(m, "Heartbeat sent successfully")
	}
	// nothing from 40 to 100: a silence
	for m := 100; m <= 110; m++ {
		line(m, "Heartbeat sent successfully")
	}
	s := scanOf(map[string]string{"agent/logs/a.log": b.String()})
	lf := s.facts()
	if len(lf.silences) != 1 || lf.silences[0].To.Sub(lf.silences[0].From) != time.Hour {
		t.Fatalf("silences %+v", lf.silences)
	}
	if sl := lf.silences[0]; sl.FromRef.Line != 41 || sl.ToRef.Line != 42 {
		t.Errorf("silence evidence %+v", sl)
	}
	if len(lf.gaps) != 1 || lf.gaps[0].To.Sub(lf.gaps[0].From) != 21*time.Minute {
		t.Fatalf("gaps %+v", lf.gaps)
	}
	if lf.okCount != 32 || !lf.lastOK.Last.Time.Equal(base.Add(110*time.Minute)) {
		t.Fatalf("ok %d %+v", lf.okCount, lf.lastOK)
	}
	if lf.newest.Line != 52 || !lf.newest.Time.Equal(base.Add(110*time.Minute)) {
		t.Fatalf("newest %+v", lf.newest)
	}
}

func TestSpansBounded(t *testing.T) {
	st := spanTracker{thr: time.Minute}
	base := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	// Spans 2 minutes apart, and one hole of an hour in the middle.
	at := base
	for i := 0; i < 10*maxSpans; i++ {
		at = at.Add(2 * time.Minute)
		if i == 5*maxSpans {
			at = at.Add(time.Hour)
		}
		st.add(at, lineRef{"f", i + 1}, 1)
	}
	if len(st.spans) > 2*maxSpans {
		t.Fatalf("%d spans kept", len(st.spans))
	}
	h := longestFirst(holes(mergeSpans(st.spans, time.Minute), time.Minute))
	if len(h) == 0 || h[0].To.Sub(h[0].From) != time.Hour+2*time.Minute {
		t.Fatalf("the longest hole was lost: %+v", h[:min(1, len(h))])
	}
}

func TestLongLineBounded(t *testing.T) {
	s := newLogScan(time.UTC)
	w := s.File("a.log").(*lineWriter)
	chunk := []byte(strings.Repeat("x", 1<<16))
	for i := 0; i < 100; i++ {
		w.Write(chunk)
	}
	w.Write([]byte(" heartbeat sent successfully\nHeartbeat sent successfully\n"))
	w.Close()
	if cap(w.carry) > 2*maxLine {
		t.Fatalf("line buffer grew to %d", cap(w.carry))
	}
	// The match past maxLine on the long line is not seen; the next line is.
	if e := s.Event(EvHeartbeatOK); e == nil || e.Count != 1 || e.First[0].Line != 2 {
		t.Fatalf("event %+v", e)
	}
}

func TestLongEntryBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("2026-01-02T03:00:00Z level=error, err=TypeError: x\n")
	for i := 0; i < 10*maxEntryLines; i++ {
		b.WriteString("    at frame (file.js:1:2) TypeError\n")
	}
	s := scanOf(map[string]string{"agent/logs/a.log": b.String()})
	e := s.Event(EvException)
	if e == nil || e.Count != 11 {
		t.Fatalf("a %d-line entry: %+v, want it cut into 11 entries", 10*maxEntryLines+1, e)
	}
	if !e.Last.Time.Equal(time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("the cut entries' time: %s", e.Last.Time)
	}
}

// The journal repeats the agent's lines when it runs as a service: lines the log files hold
// count once; lines from times they do not cover count.
func TestJournalCountedOnce(t *testing.T) {
	log := "2025-07-28T23:40:17.020Z: level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io\n" +
		"2025-07-28T23:41:17.020Z: level=info, Heartbeat sent successfully\n"
	journal := "-- Journal begins at Sun 2025-06-01 00:00:03 UTC. --\n" +
		"2025-07-28T09:12:01+0000 opa-01 systemd[1]: Started Celigo On-Premise Agent.\n" +
		"2025-07-28T09:12:03+0000 opa-01 agent[1187]: 2025-07-28T09:12:03.514Z: level=info, logName=appStart, Update for version 4.5.1 is not available (latest version: 4.5.1, downgrade is disallowed).\n" +
		"2025-07-28T23:40:17+0000 opa-01 agent[1187]: 2025-07-28T23:40:17.020Z: level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io\n" +
		"2025-07-28T23:40:17+0000 opa-01 agent[1187]:     at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26)\n" +
		"2025-07-29T03:41:55+0000 opa-01 systemd[1]: celigo-agent.service: Main process exited, code=killed, status=9/KILL\n" +
		"2025-07-29T03:42:05.123456+00:00 opa-01 systemd[1]: Started Celigo On-Premise Agent.\n"
	s := scanOf(map[string]string{"agent/logs/server-2025-07-28.log": log, "service/celigo-agent.service/journal.txt": journal})
	if e := s.Event(EvHeartbeatFailed); e == nil || e.Count != 1 || e.Last.Path != "agent/logs/server-2025-07-28.log" {
		t.Fatalf("heartbeat failures %+v", e)
	}
	vm, ok := s.AgentVersion()
	if !ok || vm.Current != "4.5.1" || vm.Ref.Path != "service/celigo-agent.service/journal.txt" || vm.Ref.Line != 3 {
		t.Fatalf("version %+v", vm)
	}
	lf := s.facts()
	if n := len(lf.points[svcStart]); n != 2 {
		t.Errorf("%d service starts", n)
	}
	if n := len(lf.points[svcCrash]); n != 1 {
		t.Errorf("%d service crashes", n)
	}
	// Without log files, the journal's agent lines count.
	s = scanOf(map[string]string{"service/celigo-agent.service/journal.txt": journal})
	if e := s.Event(EvHeartbeatFailed); e == nil || e.Count != 1 || e.First[0].Line != 4 {
		t.Fatalf("journal only: %+v", e)
	}
}

func TestEventLogExtract(t *testing.T) {
	scm := "2025-07-29T03:40:01.000Z  Information System  Service Control Manager  7036  The Celigo Agent service entered the running state.\n" +
		"2025-07-29T03:41:55.123Z  Error       System  Service Control Manager  7031  The Celigo Agent service terminated unexpectedly. It has done this 1 time(s).\n"
	app := "2025-07-29T03:00:00.000Z  Error  Application  Celigo Agent  0  Error: Failed to uninstall old application files. Please try running the installer again.: 2\n"
	s := scanOf(map[string]string{"service/events-scm.txt": scm, "service/events-application.txt": app})
	lf := s.facts()
	if len(lf.points[svcStart]) != 1 || len(lf.points[svcCrash]) != 1 || lf.points[svcCrash][0].Ref.Line != 2 {
		t.Fatalf("points %+v", lf.points)
	}
	if e := s.Event(EvUpdateUninstall); e == nil || e.Last.Path != "service/events-application.txt" {
		t.Fatalf("update failure %+v", e)
	}
}

// FuzzLogScan feeds arbitrary log text in arbitrary pieces: nothing panics, and lines and events
// are counted the same whatever the pieces.
func FuzzLogScan(f *testing.F) {
	f.Add("2025-05-06T12:08:22.172Z: level=error, logName=heartbeatFailed\nx", uint8(3))
	f.Add("[2025-05-06 12:08:22+0100] Heartbeat sent successfully\r\n\r\n", uint8(1))
	f.Add(guideTimeout, uint8(5))
	f.Add("Error: x\n    at TypeError\n  ENOTFOUND db01\n}\nlogName=requestTunnel failed\n", uint8(2))
	f.Fuzz(func(t *testing.T, text string, piece uint8) {
		count := func(name string, size int) (int, int) {
			s := newLogScan(time.UTC)
			w := s.File(name)
			for i := 0; i < len(text); i += size {
				w.Write([]byte(text[i:min(i+size, len(text))]))
			}
			w.Close()
			n := 0
			for _, p := range patterns {
				if e := s.Event(p.kind); e != nil {
					n += e.Count
				}
			}
			s.facts()
			return s.Files()[name].Lines, n
		}
		for _, name := range []string{"agent/logs/f.log", "service/x/journal.txt"} {
			l1, e1 := count(name, len(text)+1)
			l2, e2 := count(name, int(piece)%17+1)
			if l1 != l2 || e1 != e2 {
				t.Fatalf("%s: whole: %d lines %d events; pieces: %d lines %d events", name, l1, e1, l2, e2)
			}
		}
	})
}

// benchLog is agent-style text: request and query lines, a heartbeat every few lines, a
// connection string now and then.
func benchLog(size int) []byte {
	var sb strings.Builder
	lines := []string{
		"level=info, logName=request, method=POST, url=https://api.integrator.io/v1/exports, status=200, durationMs=84",
		"level=info, logName=query, rows=1520, table=ORDERS, durationMs=412",
		"level=info, logName=heartbeat, message=Heartbeat sent successfully",
		"level=debug, logName=forwardIn, connection=jdbc:sqlserver://db01:1433;user=svc;password=[REDACTED]",
	}
	t0 := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	for i := 0; sb.Len() < size; i++ {
		fmt.Fprintf(&sb, "%s: %s\n", t0.Add(time.Duration(i)*time.Second).Format("2006-01-02T15:04:05.000Z"), lines[i%len(lines)])
	}
	return []byte(sb.String())
}

// BenchmarkLogScan measures the scan alone on agent-style lines.
func BenchmarkLogScan(b *testing.B) {
	data := benchLog(16 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s := newLogScan(time.UTC)
		w := s.File("agent/logs/x.log")
		for p := data; len(p) > 0; {
			n := min(64<<10, len(p))
			w.Write(p[:n])
			p = p[n:]
		}
		w.Close()
		s.facts()
	}
}

// A log where a heartbeat fails every other minute for days keeps a bounded number of runs and
// still counts them all.
func TestRunsBounded(t *testing.T) {
	var b strings.Builder
	const episodes = 5 * maxRuns
	base := runAt.Add(-episodes * 2 * time.Minute)
	for i := 0; i < episodes; i++ {
		t0 := base.Add(time.Duration(i) * 2 * time.Minute)
		fmt.Fprintf(&b, "%s: level=error, logName=heartbeatFailed, err=x\n", ts(t0))
		fmt.Fprintf(&b, "%s: Heartbeat sent successfully\n", ts(t0.Add(time.Minute)))
		fmt.Fprintf(&b, "%s: level=error, logName=requestTunnel, requesting tunnel failed\n", ts(t0.Add(time.Minute)))
		fmt.Fprintf(&b, "%s: level=info, logName=tunnelCreated\n", ts(t0.Add(time.Minute+time.Second)))
	}
	s := scanOf(map[string]string{"agent/logs/a.log": b.String()})
	lf := s.facts()
	if len(lf.hbRuns) > maxRuns+maxRuns/4 || len(lf.tuRuns) > maxRuns+maxRuns/4 {
		t.Fatalf("%d and %d runs kept", len(lf.hbRuns), len(lf.tuRuns))
	}
	if n := len(lf.hbRuns) + lf.hbOlder.ended; n != episodes {
		t.Errorf("%d episodes counted, want %d", n, episodes)
	}
	in := &input{m: agentManifest(), logs: s, lf: lf, now: runAt}
	f := heartbeatRecovered(in)
	if len(f) != 1 || !strings.Contains(f[0].Detail, fmt.Sprintf("%d failed heartbeats in %d episodes", episodes, episodes)) {
		t.Errorf("heartbeat.recovered %+v", f)
	}
}
