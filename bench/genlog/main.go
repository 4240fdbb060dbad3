// Command genlog writes a large, realistic agent log folder for benchmarks: server-<date>.log
// files and logs/agent.log with the line shapes Celigo's troubleshooting guide quotes (heartbeats,
// tunnel messages, errors with stack traces, request lines), a Settings file with a token, and
// the token, passwords and bearer tokens sprinkled through the logs the way real logs leak them.
// A quarter of the lines are the other noise real agent logs carry and a redactor must leave
// alone (see noise.go): Node and Electron traces, HTTP headers with request and trace ids, hashes,
// Salesforce and NetSuite records, database errors, and strings that name a secret without
// holding one. With -clean no secret is planted at all, so every replacement the redactor makes
// in those logs is a false positive (bench/fprate.sh counts them).
//
//	go run ./bench/genlog -dir DIR -size 1GiB [-files 4] [-clean]   (-files 0: one 1 GiB logs/agent.log)
//
// -clean plants no secret in the logs (for the detector's false-positive rate). For
// --obfuscate's benchmarks, -addresses N and -hosts N make the logs name that many distinct IP
// addresses (half IPv4, half IPv6) and host names, one on each line, cycling:
//
//	go run ./bench/genlog -dir DIR -size 200MiB -files 0 -addresses 1000000
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Token is the agent token genlog writes into Settings and the logs.
const Token = "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"

// line returns the i-th log line: the shapes the guide quotes, with the variety real logs have
// (request and record IDs, durations, row counts, payload values, stack traces) so that
// compressors see realistic data, and the token, passwords and bearer tokens now and then.
func line(r *rand.Rand, t time.Time, clean bool) string {
	ts := t.Format("2006-01-02T15:04:05.000Z") + ": "
	if r.IntN(4) == 0 {
		return noise(r, t, ts)
	}
	id := func(n int) string {
		const hex = "0123456789abcdef"
		b := make([]byte, n)
		for i := range b {
			b[i] = hex[r.IntN(16)]
		}
		return string(b)
	}
	tables := []string{"ORDERS", "CUSTOMERS", "INVOICES", "ITEMS", "SHIPMENTS", "PAYMENTS"}
	names := []string{"Acme Corp", "Globex", "Initech", "Umbrella", "Stark Industries", "Wayne Enterprises", "Hooli"}
	switch k := r.IntN(100); {
	case k < 15:
		return ts + "level=info, logName=heartbeat, message=Heartbeat sent successfully, durationMs=" + strconv.Itoa(20+r.IntN(400)) + "\n"
	case k < 40:
		return fmt.Sprintf("%slevel=info, logName=request, requestId=%s, method=%s, url=https://api.integrator.io/v1/%s/%s, status=%d, durationMs=%d\n",
			ts, id(16), []string{"GET", "POST", "PUT"}[r.IntN(3)], []string{"exports", "imports", "flows", "connections"}[r.IntN(4)], id(24),
			[]int{200, 200, 200, 201, 204, 400, 404, 500}[r.IntN(8)], r.IntN(3000))
	case k < 60:
		tb := tables[r.IntN(len(tables))]
		return fmt.Sprintf("%slevel=info, logName=query, connectionId=%s, table=%s, rows=%d, durationMs=%d, query=SELECT * FROM %s WHERE UPDATED_AT > '2026-11-%02dT%02d:%02d:00Z' AND ID > %d\n",
			ts, id(24), tb, r.IntN(5000), r.IntN(2000), tb, 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(1000000))
	case k < 75:
		return fmt.Sprintf("%slevel=debug, logName=forwardIn, jobId=%s, record={\"id\":%d,\"name\":\"%s\",\"amount\":%d.%02d,\"currency\":\"%s\",\"sku\":\"%s\"}\n",
			ts, id(24), r.IntN(10000000), names[r.IntN(len(names))], r.IntN(100000), r.IntN(100), []string{"USD", "EUR", "GBP"}[r.IntN(3)], strings.ToUpper(id(8)))
	case k < 86 && clean:
		return ts + "level=debug, logName=forwardIn, connection=jdbc:sqlserver://db" + strconv.Itoa(r.IntN(9)) + ":1433;databaseName=erp;user=svc;encrypt=true;trustServerCertificate=false\n"
	case k < 80:
		return ts + "level=debug, logName=forwardIn, connection=jdbc:sqlserver://db" + strconv.Itoa(r.IntN(9)) + ":1433;databaseName=erp;user=svc;password=Sup3rS3cret" + id(4) + ";encrypt=true\n"
	case k < 84:
		return ts + "level=info, logName=requestTunnel, headers={\"authorization\":\"Bearer " + id(32) + "\",\"x-request-id\":\"" + id(16) + "\"}\n"
	case k < 86:
		return ts + "level=debug, logName=agentConfig, token=" + Token + ", environment=production\n"
	case k < 90:
		return fmt.Sprintf("%slevel=error, logName=heartbeatFailed, err=Error: connect ETIMEDOUT %d.%d.%d.%d:443\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:%d:16) {\n  errno: -4039,\n  code: 'ETIMEDOUT'\n}\n",
			ts, r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), 1000+r.IntN(400))
	case k < 94:
		return fmt.Sprintf("%slevel=warn, logName=forwardInError, code=ECONNRESET, message=socket hang up, connectionId=%s\n    at Socket.<anonymous> (/opt/celigo/agent/node_modules/ssh2/lib/client.js:%d:%d)\n",
			ts, id(24), r.IntN(900), r.IntN(40))
	default:
		return ts + "level=info, logName=tunnelReadyForUse, port=" + strconv.Itoa(7000+r.IntN(100)) + ", host=agent-extension.integrator.io\n"
	}
}

// distinct names the addresses and hosts of -addresses and -hosts.
type distinct struct{ addresses, hosts int }

// address returns the k-th distinct address: IPv4 in 10.0.0.0/8 for even k, IPv6 in
// 2a00:1450::/32 for odd k.
func (d distinct) address(k int) string {
	k %= d.addresses
	if k%2 == 0 {
		v := uint32(k/2) * 2654435761 % (1 << 24) // scattered through the range
		return fmt.Sprintf("10.%d.%d.%d", v>>16&0xff, v>>8&0xff, v&0xff)
	}
	return fmt.Sprintf("2a00:1450:%x:%x::%x", k>>32&0xffff, k>>16&0xffff, k&0xffff)
}

// line returns line i with a distinct address and host appended when asked for.
func (d distinct) line(s string, i int) string {
	if d.addresses == 0 && d.hosts == 0 {
		return s
	}
	s = strings.TrimSuffix(s, "\n")
	if d.addresses > 0 {
		a := d.address(i)
		if strings.Contains(a, ":") {
			a = "[" + a + "]"
		}
		s += ", peer=" + a + ":" + strconv.Itoa(1024+i%60000)
	}
	if d.hosts > 0 {
		s += fmt.Sprintf(", target=https://node%d.site%d.corp.example:8443/api", i%d.hosts, i%d.hosts%97)
	}
	return s + "\n"
}

func main() {
	dir := flag.String("dir", "", "agent home to create (required)")
	size := flag.String("size", "256MiB", "total size of the logs: bytes or KiB/MiB/GiB")
	files := flag.Int("files", 4, "number of daily server logs beside logs/agent.log; 0: one agent.log of the whole size")
	var d distinct
	flag.IntVar(&d.addresses, "addresses", 0, "name this many distinct IP addresses, one a line, half IPv4, half IPv6")
	flag.IntVar(&d.hosts, "hosts", 0, "name this many distinct host names, one a line")
	clean := flag.Bool("clean", false, "plant no secret in the logs (Settings keeps its token)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "genlog: error: -dir is required")
		os.Exit(2)
	}
	total, err := parseSize(*size)
	if err != nil || *files < 0 || d.addresses < 0 || d.hosts < 0 {
		fmt.Fprintf(os.Stderr, "genlog: error: bad -size %q or -files %d\n", *size, *files)
		os.Exit(2)
	}
	if err := write(*dir, total, *files, d, *clean); err != nil {
		fmt.Fprintln(os.Stderr, "genlog: error:", err)
		os.Exit(1)
	}
}

func write(dir string, total int64, files int, d distinct, clean bool) error {
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
		if err := writeLog(name, day, per, d, clean); err != nil {
			return err
		}
	}
	return nil
}

func writeLog(name string, day time.Time, size int64, d distinct, clean bool) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(uint64(day.YearDay()), 1)) // the same data on every run
	t := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	var n int64
	for i := 0; n < size; i++ {
		s := d.line(line(r, t.Add(time.Duration(i)*50*time.Millisecond), clean), i)
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
