package bundle

import (
	"io"
	"io/fs"
	"os"
	"path"
	"time"

	"github.com/klauspost/compress/flate"
)

// stored is where an appended entry's compressed bytes lie in the zip being written.
type stored struct {
	off, csize, size int64
	modified         time.Time
	plain            string // not yet appended: the spool file that holds it plain
}

// FS returns the entries appended so far as a file system, for diagnose to read the bundle it is
// drawing findings from while it is being written. It is valid until Finish or Abort.
func (w *Writer) FS() fs.FS { return writerFS{w} }

type writerFS struct{ w *Writer }

// Open implements fs.FS.
func (x writerFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	x.w.mu.Lock()
	st, ok := x.w.stored[name]
	f := x.w.f
	x.w.mu.Unlock()
	if !ok || f == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	var rc io.ReadCloser
	if st.plain != "" {
		pf, err := os.Open(st.plain)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		rc = pf
	} else {
		rc = flate.NewReader(io.NewSectionReader(f, st.off, st.csize))
	}
	return &entryFile{ReadCloser: rc, info: entryInfo{name: path.Base(name), size: st.size, modified: st.modified}}, nil
}

type entryFile struct {
	io.ReadCloser
	info entryInfo
}

func (e *entryFile) Stat() (fs.FileInfo, error) { return e.info, nil }

type entryInfo struct {
	name     string
	size     int64
	modified time.Time
}

func (i entryInfo) Name() string       { return i.name }
func (i entryInfo) Size() int64        { return i.size }
func (i entryInfo) Mode() fs.FileMode  { return 0o444 }
func (i entryInfo) ModTime() time.Time { return i.modified }
func (i entryInfo) IsDir() bool        { return false }
func (i entryInfo) Sys() any           { return nil }
