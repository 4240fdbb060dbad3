package textenc

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"unicode/utf16"
)

// utf16Bytes encodes s as UTF-16, little- or big-endian, without a byte-order mark.
func utf16Bytes(s string, bigEndian bool) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

func TestDecode(t *testing.T) {
	const doc = `{"token":"abc","name":"Zürich ☃ 😀"}`
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name    string
		in      []byte
		want    string
		enc     Encoding
		wantErr bool
	}{
		{"utf-8", []byte(doc), doc, UTF8, false},
		{"utf-8 with bom", cat(utf8BOM, []byte(doc)), doc, UTF8BOM, false},
		{"empty", nil, "", UTF8, false},
		{"utf-16le with bom", cat([]byte{0xFF, 0xFE}, utf16Bytes(doc, false)), doc, UTF16LEBOM, false},
		{"utf-16be with bom", cat([]byte{0xFE, 0xFF}, utf16Bytes(doc, true)), doc, UTF16BEBOM, false},
		{"utf-16le without bom", utf16Bytes(doc, false), doc, UTF16LE, false},
		{"utf-16be without bom", utf16Bytes(doc, true), doc, UTF16BE, false},
		{"short utf-16le", utf16Bytes("{}", false), "{}", UTF16LE, false},
		{"utf-16 odd length", cat([]byte{0xFF, 0xFE}, utf16Bytes(doc, false), []byte{'x'}), doc + "\uFFFD", UTF16LEBOM, true},
		{"utf-16 unpaired surrogate", cat([]byte{0xFF, 0xFE}, utf16Bytes("a", false), []byte{0x00, 0xD8}, utf16Bytes("b", false)), "a\uFFFDb", UTF16LEBOM, true},
		{"utf-16 lone low surrogate", cat([]byte{0xFE, 0xFF}, []byte{0xDC, 0x00}), "\uFFFD", UTF16BEBOM, true},
		{"invalid utf-8", []byte("{\"a\":\"caf\xe9\"}"), "{\"a\":\"caf\uFFFD\"}", UTF8, true},
		{"invalid after a utf-8 bom", cat(utf8BOM, []byte("\xff")), "\uFFFD", UTF8BOM, true},
		{"utf-32", []byte{0xFF, 0xFE, 0, 0, '{', 0, 0, 0}, "\uFFFD\x00\x00{\x00\x00\x00", Unknown, true},
		{"zero-filled tail", append([]byte(`{"a":1}`), make([]byte, 64)...), `{"a":1}` + string(make([]byte, 64)), UTF8, false},
		{"all zeros", make([]byte, 16), string(make([]byte, 16)), UTF8, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, enc, err := Decode(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrUndecodable) {
				t.Errorf("error %v does not wrap ErrUndecodable", err)
			}
			if string(got) != tc.want || enc != tc.enc {
				t.Fatalf("got %q (%s), want %q (%s)", got, enc, tc.want, tc.enc)
			}
		})
	}
}

// TestDecodeHeuristic checks that UTF-8 text is not taken for UTF-16 and that UTF-16 with
// some non-ASCII text still is recognised.
func TestDecodeHeuristic(t *testing.T) {
	mixed := `{"name":"` + string([]rune{0x4E2D, 0x6587, 0x0100}) + `","token":"0123456789abcdef"}`
	if got, enc, err := Decode(utf16Bytes(mixed, false)); err != nil || enc != UTF16LE || string(got) != mixed {
		t.Errorf("mixed utf-16le: %q %s %v", got, enc, err)
	}
	// NUL bytes here and there in UTF-8 text: not UTF-16.
	in := []byte("a\x00b\x00cdefgh\x00ijkl")
	if _, enc, err := Decode(in); err != nil || enc != UTF8 {
		t.Errorf("utf-8 with NULs: %s %v", enc, err)
	}
}

// TestUTF16Reader checks that the stream decoder gives what Decode gives, whatever the reads'
// sizes: one byte at a time splits every code unit and surrogate pair.
func TestUTF16Reader(t *testing.T) {
	const text = "héllo ☃ \U0001F600 line\r\nand the next\n"
	for _, tc := range []struct {
		name string
		in   []byte
		big  bool
		want string
	}{
		{"le with a mark", append([]byte{0xFF, 0xFE}, utf16Bytes(text, false)...), false, text},
		{"be without a mark", utf16Bytes(text, true), true, text},
		{"odd byte at the end", append(utf16Bytes("ab", false), 'c'), false, "ab\uFFFD"},
		{"lone high surrogate at the end", utf16Bytes("a\U0001F600", false)[:4], false, "a\uFFFD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []io.Reader{bytes.NewReader(tc.in), iotest.OneByteReader(bytes.NewReader(tc.in))} {
				got, err := io.ReadAll(NewUTF16Reader(r, tc.big))
				if err != nil || string(got) != tc.want {
					t.Fatalf("got %q, %v; want %q", got, err, tc.want)
				}
			}
		})
	}
}
