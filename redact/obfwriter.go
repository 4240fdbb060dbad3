package redact

import "io"

// obfWindow is how much of a stream the obfuscator looks at at once; with the lookahead and
// lookbehind kept, a stream's memory is about twice this, whatever the input.
const obfWindow = 64 << 10

// obfStream runs the scanner over a stream in windows.
type obfStream struct {
	s      obfScanner
	buf    []byte // pending; buf[:next] was scanned (kept for the bytes before the next run)
	next   int
	dst    io.Writer // nil: learn only
	err    error
	closed bool
}

func (st *obfStream) write(p []byte) (int, error) {
	if st.err != nil {
		return 0, st.err
	}
	if st.closed {
		return 0, io.ErrClosedPipe
	}
	if st.buf == nil {
		st.buf = make([]byte, 0, obfWindow+obfLookahead+obfLookbehind)
	}
	n := len(p)
	for len(p) > 0 {
		room := min(cap(st.buf)-len(st.buf), len(p))
		st.buf = append(st.buf, p[:room]...)
		p = p[room:]
		if len(st.buf) == cap(st.buf) {
			if err := st.process(false); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

func (st *obfStream) close() error {
	if st.closed {
		return st.err
	}
	st.closed = true
	if st.err != nil {
		return st.err
	}
	return st.process(true)
}

// process scans what is pending, writes the result, and keeps the lookahead (and a few bytes
// before it) for the next window.
func (st *obfStream) process(final bool) error {
	limit := len(st.buf)
	if !final {
		limit -= obfLookahead
	}
	end := st.s.scan(st.buf, st.next, limit, final)
	if final {
		end = len(st.buf)
	}
	if st.dst != nil {
		out := st.buf[st.s.last:end] // nothing replaced in this window: write it as it is
		if len(st.s.out) > 0 {
			out = st.s.flush(st.buf, end)
		}
		if len(out) > 0 {
			if _, err := st.dst.Write(out); err != nil {
				st.err = err
				return err
			}
		}
	}
	keep := max(end-obfLookbehind, 0)
	st.buf = st.buf[:copy(st.buf, st.buf[keep:])]
	st.s.base += int64(keep)
	st.s.last = end - keep
	st.next = end - keep
	return nil
}

// Learner learns the identifiers of what is written to it (see [Obfuscator.Learner]).
type Learner struct{ st obfStream }

// Learner returns a writer that registers every identifier written to it (addresses, URL hosts,
// host key values, home folders' users) and writes nothing. Send every text of a bundle through
// a Learner before any through NewWriter, so that a name learned anywhere is replaced
// everywhere. Learners may run concurrently; each is for one goroutine. Close it at the end of
// its text: an identifier at the very end is learned then.
func (o *Obfuscator) Learner() *Learner {
	l := &Learner{}
	l.st.s = obfScanner{o: o, mode: obfLearn}
	l.st.s.reset()
	return l
}

// Write learns from p; it never fails before Close.
func (l *Learner) Write(p []byte) (int, error) { return l.st.write(p) }

// Close learns from what is still pending.
func (l *Learner) Close() error { return l.st.close() }

// ObfuscatingWriter replaces identifiers in what is written to it (see [Obfuscator.NewWriter]).
type ObfuscatingWriter struct{ st obfStream }

// NewWriter returns a writer that replaces every identifier known to o, and every one it
// recognises itself (which it registers), with its stand-in, and writes the result to w. It
// streams: an identifier split across writes is replaced whole, and memory stays about 140 KiB
// whatever the input. Close flushes what is pending; it does not close w.
func (o *Obfuscator) NewWriter(w io.Writer) *ObfuscatingWriter {
	ow := &ObfuscatingWriter{}
	ow.st.s = obfScanner{o: o, mode: obfReplace, counts: Counts{}}
	ow.st.s.reset()
	ow.st.dst = w
	return ow
}

// Write replaces identifiers in p. Bytes may be held back until a later Write or Close.
func (w *ObfuscatingWriter) Write(p []byte) (int, error) { return w.st.write(p) }

// Close replaces and writes everything still pending.
func (w *ObfuscatingWriter) Close() error { return w.st.close() }

// Counts returns the replacements made so far, per rule (RuleHost, RuleIP, RuleUser).
func (w *ObfuscatingWriter) Counts() Counts { return w.st.s.counts }
