package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/opadiag/opadiag/internal/stall"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

const token = "4f2a9c81d7e64b0a9e3c5f7a1b2d3e4f"

// newWriter makes a Writer in a temporary folder with the agent token registered.
func newWriter(t *testing.T, opts Options) (*Writer, string) {
	t.Helper()
	dir := t.TempDir()
	if opts.Redactor == nil {
		opts.Redactor = redact.New()
		opts.Redactor.AddToken(token)
	}
	w, err := Create(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Abort)
	return w, dir
}

// finish writes the bundle and opens it, failing the test if it does not verify.
func finish(t *testing.T, w *Writer, gen ...Generated) (*Reader, string) {
	t.Helper()
	path, err := w.Finish("opadiag-test", gen...)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if rep := r.Verify(); !rep.Valid() {
		t.Fatalf("the bundle does not verify: %v", rep.Problems)
	}
	return r, path
}

func entry(t *testing.T, r *Reader, name string) string {
	t.Helper()
	data, err := fs.ReadFile(r.FS(), name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(data)
}

func file(m *manifest.Manifest, name string) *manifest.File {
	for i := range m.Files {
		if m.Files[i].Path == name {
			return &m.Files[i]
		}
	}
	return nil
}

func omitted(m *manifest.Manifest, source string) string {
	for _, o := range m.Omitted {
		if o.Source == source {
			return o.Reason
		}
	}
	return ""
}

func utf16Bytes(s string, big, bom bool) []byte {
	var out []byte
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		if big {
			out = binary.BigEndian.AppendUint16(out, u)
		} else {
			out = binary.LittleEndian.AppendUint16(out, u)
		}
	}
	return out
}

func TestAdd(t *testing.T) {
	text := "2026-12-01 info connected\n2026-12-01 debug token=" + token + " password=hunter2\n"
	tests := []struct {
		name      string
		src       []byte
		limit     int64
		want      string // the entry's content; "" with omit set means left out
		omit      string // a substring of the omission's reason
		truncated bool
	}{
		{"text", []byte(text), 0, strings.ReplaceAll(strings.ReplaceAll(text, token, redact.HashToken(token)), "hunter2", redact.Marker), "", false},
		{"limit keeps the first bytes", []byte("0123456789\nabcdef\n"), 11, "0123456789\n", "", true},
		{"utf-16le with a mark", utf16Bytes("héllo token="+token+"\r\n", false, true), 0, "héllo token=" + redact.HashToken(token) + "\r\n", "", false},
		{"utf-16be with a mark", utf16Bytes("big endian \U0001F600\n", true, true), 0, "big endian \U0001F600\n", "", false},
		{"utf-16le without a mark", utf16Bytes("no mark but plain ASCII in UTF-16, line after line\n", false, false), 0, "no mark but plain ASCII in UTF-16, line after line\n", "", false},
		{"binary", []byte("PK\x03\x04\x00\x00\x14\x00\xff\xfe\x00\x01\x02\x03secret"), 0, "", "binary content", false},
		{"empty", nil, 0, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := newWriter(t, Options{})
			b := w.Bundle("test")
			if err := b.Add(context.Background(), "x/entry.txt", bytes.NewReader(tt.src), tt.limit, Info{Source: "/src"}); err != nil {
				t.Fatal(err)
			}
			r, _ := finish(t, w)
			m := r.Manifest()
			if tt.omit != "" {
				if !strings.Contains(omitted(m, "/src"), tt.omit) || file(m, "x/entry.txt") != nil {
					t.Fatalf("want it left out for %q; omitted %v", tt.omit, m.Omitted)
				}
				return
			}
			if got := entry(t, r, "x/entry.txt"); got != tt.want {
				t.Errorf("entry = %q, want %q", got, tt.want)
			}
			if f := file(m, "x/entry.txt"); f.Truncated != tt.truncated || f.Collector != "test" || f.Source != "/src" {
				t.Errorf("record = %+v", f)
			}
		})
	}
}

func TestAddTail(t *testing.T) {
	lines := "first line is old\nsecond line\nthird line token=" + token + "\nnewest line\n"
	unended := "first line\nlast line without its line break"
	tests := []struct {
		name      string
		content   []byte
		limit     int64
		total     int64
		want      string
		omit      string
		truncated bool
	}{
		{"whole", []byte(lines), 1 << 20, 0, strings.ReplaceAll(lines, token, redact.HashToken(token)), "", false},
		{"newest bytes from a line start", []byte(lines), int64(len("ine\nnewest line\n")), 0, "newest line\n", "", true},
		{"no complete line in the window", []byte(unended), 5, 0, "", "hold no complete line", false},
		{"utf-16le, odd cut", utf16Bytes("aaaa\nbbbb\ncccc\n", false, true), 13, 0, "cccc\n", "", true},
		{"utf-16be, even cut", utf16Bytes("aaaa\nbbbb\ncccc\n", true, true), 14, 0, "cccc\n", "", true},
		{"crumbs left by the total cap", bytes.Repeat([]byte("x\n"), 4096), 1 << 20, 1000, "", "total size cap", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := newWriter(t, Options{TotalSize: tt.total})
			b := w.Bundle("logs")
			err := b.AddTail(context.Background(), "log.txt", bytes.NewReader(tt.content), int64(len(tt.content)), tt.limit,
				Info{Source: "/var/log/agent.log", Mtime: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			r, _ := finish(t, w)
			m := r.Manifest()
			if tt.omit != "" {
				if !strings.Contains(omitted(m, "/var/log/agent.log"), tt.omit) {
					t.Fatalf("want it left out for %q; omitted %v", tt.omit, m.Omitted)
				}
				return
			}
			if got := entry(t, r, "log.txt"); got != tt.want {
				t.Errorf("entry = %q, want %q", got, tt.want)
			}
			f := file(m, "log.txt")
			if f.Truncated != tt.truncated || f.OriginalSize != int64(len(tt.content)) || f.Mtime == nil {
				t.Errorf("record = %+v", f)
			}
		})
	}
}

// TestTotalCap: the cap holds for every kind of entry: streams (command output, event
// extracts), JSON and file tails, whoever adds them, concurrently.
func TestTotalCap(t *testing.T) {
	const total = 100 << 10
	w, _ := newWriter(t, Options{TotalSize: total})
	line := []byte(strings.Repeat("event 7031 the service terminated unexpectedly ", 2) + "\n")
	big := bytes.Repeat(line, 4000) // ~390 KB each
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			b := w.Bundle(fmt.Sprintf("c%d", i))
			ctx := context.Background()
			switch i % 3 {
			case 0:
				b.Add(ctx, fmt.Sprintf("service/events-%d.txt", i), bytes.NewReader(big), 1<<20, Info{Source: "wevtutil"})
			case 1:
				b.AddTail(ctx, fmt.Sprintf("agent/logs/%d.log", i), bytes.NewReader(big), int64(len(big)), 1<<20, Info{Source: "log"})
			case 2:
				b.AddJSON(ctx, fmt.Sprintf("system/%d.json", i), map[string]string{"lines": string(big)}, "facts")
			}
		})
	}
	wg.Wait()
	r, _ := finish(t, w)
	var sum int64
	for _, f := range r.Manifest().Files {
		sum += f.Size
	}
	if sum > total {
		t.Fatalf("entries hold %d bytes, over the cap of %d", sum, total)
	}
	if len(r.Manifest().Omitted) == 0 {
		t.Fatal("nothing was left out although the sources hold 6 times the cap")
	}
}

// hang reads its data, then blocks until release is closed.
type hang struct {
	data    []byte
	release chan struct{}
}

func (h *hang) Read(p []byte) (int, error) {
	if len(h.data) > 0 {
		n := copy(p, h.data)
		h.data = h.data[n:]
		return n, nil
	}
	<-h.release
	return 0, io.EOF
}

func (h *hang) ReadAt(p []byte, off int64) (int, error) {
	if off < int64(len(h.data)) {
		return copy(p, h.data[off:]), nil
	}
	<-h.release
	return 0, io.EOF
}

// TestStallHoldsNothing: while one collector's read is stuck, another adds entries and records
// results: no lock is held across a read.
func TestStallHoldsNothing(t *testing.T) {
	release := make(chan struct{})
	w, _ := newWriter(t, Options{StallTimeout: time.Hour})
	stuck, other := w.Bundle("logs"), w.Bundle("system")
	hung := make(chan error, 1)
	go func() {
		hung <- stuck.Add(context.Background(), "agent/logs/share.log", &hang{data: []byte("written before the share hung\n"), release: release}, 0, Info{})
	}()
	for i := range 20 {
		if err := other.Add(context.Background(), fmt.Sprintf("system/%d.txt", i), strings.NewReader("ok\n"), 0, Info{}); err != nil {
			t.Fatal(err)
		}
	}
	other.Update(func(m *manifest.Manifest) { m.Host.Instances = 1 })
	select {
	case err := <-hung:
		t.Fatalf("the stuck read returned although its source never answered: %v", err)
	default:
	}
	close(release) // the share answers again
	if err := <-hung; err != nil {
		t.Fatal(err)
	}
	r, _ := finish(t, w)
	if file(r.Manifest(), "system/19.txt") == nil || r.Manifest().Host.Instances != 1 || file(r.Manifest(), "agent/logs/share.log") == nil {
		t.Error("an entry is missing")
	}
}

// TestStall: a source whose read hangs is abandoned after the stall timeout; what it gave is
// kept and the manifest says why; a source that hangs before giving anything is left out, named.
func TestStall(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	w, _ := newWriter(t, Options{StallTimeout: time.Second})
	stuck := w.Bundle("logs")
	err := stuck.Add(context.Background(), "agent/logs/share.log", &hang{data: []byte("written before the share died\n"), release: release}, 0, Info{Source: `\\nas\share\server.log`})
	if !errors.Is(err, stall.ErrStalled) {
		t.Fatalf("err = %v, want a stall", err)
	}
	err = stuck.AddTail(context.Background(), "agent/logs/dead.log", &hang{release: release}, 1<<20, 1<<20, Info{Source: "/mnt/dead/server.log"})
	if !errors.Is(err, stall.ErrStalled) {
		t.Fatalf("err = %v, want a stall", err)
	}
	r, _ := finish(t, w)
	m := r.Manifest()
	f := file(m, "agent/logs/share.log")
	if f == nil || !f.Stalled || !f.Truncated || !strings.Contains(f.Note, "stalled") {
		t.Fatalf("record = %+v", f)
	}
	if got := entry(t, r, "agent/logs/share.log"); got != "written before the share died\n" {
		t.Errorf("kept %q", got)
	}
	if reason := omitted(m, "/mnt/dead/server.log"); !strings.Contains(reason, "no progress") {
		t.Errorf("omitted %v", m.Omitted)
	}
}

// TestFinishCatchesLateSecrets: a manifest field or generated entry holding the token is
// scrubbed at Finish, the bundle is still written, and the manifest says what was caught.
func TestFinishCatchesLateSecrets(t *testing.T) {
	w, _ := newWriter(t, Options{})
	b := w.Bundle("service")
	b.Update(func(m *manifest.Manifest) {
		m.Collectors = append(m.Collectors, manifest.Collector{Name: "service", Status: "failed", Error: "exec /opt/agent --token " + token})
		m.Service.Services = append(m.Service.Services, manifest.AgentService{Name: "celigo-agent", State: "running", BinaryPath: "/opt/agent/run --password=hunter2"})
	})
	b.Problem("journal said Authorization: Bearer %s", token)
	m := w.Seal()
	m.Findings = append(m.Findings, manifest.Finding{ID: "x", Severity: "fail", Title: "t", Detail: "seen " + token, Remedy: "r"})
	r, path := finish(t, w, Generated{Name: SummaryName, Data: []byte("summary with " + token + "\n")})
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if bytes.Contains(data, []byte(token)) || bytes.Contains(data, []byte("hunter2")) {
			t.Errorf("%s holds a secret", f.Name)
		}
	}
	got := r.Manifest()
	// Records the collectors made are redacted when the bundle is sealed (redaction.fields);
	// what reached opadiag's generated text after that is caught at Finish (redaction.late).
	for _, c := range []struct {
		list  []manifest.Late
		where []string
	}{
		{got.Redaction.Fields, []string{"manifest.json collectors[0].error", "manifest.json service.services[0].binary_path"}},
		{got.Redaction.Late, []string{"manifest.json findings[0].detail", SummaryName}},
	} {
		where := map[string]bool{}
		for _, l := range c.list {
			where[l.Where] = true
		}
		for _, want := range c.where {
			if !where[want] {
				t.Errorf("nothing recorded at %q in %+v", want, c.list)
			}
		}
	}
	if !strings.Contains(entry(t, r, SummaryName), redact.HashToken(token)) {
		t.Error("summary.txt lost its content instead of having the token replaced")
	}
}

// TestFS: entries can be read back while the bundle is being written.
func TestFS(t *testing.T) {
	w, _ := newWriter(t, Options{})
	b := w.Bundle("logs")
	content := strings.Repeat("a line of the agent's log\n", 10000)
	if err := b.Add(context.Background(), "agent/logs/a.log", strings.NewReader(content), 0, Info{}); err != nil {
		t.Fatal(err)
	}
	data, err := fs.ReadFile(w.FS(), "agent/logs/a.log")
	if err != nil || string(data) != content {
		t.Fatalf("read back %d bytes, %v", len(data), err)
	}
	if _, err := w.FS().Open("agent/logs/missing.log"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing entry: %v", err)
	}
	if _, err := w.FS().Open("../etc/passwd"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("invalid path: %v", err)
	}
	st, _ := fs.Stat(w.FS(), "agent/logs/a.log")
	if st == nil || st.Size() != int64(len(content)) {
		t.Errorf("stat = %v", st)
	}
	finish(t, w)
}

type failingWriter struct {
	w     io.Writer
	after int64
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, syscall.ENOSPC
	}
	f.after -= int64(len(p))
	return f.w.Write(p)
}

// TestDiskFull: a write failure of the bundle ends the run, and nothing is left behind.
func TestDiskFull(t *testing.T) {
	w, dir := newWriter(t, Options{WrapOutput: func(w io.Writer) io.Writer { return &failingWriter{w: w, after: 1000} }})
	b := w.Bundle("logs")
	var werr error
	for i := range 50 {
		if err := b.Add(context.Background(), fmt.Sprintf("l%d.log", i), strings.NewReader(strings.Repeat("random-ish line 12345\n", 500+i)), 0, Info{}); err != nil {
			werr = err
			break
		}
	}
	if !IsWriteError(werr) {
		t.Fatalf("err = %v, want a write error", werr)
	}
	if _, err := w.Finish("opadiag-test"); err == nil {
		t.Fatal("Finish succeeded on a full disk")
	}
	w.Abort()
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

func TestNames(t *testing.T) {
	w, _ := newWriter(t, Options{})
	b := w.Bundle("c")
	for _, n := range []string{"a/b.txt", "A/B.txt", "../../etc/passwd", `dir\win:file?.log`, "manifest.json", "", "a/b.txt"} {
		if err := b.Add(context.Background(), n, strings.NewReader("x\n"), 0, Info{}); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := finish(t, w)
	var got []string
	for _, f := range r.Manifest().Files {
		got = append(got, f.Path)
	}
	want := "A/B-2.txt __/__/etc/passwd a/b-3.txt a/b.txt dir/win_file_.log manifest-2.json unnamed"
	if strings.Join(got, " ") != want {
		t.Fatalf("names = %v, want %s", got, want)
	}
}

// TestSealed: a collector abandoned at its deadline can no longer add or record.
func TestSealed(t *testing.T) {
	w, _ := newWriter(t, Options{})
	b := w.Bundle("slow")
	b.Close()
	if err := b.Add(context.Background(), "late.txt", strings.NewReader("x"), 0, Info{}); err == nil {
		t.Fatal("a closed collector could still add")
	}
	b.Update(func(m *manifest.Manifest) { m.Host.Instances = 9 })
	c := w.Bundle("other")
	m := w.Seal()
	if err := c.Add(context.Background(), "after-seal.txt", strings.NewReader("x"), 0, Info{}); err == nil {
		t.Fatal("Add after Seal succeeded")
	}
	if m.Host.Instances == 9 {
		t.Fatal("a closed collector could still update the manifest")
	}
	finish(t, w)
}

// TestVerify: tampering, and hostile bundles, are reported without reading more than needed.
func TestVerify(t *testing.T) {
	w, _ := newWriter(t, Options{})
	w.Bundle("c").Add(context.Background(), "a.txt", strings.NewReader("hello\n"), 0, Info{})
	_, path := finish(t, w)
	orig, _ := os.ReadFile(path)

	rewrite := func(t *testing.T, edit func(name string, data []byte) (string, []byte), extra ...[2]string) string {
		zr, err := zip.NewReader(bytes.NewReader(orig), int64(len(orig)))
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "b.zip")
		f, _ := os.Create(out)
		zw := zip.NewWriter(f)
		for _, e := range zr.File {
			rc, _ := e.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			name, data := edit(e.Name, data)
			if name == "" {
				continue
			}
			fw, _ := zw.Create(name)
			fw.Write(data)
		}
		for _, x := range extra {
			fw, _ := zw.Create(x[0])
			fw.Write([]byte(x[1]))
		}
		zw.Close()
		f.Close()
		return out
	}
	tests := []struct {
		name  string
		path  func(t *testing.T) string
		wants []string
	}{
		{"changed entry", func(t *testing.T) string {
			return rewrite(t, func(n string, d []byte) (string, []byte) {
				if n == "a.txt" {
					return n, []byte("HELLO\n")
				}
				return n, d
			})
		}, []string{"a.txt: SHA-256"}},
		{"extra entry", func(t *testing.T) string {
			return rewrite(t, func(n string, d []byte) (string, []byte) { return n, d }, [2]string{"evil.txt", "x"})
		}, []string{"evil.txt: in the zip but not in the manifest"}},
		{"missing manifest", func(t *testing.T) string {
			return rewrite(t, func(n string, d []byte) (string, []byte) {
				if n == ManifestName {
					return "", nil
				}
				return n, d
			})
		}, []string{"manifest.json is missing"}},
		{"damaged manifest", func(t *testing.T) string {
			return rewrite(t, func(n string, d []byte) (string, []byte) {
				if n == ManifestName {
					return n, d[:len(d)/2]
				}
				return n, d
			})
		}, []string{"manifest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(tt.path(t))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rep := r.Verify()
			if rep.Valid() {
				t.Fatal("valid")
			}
			for _, want := range tt.wants {
				found := false
				for _, p := range rep.Problems {
					found = found || strings.Contains(p, want)
				}
				if !found {
					t.Errorf("no problem mentions %q: %v", want, rep.Problems)
				}
			}
		})
	}
}

// TestVerifyHostile: a manifest that declares a huge size is not read; entries whose declared
// size disagrees are not hashed; the problems listed are capped.
func TestVerifyHostile(t *testing.T) {
	m := &manifest.Manifest{Schema: manifest.SchemaID, Created: time.Now(), Tool: manifest.Tool{Name: "opadiag", Version: "1"},
		Invocation: manifest.Invocation{Trigger: "manual"}, Discovery: manifest.Discovery{Method: "discovered"}}
	for i := range 100 {
		m.Files = append(m.Files, manifest.File{Path: fmt.Sprintf("f%d.txt", i), Size: 1 << 40, SHA256: strings.Repeat("0", 64), Redactions: map[string]int{}})
	}
	var mbuf bytes.Buffer
	manifest.Encode(&mbuf, m)
	path := filepath.Join(t.TempDir(), "hostile.zip")
	f, _ := os.Create(path)
	zw := zip.NewWriter(f)
	for i := range 100 {
		fw, _ := zw.Create(fmt.Sprintf("f%d.txt", i))
		fw.Write([]byte("small"))
	}
	fw, _ := zw.Create(ManifestName)
	fw.Write(mbuf.Bytes())
	zw.Close()
	f.Close()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep := r.Verify()
	if len(rep.Problems) != MaxProblems || rep.More == 0 {
		t.Fatalf("problems: %d listed, %d more; want %d and a count", len(rep.Problems), rep.More, MaxProblems)
	}
	if !strings.Contains(rep.Problems[0], "f0.txt: the zip declares 5 bytes, the manifest says 1099511627776") {
		t.Errorf("first problem: %s", rep.Problems[0])
	}

	// A manifest.json that declares more than MaxManifest is refused before it is read.
	big := filepath.Join(t.TempDir(), "big.zip")
	f, _ = os.Create(big)
	zw = zip.NewWriter(f)
	hdr := &zip.FileHeader{Name: ManifestName, Method: zip.Deflate}
	fw, _ = zw.CreateHeader(hdr)
	fw.Write(bytes.Repeat([]byte(" "), MaxManifest+10))
	zw.Close()
	f.Close()
	r2, err := Open(big)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if r2.Manifest() != nil || !strings.Contains(strings.Join(r2.Verify().Problems, ";"), "more than a manifest ever holds") {
		t.Fatalf("problems: %v", r2.Verify().Problems)
	}
}

func TestOpenTooManyEntries(t *testing.T) {
	// An end-of-central-directory record that announces a million entries.
	eocd := make([]byte, 22)
	copy(eocd, "PK\x05\x06")
	binary.LittleEndian.PutUint16(eocd[10:], 0xFFFF)
	z64 := make([]byte, 56)
	copy(z64, "PK\x06\x06")
	binary.LittleEndian.PutUint64(z64[32:], 1_000_000)
	path := filepath.Join(t.TempDir(), "many.zip")
	os.WriteFile(path, append(z64, eocd...), 0o600)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "1000000 entries") {
		t.Fatalf("err = %v", err)
	}
	os.WriteFile(path, []byte("not a zip at all"), 0o600)
	if _, err := Open(path); err == nil {
		t.Fatal("a non-zip opened")
	}
}

// TestObfuscateTwoPass: a host learned from a later entry is replaced in an earlier one too,
// with the same stand-in everywhere, and the records carry the final sizes and hashes.
func TestObfuscateTwoPass(t *testing.T) {
	obf := redact.NewObfuscator()
	w, _ := newWriter(t, Options{Obfuscator: obf})
	b := w.Bundle("logs")
	first := "10:00 retrying sqlprod01.corp.example after a timeout\n"
	second := "10:01 connecting to jdbc:sqlserver://sqlprod01.corp.example:1433;databaseName=x\n"
	for i, text := range []string{first, second} {
		if err := b.Add(context.Background(), fmt.Sprintf("agent/logs/%d.log", i), strings.NewReader(text), 0, Info{}); err != nil {
			t.Fatal(err)
		}
	}
	// Before Finish the entries read back as redacted, not yet obfuscated.
	if data, _ := fs.ReadFile(w.FS(), "agent/logs/0.log"); string(data) != first {
		t.Fatalf("read back %q", data)
	}
	r, _ := finish(t, w, Generated{Name: SummaryName, Data: []byte("host sqlprod01.corp.example\n")})
	stand := obf.Host("sqlprod01.corp.example")
	for _, name := range []string{"agent/logs/0.log", "agent/logs/1.log", SummaryName} {
		got := entry(t, r, name)
		if strings.Contains(got, "sqlprod01") || !strings.Contains(got, stand) {
			t.Errorf("%s = %q, want the host as %s", name, got, stand)
		}
	}
	if f := file(r.Manifest(), "agent/logs/0.log"); f.Redactions[redact.RuleHost] == 0 {
		t.Errorf("record = %+v", f)
	}
}

// TestTokenInEntryName: a log named after the agent token (or holding it in a folder name) gets
// an entry name without it, in the zip's directory as in the manifest, and the bundle verifies;
// Note and MarkTruncated still find the entry by the name it was added under.
func TestTokenInEntryName(t *testing.T) {
	for _, obf := range []bool{false, true} {
		t.Run(fmt.Sprintf("obfuscate=%v", obf), func(t *testing.T) {
			var opts Options
			if obf {
				opts.Redactor = redact.New()
				opts.Redactor.AddToken(token)
				opts.Obfuscator = redact.NewObfuscator()
			}
			w, _ := newWriter(t, opts)
			b := w.Bundle("logs")
			names := []string{"agent/logs/" + token + ".log", "agent/logs/" + strings.ToUpper(token) + "/inner.log", "agent/logs/server-" + token + ".log"}
			for _, n := range names {
				if err := b.Add(context.Background(), n, strings.NewReader("a line\n"), 0, Info{Source: "/home/a/" + n}); err != nil {
					t.Fatal(err)
				}
				b.Note(n, "noted")
			}
			r, path := finish(t, w)
			zr, err := zip.OpenReader(path)
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			for _, f := range zr.File {
				if strings.Contains(strings.ToLower(f.Name), token) {
					t.Errorf("entry %q names the token", f.Name)
				}
			}
			n := 0
			for _, f := range r.Manifest().Files {
				if strings.Contains(strings.ToLower(f.Path+f.Source), token) {
					t.Errorf("manifest file %q (%s) names the token", f.Path, f.Source)
				}
				if strings.HasPrefix(f.Path, "agent/logs/") {
					n++
					if f.Note != "noted" {
						t.Errorf("%s: note %q, want the one given by the name it was added under", f.Path, f.Note)
					}
				}
			}
			if n != len(names) {
				t.Errorf("%d log entries, want %d", n, len(names))
			}
		})
	}
}

// TestEntryCap: past the most entries a bundle takes, Add and AddTail leave the source out with
// the reason, and the bundle stays one that Open accepts.
func TestEntryCap(t *testing.T) {
	w, _ := newWriter(t, Options{})
	w.maxEntries = 3
	b := w.Bundle("logs")
	for i := range 5 {
		name := fmt.Sprintf("agent/logs/%d.log", i)
		var err error
		if i%2 == 0 {
			err = b.Add(context.Background(), name, strings.NewReader("a line\n"), 0, Info{Source: "/src/" + name})
		} else {
			err = b.AddTail(context.Background(), name, strings.NewReader("a line\n"), 7, 0, Info{Source: "/src/" + name})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	r, _ := finish(t, w)
	m := r.Manifest()
	if n := len(m.Files); n != 3 {
		t.Errorf("%d files, want 3: %v", n, m.Files)
	}
	for _, src := range []string{"/src/agent/logs/3.log", "/src/agent/logs/4.log"} {
		if got := omitted(m, src); got != EntryCapReason {
			t.Errorf("%s left out for %q, want %q", src, got, EntryCapReason)
		}
	}
}

// TestEntryTimes: every entry carries its modification time in the zip's own fields (MS-DOS
// date and time, the extended timestamp), not 1980 as CreateRaw leaves them.
func TestEntryTimes(t *testing.T) {
	w, _ := newWriter(t, Options{Created: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)})
	b := w.Bundle("logs")
	mt := time.Date(2026, 11, 27, 23, 59, 58, 0, time.UTC)
	b.Add(context.Background(), "agent/logs/a.log", strings.NewReader("a line\n"), 0, Info{Mtime: mt})
	b.Add(context.Background(), "system/os.json", strings.NewReader("{}\n"), 0, Info{})
	_, path := finish(t, w)
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Modified.Year() < 2026 {
			t.Errorf("%s: modified %s", f.Name, f.Modified)
		}
		if f.Name == "agent/logs/a.log" && !f.Modified.Equal(mt) {
			t.Errorf("%s: modified %s, want %s", f.Name, f.Modified, mt)
		}
		dos := time.Date(1980+int(f.ModifiedDate>>9), time.Month(f.ModifiedDate>>5&15), int(f.ModifiedDate&31), int(f.ModifiedTime>>11), int(f.ModifiedTime>>5&63), int(f.ModifiedTime&31)*2, 0, time.UTC)
		if dos.Year() < 2026 {
			t.Errorf("%s: MS-DOS time %s", f.Name, dos)
		}
	}
}
