package redact

import (
	"bytes"
	"encoding/base64"
	"net"
)

// ruleSet says which rules a Writer applies.
type ruleSet int

const (
	allRules   ruleSet = iota // every rule: text that may hold anything
	scrubRules                // only the rules that know a secret by its value (see Redactor.Scrub)
)

// newRules returns the text rules in priority order: when two matches start at the same byte,
// the longer wins, then the rule listed first (the token's hash marker beats a generic
// [REDACTED]).
func newRules(lits *literalSet, set ruleSet) []rule {
	var rs []rule
	if len(lits.lits) > 0 {
		rs = append(rs, &literalRule{set: lits})
	}
	rs = append(rs,
		pemRule{},
		jwtRule{},
		urlCredRule{},
		userinfoRule{},
		oracleRule{},
		schemeRule{kind: anchorBearer, rule: RuleBearer, valid: isBearerValue},
		schemeRule{kind: anchorBasic, rule: RuleBasicAuth, valid: isBasicValue},
		salesforceRule{},
		azureSecretRule{},
	)
	if set == allRules {
		rs = append(rs, &keyValueRule{}, &lineRule{})
	}
	// Last: at the same start, a rule that knows what it found counts it.
	return append(rs, &detector{}, &strictRule{})
}

// markerLen is the length of a HashToken marker.
const markerLen = len("sha256:") + 16

// isMarkerColon reports whether the colon at b[i] is the one inside a hash marker.
func isMarkerColon(b []byte, i int) bool {
	return i >= 6 && i+17 <= len(b) && isTokenMarker(b[i-6:i+17])
}

// inTokenMarker reports whether b[i] lies inside a hash marker.
func inTokenMarker(b []byte, i int) bool {
	if c := b[i]; !isDigit(c) && !('a' <= c && c <= 'f') && c != 's' && c != 'h' && c != ':' {
		return false
	}
	return overlapsMarker(b, i, i+1)
}

// overlapsMarker reports whether any byte of b[i:j] lies inside a hash marker.
func overlapsMarker(b []byte, i, j int) bool {
	for k := max(0, i-markerLen+1); k < j && k+markerLen <= len(b); k++ {
		s := bytes.IndexByte(b[k:min(j, len(b)-markerLen+1)], 's')
		if s < 0 {
			return false
		}
		k += s
		if isTokenMarker(b[k : k+markerLen]) {
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
	return &skipper{end: func(s *scan, from int) (int, int) {
		for i, c := range s.buf[from:] {
			if !ok(c) {
				return from + i, 0
			}
		}
		return -1, 0
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

// pemRule replaces a private-key block — PEM ("-----BEGIN RSA PRIVATE KEY-----", "ENCRYPTED
// PRIVATE KEY", "OPENSSH PRIVATE KEY"…) or PGP ("-----BEGIN PGP PRIVATE KEY BLOCK-----") — through
// its END line. Only key material is taken: base64 lines, the headers before them (Proc-Type,
// Version…), the blank line PGP puts after its headers; a block cut short (no END line) ends at
// the first line that is not key material, so the rest of the file is kept. A block flattened
// onto one line (newlines turned into spaces, JSON's "\n" escapes, util.inspect's "' +"
// continuations) is walked the same way.
type pemRule struct{}

var (
	pemBegin = []byte("-----begin ")
	pemEnd   = []byte("-----end ")
	dashes   = []byte("-----")
)

// isPrivateLabel reports whether the label of a BEGIN line names a private key.
func isPrivateLabel(label []byte) bool {
	return bytes.HasSuffix(label, []byte("private key")) || bytes.HasSuffix(label, []byte("private key block")) ||
		bytes.HasSuffix(label, []byte("secret key block"))
}

func isPEMAnchor(k anchorKind) bool { return k == anchorPEM }

func (pemRule) next(s *scan, from, lo int) (match, int, bool) {
	from = max(from, lo)
	for {
		i, _ := s.nextHit(from, isPEMAnchor)
		if i < 0 {
			return match{}, len(s.buf), false
		}
		from = i + 1
		lab := i + len(pemBegin)
		head := s.low[lab:min(len(s.low), lab+64)]
		k := bytes.Index(head, dashes)
		if k < 0 || bytes.IndexByte(head[:k], '\n') >= 0 {
			continue
		}
		if isPublicLabel(head[:k]) {
			if end := publicBlockEnd(s, i, lab+k+len(dashes)); end > 0 {
				return match{start: i, end: end, keep: true}, end, true
			}
			continue
		}
		if !isPrivateLabel(head[:k]) {
			continue
		}
		w := &keyWalker{sameLine: true}
		end, more := w.walk(s, lab+k+len(dashes))
		m := match{start: i, end: end, repl: PrivateKeyMarker, rule: RulePrivateKey}
		if more {
			m.cont = &skipper{end: w.resume}
		}
		return m, from, true
	}
}

// A certificate, a public key or a PGP signature is kept whole ("-----BEGIN CERTIFICATE-----"
// through its END line, when that is at most maxPublicPEM bytes on and only base64 and headers
// are between), so that the detector does not take its base64 for secrets: support reads them to
// diagnose TLS.
const maxPublicPEM = 6 << 10 // within the stream's lookahead, so that the answer never depends on chunking

func isPublicLabel(label []byte) bool {
	for _, l := range []string{"certificate", "x509 crl", "public key", "certificate request", "new certificate request",
		"trusted certificate", "pgp public key block", "pgp signature", "dh parameters", "ec parameters"} {
		if string(label) == l {
			return true
		}
	}
	return false
}

// publicBlockEnd returns the end of the public block that starts at i and whose BEGIN line ends
// at p, or -1 when it does not end well within maxPublicPEM bytes.
func publicBlockEnd(s *scan, i, p int) int {
	limit := min(len(s.buf), i+maxPublicPEM)
	for p < limit {
		nl := bytes.IndexByte(s.buf[p:limit], '\n')
		if nl < 0 {
			break
		}
		p += nl + 1
		e := p + span(s.buf[p:limit], 0, limit-p, notEOL)
		line := bytes.TrimSpace(s.buf[p:e])
		if bytes.HasPrefix(s.low[p:], pemEnd) {
			return endLine(s.low[:e], p)
		}
		if len(line) > 0 && span(line, 0, len(line), isB64Std) != len(line) && !isHeaderLine(line) {
			break
		}
		p = e
	}
	return -1
}

// keyWalker walks a private-key block's material, in one buffer or across several.
type keyWalker struct {
	sameLine bool // still on the BEGIN line: the block may be flattened onto it
	body     bool // a line of base64 was seen: no more headers or blank lines
	inRun    bool // stopped inside a long base64 run that goes on in the next buffer
}

// maxUndecided is the longest partial line or word at a buffer's end that the walker holds back
// to see whole with more input; a longer one is decided on what it holds so far.
const maxUndecided = 256

func isB64Std(c byte) bool { return isAlnum(c) || c == '+' || c == '/' || c == '=' }

// resume continues the walk in a later buffer (a skipper's end function).
func (w *keyWalker) resume(s *scan, from int) (int, int) {
	end, more := w.walk(s, from)
	if !more {
		return end, 0
	}
	return -1, len(s.buf) - end
}

// walk consumes key material from at. It returns where the block ends; or, when the material
// runs to the buffer's end and more input will come, where the walk must go on (a partial line
// to see again whole, or the buffer's end) and more = true.
func (w *keyWalker) walk(s *scan, at int) (end int, more bool) {
	b, low, n := s.buf, s.low, len(s.buf)
	last := at // the end of the last key material seen
	p := at
	if w.inRun {
		q := span(b, p, n, isB64Std)
		if q == n && !s.final {
			return n, true
		}
		w.inRun = false
		last, p = q, q
		if !w.sameLine && q < n && b[q] != '\r' && b[q] != '\n' {
			return last, false // the long line goes on with something else
		}
	}
	for w.sameLine {
		// Separators between words: spaces, escaped newlines, util.inspect continuations.
		for p < n {
			switch c := b[p]; {
			case c == ' ' || c == '\t':
				p++
				continue
			case c == '\\':
				q := span(b, p, 8, func(c byte) bool { return c == '\\' })
				if q < n && (b[q] == 'n' || b[q] == 'r') {
					p = q + 1
					continue
				}
			case (c == '\'' || c == '"') && p+3 < n && b[p+1] == ' ' && b[p+2] == '+':
				if nl := span(b, p+3, 2, func(c byte) bool { return c == '\r' }); nl < n && b[nl] == '\n' {
					if le, rs := breakAt(b, nl); le == p && rs > nl+1 {
						p = rs
						continue
					}
				}
			}
			break
		}
		if p == n {
			return last, !s.final
		}
		if b[p] == '\r' || b[p] == '\n' {
			w.sameLine = false
			break
		}
		if bytes.HasPrefix(low[p:], pemEnd) {
			if e := endLine(low, p); e >= 0 {
				return e, false
			}
			if n-p < 128 && !s.final {
				return last, true
			}
			return last, false
		}
		q := span(b, p, n, isB64Std)
		if q == n && !s.final {
			if q-p <= maxUndecided {
				return last, true
			}
			w.inRun = true
			return n, true
		}
		if q > p && (q == n || !isWordByte(b[q])) {
			// Flattened lines are long; a short word is the last one, just before the END.
			if q-p < 16 {
				e := q
				for e < n && (b[e] == ' ' || b[e] == '\\' || b[e] == 'n' && b[e-1] == '\\') {
					e++
				}
				if e == n && !s.final {
					return last, true
				}
				if !bytes.HasPrefix(low[e:], pemEnd) {
					return last, false
				}
			}
			last, p = q, q
			w.body = true
			continue
		}
		// An armor header ("Proc-Type: 4,ENCRYPTED") runs to the next (escaped) newline.
		if h := span(b, p, 64, func(c byte) bool { return isAlnum(c) || c == '-' }); !w.body && h > p && h < n && b[h] == ':' {
			e := h
			for e < n && b[e] != '\n' && b[e] != '\r' && !(b[e] == '\\' && e+1 < n && (b[e+1] == 'n' || b[e+1] == 'r')) {
				e++
			}
			if e == n && !s.final {
				return last, true
			}
			last, p = e, e
			continue
		}
		return last, false
	}
	// Line by line. p is at the end of a line's content (or of the BEGIN line).
	for {
		for p < n && (b[p] == '\r' || isSpace(b[p])) {
			p++
		}
		if p < n && b[p] == '\n' {
			p++
		}
		if p >= n {
			return last, !s.final
		}
		e := bytes.IndexByte(b[p:], '\n')
		if e < 0 {
			if !s.final {
				if n-p <= maxUndecided {
					return last, true
				}
				// A long line: material as long as it is base64 so far.
				c := span(b, p, n, isSpace)
				if q := span(b, c, n, isB64Std); q == n && q > c {
					w.inRun, w.body = true, true
					return n, true
				}
			}
			e = n
		} else {
			e += p
		}
		c := span(b, p, e-p, isSpace)
		ce := e
		for ce > c && (b[ce-1] == '\r' || isSpace(b[ce-1])) {
			ce--
		}
		line := b[c:ce]
		switch {
		case len(line) == 0:
			if w.body {
				return last, false
			}
		case bytes.HasPrefix(low[c:], pemEnd):
			if x := endLine(low[:ce], c); x >= 0 {
				return x, false
			}
			return last, false
		case span(line, 0, len(line), isB64Std) == len(line):
			w.body = true
			last = ce
		case !w.body && isHeaderLine(line):
			last = ce
		default:
			return last, false
		}
		p = e
	}
}

// isWordByte reports bytes that would make a base64-looking word part of a longer ordinary one.
func isWordByte(c byte) bool {
	return c > ' ' && c != '\\' && c != '\'' && c != '"' && c != ',' && c != ';'
}

// isHeaderLine reports an armor or PEM header line: "Name: value".
func isHeaderLine(line []byte) bool {
	h := span(line, 0, 64, func(c byte) bool { return isAlnum(c) || c == '-' })
	return h > 0 && h < len(line) && line[h] == ':'
}

// endLine returns the index just past the dashes that close the "-----END …" at low[i:], or -1.
func endLine(low []byte, i int) int {
	if i+len(pemEnd) > len(low) {
		return -1
	}
	rest := low[i+len(pemEnd):]
	if len(rest) > 96 {
		rest = rest[:96]
	}
	if j := bytes.Index(rest, dashes); j >= 0 && bytes.IndexByte(rest[:j], '\n') < 0 {
		return i + len(pemEnd) + j + len(dashes)
	}
	return -1
}

// jwtRule replaces JSON Web Tokens: three base64url segments, the first an encoded JSON object.
type jwtRule struct{}

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
// it has no password (a token used as user name). The password may hold ":", "@" (the last "@"
// before the host ends it, as URL parsers read it) or "/".
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

// isAuthority reports the bytes of a URL's authority (user info and host), "@" included.
func isAuthority(c byte) bool { return c == '@' || isUserinfo(c) }

// credAuthorityEnd returns the end of the authority that starts at u. As logs print them, user info
// may also hold "#" (ftp://bob:pa#ss@host: the "@" after it decides) and a Windows domain's
// backslash (http://CORP\bob:pw@proxy, JSON-escaped or not; not an escape like \n or \").
func credAuthorityEnd(b []byte, u int) int {
	end := span(b, u, 1024, isAuthority)
	for end < len(b) && end-u < 1024 {
		switch c := b[end]; {
		case c == '#':
			e := span(b, end+1, 1024, isAuthority)
			if bytes.IndexByte(b[end:e], '@') < 0 {
				return end
			}
			end = e
		case c == '\\' && end+1 < len(b):
			k := end + 1
			if b[k] == '\\' {
				k++
			}
			if k >= len(b) || !isAlpha(b[k]) || bytes.IndexByte([]byte("nrtu"), b[k]) >= 0 && (k+1 >= len(b) || !isAlnum(b[k+1])) {
				return end
			}
			e := span(b, k, 1024, isAuthority)
			if bytes.IndexByte(b[k:e], '@') < 0 || bytes.IndexByte(b[k:e], ':') < 0 {
				return end
			}
			end = e
		default:
			return end
		}
	}
	return end
}

func (urlCredRule) next(s *scan, from, min int) (match, int, bool) {
	b := s.buf
	from = max(from, min-1300-len(schemeSep)) // the secret ends the user info, at most ~1300 bytes long
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
		end := credAuthorityEnd(b, u)
		at := bytes.LastIndexByte(b[u:end], '@')
		if at >= 0 {
			at += u
		} else if at = slashPassword(b, u, end); at < 0 {
			continue
		}
		if at == u {
			continue
		}
		start := u
		for c := u; c < at; c++ {
			if b[c] == ':' && !isMarkerColon(b, c) {
				start = c + 1
				break
			}
		}
		if start == at || isMarker(b[start:at]) || start < min {
			continue
		}
		return match{start: start, end: at, repl: Marker, rule: RuleURLCredentials}, from, true
	}
}

// slashPassword finds the "@" of scheme://user:pa/ss@host, where a "/" in the password ended
// the authority at end; -1 when the text is host:port/path.
func slashPassword(b []byte, u, end int) int {
	if end >= len(b) || b[end] != '/' {
		return -1
	}
	c := bytes.IndexByte(b[u:end], ':')
	if c < 0 {
		return -1
	}
	c += u
	if c+1 == end || span(b, c+1, end-c-1, isDigit) == end {
		return -1 // a port
	}
	k := span(b, end, 256, func(c byte) bool { return c == '/' || isAuthority(c) })
	at := bytes.IndexByte(b[end:k], '@')
	if at < 0 {
		return -1
	}
	return end + at
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
		// A password with "@" in it: the last "@" before the host ends it.
		end := at
		for k := at + 1; k < len(b) && k-at < 256 && isAuthority(b[k]) && b[k] != ';' && b[k] != ',' && b[k] != '='; k++ {
			if b[k] == '@' && k+1 < len(b) && isAlnum(b[k+1]) {
				end = k
			}
		}
		return match{start: u + colon + 1, end: end, repl: Marker, rule: RuleURLCredentials}, from, true
	}
}

// oracleRule replaces the password of Oracle's user/password@host[:port][/service] (EZConnect,
// JDBC thin "jdbc:oracle:thin:scott/tiger@//db:1521/ORCL", sqlplus arguments, TNS aliases).
// Paths and package names with "@" (node_modules/.pnpm/pkg@1.2.3, @scope/pkg) are not taken: the
// user part is a plain identifier with one "/", and a host starting with a digit must be an
// IPv4 address or have a port.
type oracleRule struct{}

func isOracleUser(c byte) bool { return isAlnum(c) || c == '_' || c == '$' || c == '#' || c == '"' }

func (oracleRule) next(s *scan, from, min int) (match, int, bool) {
	b := s.buf
	from = max(from, min)
	for {
		i := bytes.IndexByte(b[from:], '@')
		if i < 0 {
			return match{}, len(b), false
		}
		at := from + i
		from = at + 1
		if !oracleHost(b, at+1) {
			continue
		}
		// The password: back to the "/" that ends the user name.
		sl := at - 1
		for sl >= 0 && at-sl <= 256 && b[sl] != '/' && b[sl] > ' ' && b[sl] != '"' && b[sl] != '\'' && b[sl] != '=' && b[sl] != '@' {
			sl--
		}
		if sl < 1 || b[sl] != '/' || sl+1 == at || sl+1 < min {
			continue
		}
		us := sl
		for us > 0 && sl-us < 128 && isOracleUser(b[us-1]) {
			us--
		}
		if us == sl || b[us] == '.' {
			continue
		}
		if us > 0 {
			switch b[us-1] {
			case ' ', '\t', '\n', '\r', '=', ':', '"', '\'', '(', ',', ';', '`', '[':
			default:
				continue // part of a path or a longer word
			}
		}
		if isMarker(b[sl+1:at]) || hasMarker(b[sl+1:at]) {
			continue
		}
		if !oracleAddress(b, at+1) && !oracleContext(s.low[max(0, us-256):us]) {
			continue // user/word@host.example is a path or a package more often than a login
		}
		return match{start: sl + 1, end: at, repl: Marker, rule: RuleOracle}, from, true
	}
}

// oracleAddress reports a host written the way only connect strings write it: after "//" or with
// a port.
func oracleAddress(b []byte, i int) bool {
	if i+1 < len(b) && b[i] == '/' && b[i+1] == '/' {
		return true
	}
	h := span(b, i, 253, func(c byte) bool { return isAlnum(c) || c == '.' || c == '-' || c == '_' })
	return h+1 < len(b) && b[h] == ':' && isDigit(b[h+1])
}

// oracleContext reports words that say the text before a user/password@alias is about Oracle.
func oracleContext(low []byte) bool {
	for _, w := range []string{"oracle", "sqlplus", "connect", "tns", "ezconnect", "rman", "expdp", "impdp", "sqlldr", "orcl"} {
		if bytes.Contains(low, []byte(w)) {
			return true
		}
	}
	return false
}

// oracleHost reports whether b[i:] is the host part of an Oracle connect string: an optional
// "//", a host name, then a port, a service path or the end of the word.
func oracleHost(b []byte, i int) bool {
	if i+1 < len(b) && b[i] == '/' && b[i+1] == '/' {
		i += 2
	}
	h := span(b, i, 253, func(c byte) bool { return isAlnum(c) || c == '.' || c == '-' || c == '_' })
	if h == i {
		return false
	}
	port := h+1 < len(b) && b[h] == ':' && isDigit(b[h+1])
	if !port && (isDigit(b[i]) || b[i] == 'v' && i+1 < h && isDigit(b[i+1])) && net.ParseIP(string(b[i:h])) == nil {
		return false // a version: pkg@1.2.3, encoding/json.isEmptyValue@v1.21.0
	}
	if port || h == len(b) {
		return true
	}
	switch b[h] {
	case '/', ' ', '\t', '\r', '\n', '"', '\'', ';', ',', ')', '`':
		return true
	}
	return false
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
	kind  anchorKind
	rule  string
	valid func(v []byte) bool
}

func (r schemeRule) next(s *scan, from, min int) (match, int, bool) {
	b := s.buf
	from = max(from, min-len("bearer")-8) // the value is at most 8 spaces after the word
	want := func(k anchorKind) bool { return k == r.kind }
	for {
		i, w := s.nextHit(from, want)
		if i < 0 {
			return match{}, len(b), false
		}
		from = i + 1
		if i > 0 && isAlnum(b[i-1]) {
			continue
		}
		v := span(b, i+len(w.w), 8, isSpace)
		if v == i+len(w.w) || v < min {
			continue
		}
		end := spanValue(b, v, isToken68)
		// Validity depends on the whole value; a literal inside it is replaced on its own, so
		// the value ends there, as it will when the output is redacted again.
		if s.lits != nil {
			for _, l := range s.lits.lits {
				if k := bytes.Index(s.low[v:end], l.low); k >= 0 {
					end = v + k
				}
			}
		}
		cut := end == len(b) && !s.final // longer than the lookahead: fail closed
		if end-v < 8 || !cut && !r.valid(b[v:end]) {
			continue
		}
		if end < len(b) && b[end] == '"' && b[end-1] == '=' {
			continue // an auth-param of a challenge: WWW-Authenticate: Bearer error_description="…"
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

// awsPrefixes start AWS access key IDs (AKIA… long-term, ASIA… temporary); the detector finds
// them (see vendorMatch).
var awsPrefixes = [][]byte{[]byte("AKIA"), []byte("ASIA")}
