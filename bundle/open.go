package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/klauspost/compress/flate"

	"github.com/opadiag/opadiag/manifest"
)

// Bounds on what Open and Verify accept, so that a hostile or broken file cannot exhaust memory
// or time.
const (
	// MaxManifest is the largest manifest.json read; a real one is well under 1 MiB.
	MaxManifest = 32 << 20
	// MaxEntries is the most zip entries accepted; a real bundle has tens to a few thousand.
	MaxEntries = 100_000
	// MaxEntrySize is the largest entry hashed, whatever the manifest claims.
	MaxEntrySize = 16 << 30
	// MaxProblems is how many problems Verify lists; past it, a count.
	MaxProblems = 20
)

// Reader is a bundle opened for reading.
type Reader struct {
	zr       *zip.ReadCloser
	entries  map[string]*zip.File
	twice    []string
	manifest *manifest.Manifest
	raw      []byte // manifest.json as stored
	mErr     error  // why the manifest could not be read
}

// Open opens the bundle at path and reads its manifest. The error says the file cannot be read
// as a bundle at all (missing, not a zip, too many entries); a manifest that is missing, too
// large or damaged is a problem Verify reports, and Manifest returns nil.
func Open(path string) (*Reader, error) {
	if err := checkDirectory(path); err != nil {
		return nil, fmt.Errorf("open bundle %s: %w", path, err)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("open bundle %s: %w", path, err)
	}
	// klauspost's inflater is about twice as fast as the standard library's.
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return flate.NewReader(r) })
	r := &Reader{zr: zr, entries: map[string]*zip.File{}}
	for _, f := range zr.File {
		if r.entries[f.Name] != nil {
			r.twice = append(r.twice, f.Name)
		}
		r.entries[f.Name] = f
	}
	r.readManifest()
	return r, nil
}

// checkDirectory refuses a zip whose end-of-central-directory record announces more than
// MaxEntries entries, before archive/zip reads them all into memory.
func checkDirectory(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	const tail = 64<<10 + 22
	n := min(st.Size(), tail)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, st.Size()-n); err != nil && err != io.EOF {
		return err
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || i+22 > len(buf) {
		return nil // not a zip: archive/zip says so
	}
	entries := uint64(binary.LittleEndian.Uint16(buf[i+10:]))
	if entries == 0xFFFF {
		// Zip64: the count is in the zip64 end record, located just before.
		if j := bytes.LastIndex(buf[:i], []byte("PK\x06\x06")); j >= 0 && j+40 <= len(buf) {
			entries = binary.LittleEndian.Uint64(buf[j+32:])
		}
	}
	if entries > MaxEntries {
		return fmt.Errorf("the zip announces %d entries, more than a bundle ever has (%d)", entries, MaxEntries)
	}
	return nil
}

func (r *Reader) readManifest() {
	mf := r.entries[ManifestName]
	if mf == nil {
		r.mErr = errors.New("manifest.json is missing")
		return
	}
	if mf.UncompressedSize64 > MaxManifest {
		r.mErr = fmt.Errorf("manifest.json declares %d bytes, more than a manifest ever holds (%d): not read", mf.UncompressedSize64, MaxManifest)
		return
	}
	data, err := readEntry(mf, MaxManifest)
	if err != nil {
		r.mErr = fmt.Errorf("manifest.json: %w", err)
		return
	}
	r.raw = data
	m, err := manifest.Decode(bytes.NewReader(data))
	if err != nil {
		r.mErr = err
		return
	}
	r.manifest = m
}

// Manifest returns the bundle's manifest, nil when it could not be read.
func (r *Reader) Manifest() *manifest.Manifest { return r.manifest }

// FS returns the bundle's entries as a file system.
func (r *Reader) FS() fs.FS { return &r.zr.Reader }

// Close closes the bundle.
func (r *Reader) Close() error { return r.zr.Close() }

// Report is the outcome of verifying a bundle.
type Report struct {
	Entries  int      // zip entries, manifest.json included
	Problems []string // the first MaxProblems; empty when the bundle is valid
	More     int      // problems past those
}

// Valid reports whether verification found nothing wrong.
func (rep *Report) Valid() bool { return len(rep.Problems) == 0 }

func (rep *Report) add(format string, args ...any) {
	if len(rep.Problems) < MaxProblems {
		rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		return
	}
	rep.More++
}

// Verify checks the bundle: its manifest must validate against the schema, and every file it
// lists must be in the zip with the recorded size and SHA-256, with nothing unlisted beside
// them. An entry whose declared size disagrees with the manifest, or is larger than any bundle
// holds, is reported without being read.
func (r *Reader) Verify() *Report {
	rep := &Report{Entries: len(r.zr.File)}
	for _, name := range r.twice {
		rep.add("%s: the zip holds it twice", name)
	}
	if r.mErr != nil {
		rep.add("%v", r.mErr)
	}
	if r.raw != nil {
		if err := manifest.Validate(r.raw); err != nil {
			rep.add("%v", err)
		}
	}
	if r.manifest == nil {
		return rep
	}
	listed := map[string]bool{ManifestName: true}
	for _, f := range r.manifest.Files {
		if listed[f.Path] {
			rep.add("%s: listed twice in the manifest", f.Path)
			continue
		}
		listed[f.Path] = true
		e := r.entries[f.Path]
		switch {
		case e == nil:
			rep.add("%s: listed in the manifest but not in the zip", f.Path)
			continue
		case e.UncompressedSize64 > MaxEntrySize:
			rep.add("%s: declares %d bytes, more than a bundle holds: not read", f.Path, e.UncompressedSize64)
			continue
		case f.Size < 0 || e.UncompressedSize64 != uint64(f.Size):
			rep.add("%s: the zip declares %d bytes, the manifest says %d", f.Path, e.UncompressedSize64, f.Size)
			continue
		}
		size, sum, err := hashEntry(e)
		switch {
		case err != nil:
			rep.add("%s: %v", f.Path, err)
		case size != f.Size:
			rep.add("%s: %d bytes, the manifest says %d", f.Path, size, f.Size)
		case sum != f.SHA256:
			rep.add("%s: SHA-256 %s, the manifest says %s", f.Path, sum, f.SHA256)
		}
	}
	for _, f := range r.zr.File {
		if !listed[f.Name] {
			rep.add("%s: in the zip but not in the manifest", f.Name)
		}
	}
	return rep
}

func readEntry(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

func hashEntry(f *zip.File) (int64, string, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, "", err
	}
	defer rc.Close()
	h := sha256.New()
	// Never more than declared (plus one byte, to notice a lie), whatever the data says.
	n, err := io.Copy(h, io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if err != nil {
		return n, "", fmt.Errorf("read: %w", err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
