package collect

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"

	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

// compressionLevel is klauspost/compress's deflate level. On realistic agent logs level 3
// compresses at about 390 MB/s to within 6% of zip -6's size (level 5: 250 MB/s, 2% larger;
// zip -6: 84 MB/s); see bench/compare.sh and the README's figures.
const compressionLevel = 3

// errClosed is returned to a collector that keeps using its Bundle after its run ended (it was
// abandoned at its deadline).
var errClosed = errors.New("the collector's time is over: nothing more is added to the bundle")

// Bundle is a collector's handle on the support bundle being written. Every file added through
// it is redacted on the way in. It is safe for concurrent use.
type Bundle struct {
	w         *Writer
	collector string
	closed    atomic.Bool
	mu        sync.Mutex
	problems  []string
}

// FileInfo describes where the bytes of a file added to the bundle came from.
type FileInfo struct {
	Source       string    // path on disk, or the command line that printed it
	Mtime        time.Time // the source's modification time; zero for generated content
	OriginalSize int64     // bytes at the source; 0 means "what was read"
	Truncated    bool      // only part of the source was read
	Note         string
	// Redactions were already made before the bytes reached Add (JSON redaction of Settings);
	// they are added to the file's counts.
	Redactions redact.Counts
	// Observe, when set, also receives the redacted bytes (the log scan of diagnose).
	Observe io.Writer
}

// Add streams src into the bundle as the entry name, through the redactor. A failure to read
// src keeps what was read, notes the error on the entry and returns it; a failure to write the
// bundle is fatal to the whole run and is returned too.
func (b *Bundle) Add(ctx context.Context, name string, src io.Reader, info FileInfo) error {
	if b.closed.Load() {
		return errClosed
	}
	return b.w.add(ctx, b.collector, name, src, info, true)
}

// AddJSON adds v, encoded as indented JSON and redacted, as the entry name.
func (b *Bundle) AddJSON(ctx context.Context, name string, v any, source string) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	return b.Add(ctx, name, bytes.NewReader(append(data, '\n')), FileInfo{Source: source})
}

// Note attaches a note to an entry already added by this collector.
func (b *Bundle) Note(name, note string) {
	note = b.w.red.String(note)
	b.entry(name, func(f *manifest.File) {
		if f.Note != "" {
			f.Note += "; "
		}
		f.Note += note
	})
}

// markTruncated records that an entry already added holds only part of its source.
func (b *Bundle) markTruncated(name string) {
	b.entry(name, func(f *manifest.File) { f.Truncated = true })
}

// entry changes the manifest record of an entry this collector added.
func (b *Bundle) entry(name string, fn func(*manifest.File)) {
	b.w.mu.Lock()
	defer b.w.mu.Unlock()
	for i := range b.w.files {
		if f := &b.w.files[i]; f.Path == name && f.Collector == b.collector {
			fn(f)
		}
	}
}

// Omit records that source was found but deliberately left out of the bundle, and why.
func (b *Bundle) Omit(source, reason string) {
	b.w.mu.Lock()
	defer b.w.mu.Unlock()
	b.w.omitted = append(b.w.omitted, manifest.Omitted{
		Source: source, Collector: b.collector, Reason: b.w.red.String(reason),
	})
}

// Problem records something the collector could not collect. A collector that returns nil after
// recording problems has status "partial".
func (b *Bundle) Problem(format string, args ...any) {
	msg := b.w.red.String(fmt.Sprintf(format, args...))
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, msg)
}

// Denied records that what could not be read for lack of rights: a problem of the collector,
// and an entry of the manifest's invocation.denied with the hint to re-run elevated.
func (b *Bundle) Denied(what string, err error) {
	b.Problem("%s: %v", what, err)
	b.w.mu.Lock()
	defer b.w.mu.Unlock()
	m := b.w.man
	m.Invocation.Denied = append(m.Invocation.Denied, manifest.Denied{
		Collector: b.collector, What: b.w.red.String(what), Error: b.w.red.String(err.Error()),
		Hint: elevateHint(m.Host.OS, m.Invocation.Elevated),
	})
}

// Failed records that what could not be read: as Denied when the error is a lack of rights,
// else as a Problem.
func (b *Bundle) Failed(what string, err error) {
	if isDenied(err, "") {
		b.Denied(what, err)
		return
	}
	b.Problem("%s: %v", what, err)
}

// elevateHint says how to get the rights that were missing.
func elevateHint(goos string, elevated bool) string {
	switch {
	case elevated:
		return "denied although opadiag runs elevated: a security policy or another program protects it"
	case goos == "windows":
		return "run opadiag again as administrator (right-click it, Run as administrator)"
	default:
		return "run opadiag again as root (sudo opadiag)"
	}
}

// Problems returns what the collector recorded with Problem.
func (b *Bundle) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Redactor is the bundle's redactor, for collectors that register secrets (the agent token) or
// redact structured data before adding it.
func (b *Bundle) Redactor() *redact.Redactor { return b.w.red }

// Reserve takes up to want bytes from what --max-total-size leaves and returns how many were
// granted; 0 means the cap is reached.
func (b *Bundle) Reserve(want int64) int64 {
	b.w.mu.Lock()
	defer b.w.mu.Unlock()
	grant := min(want, b.w.budget)
	b.w.budget -= grant
	return grant
}

// Release gives back bytes reserved but not used.
func (b *Bundle) Release(n int64) {
	b.w.mu.Lock()
	defer b.w.mu.Unlock()
	b.w.budget += n
}

// Update lets a collector record structured results in the manifest. fn runs under the bundle's
// lock and must not block; strings it stores must already be redacted. A collector abandoned at
// its deadline can no longer update the manifest.
func (b *Bundle) Update(fn func(m *manifest.Manifest)) {
	b.w.mu.Lock()
	defer b.w.mu.Unlock()
	if b.closed.Load() {
		return
	}
	fn(b.w.man)
}

// Writer writes one bundle: a temporary zip in the output folder that becomes
// opadiag-….zip only when Finish succeeds. Collectors add files through the Bundle it hands
// each of them.
type Writer struct {
	mu      sync.Mutex // guards everything below, and serialises zip entries
	dir     string
	f       *os.File
	zw      *zip.Writer
	tmp     string
	red     *redact.Redactor
	man     *manifest.Manifest
	files   []manifest.File
	names   map[string]bool
	omitted []manifest.Omitted
	counts  redact.Counts
	budget  int64
	created time.Time
	failed  error // a write to the bundle failed, or it is finished: nothing more is added
	placed  bool  // Finish moved the zip into place
	obf     *redact.Obfuscator
	flates  sync.Pool
}

// WriterOptions configure a Writer.
type WriterOptions struct {
	Redactor *redact.Redactor   // nil: a new one
	Manifest *manifest.Manifest // what collectors record into; nil: a new, empty one
	// TotalSize is what Bundle.Reserve hands out (--max-total-size); 0: no limit.
	TotalSize int64
	Created   time.Time // time of the bundle's own entries; zero: now
	// Obfuscator, when set, also renames hosts, IPs and users in summary.txt and
	// manifest.json (the Redactor must use it too, for everything else).
	Obfuscator *redact.Obfuscator

	wrap func(io.Writer) io.Writer // tests inject write faults (a full disk) here
}

// NewWriter creates the temporary bundle file in dir.
func NewWriter(dir string, opts WriterOptions) (*Writer, error) {
	f, err := os.CreateTemp(dir, ".opadiag-*.zip.tmp")
	if err != nil {
		return nil, fmt.Errorf("create the bundle in %s: %w", dir, err)
	}
	w := &Writer{
		dir: dir, f: f, tmp: f.Name(), red: opts.Redactor, man: opts.Manifest, budget: opts.TotalSize,
		created: opts.Created, names: map[string]bool{}, counts: redact.Counts{}, obf: opts.Obfuscator,
	}
	if w.red == nil {
		w.red = redact.New()
	}
	if w.man == nil {
		w.man = &manifest.Manifest{
			Schema:     manifest.SchemaID,
			Tool:       manifest.Tool{Name: "opadiag", Version: "devel"},
			Created:    time.Now().UTC(),
			Invocation: manifest.Invocation{Trigger: "manual"},
			Discovery:  manifest.Discovery{Method: "agent-dir"},
		}
	}
	if w.budget <= 0 {
		w.budget = math.MaxInt64
	}
	if w.created.IsZero() {
		w.created = time.Now()
	}
	var out io.Writer = f
	if opts.wrap != nil {
		out = opts.wrap(f)
	}
	w.zw = zip.NewWriter(out)
	w.zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		if fw, ok := w.flates.Get().(*flate.Writer); ok {
			fw.Reset(out)
			return &pooledFlate{fw, &w.flates}, nil
		}
		fw, err := flate.NewWriter(out, compressionLevel)
		if err != nil {
			return nil, err
		}
		return &pooledFlate{fw, &w.flates}, nil
	})
	return w, nil
}

// Bundle returns the handle a collector adds its files through; files are attributed to
// collector in the manifest.
func (w *Writer) Bundle(collector string) *Bundle {
	return &Bundle{w: w, collector: collector}
}

// pooledFlate returns its deflater to the pool when the entry is closed: one deflater's window
// is reused for every entry instead of allocated per file.
type pooledFlate struct {
	*flate.Writer
	pool *sync.Pool
}

func (p *pooledFlate) Close() error {
	err := p.Writer.Close()
	p.pool.Put(p.Writer)
	return err
}

// writeError marks an error of the bundle's own file, as opposed to one of the source.
type writeError struct{ err error }

func (e writeError) Error() string { return "write the bundle: " + e.err.Error() }
func (e writeError) Unwrap() error { return e.err }

// sinkWriter wraps the zip entry so that its errors are told apart from the source's.
type sinkWriter struct{ w io.Writer }

func (s sinkWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		err = writeError{err}
	}
	return n, err
}

// asyncWriter hands what is written to w on its own goroutine. The bundle gives each costly
// consumer of a file's redacted bytes one (compression into the zip, SHA-256, the log scan), so
// that they run beside redaction on the machine's other cores instead of one after another. At
// most asyncDepth chunks wait, which bounds memory. The first error of w is returned by the next
// Write and by Close.
type asyncWriter struct {
	ch   chan []byte
	free chan []byte
	done chan struct{}
	mu   sync.Mutex
	err  error
}

const asyncDepth = 4

func newAsyncWriter(w io.Writer) *asyncWriter {
	a := &asyncWriter{ch: make(chan []byte, asyncDepth), free: make(chan []byte, asyncDepth+1), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for b := range a.ch {
			if a.error() == nil {
				if _, err := w.Write(b); err != nil {
					a.mu.Lock()
					a.err = err
					a.mu.Unlock()
				}
			}
			select {
			case a.free <- b[:0]:
			default: // enough spare buffers already
			}
		}
	}()
	return a
}

func (a *asyncWriter) error() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

func (a *asyncWriter) Write(p []byte) (int, error) {
	if err := a.error(); err != nil {
		return 0, err
	}
	var b []byte
	select {
	case b = <-a.free:
	default:
	}
	a.ch <- append(b, p...)
	return len(p), nil
}

// Close waits until w has had everything and returns its first error.
func (a *asyncWriter) Close() error {
	close(a.ch)
	<-a.done
	return a.error()
}

// ignoreErrors keeps an observer's failure from costing the bundle a file.
type ignoreErrors struct{ w io.Writer }

func (i ignoreErrors) Write(p []byte) (int, error) {
	_, _ = i.w.Write(p)
	return len(p), nil
}

// countWriter counts bytes.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

func (w *Writer) add(ctx context.Context, collector, name string, src io.Reader, info FileInfo, redacted bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed != nil {
		return w.failed
	}
	name = w.unique(entryName(name))
	mtime := info.Mtime
	if mtime.IsZero() {
		mtime = w.created
	}
	hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mtime.UTC()}
	hdr.SetMode(0o644)
	zf, err := w.zw.CreateHeader(hdr)
	if err != nil {
		w.failed = writeError{err}
		return w.failed
	}
	sum := sha256.New()
	size := &countWriter{}
	zipSink, sumSink := newAsyncWriter(sinkWriter{zf}), newAsyncWriter(sum)
	sinks := []io.Writer{zipSink, sumSink, size}
	var obs *asyncWriter
	if info.Observe != nil {
		obs = newAsyncWriter(ignoreErrors{info.Observe})
		sinks = append(sinks, obs)
	}
	var dst io.Writer = io.MultiWriter(sinks...)
	var rw *redact.Writer
	if redacted {
		rw = w.red.NewWriter(dst)
		dst = rw
	}
	read, copyErr := copyContext(ctx, dst, src)
	var closeErr error
	if rw != nil {
		closeErr = rw.Close()
	}
	// Every consumer must have had all the bytes before the entry ends.
	zipErr := zipSink.Close()
	sumSink.Close()
	if obs != nil {
		obs.Close()
	}
	if we := (writeError{}); errors.As(copyErr, &we) || errors.As(closeErr, &we) || errors.As(zipErr, &we) {
		w.failed = we
		return w.failed
	}
	counts := redact.Counts{}
	if rw != nil {
		counts.Add(rw.Counts())
	}
	counts.Add(info.Redactions)
	orig := info.OriginalSize
	if orig == 0 {
		orig = read
	}
	f := manifest.File{
		Path: name, Source: info.Source, Collector: collector,
		Size: size.n, SHA256: hex.EncodeToString(sum.Sum(nil)), Redactions: counts,
		Truncated: info.Truncated, OriginalSize: orig, Note: info.Note,
	}
	if !info.Mtime.IsZero() {
		t := info.Mtime.UTC()
		f.Mtime = &t
	}
	if copyErr != nil {
		f.Truncated = true
		note := "reading stopped early: " + copyErr.Error()
		if errors.Is(copyErr, context.DeadlineExceeded) {
			note = "reading stopped at the collector's deadline"
		}
		if f.Note != "" {
			note = f.Note + "; " + note
		}
		f.Note = w.red.String(note)
	}
	w.files = append(w.files, f)
	w.counts.Add(counts)
	return copyErr
}

// copyContext copies src to dst until EOF, an error or ctx is done. src is read on its own
// goroutine, so a read that blocks (a hung network share) cannot hold the bundle past the
// collector's deadline; such a goroutine is abandoned.
func copyContext(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	type chunk struct {
		b   []byte
		err error
	}
	const bufSize = 64 << 10
	chunks := make(chan chunk)
	free := make(chan []byte, 2)
	free <- make([]byte, bufSize)
	free <- make([]byte, bufSize)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-stop:
				return
			}
			n, err := src.Read(buf)
			select {
			case chunks <- chunk{buf[:n], err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var total int64
	for {
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case c := <-chunks:
			if len(c.b) > 0 {
				if _, err := dst.Write(c.b); err != nil {
					return total, err
				}
				total += int64(len(c.b))
			}
			free <- c.b[:cap(c.b)]
			if c.err == io.EOF {
				return total, nil
			}
			if c.err != nil {
				return total, c.err
			}
		}
	}
}

// entryName makes a safe zip entry name: forward slashes, relative, no "..", valid UTF-8.
func entryName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = strings.ToValidUTF8(name, "_")
	var parts []string
	for _, p := range strings.Split(name, "/") {
		switch p {
		case "", ".":
		case "..":
			parts = append(parts, "__")
		default:
			parts = append(parts, strings.Map(func(r rune) rune {
				if r < 0x20 || r == 0x7f || strings.ContainsRune(`:*?"<>|`, r) {
					return '_'
				}
				return r
			}, p))
		}
	}
	if len(parts) == 0 {
		return "unnamed"
	}
	return strings.Join(parts, "/")
}

// unique returns name, or name with "-2", "-3"… before its extension when it is taken.
func (w *Writer) unique(name string) string {
	candidate := name
	for i := 2; w.names[strings.ToLower(candidate)] || isReserved(candidate); i++ {
		ext := path.Ext(name)
		if !utf8.ValidString(ext) || strings.Contains(ext, "/") {
			ext = ""
		}
		candidate = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), i, ext)
	}
	w.names[strings.ToLower(candidate)] = true
	return candidate
}

// isReserved reports names that only the bundle writer itself writes.
func isReserved(name string) bool { return name == manifestName || name == summaryName }

const (
	manifestName = "manifest.json"
	summaryName  = "summary.txt"
)

// Finish writes summary.txt and manifest.json (the Writer's manifest, completed with the files,
// omissions and redaction counts), closes the zip, syncs it and moves it into the output folder
// as stem.zip, or stem-2.zip… when that name is taken: an existing file is never replaced. It
// returns the bundle's path. After Finish, nothing more can be added.
func (w *Writer) Finish(stem string) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed != nil {
		return "", w.failed
	}
	// Nothing is added after this point, even by a collector that was abandoned.
	w.failed = errors.New("the bundle is already finished")
	m := w.man
	// Files in path order, whatever order the collectors finished in.
	sort.SliceStable(w.files, func(i, j int) bool { return w.files[i].Path < w.files[j].Path })
	m.Files = w.files
	m.Omitted = w.omitted
	m.Redaction.Rules = w.counts
	// summary.txt and manifest.json are built from what was already redacted; running them
	// through the text rules again would turn counts such as "password_pair": 3 into markers.
	if err := w.addUnredactedGenerated(summaryName, w.obfuscate(Summary(m)), true); err != nil {
		return "", err
	}
	m.Files = w.files // now with summary.txt
	var buf bytes.Buffer
	if err := manifest.Encode(&buf, m); err != nil {
		return "", fmt.Errorf("encode the manifest: %w", err)
	}
	if err := w.addUnredactedGenerated(manifestName, w.obfuscate(buf.Bytes()), false); err != nil {
		return "", err
	}
	if err := w.zw.Close(); err != nil {
		return "", writeError{err}
	}
	if err := w.f.Sync(); err != nil {
		return "", writeError{err}
	}
	if err := w.f.Close(); err != nil {
		return "", writeError{err}
	}
	w.f = nil
	final, err := place(w.tmp, w.dir, stem)
	if err != nil {
		return "", err
	}
	w.placed = true
	syncDir(w.dir)
	return final, nil
}

// obfuscate renames hosts, IPs and users in text opadiag generated, when asked to.
func (w *Writer) obfuscate(b []byte) []byte {
	if w.obf == nil {
		return b
	}
	return w.obf.Bytes(b)
}

// snapshot returns what was added and left out so far.
func (w *Writer) snapshot() ([]manifest.File, []manifest.Omitted, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]manifest.File(nil), w.files...), append([]manifest.Omitted(nil), w.omitted...), w.failed
}

// addUnredactedGenerated writes content opadiag generated itself from redacted data (summary
// and manifest) without the text rules. It is the only unredacted path into the bundle and must
// never be given anything read from the machine. The caller holds w.mu.
func (w *Writer) addUnredactedGenerated(name string, content []byte, record bool) error {
	w.names[name] = true
	hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: w.created.UTC()}
	hdr.SetMode(0o644)
	zf, err := w.zw.CreateHeader(hdr)
	if err == nil {
		_, err = zf.Write(content)
	}
	if err != nil {
		return writeError{err}
	}
	if record {
		sum := sha256.Sum256(content)
		w.files = append(w.files, manifest.File{
			Path: name, Collector: "opadiag", Size: int64(len(content)),
			SHA256: hex.EncodeToString(sum[:]), Redactions: map[string]int{}, OriginalSize: int64(len(content)),
		})
	}
	return nil
}

// Abort removes the temporary file: no partial bundle is ever left behind. It is a no-op after a
// successful Finish.
func (w *Writer) Abort() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.placed {
		return
	}
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	if w.failed == nil {
		w.failed = errors.New("the bundle was aborted")
	}
	os.Remove(w.tmp)
}

// place moves tmp to dir/stem.zip, or dir/stem-2.zip… if that exists. It never replaces a file:
// a hard link fails when the name is taken; where links are not supported it falls back to a
// rename after checking the name is free.
func place(tmp, dir, stem string) (string, error) {
	for i := 1; i < 1000; i++ {
		name := stem + ".zip"
		if i > 1 {
			name = fmt.Sprintf("%s-%d.zip", stem, i)
		}
		final := filepath.Join(dir, name)
		err := os.Link(tmp, final)
		if err == nil {
			os.Remove(tmp)
			return final, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if _, serr := os.Lstat(final); serr == nil {
			continue
		}
		if err := os.Rename(tmp, final); err != nil {
			return "", fmt.Errorf("move the bundle into place as %s: %w", final, err)
		}
		return final, nil
	}
	return "", fmt.Errorf("no free bundle name for %s in %s", stem, dir)
}

// syncDir makes the rename durable where the OS allows syncing a directory.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
