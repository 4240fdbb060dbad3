package textenc

import (
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// UTF16Reader decodes UTF-16 to UTF-8 as a stream: a code unit or a surrogate pair split across
// reads is carried over; a byte-order mark at the start is dropped; what cannot be decoded
// becomes U+FFFD.
type UTF16Reader struct {
	r     io.Reader
	big   bool
	in    []byte // undecoded bytes, at most one odd byte and one high surrogate carried
	out   []byte // decoded, not yet read
	buf   []byte // out's backing array, reused
	err   error
	start bool
}

// NewUTF16Reader returns a reader of r's UTF-16 (big-endian when bigEndian) as UTF-8.
func NewUTF16Reader(r io.Reader, bigEndian bool) *UTF16Reader {
	return &UTF16Reader{r: r, big: bigEndian, in: make([]byte, 0, 32<<10), start: true}
}

func (u *UTF16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		n, err := u.r.Read(u.in[len(u.in):cap(u.in)])
		u.in = u.in[:len(u.in)+n]
		if err != nil {
			u.err = err
		}
		u.decode(err != nil)
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// decode turns the complete code units of u.in into UTF-8 in u.out; at the end of input, what is
// left (an odd byte, a lone surrogate) becomes U+FFFD.
func (u *UTF16Reader) decode(final bool) {
	out := u.buf[:0]
	i := 0
	for ; i+1 < len(u.in); i += 2 {
		c := u.unit(i)
		if u.start {
			u.start = false
			if c == 0xFEFF {
				continue
			}
		}
		if utf16.IsSurrogate(rune(c)) && c < 0xDC00 {
			if i+3 >= len(u.in) {
				if !final {
					break // wait for the low surrogate
				}
				out = utf8.AppendRune(out, utf8.RuneError)
				continue
			}
			if r := utf16.DecodeRune(rune(c), rune(u.unit(i+2))); r != utf8.RuneError {
				out = utf8.AppendRune(out, r)
				i += 2
				continue
			}
		}
		out = utf8.AppendRune(out, rune(c)) // a lone surrogate encodes as U+FFFD
	}
	rest := copy(u.in, u.in[i:])
	u.in = u.in[:rest]
	if final && rest > 0 {
		out = utf8.AppendRune(out, utf8.RuneError)
		u.in = u.in[:0]
	}
	u.buf, u.out = out, out
}

func (u *UTF16Reader) unit(i int) uint16 {
	if u.big {
		return uint16(u.in[i])<<8 | uint16(u.in[i+1])
	}
	return uint16(u.in[i+1])<<8 | uint16(u.in[i])
}
