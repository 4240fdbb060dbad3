package diagnose

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

// noisyLog writes n lines of a busy, healthy agent ending just before the run: a heartbeat every
// minute, and between them requests (some answered 4xx/5xx), queries, forwarded records,
// connection strings, socket hang-ups of local targets, a tunnel that reconnects now and then
// within the normal three retries, flow errors of databases and APIs, one failed heartbeat and
// one noInternet that recover at once. Noise: nothing an agent support engineer must act on.
func noisyLog(n int, seed uint64) *logb {
	r := rand.New(rand.NewPCG(seed, 7))
	l := &logb{}
	span := time.Duration(n) * 1700 * time.Millisecond // about 24 hours for 50,000 lines
	start := runAt.Add(-span - time.Minute)
	id := func(k int) string {
		const hex = "0123456789abcdef"
		b := make([]byte, k)
		for i := range b {
			b[i] = hex[r.IntN(16)]
		}
		return string(b)
	}
	tables := []string{"ORDERS", "CUSTOMERS", "INVOICES", "ITEMS", "SHIPMENTS"}
	l.add(start, "level=info, logName=appStart, Update for version 4.5.1 is not available (latest version: 4.5.1, downgrade is disallowed).")
	l.add(start.Add(time.Second), lineTunnelOK)
	l.add(start.Add(2*time.Second), lineTunnelRdy)
	// Heartbeats, every minute.
	for t := start.Add(time.Minute); t.Before(runAt.Add(-30 * time.Second)); t = t.Add(time.Minute) {
		l.add(t, fmt.Sprintf("level=info, logName=heartbeat, message=Heartbeat sent successfully, durationMs=%d", 20+r.IntN(400)))
	}
	// Everything else, spread over the span.
	step := span / time.Duration(n)
	for i := 0; len(l.entries) < n; i++ {
		t := start.Add(time.Duration(i)*step + time.Duration(r.IntN(900))*time.Millisecond)
		switch k := r.IntN(100); {
		case k < 30:
			l.add(t, fmt.Sprintf("level=info, logName=request, requestId=%s, method=%s, url=https://api.integrator.io/v1/%s/%s, status=%d, durationMs=%d",
				id(16), []string{"GET", "POST", "PUT"}[r.IntN(3)], []string{"exports", "imports", "flows"}[r.IntN(3)], id(24),
				[]int{200, 200, 200, 201, 204, 400, 404, 422, 500, 503}[r.IntN(10)], r.IntN(3000)))
		case k < 55:
			tb := tables[r.IntN(len(tables))]
			l.add(t, fmt.Sprintf("level=info, logName=query, connectionId=%s, table=%s, rows=%d, durationMs=%d, query=SELECT * FROM %s WHERE ID > %d",
				id(24), tb, r.IntN(5000), r.IntN(2000), tb, r.IntN(1000000)))
		case k < 75:
			l.add(t, fmt.Sprintf("level=debug, logName=forwardIn, jobId=%s, record={\"id\":%d,\"amount\":%d.%02d,\"currency\":\"USD\"}",
				id(24), r.IntN(10000000), r.IntN(100000), r.IntN(100)))
		case k < 82:
			l.add(t, "level=debug, logName=forwardIn, connection=jdbc:sqlserver://db"+fmt.Sprint(r.IntN(9))+":1433;databaseName=erp;user=svc;password=[REDACTED];encrypt=true")
		case k < 86:
			l.add(t, "level=info, logName=requestTunnel, headers={\"authorization\":\"Bearer [REDACTED]\",\"x-request-id\":\""+id(16)+"\"}")
		case k < 91:
			l.add(t, fmt.Sprintf("level=warn, logName=forwardInError, code=ECONNRESET, message=socket hang up, connectionId=%s\n    at Socket.<anonymous> (/opt/celigo/agent/node_modules/ssh2/lib/client.js:%d:%d)", id(24), r.IntN(900), r.IntN(40)))
		case k < 94:
			l.add(t, "level=error, logName=query, connectionId="+id(24)+", err=ORA-00942: table or view does not exist")
		case k < 97:
			l.add(t, "level=warn, logName=request, status=429, message=rate limited by integrator.io, retrying in 2s")
		default:
			l.add(t, "level=info, logName=agentConfig, token=sha256:0123456789abcdef, environment=production")
		}
	}
	// Now and then the tunnel reconnects, after at most three retries.
	for _, h := range []time.Duration{20 * time.Hour, 14 * time.Hour, 5 * time.Hour} {
		t := runAt.Add(-h).Add(10 * time.Second)
		for i := 0; i < 1+int(h/time.Hour)%3; i++ {
			l.add(t.Add(time.Duration(i)*2*time.Second), "level=error, logName=requestTunnel, requesting tunnel failed\nerror={\"errno\":-4039,\"code\":\"ETIMEDOUT\",\"syscall\":\"connect\",\"address\":\"3.212.10.4\",\"port\":443}")
		}
		l.add(t.Add(8*time.Second), lineTunnelOK)
		l.add(t.Add(9*time.Second), lineTunnelRdy)
	}
	// One failed heartbeat that the next one makes good, and a noInternet far from it.
	glitch := runAt.Add(-9 * time.Hour).Truncate(time.Minute)
	l.drop(glitch, glitch.Add(time.Second), "Heartbeat sent successfully")
	l.add(glitch, "level=error, logName=heartbeatFailed, err=Error: connect ETIMEDOUT 72.44.45.92:443\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1300:16) {\n  errno: -4039,\n  code: 'ETIMEDOUT'\n}")
	l.add(runAt.Add(-16*time.Hour), "level=error, logName=noInternet")
	// A flow's handled error, and a database that timed out once, long ago.
	l.add(runAt.Add(-12*time.Hour), "level=error, logName=exportError, message=TypeError: Cannot read properties of undefined (reading 'items'), flow=5f2a9c")
	l.add(runAt.Add(-11*time.Hour), "level=error, logName=query, err=Error: connect ETIMEDOUT 10.20.30.40:1433")
	return l
}

// noisyBundle is a healthy agent's bundle whose log is lines of noise.
func noisyBundle(n int, seed uint64) *fixture {
	f := newFixture()
	f.log = noisyLog(n, seed)
	return f
}

func TestNoisyHealthyAgent(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			f := noisyBundle(50000, seed)
			if n := strings.Count(f.log.String(), "\n"); n < 50000 {
				t.Fatalf("%d lines", n)
			}
			res := f.run()
			checkWellFormed(t, res.Findings)
			noWarnOrFail(t, res.Findings)
			for _, id := range []string{"heartbeat.ok", "tunnel.ok"} {
				if f := byID(res.Findings, id); f == nil || f.Severity != manifest.SeverityPass {
					t.Errorf("%s: %+v", id, f)
				}
			}
			if f := byID(res.Findings, "heartbeat.recovered"); f == nil || !strings.Contains(f.Detail, "1 failed heartbeat") {
				t.Errorf("heartbeat.recovered: %+v", f)
			}
			if len(res.Timeline.Events) > MaxTimelineEvents {
				t.Errorf("%d timeline events", len(res.Timeline.Events))
			}
			t.Log(ids(res.Findings))
		})
	}
}

// In a noisy log with a real outage, the real cause comes first and nothing false stands
// above it.
func TestNoisyOutage(t *testing.T) {
	tests := []struct {
		name  string
		plant func(f *fixture)
		first string
		sev   string
		// never: ids that must not be warn or fail (the noise may hold them as info).
		never []string
	}{
		{
			name: "integrator.io stops resolving two hours before the run",
			plant: func(f *fixture) {
				from := runAt.Add(-2 * time.Hour)
				f.log.drop(from, runAt, "Heartbeat sent successfully")
				for t := from; t.Before(runAt); t = t.Add(time.Minute) {
					f.log.add(t, "level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26) { errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'api.integrator.io' }")
					f.log.add(t.Add(5*time.Second), "level=error, logName=requestTunnel, requesting tunnel failed\nerror={\"errno\":-3008,\"code\":\"ENOTFOUND\",\"syscall\":\"getaddrinfo\",\"hostname\":\"api.integrator.io\"}")
				}
				// The flows' own troubles go on meanwhile: a database that does not resolve, an
				// API whose token expired.
				for _, d := range []time.Duration{50, 30, 10} {
					f.log.add(runAt.Add(-d*time.Minute).Add(17*time.Second), "level=error, logName=query, err=Error: getaddrinfo ENOTFOUND sqlserver01.corp.local")
					f.log.add(runAt.Add(-d*time.Minute).Add(19*time.Second), "level=error, logName=importError, url=https://erp.corp.local/api, status=401, message=Invalid access token")
				}
			},
			first: "network.dns", sev: "fail",
			never: []string{"token.rejected", "logs.silent", "heartbeat.ok"},
		},
		{
			name: "the agent hangs three hours before the run",
			plant: func(f *fixture) {
				f.log.cutAfter(runAt.Add(-3 * time.Hour))
			},
			first: "logs.silent", sev: "fail",
			never: []string{"heartbeat.ok", "token.rejected", "network.dns"},
		},
		{
			name: "the tunnel fails for the last half hour while heartbeats work",
			plant: func(f *fixture) {
				for t := runAt.Add(-30 * time.Minute); t.Before(runAt); t = t.Add(time.Minute) {
					f.log.add(t.Add(7*time.Second), "level=error, logName=requestTunnel, requesting tunnel failed\nerror={\"errno\":-4039,\"code\":\"ETIMEDOUT\",\"syscall\":\"connect\",\"address\":\"3.212.10.4\",\"port\":443}")
				}
			},
			first: "tunnel.failing", sev: "fail",
			never: []string{"network.timeout", "network.dns", "token.rejected"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := noisyBundle(50000, 9)
			tt.plant(f)
			res := f.run()
			fs := res.Findings
			checkWellFormed(t, fs)
			if len(fs) == 0 || fs[0].ID != tt.first || fs[0].Severity != tt.sev {
				t.Fatalf("first finding: want %s %s, got %s", tt.first, tt.sev, ids(fs))
			}
			for _, id := range tt.never {
				if f := byID(fs, id); f != nil && (f.Severity == manifest.SeverityFail || f.Severity == manifest.SeverityWarn) {
					t.Errorf("false %s %s: %s", f.Severity, id, ids(fs))
				}
			}
			if byID(fs, "token.rejected") != nil {
				t.Errorf("false token.rejected: %s", ids(fs))
			}
			t.Log(ids(fs))
		})
	}
}

// BenchmarkRunNoisy measures Run over a 50,000-line bundle.
func BenchmarkRunNoisy(b *testing.B) {
	f := noisyBundle(50000, 1)
	files := map[string]string{logPath: f.log.String()}
	m := f.m
	fsys := bundleOf(m, files)
	b.SetBytes(int64(len(files[logPath])))
	b.ReportAllocs()
	for b.Loop() {
		Run(m, fsys)
	}
}
