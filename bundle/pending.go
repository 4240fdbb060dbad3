package bundle

import (
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

// With an Obfuscator, an entry is spooled plain (redacted, not yet obfuscated) while the
// obfuscator learns its host names, addresses and users; at Finish, when every identifier of the
// whole bundle is known, each is obfuscated, compressed and appended. So a host learned from the
// last file is replaced in the first one too, and every file uses the same stand-ins.

// addPending records an entry spooled plain, to be obfuscated and appended at Finish.
func (w *Writer) addPending(name string, f *manifest.File, sp *spool, mtime time.Time) {
	sp.f.Close()
	w.mu.Lock()
	defer w.mu.Unlock()
	name = w.unique(w.safeName(name))
	f.Path = name
	w.stored[name] = stored{size: f.Size, modified: mtime, plain: sp.path}
	w.files = append(w.files, *f)
	w.counts.Add(f.Redactions)
}

// appendPending obfuscates, compresses and appends every entry spooled plain, in name order, and
// brings their records up to date (size, hash, replacements). The caller holds w.mu.
func (w *Writer) appendPending() error {
	var names []string
	for name, st := range w.stored {
		if st.plain != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	idx := make(map[string]int, len(w.files))
	for i, f := range w.files {
		idx[f.Path] = i
	}
	for _, name := range names {
		if err := w.appendOne(name, &w.files[idx[name]]); err != nil {
			w.failed = writeError{err}
			return w.failed
		}
	}
	return nil
}

// appendOne obfuscates, compresses and appends the entry name, whose record is f.
func (w *Writer) appendOne(name string, f *manifest.File) error {
	st := w.stored[name]
	in, err := os.Open(st.plain)
	if err != nil {
		return fmt.Errorf("read back the spool of %s: %w", name, err)
	}
	defer in.Close()
	out, err := os.CreateTemp(w.dir, ".opadiag-*.spool")
	if err != nil {
		return fmt.Errorf("create a spool file in %s: %w", w.dir, err)
	}
	sp := &spool{f: out, path: out.Name()}
	w.spools[sp.path] = true
	defer func() {
		out.Close()
		os.Remove(sp.path)
		delete(w.spools, sp.path)
		os.Remove(st.plain)
		delete(w.spools, st.plain)
	}()
	var counts redact.Counts
	enc, err := w.encode(sp, func(dst io.Writer) error {
		ow := w.obf.NewWriter(dst)
		if _, err := io.Copy(ow, in); err != nil {
			return err
		}
		err := ow.Close()
		counts = ow.Counts()
		return err
	})
	if err != nil {
		return err
	}
	f.Size, f.SHA256 = enc.size, fmt.Sprintf("%x", enc.sum)
	if f.Redactions == nil {
		f.Redactions = map[string]int{}
	}
	redact.Counts(f.Redactions).Add(counts)
	w.counts.Add(counts)
	return w.appendLocked(name, f, sp, st.modified, enc.crc)
}
