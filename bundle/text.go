package bundle

import (
	"bytes"
	"errors"

	"github.com/opadiag/opadiag/internal/textenc"
)

// encoding is what the head of a source looks like.
type encoding int

const (
	encUTF8 encoding = iota
	encUTF16LE
	encUTF16BE
	encBinary
)

// sniffSize is how much of a source is looked at to tell text from binary and UTF-16.
const sniffSize = 8 << 10

// errBinary marks content the text rules cannot redact with confidence.
var errBinary = errors.New("binary content (NUL bytes), which cannot be redacted with confidence")

// sniff tells UTF-8 (or ASCII, or anything without NUL bytes) from UTF-16, by its byte-order
// mark or the pattern of NUL bytes that ASCII text in UTF-16 has, and from binary content.
func sniff(head []byte) encoding {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return encUTF16LE
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return encUTF16BE
	case bytes.IndexByte(head, 0) < 0:
		return encUTF8
	}
	switch textenc.UTF16Pattern(head) {
	case 'l':
		return encUTF16LE
	case 'b':
		return encUTF16BE
	}
	return encBinary
}
