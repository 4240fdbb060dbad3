package redact

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// addressLog returns about n bytes of agent-style log lines, each with an address or host; with
// distinct set, every line names a new address and host.
func addressLog(n int, distinct bool) []byte {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		k := i % 500
		if distinct {
			k = i
		}
		fmt.Fprintf(&b, "2026-11-27T%02d:%02d:22.172Z: level=error, logName=heartbeatFailed, err=Error: connect ETIMEDOUT %d.%d.%d.%d:443, url=https://db%d.corp.example:1433/erp, durationMs=%d\n",
			i/60%24, i%60, 10+k>>24&0xff, k>>16&0xff, k>>8&0xff, k&0xff|1, k, i%3000)
		if i%4 == 0 {
			b.WriteString("2026-11-27T00:00:01.001Z: level=info, logName=request, method=POST, url=https://api.integrator.io/v1/agents/heartbeat, status=200\n")
		}
	}
	return []byte(b.String())
}

func benchObfuscate(b *testing.B, data []byte, learn bool) {
	o := NewObfuscator()
	o.Host("srv-opa01")
	o.User("svc_agent")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var w io.WriteCloser
		if learn {
			w = o.Learner()
		} else {
			w = o.NewWriter(io.Discard)
		}
		for p := data; len(p) > 0; {
			n := min(32<<10, len(p))
			_, _ = w.Write(p[:n])
			p = p[n:]
		}
		_ = w.Close()
	}
}

// BenchmarkObfuscateWriter is the replacing pass over agent logs with an address and a URL on
// most lines (500 distinct). MB/s is per core.
func BenchmarkObfuscateWriter(b *testing.B) { benchObfuscate(b, addressLog(8<<20, false), false) }

// BenchmarkObfuscateLearner is the learning pass over the same logs.
func BenchmarkObfuscateLearner(b *testing.B) { benchObfuscate(b, addressLog(8<<20, false), true) }

// BenchmarkObfuscatePlainLog is the replacing pass over the redaction benchmark's agent logs.
func BenchmarkObfuscatePlainLog(b *testing.B) { benchObfuscate(b, agentLog(8<<20), false) }
