package redact

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// pctEncode writes every byte of s as %XX, with upper- or lower-case hex digits.
func pctEncode(s string, upper bool) string {
	f := "%%%02x"
	if upper {
		f = "%%%02X"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, f, s[i])
	}
	return b.String()
}

// TestStrictForms: in strict mode the forms of a token that only its literal caught before —
// wrapped across lines, split by util.inspect, %-encoded, "\/"-escaped, upper-cased base64, in a
// file path — go by their shape, and their ordinary neighbours stay.
func TestStrictForms(t *testing.T) {
	r := New()
	r.SetStrict("test")
	h := "0123456789abcdef0123456789abcdef"
	b := "Kx7/mQ2+Lp9wRt4zVb8/Nc3+Hy6jFd1sGe5aUo0i"
	split := func(parts ...string) string {
		return "{ data: '" + strings.Join(parts, "' +\n    '") + "' }"
	}
	hexGone := func(parts ...string) []string { return parts }
	runRuleCases(t, r, []ruleCase{
		{name: "wrapped", in: "token=" + h[:16] + "\n" + h[16:] + " end", gone: hexGone(h[:16], h[16:]), kept: []string{"token=", "\n", " end"}, rule: RuleTokenShaped},
		{name: "wrapped, indented", in: "token=" + h[:16] + "\n    " + h[16:] + "\n", gone: hexGone(h[:16], h[16:]), kept: []string{"\n    "}, rule: RuleTokenShaped},
		{name: "wrapped, CRLF", in: "token=" + h[:16] + "\r\n\t" + h[16:] + "\r\n", gone: hexGone(h[:16], h[16:]), rule: RuleTokenShaped},
		{name: "wrapped, upper case", in: "T " + strings.ToUpper(h[:16]) + "\n" + strings.ToUpper(h[16:]) + " x", gone: hexGone(strings.ToUpper(h[:16]), strings.ToUpper(h[16:])), rule: RuleTokenShaped},
		{name: "util.inspect 16+16", in: split(h[:16], h[16:]), gone: hexGone(h[:16], h[16:]), rule: RuleTokenShaped},
		{name: "util.inspect 20+12", in: split(h[:20], h[20:]), gone: hexGone(h[:20], h[20:]), rule: RuleTokenShaped},
		{name: "util.inspect 8+24", in: split(h[:8], h[8:]), gone: hexGone(h[:8], h[8:]), rule: RuleTokenShaped},
		{name: "util.inspect three pieces", in: split(h[:11], h[11:22], h[22:]), gone: hexGone(h[:11], h[11:22], h[22:]), rule: RuleTokenShaped},
		{name: "util.inspect, double quotes", in: `x: "` + h[:12] + `" +` + "\n  \"" + h[12:] + `"`, gone: hexGone(h[:12], h[12:]), rule: RuleTokenShaped},
		{name: "percent-encoded, lower", in: "GET /x?t=" + pctEncode(h, false) + " HTTP/1.1", gone: []string{pctEncode(h, false)[:30]}, kept: []string{"GET /x?t=", " HTTP/1.1"}, rule: RuleTokenShaped},
		{name: "percent-encoded, upper", in: "GET /x?t=" + pctEncode(h, true) + "&y=1", gone: []string{pctEncode(h, true)[:30]}, kept: []string{"&y=1"}, rule: RuleTokenShaped},
		{name: "percent-encoded base64", in: "GET /x?t=" + pctEncode(b, true) + " ok", gone: []string{pctEncode(b, true)[:30]}, rule: RuleTokenShaped},
		{name: "base64 %2F %2B", in: "GET /x?t=" + url.QueryEscape(b) + " x", gone: []string{"Kx7", "mQ2", "Nc3", "Hy6j"}, kept: []string{"?t="}, rule: RuleTokenShaped},
		{name: "base64 \\/", in: `{"t":"` + strings.ReplaceAll(b, "/", `\/`) + `"}`, gone: []string{"Kx7", "mQ2", "Nc3", "Hy6j"}, kept: []string{`{"t":"`}, rule: RuleTokenShaped},
		{name: "base64 upper case", in: "tok " + strings.ToUpper(b) + " x", gone: []string{"KX7", "MQ2", "NC3", "LP9"}, rule: RuleTokenShaped},
		{name: "base64 lower case", in: "tok " + strings.ToLower(b) + " x", gone: []string{"kx7", "mq2", "nc3", "lp9"}, rule: RuleTokenShaped},
		{name: "base64 in a path", in: "open /var/cache/" + b + "/x failed", gone: []string{"Kx7", "mQ2", "Nc3", "Lp9"}, kept: []string{"/var/cache/", "/x failed"}, rule: RuleTokenShaped},
		{name: "base64url in a path", in: "open /var/cache/" + strings.NewReplacer("/", "_", "+", "-").Replace(b) + "/x", gone: []string{"Kx7", "mQ2", "Nc3", "Lp9"}, kept: []string{"/var/cache/"}, rule: RuleTokenShaped},
		{name: "escaped path keeps its words", in: `{"url":"\/v1\/exports\/5f1a2b3c4d5e6f7a8b9c0d1e\/run"}`, gone: []string{"5f1a2b3c4d5e6f7a8b9c0d1e"},
			kept: []string{`\/v1\/exports\/`, `\/run"}`}, rule: RuleTokenShaped},
		{name: "encoded url keeps its words", in: "next=%2Fv1%2Fagents%3Ft%3D" + pctEncode(h, false) + "&x=1", gone: []string{pctEncode(h, false)[:30]},
			kept: []string{"next=%2Fv1%2Fagents%3Ft%3D", "&x=1"}, rule: RuleTokenShaped},
		{name: "base64 wrapped", in: "key=" + b[:20] + "\n" + b[20:] + " end", gone: []string{b[:20], b[20:]}, kept: []string{"key=", " end"}, rule: RuleTokenShaped},
		{name: "base64 util.inspect", in: split(b[:13], b[13:27], b[27:]), gone: []string{b[:13], b[13:27], b[27:]}, rule: RuleTokenShaped},
		{name: "alphanumeric wrapped", in: "key k7Jd9Qx2Lm8PzR4wT6\n    h3Nc5Vf1Gs9Ka2Wd ok", gone: []string{"k7Jd9Qx2Lm8PzR4wT6", "h3Nc5Vf1Gs9Ka2Wd"}, rule: RuleTokenShaped},
		// Neighbours that must stay.
		{name: "identifiers across lines", in: "status SocketTimeoutException\nErrorCode ECONNRESET utf8\nSHA384 v1\nv2 done\n"},
		{name: "uuid then a name", in: `HKEY_USERS\S-1-5-21-3623811015\Uninstall\3c9b3b10-1d52-5c4e-a2b2-1f2d2b0c9a11` + "\n    DisplayName    REG_SZ    Agent 3.6.2"},
		{name: "key file headers", in: "Comment: rsa-key-20261203\nPublic-Lines: 2\n"},
		{name: "git describe then a dated line", in: "describe=v1.30.8-24-g3fbcbeb\n2026-12-03T00:04:00.150Z: level=error\n"},
		{name: "dated lines", in: "2026-11-27T10:00:00.000Z level=info port=7017\n2026-11-27T10:00:01.000Z at node:dns:107:26\n2026-11-27T10:00:02Z x"},
		{name: "short hex then text", in: "short 3ce8e1dfd79eb77b\nnext line 2026-11-27T10:00:00Z\n"},
		{name: "short hex then a dated line", in: "commit 3ce8e1dfd79eb77b\n2026-11-27T10:00:00.000Z level=info\n"},
		{name: "hex words across lines", in: "the cafe\nfaded decade\nbead\n"},
		{name: "numbers across lines", in: "took 1234\n5678 bytes\n"},
		{name: "short wrapped pieces", in: "id " + h[:8] + "\n" + h[:8] + " x\n"},
		{name: "util.inspect of words", in: "{ message: 'Heartbeat sent successfully to the ' +\n    'integrator.io api' }"},
		{name: "percent-encoded text", in: "GET /search?q=hello%20world%2C%20how%20are%20you&path=%2Fopt%2Fceligo%2Fagent%2Flogs"},
		{name: "percent-encoded url", in: "redirect=https%3A%2F%2Fapi.integrator.io%2Fv1%2Fagents%2Fheartbeat%3Fstatus%3D200"},
		{name: "escaped path", in: `{"path":"\/opt\/celigo\/agent\/node_modules\/ssh2\/lib\/client.js"}`},
		{name: "path with versions", in: "GET /api/v1/exports/status/utf8/SHA384 200 /opt/celigo/node_modules/ssh2/lib/client.js"},
		{name: "uuid and request id", in: "uuid a440c89d-cd89-449c-a9fa-8072805e1ed0 requestId=59041cb500b9ba52ff23eb61"},
	})
}
