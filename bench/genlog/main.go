// Command genlog writes a large, realistic agent log folder for benchmarks: server-<date>.log
// files and logs/agent.log with the line shapes Celigo's troubleshooting guide quotes (heartbeats,
// tunnel messages, errors with stack traces, request lines), a Settings file with a token, and
// the token, passwords and bearer tokens sprinkled through the logs the way real logs leak them.
//
//	go run ./bench/genlog -dir DIR -size 1GiB [-files 4]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Token is the agent token genlog writes into Settings and the logs.
const Token = "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"

var lines = []string{
	"level=info, logName=heartbeat, message=Heartbeat sent successfully",
	"level=info, logName=tunnelReadyForUse, port=7017, host=agent-extension.integrator.io",
	"level=info, logName=request, method=POST, url=https://api.integrator.io/v1/agents/heartbeat, status=200, durationMs=84",
	"level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26) { errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'api.integrator.io' }",
	"level=debug, logName=forwardIn, connection=jdbc:sqlserver://db01:1433;databaseName=erp;user=svc;password=Sup3rS3cret;encrypt=true",
	"level=info, logName=requestTunnel, headers={\"authorization\":\"Bearer 8c1d0f3a2b4e5f60718293a4b5c6d7e8\",\"content-type\":\"application/json\"}",
	"level=info, logName=query, rows=1520, table=ORDERS, durationMs=412, query=SELECT ORDER_ID, CUSTOMER_ID, TOTAL FROM ORDERS WHERE UPDATED_AT > :since",
	"level=debug, logName=agentConfig, token=" + Token + ", environment=production",
	"level=warn, logName=forwardInError, code=ECONNRESET, message=socket hang up",
	"level=info, logName=tunnelCreated",
}

func main() {
	dir := flag.String("dir", "", "agent home to create (required)")
	size := flag.String("size", "256MiB", "total size of the logs: bytes or KiB/MiB/GiB")
	files := flag.Int("files", 4, "number of daily server logs (plus logs/agent.log)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "genlog: error: -dir is required")
		os.Exit(2)
	}
	total, err := parseSize(*size)
	if err != nil || *files < 1 {
		fmt.Fprintf(os.Stderr, "genlog: error: bad -size %q or -files %d\n", *size, *files)
		os.Exit(2)
	}
	if err := write(*dir, total, *files); err != nil {
		fmt.Fprintln(os.Stderr, "genlog: error:", err)
		os.Exit(1)
	}
}

func write(dir string, total int64, files int) error {
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return err
	}
	settings := `{"token":"` + Token + `","environment":"production","uncaughtExceptionHappenedOnService":false,"dbPassword":"hunter2"}`
	if err := os.WriteFile(filepath.Join(dir, "Settings"), []byte(settings), 0o600); err != nil {
		return err
	}
	now := time.Now()
	per := total / int64(files+1)
	for i := 0; i <= files; i++ {
		day := now.AddDate(0, 0, -i)
		name := filepath.Join(dir, "server-"+day.Format("2006-01-02")+".log")
		if i == files {
			name = filepath.Join(dir, "logs", "agent.log")
		}
		if err := writeLog(name, day, per); err != nil {
			return err
		}
	}
	return nil
}

func writeLog(name string, day time.Time, size int64) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	t := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	var n int64
	for i := 0; n < size; i++ {
		s := t.Add(time.Duration(i)*50*time.Millisecond).Format("2006-01-02T15:04:05.000Z") + ": " + lines[i%len(lines)] + "\n"
		if i%997 == 0 {
			s += "    at Socket.<anonymous> (/opt/celigo/agent/node_modules/ssh2/lib/client.js:" + strconv.Itoa(i%900) + ":17)\n"
		}
		w.WriteString(s)
		n += int64(len(s))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chtimes(name, day, day)
}

func parseSize(v string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(v, suffix) {
			v, mult = strings.TrimSuffix(v, suffix), m
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n * mult, err
}
