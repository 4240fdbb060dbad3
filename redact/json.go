package redact

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/opadiag/opadiag/internal/textenc"
)

// Token is a value found under a token key: by [Redactor.JSON] and [ParseSettings] at the top
// level of a Settings document, by [TokensInText] in one that does not parse.
type Token struct {
	// Path is where the value was found: the top-level key, as written ("accessToken").
	Path string
	// Value is the exact stored value: a JSON string's content, or the JSON text of a number.
	// It is the secret itself; callers keep it in memory only.
	Value string
}

// JSONResult reports what [Redactor.JSON] found and replaced.
type JSONResult struct {
	// Tokens are the values of the top-level token keys, in document order (normally one; the
	// agent, reading with JSON.parse, uses the last of duplicate keys).
	Tokens []Token
	Counts Counts
}

// Limits of [Redactor.JSON]: whatever the document, memory and output stay within a small
// multiple of its size.
const (
	// MaxJSONSize is the largest document redacted as JSON; the agent's Settings is a few KiB.
	MaxJSONSize = 8 << 20
	// MaxJSONDepth is the deepest nesting kept: a container nested deeper is replaced by
	// DepthMarker, and counted under RuleJSONDepth.
	MaxJSONDepth = 64
	// maxIndent caps the indentation, in levels, so that a deep document does not grow by the
	// square of its depth.
	maxIndent = 16
)

// DepthMarker replaces a JSON container nested deeper than MaxJSONDepth.
const DepthMarker = "[REDACTED: NESTED TOO DEEP]"

// Rules of the JSON limits, counted like the redaction rules.
const (
	RuleJSONDepth  = "json_too_deep"        // containers replaced by DepthMarker
	RuleJSONValues = "json_too_many_values" // keys and values past MaxJSONTextValues, replaced by Marker
)

// MaxJSONTextValues bounds the distinct keys and values of one document passed through the text
// rules, and so the time a hostile document takes (the agent's Settings has a few dozen); those
// past it become Marker. Repeated values count once.
const MaxJSONTextValues = 20000

// memoMax bounds the remembered results of the text rules: values up to memoKeyLen bytes, up to
// memoMax of them.
const (
	memoMax    = 4096
	memoKeyLen = 64
)

// utf8BOM is the byte-order mark some editors put before JSON.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// JSON redacts one JSON document and returns it indented with two spaces, keys in their original
// order. The input is decoded first (UTF-8 with or without a byte-order mark, UTF-16: see
// [textenc.Decode]); bytes that cannot be decoded with confidence, a document over MaxJSONSize or
// anything that is not valid JSON give an error and no output.
//
// Only the agent's own token is hashed: the value of a top-level token key (see [IsTokenKey])
// becomes its HashToken marker and is registered with AddToken (unless [LiteralProblem] refuses
// it), so that later text redaction removes it too. A token that is empty stays ""; one too short
// or too common to hash safely becomes Marker. Every other value under a secret-looking key (see
// [IsSecretKey]), token keys nested deeper included, becomes Marker at any depth, except empty
// strings, booleans and null, which cannot hide a secret and say something useful; such values
// are not registered. Keys are compared after their escapes are decoded ("pass\u0077ord" is
// "password"). Every other string and number, and every key, passes the text rules. A container
// nested deeper than MaxJSONDepth becomes DepthMarker.
//
// Memory is the input, the output and one bit per level of nesting; no recursion. The output is
// at most a few times the input: indentation stops growing after 16 levels, and a document whose
// indented form would be more than twice its size plus 1 MiB is written without indentation.
func (r *Redactor) JSON(data []byte) ([]byte, JSONResult, error) {
	if len(data) > MaxJSONSize {
		return nil, JSONResult{}, fmt.Errorf("JSON document of %d bytes is over the %d MiB limit", len(data), MaxJSONSize>>20)
	}
	text, _, err := textenc.Decode(data)
	if err != nil {
		return nil, JSONResult{}, err
	}
	tokens, err := topTokens(text)
	if err != nil {
		return nil, JSONResult{}, err
	}
	for _, t := range tokens {
		if LiteralProblem(t.Value) == "" {
			r.AddToken(t.Value)
		}
	}
	out, counts, err := r.redactJSON(text)
	if err != nil {
		return nil, JSONResult{}, err
	}
	return out, JSONResult{Tokens: tokens, Counts: counts}, nil
}

// topTokens checks that text is one valid JSON document and returns the values of its top-level
// token keys. A value that is not a string or number is not returned.
func topTokens(text []byte) ([]Token, error) {
	var out []Token
	p := newJSONParser(text)
	for {
		ev, err := p.next()
		if err != nil {
			return nil, err
		}
		switch ev.kind {
		case evEOF:
			return out, nil
		case evKey:
			if ev.depth != 1 {
				continue
			}
			key, err := unquoteJSON(ev.raw)
			if err != nil || !IsTokenKey(key) {
				continue
			}
			v, err := p.next()
			if err != nil {
				return nil, err
			}
			switch v.kind {
			case evString:
				s, err := unquoteJSON(v.raw)
				if err != nil {
					return nil, err
				}
				out = append(out, Token{Path: key, Value: s})
			case evNumber:
				out = append(out, Token{Path: key, Value: string(v.raw)})
			case evObject, evArray:
				if err := p.skip(); err != nil {
					return nil, err
				}
			}
		}
	}
}

// mode says how a value is treated, from the key it is stored under.
type mode uint8

const (
	plain  mode = iota
	secret      // under a secret-looking key: becomes Marker
	token       // under a top-level token key: becomes its hash marker
)

// keyMode returns the treatment of the value under key, in an object at depth (1: the top-level
// object).
func keyMode(key string, depth int) mode {
	switch {
	case depth == 1 && IsTokenKey(key):
		return token
	case IsTokenKey(key) || IsSecretKey(key):
		return secret
	}
	return plain
}

// jsonFrame is one open container of the output.
type jsonFrame struct {
	object bool
	mode   mode // for an array: the treatment of its elements
	n      int  // members written
	// paired: in an array, the element just written was a secret key's name (["X-Api-Key",
	// "v"], rawHeaders); in an object, a "name" or "key" member named a secret
	// ({"name":"DB_PASSWORD","value":"v"}). The value that goes with it is a secret.
	paired bool
}

// jsonEmitter writes the redacted document.
type jsonEmitter struct {
	r       *Redactor
	out     []byte
	limit   int  // output size beyond which indentation is given up; 0: none
	compact bool // no indentation
	frames  []jsonFrame
	pending mode // the treatment of the value after the key just written
	counts  Counts
	texts   int    // values passed through the text rules
	key     string // the key just written
	memo    map[string]memoEntry
}

type memoEntry struct {
	out    string
	counts Counts // nil: none
}

// text returns v (kind 'k' key, 's' string, 'n' number) through the text rules, and the
// replacements made; ok false when the document has had MaxJSONTextValues already.
func (e *jsonEmitter) text(kind byte, v []byte) (string, Counts, bool) {
	var buf [memoKeyLen + 1]byte
	var key []byte
	if len(v) <= memoKeyLen {
		key = append(append(buf[:0], kind), v...)
		if m, ok := e.memo[string(key)]; ok {
			return m.out, m.counts, true
		}
	}
	if e.texts >= MaxJSONTextValues {
		return "", nil, false
	}
	e.texts++
	b, c := e.r.Bytes(v)
	if c.Total() == 0 {
		c = nil
	}
	out := string(b)
	if key != nil && len(e.memo) < memoMax {
		if e.memo == nil {
			e.memo = map[string]memoEntry{}
		}
		e.memo[string(key)] = memoEntry{out, c}
	}
	return out, c, true
}

// textStr writes a key or string value through the text rules.
func (e *jsonEmitter) textStr(kind byte, v []byte) {
	out, c, ok := e.text(kind, v)
	if !ok {
		e.counts[RuleJSONValues]++
		e.str(Marker)
		return
	}
	e.counts.Add(c)
	e.str(out)
}

var errTooLarge = fmt.Errorf("indented output over budget")

// redactJSON writes the redacted document, indented when that stays within budget.
func (r *Redactor) redactJSON(text []byte) ([]byte, Counts, error) {
	e := &jsonEmitter{r: r, limit: 2*len(text) + 1<<20}
	err := e.run(text)
	if err == errTooLarge {
		e = &jsonEmitter{r: r, compact: true, memo: e.memo}
		err = e.run(text)
	}
	if err != nil {
		return nil, nil, err
	}
	return e.out, e.counts, nil
}

func (e *jsonEmitter) run(text []byte) error {
	e.out = make([]byte, 0, min(len(text)+len(text)/4+64, 1<<20))
	e.counts = Counts{}
	e.frames = make([]jsonFrame, 0, 8)
	p := newJSONParser(text)
	for {
		ev, err := p.next()
		if err != nil {
			return err
		}
		if e.limit > 0 && len(e.out) > e.limit {
			return errTooLarge
		}
		switch ev.kind {
		case evEOF:
			e.out = append(e.out, '\n')
			return nil
		case evKey:
			e.separate()
			key, err := unquoteJSON(ev.raw)
			if err != nil {
				return err
			}
			e.textStr('k', []byte(key))
			e.out = append(e.out, ':')
			if !e.compact {
				e.out = append(e.out, ' ')
			}
			e.pending = keyMode(key, ev.depth)
			if f := &e.frames[len(e.frames)-1]; f.paired && e.pending == plain && strings.EqualFold(key, "value") {
				e.pending = secret
			}
			e.key = key
			continue
		case evEnd:
			f := e.frames[len(e.frames)-1]
			e.frames = e.frames[:len(e.frames)-1]
			if f.n > 0 {
				e.newline()
			}
			e.out = append(e.out, ev.raw[0])
			e.member()
			continue
		}
		m := e.valueMode()
		if ev.kind == evObject || ev.kind == evArray {
			switch {
			case ev.depth >= MaxJSONDepth:
				if err := p.skip(); err != nil {
					return err
				}
				e.counts[RuleJSONDepth]++
				e.str(DepthMarker)
				e.member()
			case m == token || m == secret && (ev.kind == evObject || e.inArray()):
				// A container under a secret key, or nested in an array under one: nothing in
				// it is kept.
				if err := p.skip(); err != nil {
					return err
				}
				e.counts[RuleSecretKey]++
				e.str(Marker)
				e.member()
			default:
				e.out = append(e.out, "{["[ev.kind-evObject])
				e.frames = append(e.frames, jsonFrame{object: ev.kind == evObject, mode: m})
			}
			continue
		}
		if err := e.scalar(ev, m); err != nil {
			return err
		}
		e.member()
	}
}

// valueMode returns the treatment of the next value: its key's in an object, the array's for an
// element, plain at the top.
func (e *jsonEmitter) valueMode() mode {
	if len(e.frames) == 0 {
		return plain
	}
	f := &e.frames[len(e.frames)-1]
	if f.object {
		return e.pending
	}
	e.separate()
	if f.paired {
		f.paired = false
		if f.mode == plain {
			return secret
		}
	}
	return f.mode
}

// pairs notes a string value that names a secret, so that the value paired with it is redacted:
// the next element of an array, or the "value" member of the same object when v is the "name"
// or "key" member's.
func (e *jsonEmitter) pairs(v string) {
	if len(e.frames) == 0 || len(v) > 64 || !IsSecretKey(v) && !IsTokenKey(v) {
		return
	}
	f := &e.frames[len(e.frames)-1]
	if !f.object || strings.EqualFold(e.key, "name") || strings.EqualFold(e.key, "key") {
		f.paired = true
	}
}

func (e *jsonEmitter) inArray() bool {
	return len(e.frames) > 0 && !e.frames[len(e.frames)-1].object
}

// separate writes what comes before a member: a comma after the previous one, and a new line.
func (e *jsonEmitter) separate() {
	f := &e.frames[len(e.frames)-1]
	if f.n > 0 {
		e.out = append(e.out, ',')
	}
	e.newline()
}

// member records that a member of the current container was written.
func (e *jsonEmitter) member() {
	if len(e.frames) > 0 {
		e.frames[len(e.frames)-1].n++
	}
}

func (e *jsonEmitter) newline() {
	if e.compact {
		return
	}
	e.out = append(e.out, '\n')
	for range min(len(e.frames), maxIndent) {
		e.out = append(e.out, ' ', ' ')
	}
}

func (e *jsonEmitter) scalar(ev jsonEvent, m mode) error {
	switch ev.kind {
	case evLiteral:
		e.out = append(e.out, ev.raw...) // true, false, null: kept under any key
		return nil
	case evNumber:
		switch m {
		case token:
			e.token(string(ev.raw))
		case secret:
			e.counts[RuleSecretKey]++
			e.str(Marker)
		default:
			out, c, ok := e.text('n', ev.raw)
			switch {
			case !ok:
				e.counts[RuleJSONValues]++
				e.str(Marker)
			case c != nil:
				e.counts.Add(c)
				e.str(out) // no longer a number
			default:
				e.out = append(e.out, out...)
			}
		}
		return nil
	}
	v, err := unquoteJSON(ev.raw)
	if err != nil {
		return err
	}
	switch {
	case m == token:
		e.token(v)
	case m == secret && v != "":
		e.counts[RuleSecretKey]++
		e.str(Marker)
	default:
		e.textStr('s', []byte(v))
		e.pairs(v)
	}
	return nil
}

// token writes the agent token's value: its hash, "" when empty, Marker when too short or too
// common to hash safely.
func (e *jsonEmitter) token(v string) {
	switch {
	case v == "":
		e.str("")
	case hashable(v):
		e.counts[RuleAgentToken]++
		e.str(HashToken(v))
	default:
		e.counts[RuleSecretKey]++
		e.str(Marker)
	}
}

// str writes s as a JSON string, without escaping <, > and & (it is read by people, not
// embedded in HTML).
func (e *jsonEmitter) str(s string) {
	e.out = appendJSONString(e.out, s)
}

// appendJSONString appends s quoted as encoding/json would with SetEscapeHTML(false): control
// characters, quotes and backslashes escaped, U+2028 and U+2029 too, invalid UTF-8 as U+FFFD.
func appendJSONString(out []byte, s string) []byte {
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			out = append(out, s[start:i]...)
			switch c {
			case '"', '\\':
				out = append(out, '\\', c)
			case '\n':
				out = append(out, '\\', 'n')
			case '\r':
				out = append(out, '\\', 'r')
			case '\t':
				out = append(out, '\\', 't')
			default:
				out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = append(out, s[start:i]...)
			out = append(out, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			out = append(out, s[start:i]...)
			out = append(out, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}

const hexDigits = "0123456789abcdef"

// TokensInText finds token values in a Settings file that is not valid JSON (cut short by an
// interrupted save, say): "key": "value" pairs whose key is a token key (see [IsTokenKey]) and
// that stand at the top level of the document, as far as its braces and quotes can be followed.
// A value whose closing quote is missing ends at the line's end; a number counts only when
// something follows it. The bytes are decoded first as textenc.Decode does (best effort).
func TokensInText(data []byte) []Token {
	text, _, _ := textenc.Decode(data)
	var out []Token
	for _, t := range lenientTokens(text) {
		out = append(out, t.Token)
	}
	return out
}

// lenientToken is a token found in damaged JSON.
type lenientToken struct {
	Token
	// cut says the value's closing quote is missing: the value may be cut short.
	cut bool
}

// lenientTokens follows the document's strings and brackets the way a JSON parser would, and
// returns the values of token keys met in the top-level object. A string not closed on its line
// ends there, so that one damaged string does not swallow the rest of the file.
func lenientTokens(text []byte) []lenientToken {
	var out []lenientToken
	i := skipWSComments(text, 0)
	if i >= len(text) || text[i] != '{' {
		return nil
	}
	depth := 0
	for i < len(text) {
		switch c := text[i]; c {
		case '/':
			i = skipWSComments(text, i)
			if i < len(text) && text[i] == '/' {
				i++ // a lone slash
			}
		case '{', '[':
			depth++
			i++
		case '}', ']':
			depth = max(depth-1, 0)
			i++
		case '"':
			end, closed := lenientString(text, i)
			if depth != 1 || !closed {
				i = end
				continue
			}
			key, err := unquoteJSON(text[i:end])
			j := skipWSComments(text, end)
			if err != nil || j >= len(text) || text[j] != ':' || !IsTokenKey(key) {
				i = end
				continue
			}
			v := skipWSComments(text, j+1)
			switch {
			case v < len(text) && text[v] == '"':
				vend, closed := lenientString(text, v)
				raw := text[v:vend]
				if !closed {
					raw = append(append([]byte{}, raw...), '"')
				}
				s, err := unquoteJSON(raw)
				if err != nil {
					s = string(bytes.TrimRight(raw[1:len(raw)-1], "\r\n"))
				}
				out = append(out, lenientToken{Token{Path: key, Value: s}, !closed})
				i = vend
			case v < len(text) && (text[v] == '-' || isDigit(text[v])):
				nend := span(text, v, 64, func(c byte) bool { return isDigit(c) || strings.IndexByte("+-.eE", c) >= 0 })
				if k := skipWS(text, nend); k < len(text) && (text[k] == ',' || text[k] == '}') {
					out = append(out, lenientToken{Token: Token{Path: key, Value: string(text[v:nend])}})
				}
				i = nend
			default:
				i = v
			}
		default:
			i++
		}
	}
	return out
}

// lenientString returns the end of the string whose quote is at text[i] (just past its closing
// quote) and whether it was closed; an unclosed string ends before the line break or at the end.
func lenientString(text []byte, i int) (int, bool) {
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '"':
			return j + 1, true
		case '\\':
			if j+1 < len(text) && text[j+1] != '\n' && text[j+1] != '\r' {
				j++
			}
		case '\n', '\r':
			return j, false
		}
	}
	return len(text), false
}

// skipWSComments is skipWS that also skips // and /* */ comments (a Settings file edited by
// hand); an unclosed block comment runs to the end.
func skipWSComments(b []byte, i int) int {
	for {
		i = skipWS(b, i)
		if i+1 >= len(b) || b[i] != '/' {
			return i
		}
		switch b[i+1] {
		case '/':
			if j := bytes.IndexByte(b[i:], '\n'); j >= 0 {
				i += j + 1
			} else {
				i = len(b)
			}
		case '*':
			if j := bytes.Index(b[i+2:], []byte("*/")); j >= 0 {
				i += 2 + j + 2
			} else {
				i = len(b)
			}
		default:
			return i
		}
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}
