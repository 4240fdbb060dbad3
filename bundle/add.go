package bundle

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"sync"
	"time"

	"github.com/opadiag/opadiag/internal/stall"
	"github.com/opadiag/opadiag/internal/textenc"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

// Info describes where an entry's bytes come from.
type Info struct {
	Source       string    // path on disk, or the command line that printed it
	Mtime        time.Time // the source's modification time; zero for generated content
	OriginalSize int64     // bytes at the source; 0 means "what was read"
	Truncated    bool      // the caller already knows only part of the source is given
	Note         string
	// Redactions were made before the bytes reached the bundle (the JSON redaction of
	// Settings); they are added to the entry's counts.
	Redactions redact.Counts
	// Filter, when set, narrows the decoded text further (the lines of a system log since
	// --since). When it implements Dropper and dropped something, the entry is marked truncated.
	Filter func(io.Reader) io.Reader
	// StallTimeout, when set, replaces the bundle's stall timeout for this source (a collector
	// shortens it once a folder has shown itself to be on a dead share).
	StallTimeout time.Duration
}

// stallTimeout is the stall timeout of a source described by info.
func (w *Writer) stallTimeout(info Info) time.Duration {
	if info.StallTimeout > 0 {
		return info.StallTimeout
	}
	return w.stall
}

// Dropper is a Filter that tells how many bytes it left out.
type Dropper interface{ Dropped() int64 }

// minTail is the least of a file worth keeping when the total cap leaves less than its share.
const minTail = 4 << 10

// TotalCapReason is why an entry is left out once the total cap is used up.
const TotalCapReason = "the bundle's total size cap (--max-total-size) is used up"

// DefaultLimit is an entry's size limit when Add is given none.
const DefaultLimit = 16 << 20

// Add streams src into the bundle as the entry name: its first bytes, at most limit (0:
// DefaultLimit) and no more than the total cap leaves; that much of the cap is held while the
// entry is read. The bytes are read with the stall
// timeout, decoded to UTF-8 when they are UTF-16, redacted, hashed and compressed; binary content
// is left out. What was read before a read failed or stalled is kept, marked truncated, with the
// reason in the manifest; when nothing was, the entry is left out with the reason. The error is
// the source's (a failed or stalled read, the context's end), or a failure to write the bundle
// (IsWriteError), which ends the run.
func (b *Bundle) Add(ctx context.Context, name string, src io.Reader, limit int64, info Info) error {
	if err := b.usable(); err != nil {
		return err
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	if !b.w.takeEntry() {
		b.Omit(sourceOf(info, name), EntryCapReason)
		return nil
	}
	grant := b.w.reserve(limit)
	if grant == 0 {
		b.Omit(sourceOf(info, name), TotalCapReason)
		return nil
	}
	sr := stall.NewReader(ctx, src, b.w.stallTimeout(info))
	defer sr.Close()
	lr := &limitReader{r: sr, n: grant}
	err := b.w.write(ctx, b, job{name: name, src: lr, grant: grant, info: info, after: func(f *manifest.File) {
		if lr.more {
			f.Truncated = true
			if grant < limit {
				f.Note = joinNote(f.Note, "cut to what --max-total-size left")
			} else {
				f.Note = joinNote(f.Note, fmt.Sprintf("cut at %d bytes", limit))
			}
		}
	}})
	return err
}

// AddJSON adds v, encoded as indented JSON, as the entry name (redacted like every entry).
func (b *Bundle) AddJSON(ctx context.Context, name string, v any, source string) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	data = append(data, '\n')
	return b.Add(ctx, name, bytes.NewReader(data), int64(len(data)), Info{Source: source})
}

// AddTail adds the newest bytes of a file opened as r (size bytes when opened) as the entry
// name: at most limit, and no more than the total cap leaves — a file gets what is left only if
// that is at least 4 KiB. When the file is longer, the kept bytes start after the first line
// break of that window, so that no cut line (and no cut secret) is kept; a window with no line
// break is left out. Otherwise it is Add: stall timeout, UTF-16 decoded, redacted, binary left
// out.
func (b *Bundle) AddTail(ctx context.Context, name string, r io.ReaderAt, size, limit int64, info Info) error {
	if err := b.usable(); err != nil {
		return err
	}
	if limit <= 0 {
		limit = math.MaxInt64
	}
	source := sourceOf(info, name)
	if !b.w.takeEntry() {
		b.Omit(source, EntryCapReason)
		return nil
	}
	want := min(size, limit)
	grant := b.w.reserve(want)
	capped := grant < want
	if want > 0 && (grant == 0 || capped && grant < minTail) {
		// Crumbs of a file tell nothing: leave it out, and the crumbs to a smaller file.
		b.w.release(grant)
		b.Omit(source, TotalCapReason)
		return nil
	}
	start := size - grant
	if info.OriginalSize == 0 {
		info.OriginalSize = size
	}
	if start > 0 {
		info.Truncated = true
	}
	if capped {
		info.Note = joinNote(info.Note, "cut to what --max-total-size left")
	}
	// A UTF-16 file is cut at a whole code unit, in the byte order its head announces.
	head := func(ctx context.Context) []byte {
		bom, err := stall.Call(ctx, "read", b.w.stallTimeout(info), func() ([]byte, error) {
			p := make([]byte, 2)
			n, err := r.ReadAt(p, 0)
			if n == 2 {
				err = nil
			}
			return p[:n], err
		}, nil)
		if err != nil {
			return nil
		}
		return bom
	}
	sr := stall.NewReader(ctx, io.NewSectionReader(r, start, grant), b.w.stallTimeout(info))
	defer sr.Close()
	return b.w.write(ctx, b, job{
		name: name, src: sr, grant: grant, info: info, dropFirstLine: start > 0, startOdd: start%2 == 1, head: head,
		omitNoLine: func() string {
			if capped {
				return TotalCapReason
			}
			return fmt.Sprintf("the newest %d bytes hold no complete line", grant)
		},
	})
}

func sourceOf(info Info, name string) string {
	if info.Source != "" {
		return info.Source
	}
	return name
}

func (b *Bundle) usable() error {
	if b.closed.Load() {
		return errSealed
	}
	b.w.mu.Lock()
	defer b.w.mu.Unlock()
	if b.w.sealed {
		return errSealed
	}
	return b.w.failed
}

// job is one entry on its way into the bundle.
type job struct {
	name  string
	src   io.Reader // stall-guarded and limited to grant
	grant int64
	info  Info
	// For tails: drop the partial first line; the window starts at an odd offset; head reads the
	// file's first two bytes (a byte-order mark); why a window without a line break is left out.
	dropFirstLine bool
	startOdd      bool
	head          func(context.Context) []byte
	omitNoLine    func() string
	after         func(*manifest.File) // last changes to the record, before it is stored
}

// write spools j outside any lock and appends it. The grant is settled: what the entry did not
// use goes back to the total cap.
func (w *Writer) write(ctx context.Context, b *Bundle, j job) error {
	used := int64(0)
	defer func() { w.release(j.grant - used) }()
	source := sourceOf(j.info, j.name)

	br := bufio.NewReaderSize(j.src, 64<<10)
	peek, peekErr := br.Peek(sniffSize)
	var text io.Reader = br
	switch enc := sniff(peek); enc {
	case encBinary:
		b.Omit(source, errBinary.Error())
		return nil
	case encUTF16LE, encUTF16BE:
		big := enc == encUTF16BE
		if j.head != nil {
			// The window of a tail may start in the middle of a code unit: the head's mark,
			// else little-endian (Windows' own), decides, and an odd start skips a byte.
			bom := j.head(ctx)
			big = len(bom) == 2 && bom[0] == 0xFE && bom[1] == 0xFF
			if j.startOdd {
				br.Discard(1)
			}
		}
		text = textenc.NewUTF16Reader(br, big)
		j.info.Note = joinNote(j.info.Note, "decoded from UTF-16")
	}
	if j.dropFirstLine {
		tr := bufio.NewReaderSize(text, 64<<10)
		for {
			// A window without any line break is one partial line.
			_, err := tr.ReadSlice('\n')
			if err == nil {
				break
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				if err == io.EOF {
					b.Omit(source, j.omitNoLine())
					return nil
				}
				return w.readFailed(b, source, err)
			}
		}
		text = tr
	}
	if j.info.Filter != nil {
		text = j.info.Filter(text)
	}
	_ = peekErr // a failed peek shows again on the next read, with the bytes before it

	sp, err := w.newSpool()
	if err != nil {
		return w.fail(err)
	}
	pending := false
	defer func() {
		if !pending {
			w.dropSpool(sp)
		}
	}()
	// Redaction markers can make the text longer than its source: the growth is taken from
	// what the total cap leaves, and only when nothing is left is the entry cut.
	var (
		out     *capWriter
		rw      *redact.Writer
		read    int64
		copyErr error
	)
	fill := func(dst io.Writer) error {
		out = &capWriter{w: dst, left: j.grant, more: w.reserve}
		rw = w.red.NewWriter(out)
		read, copyErr = copyBuffer(rw, text)
		if IsWriteError(copyErr) {
			return copyErr
		}
		return rw.Close()
	}
	var enc encoded
	if w.obf != nil {
		// Obfuscated at Finish, when every identifier of the bundle is known: spooled plain,
		// and learned from, now.
		enc, err = w.spoolPlain(sp, fill)
	} else {
		enc, err = w.encode(sp, fill)
	}
	if err != nil {
		return w.fail(err)
	}
	used = enc.size - out.extra // the growth was reserved as it came
	if copyErr != nil && read == 0 && enc.size == 0 {
		return w.readFailed(b, source, copyErr)
	}

	counts := redact.Counts{}
	counts.Add(rw.Counts())
	counts.Add(j.info.Redactions)
	f := manifest.File{
		Source: j.info.Source, Collector: b.collector, Size: enc.size, SHA256: hex.EncodeToString(enc.sum),
		Redactions: counts, Truncated: j.info.Truncated, OriginalSize: j.info.OriginalSize, Note: j.info.Note,
	}
	if f.OriginalSize == 0 {
		f.OriginalSize = read
	}
	if !j.info.Mtime.IsZero() {
		t := j.info.Mtime.UTC()
		f.Mtime = &t
	}
	if d, ok := text.(Dropper); ok && d.Dropped() > 0 {
		f.Truncated = true
	}
	if out.over {
		f.Truncated = true
		f.Note = joinNote(f.Note, fmt.Sprintf("redaction made it longer than the total size cap leaves: cut at %d bytes", enc.size))
	}
	if copyErr != nil {
		f.Truncated = true
		f.Note = joinNote(f.Note, readNote(copyErr))
		f.Stalled = errors.Is(copyErr, stall.ErrStalled)
	}
	if j.after != nil {
		j.after(&f)
	}
	mtime := j.info.Mtime
	if mtime.IsZero() {
		mtime = w.created
	}
	if w.obf != nil {
		pending = true
		w.addPending(j.name, &f, sp, mtime)
	} else if err := w.appendSpool(j.name, &f, sp, mtime, enc.crc); err != nil {
		return err
	}
	if copyErr != nil {
		return fmt.Errorf("read %s: %w", source, copyErr)
	}
	return nil
}

// readFailed records a source that gave nothing: left out, with the reason.
func (w *Writer) readFailed(b *Bundle, source string, err error) error {
	b.Omit(source, readNote(err))
	return fmt.Errorf("read %s: %w", source, err)
}

// readNote says why reading a source stopped.
func readNote(err error) string {
	switch {
	case errors.Is(err, stall.ErrStalled):
		return "reading stalled: " + err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "reading stopped at the collector's deadline"
	case errors.Is(err, context.Canceled):
		return "reading stopped: the run was interrupted"
	}
	return "reading stopped early: " + err.Error()
}

// fail marks the bundle as failed by an error of its own files.
func (w *Writer) fail(err error) error {
	if !IsWriteError(err) {
		err = writeError{err}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed == nil {
		w.failed = err
	}
	return err
}

// spool is an entry compressed into a temporary file, waiting to be appended.
type spool struct {
	f    *os.File
	path string
}

func (w *Writer) newSpool() (*spool, error) {
	f, err := os.CreateTemp(w.dir, ".opadiag-*.spool")
	if err != nil {
		return nil, fmt.Errorf("create a spool file in %s: %w", w.dir, err)
	}
	w.mu.Lock()
	w.spools[f.Name()] = true
	w.mu.Unlock()
	return &spool{f: f, path: f.Name()}, nil
}

func (w *Writer) dropSpool(sp *spool) {
	sp.f.Close()
	os.Remove(sp.path)
	w.mu.Lock()
	delete(w.spools, sp.path)
	w.mu.Unlock()
}

// appendSpool appends a spooled entry to the zip under the lock, records it, and makes its bytes
// readable through FS.
func (w *Writer) appendSpool(name string, f *manifest.File, sp *spool, mtime time.Time, crc uint32) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed != nil {
		return w.failed
	}
	name = w.unique(w.safeName(name))
	if err := w.appendLocked(name, f, sp, mtime, crc); err != nil {
		return err
	}
	f.Path = name
	w.files = append(w.files, *f)
	w.counts.Add(f.Redactions)
	return nil
}

// appendLocked appends a spooled, compressed entry to the zip and makes its bytes readable
// through FS. The caller holds w.mu.
func (w *Writer) appendLocked(name string, f *manifest.File, sp *spool, mtime time.Time, crc uint32) error {
	csize, err := sp.f.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = sp.f.Seek(0, io.SeekStart)
	}
	if err != nil {
		w.failed = writeError{fmt.Errorf("read back the spool: %w", err)}
		return w.failed
	}
	hdr := &zip.FileHeader{
		Name: name, Method: zip.Deflate, Modified: mtime.UTC(),
		CRC32: crc, CompressedSize64: uint64(csize), UncompressedSize64: uint64(f.Size),
	}
	hdr.SetMode(0o644)
	setModified(hdr, mtime)
	zf, err := w.zw.CreateRaw(hdr)
	if err == nil {
		_, err = io.Copy(zf, sp.f)
	}
	if err == nil {
		err = w.zw.Flush()
	}
	if err != nil {
		w.failed = writeError{err}
		return w.failed
	}
	w.stored[name] = stored{off: w.out.n - csize, csize: csize, size: f.Size, modified: mtime}
	return nil
}

// setModified writes mtime into hdr as CreateHeader would, which CreateRaw does not: the MS-DOS
// date and time (what Windows Explorer shows; without them every entry says 1980) and the
// extended timestamp Info-ZIP reads.
func setModified(hdr *zip.FileHeader, mtime time.Time) {
	t := mtime.UTC()
	if t.Year() < 1980 {
		t = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if t.Year() > 2107 {
		t = time.Date(2107, 12, 31, 23, 59, 58, 0, time.UTC)
	}
	//lint:ignore SA1019 CreateRaw writes these fields as they are and fills nothing from Modified
	hdr.ModifiedDate = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	//lint:ignore SA1019 as above
	hdr.ModifiedTime = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	if u := mtime.Unix(); u >= 0 && u <= math.MaxUint32 {
		var extra [9]byte
		binary.LittleEndian.PutUint16(extra[0:], 0x5455) // extended timestamp
		binary.LittleEndian.PutUint16(extra[2:], 5)
		extra[4] = 1 // modification time
		binary.LittleEndian.PutUint32(extra[5:], uint32(u))
		hdr.Extra = append(hdr.Extra, extra[:]...)
	}
}

// encoded is what an entry's bytes became on their way into a spool.
type encoded struct {
	size int64
	sum  []byte // SHA-256
	crc  uint32
}

// encode runs fill with a writer whose bytes are compressed into sp and hashed, each on its own
// goroutine beside fill's work. A failure of fill's source is fill's to keep; the error returned
// is one of the spool.
func (w *Writer) encode(sp *spool, fill func(io.Writer) error) (encoded, error) {
	fw, err := w.deflater(sp.f)
	if err != nil {
		return encoded{}, err
	}
	zipSink := newAsyncWriter(sinkWriter{fw})
	hw := &hashWriter{sha: sha256.New(), crc: crc32.NewIEEE()}
	hashSink := newAsyncWriter(hw)
	fillErr := fill(io.MultiWriter(zipSink, hashSink))
	zipErr := zipSink.Close()
	hashSink.Close()
	flateErr := fw.Close()
	for _, e := range []error{fillErr, zipErr, flateErr} {
		if e != nil {
			return encoded{}, e
		}
	}
	return encoded{size: hw.n, sum: hw.sha.Sum(nil), crc: hw.crc.Sum32()}, nil
}

// spoolPlain runs fill with a writer whose bytes go into sp as they are, and through the
// obfuscator's learning pass.
func (w *Writer) spoolPlain(sp *spool, fill func(io.Writer) error) (encoded, error) {
	bw := bufio.NewWriterSize(sinkWriter{sp.f}, 64<<10)
	learn := w.obf.Learner()
	hw := &hashWriter{sha: sha256.New(), crc: crc32.NewIEEE()}
	fillErr := fill(io.MultiWriter(bw, learn, hw))
	learn.Close()
	if fillErr == nil {
		fillErr = bw.Flush()
	}
	if fillErr != nil {
		return encoded{}, fillErr
	}
	return encoded{size: hw.n, sum: hw.sha.Sum(nil), crc: hw.crc.Sum32()}, nil
}

// copyBuffer copies src to dst and returns the bytes read; a write error is returned as it is
// (the sinks mark their own as writeError), a read error as the source's.
func copyBuffer(dst io.Writer, src io.Reader) (int64, error) {
	buf := make([]byte, 64<<10)
	var n int64
	for {
		k, rerr := src.Read(buf)
		if k > 0 {
			n += int64(k)
			if _, err := dst.Write(buf[:k]); err != nil {
				return n, err
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// limitReader reads at most n bytes and remembers whether the source had more.
type limitReader struct {
	r    io.Reader
	n    int64
	more bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		if k, _ := l.r.Read(one[:]); k > 0 {
			l.more = true
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// capWriter passes on at most left bytes, asking more for more room when that runs out, and
// notes when what it wrote had to be cut.
type capWriter struct {
	w     io.Writer
	left  int64
	more  func(want int64) int64 // grants up to want more bytes
	extra int64                  // granted by more
	over  bool
}

func (c *capWriter) Write(p []byte) (int, error) {
	n := len(p)
	if need := int64(len(p)) - c.left; need > 0 && c.more != nil && !c.over {
		got := c.more(max(need, 64<<10))
		c.left += got
		c.extra += got
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
		c.over = true
	}
	if len(p) > 0 {
		if _, err := c.w.Write(p); err != nil {
			return 0, err
		}
		c.left -= int64(len(p))
	}
	return n, nil
}

// hashWriter sums and counts an entry's bytes.
type hashWriter struct {
	sha hash.Hash
	crc hash.Hash32
	n   int64
}

func (h *hashWriter) Write(p []byte) (int, error) {
	h.sha.Write(p)
	h.crc.Write(p)
	h.n += int64(len(p))
	return len(p), nil
}

// sinkWriter marks the errors of a bundle file's writer as writeError.
type sinkWriter struct{ w io.Writer }

func (s sinkWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		err = writeError{err}
	}
	return n, err
}

// asyncWriter hands what is written to w on its own goroutine. The bundle gives each costly
// consumer of an entry's redacted bytes one (compression, hashing), so that they run beside
// redaction on the machine's other cores instead of one after another. At most asyncDepth chunks
// wait, which bounds memory. The first error of w is returned by the next Write and by Close.
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
