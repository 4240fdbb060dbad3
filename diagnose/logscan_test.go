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
		{"dns", []string{"err=Error: getaddrinfo ENOTFOUND api.integrator.io at GetAddrInfoReqWrap.onlookup"}, EvDNS, 1},
		{"timeout", []string{"err=Error: connect ETIMEDOUT 72.44.45.92:443"}, EvTimeout, 1},
		{"no internet", []string{"2025-05-06T12:08:22.172Z: level=error, logName=noInternet"}, EvNoInternet, 1},
		{"tunnel ok", []string{"2025-05-06T12:08:22.172Z: level=info, logName=tunnelCreated", "2025-05-06T12:08:23.346Z: level=info, logName=tunnelReadyForUse"}, EvTunnelOK, 2},
		{"tunnel failed", []string{"level=error, logName=requestTunnel, requesting tunnel failed"}, EvTunnelFailed, 1},
		{"bind", []string{"2025-05-01T22:59:50.176Z: level=error, logName=forwardInError, code=undefined, message=Unable to bind to 0.0.0.0:7017, stack=Error:"}, EvBind, 1},
		{"eperm", []string{"Error: EPERM: operation not permitted, unlink 'C:\\x'"}, EvEPERMUnlink, 1},
		{"exceptions", []string{"Uncaught Exception", "UnhandledPromiseRejection", "TypeError: x", "ReferenceError: y", "java.net.SocketTimeoutException"}, EvException, 5},
		{"invalid token", []string{"[ERROR] Invalid token while sending heartbeat"}, EvInvalidToken, 1},
		{"proxy 407 needs proxy", []string{"durationMs=407", "proxy returned 407"}, EvProxyAuth, 1},
		{"case and CRLF", []string{"HEARTBEAT SENT SUCCESSFULLY\r"}, EvHeartbeatOK, 1},
		{"nothing", []string{"level=info, message=hello"}, EvDNS, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewLogScan()
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

func TestLeadingTime(t *testing.T) {
	for in, want := range map[string]string{
		"2025-05-06T12:08:22.172Z: level=info": "2025-05-06T12:08:22.172Z",
		"2025-05-06T12:08:22+02:00 x":          "2025-05-06T10:08:22Z",
		"[2025-05-06 12:08:22.5+0100] x":       "2025-05-06T11:08:22.5Z",
		"level=info 2025-05-06T12:08:22Z":      "",
		"2025-13-06T12:08:22Z bad month":       "",
		"":                                     "",
	} {
		got := leadingTime([]byte(in))
		s := ""
		if !got.IsZero() {
			s = got.UTC().Format(time.RFC3339Nano)
		}
		if s != want {
			t.Errorf("leadingTime(%q) = %q, want %q", in, s, want)
		}
	}
}

func TestHeartbeatGaps(t *testing.T) {
	s := NewLogScan()
	w := s.File("a.log")
	base := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	for _, m := range []int{0, 1, 2, 30, 31, 100} {
		fmt.Fprintf(w, "%s: Heartbeat sent successfully\n", base.Add(time.Duration(m)*time.Minute).Format(time.RFC3339))
	}
	w.Close()
	gaps := s.HeartbeatGaps(5 * time.Minute)
	if len(gaps) != 2 || gaps[0].To.Sub(gaps[0].From) != 69*time.Minute {
		t.Fatalf("gaps %+v", gaps)
	}
	if n := s.Newest(); n.Line != 6 || !n.Time.Equal(base.Add(100*time.Minute)) {
		t.Fatalf("newest %+v", n)
	}
}

func TestLongLineBounded(t *testing.T) {
	s := NewLogScan()
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

// FuzzLogScan feeds arbitrary log text in arbitrary pieces: nothing panics, lines are counted
// the same whatever the pieces.
func FuzzLogScan(f *testing.F) {
	f.Add("2025-05-06T12:08:22.172Z: level=error, logName=heartbeatFailed\nx", uint8(3))
	f.Add("[2025-05-06 12:08:22+0100] Heartbeat sent successfully\r\n\r\n", uint8(1))
	f.Fuzz(func(t *testing.T, text string, piece uint8) {
		count := func(size int) (int, int) {
			s := NewLogScan()
			w := s.File("f")
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
			return s.Files()["f"].Lines, n
		}
		l1, e1 := count(len(text) + 1)
		l2, e2 := count(int(piece)%17 + 1)
		if l1 != l2 || e1 != e2 {
			t.Fatalf("whole: %d lines %d events; pieces: %d lines %d events", l1, e1, l2, e2)
		}
	})
}

// BenchmarkLogScan measures the scan alone on agent-style lines.
func BenchmarkLogScan(b *testing.B) {
	var sb strings.Builder
	lines := []string{
		"level=info, logName=request, method=POST, url=https://api.integrator.io/v1/exports, status=200, durationMs=84",
		"level=info, logName=query, rows=1520, table=ORDERS, durationMs=412",
		"level=info, logName=heartbeat, message=Heartbeat sent successfully",
		"level=debug, logName=forwardIn, connection=jdbc:sqlserver://db01:1433;user=svc;password=[REDACTED]",
	}
	t0 := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	for i := 0; sb.Len() < 16<<20; i++ {
		fmt.Fprintf(&sb, "%s: %s\n", t0.Add(time.Duration(i)*time.Second).Format("2006-01-02T15:04:05.000Z"), lines[i%len(lines)])
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		w := NewLogScan().File("x")
		for p := data; len(p) > 0; {
			n := min(64<<10, len(p))
			w.Write(p[:n])
			p = p[n:]
		}
		w.Close()
	}
}
