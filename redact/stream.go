package redact

import (
	"bytes"
	"encoding/binary"
	"io"
	"sort"
)

// The stream is processed in windows: input collects until window+lookahead bytes are pending,
// then everything before the last lookahead bytes is redacted and written. A secret that starts
// before that point is therefore always seen with at least lookahead bytes after it, and the last
// lookbehind bytes already written stay in the buffer so that a key before a separator is still
// seen when its value starts in the next window. A secret longer than the lookahead (a PEM block,
// a very long value) is replaced up to the window's end and the writer keeps dropping its bytes
// until the secret's end: nothing of it is written, and memory stays bounded whatever the input.
const (
	window     = 64 << 10
	lookahead  = 8 << 10
	lookbehind = 512
)

// Writer redacts what is written to it and writes the result to the underlying writer.
// Close flushes what is pending; it does not close the underlying writer.
type Writer struct {
	dst    io.Writer
	red    *Redactor // for the strict mode, read at every window; nil: never strict
	rules  []rule
	lits   *literalSet
	buf    []byte // pending bytes; buf[:done] were already written or dropped
	done   int
	prev   int    // the byte before buf[0], or -1 at the start of the stream
	low    []byte // ASCII-lowercased copy of buf for case-insensitive anchors
	out    []byte
	skip   *skipper // set while dropping the rest of a secret that crossed a window
	hits   []anchorHit
	nls    []int
	counts Counts
	err    error
	closed bool
}

// NewWriter returns a Writer that applies every rule, with the literals registered so far, to
// what is written to it, and writes the result to w. The literals are those registered when the
// Writer is made; the strict mode (see [Redactor.SetStrict]) is read at every 64 KiB window, so a
// Writer made before strict mode was switched on redacts token shapes from its next window on.
func (r *Redactor) NewWriter(w io.Writer) *Writer {
	return r.newWriter(w, allRules)
}

func (r *Redactor) newWriter(w io.Writer, set ruleSet) *Writer {
	lits := r.snapshot()
	rules := newRules(lits, set)
	if set == allRules {
		r.mu.RLock()
		if r.obf != nil {
			rules = append(rules, obfuscationRules(r.obf)...)
		}
		r.mu.RUnlock()
	}
	return &Writer{dst: w, red: r, rules: rules, lits: lits, counts: Counts{}, prev: -1}
}

// all redacts the whole of p at once and closes the writer. Text shorter than a window (an error
// message, a Settings value) is processed in place, without the stream's buffers.
func (w *Writer) all(p []byte) error {
	if len(p) > window {
		if _, err := w.Write(p); err != nil {
			return err
		}
		return w.Close()
	}
	w.buf = append([]byte(nil), p...)
	w.closed = true
	return w.process(true)
}

// Counts returns the replacements made so far, per rule.
func (w *Writer) Counts() Counts { return w.counts }

// Write redacts p. Bytes may be held back until a later Write or Close.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, io.ErrClosedPipe
	}
	if w.buf == nil {
		w.buf = make([]byte, 0, window+lookahead+lookbehind)
	}
	n := len(p)
	for len(p) > 0 {
		room := cap(w.buf) - len(w.buf)
		if room > len(p) {
			room = len(p)
		}
		w.buf = append(w.buf, p[:room]...)
		p = p[room:]
		if len(w.buf) == cap(w.buf) {
			if err := w.process(false); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// Close redacts and writes everything still pending.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	return w.process(true)
}

// match is one secret found in the buffer: buf[start:end] becomes repl.
type match struct {
	start, end int
	repl       string
	rule       string
	// cont, when set, means the secret may go on past the end of the buffer: its remaining
	// bytes are dropped by this skipper.
	cont *skipper
	// keep means buf[start:end] is written as it is and no other rule may match inside it:
	// a certificate, whose base64 the detector would otherwise take for a secret.
	keep bool
}

// scan is what a rule sees: the buffer, its lowercase copy, and whether more input will come.
type scan struct {
	buf, low []byte
	final    bool
	// prev is the byte just before buf[0] in the stream, -1 when buf starts the stream: a rule
	// that needs to know whether a run of bytes starts at buf[0] asks it.
	prev   int
	strict bool // token-shaped strings are redacted too (see Redactor.SetStrict)
	lits   *literalSet
	found  bool        // hits holds the anchors of buf (see scan.anchors)
	hits   []anchorHit // the anchors' index words found in buf
	nlDone bool        // nls holds the positions of buf's newlines (see scan.newlines)
	nls    []int
	segs   []segment // scratch for judge in strict mode
}

// newlines returns the positions of the buffer's newlines, found once.
func (s *scan) newlines() []int {
	if !s.nlDone {
		s.nlDone = true
		for p := 0; ; {
			i := bytes.IndexByte(s.buf[p:], '\n')
			if i < 0 {
				break
			}
			s.nls = append(s.nls, p+i)
			p += i + 1
		}
	}
	return s.nls
}

// nextNewline returns the index in newlines() of the first newline at or after from.
func (s *scan) nextNewline(from int) int {
	nls := s.newlines()
	return sort.SearchInts(nls, from)
}

// before returns the byte before b[i], -1 when i starts the stream.
func (s *scan) before(i int) int {
	if i > 0 {
		return int(s.buf[i-1])
	}
	return s.prev
}

// rule finds secrets of one kind. next returns the first match starting at or after min whose
// anchor is at or after from (anchors may precede the match, as a key precedes its value), and
// the position to continue the anchor search from.
type rule interface {
	next(s *scan, from, min int) (m match, resume int, ok bool)
}

// pending is a rule's cached next match.
type pending struct {
	m      match
	ok     bool
	resume int
}

func (w *Writer) process(final bool) error {
	n := len(w.buf)
	w.low = lowerASCII(w.low[:0], w.buf)
	s := &scan{buf: w.buf, low: w.low, final: final, lits: w.lits, prev: w.prev, strict: w.red != nil && w.red.strict.Load(), hits: w.hits[:0], nls: w.nls[:0]}
	defer func() { w.hits, w.nls = s.hits, s.nls }()
	pos := w.done
	if w.skip != nil {
		end, keep := w.skip.end(s, pos)
		if end < 0 {
			// The secret goes on: drop what is pending but the bytes the skipper wants to see
			// again with more input; at the end of the stream, drop everything.
			if final {
				w.skip = nil
				keep = 0
			}
			keep = min(max(keep, 0), n-pos)
			w.compact(n-keep, n-keep)
			if final {
				w.buf, w.done, w.prev = w.buf[:0], 0, -1
			}
			return nil
		}
		w.skip = nil
		pos = end
	}
	limit := n - lookahead
	if final {
		limit = n
	}
	w.out = w.out[:0]
	cache := make([]pending, len(w.rules))
	for i, r := range w.rules {
		m, resume, ok := r.next(s, 0, pos)
		cache[i] = pending{m, ok, resume}
	}
	last := pos // buf[last:] is not yet written or dropped
	for {
		best := -1
		for i := range cache {
			if !cache[i].ok {
				continue
			}
			// The earliest match wins; at the same start the longest, so that no part of a
			// secret is left; then the rule listed first.
			if best < 0 || cache[i].m.start < cache[best].m.start ||
				cache[i].m.start == cache[best].m.start && cache[i].m.end > cache[best].m.end {
				best = i
			}
		}
		if best < 0 || cache[best].m.start >= limit {
			break
		}
		m := cache[best].m
		w.out = append(w.out, w.buf[last:m.start]...)
		if m.keep {
			w.out = append(w.out, w.buf[m.start:m.end]...)
		} else {
			w.out = append(w.out, m.repl...)
			w.counts[m.rule]++
		}
		last = m.end
		if m.cont != nil && !final {
			// The secret may go on past the buffer: the skipper drops the rest, starting at
			// m.end (which is the buffer's end unless a rule wants a partial line seen again).
			w.skip = m.cont
			break
		}
		for i, r := range w.rules {
			if cache[i].ok && cache[i].m.start < last {
				m, resume, ok := r.next(s, cache[i].resume, last)
				cache[i] = pending{m, ok, resume}
			}
		}
	}
	if w.skip == nil && last < limit {
		w.out = append(w.out, w.buf[last:limit]...)
		last = limit
	}
	if len(w.out) > 0 {
		if _, err := w.dst.Write(w.out); err != nil {
			w.err = err
			return err
		}
	}
	if final {
		w.buf, w.done, w.prev = w.buf[:0], 0, -1
		return nil
	}
	w.compact(last-lookbehind, last)
	return nil
}

// compact drops buf[:from] and records that buf up to written (in old offsets) is done.
func (w *Writer) compact(from, written int) {
	if from < 0 {
		from = 0
	}
	if from > 0 {
		w.prev = int(w.buf[from-1])
	}
	w.buf = w.buf[:copy(w.buf, w.buf[from:])]
	w.done = written - from
}

// lowerASCII appends src to dst with ASCII letters lowercased; other bytes are unchanged, so
// offsets in dst and src agree.
func lowerASCII(dst, src []byte) []byte {
	n := len(dst)
	dst = append(dst, src...)
	d := dst[n:]
	i := 0
	// Eight bytes at a time: a byte gets 0x20 when it is in 'A'..'Z' (high bit clear).
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(d); i += 8 {
		x := binary.LittleEndian.Uint64(d[i:])
		t := x &^ highs
		ge := t + ones*(0x80-'A')   // high bit set where the byte is >= 'A'
		gt := t + ones*(0x80-'Z'-1) // high bit set where the byte is > 'Z'
		upper := (ge &^ gt) &^ x & highs
		binary.LittleEndian.PutUint64(d[i:], x|upper>>2)
	}
	for ; i < len(d); i++ {
		if c := d[i]; 'A' <= c && c <= 'Z' {
			d[i] = c + 'a' - 'A'
		}
	}
	return dst
}

// skipper drops the rest of a secret that ran past the end of a window.
type skipper struct {
	// end returns the index in s.buf, at or after from, where the secret ends (the first byte
	// to keep); or -1 and how many trailing bytes to hold back and show again with more input,
	// so that an end marker or a line split across windows is still seen whole. With s.final it
	// must decide: -1 then drops everything.
	end func(s *scan, from int) (end, keep int)
}
