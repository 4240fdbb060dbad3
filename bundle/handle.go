package bundle

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

// Bundle is one collector's handle on the bundle being written. It is safe for concurrent use.
// Strings a collector records (problems, notes, manifest fields) need no redaction of their own:
// the bundle redacts every field of the manifest when it is sealed and again at Finish.
type Bundle struct {
	w         *Writer
	collector string
	closed    atomic.Bool
	mu        sync.Mutex
	problems  []string
}

// Collector is the name entries added through b are attributed to.
func (b *Bundle) Collector() string { return b.collector }

// Close ends the collector's turn: whatever it still tries to add or record afterwards (it was
// abandoned at its deadline) is refused.
func (b *Bundle) Close() { b.closed.Store(true) }

// Redactor is the bundle's redactor, for collectors that redact structured data (Settings) before
// adding it.
func (b *Bundle) Redactor() *redact.Redactor { return b.w.red }

// Problem records something the collector could not collect. A collector that returns nil after
// recording problems has status "partial".
func (b *Bundle) Problem(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.problems) < maxProblems {
		b.problems = append(b.problems, msg)
	} else if len(b.problems) == maxProblems {
		b.problems = append(b.problems, "more problems were left out")
	}
}

// maxProblems bounds what one collector records, whatever the machine throws at it.
const maxProblems = 200

// Problems returns what the collector recorded with Problem.
func (b *Bundle) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Denied records what could not be read for lack of rights: a problem of the collector, and an
// entry of the manifest's invocation.denied with the hint to re-run elevated.
func (b *Bundle) Denied(what string, err error) {
	b.Problem("%s: %v", what, err)
	b.Update(func(m *manifest.Manifest) {
		m.Invocation.Denied = append(m.Invocation.Denied, manifest.Denied{
			Collector: b.collector, What: what, Error: err.Error(),
			Hint: ElevateHint(m.Host.OS, m.Invocation.Elevated),
		})
	})
}

// Failed records that what could not be read: as Denied when the error is a lack of rights,
// else as a Problem.
func (b *Bundle) Failed(what string, err error) {
	if IsDenied(err, "") {
		b.Denied(what, err)
		return
	}
	b.Problem("%s: %v", what, err)
}

// IsDenied reports whether err, or a command's stderr, says permission was denied.
func IsDenied(err error, stderr string) bool {
	if err != nil && errors.Is(err, fs.ErrPermission) {
		return true
	}
	s := strings.ToLower(stderr)
	for _, m := range []string{"permission denied", "operation not permitted", "access is denied", "access denied", "not seeing messages from other users"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// ElevateHint says how to get the rights that were missing.
func ElevateHint(goos string, elevated bool) string {
	switch {
	case elevated:
		return "denied although opadiag runs elevated: a security policy or another program protects it"
	case goos == "windows":
		return "run opadiag again as administrator (right-click it, Run as administrator)"
	default:
		return "run opadiag again as root (sudo opadiag)"
	}
}

// Omit records that source was found but deliberately left out of the bundle, and why.
func (b *Bundle) Omit(source, reason string) {
	b.w.mu.Lock()
	defer b.w.mu.Unlock()
	b.w.omitted = append(b.w.omitted, manifest.Omitted{Source: source, Collector: b.collector, Reason: reason})
}

// OmitFile records that a file was found but deliberately left out, and why, with its size and
// modification time (what summary.txt and report.html group what was left out by).
func (b *Bundle) OmitFile(source, reason string, size int64, mtime time.Time) {
	o := manifest.Omitted{Source: source, Collector: b.collector, Reason: reason, Size: size}
	if !mtime.IsZero() {
		t := mtime.UTC()
		o.Mtime = &t
	}
	b.w.mu.Lock()
	defer b.w.mu.Unlock()
	b.w.omitted = append(b.w.omitted, o)
}

// Note attaches a note to an entry this collector added.
func (b *Bundle) Note(name, note string) {
	b.entry(name, func(f *manifest.File) { f.Note = joinNote(f.Note, note) })
}

// MarkTruncated records that an entry this collector added holds only part of its source.
func (b *Bundle) MarkTruncated(name string) {
	b.entry(name, func(f *manifest.File) { f.Truncated = true })
}

func (b *Bundle) entry(name string, fn func(*manifest.File)) {
	safe := b.w.safeName(name)
	b.w.mu.Lock()
	defer b.w.mu.Unlock()
	for i := range b.w.files {
		if f := &b.w.files[i]; (f.Path == name || f.Path == safe) && f.Collector == b.collector {
			fn(f)
		}
	}
}

func joinNote(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// Update lets a collector record structured results in the manifest. fn runs under the bundle's
// lock and must not block. A collector whose turn is over can no longer update the manifest.
func (b *Bundle) Update(fn func(m *manifest.Manifest)) {
	b.w.mu.Lock()
	defer b.w.mu.Unlock()
	if b.closed.Load() || b.w.sealed {
		return
	}
	fn(b.w.man)
}
