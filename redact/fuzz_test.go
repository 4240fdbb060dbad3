package redact

import (
	"bytes"
	"encoding/json"
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

// FuzzJSON plants a token in a Settings-like document around an arbitrary value and checks the
// token never survives, the output is JSON, and nothing panics. Arbitrary documents are also
// redacted to look for panics.
func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":null}],"password":"x"}`), "tok3n-value", "note")
	f.Add([]byte(`{"token":{"nested":"y"}}`), "abcdefgh", "accessToken")
	f.Add([]byte(`[]`), "1234567890", "TOKEN")
	f.Fuzz(func(t *testing.T, doc []byte, secret, key string) {
		_, _, _ = New().JSON(doc) // must not panic on anything
		tk := tokenLike(secret)
		var extra any
		if json.Unmarshal(doc, &extra) != nil {
			extra = string(doc)
		}
		in, err := json.Marshal(map[string]any{"token": tk, key: extra, "copy": "x" + tk + "y"})
		if err != nil {
			t.Skip()
		}
		out, res, err := New().JSON(in)
		if err != nil {
			t.Fatalf("redact %s: %v", in, err)
		}
		// A \u0000 escape followed by digits can spell a digit token in the text without the
		// token being in the data; escapes are set aside before looking.
		if bytes.Contains(unicodeEscape.ReplaceAll(markerRE.ReplaceAll(out, []byte{0}), []byte{0}), []byte(tk)) {
			t.Fatalf("token %q survives in %s", tk, out)
		}
		if len(res.Tokens) == 0 {
			t.Fatalf("token not reported for %s", in)
		}
		if !json.Valid(out) {
			t.Fatalf("output is not JSON: %s", out)
		}
	})
}
