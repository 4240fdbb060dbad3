package redact

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// agentLog returns about n bytes of log lines shaped like the agent's (the formats quoted in
// Celigo's troubleshooting guide), with a secret now and then.
func agentLog(n int) []byte {
	lines := []string{
		"2026-11-27T%02d:%02d:22.172Z: level=info, logName=heartbeat, message=Heartbeat sent successfully\n",
		"2026-11-27T%02d:%02d:23.346Z: level=info, logName=tunnelReadyForUse, port=7017, host=agent-extension.integrator.io\n",
		"2026-11-27T%02d:%02d:50.176Z: level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26) { errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'api.integrator.io' }\n",
		"2026-11-27T%02d:%02d:01.001Z: level=info, logName=request, method=POST, url=https://api.integrator.io/v1/agents/heartbeat, status=200, durationMs=84\n",
		"2026-11-27T%02d:%02d:02.500Z: level=debug, logName=forwardIn, connection=jdbc:sqlserver://db01:1433;databaseName=erp;user=svc;password=Sup3rS3cret;encrypt=true\n",
		"2026-11-27T%02d:%02d:03.000Z: level=info, logName=requestTunnel, headers={\"authorization\":\"Bearer 8c1d0f3a2b4e5f60718293a4b5c6d7e8\",\"content-type\":\"application/json\"}\n",
	}
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, lines[i%len(lines)], i/60%24, i%60)
	}
	return []byte(b.String())
}

// BenchmarkWriter measures the full rule set, with an agent token registered, on agent-style
// logs. MB/s is per core: the writer is single-threaded.
func BenchmarkWriter(b *testing.B) {
	data := agentLog(8 << 20)
	r := New()
	r.AddToken(tok)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		w := r.NewWriter(io.Discard)
		for p := data; len(p) > 0; {
			n := min(32<<10, len(p))
			_, _ = w.Write(p[:n])
			p = p[n:]
		}
		_ = w.Close()
	}
}

// BenchmarkWriterStrict is BenchmarkWriter in strict mode, with no token known.
func BenchmarkWriterStrict(b *testing.B) {
	data := agentLog(8 << 20)
	r := New()
	r.SetStrict("bench")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		w := r.NewWriter(io.Discard)
		for p := data; len(p) > 0; {
			n := min(32<<10, len(p))
			_, _ = w.Write(p[:n])
			p = p[n:]
		}
		_ = w.Close()
	}
}
