// Package textenc reads text in the encodings the agent's files and editors leave: UTF-8 with or
// without a byte-order mark, and UTF-16 LE or BE with or without one, whole (Decode) or as a
// stream (NewUTF16Reader).
package textenc

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Encoding names the text encoding [Decode] found.
type Encoding string

// The encodings Decode reads. A Settings file is UTF-8 when the agent writes it; the others
// come from editors (Notepad's "Unicode" is UTF-16LE with a byte-order mark, PowerShell 5's
// Out-File too).
const (
	UTF8       Encoding = "utf-8"
	UTF8BOM    Encoding = "utf-8 with bom"
	UTF16LEBOM Encoding = "utf-16le with bom"
	UTF16BEBOM Encoding = "utf-16be with bom"
	UTF16LE    Encoding = "utf-16le" // without a byte-order mark, recognised by its NUL bytes
	UTF16BE    Encoding = "utf-16be"
	// Unknown is reported with an error when no encoding fits.
	Unknown Encoding = "unknown"
)

// utf8BOM is the byte-order mark some editors put before UTF-8 text.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ErrUndecodable is wrapped by the errors of Decode.
var ErrUndecodable = errors.New("cannot be decoded with confidence")

// utf16Sample is how many leading bytes decide whether BOM-less text is UTF-16.
const utf16Sample = 4096

// Decode returns raw as UTF-8 text and the encoding it was in: UTF-8 with or without a
// byte-order mark (which is dropped), UTF-16 LE or BE with a byte-order mark, or UTF-16 without
// one, recognised by the NUL byte in every other position that mostly-ASCII text has in UTF-16.
//
// The error, wrapping ErrUndecodable, says why the bytes cannot be decoded with confidence: not
// valid UTF-8, UTF-16 with an odd number of bytes or an unpaired surrogate, NUL bytes in no
// UTF-16 pattern, UTF-32. The text is then a best effort, every byte that could not be decoded
// replaced by U+FFFD, so that it can still be redacted and shown: never use it to learn a secret
// as if it were exact.
func Decode(raw []byte) ([]byte, Encoding, error) {
	switch {
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE, 0, 0}), bytes.HasPrefix(raw, []byte{0, 0, 0xFE, 0xFF}):
		return lossyUTF8(raw), Unknown, fmt.Errorf("UTF-32 text %w", ErrUndecodable)
	case bytes.HasPrefix(raw, utf8BOM):
		return decodeUTF8(raw[len(utf8BOM):], UTF8BOM)
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}):
		return decodeUTF16(raw[2:], false, UTF16LEBOM)
	case bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		return decodeUTF16(raw[2:], true, UTF16BEBOM)
	}
	if bytes.IndexByte(raw, 0) < 0 {
		return decodeUTF8(raw, UTF8)
	}
	switch UTF16Pattern(raw[:min(len(raw), utf16Sample)]) {
	case 'l':
		return decodeUTF16(raw, false, UTF16LE)
	case 'b':
		return decodeUTF16(raw, true, UTF16BE)
	}
	// NUL bytes in no UTF-16 pattern: a file zero-filled by a crash keeps its text before the
	// zeros; valid UTF-8 with NULs is still text (and not JSON).
	return decodeUTF8(raw, UTF8)
}

// UTF16Pattern returns 'l' when the NUL bytes of sample sit at odd offsets (the high bytes of
// ASCII characters in UTF-16LE), 'b' when at even offsets (UTF-16BE), 0 otherwise (UTF-8 or
// binary). Mostly-ASCII text has a NUL in nearly every pair, on one side only; 40% is asked, for
// text with many characters beyond ASCII. A NUL on the other side is a U+xx00 character or the
// NUL character: rare, at most 10%.
func UTF16Pattern(sample []byte) byte {
	n := len(sample) &^ 1
	if n < 4 {
		return 0
	}
	var even, odd int
	for i := 0; i < n; i += 2 {
		if sample[i] == 0 {
			even++
		}
		if sample[i+1] == 0 {
			odd++
		}
	}
	pairs := n / 2
	switch {
	case odd*10 >= pairs*4 && even*10 <= pairs:
		return 'l'
	case even*10 >= pairs*4 && odd*10 <= pairs:
		return 'b'
	}
	return 0
}

func decodeUTF8(b []byte, enc Encoding) ([]byte, Encoding, error) {
	if utf8.Valid(b) {
		return b, enc, nil
	}
	at := 0
	for at < len(b) {
		r, size := utf8.DecodeRune(b[at:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		at += size
	}
	return lossyUTF8(b), enc, fmt.Errorf("not valid UTF-8 (byte %d) and no other encoding fits: %w", at, ErrUndecodable)
}

// lossyUTF8 returns b with every invalid sequence replaced by U+FFFD.
func lossyUTF8(b []byte) []byte {
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}

// decodeUTF16 decodes b (after any byte-order mark) to UTF-8.
func decodeUTF16(b []byte, bigEndian bool, enc Encoding) ([]byte, Encoding, error) {
	var problem string
	if len(b)%2 == 1 {
		problem = fmt.Sprintf("an odd number of bytes (%d): cut short", len(b))
	}
	out := make([]byte, 0, len(b)+len(b)/2)
	unit := func(i int) rune {
		if bigEndian {
			return rune(b[i])<<8 | rune(b[i+1])
		}
		return rune(b[i+1])<<8 | rune(b[i])
	}
	for i := 0; i+1 < len(b); i += 2 {
		r := unit(i)
		if utf16.IsSurrogate(r) {
			if r < 0xDC00 && i+3 < len(b) {
				if r2 := unit(i + 2); 0xDC00 <= r2 && r2 <= 0xDFFF {
					out = utf8.AppendRune(out, utf16.DecodeRune(r, r2))
					i += 2
					continue
				}
			}
			if problem == "" {
				problem = fmt.Sprintf("an unpaired surrogate at byte %d", i)
			}
			r = utf8.RuneError
		}
		out = utf8.AppendRune(out, r)
	}
	if len(b)%2 == 1 {
		out = utf8.AppendRune(out, utf8.RuneError)
	}
	if problem != "" {
		return out, enc, fmt.Errorf("%s: %s: %w", enc, problem, ErrUndecodable)
	}
	return out, enc, nil
}
