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

// walkHome calls keep for every regular file under home (at most maxWalkDepth deep, outside
// skipDirs) and returns those it accepts. Symlinked folders are not entered; a symlinked file is
// followed only when its target is inside the home. What cannot be read becomes a problem or an
// omission on b.
func walkHome(b *Bundle, home string, keep func(rel, name string) bool) []found {
	realHome, err := filepath.EvalSymlinks(home)
	if err != nil {
		b.Problem("read agent home %s: %v", home, err)
		return nil
	}
	var out []found
	err = filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == home {
				return err
			}
			if errors.Is(err, fs.ErrPermission) {
				b.Denied(p, err)
			} else {
				b.Problem("read %s: %v", p, err)
			}
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(home, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if p != home && (skipDirs[strings.ToLower(d.Name())] || strings.Count(rel, "/") >= maxWalkDepth-1) {
				return fs.SkipDir
			}
			return nil
		}
		if !keep(rel, d.Name()) {
			return nil
		}
		target := p
		if d.Type()&fs.ModeSymlink != 0 {
			t, err := filepath.EvalSymlinks(p)
			if err != nil {
				b.Omit(p, fmt.Sprintf("symlink that cannot be resolved: %v", err))
				return nil
			}
			if !within(realHome, t) {
				b.Omit(p, fmt.Sprintf("symlink to %s, outside the agent home", t))
				return nil
			}
			target = t
		}
		st, err := os.Stat(target)
		if err != nil {
			b.Problem("stat %s: %v", p, err)
			return nil
		}
		if !st.Mode().IsRegular() {
			b.Omit(p, fmt.Sprintf("not a regular file (%s)", st.Mode().Type()))
			return nil
		}
		out = append(out, found{path: target, rel: rel, size: st.Size(), mtime: st.ModTime()})
		return nil
	})
	if errors.Is(err, fs.ErrPermission) {
		b.Denied("agent home "+home, err)
	} else if err != nil {
		b.Problem("read agent home %s: %v", home, err)
	}
	return out
}

// within reports whether path is inside dir (both cleaned, symlinks resolved).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// binarySniff is how much of a file is checked for NUL bytes before it is collected.
const binarySniff = 8 << 10

// errBinary marks content the text rules cannot redact with confidence.
var errBinary = errors.New("binary content (NUL bytes), which cannot be redacted with confidence")

// addTail adds the newest bytes of the file at path to the bundle as name: at most limit bytes,
// starting after the first line break of that window when the file is longer, so that no
// partial line (and no partial secret the rules could miss) is kept. It records truncation, the
// original size and the modification time; binary files are left out.
func addTail(ctx context.Context, b *Bundle, open opener, name, path string, limit int64, observe io.Writer) error {
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
	start := int64(0)
	truncated := size > limit
	if truncated {
		start = size - limit
	}
	br := bufio.NewReaderSize(io.NewSectionReader(f, start, size-start), 64<<10)
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
			b.Omit(path, fmt.Sprintf("the newest %d bytes hold no complete line", limit))
			return nil
		}
	}
	info := FileInfo{Source: path, Mtime: st.ModTime(), OriginalSize: size, Truncated: truncated, Observe: observe}
	addErr := b.Add(ctx, name, br, info)
	if st2, err := os.Stat(path); err == nil && (st2.Size() != size || !st2.ModTime().Equal(st.ModTime())) {
		b.Note(name, fmt.Sprintf("the file changed while it was read (%d bytes, then %d): the bundle holds the first %d", size, st2.Size(), size))
	} else if err != nil && errors.Is(err, fs.ErrNotExist) {
		b.Note(name, "the file was deleted or rotated away while it was read")
	}
	return addErr
}
