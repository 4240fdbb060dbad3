// Package bundle writes and reads opadiag's support bundle, and enforces its rules itself, for
// every entry, whoever adds it: each source is read with a stall timeout, decoded to UTF-8,
// redacted, counted against the per-file and total size caps, hashed and compressed into a spool
// file outside any lock, then appended to the zip whole under a short one. Finish redacts every
// field of the manifest, passes manifest.json and the generated entries (summary.txt,
// report.html) through the secret rules a last time, syncs the zip and links it into place
// without ever replacing a file. Open and Verify read a bundle back.
//
// The only way into the bundle without the text rules is Finish's generated entries, which are
// opadiag's own text about already-redacted data, and even those pass the token and credential
// rules.
package bundle

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/klauspost/compress/flate"

	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

// compressionLevel is klauspost/compress's deflate level. On realistic agent logs level 3
// compresses at about 390 MB/s to within 6% of zip -6's size (level 5: 250 MB/s, 2% larger;
// zip -6: 84 MB/s); see bench/compare.sh and the README's figures.
const compressionLevel = 3

// DefaultStallTimeout is how long a source may make no progress before it is abandoned.
const DefaultStallTimeout = 10 * time.Second

// Options configure a Writer.
type Options struct {
	Redactor *redact.Redactor   // nil: a new one
	Manifest *manifest.Manifest // what collectors record into; nil: a new, empty one
	// TotalSize caps the bytes of all entries together, before compression (--max-total-size);
	// 0: no cap. The generated entries and manifest.json are not counted.
	TotalSize int64
	// StallTimeout abandons a source that makes no progress this long; 0: DefaultStallTimeout.
	StallTimeout time.Duration
	Created      time.Time // time of the bundle's own entries; zero: now
	// Obfuscator, when set, also renames hosts, IPs and users in the generated entries and
	// manifest.json (the Redactor must use it too, for everything else).
	Obfuscator *redact.Obfuscator
	// WrapOutput, when set, wraps the writer of the bundle's file: tests inject write faults (a
	// full disk) with it.
	WrapOutput func(io.Writer) io.Writer
}

// Writer writes one bundle: a temporary zip in the output folder that becomes its final name
// only when Finish succeeds. Collectors add entries through the Bundle it hands each of them.
type Writer struct {
	dir     string
	tmp     string
	red     *redact.Redactor
	obf     *redact.Obfuscator
	stall   time.Duration
	created time.Time
	flates  sync.Pool

	mu         sync.Mutex // held briefly: appending a spooled entry, the records below
	f          *os.File
	out        *countWriter // the bytes that reached f, under zip's buffering
	zw         *zip.Writer
	man        *manifest.Manifest
	files      []manifest.File
	names      map[string]bool // lower-cased entry names taken
	stored     map[string]stored
	omitted    []manifest.Omitted
	counts     redact.Counts
	budget     int64 // what the total cap leaves; unused when uncapped
	entries    int   // entries taken (see takeEntry)
	maxEntries int   // MaxWriteEntries; tests lower it
	uncapped   bool
	spools     map[string]bool // spool files not yet removed
	failed     error           // the bundle's file failed, or the bundle is sealed: nothing more is added
	sealed     bool
	placed     bool
}

// Create starts a bundle in dir: a temporary file named .opadiag-*.zip.tmp there.
func Create(dir string, opts Options) (*Writer, error) {
	f, err := os.CreateTemp(dir, ".opadiag-*.zip.tmp")
	if err != nil {
		return nil, fmt.Errorf("create the bundle in %s: %w", dir, err)
	}
	w := &Writer{
		dir: dir, f: f, tmp: f.Name(), red: opts.Redactor, man: opts.Manifest, budget: opts.TotalSize,
		stall: opts.StallTimeout, created: opts.Created, obf: opts.Obfuscator,
		names: map[string]bool{}, stored: map[string]stored{}, counts: redact.Counts{}, spools: map[string]bool{},
		maxEntries: MaxWriteEntries,
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
	w.uncapped = w.budget <= 0
	if w.stall <= 0 {
		w.stall = DefaultStallTimeout
	}
	if w.created.IsZero() {
		w.created = time.Now()
	}
	var out io.Writer = f
	if opts.WrapOutput != nil {
		out = opts.WrapOutput(f)
	}
	w.out = &countWriter{w: out}
	w.zw = zip.NewWriter(w.out)
	w.zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) { return w.deflater(out) })
	return w, nil
}

// deflater returns a pooled deflater writing to out: one deflater's window is reused for every
// entry instead of allocated per file.
func (w *Writer) deflater(out io.Writer) (io.WriteCloser, error) {
	if fw, ok := w.flates.Get().(*flate.Writer); ok {
		fw.Reset(out)
		return &pooledFlate{fw, &w.flates}, nil
	}
	fw, err := flate.NewWriter(out, compressionLevel)
	if err != nil {
		return nil, err
	}
	return &pooledFlate{fw, &w.flates}, nil
}

type pooledFlate struct {
	*flate.Writer
	pool *sync.Pool
}

func (p *pooledFlate) Close() error {
	err := p.Writer.Close()
	p.pool.Put(p.Writer)
	return err
}

// countWriter counts what passes through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeError marks an error of the bundle's own files (the zip, a spool), as opposed to one of
// a source: it ends the run.
type writeError struct{ err error }

func (e writeError) Error() string { return "write the bundle: " + e.err.Error() }
func (e writeError) Unwrap() error { return e.err }

// IsWriteError reports whether err is a failure to write the bundle itself (a full disk), which
// ends the run, rather than a failure to read a source.
func IsWriteError(err error) bool {
	var we writeError
	return errors.As(err, &we)
}

// errSealed is returned to a collector that adds after collection ended (it was abandoned at its
// deadline, or the bundle is being finished).
var errSealed = errors.New("the bundle is sealed: nothing more is added")

// Bundle returns the handle a collector adds its entries through; they are attributed to
// collector in the manifest.
func (w *Writer) Bundle(collector string) *Bundle {
	return &Bundle{w: w, collector: collector}
}

// Redactor is the bundle's redactor.
func (w *Writer) Redactor() *redact.Redactor { return w.red }

// reserve takes up to want bytes from what the total cap leaves.
func (w *Writer) reserve(want int64) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.uncapped {
		return max(want, 0)
	}
	grant := min(max(want, 0), w.budget)
	w.budget -= grant
	return grant
}

// MaxWriteEntries is the most entries a bundle takes from collectors (Finish adds three more):
// a real bundle has tens to a few thousand, and Open refuses more than MaxEntries. Each entry
// costs a record in the manifest and a spool file, so a folder of 100,000 logs would cost
// minutes and hundreds of MiB of manifest before this cap.
const MaxWriteEntries = 5000

// EntryCapReason is why an entry is left out once MaxWriteEntries are taken.
var EntryCapReason = fmt.Sprintf("the bundle holds the most entries it takes (%d)", MaxWriteEntries)

// takeEntry counts an entry about to be written; false when MaxWriteEntries were taken.
func (w *Writer) takeEntry() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.entries >= w.maxEntries {
		return false
	}
	w.entries++
	return true
}

// release gives back bytes reserved and not used.
func (w *Writer) release(n int64) {
	if n <= 0 || w.uncapped {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.budget += n
}

// Abort removes the temporary zip and any spool: no partial bundle is ever left behind. It is a
// no-op after a successful Finish.
func (w *Writer) Abort() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for s := range w.spools {
		os.Remove(s)
		delete(w.spools, s)
	}
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

// syncDir makes the link durable where the OS allows syncing a directory.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
