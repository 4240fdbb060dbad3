package redact

import (
	"bytes"
	"encoding/base64"
)

// newRules returns the text rules in priority order: when two matches start at the same byte,
// the earlier rule wins (the token's hash marker beats a generic [REDACTED]).
func newRules(lits []literal) []rule {
	rs := make([]rule, 0, len(lits)+9)
	for _, l := range lits {
		rs = append(rs, literalRule{l})
	}
	return append(rs,
		pemRule{},
		jwtRule{},
		urlCredRule{},
		userinfoRule{},
		schemeRule{anchor: []byte("bearer"), rule: RuleBearer, valid: isBearerValue},
		schemeRule{anchor: []byte("basic"), rule: RuleBasicAuth, valid: isBasicValue},
		awsRule{},
		&keyValueRule{},
	)
}

// literalRule replaces one exact byte string.
type literalRule struct{ l literal }

func (r literalRule) next(s *scan, from, min int) (match, int, bool) {
	if from < min {
		from = min
	}
	for {
		i := bytes.Index(s.buf[from:], r.l.find)
		if i < 0 {
			return match{}, len(s.buf), false
		}
		i += from
		from = i + 1
		if overlapsMarker(s.buf, i, i+len(r.l.find)) {
			continue // a marker and the text around it spell the literal by chance
		}
		return match{start: i, end: i + len(r.l.find), repl: string(r.l.repl), rule: r.l.rule}, from, true
	}
}

// markerLen is the length of a HashToken marker.
const markerLen = len("sha256:") + 16

// isMarkerColon reports whether the colon at b[i] is the one inside a hash marker.
func isMarkerColon(b []byte, i int) bool {
	return i >= 6 && i+17 <= len(b) && isTokenMarker(b[i-6:i+17])
}

// inTokenMarker reports whether b[i] lies inside a hash marker.
func inTokenMarker(b []byte, i int) bool {
	return overlapsMarker(b, i, i+1)
}

// overlapsMarker reports whether any byte of b[i:j] lies inside a hash marker.
func overlapsMarker(b []byte, i, j int) bool {
	for k := max(0, i-markerLen+1); k < j && k+markerLen <= len(b); k++ {
		if b[k] == 's' && isTokenMarker(b[k:k+markerLen]) {
			return true
		}
	}
	return false
}

// Byte classes.
func isAlpha(c byte) bool   { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool   { return '0' <= c && c <= '9' }
func isAlnum(c byte) bool   { return isAlpha(c) || isDigit(c) }
func isSpace(c byte) bool   { return c == ' ' || c == '\t' }
func isKeyChar(c byte) bool { return isAlnum(c) || c == '_' || c == '-' || c == '.' }
func isB64URL(c byte) bool  { return isAlnum(c) || c == '-' || c == '_' }
func isB64(c byte) bool     { return isAlnum(c) || c == '+' || c == '/' || c == '=' }

// isToken68 reports whether c may appear in an HTTP auth-scheme credential (RFC 9110 token68).
func isToken68(c byte) bool {
	return isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '='
}

// span returns the end of the run of bytes from i for which ok holds, at most max bytes long.
func span(b []byte, i, max int, ok func(byte) bool) int {
	j := i
	for j < len(b) && j-i < max && ok(b[j]) {
		j++
	}
	return j
}

// spanValue is span for secret values: it also stops where a hash marker begins, so that a value
// redacted around a marker is seen the same way the second time.
func spanValue(b []byte, i int, ok func(byte) bool) int {
	j := i
	for j < len(b) && ok(b[j]) {
		if b[j] == 's' && j+markerLen <= len(b) && isTokenMarker(b[j:j+markerLen]) {
			break
		}
		j++
	}
	return j
}

// runSkipper drops bytes while ok holds.
func runSkipper(ok func(byte) bool) *skipper {
	return &skipper{end: func(s *scan, from int) int {
		for i, c := range s.buf[from:] {
			if !ok(c) {
				return i
			}
		}
		return -1
	}}
}

// open marks m as possibly continuing past the buffer when its secret runs to the buffer's end
// and more input will come.
func open(s *scan, m match, ok func(byte) bool) match {
	if m.end == len(s.buf) && !s.final {
		m.cont = runSkipper(ok)
	}
	return m
}

// pemRule replaces "-----BEGIN … PRIVATE KEY-----" through the matching END line.
type pemRule struct{}

var (
	pemBegin = []byte("-----begin ")
	pemEnd   = []byte("-----end ")
	pemKey   = []byte("private key-----")
	dashes   = []byte("-----")
)

func (pemRule) next(s *scan, from, min int) (match, int, bool) {
	if from < min {
		from = min
	}
	for {
		i := bytes.Index(s.low[from:], pemBegin)
		if i < 0 {
			return match{}, len(s.buf), false
		}
		i += from
		from = i + 1
		head := s.low[i:]
		if len(head) > 128 {
			head = head[:128]
		}
		k := bytes.Index(head, pemKey)
		if k < 0 || bytes.IndexByte(head[:k], '\n') >= 0 {
			continue
		}
		body := i + k + len(pemKey)
		if end := pemEndAt(s.low, body); end >= 0 {
			return match{start: i, end: end, repl: PrivateKeyMarker, rule: RulePrivateKey}, from, true
		}
		m := match{start: i, end: len(s.buf), repl: PrivateKeyMarker, rule: RulePrivateKey}
		if !s.final {
			m.cont = &skipper{end: func(s *scan, from int) int {
				if e := pemEndAt(s.low, from); e >= 0 {
					return e - from
				}
				return -1
			}, keep: 128}
		}
		return m, from, true
	}
}

// pemEndAt returns the index just past the "-----END … PRIVATE KEY-----" line at or after from,
// or -1.
func pemEndAt(low []byte, from int) int {
	for {
		i := bytes.Index(low[from:], pemEnd)
		if i < 0 {
			return -1
		}
		i += from
		rest := low[i+len(pemEnd):]
		if len(rest) > 96 {
			rest = rest[:96]
		}
		if j := bytes.Index(rest, dashes); j >= 0 {
			return i + len(pemEnd) + j + len(dashes)
		}
		from = i + 1
	}
}

// jwtRule replaces JSON Web Tokens: three base64url segments, the first an encoded JSON object.
type jwtRule struct{}

var jwtHead = []byte("eyJ")

func (jwtRule) next(s *scan, from, min int) (match, int, bool) {
	if from < min {
		from = min
	}
	b := s.buf
	for {
		// "eyJ" found by its 'J': an upper-case J is rare in logs, an e is everywhere.
		if from+2 > len(b) {
			return match{}, len(b), false
		}
		j := bytes.IndexByte(b[from+2:], 'J')
		if j < 0 {
			return match{}, len(b), false
		}
		i := from + j
		from = i + 1
		if b[i] != 'e' || b[i+1] != 'y' {
			continue
		}
		if i > 0 && (isB64URL(b[i-1]) || b[i-1] == '.') {
			continue
		}
		jwtChar := func(c byte) bool { return isB64URL(c) || c == '.' }
		h := span(b, i, 1<<20, isB64URL)
		if h == len(b) && !s.final && h-i >= 10 {
			// A header longer than the lookahead: fail closed.
			return open(s, match{start: i, end: h, repl: Marker, rule: RuleJWT}, jwtChar), h, true
		}
		if h-i < 10 || h >= len(b) || b[h] != '.' {
			continue
		}
		p := span(b, h+1, 1<<20, isB64URL)
		if p == len(b) && !s.final {
			return open(s, match{start: i, end: p, repl: Marker, rule: RuleJWT}, jwtChar), p, true
		}
		if p-h-1 < 2 || p >= len(b) || b[p] != '.' {
			continue
		}
		end := span(b, p+1, 1<<20, isB64URL)
		return open(s, match{start: i, end: end, repl: Marker, rule: RuleJWT}, jwtChar), end, true
	}
}

// urlCredRule replaces the password in scheme://user:password@host, or the whole user part when
// it has no password (a token used as user name).
type urlCredRule struct{}

var schemeSep = []byte("://")

// indexSchemeSep returns the index of the first "://" at or after from, or -1. It looks for the
// slashes: colons fill every timestamp of a log.
func indexSchemeSep(b []byte, from int) int {
	for from < len(b) {
		j := bytes.Index(b[from:], []byte("//"))
		if j < 0 {
			return -1
		}
		i := from + j - 1
		if i >= from && b[i] == ':' {
			return i
		}
		from += j + 1
	}
	return -1
}

func isUserinfo(c byte) bool {
	return c > ' ' && c < 0x7f && c != '/' && c != '?' && c != '#' && c != '@' && c != '"' &&
		c != '\'' && c != '<' && c != '>' && c != '\\' && c != '[' && c != ']' && c != '{' && c != '}'
}

func (urlCredRule) next(s *scan, from, min int) (match, int, bool) {
	b := s.buf
	from = max(from, min-1024-len(schemeSep)) // the secret ends the user info, at most 1024 bytes long
	for {
		i := indexSchemeSep(b, from)
		if i < 0 {
			return match{}, len(b), false
		}
		from = i + 1
		if i == 0 || !isAlnum(b[i-1]) {
			continue
		}
		u := i + len(schemeSep)
		end := span(b, u, 1024, isUserinfo)
		if end >= len(b) || b[end] != '@' || end == u {
			continue
		}
		start := u
		for c := u; c < end; c++ {
			if b[c] == ':' && !isMarkerColon(b, c) {
				start = c + 1
				break
			}
		}
		if start == end || isMarker(b[start:end]) || start < min {
			continue
		}
		return match{start: start, end: end, repl: Marker, rule: RuleURLCredentials}, from, true
	}
}

// userinfoRule replaces the password of user:password@host written without a scheme, as proxy
// settings often are (HTTP_PROXY=bob:pw@proxy:8080, WinINet's http=bob:pw@proxy:80). With a
// scheme, urlCredRule applies.
type userinfoRule struct{}

// isUserinfoStart reports the bytes a scheme-less user:password@ starts after.
func isUserinfoStart(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '=', ';', ',', '"', '\'', '(', '<', '`':
		return true
	}
	return false
}

func (userinfoRule) next(s *scan, from, min int) (match, int, bool) {
	b := s.buf
	from = max(from, min)
	for {
		i := bytes.IndexByte(b[from:], '@')
		if i < 0 {
			return match{}, len(b), false
		}
		at := from + i
		from = at + 1
		if at+1 >= len(b) || !isAlnum(b[at+1]) {
			continue // no host after it
		}
		u := at
		for u > 0 && at-u < 512 && !isUserinfoStart(b[u-1]) {
			u--
		}
		info := b[u:at]
		if bytes.ContainsAny(info, "/@") || bytes.Contains(info, schemeSep) {
			continue // a path, an e-mail in a URL, or a URL: not this rule's
		}
		colon := -1
		for c := range info {
			if info[c] == ':' && !isMarkerColon(b, u+c) {
				colon = c
				break
			}
		}
		if colon <= 0 || colon == len(info)-1 || u+colon+1 < min || hasMarker(info) {
			continue // no password, or already redacted (whole or in part, which moved its start)
		}
		return match{start: u + colon + 1, end: at, repl: Marker, rule: RuleURLCredentials}, from, true
	}
}

// hasMarker reports whether b holds a marker of any rule.
func hasMarker(b []byte) bool {
	if bytes.Contains(b, []byte(Marker)) || bytes.Contains(b, []byte(PrivateKeyMarker)) {
		return true
	}
	for i := bytes.Index(b, []byte("sha256:")); i >= 0; {
		if i+markerLen <= len(b) && isTokenMarker(b[i:i+markerLen]) {
			return true
		}
		j := bytes.Index(b[i+1:], []byte("sha256:"))
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// schemeRule replaces the credential after an HTTP auth scheme word such as "Bearer".
type schemeRule struct {
	anchor []byte
	rule   string
	valid  func(v []byte) bool
}

func (r schemeRule) next(s *scan, from, min int) (match, int, bool) {
	b := s.buf
	from = max(from, min-len(r.anchor)-8) // the value is at most 8 spaces after the word
	for {
		i := bytes.Index(s.low[from:], r.anchor)
		if i < 0 {
			return match{}, len(b), false
		}
		i += from
		from = i + 1
		if i > 0 && isAlnum(b[i-1]) {
			continue
		}
		v := span(b, i+len(r.anchor), 8, isSpace)
		if v == i+len(r.anchor) || v < min {
			continue
		}
		end := spanValue(b, v, isToken68)
		// Validity depends on the whole value; a literal inside it is replaced on its own, so
		// the value ends there, as it will when the output is redacted again.
		for _, l := range s.lits {
			if k := bytes.Index(b[v:end], l.find); k >= 0 {
				end = v + k
			}
		}
		cut := end == len(b) && !s.final // longer than the lookahead: fail closed
		if end-v < 8 || !cut && !r.valid(b[v:end]) {
			continue
		}
		return open(s, match{start: v, end: end, repl: Marker, rule: r.rule}, isToken68), from, true
	}
}

// isBearerValue accepts any credential of plausible length.
func isBearerValue(v []byte) bool { return true }

// isBasicValue accepts base64 that decodes to "user:password".
func isBasicValue(v []byte) bool {
	if len(v) > 8192 {
		return true // too long to check here, and no ordinary word: fail closed
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		d, err := enc.DecodeString(string(v))
		if err == nil {
			return bytes.IndexByte(d, ':') > 0
		}
	}
	return false
}

// awsRule replaces AWS access key IDs (AKIA… long-term, ASIA… temporary).
type awsRule struct{}

var awsPrefixes = [][]byte{[]byte("AKIA"), []byte("ASIA")}

func (awsRule) next(s *scan, from, min int) (match, int, bool) {
	if from < min {
		from = min
	}
	b := s.buf
	best := -1
	for _, p := range awsPrefixes {
		at := from
		for {
			i := bytes.Index(b[at:], p)
			if i < 0 {
				break
			}
			i += at
			at = i + 1
			if best >= 0 && i >= best {
				break
			}
			if i > 0 && isAlnum(b[i-1]) {
				continue
			}
			end := span(b, i+4, 17, func(c byte) bool { return isDigit(c) || 'A' <= c && c <= 'Z' })
			if end-i != 20 {
				continue
			}
			best = i
			break
		}
	}
	if best < 0 {
		return match{}, len(b), false
	}
	return match{start: best, end: best + 20, repl: Marker, rule: RuleAWSAccessKey}, best + 1, true
}
