package collect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/internal/stall"
	"github.com/opadiag/opadiag/platform"
)

// found is a file in an agent home.
type found struct {
	path  string // on disk, symlinks resolved
	rel   string // relative to the home, with forward slashes
	size  int64
	mtime time.Time
}

// file returns f itself: what keepNewest needs of a found file or of one that embeds it.
func (f found) file() found { return f }

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
	max     int // the most files and folders listed; 0: maxWalkEntries (tests lower it)
}

// maxWalkEntries bounds the files and folders listed in one home: each costs a stat and a few
// hundred bytes, and an agent home holds tens to a few thousand. Past it, the home is reported
// as listed in part.
const maxWalkEntries = 200_000

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
// is inside the home. Every folder listing and every file's stat runs under the stall timeout:
// a home on a dead share is listed as far as it answers, and what did not answer is reported.
func (h home) index() *homeIndex {
	x := h.idx
	if x == nil {
		x = &homeIndex{} // a home made without one: list it afresh
	}
	x.once.Do(func() {
		timeout := h.stall
		if timeout <= 0 {
			timeout = bundle.DefaultStallTimeout
		}
		ctx := context.Background()
		realHome, err := stall.Call(ctx, "resolve", timeout, func() (string, error) { return filepath.EvalSymlinks(h.path) }, nil)
		if err != nil {
			x.errs = append(x.errs, walkErr{"agent home " + h.path, err})
			return
		}
		left := x.limit()
		var walk func(dir, rel string, depth int)
		walk = func(dir, rel string, depth int) {
			if left <= 0 {
				return
			}
			des, err := stall.Call(ctx, "list", timeout, func() ([]fs.DirEntry, error) { return readDirAtMost(dir, left) }, nil)
			if errors.Is(err, errTooMany) {
				x.errs = append(x.errs, walkErr{dir, fmt.Errorf("listed in part: more than %d files and folders in the agent home", x.limit())})
				err = nil
			}
			left -= len(des)
			if err != nil {
				what := dir
				if dir == h.path {
					what = "agent home " + h.path
				}
				x.errs = append(x.errs, walkErr{what, err})
				if errors.Is(err, stall.ErrStalled) {
					return
				}
			}
			for _, d := range des {
				p, r := filepath.Join(dir, d.Name()), path.Join(rel, d.Name())
				if d.IsDir() {
					if !skipDirs[strings.ToLower(d.Name())] && depth+1 < maxWalkDepth {
						walk(p, r, depth+1)
					}
					continue
				}
				e, err := stall.Call(ctx, "stat", timeout, func() (entry, error) { return examine(realHome, p, r, d), nil }, nil)
				if err != nil {
					e = entry{found: found{path: p, rel: r}, name: d.Name(), err: fmt.Errorf("stat %s: %w", p, err)}
				}
				x.entries = append(x.entries, e)
			}
		}
		walk(h.path, "", 0)
	})
	return x
}

func (x *homeIndex) limit() int {
	if x.max > 0 {
		return x.max
	}
	return maxWalkEntries
}

// errTooMany says a folder holds more entries than were asked for.
var errTooMany = errors.New("too many entries")

// readDirAtMost is os.ReadDir for at most n entries, sorted by name; when the folder holds
// more, the first n read are returned with errTooMany. A folder of millions of files is never
// read whole into memory.
func readDirAtMost(dir string, n int) ([]fs.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []fs.DirEntry
	for err == nil && len(out) < n {
		var des []fs.DirEntry
		des, err = f.ReadDir(min(n-len(out), 4096))
		out = append(out, des...)
		if err == nil && len(des) == 0 {
			err = io.EOF
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	switch {
	case err == io.EOF:
		return out, nil
	case err != nil:
		return out, err
	}
	if more, _ := f.ReadDir(1); len(more) > 0 {
		return out, errTooMany
	}
	return out, nil
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
func (h home) files(b *bundle.Bundle, keep func(rel, name string) bool) []found {
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

// unusable returns the home's files that keep accepts but that cannot be collected: not regular
// files (a FIFO, a device), symlinks out of the home or that cannot be resolved, files that
// could not be examined.
func (h home) unusable(keep func(rel, name string) bool) []entry {
	var out []entry
	for _, e := range h.index().entries {
		if keep(e.rel, e.name) && (e.omit != "" || e.err != nil) {
			out = append(out, e)
		}
	}
	return out
}

// reason says why an unusable entry cannot be collected.
func (e entry) reason() string {
	if e.omit != "" {
		return e.omit
	}
	return e.err.Error()
}

// reportWalk records on b the folders of the home that could not be read; one collector (the
// logs collector, which looks deepest) does it for all.
func (h home) reportWalk(b *bundle.Bundle) {
	for _, e := range h.index().errs {
		b.Failed("read "+e.path, e.err)
	}
}

// within reports whether path is inside dir (both cleaned, symlinks resolved).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// tail says how addTail treats a file.
type tail struct {
	observe io.Writer // also receives the file's bytes as they are read (a summary of OOM lines)
	// filter narrows the kept text further, such as to the lines since --since; when it
	// implements bundle.Dropper and dropped something, the entry is marked truncated.
	filter func(io.Reader) io.Reader
	note   string
}

// addTail adds the newest bytes of the file at path to the bundle as name (at most maxBytes;
// the bundle holds it to the total cap, starts it at a line, decodes UTF-16, redacts it and
// leaves binary files out). The open and the stat run under the stall timeout, so a file on a
// dead share cannot hold the collector; a file that changed or went away while it was read is
// noted.
func addTail(ctx context.Context, b *bundle.Bundle, open opener, stallTimeout time.Duration, name, path string, maxBytes int64, t tail) error {
	if stallTimeout <= 0 {
		stallTimeout = bundle.DefaultStallTimeout
	}
	type opened struct {
		f  File
		st fs.FileInfo
	}
	o, err := stall.Call(ctx, "open", stallTimeout, func() (opened, error) {
		f, err := open.OpenFile(path)
		if err != nil {
			return opened{}, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return opened{}, fmt.Errorf("stat %s: %w", path, err)
		}
		return opened{f, st}, nil
	}, func(o opened) { o.f.Close() })
	if err != nil {
		if errors.Is(err, platform.ErrNotRegular) {
			b.Omit(path, "not a regular file")
			return nil
		}
		if errors.Is(err, stall.ErrStalled) {
			b.Omit(path, "opening it made no progress: "+err.Error())
		}
		return err
	}
	var addErr error
	defer func() {
		if errors.Is(addErr, stall.ErrStalled) {
			// Closing a file whose read is still blocked waits for that read (a FUSE or
			// network file system that never answers): leave the close to its own goroutine.
			go o.f.Close()
			return
		}
		o.f.Close()
	}()
	filter := t.filter
	if t.observe != nil {
		// The observer sees the entry's text as it is kept, line for line.
		filter = func(r io.Reader) io.Reader {
			if t.filter != nil {
				r = t.filter(r)
			}
			return &teeReader{r: r, w: t.observe}
		}
	}
	info := bundle.Info{Source: path, Mtime: o.st.ModTime(), OriginalSize: o.st.Size(), Note: t.note, Filter: filter, StallTimeout: stallTimeout}
	addErr = b.AddTail(ctx, name, o.f, o.st.Size(), maxBytes, info)
	if addErr != nil && errors.Is(addErr, stall.ErrStalled) {
		return addErr // a second stat could hang as the read did
	}
	if st2, err := os.Stat(path); err == nil && (st2.Size() != o.st.Size() || !st2.ModTime().Equal(o.st.ModTime())) {
		b.Note(name, fmt.Sprintf("the file changed while it was read (%d bytes, then %d): the bundle holds what was there when it was opened", o.st.Size(), st2.Size()))
	} else if err != nil && errors.Is(err, fs.ErrNotExist) {
		b.Note(name, "the file was deleted or rotated away while it was read")
	}
	return addErr
}

// teeReader hands what is read to w too, and tells what its source dropped.
type teeReader struct {
	r io.Reader
	w io.Writer
}

func (t *teeReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.w.Write(p[:n])
	}
	return n, err
}

// Dropped implements bundle.Dropper for a source that drops lines.
func (t *teeReader) Dropped() int64 {
	if d, ok := t.r.(bundle.Dropper); ok {
		return d.Dropped()
	}
	return 0
}
