package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Token is a value found under a token key by [Redactor.JSON].
type Token struct {
	// Path is the key path, dot-separated, with array indexes in brackets: "agent.token".
	Path string
	// Value is the exact stored value: a JSON string's content, or the JSON text of a number.
	// It is the secret itself; callers keep it in memory only.
	Value string
}

// JSONResult reports what [Redactor.JSON] found and replaced.
type JSONResult struct {
	Tokens []Token
	Counts Counts
}

// utf8BOM is the byte-order mark some editors put before JSON.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// JSON redacts one JSON document and returns it indented with two spaces, keys in their original
// order. Values under token keys (see [IsTokenKey]) become their HashToken marker and are
// registered with AddToken, so that later text redaction removes them too; values under other
// secret-looking keys (see [IsSecretKey]) become Marker, except empty strings, booleans and null,
// which cannot hide a secret and say something useful. Every other string, and every key, passes
// the text rules. A leading UTF-8 byte-order mark is ignored. On a syntax error nothing is
// returned but the error.
func (r *Redactor) JSON(data []byte) ([]byte, JSONResult, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	res := JSONResult{Counts: Counts{}}
	// First pass: find the tokens, so that a token repeated under an ordinary key earlier in the
	// document is already known when that key is written.
	if err := walkJSON(data, func(path string, key string, v any) {
		if IsTokenKey(key) {
			if s, ok := tokenText(v); ok {
				res.Tokens = append(res.Tokens, Token{Path: path, Value: s})
			}
		}
	}); err != nil {
		return nil, JSONResult{}, err
	}
	for _, t := range res.Tokens {
		r.AddToken(t.Value)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	e := &jsonEmitter{r: r, counts: res.Counts}
	if err := e.emit(dec, plain, false); err != nil {
		return nil, JSONResult{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, JSONResult{}, errors.New("unexpected data after the JSON value")
	}
	e.out.WriteByte('\n')
	return e.out.Bytes(), res, nil
}

// tokenText returns the stored text of a token value: a string's content or a number's text.
func tokenText(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	}
	return "", false
}

// walkJSON calls fn for every scalar value with its path and the key it is stored under (the
// nearest object key, for array elements too).
func walkJSON(data []byte, fn func(path, key string, v any)) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var walk func(path, key string) error
	walk = func(path, key string) error {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch d := t.(type) {
		case json.Delim:
			i := 0
			for dec.More() {
				if d == '{' {
					kt, err := dec.Token()
					if err != nil {
						return err
					}
					k := kt.(string)
					if err := walk(joinPath(path, k), k); err != nil {
						return err
					}
				} else {
					if err := walk(fmt.Sprintf("%s[%d]", path, i), key); err != nil {
						return err
					}
				}
				i++
			}
			_, err := dec.Token() // closing delimiter
			return err
		default:
			fn(path, key, t)
		}
		return nil
	}
	if err := walk("", ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonEmitter writes the redacted, indented document.
type jsonEmitter struct {
	r      *Redactor
	out    bytes.Buffer
	depth  int
	counts Counts
}

// mode says how a value is treated, from the key it is stored under.
type mode int

const (
	plain  mode = iota
	secret      // under a secret-looking key: becomes Marker
	token       // under a token key: becomes its hash marker
)

func keyMode(key string) mode {
	switch {
	case IsTokenKey(key):
		return token
	case IsSecretKey(key):
		return secret
	}
	return plain
}

// emit writes the next value. m is the treatment its key asks for; inArray says the value is an
// element of an array under that key.
func (e *jsonEmitter) emit(dec *json.Decoder, m mode, inArray bool) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); ok {
		if m != plain && (d == '{' || inArray) {
			// A container under a secret key: nothing in it is kept.
			if err := skipContainer(dec); err != nil {
				return err
			}
			e.counts[ruleFor(m)]++
			e.str(Marker)
			return nil
		}
		open, close := byte('['), byte(']')
		if d == '{' {
			open, close = '{', '}'
		}
		e.out.WriteByte(open)
		e.depth++
		n := 0
		for dec.More() {
			if n > 0 {
				e.out.WriteByte(',')
			}
			e.newline()
			if d == '{' {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k := kt.(string)
				e.str(e.r.String(k))
				e.out.WriteString(": ")
				if err := e.emit(dec, keyMode(k), false); err != nil {
					return err
				}
			} else if err := e.emit(dec, m, true); err != nil {
				return err
			}
			n++
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
		e.depth--
		if n > 0 {
			e.newline()
		}
		e.out.WriteByte(close)
		return nil
	}
	switch v := t.(type) {
	case nil:
		e.out.WriteString("null")
	case bool:
		fmt.Fprint(&e.out, v)
	case json.Number:
		switch m {
		case token:
			e.counts[RuleAgentToken]++
			e.str(HashToken(v.String()))
		case secret:
			e.counts[RuleSecretKey]++
			e.str(Marker)
		default:
			b, c := e.r.Bytes([]byte(v.String()))
			if e.counts.Add(c); c.Total() > 0 {
				e.str(string(b)) // no longer a number
			} else {
				e.out.Write(b)
			}
		}
	case string:
		switch {
		case m == token:
			e.counts[RuleAgentToken]++
			e.str(HashToken(v))
		case m == secret && v != "":
			e.counts[RuleSecretKey]++
			e.str(Marker)
		default:
			b, c := e.r.Bytes([]byte(v))
			e.counts.Add(c)
			e.str(string(b))
		}
	}
	return nil
}

func ruleFor(m mode) string {
	if m == token {
		return RuleAgentToken
	}
	return RuleSecretKey
}

func (e *jsonEmitter) newline() {
	e.out.WriteByte('\n')
	e.out.WriteString(strings.Repeat("  ", e.depth))
}

// str writes s as a JSON string, without escaping <, > and & (it is read by people, not
// embedded in HTML).
func (e *jsonEmitter) str(s string) {
	enc := json.NewEncoder(&e.out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	e.out.Truncate(e.out.Len() - 1) // Encode adds a newline
}

// skipContainer consumes the rest of an object or array whose opening delimiter was read.
func skipContainer(dec *json.Decoder) error {
	depth := 1
	for depth > 0 {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// tokenPair finds "token": "value" pairs (any token key, any case) in text that is not valid
// JSON; the closing quote may be missing when the file was cut short.
var tokenPair = regexp.MustCompile(`(?i)"(token|accesstoken|agenttoken|access_token)"\s*:\s*"((?:[^"\\\r\n]|\\.)*)`)

// TokensInText finds token values in a Settings file that does not parse (cut short by an
// interrupted save, say), so that they can be registered with AddToken before the file is
// scrubbed as text.
func TokensInText(data []byte) []Token {
	var out []Token
	for _, m := range tokenPair.FindAllSubmatch(data, -1) {
		v := string(m[2])
		var s string
		if json.Unmarshal([]byte(`"`+v+`"`), &s) == nil {
			v = s
		}
		out = append(out, Token{Path: string(m[1]), Value: v})
	}
	return out
}
