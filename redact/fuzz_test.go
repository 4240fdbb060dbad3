package redact

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
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

// plant is one kind of secret: the line that carries it, built from random bytes, and the part
// of it that must not survive.
type plant struct {
	kind string
	make func(rnd func(n int, alphabet string) string) (line, secret string)
}

// A plant whose kind starts "strict/" is written in strict mode, with the token unknown: it must
// go by its shape.

const (
	alnum   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	pwChars = alnum + "!#*%^~"
	b64     = alnum + "+/"
	hexLow  = "0123456789abcdef"
	upDigit = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// fuzzToken is the agent token FuzzSecrets registers; the agent_token plants put it in the forms
// AddToken promises to catch.
const fuzzToken = "c0ffee5e1f2a3b4c5d6e7f8091a2b3c4"

// mixed returns a random string that holds every character class, as generated secrets do.
func mixed(rnd func(int, string) string, n int) string {
	return rnd(n-3, alnum) + rnd(1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + rnd(1, "abcdefghijklmnopqrstuvwxyz") + rnd(1, "0123456789")
}

var plants = []plant{
	{RuleAgentToken, func(rnd func(int, string) string) (string, string) {
		forms := []string{fuzzToken, strings.ToUpper(fuzzToken), fuzzToken[:13] + "\n    " + fuzzToken[13:],
			"'" + fuzzToken[:10] + "' +\n  '" + fuzzToken[10:] + "'"}
		return "token " + forms[int(rnd(1, "0123")[0]-'0')] + " sent", fuzzToken
	}},
	{RulePasswordPair, func(rnd func(int, string) string) (string, string) {
		pw := rnd(10, pwChars) + "Zz9"
		return "connection=Server=db;Uid=sa;Pwd=" + pw + ";Encrypt=yes", pw
	}},
	{RulePasswordPair + "/odbc", func(rnd func(int, string) string) (string, string) {
		pw := rnd(6, alnum) + ";" + rnd(4, alnum) + "}}" + rnd(3, alnum)
		return "PWD={" + pw + "};Server=x", strings.ReplaceAll(pw, "}}", "}")[:6]
	}},
	{RuleSecretKey, func(rnd func(int, string) string) (string, string) {
		v := rnd(12, pwChars)
		if v[0] == '%' && v[len(v)-1] == '%' {
			v = "k" + v[1:] // %NAME% is a Windows environment reference, rightly kept
		}
		return "  clientSecret: '" + v + "',", v
	}},
	{RuleSecretKey + "/azure", func(rnd func(int, string) string) (string, string) {
		v := rnd(40, b64) + "=="
		return "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=" + v + ";EndpointSuffix=core.windows.net", v
	}},
	{RuleAuthHeader, func(rnd func(int, string) string) (string, string) {
		v := rnd(24, alnum)
		return "x-functions-key: " + v, v
	}},
	{RuleCookie, func(rnd func(int, string) string) (string, string) {
		v := rnd(16, alnum)
		return "Cookie: connect.sid=" + v + "; theme=dark", v
	}},
	{RuleBearer, func(rnd func(int, string) string) (string, string) {
		v := rnd(30, alnum+"-._~")
		return "sent Bearer " + v + " to the api", v
	}},
	{RuleBasicAuth, func(rnd func(int, string) string) (string, string) {
		v := base64.StdEncoding.EncodeToString([]byte("svc:" + rnd(12, pwChars)))
		return "proxy said Basic " + v + " ok", v
	}},
	{RuleURLCredentials, func(rnd func(int, string) string) (string, string) {
		pw := rnd(10, alnum+":!*") + "x"
		return "HTTPS_PROXY=http://bob:" + pw + "@proxy.example.invalid:3128", pw
	}},
	{RuleOracle, func(rnd func(int, string) string) (string, string) {
		pw := rnd(12, alnum+"_#$")
		return "url=jdbc:oracle:thin:scott/" + pw + "@//db.example.invalid:1521/ORCL", pw
	}},
	{RulePrivateKey, func(rnd func(int, string) string) (string, string) {
		body := rnd(64, b64)
		return "-----BEGIN RSA PRIVATE KEY-----\n" + body + "\n" + rnd(64, b64) + "\n-----END RSA PRIVATE KEY-----", body
	}},
	{RuleJWT, func(rnd func(int, string) string) (string, string) {
		sig := rnd(43, alnum+"-_")
		return "id_token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiI" + rnd(20, alnum) + "." + sig + " ok", sig
	}},
	{RuleAWSAccessKey, func(rnd func(int, string) string) (string, string) {
		id := "AKIA" + rnd(16, upDigit)
		return "aws " + id + " " + mixed(rnd, 40), id
	}},
	{RuleVendorToken, func(rnd func(int, string) string) (string, string) {
		forms := []string{"ghp_" + rnd(36, alnum), "xoxb-" + rnd(12, "0123456789") + "-" + rnd(24, alnum), "sk_live_" + rnd(24, alnum),
			"AIza" + rnd(35, alnum+"-_"), "SG." + rnd(22, alnum+"-_") + "." + rnd(43, alnum+"-_"), "glpat-" + rnd(20, alnum)}
		v := forms[int(rnd(1, "012345")[0]-'0')]
		return "using " + v + " now", v
	}},
	{RuleSalesforce, func(rnd func(int, string) string) (string, string) {
		v := "00D" + rnd(12, alnum) + "!" + rnd(96, alnum+"._")
		return "session " + v, v[16:]
	}},
	{RuleCLIPassword, func(rnd func(int, string) string) (string, string) {
		pw := mixed(rnd, 12)
		forms := []string{"mysql -u root -p" + pw + " erp", "sshpass -p " + pw + " ssh host", "keytool -list -storepass " + pw,
			"curl -u admin:" + pw + " https://x.invalid", `net use Z: \\srv\share ` + pw + ` /user:CORP\bob`, "tool --password " + pw}
		return forms[int(rnd(1, "012345")[0]-'0')], pw
	}},
	{RuleProtocolPassword, func(rnd func(int, string) string) (string, string) {
		pw := rnd(12, alnum)
		return "> PASS " + pw, pw
	}},
	{RuleCredentialFile, func(rnd func(int, string) string) (string, string) {
		pw := rnd(12, alnum)
		if rnd(1, "01") == "0" {
			return "machine api.example.invalid login bob password " + pw, pw
		}
		return "db.example.invalid:5432:erp:svc:" + pw, pw
	}},
	{RuleHighEntropy, func(rnd func(int, string) string) (string, string) {
		v := mixed(rnd, 32)
		return "key " + v + " rejected", v
	}},
	{"split token", func(rnd func(int, string) string) (string, string) {
		forms := []string{
			rnd(3, alnum) + "8Q~" + rnd(34, alnum+"_~.-"),                          // Azure client secret
			"MT" + mixed(rnd, 24) + "." + rnd(6, alnum) + "." + mixed(rnd, 38),     // Discord
			mixed(rnd, 20) + "%2B" + rnd(9, alnum) + "%2F" + rnd(5, alnum) + "%3D", // base64 in a query string
			"$apr1$" + rnd(8, alnum) + "$" + mixed(rnd, 22),                        // crypt(3)
			"5087369646:AA" + mixed(rnd, 33),                                       // Telegram
			"2/1207237468439370/1201806039091860:" + rnd(32, "0123456789abcdef"),   // Asana
		}
		v := forms[int(rnd(1, "012345")[0]-'0')]
		return "got " + v + " from it", v
	}},
	{"paired value", func(rnd func(int, string) string) (string, string) {
		pw := mixed(rnd, 12)
		forms := []string{"rawHeaders: [ 'X-Api-Key', '" + pw + "' ]", "    DefaultPassword    REG_SZ    " + pw,
			"ALTER USER 'io'@'%' IDENTIFIED BY '" + pw + "';", "<entry key=\"db.password\">" + pw + "</entry>",
			"Stripe-Signature: t=1,v1=" + pw + "a0", "redis> AUTH default " + pw}
		return forms[int(rnd(1, "012345")[0]-'0')], pw
	}},
	{"yaml pair", func(rnd func(int, string) string) (string, string) {
		v := rnd(14, alnum)
		return "- name: DB_PASSWORD\n  value: " + v, v
	}},
	// Strict mode: the forms of an unknown token that only its literal would catch otherwise.
	{"strict/hex wrapped", func(rnd func(int, string) string) (string, string) {
		h := rnd(31, hexLow) + rnd(1, "0123456789")
		cut := 4 + int(rnd(1, "0123456789abcdefghijklmnop")[0]%24) // 4..27
		forms := []string{"token=" + h[:cut] + "\n" + h[cut:] + " end", "token=" + h[:cut] + "\r\n    " + h[cut:],
			"{ data: '" + h[:cut] + "' +\n    '" + h[cut:] + "' }",
			"{ data: '" + h[:10] + "' +\n  '" + h[10:21] + "' +\n  '" + h[21:] + "' }",
			strings.ToUpper(h[:cut]) + "\n" + strings.ToUpper(h[cut:])}
		k := int(rnd(1, "01234")[0] - '0')
		line := forms[k]
		if k == 4 {
			return line, strings.ToUpper(h[:cut])
		}
		if k == 3 {
			return line, h[10:21]
		}
		if cut < 8 {
			return line, h[cut:]
		}
		return line, h[:cut]
	}},
	{"strict/percent-encoded", func(rnd func(int, string) string) (string, string) {
		h := rnd(31, hexLow) + rnd(1, "0123456789")
		if rnd(1, "01") == "0" {
			h = mixed(rnd, 24) + "/" + rnd(6, alnum) + "+" + mixed(rnd, 9)
		}
		f := "%%%02x"
		if rnd(1, "01") == "0" {
			f = "%%%02X"
		}
		var b strings.Builder
		for i := 0; i < len(h); i++ {
			fmt.Fprintf(&b, f, h[i])
		}
		return "GET /x?t=" + b.String() + " HTTP/1.1", b.String()[:36]
	}},
	{"strict/base64", func(rnd func(int, string) string) (string, string) {
		head := mixed(rnd, 24)
		tok := head + "/" + rnd(6, alnum) + "+" + mixed(rnd, 9)
		forms := []string{"GET /x?t=" + url.QueryEscape(tok) + " ok", `{"t":"` + strings.ReplaceAll(tok, "/", `\/`) + `"}`,
			"open /var/cache/" + tok + "/x failed", "tok " + strings.ToUpper(tok) + " x", "key=" + tok[:25] + "\n    " + tok[25:]}
		k := int(rnd(1, "01234")[0] - '0')
		if k == 3 {
			return forms[k], strings.ToUpper(head)
		}
		return forms[k], head
	}},
}

// FuzzSecrets plants a secret of every rule's kind, built from the fuzzer's bytes, in arbitrary
// text, at an arbitrary distance from a window boundary, and writes it in arbitrary chunks: the
// secret never survives, and chunking never changes the output.
func FuzzSecrets(f *testing.F) {
	f.Add([]byte("level=info"), []byte("seed"), uint8(0), uint16(0), uint16(7))
	f.Add([]byte("a\n-----BEGIN CERTIFICATE-----"), []byte{1, 2, 3}, uint8(11), uint16(65530), uint16(4096))
	f.Add([]byte("'set-cookie': ["), []byte("x"), uint8(6), uint16(65500), uint16(1))
	f.Add([]byte(`{"password":"`), []byte("yy"), uint8(15), uint16(300), uint16(65535))
	for k := range plants {
		f.Add([]byte("text before\nand after"), []byte{byte(k)}, uint8(k), uint16(k*3100), uint16(k*997+1))
	}
	f.Fuzz(func(t *testing.T, text, seed []byte, kind uint8, pad, chunk uint16) {
		p := plants[int(kind)%len(plants)]
		h := sha256.Sum256(seed)
		stream := h[:]
		rnd := func(n int, alphabet string) string {
			var b strings.Builder
			for b.Len() < n {
				if len(stream) == 0 {
					h = sha256.Sum256(h[:])
					stream = h[:]
				}
				b.WriteByte(alphabet[int(stream[0])%len(alphabet)])
				stream = stream[1:]
			}
			return b.String()
		}
		line, secret := p.make(rnd)
		if bytes.Contains(text, []byte(secret)) {
			t.Skip("the text holds the secret itself")
		}
		filler := strings.Repeat("2026-11-27T10:00:00.000Z: level=info, logName=heartbeat\n", int(pad)/56)
		pos := len(text) / 2
		in := []byte(filler + string(text[:pos]) + "\n" + line + "\n" + string(text[pos:]))
		r := New()
		r.AddToken(fuzzToken)
		if strings.HasPrefix(p.kind, "strict/") {
			r.SetStrict("fuzz")
		}
		whole, _ := r.Bytes(in)
		if bytes.Contains(whole, []byte(secret)) {
			t.Fatalf("%s: %q survives in %q", p.kind, secret, tail(whole, secret))
		}
		size := int(chunk)%9000 + 1
		var out bytes.Buffer
		w := r.NewWriter(&out)
		for q := in; len(q) > 0; {
			n := min(size, len(q))
			if _, err := w.Write(q[:n]); err != nil {
				t.Fatal(err)
			}
			q = q[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), whole) {
			t.Fatalf("%s: chunks of %d give a different output than one write:\n%s", p.kind, size, firstDiff(whole, out.Bytes()))
		}
	})
}

// tail returns the text around the first occurrence of s in b.
func tail(b []byte, s string) []byte {
	i := bytes.Index(b, []byte(s))
	return b[max(0, i-120):min(len(b), i+len(s)+60)]
}
