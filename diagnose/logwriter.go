package diagnose

import (
	"bytes"
	"regexp"
	"time"
)

// maxLine is how much of a line is kept for matching; the rest of a longer line is skipped.
const maxLine = 8 << 10

// Entries: a timestamped line and the lines after it without a timestamp (a stack trace, a
// Node error object) are one entry: one event, at the entry's time, with its first line as
// evidence. In a file without timestamps, indented lines continue the line before them.
const (
	maxEntryLines = 64       // lines of one entry, at most; longer ones are cut
	maxEntryText  = 2 << 10  // bytes of an entry kept for classifying it
	tailLines     = 64       // lines looked at from either end of a block for its times
	maxBlockTimes = 64 << 10 // lines whose times are read one by one in a block, at most
)

// lineWriter finds events in what is written to it. Complete lines are scanned a block at a time:
// each pattern's first string is searched for in the whole block at once, and only the entries it
// occurs in are looked at further, so a healthy log costs one table lookup per byte plus a few
// timestamps per block. Memory is bounded: a line longer than maxLine is cut, an entry longer than
// maxEntryLines is split.
type lineWriter struct {
	s *LogScan
	// notAfter, notBefore: the plausible times of its lines (LogScan.setWindow); zero: unbounded.
	notAfter, notBefore time.Time
	early               time.Time // the newest time before notBefore seen
	path                string
	src                 source
	line                int    // complete lines seen
	carry               []byte // the incomplete last line, at most maxLine bytes
	long                bool   // the incomplete line passed maxLine: the rest of it is skipped
	low                 []byte // lowercase scratch
	hits                []hit
	hi                  int   // the next hit of the block to assign to an entry
	e                   entry // the entry being read, when open
	open                bool
	head                head // the last entry head before the block
	stamped             int  // the 1-based line of the file's first timestamped line; 0 while none
	lastT               time.Time
	newest              Ref // its Text is in newestText
	newestText          []byte
	written             int64
	seq                 *seqState
	logSpans            spanTracker
	consumed            int // lines read into entries so far
}

// hit is a line a pattern matched, by its offset in the block.
type hit struct {
	start, end int
	kind       int
}

// entry is an entry being read.
type entry struct {
	line  int // 1-based line of its first line
	t     time.Time
	kinds kindBit
	lines int
	// Its text, at most maxEntryText bytes: while the entry lies in one block, the span
	// block[from:to] (lines joined by their own line breaks); once it spans blocks, a copy in
	// text (owned), lines joined by '\n'.
	owned    bool
	text     []byte
	from, to int
}

// textIn returns the entry's text; block is the block being scanned.
func (e *entry) textIn(block []byte) []byte {
	if e.owned {
		return e.text
	}
	return block[e.from:e.to]
}

// own copies the entry's text out of the block, which is about to be reused.
func (e *entry) own(block []byte) {
	if !e.owned {
		e.text, e.owned = append(e.text[:0], block[e.from:e.to]...), true
	}
}

// head is an entry's first line, carried from one block to the next for the lines that continue
// it there.
type head struct {
	line int // 1-based; 0 when none
	t    time.Time
	text []byte
	used bool // its entry was read already
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	w.written += int64(n)
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		w.addCarry(p)
		return n, nil
	}
	// Finish the carried line, then scan every complete line of p in place.
	if len(w.carry) > 0 || w.long {
		w.addCarry(p[:i+1])
		if w.long {
			w.carry = append(w.carry, '\n') // the cut line still ends here
		}
		w.scanBlock(w.carry)
		w.carry, w.long = w.carry[:0], false
	} else {
		w.scanBlock(p[:i+1])
	}
	last := bytes.LastIndexByte(p, '\n')
	if last > i {
		w.scanBlock(p[i+1 : last+1])
	}
	w.addCarry(p[last+1:])
	return n, nil
}

func (w *lineWriter) addCarry(p []byte) {
	if w.long {
		return
	}
	room := maxLine - len(w.carry)
	if len(p) > room {
		p, w.long = p[:room], true
	}
	w.carry = append(w.carry, p...)
}

func (w *lineWriter) Close() error {
	if len(w.carry) > 0 || w.long {
		w.scanBlock(append(w.carry, '\n'))
		w.carry, w.long = w.carry[:0], false
	}
	if w.open {
		w.finish(nil)
	}
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.files[w.path]
	st.Lines, st.Bytes = w.line, w.written
	if w.seq != nil {
		s.closeSeq(w.seq)
		w.seq = nil
	}
	if w.src == srcLog || w.src == srcCrash {
		if w.newest.Path != "" && (s.newest.Path == "" || w.newest.Time.After(s.newest.Time)) {
			s.newest = w.newest
			s.newest.Text = cut(w.newestText)
		}
		if w.src == srcLog && w.early.After(s.newestEarly.Time) {
			s.newestEarly = Ref{Path: w.path, Time: w.early}
		}
		s.logSpans = append(s.logSpans, w.logSpans.spans...)
		if len(s.logSpans) > 4*maxSpans {
			s.logSpans = compactSpans(s.logSpans, silenceMin, 2*maxSpans)
		}
	}
	return nil
}

// stamp returns the time of a line as the scan uses it: its leading timestamp when plausible,
// else the zero time. A line with an implausible time (years off in a current log) still
// starts an entry and is matched, but drives no span, recency, run or timeline point.
func (w *lineWriter) stamp(line []byte) time.Time {
	return w.plausible(leadingTime(line, w.s.loc))
}

// plausible returns t when it lies within the writer's window, else the zero time.
func (w *lineWriter) plausible(t time.Time) time.Time {
	if !w.notAfter.IsZero() && t.After(w.notAfter) {
		return time.Time{}
	}
	if !w.notBefore.IsZero() && t.Before(w.notBefore) {
		if t.After(w.early) {
			w.early = t
		}
		return time.Time{}
	}
	return t
}

// lineEnd returns the offset of the line break ending the line that starts at pos.
func lineEnd(block []byte, pos int) int {
	return pos + bytes.IndexByte(block[pos:], '\n')
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

// continues reports whether line (the file's 1-based line n) continues the entry before it.
func (w *lineWriter) continues(line []byte, n int) bool {
	if !leadingTime(line, w.s.loc).IsZero() {
		return false
	}
	if w.stamped > 0 && w.stamped < n {
		return true
	}
	return len(line) > 0 && (line[0] == ' ' || line[0] == '\t' || line[0] == '}' || line[0] == ']' || line[0] == ')')
}

// scanBlock scans complete lines (block ends with a line break).
func (w *lineWriter) scanBlock(block []byte) {
	if w.seq == nil {
		w.seq = newSeq()
	}
	w.findHits(block)
	w.noteStamped(block)
	pos, line := 0, w.line // the next line not yet in an entry, and the lines before it
	if w.open {
		var done bool
		pos, line, done = w.extend(block, pos, line, false)
		if !done {
			w.endBlock(block)
			return
		}
		w.finish(block)
	}
	for w.hi < len(w.hits) {
		h := w.hits[w.hi]
		if h.start < pos {
			w.hi++
			continue
		}
		floor := pos
		line += bytes.Count(block[pos:h.start], []byte{'\n'})
		pos = h.start
		// Walk back to the entry's first line.
		st, stLine, found := pos, line, false
		t := leadingTime(trimCR(block[st:lineEnd(block, st)]), w.s.loc)
		if !t.IsZero() || !w.continues(trimCR(block[st:lineEnd(block, st)]), stLine+1) {
			found = true
		} else {
			for n := 0; n < maxEntryLines-1 && st > floor; n++ {
				ps := bytes.LastIndexByte(block[:st-1], '\n') + 1
				st, stLine = ps, stLine-1
				lb := trimCR(block[ps:lineEnd(block, ps)])
				if t = leadingTime(lb, w.s.loc); !t.IsZero() || !w.continues(lb, stLine+1) {
					found = true
					break
				}
			}
		}
		w.open = true
		w.e = entry{text: w.e.text[:0], from: st, to: st}
		switch {
		case found:
			w.e.line, w.e.t = stLine+1, w.plausible(t)
		case st == 0 && floor == 0 && w.head.line > 0 && !w.head.used && line+1-w.head.line < maxEntryLines:
			// The entry began in an earlier block.
			w.e.line, w.e.t = w.head.line, w.head.t
			w.e.text, w.e.owned = append(w.e.text, w.head.text...), true
			w.e.lines = 1 + stLine - w.head.line
			w.head.used = true
		default:
			// A continuation too far from its first line: an entry of its own, at the time of
			// the last timestamp seen.
			st, stLine = pos, line
			w.e.line, w.e.t, w.e.from, w.e.to = line+1, w.lastT, pos, pos
		}
		if !w.e.t.IsZero() {
			w.lastT = w.e.t
		}
		var done bool
		pos, line, done = w.extend(block, st, stLine, true)
		if !done {
			break
		}
		w.finish(block)
	}
	w.endBlock(block)
}

// findHits lists the lines of block a pattern matches.
func (w *lineWriter) findHits(block []byte) {
	w.hits, w.hi = w.hits[:0], 0
	keyMatcher.scan(block, func(end, id int) {
		k := keys[id]
		ls := bytes.LastIndexByte(block[:end-len(k.str)], '\n') + 1
		le := len(block)
		if i := bytes.IndexByte(block[end:], '\n'); i >= 0 {
			le = end + i
		}
		for i := len(w.hits) - 1; i >= 0 && w.hits[i].start == ls; i-- {
			if w.hits[i].kind == k.pattern {
				return // another alternative of the pattern already matched this line
			}
		}
		if rest := patterns[k.pattern].any[k.alt][1:]; len(rest) > 0 {
			w.low = toLower(w.low[:0], block[ls:le])
			if !matchAll(w.low, rest) {
				return
			}
		}
		w.hits = append(w.hits, hit{ls, le, k.pattern})
	})
}

// noteStamped finds the file's first timestamped line, if this block has it.
func (w *lineWriter) noteStamped(block []byte) {
	if w.stamped > 0 {
		return
	}
	n := w.line
	for pos := 0; pos < len(block); {
		le := lineEnd(block, pos)
		n++
		if !leadingTime(trimCR(block[pos:le]), w.s.loc).IsZero() {
			w.stamped = n
			return
		}
		pos = le + 1
	}
}

// extend adds to the open entry the lines of block from pos (line lines before it) that belong
// to it; first says pos is the entry's first line. It returns where the entry ended and
// whether it did (false: it may go on in the next block).
func (w *lineWriter) extend(block []byte, pos, line int, first bool) (int, int, bool) {
	e := &w.e
	for pos < len(block) {
		le := lineEnd(block, pos)
		lb := trimCR(block[pos:le])
		if !first && (e.lines >= maxEntryLines || !w.continues(lb, line+1)) {
			w.consumed = line
			return pos, line, true
		}
		first = false
		e.lines++
		switch {
		case e.owned:
			if room := maxEntryText - len(e.text); room > 0 {
				if len(e.text) > 0 {
					e.text = append(e.text, '\n')
					room--
				}
				e.text = append(e.text, lb[:min(len(lb), max(room, 0))]...)
			}
		case e.to-e.from < maxEntryText:
			e.to = min(pos+len(lb), e.from+maxEntryText)
		}
		for w.hi < len(w.hits) && w.hits[w.hi].start <= pos {
			if w.hits[w.hi].start == pos {
				e.kinds |= 1 << w.hits[w.hi].kind
			}
			w.hi++
		}
		pos, line = le+1, line+1
	}
	w.consumed = line
	e.own(block)
	return pos, line, false
}

// finish records the open entry's events; block is the block being scanned (nil at the end).
func (w *lineWriter) finish(block []byte) {
	e := &w.e
	w.open = false
	if e.kinds == 0 {
		return
	}
	text := e.textIn(block)
	var low []byte
	if e.kinds&(hostKinds|exceptionKinds|authKind|bitOf(EvEnvMissing)) != 0 {
		w.low = toLower(w.low[:0], text)
		low = w.low
	}
	kinds := refine(e.kinds, low)
	var h Host
	if kinds&hostKinds != 0 {
		h = classify(low)
	}
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range patterns {
		if kinds&(1<<i) == 0 {
			continue
		}
		o := occurrence{k: i, path: w.path, line: e.line, t: e.t, text: text}
		if kindBit(1<<i)&hostKinds != 0 {
			o.host = h
		}
		s.record(o)
		w.seq.note(o)
	}
}

// status401 is an HTTP status 401 standing alone, not digits of an id, a hash or a timestamp's
// fraction ("07.401+05:00", "07,401 -05:00").
var status401 = regexp.MustCompile(`(?:^|[^0-9a-z:.,])401(?:[^0-9a-z]|$)`)

// authPhrases say an authentication failed without a status code.
var authPhrases = []string{"invalid token", "invalid access token", "token is invalid", "token expired", "expired token", "jwt expired",
	"401 unauthorized", "login failed for user", "ora-01017", "password authentication failed", "access denied for user"}

// refine drops the kinds an entry's whole text shows to be something else: the agent's crash
// flag named in a line is no exception; "token" and digits 401 in an id are no authentication
// failure; a tunnel request's EADDRINUSE is a tunnel retry, not the bind failure of port.bind; an
// environment variable not set, told at info or debug level without an error, is a notice.
func refine(kinds kindBit, low []byte) kindBit {
	if kinds&authKind != 0 && !containsAny(low, authPhrases...) && !status401.Match(low) {
		kinds &^= authKind
	}
	if kinds&bitOf(EvEnvMissing) != 0 && containsAny(low, "level=info", "level=debug", "[info]", "[debug]", `"level":"info"`, `"level":"debug"`) &&
		!containsAny(low, "error", "fatal", "fail", "exception", "cannot", "unable", "abort") {
		// "HTTPS_PROXY environment variable not set, connecting directly": a notice, not a failure.
		kinds &^= bitOf(EvEnvMissing)
	}
	if kinds&bitOf(EvTunnelFailed) != 0 {
		// A tunnel request that found its port taken: the guide's normal retries, while the agent
		// switches ports to find a free one; the tunnel's runs grade them, not port.bind.
		kinds &^= bitOf(EvBind)
	}
	if kinds&exceptionKinds != 0 && bytes.Contains(low, []byte("uncaughtexceptionhappenedonservice")) {
		rest := bytes.ReplaceAll(low, []byte("uncaughtexceptionhappenedonservice"), nil)
		if !bytes.Contains(rest, []byte("uncaught")) {
			kinds &^= bitOf(EvUncaught)
			if !containsAny(rest, "unhandledpromiserejection", "unhandled promise rejection", "typeerror", "referenceerror", "sockettimeoutexception") {
				kinds &^= bitOf(EvException)
			}
		}
	}
	return kinds
}

func containsAny(b []byte, strs ...string) bool {
	for _, s := range strs {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

func matchAll(line []byte, strs []string) bool {
	for _, s := range strs {
		if !bytes.Contains(line, []byte(s)) {
			return false
		}
	}
	return true
}

// endBlock records the block's lines and times: the file's newest line, the spans in which it
// logged, and the last entry head for the next block.
func (w *lineWriter) endBlock(block []byte) {
	nl := bytes.Count(block, []byte{'\n'})
	first, firstLine, _, firstOK := w.edgeTime(block, nl, true)
	last, lastLine, lastPos, lastOK := w.edgeTime(block, nl, false)
	if firstOK && lastOK && last.Sub(first) < silenceMin && !last.Before(first) {
		// Lines are in order and close together: no silence can hide inside.
		w.logSpans.add(first, lineRef{w.path, w.line + firstLine}, 0)
		w.logSpans.add(last, lineRef{w.path, w.line + lastLine}, 0)
	} else if firstOK || lastOK || nl > tailLines {
		w.allTimes(block)
	}
	if lastOK {
		if w.newest.Path == "" || last.After(w.newest.Time) {
			w.setNewest(w.line+lastLine, last, block[lastPos:lineEnd(block, lastPos)])
		}
		w.lastT = last
	}
	w.carryHead(block, nl)
	w.line += nl
}

// edgeTime returns the first (or last) timestamp among the tailLines lines at the block's start
// (or end), its 1-based line in the block and the offset of that line.
func (w *lineWriter) edgeTime(block []byte, nl int, fromStart bool) (time.Time, int, int, bool) {
	if fromStart {
		pos := 0
		for n := 1; n <= tailLines && pos < len(block); n++ {
			le := lineEnd(block, pos)
			if t := w.stamp(trimCR(block[pos:le])); !t.IsZero() {
				return t, n, pos, true
			}
			pos = le + 1
		}
		return time.Time{}, 0, 0, false
	}
	end := len(block) - 1
	for n := nl; n > nl-tailLines && end >= 0; n-- {
		start := bytes.LastIndexByte(block[:end], '\n') + 1
		if t := w.stamp(trimCR(block[start:end])); !t.IsZero() {
			return t, n, start, true
		}
		end = start - 1
	}
	return time.Time{}, 0, 0, false
}

// setNewest notes the file's newest line so far; its text is copied into a reused buffer.
func (w *lineWriter) setNewest(line int, t time.Time, text []byte) {
	w.newest = Ref{Path: w.path, Line: line, Time: t}
	text = trimCR(text)
	w.newestText = append(w.newestText[:0], text[:min(len(text), maxText)]...)
}

// allTimes adds every timestamped line of the block to the file's spans, and notes the newest.
func (w *lineWriter) allTimes(block []byte) {
	n, newest, at := w.line, w.newest.Time, -1
	for pos, i := 0, 0; pos < len(block) && i < maxBlockTimes; i++ {
		le := lineEnd(block, pos)
		n++
		if t := w.stamp(trimCR(block[pos:le])); !t.IsZero() {
			w.logSpans.add(t, lineRef{w.path, n}, 0)
			if w.newest.Path == "" && at < 0 || t.After(newest) {
				newest, at = t, pos
				w.newest.Line = n
			}
		}
		pos = le + 1
	}
	if at >= 0 {
		w.setNewest(w.newest.Line, newest, block[at:lineEnd(block, at)])
	}
}

// carryHead remembers the block's last entry head, for lines of the next block that continue it.
func (w *lineWriter) carryHead(block []byte, nl int) {
	if w.open {
		return // the open entry carries on by itself
	}
	end := len(block) - 1
	for n := nl; n > nl-maxEntryLines && end >= 0; n-- {
		start := bytes.LastIndexByte(block[:end], '\n') + 1
		lb := trimCR(block[start:end])
		t := leadingTime(lb, w.s.loc)
		if !t.IsZero() || !w.continues(lb, w.line+n) {
			used := w.line+n <= w.consumed
			w.head = head{line: w.line + n, t: w.plausible(t), text: append(w.head.text[:0], lb[:min(len(lb), maxEntryText)]...), used: used}
			return
		}
		end = start - 1
	}
	w.head = head{}
}
