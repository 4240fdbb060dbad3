package redact

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

const tok = "f3a9c1d2e4b5a6978877665544332211"

func TestHashToken(t *testing.T) {
	// sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
	if got, want := HashToken("abc"), "sha256:ba7816bf8f01cfea"; got != want {
		t.Fatalf("HashToken(abc) = %q, want %q", got, want)
	}
	if HashToken("abc ") == HashToken("abc") {
		t.Fatal("trailing whitespace must change the hash: it is the exact stored value")
	}
	if !isTokenMarker([]byte(HashToken(tok))) {
		t.Fatal("a hash marker is not recognised as one")
	}
}

func TestText(t *testing.T) {
	r := New()
	r.AddToken(tok)
	h := HashToken(tok)
	tests := []struct {
		name, in, want string
		rule           string // a rule that must have counted, "" for none
	}{
		{"plain text untouched", "level=info, logName=tunnelCreated", "level=info, logName=tunnelCreated", ""},
		{"token literal", "sending token " + tok + " now", "sending token " + h + " now", RuleAgentToken},
		{"token in json", `{"token":"` + tok + `"}`, `{"token":"` + h + `"}`, RuleAgentToken},
		{"token inside a longer value", "t=" + url.QueryEscape(tok+"/x"), "t=" + h + "%2Fx", RuleAgentToken},
		{"token in basic auth", "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("agent:"+tok)), "Authorization: " + Marker, RuleAuthHeader},
		{"secret key equals", "clientSecret=abc123 next", "clientSecret=" + Marker + " next", RuleSecretKey},
		{"secret key colon quoted", `"apiKey": "k-123"`, `"apiKey": "` + Marker + `"`, RuleSecretKey},
		{"escaped json", `"{\"password\":\"hunter2\"}"`, `"{\"password\":\"` + Marker + `\"}"`, RulePasswordPair},
		{"jdbc password", "jdbc:sqlserver://db:1433;user=sa;password=S3cr3t!;encrypt=true", "jdbc:sqlserver://db:1433;user=sa;password=" + Marker + ";encrypt=true", RulePasswordPair},
		{"odbc pwd", "Driver={SQL Server};Server=db;Uid=sa;Pwd=abc;", "Driver={SQL Server};Server=db;Uid=sa;Pwd=" + Marker + ";", RulePasswordPair},
		{"quoted value with spaces", `password = "my pass phrase" ok`, `password = "` + Marker + `" ok`, RulePasswordPair},
		{"harmless value kept", "token=undefined, accessToken: null", "token=undefined, accessToken: null", ""},
		{"word without separator", "Invalid token while sending heartbeat", "Invalid token while sending heartbeat", ""},
		{"authorization header", "Authorization: Bearer abc.def.ghi\nnext", "Authorization: " + Marker + "\nnext", RuleAuthHeader},
		{"cookie header", "Cookie: sid=1; other=2\r\n", "Cookie: " + Marker + "\r\n", RuleCookie},
		{"bearer alone", "sent Bearer 0123456789abcdef!", "sent Bearer " + Marker + "!", RuleBearer},
		{"basic not base64 creds", "Basic authentication failed", "Basic authentication failed", ""},
		{"url credentials", "HTTPS_PROXY=http://bob:pa55@proxy.example.invalid:8080", "HTTPS_PROXY=http://bob:" + Marker + "@proxy.example.invalid:8080", RuleURLCredentials},
		{"url user only", "git clone https://ghp_abcdef123456@example.invalid/x", "git clone https://" + Marker + "@example.invalid/x", RuleURLCredentials},
		{"proxy without scheme", "HTTP_PROXY=bob:pa55@proxy.example.invalid:8080", "HTTP_PROXY=bob:" + Marker + "@proxy.example.invalid:8080", RuleURLCredentials},
		{"wininet list", "http=bob:pw1@p.invalid:80;https=bob:pw2@p.invalid:443", "http=bob:" + Marker + "@p.invalid:80;https=bob:" + Marker + "@p.invalid:443", RuleURLCredentials},
		{"e-mail kept", "mail to ops@example.invalid and git@github.com:org/repo", "mail to ops@example.invalid and git@github.com:org/repo", ""},
		{"url without credentials", "GET https://api.integrator.io/v1/agents", "GET https://api.integrator.io/v1/agents", ""},
		{"jwt", "id eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_nature end", "id " + Marker + " end", RuleJWT},
		{"aws key", "key AKIAIOSFODNN7EXAMPLE used", "key " + Marker + " used", RuleAWSAccessKey},
		{"pem block", "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----\nb", "a\n" + PrivateKeyMarker + "\nb", RulePrivateKey},
		{"public cert kept", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", ""},
		{"array value", `secrets=["a","b"] x`, `secrets=[` + Marker + `] x`, RuleSecretKey},
		{"object value left to its keys", `auth={"user":"u","password":"p"}`, `auth={"user":"u","password":"` + Marker + `"}`, RulePasswordPair},
		{"unicode around", "ключ password=пароль ok", "ключ password=" + Marker + " ok", RulePasswordPair},
		{"unterminated quote at end", `token="abc`, `token="` + Marker, RuleSecretKey},
		{"ruby arrow", `:password=>"x1"`, `:password=>"` + Marker + `"`, RulePasswordPair},
		{"comparison kept", "if token == x", "if token == x", ""},
		{"empty", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, counts := r.Bytes([]byte(tc.in))
			if string(got) != tc.want {
				t.Fatalf("redacted\n %q\ngot\n %q\nwant\n %q", tc.in, got, tc.want)
			}
			if tc.rule != "" && counts[tc.rule] == 0 {
				t.Fatalf("rule %s not counted: %v", tc.rule, counts)
			}
			if tc.rule == "" && counts.Total() != 0 {
				t.Fatalf("counted %v for text that has no secret", counts)
			}
			again, c2 := r.Bytes(got)
			if !bytes.Equal(again, got) || c2.Total() != 0 {
				t.Fatalf("redacting twice changed %q to %q (%v)", got, again, c2)
			}
		})
	}
}

func TestTokenVariants(t *testing.T) {
	secret := "s3cr3t/t0ken+with=signs"
	r := New()
	r.AddToken(secret)
	for name, text := range map[string]string{
		"raw":         "x " + secret + " y",
		"query":       "x?t=" + url.QueryEscape(secret) + "&y",
		"path":        "/a/" + url.PathEscape(secret) + "/b",
		"base64 off0": base64.StdEncoding.EncodeToString([]byte(secret + "tail")),
		"base64 off1": base64.StdEncoding.EncodeToString([]byte("u" + secret + "tail")),
		"base64 off2": base64.StdEncoding.EncodeToString([]byte("u:" + secret)),
		"base64url":   base64.URLEncoding.EncodeToString([]byte("ab" + secret)),
		"json-escape": `"` + strings.ReplaceAll(secret, "/", `\/`) + `"`,
	} {
		got := r.String(text)
		if strings.Contains(got, secret) || strings.Contains(got, url.QueryEscape(secret)) {
			t.Errorf("%s: token survives in %q", name, got)
		}
		if name != "json-escape" && !strings.Contains(got, HashToken(secret)) {
			t.Errorf("%s: no hash marker in %q", name, got)
		}
	}
}

// TestChunking checks that how the input is split across writes does not change the output,
// also when secrets straddle the window boundary.
func TestChunking(t *testing.T) {
	r := New()
	r.AddToken(tok)
	var in bytes.Buffer
	for i := 0; in.Len() < 3*window; i++ {
		in.WriteString("2026-11-27T10:00:00.000Z: level=info, logName=heartbeat, n=")
		in.WriteString(strings.Repeat("x", i%97))
		in.WriteString(" token=" + tok + " password=hunter2 Authorization: Bearer abcdefghijklmnop\n")
	}
	want, wc := r.Bytes(in.Bytes())
	for _, size := range []int{1, 7, 4096, window - 1, window + lookahead + 3} {
		var out bytes.Buffer
		w := r.NewWriter(&out)
		for p := in.Bytes(); len(p) > 0; {
			n := min(size, len(p))
			if _, err := w.Write(p[:n]); err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("chunk size %d: output differs from one write", size)
		}
		if w.Counts()[RulePasswordPair] != wc[RulePasswordPair] {
			t.Fatalf("chunk size %d: counts %v, want %v", size, w.Counts(), wc)
		}
	}
	if bytes.Contains(want, []byte(tok)) || bytes.Contains(want, []byte("hunter2")) || bytes.Contains(want, []byte("abcdefghijklmnop")) {
		t.Fatal("a secret survived")
	}
}

// TestLongSecrets plants secrets longer than the lookahead, at every position around window
// boundaries: none may survive.
func TestLongSecrets(t *testing.T) {
	long := strings.Repeat("Zq9", 4*lookahead)
	cases := map[string]string{
		"bare value":   "password=" + long + " after",
		"quoted value": `"secret": "` + long + `" after`,
		"header":       "Authorization: Basic " + long + "\nafter",
		"bearer":       "Bearer " + long + " after",
		"pem":          "-----BEGIN PRIVATE KEY-----\n" + long + "\n-----END PRIVATE KEY-----\nafter",
		"jwt":          "eyJ" + long + ".eyJ" + long + "." + long + " after",
	}
	for name, secret := range cases {
		for _, pad := range []int{0, window - 20, window - 3, window + 5, 2*window - 11} {
			in := strings.Repeat("a", pad) + " " + secret
			got := New().String(in)
			if strings.Contains(got, "Zq9Zq9") {
				t.Fatalf("%s at %d: part of the secret survived", name, pad)
			}
			if !strings.HasSuffix(got, "after") {
				t.Fatalf("%s at %d: text after the secret lost: %q", name, pad, got[max(0, len(got)-40):])
			}
		}
	}
}

// TestLongLine writes a 100 MB line without a newline and checks that memory held by the writer
// does not grow with it.
func TestLongLine(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100 MB")
	}
	w := New().NewWriter(discard{})
	chunk := bytes.Repeat([]byte("abcdefghij"), 6553)
	for n := 0; n < 100<<20; n += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if c := cap(w.buf) + cap(w.low) + cap(w.out); c > 4*(window+lookahead+lookbehind) {
		t.Fatalf("writer holds %d bytes of buffers after a 100 MB line", c)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

type failWriter struct{}

func (failWriter) Write(p []byte) (int, error) { return 0, errWrite }

var errWrite = bytes.ErrTooLarge

func TestWriterError(t *testing.T) {
	w := New().NewWriter(failWriter{})
	_, err := w.Write(bytes.Repeat([]byte("x"), 2*window))
	if err == nil {
		t.Fatal("a failing destination must fail the write")
	}
	if _, err := w.Write([]byte("more")); err == nil {
		t.Fatal("the error must stick")
	}
}
