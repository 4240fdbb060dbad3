package collect

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/opadiag/opadiag/platform"
)

// found is a file in an agent home.
type found struct {
	path  string // on disk, symlinks resolved
	rel   string // relative to the home, with forward slashes
	size  int64
	mtime time.Time
}

// maxWalkDepth bounds how deep under an agent home files are looked for.
const maxWalkDepth = 4

// skipDirs are folders of the agent home that belong to Electron/Chromium (caches, browser
// storage, crash dumps): their *.log files are database journals that may hold session data in
// encodings the text rules cannot see, so they are never collected.
var skipDirs = map[string]bool{
	"cache": true, "code cache": true, "gpucache": true, "dawncache": true, "dawngraphitecache": true,
	"dawnwebgpucache": true, "shadercache": true, "grshadercache": true, "local storage": true,
	"session storage": true, "indexeddb": true, "blob_storage": true, "databases": true, "network": true,
	"service worker": true, "shared dictionary": true, "shared_proto_db": true, "videodecodestats": true,
	"webstorage": true, "crashpad": true, "partitions": true, "dictionaries": true, "trust tokens": true,
	"node_modules": true, "extension state": true, "sync data": true, "leveldb": true,
}

// homeIndex lists the files of one agent home: made once, by the first collector that looks,
// for every collector that looks in it, so the home is walked once and a folder that cannot be
// read is reported once.
type homeIndex struct {
	once    sync.Once
	entries []entry
	errs    []walkErr
}

// entry is a file of the index.
type entry struct {
	found
	name string
	omit string // why it cannot be collected: a symlink out of the home, not a regular file…
	err  error  // it could not be examined
}

// walkErr is a folder of the home that could not be read.
type walkErr struct {
	path string
	err  error
}

// index walks the home (at most maxWalkDepth deep, outside skipDirs) the first time it is
// called. Symlinked folders are not entered; a symlinked file is followed only when its target
// is inside the home.
func (h home) index() *homeIndex {
	x := h.idx
	if x == nil {
		x = &homeIndex{} // a home made without one: list it afresh
	}
	x.once.Do(func() {
		realHome, err := filepath.EvalSymlinks(h.path)
		if err != nil {
			x.errs = append(x.errs, walkErr{"agent home " + h.path, err})
			return
		}
		err = filepath.WalkDir(h.path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == h.path {
					return err
				}
				x.errs = append(x.errs, walkErr{p, err})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			rel, _ := filepath.Rel(h.path, p)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if p != h.path && (skipDirs[strings.ToLower(d.Name())] || strings.Count(rel, "/") >= maxWalkDepth-1) {
					return fs.SkipDir
				}
				return nil
			}
			x.entries = append(x.entries, examine(realHome, p, rel, d))
			return nil
		})
		if err != nil {
			x.errs = append(x.errs, walkErr{"agent home " + h.path, err})
		}
	})
	return x
}

// examine resolves and stats one file of the home.
func examine(realHome, p, rel string, d fs.DirEntry) entry {
	e := entry{found: found{path: p, rel: rel}, name: d.Name()}
	if d.Type()&fs.ModeSymlink != 0 {
		t, err := filepath.EvalSymlinks(p)
		if err != nil {
			e.omit = fmt.Sprintf("symlink that cannot be resolved: %v", err)
			return e
		}
		if !within(realHome, t) {
			e.omit = fmt.Sprintf("symlink to %s, outside the agent home", t)
			return e
		}
		e.path = t
	}
	st, err := os.Stat(e.path)
	switch {
	case err != nil:
		e.err = fmt.Errorf("stat %s: %w", p, err)
	case !st.Mode().IsRegular():
		e.omit = fmt.Sprintf("not a regular file (%s)", st.Mode().Type())
	default:
		e.size, e.mtime = st.Size(), st.ModTime()
	}
	return e
}

// files returns the home's regular files that keep accepts, recording on b (when not nil) why
// an accepted one cannot be collected.
func (h home) files(b *Bundle, keep func(rel, name string) bool) []found {
	var out []found
	for _, e := range h.index().entries {
		if !keep(e.rel, e.name) {
			continue
		}
		switch {
		case e.omit != "":
			if b != nil {
				b.Omit(e.path, e.omit)
			}
		case e.err != nil:
			if b != nil {
				b.Problem("%v", e.err)
			}
		default:
			out = append(out, e.found)
		}
	}
	return out
}

// reportWalk records on b the folders of the home that could not be read; one collector (the
// logs collector, which looks deepest) does it for all.
func (h home) reportWalk(b *Bundle) {
	for _, e := range h.index().errs {
		b.Failed("read "+e.path, e.err)
	}
}

// within reports whether path is inside dir (both cleaned, symlinks resolved).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// minTail is the least of a file worth keeping when the total size cap leaves less than its share.
const minTail = 4 << 10

// binarySniff is how much of a file is checked for NUL bytes before it is collected.
const binarySniff = 8 << 10

// errBinary marks content the text rules cannot redact with confidence.
var errBinary = errors.New("binary content (NUL bytes), which cannot be redacted with confidence")

// tail says how addTail treats a file beyond its size cap.
type tail struct {
	observe io.Writer // also receives the redacted bytes (the log scan)
	// filter narrows the kept bytes further, such as to the lines since --since; when it
	// implements dropper and dropped something, the entry is marked truncated.
	filter func(io.Reader) io.Reader
	note   string
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// dropper is a filter that tells how many bytes it left out.
type dropper interface{ Dropped() int64 }

// addTail adds the newest bytes of the file at path to the bundle as name: at most maxBytes,
// and no more than --max-total-size leaves, starting after the first line break of that window
// when the file is longer, so that no partial line (and no partial secret the rules could miss)
// is kept. It records truncation, the original size and the modification time, notes a file
// that changed while it was read, and leaves binary files out.
func addTail(ctx context.Context, b *Bundle, open opener, name, path string, maxBytes int64, t tail) error {
	f, err := open.OpenFile(path)
	if err != nil {
		if errors.Is(err, platform.ErrNotRegular) {
			b.Omit(path, "not a regular file")
			return nil
		}
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	size := st.Size()
	const totalCap = "the bundle's total size cap (--max-total-size) is used up"
	limit := b.Reserve(min(size, maxBytes))
	if limit == 0 && size > 0 {
		b.Omit(path, totalCap)
		return nil
	}
	capped := limit < min(size, maxBytes) // what the total cap left is less than the file's share
	if capped && limit < minTail {
		// Crumbs of a file tell nothing: leave it out, and the crumbs to a smaller file.
		b.Release(limit)
		b.Omit(path, totalCap)
		return nil
	}
	read := &countReader{}
	defer func() { b.Release(limit - read.n) }()
	start := size - limit
	truncated := start > 0
	br := bufio.NewReaderSize(io.NewSectionReader(f, start, limit), 64<<10)
	head, _ := br.Peek(binarySniff)
	if bytes.IndexByte(head, 0) >= 0 {
		b.Omit(path, errBinary.Error())
		return nil
	}
	for truncated {
		// Drop the partial first line. A window without any line break is one partial line.
		_, err := br.ReadSlice('\n')
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if capped {
				b.Omit(path, totalCap)
			} else {
				b.Omit(path, fmt.Sprintf("the newest %d bytes hold no complete line", limit))
			}
			return nil
		}
	}
	var src io.Reader = br
	if t.filter != nil {
		src = t.filter(src)
	}
	read.r = src
	note := t.note
	if capped {
		note = strings.TrimPrefix(note+"; cut to what --max-total-size left", "; ")
	}
	info := FileInfo{Source: path, Mtime: st.ModTime(), OriginalSize: size, Truncated: truncated, Observe: t.observe, Note: note}
	addErr := b.Add(ctx, name, read, info)
	if d, ok := src.(dropper); ok && d.Dropped() > 0 {
		b.markTruncated(name)
	}
	if st2, err := os.Stat(path); err == nil && (st2.Size() != size || !st2.ModTime().Equal(st.ModTime())) {
		b.Note(name, fmt.Sprintf("the file changed while it was read (%d bytes, then %d): the bundle holds what was there when it was opened", size, st2.Size()))
	} else if err != nil && errors.Is(err, fs.ErrNotExist) {
		b.Note(name, "the file was deleted or rotated away while it was read")
	}
	return addErr
}
