package redact

import (
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonParser reads a JSON document (RFC 8259) as a stream of events, without recursion: memory is
// one bit per level of nesting, whatever the depth, and nothing is allocated per value.
type jsonParser struct {
	b     []byte
	i     int
	depth int      // containers open
	kinds []uint64 // bit d set: the container at depth d+1 is an object
	state jsonState
}

type jsonState uint8

const (
	stValue      jsonState = iota // a value must come
	stValueOrEnd                  // after '[': a value or ']'
	stKeyOrEnd                    // after '{': a key or '}'
	stKey                         // after ',' in an object: a key
	stColon                       // after a key
	stCommaOrEnd                  // after a value in a container
	stDone                        // after the top-level value: only white space
)

// jsonEvent is one step of the document.
type jsonEvent struct {
	kind evKind
	// raw is the token's text: a string or key with its quotes, a number, true/false/null.
	raw []byte
	// depth is how many containers enclose the event's value (0 for the top-level value); for
	// evEnd, the depth of the container that ends.
	depth int
	// start is the offset of the token in the input.
	start int
}

type evKind uint8

const (
	evEOF evKind = iota
	evObject
	evArray
	evEnd
	evKey
	evString
	evNumber
	evLiteral // true, false or null
)

func newJSONParser(b []byte) *jsonParser { return &jsonParser{b: b} }

func (p *jsonParser) isObject() bool {
	d := p.depth - 1
	return p.kinds[d/64]&(1<<(d%64)) != 0
}

func (p *jsonParser) push(object bool) {
	d := p.depth
	if d/64 >= len(p.kinds) {
		p.kinds = append(p.kinds, 0)
	}
	if object {
		p.kinds[d/64] |= 1 << (d % 64)
	} else {
		p.kinds[d/64] &^= 1 << (d % 64)
	}
	p.depth++
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

// next returns the next event; evEOF once the whole document was read and only white space
// followed it. A document cut short gives io.ErrUnexpectedEOF; other errors say where.
func (p *jsonParser) next() (jsonEvent, error) {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
			continue
		}
		break
	}
	if p.i >= len(p.b) {
		if p.state == stDone {
			return jsonEvent{kind: evEOF}, nil
		}
		return jsonEvent{}, io.ErrUnexpectedEOF
	}
	c := p.b[p.i]
	switch p.state {
	case stDone:
		return jsonEvent{}, p.errorf("unexpected data after the JSON value")
	case stColon:
		if c != ':' {
			return jsonEvent{}, p.errorf("want ':' after an object key, got %q", c)
		}
		p.i++
		p.state = stValue
		return p.next()
	case stCommaOrEnd:
		switch {
		case c == ',':
			p.i++
			if p.isObject() {
				p.state = stKey
			} else {
				p.state = stValue
			}
			return p.next()
		case c == '}' && p.isObject(), c == ']' && !p.isObject():
			return p.end(), nil
		}
		return jsonEvent{}, p.errorf("want ',' or the container's end, got %q", c)
	case stKeyOrEnd, stKey:
		if c == '}' && p.state == stKeyOrEnd {
			return p.end(), nil
		}
		if c != '"' {
			return jsonEvent{}, p.errorf("want an object key, got %q", c)
		}
		start := p.i
		if err := p.string(); err != nil {
			return jsonEvent{}, err
		}
		p.state = stColon
		return jsonEvent{kind: evKey, raw: p.b[start:p.i], depth: p.depth, start: start}, nil
	case stValueOrEnd:
		if c == ']' {
			return p.end(), nil
		}
	}
	// A value.
	start, depth := p.i, p.depth
	ev := jsonEvent{depth: depth, start: start}
	switch {
	case c == '{':
		p.i++
		p.push(true)
		p.state = stKeyOrEnd
		ev.kind = evObject
		return ev, nil
	case c == '[':
		p.i++
		p.push(false)
		p.state = stValueOrEnd
		ev.kind = evArray
		return ev, nil
	case c == '"':
		if err := p.string(); err != nil {
			return jsonEvent{}, err
		}
		ev.kind = evString
	case c == '-' || isDigit(c):
		if err := p.number(); err != nil {
			return jsonEvent{}, err
		}
		ev.kind = evNumber
	default:
		if !p.literal() {
			return jsonEvent{}, p.errorf("invalid character %q looking for a value", c)
		}
		ev.kind = evLiteral
	}
	ev.raw = p.b[start:p.i]
	p.afterValue()
	return ev, nil
}

func (p *jsonParser) afterValue() {
	if p.depth == 0 {
		p.state = stDone
	} else {
		p.state = stCommaOrEnd
	}
}

func (p *jsonParser) end() jsonEvent {
	ev := jsonEvent{kind: evEnd, raw: p.b[p.i : p.i+1], depth: p.depth, start: p.i}
	p.i++
	p.depth--
	p.afterValue()
	return ev
}

// skip consumes the rest of the container whose opening event was just returned.
func (p *jsonParser) skip() error {
	d := p.depth
	for {
		ev, err := p.next()
		if err != nil {
			return err
		}
		if ev.kind == evEnd && ev.depth == d {
			return nil
		}
	}
}

// string reads a string starting at the quote at p.i, checking its escapes.
func (p *jsonParser) string() error {
	p.i++
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return nil
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return io.ErrUnexpectedEOF
			}
			switch p.b[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				if p.i+6 > len(p.b) || !isHex4(p.b[p.i+2:p.i+6]) {
					return p.errorf("invalid \\u escape in a string")
				}
				p.i += 6
			default:
				return p.errorf("invalid escape \\%c in a string", p.b[p.i+1])
			}
		case c < 0x20:
			return p.errorf("control character %#x in a string", c)
		default:
			p.i++
		}
	}
	return io.ErrUnexpectedEOF
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !isHexDigit(c) {
			return false
		}
	}
	return true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (p *jsonParser) number() error {
	b := p.b
	i := p.i
	if b[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		return i > j
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return p.errorf("invalid number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return p.errorf("invalid number: no digit after '.'")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return p.errorf("invalid number: no digit in the exponent")
		}
	}
	p.i = i
	return nil
}

func (p *jsonParser) literal() bool {
	for _, w := range []string{"true", "false", "null"} {
		if len(p.b)-p.i >= len(w) && string(p.b[p.i:p.i+len(w)]) == w {
			p.i += len(w)
			return true
		}
	}
	return false
}

var errBadString = errors.New("not a JSON string")

// unquoteJSON returns the content of a JSON string token (with its quotes), escapes decoded. An
// unpaired surrogate becomes U+FFFD, as encoding/json does.
func unquoteJSON(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", errBadString
	}
	s := raw[1 : len(raw)-1]
	simple := true
	for _, c := range s {
		if c == '\\' || c == '"' || c < 0x20 {
			simple = false
			break
		}
	}
	if simple {
		return string(s), nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			if c == '"' || c < 0x20 {
				return "", errBadString
			}
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return "", errBadString
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				return "", errBadString
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(s, i+2); ok && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						out = utf8.AppendRune(out, d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return "", errBadString
		}
		i += 2
	}
	return string(out), nil
}

// hex4 reads four hex digits at s[i:].
func hex4(s []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		var v byte
		switch {
		case isDigit(c):
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}
