package redact

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

var (
	markerRE      = regexp.MustCompile(`sha256:[0-9a-f]{16}`)
	unicodeEscape = regexp.MustCompile(`\\u[0-9a-fA-F]{4}`)
)

// tokenLike turns fuzz input into a plausible token: 8 to 68 letters and digits.
func tokenLike(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if isAlnum(c) {
			b.WriteByte(c)
		}
		if b.Len() == 64 {
			break
		}
	}
	for b.Len() < 8 {
		b.WriteByte('Q')
	}
	if LiteralProblem(b.String()) != "" {
		b.WriteString("7x2k") // a filler or word is never registered: make it a token
	}
	return b.String()
}

// FuzzText plants a token in arbitrary text, writes it in arbitrary chunks, and checks that the
// token never survives, that chunking does not change the result, and that redacting twice
// changes nothing.
func FuzzText(f *testing.F) {
	f.Add([]byte("level=info token=PLACE ok"), "a1b2c3d4e5f6", uint16(3), uint16(7))
	f.Add([]byte("Authorization: Basic PLACE\npassword=x"), "Zm9vOmJhcg", uint16(0), uint16(1))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nPLACE"), "secretsecret", uint16(12), uint16(4096))
	f.Add([]byte(`{"token":"PLACE","x":"https://u:p@h.invalid"}`), "0011223344556677", uint16(10), uint16(2))
	f.Fuzz(func(t *testing.T, text []byte, secret string, at, chunk uint16) {
		tk := tokenLike(secret)
		pos := int(at) % (len(text) + 1)
		in := append(append(append([]byte{}, text[:pos]...), tk...), text[pos:]...)
		r := New()
		r.AddToken(tk)
		whole, _ := r.Bytes(in)
		// A marker's hex digits followed by text can spell the token by accident ("…80" +
		// "000000O"); what matters is that no token survives outside markers.
		if bytes.Contains(markerRE.ReplaceAll(whole, []byte{0}), []byte(tk)) {
			t.Fatalf("token %q survives in %q", tk, whole)
		}
		size := int(chunk)%5000 + 1
		var out bytes.Buffer
		w := r.NewWriter(&out)
		for p := in; len(p) > 0; {
			n := min(size, len(p))
			if _, err := w.Write(p[:n]); err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), whole) {
			t.Fatalf("chunks of %d give %q, one write gives %q", size, out.Bytes(), whole)
		}
		if again, _ := r.Bytes(whole); !bytes.Equal(again, whole) {
			t.Fatalf("redacting twice changed\n%q\nto\n%q", whole, again)
		}
	})
}
