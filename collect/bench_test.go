package collect

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/redact"
)

// writeAgentLog writes size bytes of agent-style log lines, with a token and passwords in them.
func writeAgentLog(tb testing.TB, path string, size int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	lines := []string{
		"level=info, logName=heartbeat, message=Heartbeat sent successfully",
		"level=info, logName=request, method=POST, url=https://api.integrator.io/v1/agents/heartbeat, status=200, durationMs=84",
		"level=debug, logName=forwardIn, connection=jdbc:sqlserver://db01:1433;user=svc;password=Sup3rS3cret;encrypt=true",
		"level=debug, logName=agentConfig, token=" + fixtureToken + ", environment=production",
		"level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io",
	}
	t0 := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	for i, n := 0, 0; n < size; i++ {
		k, _ := fmt.Fprintf(w, "%s: %s\n", t0.Add(time.Duration(i)*time.Second).Format("2006-01-02T15:04:05.000Z"), lines[i%len(lines)])
		n += k
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// BenchmarkBundleLog measures the whole path of a log into a bundle: shared-mode read, redaction
// (token registered), SHA-256, deflate into the spool and the append to the zip, on a 64 MiB log.
func BenchmarkBundleLog(b *testing.B) {
	dir := b.TempDir()
	log := filepath.Join(dir, "server.log")
	writeAgentLog(b, log, 64<<20)
	st, _ := os.Stat(log)
	out := b.TempDir()
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		red := redact.New()
		red.AddToken(fixtureToken)
		w, err := bundle.Create(out, bundle.Options{Redactor: red})
		if err != nil {
			b.Fatal(err)
		}
		bd := w.Bundle("logs")
		if err := addTail(context.Background(), bd, platformOpener{fakePlatform{}}, time.Minute, "agent/logs/server.log", log, st.Size(), tail{}); err != nil {
			b.Fatal(err)
		}
		path, err := w.Finish("bench")
		if err != nil {
			b.Fatal(err)
		}
		os.Remove(path)
	}
}
