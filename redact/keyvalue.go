package redact

import (
	"bytes"
	"strings"
)

// secretWords are the lowercase fragments that make a key secret-looking (DESIGN.md: token,
// secret, pass(word), pwd, credential, api[_-]?key, private, auth(orization), cookie).
var secretWords = []string{"token", "secret", "pass", "pwd", "credential", "apikey", "api_key", "api-key", "private", "auth", "cookie"}

// IsSecretKey reports whether a key name looks like it holds a secret.
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// IsTokenKey reports whether a key is one the agent stores its token under: token, accessToken,
// agentToken or access_token, in any case.
func IsTokenKey(key string) bool {
	switch strings.ToLower(key) {
	case "token", "accesstoken", "agenttoken", "access_token":
		return true
	}
	return false
}

// headerKeys are keys whose value runs to the end of the line when written as a header.
var headerKeys = map[string]string{
	"authorization":       RuleAuthHeader,
	"proxy-authorization": RuleAuthHeader,
	"x-api-key":           RuleAuthHeader,
	"x-auth-token":        RuleAuthHeader,
	"cookie":              RuleCookie,
	"set-cookie":          RuleCookie,
}

// harmless are values kept under a secret key because they say something useful ("the token
// is undefined") and cannot be a secret.
var harmless = map[string]bool{"null": true, "true": true, "false": true, "undefined": true, "none": true, "nil": true}

// pivotGroup is a byte that is rare in logs, with the secret words that contain it. Finding the
// byte with IndexByte and checking the words around it is several times faster than searching
// for each word.
type pivotGroup struct {
	c     byte
	words []pivotWord
}

type pivotWord struct {
	w   []byte
	off int // index of the pivot byte in w
}

var pivotGroups = func() []pivotGroup {
	order := []byte("kwvchp") // rarest first; every secret word contains one of them
	var gs []pivotGroup
	for _, c := range order {
		gs = append(gs, pivotGroup{c: c})
	}
	for _, w := range secretWords {
		for i, c := range order {
			if off := strings.IndexByte(w, c); off >= 0 {
				gs[i].words = append(gs[i].words, pivotWord{[]byte(w), off})
				break
			}
		}
	}
	return gs
}()

// keyValueRule replaces the value of a secret-looking key in text: key=value, key: value,
// "key": "value", key=>value, also inside escaped JSON, and whole header lines.
type keyValueRule struct {
	s  *scan
	at [][2]int // per pivot group: the next secret word's start and length; start -1 when there is none, -2 when not searched
}

func (r *keyValueRule) next(s *scan, from, min int) (match, int, bool) {
	if r.s != s {
		r.s = s
		r.at = r.at[:0]
		for range pivotGroups {
			r.at = append(r.at, [2]int{-2, 0})
		}
	}
	// A value starts at most maxKeyToValue bytes after its key word, so words further back
	// cannot give a match at or after min.
	from = max(from, min-maxKeyToValue)
	for {
		k, w := r.nextKeyword(from)
		if k < 0 {
			return match{}, len(s.buf), false
		}
		from = k + 1
		if inTokenMarker(s.buf, k) {
			continue // hex digits of a marker spelling a word with the text after it
		}
		m, wordEnd, ok := keyValueAt(s, k, w)
		if ok && m.start >= min {
			return m, from, true
		}
		// Another secret word in the same key gives the same answer.
		from = max(from, wordEnd)
	}
}

// nextKeyword returns the position and length of the first secret word at or after from. Each
// group's next word is remembered, so the buffer is searched about once per group.
func (r *keyValueRule) nextKeyword(from int) (int, int) {
	best, bl := -1, 0
	for i := range pivotGroups {
		if at := r.at[i][0]; at == -2 || at >= 0 && at < from {
			r.at[i] = findInGroup(r.s.low, &pivotGroups[i], from)
		}
		if at := r.at[i][0]; at >= 0 && (best < 0 || at < best) {
			best, bl = at, r.at[i][1]
		}
	}
	return best, bl
}

// findInGroup returns the start and length of the first word of g at or after from, start -1
// when there is none.
func findInGroup(low []byte, g *pivotGroup, from int) [2]int {
	for p := from; ; p++ {
		i := bytes.IndexByte(low[p:], g.c)
		if i < 0 {
			return [2]int{-1, 0}
		}
		p += i
		best := [2]int{-1, 0}
		for _, w := range g.words {
			st := p - w.off
			if st >= from && st+len(w.w) <= len(low) && (best[0] < 0 || st < best[0]) && bytes.Equal(low[st:st+len(w.w)], w.w) {
				best = [2]int{st, len(w.w)}
			}
		}
		if best[0] >= 0 {
			return best
		}
	}
}

// maxKeyToValue bounds the distance from a secret word to its value: the rest of the key word,
// closing quotes, spaces, the separator and more spaces.
const maxKeyToValue = 256 + 3 + 8 + 2 + 16

// keyValueAt checks whether the secret word at k is part of a key followed by a separator and a
// value, and returns the value as a match, and where the key word ends.
func keyValueAt(s *scan, k, wlen int) (match, int, bool) {
	b := s.buf
	ws := k
	for ws > 0 && k-ws < 128 && isKeyChar(b[ws-1]) {
		ws--
	}
	we := k + wlen
	for we < len(b) && we-ws < 256 && isKeyChar(b[we]) {
		we++
	}
	j := we
	for j < len(b) && j-we < 3 && (b[j] == '"' || b[j] == '\'' || b[j] == '\\') {
		j++
	}
	j = span(b, j, 8, isSpace)
	if j >= len(b) || (b[j] != '=' && b[j] != ':') {
		return match{}, we, false
	}
	sep := b[j]
	if sep == ':' && j == we && isMarkerColon(b, j) {
		return match{}, we, false // the key ends a hash marker glued to a word: "xsha256:0123…"
	}
	j++
	if j < len(b) {
		switch {
		case sep == ':' && b[j] == '/':
			return match{}, we, false // a URL scheme, not a key
		case sep == '=' && b[j] == '=':
			return match{}, we, false // a comparison
		case sep == '=' && b[j] == '>', sep == ':' && b[j] == '=':
			j++
		}
	}
	vs := span(b, j, 16, isSpace)
	if vs >= len(b) {
		return match{}, we, false // seen again with more input, or nothing to hide
	}
	key := s.low[ws:we]
	rule := RuleSecretKey
	switch {
	case bytes.Contains(key, []byte("pass")) || bytes.Contains(key, []byte("pwd")):
		rule = RulePasswordPair
	case bytes.Contains(key, []byte("cookie")):
		rule = RuleCookie
	}
	if hr, ok := headerKeys[string(key)]; ok && sep == ':' && b[vs] != '"' && b[vs] != '\'' && b[vs] != '\\' {
		end := span(b, vs, 1<<20, func(c byte) bool { return c != '\n' && c != '\r' })
		if end == vs || isMarker(b[vs:end]) {
			return match{}, we, false
		}
		return open(s, match{start: vs, end: end, repl: Marker, rule: hr}, func(c byte) bool { return c != '\n' && c != '\r' }), we, true
	}
	if bytes.HasPrefix(b[vs:], []byte(Marker)) || bytes.HasPrefix(b[vs:], []byte(PrivateKeyMarker)) ||
		bytes.HasPrefix(b[vs:], []byte("["+Marker+"]")) {
		return match{}, we, false // already redacted
	}
	switch c := b[vs]; {
	case c == '{':
		return match{}, we, false // an object: its own keys are checked one by one
	case c == '[':
		end := bytes.IndexByte(b[vs:], ']')
		nl := bytes.IndexByte(b[vs:], '\n')
		if end < 0 && nl < 0 && !s.final {
			// An array longer than the lookahead: drop it to its end.
			return open(s, match{start: vs + 1, end: len(b), repl: Marker, rule: rule},
				func(c byte) bool { return c != ']' && c != '\n' }), we, true
		}
		if end < 0 || (nl >= 0 && nl < end) || bytes.IndexByte(b[vs+1:vs+end], '[') >= 0 {
			return match{}, we, false // not one flat array on one line
		}
		inner := bytes.TrimSpace(b[vs+1 : vs+end])
		if len(inner) == 0 || isMarker(bytes.Trim(inner, `"'`)) {
			return match{}, we, false
		}
		return match{start: vs + 1, end: vs + end, repl: Marker, rule: rule}, we, true
	}
	var end int
	var ok func(byte) bool
	switch q := b[vs]; {
	case q == '"' || q == '\'':
		vs++
		ok = func(c byte) bool { return c != q && c != '\\' && c != '\n' }
		end = quotedEnd(b, vs, q)
	case q == '\\' && vs+1 < len(b) && (b[vs+1] == '"' || b[vs+1] == '\''):
		vs += 2
		ok = func(c byte) bool { return c != '\\' && c != '\n' }
		end = span(b, vs, 1<<20, ok)
	default:
		ok = isBareValue
		end = spanValue(b, vs, ok)
	}
	v := b[vs:end]
	if len(v) == 0 || isMarker(v) || harmless[string(s.low[vs:end])] {
		return match{}, we, false
	}
	return open(s, match{start: vs, end: end, repl: Marker, rule: rule}, ok), we, true
}

// isBareValue reports whether c can continue an unquoted value.
func isBareValue(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ';', '&', '"', '\'', '\\', '}', ']', ')', '<', '>':
		return false
	}
	return true
}

// quotedEnd returns the index of the quote q closing a string that starts at i, skipping
// backslash escapes; a newline or the buffer's end ends it too.
func quotedEnd(b []byte, i int, q byte) int {
	for i < len(b) {
		switch b[i] {
		case q, '\n':
			return i
		case '\\':
			if i+1 < len(b) && b[i+1] == q {
				i += 2
				continue
			}
		}
		i++
	}
	return i
}
