package redact

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestStrict(t *testing.T) {
	r := New()
	if on, _ := r.Strict(); on {
		t.Fatal("a new redactor must not be strict")
	}
	hexTok := "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
	b64Tok := "k7Jd9Qx2Lm8PzR4w"
	line := "sending " + hexTok + " and " + b64Tok + " now"
	if got := r.String(line); !strings.Contains(got, hexTok) || !strings.Contains(got, b64Tok) {
		t.Fatalf("not strict yet, %q must pass: hex ids are kept, and 16 bytes are below the detector's bar", got)
	}
	r.SetStrict("the Settings file is UTF-16 and could not be read")
	if on, why := r.Strict(); !on || why != "the Settings file is UTF-16 and could not be read" {
		t.Fatalf("Strict() = %v, %q", on, why)
	}
	runRuleCases(t, r, []ruleCase{
		{name: "hex token", in: line, gone: []string{hexTok, b64Tok}, rule: RuleTokenShaped},
		{name: "numeric token", in: "token 1234567890123456789012345 sent", gone: []string{"1234567890123456789012345"}, rule: RuleTokenShaped},
		{name: "upper-case hex", in: "x " + strings.ToUpper(hexTok) + " y", gone: []string{strings.ToUpper(hexTok)}, rule: RuleTokenShaped},
		{name: "ids and hashes that support reads", in: "uuid a440c89d-cd89-449c-a9fa-8072805e1ed0 sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 " +
			"marker sha256:0123456789abcdef requestId=59041cb500b9ba52ff23eb61 traceId=5c3e4fd9afd289ad0c4a4f62909b1498 short 3ce8e1dfd79eb77b " +
			"uncaughtExceptionHappenedOnService ERR_SSL_WRONG_VERSION_NUMBER 2026-11-27T10:00:00.000Z /opt/celigo/agent/node_modules/ssh2/lib/client.js"},
		{name: "words the findings and logs need, camelCase or not", in: "read the uncaughtException file; heartbeatFailed tunnelReadyForUse requestTunnel " +
			"SocketTimeoutException UnhandledPromiseRejectionWarning NullPointerException ExecMainStartTimestamp X-Amzn-Trace-Id " +
			"application/x-www-form-urlencoded ECONNREFUSED getaddrinfo ENOTFOUND"},
	})
	// Bytes, String and Scrub are strict too.
	if out, c := r.Scrub([]byte(line)); bytes.Contains(out, []byte(hexTok)) || c[RuleTokenShaped] == 0 {
		t.Fatalf("Scrub in strict mode kept the token: %q %v", out, c)
	}
	r.SetStrict("second reason")
	if on, why := r.Strict(); !on || why != "second reason" {
		t.Fatalf("SetStrict again must replace the reason: %v %q", on, why)
	}
}

// TestStrictRunningWriter switches strict mode on while a Writer is running: the windows it
// processes afterwards are strict.
func TestStrictRunningWriter(t *testing.T) {
	r := New()
	var out bytes.Buffer
	w := r.NewWriter(&out)
	tokLine := "2026-11-27T10:00:00Z: level=info, got 9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e\n"
	filler := strings.Repeat("2026-11-27T10:00:00Z: level=info, logName=heartbeat\n", 2*window/50)
	if _, err := w.Write([]byte(tokLine + filler)); err != nil {
		t.Fatal(err)
	}
	r.SetStrict("test")
	if _, err := w.Write([]byte(tokLine + filler)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"); n != 1 {
		t.Fatalf("the token written after SetStrict must go, the one before it was processed stays: %d left", n)
	}
}

// TestStrictConcurrent runs writers while strict mode is switched on (for -race).
func TestStrictConcurrent(t *testing.T) {
	r := New()
	r.AddToken("9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e")
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := r.NewWriter(discard{})
			for k := 0; k < 20; k++ {
				_, _ = w.Write(agentLog(16 << 10))
				_ = r.String("x 0123456789abcdef0123456789abcdef y")
			}
			_ = w.Close()
		}()
	}
	r.SetStrict("concurrent")
	r.AddToken("another-token-value-1234")
	wg.Wait()
	if on, _ := r.Strict(); !on {
		t.Fatal("strict mode lost")
	}
}

func TestScrub(t *testing.T) {
	token := "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
	for _, name := range []string{"manifest.json", "summary.txt"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, strict := range []bool{false, true} {
			r := New()
			r.AddToken(token)
			if strict {
				r.SetStrict("test")
			}
			out, c := r.Scrub(data)
			if !bytes.Equal(out, data) || c.Total() != 0 {
				t.Fatalf("%s (strict %v): Scrub changed opadiag's own text (%v):\n%s", name, strict, c, firstDiff(data, out))
			}
		}
	}
	manifest, err := os.ReadFile(filepath.Join("testdata", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	for _, planted := range []struct{ name, value, gone, rule string }{
		{"token", "heartbeat sent with " + token, token, RuleAgentToken},
		{"jwt", "Authorization failed for " + jwt, jwt, RuleJWT},
		{"url password", "proxy http://bob:Sup3rS3cret@proxy.example.invalid:8080 refused", "Sup3rS3cret", RuleURLCredentials},
		{"vendor token", "posting with " + slackTok, slackTok, RuleVendorToken},
		{"random key", "key " + randomKey + " rejected", randomKey, RuleHighEntropy},
		{"private key", `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----`, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", RulePrivateKey},
	} {
		t.Run(planted.name, func(t *testing.T) {
			in := bytes.Replace(manifest, []byte(`"title": "The agent is not running"`), []byte(`"title": "`+planted.value+`"`), 1)
			if bytes.Equal(in, manifest) {
				t.Fatal("the manifest fixture has no finding to plant into")
			}
			r := New()
			r.AddToken(token)
			out, c := r.Scrub(in)
			if bytes.Contains(out, []byte(planted.gone)) || c[planted.rule] == 0 {
				t.Fatalf("%q survives Scrub or %s not counted (%v)", planted.gone, planted.rule, c)
			}
			if len(out)-len(in) != len(Marker)-len(planted.gone) && c[RuleAgentToken] == 0 && planted.rule != RulePrivateKey && planted.rule != RuleJWT {
				t.Fatalf("Scrub changed more than the planted secret: %v", c)
			}
		})
	}
	// Key names are not rules of Scrub: they are the manifest's own.
	own := []byte(`{"password_pair": 3, "secret_key": 1, "token_hash": "sha256:0123456789abcdef", "password": "x"}`)
	if out, c := New().Scrub(own); !bytes.Equal(out, own) {
		t.Fatalf("Scrub applied a key rule: %s %v", out, c)
	}
}

// firstDiff shows where two texts part.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-80)
	return "want …" + string(a[lo:min(len(a), i+80)]) + "…\ngot  …" + string(b[lo:min(len(b), i+80)]) + "…"
}
