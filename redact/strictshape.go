package redact

import (
	"bytes"
	"sort"
)

// In strict mode the token is unknown, so the forms that only its literal catches elsewhere (a
// token wrapped across a line break, split by util.inspect's "' +" continuation, every byte
// %-encoded, "/" written "\/" or "%2F") must be caught by their shape. strictRule finds them:
//
//   - pieces of hex at the end of a line and at the start of the next (after indentation and an
//     opening quote; a closing quote and " +" may end the first line), up to four pieces in a
//     row, go when together they make minStrictHex digits or more and hold a digit; pieces of
//     base64 (see b64Piece) go when their joined text is token-shaped other than by hex;
//   - a run written with %XX or "\/" escapes is decoded, judged as the detector judges text in
//     strict mode, and the escaped span of each token it finds goes.
//
// Everything it looks at lies within strictReach bytes of a match, well under the stream's
// lookbehind and lookahead, so the result does not depend on where the input was cut.
const (
	maxWrapPiece  = 64  // a longer run at a line's end is judged alone, not joined
	maxWrapIndent = 24  // indentation allowed before a continued piece
	maxWrapPieces = 4   // pieces joined at most
	maxEscaped    = 400 // a longer run of escapes and run bytes is not decoded
)

type strictRule struct {
	s      *scan
	found  []match
	dec    []byte
	at     []int // at[k]: where the escape or byte decoded to dec[k] starts; at[len(dec)]: the end
	sub    scan  // the decoded text, as judge sees it
	judged []match
	seq    []piece
	cat    []byte // base64 pieces joined
	gone   []bool
}

func (r *strictRule) next(s *scan, from, min int) (match, int, bool) {
	n := len(s.buf)
	if !s.strict {
		return match{}, n, false
	}
	if r.s != s {
		r.s = s
		r.found = r.wrapped(s, r.found[:0])
		r.found = r.escaped(s, r.found)
		sort.SliceStable(r.found, func(i, j int) bool { return r.found[i].start < r.found[j].start })
	}
	i := sort.Search(len(r.found), func(i int) bool { return r.found[i].start >= min })
	if i == len(r.found) {
		return match{}, n, false
	}
	return r.found[i], r.found[i].end, true
}

// piece is a run of hex digits joined to the next line's.
type piece struct{ start, end int }

func isQuote(c byte) bool { return c == '\'' || c == '"' || c == '`' }

// wrapTail returns the piece (hex, or base64, as ok says) that ends the line ending at the newline at k.
func wrapTail(s *scan, k int, ok func([]byte) bool) (piece, bool) {
	b := s.buf
	e := k
	if e > 0 && b[e-1] == '\r' {
		e--
	}
	for e > 0 && k-e < 8 && (b[e-1] == ' ' || b[e-1] == '\t') {
		e--
	}
	plus := e > 0 && b[e-1] == '+'
	if plus {
		e--
		for e > 0 && k-e < 8 && (b[e-1] == ' ' || b[e-1] == '\t') {
			e--
		}
	}
	if e > 0 && isQuote(b[e-1]) {
		e--
	} else if plus {
		return piece{}, false
	}
	st := e
	for st > 0 && e-st <= maxWrapPiece && isRunChar(b[st-1]) {
		st--
	}
	if st == e || e-st > maxWrapPiece || st == 0 && s.prev >= 0 && isRunChar(byte(s.prev)) || !ok(b[st:e]) {
		return piece{}, false
	}
	return piece{st, e}, true
}

// wrapHead returns the piece that starts the line after the newline at k.
func wrapHead(s *scan, k int, ok func([]byte) bool) (piece, bool) {
	b := s.buf
	p := k + 1
	for p < len(b) && p-k <= maxWrapIndent && (b[p] == ' ' || b[p] == '\t') {
		p++
	}
	if p < len(b) && isQuote(b[p]) {
		p++
	}
	en := span(b, p, maxWrapPiece+1, isRunChar)
	if en == p || en-p > maxWrapPiece || !ok(b[p:en]) {
		return piece{}, false
	}
	return piece{p, en}, true
}

// joinLines calls join with each sequence of pieces, as ok takes them, that end a line and
// start the next.
func joinLines(s *scan, ok func([]byte) bool, seq []piece, join func([]piece)) []piece {
	flush := func() {
		if len(seq) > 1 {
			join(seq)
		}
		seq = seq[:0]
	}
	for _, k := range s.newlines() {
		// The head first: most lines start with a date, which ends the search at once.
		h, found := wrapHead(s, k, ok)
		if !found {
			flush()
			continue
		}
		t, found := wrapTail(s, k, ok)
		if !found {
			flush()
			continue
		}
		if len(seq) == 0 || seq[len(seq)-1] != t {
			flush()
			seq = append(seq, t)
		}
		seq = append(seq, h)
	}
	flush()
	return seq
}

// wrapped appends the pieces of hex that, joined across lines, make a token-shaped run, and the
// pieces of base64 whose joined text strict mode redacts. A piece goes when some pieces in a
// row around it, at most maxWrapPieces, do.
func (r *strictRule) wrapped(s *scan, out []match) []match {
	hex := func(seq []piece) {
		for i := range seq {
			for a := max(0, i-maxWrapPieces+1); a <= i; a++ {
				total, digit := 0, false
				hit := false
				for e := a; e < len(seq) && e < a+maxWrapPieces; e++ {
					p := seq[e]
					total += p.end - p.start
					digit = digit || bytes.ContainsAny(s.buf[p.start:p.end], "0123456789")
					if e >= i && e > a && total >= minStrictHex && digit {
						hit = true
						break
					}
				}
				if hit {
					out = append(out, match{start: seq[i].start, end: seq[i].end, repl: Marker, rule: RuleTokenShaped})
					break
				}
			}
		}
	}
	r.seq = joinLines(s, plainHex, r.seq[:0], hex)
	b64 := func(seq []piece) {
		gone := r.gone[:0]
		for range seq {
			gone = append(gone, false)
		}
		for a := 0; a < len(seq); a++ {
			r.cat, r.at = r.cat[:0], r.at[:0]
			for e := a; e < len(seq) && e < a+maxWrapPieces; e++ {
				r.at = append(r.at, len(r.cat))
				r.cat = append(r.cat, s.buf[seq[e].start:seq[e].end]...)
				if e == a {
					continue
				}
				if e == a+1 {
					// A hash or an id, then the next line. Only a key right before the piece is
					// looked at: keyBefore would follow dots back further than the lookbehind.
					if c := s.before(seq[a].start); c == '=' || c == ':' || c == '"' || c == '\'' || c == ' ' {
						if key := keyBefore(s, seq[a].start); isHashKey(key) || isIDKey(key) {
							break
						}
					}
				}
				for _, m := range r.tokenShaped(s, r.cat) {
					if hexRun(r.cat[m.start:m.end]) {
						continue // hex is the hex pieces' business: a hash, then a timestamp
					}
					for k := a; k <= e; k++ {
						ks := r.at[k-a]
						ke := ks + seq[k].end - seq[k].start
						if m.start < ke && ks < m.end {
							gone[k] = true
						}
					}
				}
			}
		}
		for k, g := range gone {
			if g && (len(out) == 0 || out[len(out)-1].start != seq[k].start) {
				out = append(out, match{start: seq[k].start, end: seq[k].end, repl: Marker, rule: RuleTokenShaped})
			}
		}
		r.gone = gone
	}
	r.seq = joinLines(s, b64Piece, r.seq[:0], b64)
	return out
}

// b64Piece reports a piece that may be part of a base64 token: four bytes or more that mix
// upper- and lower-case letters and digits (identifiers, UUIDs and words do not), or two of
// them with "/" or "+".
func b64Piece(v []byte) bool {
	if len(v) < 4 || len(v) >= 7 && span(v, 0, 4, isDigit) == 4 && v[4] == '-' && isDigit(v[5]) && isDigit(v[6]) {
		return false // too short, or a line that starts with a date
	}
	up, low, dig, sym := 0, 0, 0, false
	for _, c := range v {
		switch {
		case 'A' <= c && c <= 'Z':
			up = 1
		case 'a' <= c && c <= 'z':
			low = 1
		case '0' <= c && c <= '9':
			dig = 1
		case c == '/' || c == '+':
			sym = true
		}
	}
	// Random base64 mixes all three classes; two are enough with base64's own "/" or "+".
	return up+low+dig == 3 || sym && up+low+dig == 2
}

// escapedClass is the bytes a run written with escapes is made of.
func escapedClass(c byte) bool { return isRunChar(c) || c == '%' || c == '\\' || c == '=' }

// escaped appends the runs written with %XX or "\/" escapes whose decoded text is token-shaped.
func (r *strictRule) escaped(s *scan, out []match) []match {
	b := s.buf
	pct, bs := -1, -1 // the next '%' and '\\' at or after i, found with IndexByte (IndexAny is slow)
	for i := 0; i < len(b); {
		if pct < i {
			if pct = bytes.IndexByte(b[i:], '%'); pct >= 0 {
				pct += i
			} else {
				pct = len(b)
			}
		}
		if bs < i {
			if bs = bytes.IndexByte(b[i:], '\\'); bs >= 0 {
				bs += i
			} else {
				bs = len(b)
			}
		}
		q := min(pct, bs)
		if q == len(b) {
			break
		}
		// The region of escape-class bytes around q.
		st := q
		for st > 0 && q-st <= maxEscaped && escapedClass(b[st-1]) {
			st--
		}
		en := q
		for en < len(b) && en-st <= maxEscaped && escapedClass(b[en]) {
			en++
		}
		i = en
		if en-st > maxEscaped || st == 0 && s.prev >= 0 && escapedClass(byte(s.prev)) {
			// Too long to be a token, or cut by the buffer's start: skip the whole region.
			for i < len(b) && escapedClass(b[i]) {
				i++
			}
			continue
		}
		out = r.decodeRegion(s, st, en, out)
	}
	return out
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// decodeRegion splits b[st:en] into runs of run bytes and escapes, decodes each run that holds
// an escape and judges the decoded text.
func (r *strictRule) decodeRegion(s *scan, st, en int, out []match) []match {
	b := s.buf
	for p := st; p < en; {
		rs := p
		r.dec, r.at = r.dec[:0], r.at[:0]
		escapes := 0
		for p < en {
			c := b[p]
			switch {
			case c == '%' && p+2 < en && unhex(b[p+1]) >= 0 && unhex(b[p+2]) >= 0:
				r.dec, r.at = append(r.dec, byte(unhex(b[p+1])<<4|unhex(b[p+2]))), append(r.at, p)
				p += 3
				escapes++
				continue
			case c == '\\' && p+1 < en && b[p+1] == '/':
				r.dec, r.at = append(r.dec, '/'), append(r.at, p)
				p += 2
				escapes++
				continue
			case isRunChar(c) || c == '=' && (p+1 == en || b[p+1] == '=' || !isRunChar(b[p+1]) && b[p+1] != '%' && b[p+1] != '\\'):
				// "=" is padding at a run's end; elsewhere it parts a key from its value.
				r.dec, r.at = append(r.dec, c), append(r.at, p)
				p++
				continue
			}
			break
		}
		if p == rs {
			p++
			continue
		}
		if escapes > 0 && len(r.dec) >= minTokenRun {
			r.at = append(r.at, p)
			for _, m := range r.tokenShaped(s, r.dec) {
				// The escaped span of what the decoded text would lose.
				out = append(out, match{start: r.at[m.start], end: r.at[m.end], repl: Marker, rule: RuleTokenShaped})
			}
		}
	}
	return out
}

// tokenShaped returns the matches of strict mode in the decoded text dec.
func (r *strictRule) tokenShaped(s *scan, dec []byte) []match {
	r.sub = scan{buf: dec, low: lowerASCII(r.sub.low[:0], dec), final: true, prev: -1, strict: true, lits: s.lits,
		hits: r.sub.hits[:0], nls: r.sub.nls[:0]}
	r.judged = r.judged[:0]
	for i := 0; i < len(dec); {
		st := i + span(dec[i:], 0, len(dec)-i, func(c byte) bool { return !isRunChar(c) })
		en := span(dec, st, len(dec)-st, isRunChar)
		i = en
		if en-st >= minTokenRun {
			r.judged = judge(&r.sub, st, en, r.judged)
		}
	}
	return r.judged
}
