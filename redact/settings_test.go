package redact

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/opadiag/opadiag/internal/textenc"
)

func TestParseSettings(t *testing.T) {
	bom16 := func(s string) []byte { return append([]byte{0xFF, 0xFE}, utf16Bytes(s, false)...) }
	tests := []struct {
		name    string
		in      []byte
		learned bool
		token   string // the agent's token found, "" for none
		reason  string // a fragment of Reason
		enc     textenc.Encoding
	}{
		{"minified", []byte(`{"token":"` + tok + `","env":"eu"}`), true, tok, "", textenc.UTF8},
		{"access_token any case", []byte(`{"Access_Token":"` + tok + `"}`), true, tok, "", textenc.UTF8},
		{"utf-8 bom", append(append([]byte{}, utf8BOM...), `{"agentToken":"`+tok+`"}`...), true, tok, "", textenc.UTF8BOM},
		{"utf-16le bom", bom16(`{"accessToken":"` + tok + `","db":{"password":"hunter2"}}`), true, tok, "", textenc.UTF16LEBOM},
		{"utf-16be no bom", utf16Bytes(`{"token":"`+tok+`"}`, true), true, tok, "", textenc.UTF16BE},
		{"last of duplicate keys", []byte(`{"token":"a1b2c3d4e5f60718","token":"` + tok + `"}`), true, tok, "", textenc.UTF8},
		{"cut short after the token", []byte(`{"token":"` + tok + `","env":"e`), true, tok, "", textenc.UTF8},
		{"damaged before the token", []byte(`{"env":eu,"token":"` + tok + `"}`), true, tok, "", textenc.UTF8},
		{"token cut short", []byte(`{"env":"eu","token":"` + tok[:20]), false, "", "cut short", textenc.UTF8},
		{"nested token only", []byte(`{"agent":{"token":"` + tok + `"}}`), false, "", "no top-level token key", textenc.UTF8},
		{"nested token only, damaged", []byte(`{"agent":{"token":"` + tok + `"`), false, "", "no top-level token key", textenc.UTF8},
		{"no token", []byte(`{"env":"eu"}`), false, "", "no top-level token key", textenc.UTF8},
		{"empty token", []byte(`{"token":""}`), false, "", "the token is empty", textenc.UTF8},
		{"placeholder", []byte(`{"access_token":"undefined"}`), false, "undefined", "placeholder", textenc.UTF8},
		{"short", []byte(`{"token":"ab12"}`), false, "ab12", "shorter than 8 bytes", textenc.UTF8},
		{"comments", []byte("// agent settings\n{\n /* the \"token\" */ \"token\" /* here */ : // value\n \"" + tok + "\", // end\n \"env\":\"eu\"}"), true, tok, "", textenc.UTF8},
		{"only a comment", []byte("// {\"token\":\"" + tok + "\"}\n"), false, "", "no top-level token key", textenc.UTF8},
		{"not JSON at all", []byte("token = " + tok), false, "", "not valid JSON", textenc.UTF8},
		{"empty file", nil, false, "", "the file is empty", textenc.UTF8},
		{"blank file", []byte(" \r\n"), false, "", "the file is empty", textenc.UTF8},
		{"undecodable utf-16", append(bom16(`{"token":"`+tok+`"}`), 'x'), false, tok, "cannot be decoded with confidence", textenc.UTF16LEBOM},
		{"invalid utf-8", []byte(`{"token":"` + tok + "\",\"n\":\"caf\xe9\"}"), false, tok, "cannot be trusted", textenc.UTF8},
		{"too large", append([]byte(`{"token":"`+tok+`","pad":"`), bytes.Repeat([]byte("x"), MaxSettingsSize)...), false, tok, "over the 8 MiB limit", textenc.UTF8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ParseSettings(tc.in)
			if s.Learned != tc.learned || s.Encoding != tc.enc {
				t.Fatalf("learned %v (%q), encoding %s; want %v, %s", s.Learned, s.Reason, s.Encoding, tc.learned, tc.enc)
			}
			got := ""
			if s.Token != nil {
				got = s.Token.Value
			}
			if got != tc.token {
				t.Errorf("token %q, want %q", got, tc.token)
			}
			if !strings.Contains(s.Reason, tc.reason) || tc.reason == "" && s.Reason != "" {
				t.Errorf("reason %q, want it to say %q", s.Reason, tc.reason)
			}
			if strings.Contains(s.Reason, tok) || strings.Contains(s.Reason, "hunter2") {
				t.Errorf("the reason names a secret: %q", s.Reason)
			}
			if s.Learned != (s.Facts != nil && s.Facts.Problem == "" && s.Facts.Hash != "") && s.Learned {
				t.Errorf("learned but facts %+v", s.Facts)
			}
		})
	}
}

// TestRedactSettings checks what the bundle gets: never the raw bytes, never the token or
// another secret, JSON when the file is JSON.
func TestRedactSettings(t *testing.T) {
	bom16 := func(s string) []byte { return append([]byte{0xFF, 0xFE}, utf16Bytes(s, false)...) }
	h := HashToken(tok)
	tests := []struct {
		name     string
		in       []byte
		json     bool
		contains []string
		note     string
		leftOut  bool
	}{
		{"json", []byte(`{"token":"` + tok + `","db":{"password":"hunter2"},"note":"` + tok + `"}`), true,
			[]string{`"token": "` + h + `"`, `"password": "[REDACTED]"`, `"note": "` + h + `"`}, "", false},
		{"utf-16 json", bom16(`{"token":"` + tok + `","db":{"password":"hunter2"}}`), true,
			[]string{`"token": "` + h + `"`}, "decoded from utf-16le with bom", false},
		{"damaged json", []byte(`{"token":"` + tok + `","db":{"password":"hunter2"`), false,
			[]string{h}, "not valid JSON", false},
		{"undecodable utf-16", append(bom16(`{"token":"`+tok+`","password":"hunter2","n":1}`), 'x'), false,
			[]string{h}, "best-effort", false},
		{"undecodable but JSON", append(append(bom16(`{"token":"`+tok+`","password":"hunter2","n":"`), 0x00, 0xD8), utf16Bytes(`"}`, false)...), true,
			[]string{h}, "best-effort", false},
		{"too large", append([]byte(`{"token":"`+tok+`","password":"hunter2","pad":"`), bytes.Repeat([]byte("x"), MaxSettingsSize)...), false,
			nil, "left out", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			s := r.LearnSettings(tc.in)
			out := r.RedactSettings(s)
			if out.JSON != tc.json || !strings.Contains(out.Note, tc.note) || (out.Content == nil) != tc.leftOut {
				t.Fatalf("json %v, note %q, %d bytes; want json %v, note %q, left out %v", out.JSON, out.Note, len(out.Content), tc.json, tc.note, tc.leftOut)
			}
			if tc.json && !json.Valid(out.Content) {
				t.Fatalf("not JSON:\n%s", out.Content)
			}
			for _, secret := range []string{tok, "hunter2"} {
				if bytes.Contains(out.Content, []byte(secret)) {
					t.Errorf("%q survives in\n%s", secret, out.Content)
				}
			}
			if bytes.Equal(out.Content, tc.in) {
				t.Error("the raw bytes were copied")
			}
			for _, c := range tc.contains {
				if !bytes.Contains(out.Content, []byte(c)) {
					t.Errorf("%q missing from\n%s", c, out.Content)
				}
			}
			// The token is scrubbed from every other text once learned.
			if got := r.String("x " + tok); !tc.leftOut && got != "x "+h {
				t.Errorf("token not registered: %q", got)
			}
		})
	}
}

// TestSettingsNotRegistered checks that nested secrets, placeholders and short values are never
// turned into literals.
func TestSettingsNotRegistered(t *testing.T) {
	r := New()
	s := r.LearnSettings([]byte(`{"access_token":"undefined","db":{"access_token":"nestedtoken123","password":"p4ssw0rd!x"},"api":{"token":"ab12"}}`))
	if s.Learned || !strings.Contains(s.Reason, "placeholder") {
		t.Fatalf("learned %v %q", s.Learned, s.Reason)
	}
	out := r.RedactSettings(s)
	for _, secret := range []string{"nestedtoken123", "p4ssw0rd!x", "ab12"} {
		if bytes.Contains(out.Content, []byte(secret)) {
			t.Errorf("%q survives in\n%s", secret, out.Content)
		}
	}
	text := "undefined nestedtoken123 p4ssw0rd!x ab12"
	if got := r.String(text); got != text {
		t.Fatalf("literals were registered: %q", got)
	}
	if bytes.Contains(out.Content, []byte(HashToken("nestedtoken123"))) {
		t.Fatal("a nested token was hashed")
	}
}

func TestLiteralProblem(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{tok, ""},
		{"s3cr3t/t0ken+with=signs", ""},
		{"", "empty"},
		{`  ""  `, "empty"},
		{"abc1234", "shorter than 8 bytes"},
		{"  abc1234\n", "shorter than 8 bytes"},
		{"undefined", problemPlaceholder},
		{"CHANGEME", problemPlaceholder},
		{"12345678", problemPlaceholder},
		{"********", problemFiller},
		{"0000000000000000", problemFiller},
		{"ababababab", problemFiller},
		{"production", "an ordinary word"},
		{"your_token_here_please", "an ordinary word"},
		{"abcdefghijklmnopqrstuvwxyzABCDEF", ""}, // letters only, but too long for a word
		{"Summer2026!", ""},
	} {
		if got := LiteralProblem(tc.in); got != tc.want {
			t.Errorf("LiteralProblem(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDescribeToken(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value string
		want  TokenFacts
	}{
		{"plain", tok, TokenFacts{Key: "token", Hash: HashToken(tok), Length: 32}},
		{"whitespace", " " + tok + "\n", TokenFacts{Key: "token", Hash: HashToken(" " + tok + "\n"), Length: 34, LeadingWhitespace: true, TrailingWhitespace: true}},
		{"quoted", `"` + tok + `"`, TokenFacts{Key: "token", Hash: HashToken(`"` + tok + `"`), Length: 34, Quoted: true}},
		{"empty", "", TokenFacts{Key: "token", Empty: true, Problem: "empty"}},
		{"short", "ab12", TokenFacts{Key: "token", Length: 4, Problem: "shorter than 8 bytes"}},
		{"word", "sunshine", TokenFacts{Key: "token", Length: 8, Problem: "an ordinary word"}},
		{"placeholder", "undefined", TokenFacts{Key: "token", Hash: HashToken("undefined"), Length: 9, Problem: problemPlaceholder}},
		{"runes", "ü" + tok, TokenFacts{Key: "token", Hash: HashToken("ü" + tok), Length: 33}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DescribeToken("token", tc.value); got != tc.want {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// deepDoc returns n nested arrays or objects around a planted secret: about 2n bytes.
func deepDoc(n int, object bool) []byte {
	var b bytes.Buffer
	b.WriteString(`{"token":"` + tok + `","deep":`)
	for range n {
		if object {
			b.WriteString(`{"a":`)
		} else {
			b.WriteByte('[')
		}
	}
	b.WriteString(`{"password":"hunter2"}`)
	for range n {
		if object {
			b.WriteByte('}')
		} else {
			b.WriteByte(']')
		}
	}
	b.WriteString(`,"after":"kept"}`)
	return b.Bytes()
}

// TestJSONDeep checks that a document nested 100,000 deep is redacted into a small document,
// with the deep part replaced by one marker.
func TestJSONDeep(t *testing.T) {
	for _, object := range []bool{false, true} {
		in := deepDoc(100_000, object)
		out, res, err := New().JSON(in)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) > 64<<10 {
			t.Fatalf("%d bytes in, %d out", len(in), len(out))
		}
		if res.Counts[RuleJSONDepth] != 1 || !bytes.Contains(out, []byte(DepthMarker)) || !bytes.Contains(out, []byte(`"after": "kept"`)) {
			t.Fatalf("counts %v\n%s", res.Counts, out)
		}
		if bytes.Contains(out, []byte("hunter2")) || bytes.Contains(out, []byte(tok)) || !json.Valid(out) {
			t.Fatalf("bad output\n%s", out)
		}
	}
	// At the limit everything is kept.
	out, res, err := New().JSON(deepDoc(MaxJSONDepth-2, false))
	if err != nil || res.Counts[RuleJSONDepth] != 0 || !bytes.Contains(out, []byte(`"password": "[REDACTED]"`)) {
		t.Fatalf("%v %v\n%s", err, res.Counts, out)
	}
	if _, res, _ := New().JSON(deepDoc(MaxJSONDepth-1, false)); res.Counts[RuleJSONDepth] != 1 {
		t.Fatalf("one level deeper: %v", res.Counts)
	}
}

// TestJSONOutputBounded checks that the indented output of a hostile document stays within a
// small multiple of its size: wide arrays deep in the document are written without indentation.
func TestJSONOutputBounded(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"a":`)
	for range MaxJSONDepth - 2 {
		b.WriteByte('[')
	}
	for i := range 1 << 20 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('0')
	}
	for range MaxJSONDepth - 2 {
		b.WriteByte(']')
	}
	b.WriteString(`,"pwd":1}`)
	out, _, err := New().JSON(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(out) > 4*b.Len()+(1<<20) || !json.Valid(out) || bytes.Contains(out, []byte(`"pwd":1`)) {
		t.Fatalf("%d bytes in, %d out", b.Len(), len(out))
	}
	// A normal document keeps its indentation.
	out, _, _ = New().JSON([]byte(`{"a":{"b":[1]}}`))
	if string(out) != "{\n  \"a\": {\n    \"b\": [\n      1\n    ]\n  }\n}\n" {
		t.Fatalf("%q", out)
	}
}

func TestJSONTooLarge(t *testing.T) {
	_, _, err := New().JSON(make([]byte, MaxJSONSize+1))
	if err == nil || !strings.Contains(err.Error(), "over the 8 MiB limit") {
		t.Fatalf("err = %v", err)
	}
}

func TestJSONStringEscapes(t *testing.T) {
	in := `{"a":"q\"b\\s\/c\b\f\n\r\t\u0001 \u2028 \ud83d\ude00 \ud800 <&>"}`
	out, _, err := New().JSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got, want map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	_ = json.Unmarshal([]byte(in), &want)
	if got["a"] != want["a"] {
		t.Fatalf("got %q, want %q", got["a"], want["a"])
	}
	if !bytes.Contains(out, []byte(`<&>`)) || !bytes.Contains(out, []byte(`\u2028`)) {
		t.Fatalf("escaping: %s", out)
	}
}

// TestJSONTooManyValues checks that a document with more distinct values than the text rules
// may see keeps its shape, and that the values past the limit are replaced, not kept.
func TestJSONTooManyValues(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"token":"` + tok + `","same":[`)
	for i := range MaxJSONTextValues + 10 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"repeated"`) // one value, seen once by the text rules
	}
	b.WriteString(`],"distinct":[`)
	for i := range MaxJSONTextValues + 10 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"v%07d"`, i)
	}
	b.WriteString(`]}`)
	out, res, err := New().JSON(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Same, Distinct []string }
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Same) != MaxJSONTextValues+10 || doc.Same[len(doc.Same)-1] != "repeated" {
		t.Fatalf("repeated values: %d, last %q", len(doc.Same), doc.Same[len(doc.Same)-1])
	}
	// The keys and the repeated value took some of the budget.
	replaced := res.Counts[RuleJSONValues]
	if replaced < 10 || doc.Distinct[len(doc.Distinct)-1] != Marker || doc.Distinct[0] != "v0000000" {
		t.Fatalf("%d replaced; first %q, last %q", replaced, doc.Distinct[0], doc.Distinct[len(doc.Distinct)-1])
	}
}

// TestLearnedTokenPercentEncoded: a token learned from Settings is caught with every byte
// percent-encoded, \u-escaped or hex-encoded, in either case of the hex digits and of the
// token, in Bytes and in a Writer.
func TestLearnedTokenPercentEncoded(t *testing.T) {
	const tok = "9f2c4e1ab37d4c08a5e6b1f0d2c3e4a5"
	r := New()
	if s := r.LearnSettings([]byte(`{"token":"` + tok + `"}`)); !s.Learned {
		t.Fatalf("not learned: %s", s.Reason)
	}
	enc := func(v, digits string) string {
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			b.WriteString("%" + string(digits[v[i]>>4]) + string(digits[v[i]&15]))
		}
		return b.String()
	}
	uesc := func(v string) string {
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			fmt.Fprintf(&b, "\\u%04X", v[i])
		}
		return b.String()
	}
	for _, in := range []string{
		uesc(tok), strings.ToLower(uesc(tok)), hex.EncodeToString([]byte(tok)), strings.ToUpper(hex.EncodeToString([]byte(strings.ToUpper(tok)))),
		enc(tok, "0123456789abcdef"), enc(tok, "0123456789ABCDEF"),
		enc(strings.ToUpper(tok), "0123456789abcdef"), enc(strings.ToUpper(tok), "0123456789ABCDEF"),
	} {
		line := "GET /x?t=" + in + "&y=1\n"
		out, _ := r.Bytes([]byte(line))
		if !strings.Contains(string(out), HashToken(tok)) || strings.Contains(string(out), in) {
			t.Errorf("Bytes(%q) = %q", line, out)
		}
		var buf bytes.Buffer
		w := r.NewWriter(&buf)
		w.Write([]byte(line))
		w.Close()
		if strings.Contains(buf.String(), in) {
			t.Errorf("Writer(%q) = %q", line, buf.String())
		}
	}
}

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
