package diagnose

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// Points the service manager gives: the service started, stopped, or its process ended badly.
// They are drawn with the agent's own starts and crashes.
const (
	svcStart = "svc_start"
	svcStop  = "svc_stop"
	svcCrash = "svc_crash"
)

// maxDeferred bounds the journal's agent events kept for the end of the scan.
const maxDeferred = 20000

// textWriter reads a service journal (journalctl -o short-iso) or an event-log extract line by
// line: these are small (their collectors cap them), and every line has the service manager's
// prefix to read before the message.
type textWriter struct {
	w       *lineWriter // the file's path, scan, spans and counts
	carry   []byte
	long    bool
	written int64
	line    int
	e       entry // the agent's entry being read (journal)
	open    bool
	low     []byte
	newest  Ref
}

func (t *textWriter) Write(p []byte) (int, error) {
	n := len(p)
	t.written += int64(n)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.addCarry(p)
			break
		}
		if len(t.carry) > 0 || t.long {
			t.addCarry(p[:i])
			t.onLine(t.carry)
			t.carry, t.long = t.carry[:0], false
		} else {
			t.onLine(p[:i])
		}
		p = p[i+1:]
	}
	return n, nil
}

func (t *textWriter) addCarry(p []byte) {
	if t.long {
		return
	}
	room := maxLine - len(t.carry)
	if len(p) > room {
		p, t.long = p[:room], true
	}
	t.carry = append(t.carry, p...)
}

func (t *textWriter) Close() error {
	if len(t.carry) > 0 || t.long {
		t.onLine(t.carry)
		t.carry, t.long = t.carry[:0], false
	}
	t.finishEntry()
	s := t.w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.files[t.w.path]
	st.Lines, st.Bytes = t.line, t.written
	s.journalSpans = append(s.journalSpans, t.w.logSpans.spans...)
	if len(s.journalSpans) > 4*maxSpans {
		s.journalSpans = compactSpans(s.journalSpans, silenceMin, 2*maxSpans)
	}
	if t.newest.Path != "" && (s.newestJournal.Path == "" || t.newest.Time.After(s.newestJournal.Time)) {
		s.newestJournal = t.newest
	}
	return nil
}

func (t *textWriter) onLine(line []byte) {
	t.line++
	line = trimCR(line)
	if t.w.src == srcJournal {
		t.journalLine(line)
	} else {
		t.eventLine(line)
	}
}

// journalLine reads "2025-07-28T09:11:58+0000 host ident[pid]: message". systemd's own lines
// tell starts, stops and crashes of the service; the agent's are read like its log.
func (t *textWriter) journalLine(line []byte) {
	if bytes.HasPrefix(line, []byte("-- ")) || len(line) == 0 {
		return
	}
	loc := t.w.s.loc
	raw := leadingTime(line, loc)
	jt := t.w.plausible(raw)
	msg, ident := line, []byte(nil)
	if !raw.IsZero() {
		if _, rest, ok := bytes.Cut(line, []byte(" ")); ok {
			if _, rest, ok = bytes.Cut(rest, []byte(" ")); ok { // the host
				if id, m, ok := bytes.Cut(rest, []byte(": ")); ok && !bytes.ContainsAny(id, " ") {
					ident, msg = id, m
				} else {
					msg = rest
				}
			}
		}
	}
	if bytes.HasPrefix(ident, []byte("systemd[")) || bytes.Equal(ident, []byte("systemd")) {
		t.systemdLine(jt, line, msg)
		return
	}
	mt := leadingTime(msg, loc)
	if t.open && mt.IsZero() && t.e.lines < maxEntryLines && len(msg) > 0 &&
		(msg[0] == ' ' || msg[0] == '\t' || msg[0] == '}' || msg[0] == ']' || msg[0] == ')') {
		t.e.lines++
		if room := maxEntryText - len(t.e.text); room > 1 {
			t.e.text = append(t.e.text, '\n')
			t.e.text = append(t.e.text, msg[:min(len(msg), room-1)]...)
		}
		return
	}
	t.finishEntry()
	when := t.w.plausible(mt)
	if mt.IsZero() {
		when = jt
	}
	t.open = true
	t.e = entry{line: t.line, t: when, text: append(t.e.text[:0], msg[:min(len(msg), maxEntryText)]...), lines: 1}
	if !when.IsZero() {
		t.w.logSpans.add(when, lineRef{t.w.path, t.line}, 0)
		if t.newest.Path == "" || when.After(t.newest.Time) {
			t.newest = Ref{Path: t.w.path, Line: t.line, Time: when, Text: cut(msg)}
		}
	}
}

func (t *textWriter) systemdLine(jt time.Time, line, msg []byte) {
	t.low = toLower(t.low[:0], msg)
	kind := ""
	switch {
	case bytes.Contains(t.low, []byte("main process exited")) && !bytes.Contains(t.low, []byte("status=0/success")):
		kind = svcCrash
	case bytes.HasPrefix(t.low, []byte("started ")):
		kind = svcStart
	case bytes.HasPrefix(t.low, []byte("stopped ")):
		kind = svcStop
	default:
		return
	}
	s := t.w.s
	s.mu.Lock()
	s.point(kind, jt, t.w.path, t.line, line)
	s.mu.Unlock()
}

// finishEntry hands the journal's agent entry to the scan, for the end: the same lines may be in
// the agent's log files.
func (t *textWriter) finishEntry() {
	if !t.open {
		return
	}
	t.open = false
	e := &t.e
	t.low = toLower(t.low[:0], e.text)
	var kinds kindBit
	keyMatcher.scan(t.low, func(end, id int) {
		k := keys[id]
		if rest := patterns[k.pattern].any[k.alt][1:]; len(rest) == 0 || matchAll(t.low, rest) {
			kinds |= 1 << k.pattern
		}
	})
	kinds = refine(kinds, t.low)
	if kinds == 0 {
		return
	}
	var h Host
	if kinds&hostKinds != 0 {
		h = classify(t.low)
	}
	text := []byte(cut(e.text))
	s := t.w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range patterns {
		if kinds&(1<<i) == 0 {
			continue
		}
		if len(s.deferred) >= maxDeferred {
			s.deferredDropped++
			continue
		}
		o := occurrence{k: i, path: t.w.path, line: e.line, t: e.t, text: text}
		if kindBit(1<<i)&hostKinds != 0 {
			o.host = h
		}
		s.deferred = append(s.deferred, o)
	}
}

// eventLine reads an event-log extract's line: "TIME  Level       Log  Provider  ID  Message".
// The Service Control Manager's events tell starts, stops and crashes of the service; the
// Application log is searched for the agent updater's failure.
func (t *textWriter) eventLine(line []byte) {
	et := t.w.stamp(line)
	low := strings.ToLower(string(line))
	s := t.w.s
	if strings.Contains(low, "failed to uninstall old application files") {
		s.mu.Lock()
		s.record(occurrence{k: kUpdateUninstall, path: t.w.path, line: t.line, t: et, text: line})
		s.mu.Unlock()
		return
	}
	const scm = "service control manager"
	i := strings.Index(low, scm)
	if i < 0 {
		return
	}
	idText, _, _ := strings.Cut(strings.TrimSpace(low[i+len(scm):]), " ")
	id, err := strconv.Atoi(idText)
	if err != nil {
		return
	}
	kind := ""
	switch {
	case id == 7031 || id == 7034 || id == 7023 || id == 7000 || id == 7009:
		kind = svcCrash
	case id == 7036 && strings.Contains(low, "running state"):
		kind = svcStart
	case id == 7036 && strings.Contains(low, "stopped state"):
		kind = svcStop
	default:
		return
	}
	s.mu.Lock()
	s.point(kind, et, t.w.path, t.line, line)
	s.mu.Unlock()
}
