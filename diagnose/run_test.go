package diagnose

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"testing/iotest"
	"time"

	"github.com/klauspost/compress/flate"

	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

// openBundle reads a bundle zip's manifest and returns it with the zip as a file system.
func openBundle(t *testing.T, path string) (*manifest.Manifest, fs.FS) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zr.Close() })
	f, err := zr.Open("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := manifest.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return m, &zr.Reader
}

// testdata/previous-release.zip was written by the release before Run read bundles (main at
// e159a26, go build; opadiag collect --agent-dir HOME --no-network) in a container without
// systemd, for an agent home whose log shows 70 minutes of heartbeats, then 20 minutes of
// ENOTFOUND api.integrator.io as the guide shows it (multi-line), a database that does not
// resolve every quarter hour, and an uncaughtException file with EPERM unlink.
func TestPreviousRelease(t *testing.T) {
	m, fsys := openBundle(t, "testdata/previous-release.zip")
	stored := ids(m.Findings)
	res := Run(m, fsys)
	fs := res.Findings
	checkWellFormed(t, fs)
	t.Logf("stored:  %s\nre-run: %s", stored, ids(fs))
	if fs[0].ID != "network.dns" || fs[0].Severity != manifest.SeverityFail {
		t.Errorf("first finding %s, want network.dns fail", ids(fs))
	}
	if f := byID(fs, "network.dns"); f != nil && (strings.Contains(f.Detail, "sqlserver01") || !strings.Contains(f.Detail, "20 errors")) {
		t.Errorf("network.dns detail: %s", f.Detail)
	}
	if f := byID(fs, "target.dns"); f == nil || !strings.Contains(f.Title, "sqlserver01.corp.local (a database)") {
		t.Errorf("target.dns: %+v", f)
	}
	// The old release failed on a host fact it could not query while the logs showed the
	// agent alive seconds before; the re-run says what each says.
	if f := byID(fs, "agent.not_running"); f != nil {
		t.Errorf("agent.not_running: %s", f.Detail)
	}
	if f := byID(fs, "agent.not_seen"); f == nil || f.Severity != manifest.SeverityInfo {
		t.Errorf("agent.not_seen: %+v", f)
	}
	for _, id := range []string{"heartbeat.failing", "crash.file", "service.uninstall_eperm", "tunnel.ok"} {
		if byID(fs, id) == nil {
			t.Errorf("no %s", id)
		}
	}
	if !strings.HasPrefix(res.AgentVersionSource, "log agent/logs/server-") || res.AgentVersion != "4.5.1" {
		t.Errorf("version %q from %q", res.AgentVersion, res.AgentVersionSource)
	}
	// Every finding drawn from a log points at it.
	for _, f := range fs {
		switch f.ID {
		case "network.dns", "target.dns", "heartbeat.failing", "tunnel.ok", "service.uninstall_eperm", "logs.exceptions", "crash.file", "agent.not_seen":
			if len(f.Evidence) == 0 {
				t.Errorf("%s has no evidence", f.ID)
			}
		}
	}
	kinds := map[string]int{}
	for i, e := range res.Timeline.Events {
		kinds[e.Kind]++
		if i > 0 && e.Time.Before(res.Timeline.Events[i-1].Time) {
			t.Errorf("timeline out of order at %d", i)
		}
	}
	for _, k := range []string{TLHeartbeatOK, TLHeartbeatFailed, TLTunnelCreated, TLTunnelReady, TLCrash, TLRun, TLServiceRestart} {
		if kinds[k] == 0 {
			t.Errorf("no %s on the timeline: %v", k, kinds)
		}
	}
	if !res.Timeline.End.Equal(m.Created) || res.Timeline.Start.After(res.Timeline.End) {
		t.Errorf("timeline %s to %s", res.Timeline.Start, res.Timeline.End)
	}
}

// failFS opens every file of a MapFS, but reads of bad fail after a few bytes, and missing
// does not exist.
type failFS struct {
	fstest.MapFS
	bad string
}

type failFile struct {
	fs.File
	n int
}

func (f *failFile) Read(p []byte) (int, error) {
	if f.n > 10 {
		return 0, errors.New("zip: checksum error")
	}
	n, err := f.File.Read(p[:min(len(p), 11)])
	f.n += n
	return n, err
}

func (f failFS) Open(name string) (fs.File, error) {
	file, err := f.MapFS.Open(name)
	if err == nil && name == f.bad {
		return &failFile{File: file}, nil
	}
	return file, err
}

func TestRunUnreadableEntries(t *testing.T) {
	m := agentManifest()
	log := healthyLog().String()
	fsys := bundleOf(m, map[string]string{
		logPath:                            log,
		"agent/logs/server-2026-11-27.log": "2026-11-27T10:00:00Z level=error, logName=requestTunnel, requesting tunnel failed\n",
	})
	delete(fsys, "agent/logs/server-2026-11-27.log")
	m.Files = append(m.Files, manifest.File{Path: "../../etc/passwd", Collector: "logs"}, manifest.File{Path: "/etc/shadow", Collector: "logs"})
	res := Run(m, failFS{MapFS: fsys, bad: logPath})
	checkWellFormed(t, res.Findings)
	f := byID(res.Findings, "bundle.unreadable")
	if f == nil || f.Severity != manifest.SeverityWarn {
		t.Fatalf("bundle.unreadable: %s", ids(res.Findings))
	}
	if !strings.Contains(f.Detail, logPath+": read (what came before was scanned): zip: checksum error") ||
		!strings.Contains(f.Detail, "server-2026-11-27.log: open: file does not exist") || strings.Contains(f.Detail, "passwd") {
		t.Errorf("detail: %s", f.Detail)
	}
	if len(f.Evidence) != 2 {
		t.Errorf("evidence %+v", f.Evidence)
	}
}

func TestRunProbes(t *testing.T) {
	valid := `{"region":{"region":"us"},"targets":[{"name":"api.integrator.io","host":"api.integrator.io","port":443,"url":"https://api.integrator.io","required":true,"role":"api",` +
		`"attempts":[{"route":"direct","ok":false,"stage":"dns","error_kind":"not_found","error":"lookup api.integrator.io: no such host"}]}],` +
		`"summary":{"reachable":false,"text":"not reachable"}}`
	tests := []struct {
		name, data string
		want       string // id:severity
	}{
		{"valid", valid, "network.dns:fail"},
		{"damaged", `{"targets": [`, "network.probes_unreadable:warn"},
		{"not an object", `[1,2,3]`, "network.probes_unreadable:warn"},
		{"too large", `{"x":"` + strings.Repeat("a", maxProbes) + `"}`, "network.probes_unreadable:warn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			f.other[probesFile] = tt.data
			res := f.run()
			checkWellFormed(t, res.Findings)
			id, sev, _ := strings.Cut(tt.want, ":")
			got := byID(res.Findings, id)
			if got == nil || got.Severity != sev || len(got.Evidence) == 0 || got.Evidence[0].Path != probesFile {
				t.Fatalf("want %s, got %s", tt.want, ids(res.Findings))
			}
		})
	}
	// The logs and the probes both say integrator.io does not resolve: one finding, both sources.
	f0 := newFixture()
	f0.other[probesFile] = valid
	id := f0.heartbeatFailures(-10*time.Minute, 0, "level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io")
	res0 := f0.run()
	checkWellFormed(t, res0.Findings)
	dns := byID(res0.Findings, "network.dns")
	if dns == nil || res0.Findings[0].ID != "network.dns" || !strings.Contains(dns.Detail, "10 errors") || !strings.Contains(dns.Detail, "failed at dns") {
		t.Fatalf("network.dns: %+v", dns)
	}
	paths := map[manifest.Evidence]bool{}
	for _, e := range dns.Evidence {
		paths[e] = true
	}
	if !paths[manifest.Evidence{Path: probesFile}] || !paths[manifest.Evidence{Path: logPath, Line: f0.log.line(id)}] {
		t.Errorf("evidence %+v", dns.Evidence)
	}
	// Not listed in the manifest: the network was not probed, and nothing is said of it.
	f := newFixture()
	res := f.run()
	if byID(res.Findings, "network.probes_unreadable") != nil {
		t.Error("a bundle without probes reports them unreadable")
	}
}

func TestTimelineBounded(t *testing.T) {
	f := newFixture()
	// Four days of failed heartbeats and tunnel requests, every minute.
	f.log = &logb{}
	for d := 4 * 24 * time.Hour; d > 0; d -= time.Minute {
		f.log.add(at(-d), "level=error, logName=heartbeatFailed, err=Error: connect ETIMEDOUT 72.44.45.92:443")
		f.log.add(at(-d).Add(10*time.Second), "level=error, logName=requestTunnel, requesting tunnel failed")
	}
	f.log.add(at(-time.Hour), "level=error, logName=forwardInError, message=Unable to bind to 0.0.0.0:7017")
	res := f.run()
	tl := res.Timeline
	if len(tl.Events) > MaxTimelineEvents {
		t.Fatalf("%d events", len(tl.Events))
	}
	kinds := map[string]int{}
	for _, e := range tl.Events {
		kinds[e.Kind]++
	}
	if kinds[TLBindFailed] != 1 || kinds[TLRun] != 1 || kinds[TLHeartbeatFailed] == 0 || kinds[TLTunnelFailed] == 0 {
		t.Errorf("kinds %v", kinds)
	}
	total := 4 * 24 * 60
	if got := kinds[TLHeartbeatFailed] + tl.Dropped[TLHeartbeatFailed]; got != total {
		t.Errorf("heartbeat failures: %d drawn + %d dropped, want %d", kinds[TLHeartbeatFailed], tl.Dropped[TLHeartbeatFailed], total)
	}
	// The newest are kept.
	last := tl.Events[len(tl.Events)-2]
	if last.Time.Before(at(-2 * time.Minute)) {
		t.Errorf("the newest events were dropped: %+v", last)
	}
	if tl.Start != runAt.Add(-168*time.Hour) && tl.Start.Before(runAt.Add(-4*24*time.Hour)) {
		t.Errorf("start %s", tl.Start)
	}
}

// The scan's memory does not grow with the log: the logs are read through a fixed buffer and
// what the scan keeps is bounded, so 64 MiB of log allocate about what 4 MiB do.
func TestRunBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 68 MiB")
	}
	alloc := func(size int64) uint64 {
		m := agentManifest()
		m.Files = []manifest.File{{Path: logPath, Collector: "logs", Size: size, OriginalSize: size}}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res := Run(m, genFS{name: logPath, size: size})
		runtime.ReadMemStats(&after)
		if f := byID(res.Findings, "heartbeat.ok"); f == nil {
			t.Fatalf("no heartbeat.ok: %s", ids(res.Findings))
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := alloc(4<<20), alloc(64<<20)
	t.Logf("allocated %d KiB for 4 MiB of log, %d KiB for 64 MiB", small>>10, large>>10)
	if large > small+(1<<20) {
		t.Errorf("64 MiB of log allocate %d KiB, 4 MiB %d KiB", large>>10, small>>10)
	}
}

// genFS serves one generated log of size bytes without holding it.
type genFS struct {
	name string
	size int64
}

func (g genFS) Open(name string) (fs.File, error) {
	if name != g.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	lines := g.size / int64(len(ts(runAt))+2+len(lineRequest)+1)
	return &genFile{left: g.size, t: runAt.Add(-time.Duration(lines) * 100 * time.Millisecond)}, nil
}

type genFile struct {
	left int64
	t    time.Time
	line []byte // the current line
	off  int    // what of it was read
	i    int
}

func (g *genFile) Stat() (fs.FileInfo, error) { return nil, errors.ErrUnsupported }
func (g *genFile) Close() error               { return nil }
func (g *genFile) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && g.left > 0 {
		if g.off == len(g.line) {
			g.i++
			g.t = g.t.Add(100 * time.Millisecond)
			text := lineRequest
			if g.i%600 == 0 {
				text = lineHeartbeat
			}
			g.line = append(g.t.UTC().AppendFormat(g.line[:0], "2006-01-02T15:04:05.000Z"), ": "...)
			g.line = append(append(g.line, text...), '\n')
			g.off = 0
		}
		c := copy(p[n:], g.line[g.off:])
		if int64(c) > g.left {
			c = int(g.left)
		}
		g.off, n, g.left = g.off+c, n+c, g.left-int64(c)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func TestEmptyTokenHash(t *testing.T) {
	if emptyTokenHash != redact.HashToken("") {
		t.Fatalf("emptyTokenHash %s, redact says %s", emptyTokenHash, redact.HashToken(""))
	}
	if ShowTokenHash(redact.HashToken("")) != `""` || ShowTokenHash("sha256:0123456789abcdef") != "sha256:0123456789abcdef" {
		t.Fatal("ShowTokenHash")
	}
}

// BenchmarkRunBundle measures Run over a real bundle zip named by OPADIAG_BENCH_BUNDLE (for
// example one of 512 MiB of logs made with bench/genlog and opadiag collect); it is skipped
// without one.
func BenchmarkRunBundle(b *testing.B) {
	path := os.Getenv("OPADIAG_BENCH_BUNDLE")
	if path == "" {
		b.Skip("set OPADIAG_BENCH_BUNDLE to a bundle zip")
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		b.Fatal(err)
	}
	defer zr.Close()
	// As bundle.Open and the bundle being written read entries: with klauspost's inflater.
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return flate.NewReader(r) })
	f, err := zr.Open("manifest.json")
	if err != nil {
		b.Fatal(err)
	}
	m, err := manifest.Decode(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, f := range scanned(m.Files) {
		size += f.Size
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		res := Run(m, &zr.Reader)
		b.ReportMetric(float64(len(res.Findings)), "findings")
	}
}

// TestPreviousReleaseGolden keeps the full text of the re-run findings, the version and the
// timeline of testdata/previous-release.zip in a golden file, so that any change of wording or
// order is seen in review. go test ./diagnose -run Golden -update rewrites it.
func TestPreviousReleaseGolden(t *testing.T) {
	m, fsys := openBundle(t, "testdata/previous-release.zip")
	res := Run(m, fsys)
	got, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "previous-release.golden.json", append(got, '\n'))
}

func TestCopyAhead(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef\n"), 100000) // 1.7 MB, many chunks
	tests := []struct {
		name    string
		src     io.Reader
		want    []byte
		wantErr string
	}{
		{"whole", bytes.NewReader(data), data, ""},
		{"shorter than a chunk", strings.NewReader("one line\n"), []byte("one line\n"), ""},
		{"empty", strings.NewReader(""), nil, ""},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data[:5000])), data[:5000], ""},
		{"error after data", io.MultiReader(bytes.NewReader(data[:70000]), iotest.ErrReader(errors.New("inflate: corrupt"))), data[:70000], "corrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := copyAhead(&out, tt.src, make([]byte, 64<<10))
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if !bytes.Equal(out.Bytes(), tt.want) {
				t.Fatalf("copied %d bytes, want %d", out.Len(), len(tt.want))
			}
		})
	}
}
