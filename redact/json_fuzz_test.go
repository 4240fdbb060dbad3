package redact

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/opadiag/opadiag/internal/textenc"
)

// plantedSecrets returns secrets derived from s, none containing another or the token.
func plantedSecrets(s string, n int) []string {
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:])
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Nq%dZ%sv", i, h[i:i+12])
	}
	return out
}

// FuzzJSON checks Redactor.JSON on arbitrary documents (no panic; valid JSON in, valid JSON out;
// invalid JSON in, an error) and plants secrets around an arbitrary value: the agent's token at
// the top level and copied into an ordinary value, token keys nested deeper, secret keys at any
// depth, in arrays, escaped ("pass\u0077ord") and duplicated. None may survive, only the token
// may be registered, and the output must be valid JSON.
func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":null}],"password":"x"}`), "tok3n-value", "note")
	f.Add([]byte(`{"token":{"nested":"y"}}`), "abcdefgh", "accessToken")
	f.Add([]byte(`[]`), "1234567890", "TOKEN")
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`), "deepdeep1", "deep")
	f.Add([]byte(`{"k\u0065y":"\ud83d\ude00","n":-0.5e+3,"e":"\u2028"}`), "x1y2z3w4", "pass\\u0077ord")
	f.Fuzz(func(t *testing.T, doc []byte, secret, key string) {
		out, _, err := New().JSON(doc) // must not panic on anything
		plain := utf8.Valid(doc) && !bytes.HasPrefix(doc, utf8BOM) && bytes.IndexByte(doc, 0) < 0 && len(doc) <= MaxJSONSize
		if plain && (err == nil) != json.Valid(doc) {
			t.Fatalf("JSON error %v, json.Valid %v for %q", err, json.Valid(doc), doc)
		}
		if err == nil && !json.Valid(out) {
			t.Fatalf("output is not JSON:\n%s", out)
		}

		tk := tokenLike(secret)
		ss := plantedSecrets(secret, 9)
		var extra any
		if json.Unmarshal(doc, &extra) != nil {
			extra = string(doc)
		}
		enc := func(v any) string {
			b, err := json.Marshal(v)
			if err != nil {
				t.Skip()
			}
			return string(b)
		}
		in := `{"token":` + enc(tk) + `,` + enc(key) + `:` + enc(extra) + `,"copy":` + enc("x"+tk+"y") +
			`,"nested":{"access_token":` + enc(ss[0]) + `,"db":[{"password":` + enc(ss[1]) + `}],"pass\u0077ord":` + enc(ss[2]) +
			`,"api_key":[` + enc(ss[3]) + `,{"x":` + enc(ss[4]) + `}],"Token":{"agentToken":` + enc(ss[5]) + `}},` +
			`"dup":{"secret":` + enc(ss[6]) + `,"secret":` + enc(ss[7]) + `},"list":[{"credential":` + enc(ss[8]) + `}],` +
			`"accessToken":` + enc(extra) + `}`
		if strings.EqualFold(key, "token") || strings.EqualFold(key, "accessToken") || strings.EqualFold(key, "agentToken") || strings.EqualFold(key, "access_token") {
			t.Skip() // another top-level token: its value would be the agent's too
		}
		r := New()
		out, res, err := r.JSON([]byte(in))
		if err != nil {
			t.Fatalf("redact %s: %v", in, err)
		}
		if !json.Valid(out) {
			t.Fatalf("output is not JSON: %s", out)
		}
		// A \u0000 escape followed by digits can spell a digit token in the text without the
		// token being in the data; escapes and markers are set aside before looking.
		clean := unicodeEscape.ReplaceAll(markerRE.ReplaceAll(out, []byte{0}), []byte{0})
		if bytes.Contains(clean, []byte(tk)) {
			t.Fatalf("token %q survives in %s", tk, out)
		}
		for _, s := range ss {
			if bytes.Contains(out, []byte(s)) {
				t.Fatalf("nested secret %q survives in %s", s, out)
			}
			if r.String(s) != s {
				t.Fatalf("nested secret %q was registered as a literal", s)
			}
		}
		if len(res.Tokens) == 0 || res.Tokens[0].Value != tk {
			t.Fatalf("token not reported: %+v", res.Tokens)
		}
		if !bytes.Contains(out, []byte(HashToken(tk))) {
			t.Fatalf("no hash marker in %s", out)
		}
	})
}

// FuzzDecodeText checks the decoder on arbitrary bytes (valid UTF-8 out; a decoding that claims
// confidence gives back the input when encoded again) and the Settings path on them: the token
// planted in them, in every encoding, is learned or the run is told it was not, and never appears
// in what the bundle gets.
func FuzzDecodeText(f *testing.F) {
	f.Add([]byte(`{"token":"PLACE","x":1}`), uint8(0))
	f.Add([]byte("\xff\xfe{\x00}\x00"), uint8(1))
	f.Add([]byte("{\"a\":\"caf\xe9\",\"token\":\"PLACE\""), uint8(3))
	f.Add([]byte("\xef\xbb\xbf{\"accessToken\" : \"PLACE\"}"), uint8(4))
	f.Fuzz(func(t *testing.T, raw []byte, how uint8) {
		text, encName, err := textenc.Decode(raw)
		if !utf8.Valid(text) {
			t.Fatalf("%s output is not UTF-8: %q", encName, text)
		}
		if err != nil && !errors.Is(err, textenc.ErrUndecodable) {
			t.Fatalf("error %v does not wrap textenc.ErrUndecodable", err)
		}
		if err == nil {
			var again []byte
			switch encName {
			case textenc.UTF8:
				again = text
			case textenc.UTF8BOM:
				again = append(append([]byte{}, utf8BOM...), text...)
			case textenc.UTF16LEBOM, textenc.UTF16BEBOM, textenc.UTF16LE, textenc.UTF16BE:
				be := encName == textenc.UTF16BEBOM || encName == textenc.UTF16BE
				if encName == textenc.UTF16LEBOM {
					again = []byte{0xFF, 0xFE}
				} else if encName == textenc.UTF16BEBOM {
					again = []byte{0xFE, 0xFF}
				}
				again = append(again, utf16Bytes(string(text), be)...)
			default:
				t.Fatalf("no error with encoding %s", encName)
			}
			if !bytes.Equal(again, raw) {
				t.Fatalf("%s: %q decodes to %q, which encodes to %q", encName, raw, text, again)
			}
		}

		// Plant a token in the bytes as text, encode them, and read them as Settings.
		tk := tokenLike(string(raw))
		doc := bytes.ReplaceAll(raw, []byte("PLACE"), []byte(tk))
		if !utf8.Valid(doc) {
			doc = []byte(strings.ToValidUTF8(string(doc), "?"))
		}
		if !bytes.Contains(doc, []byte(tk)) {
			v, _ := json.Marshal(string(doc))
			doc = []byte(`{"token":"` + tk + `","v":` + string(v) + `}`)
		}
		switch how % 5 {
		case 1:
			doc = append([]byte{0xFF, 0xFE}, utf16Bytes(string(doc), false)...)
		case 2:
			doc = append([]byte{0xFE, 0xFF}, utf16Bytes(string(doc), true)...)
		case 3:
			doc = utf16Bytes(string(doc), false)
		case 4:
			doc = append(append([]byte{}, utf8BOM...), doc...)
		}
		r := New()
		s := r.LearnSettings(doc)
		if s.Learned == (s.Reason != "") || s.Learned && s.Token == nil {
			t.Fatalf("learned %v, reason %q, token %v", s.Learned, s.Reason, s.Token)
		}
		if strings.Contains(s.Reason, tk) {
			t.Fatalf("the reason names the token: %q", s.Reason)
		}
		out := r.RedactSettings(s)
		clean := unicodeEscape.ReplaceAll(markerRE.ReplaceAll(out.Content, []byte{0}), []byte{0}) // see FuzzJSON
		if s.Learned && bytes.Contains(clean, []byte(s.Token.Value)) {
			t.Fatalf("learned token %q survives in %q", s.Token.Value, out.Content)
		}
		if len(doc) > 0 && bytes.Equal(out.Content, doc) && (s.DecodeErr != nil || s.Encoding != textenc.UTF8) {
			t.Fatalf("raw bytes copied: %q", doc)
		}
		if out.JSON && !json.Valid(out.Content) {
			t.Fatalf("output is not JSON: %s", out.Content)
		}
	})
}

// FuzzObfuscate checks the obfuscator on arbitrary text: how it is cut into writes changes
// nothing, obfuscating the output again changes nothing (stand-ins are never obfuscated), and
// an address and a URL host planted in it are gone.
func FuzzObfuscate(f *testing.F) {
	f.Add([]byte("connect ETIMEDOUT PLACE:443 url=https://db01.corp.example/x"), []byte{72, 44, 45, 92}, uint16(7))
	f.Add([]byte(`Server=tcp:sql01,1433;Data Source=x C:\\Users\\bob\\x [fe80::1] 10.0.0.1`), []byte{10, 1, 2, 3}, uint16(1))
	f.Add([]byte("host=PLACE host: x /home/u/ ::ffff:PLACE"), []byte{192, 168, 1, 20}, uint16(4096))
	f.Fuzz(func(t *testing.T, text, addr []byte, chunk uint16) {
		if len(addr) < 4 {
			return
		}
		ip := fmt.Sprintf("%d.%d.%d.%d", addr[0]%100+11, addr[1], addr[2], addr[3]) // never a kept address
		in := bytes.ReplaceAll(text, []byte("PLACE"), []byte(ip))
		in = append(in, " from "+ip+" via https://gw-"+fmt.Sprint(addr[1])+".corp.example:8443/ ok\n"...)
		o := NewObfuscator()
		whole := o.Bytes(in)
		if bytes.Contains(whole, []byte(" "+ip+" ")) || bytes.Contains(whole, []byte("gw-"+fmt.Sprint(addr[1])+".corp")) {
			t.Fatalf("planted identifier survives in %q", whole)
		}
		if again := o.Bytes(whole); !bytes.Equal(again, whole) {
			t.Fatalf("obfuscating twice changed\n%q\nto\n%q", whole, again)
		}
		// The two passes over a stream, in chunks, give what Bytes gives.
		size := int(chunk)%5000 + 1
		if out := twoPasses(t, in, size); !bytes.Equal(out.Bytes(), whole) {
			t.Fatalf("writes of %d give\n%q\nBytes gives\n%q", size, out.Bytes(), whole)
		}
	})
}
