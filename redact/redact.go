// Package redact removes secrets from everything that goes into a support bundle.
//
// It is pure: bytes or streams in, redacted bytes out, no file or OS access. Four kinds of
// rule apply:
//
//   - the agent token, registered with [Redactor.AddToken], becomes its hash marker
//     (see [HashToken]) wherever the literal appears, in any case, URL-encoded, JSON-escaped,
//     inside base64, or broken across a line (a wrapped line, util.inspect's "' +" continuation,
//     base64 wrapped at 76 columns);
//   - in JSON documents ([Redactor.JSON]) every value under a secret-looking key becomes
//     [Marker], and every value under a token key becomes the token's hash marker;
//   - in any text ([Redactor.NewWriter], [Redactor.Bytes]) named rules replace the values of
//     secret-looking keys (key=value, headers, XML elements, name/value pairs split over two
//     lines, environment dumps), credentials after command-line flags and protocol commands,
//     credentials in URLs and connection strings, bearer tokens, HTTP Basic credentials, PEM and
//     PGP private-key blocks, JWTs, AWS keys and vendor tokens recognisable by their prefix;
//   - a detector replaces secret-looking values that no name or position gives away, from their
//     length, character classes and letter pairs, and leaves alone the shapes support must read
//     (ids, hashes, UUIDs, timestamps, versions, paths). In strict mode ([Redactor.SetStrict])
//     every token-shaped string goes too.
//
// Every replacement is counted per rule (see the Rule constants) so that the manifest can say
// what was removed without saying what it was.
package redact

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Marker replaces every secret that is not the agent token.
const Marker = "[REDACTED]"

// PrivateKeyMarker replaces a whole PEM private-key block.
const PrivateKeyMarker = "[REDACTED PRIVATE KEY]"

// Names of the redaction rules, as they appear in the manifest's counts.
const (
	RuleAgentToken       = "agent_token"        // the agent token's literal value, in any encoding
	RuleSecretKey        = "secret_key"         // value of a secret-looking key (JSON, key=value, headers, XML, env)
	RulePasswordPair     = "password_pair"      // value of a password key: password=/pwd= pairs, JDBC and ODBC strings
	RuleAuthHeader       = "auth_header"        // Authorization, Proxy-Authorization and *-key/*-token header values
	RuleCookie           = "cookie"             // Cookie and Set-Cookie header values
	RuleBearer           = "bearer_token"       // "Bearer <token>"
	RuleBasicAuth        = "basic_auth"         // "Basic <base64 of user:password>"
	RuleURLCredentials   = "url_credentials"    // scheme://user:password@host, user:password@host
	RuleOracle           = "oracle_credentials" // user/password@host:port/service (EZConnect, JDBC thin)
	RulePrivateKey       = "private_key"        // PEM and PGP private-key blocks
	RuleJWT              = "jwt"                // JSON Web Tokens
	RuleAWSAccessKey     = "aws_access_key"     // AKIA…/ASIA… access key IDs
	RuleAWSSecretKey     = "aws_secret_key"     // a 40-character secret key next to an access key ID
	RuleVendorToken      = "vendor_token"       // tokens known by their prefix or shape: Slack, GitHub, Stripe, Telegram, Entra ID, crypt(3)…
	RuleSalesforce       = "salesforce_session" // Salesforce session ids (00D…!…)
	RuleCLIPassword      = "cli_password"       // after -p, --password, -storepass, curl -u, net use …
	RuleProtocolPassword = "protocol_password"  // FTP/POP PASS, SMTP/IMAP AUTH PLAIN/LOGIN, IMAP LOGIN
	RuleCredentialFile   = "credential_file"    // .netrc and .pgpass lines
	RuleHighEntropy      = "high_entropy"       // a secret-looking value with no name: the generic detector
	RuleTokenShaped      = "token_shaped"       // strict mode: any long hex or high-entropy base64 run
)

// RuleNames lists every rule name the redactor counts under, in the order of the README.
var RuleNames = []string{
	RuleAgentToken, RuleSecretKey, RulePasswordPair, RuleAuthHeader, RuleCookie, RuleBearer,
	RuleBasicAuth, RuleURLCredentials, RuleOracle, RulePrivateKey, RuleJWT, RuleAWSAccessKey,
	RuleAWSSecretKey, RuleVendorToken, RuleSalesforce, RuleCLIPassword, RuleProtocolPassword,
	RuleCredentialFile, RuleHighEntropy, RuleTokenShaped,
}

// Counts is the number of replacements per rule name.
type Counts map[string]int

// Add adds every count of o to c.
func (c Counts) Add(o Counts) {
	for k, v := range o {
		c[k] += v
	}
}

// Total is the sum of all counts.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// HashToken returns the marker that stands for the agent token in a bundle: "sha256:" followed by
// the first 16 hex digits of the SHA-256 of the exact stored value, whitespace and quotes included.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// isTokenMarker reports whether b is exactly a marker made by HashToken.
func isTokenMarker(b []byte) bool {
	if len(b) != len("sha256:")+16 || string(b[:7]) != "sha256:" {
		return false
	}
	for _, c := range b[7:] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// isMarker reports whether b is already the output of a rule, so redacting twice changes nothing.
func isMarker(b []byte) bool {
	return string(b) == Marker || string(b) == PrivateKeyMarker || string(b) == "["+Marker+"]" || isTokenMarker(b)
}

// literal is one exact byte string to replace.
type literal struct {
	find []byte
	low  []byte // find, ASCII-lowercased: literals match in any case
	repl []byte
	rule string
}

// Redactor holds the rules for one bundle. The zero value is not usable; call New.
// It is safe for concurrent use; a Writer uses the literals registered when it was made, and
// the strict mode as it is at each of its windows.
type Redactor struct {
	mu       sync.RWMutex
	literals []literal
	seen     map[string]bool
	set      *literalSet // literals sorted and indexed, rebuilt when one is added; nil: stale
	obf      *Obfuscator // also replace host names, IPs and user names; nil: do not

	strict       atomic.Bool
	strictReason atomic.Pointer[string]
}

// New returns a Redactor with the pattern rules and no literals.
func New() *Redactor {
	return &Redactor{seen: map[string]bool{}}
}

// SetStrict switches on strict mode, for a run where the agent token could not be learned:
// from then on every token-shaped string (hex runs of 24 digits or more, base64 and base64url
// runs that the detector finds even slightly random) is redacted under the rule token_shaped,
// by [Redactor.Bytes], [Redactor.String], [Redactor.Scrub] and every Writer, including those
// already running (from their next 64 KiB window). Strict mode cannot be switched off; calling
// SetStrict again only replaces the reason. Safe for concurrent use.
func (r *Redactor) SetStrict(reason string) {
	r.strictReason.Store(&reason)
	r.strict.Store(true)
}

// Strict reports whether strict mode is on, and the reason given to SetStrict.
func (r *Redactor) Strict() (on bool, reason string) {
	if !r.strict.Load() {
		return false, ""
	}
	if p := r.strictReason.Load(); p != nil {
		reason = *p
	}
	return true, reason
}

// maxLiteral bounds a literal's length so that the stream's lookahead can always hold one.
const maxLiteral = 2048

// AddToken registers the agent token: every occurrence of its literal value becomes
// HashToken(token), in any letter case, also when it appears URL-encoded, JSON-escaped (with or
// without "\/" for "/"), trimmed of surrounding whitespace or quotes, inside base64 (as in an
// HTTP Basic header), or broken across a line break (see [Redactor.NewWriter]); and with every
// byte percent-encoded (%39%66%32…, as some HTTP clients and proxies log a value),
// \u-escaped (\u0039\u0066…) or hex-encoded (3966…), of the token and of its upper case (whose
// letters encode to other bytes: 'f' is %66, 'F' is %46).
func (r *Redactor) AddToken(token string) {
	repl := HashToken(token)
	variants := []string{token}
	if t := strings.Trim(token, " \t\r\n\"'"); t != token {
		variants = append(variants, t)
	}
	for _, v := range append([]string(nil), variants...) {
		variants = append(variants, url.QueryEscape(v), url.PathEscape(v))
		if js, err := json.Marshal(v); err == nil {
			esc := string(js[1 : len(js)-1])
			variants = append(variants, esc, strings.ReplaceAll(esc, "/", `\/`))
		}
		variants = append(variants, base64Cores(v)...)
	}
	for _, v := range []string{token, string(upperASCII([]byte(token)))} {
		variants = append(variants, percentEncodeAll(v), unicodeEscapeAll(v), hex.EncodeToString([]byte(v)))
	}
	for _, v := range variants {
		r.addLiteral(v, repl, RuleAgentToken)
	}
}

// AddLiteral registers an exact secret (a password read from a config file, say) that becomes
// Marker wherever it appears, in any letter case.
func (r *Redactor) AddLiteral(secret string) {
	r.addLiteral(secret, Marker, RuleSecretKey)
}

func (r *Redactor) addLiteral(find, repl, rule string) {
	if LiteralProblem(find) != "" || len(find) > maxLiteral {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	key := string(lowerASCII(nil, []byte(find)))
	if r.seen[key] {
		return
	}
	r.seen[key] = true
	r.literals = append(r.literals, literal{find: []byte(find), low: []byte(key), repl: []byte(repl), rule: rule})
	r.set = nil
}

// snapshot returns the literals registered so far, longest first so that a longer variant wins
// over a shorter one starting at the same place, with their index for broken-line matching. It
// is shared by every Writer made until the next literal is registered, and never modified.
func (r *Redactor) snapshot() *literalSet {
	r.mu.RLock()
	set := r.set
	r.mu.RUnlock()
	if set != nil {
		return set
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.set == nil {
		lits := append([]literal(nil), r.literals...)
		sort.SliceStable(lits, func(i, j int) bool { return len(lits[i].find) > len(lits[j].find) })
		r.set = newLiteralSet(lits)
	}
	return r.set
}

// base64Cores returns, for each of the three alignments a value can have inside a base64 stream,
// the part of its encoding that does not depend on the neighbouring bytes.
func base64Cores(v string) []string {
	var out []string
	for off := 0; off < 3; off++ {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, off), v...))
		// Characters up to the first full 3-byte group holding only token bytes mix in the
		// padding; the tail group may mix in what follows.
		start := 0
		if off > 0 {
			start = 4
		}
		end := ((off + len(v)) / 3) * 4
		if end-start >= 8 {
			core := enc[start:end]
			out = append(out, core, strings.NewReplacer("+", "-", "/", "_").Replace(core))
		}
	}
	return out
}

// Bytes returns p with every rule applied, and the replacements made.
func (r *Redactor) Bytes(p []byte) ([]byte, Counts) {
	return r.apply(p, allRules)
}

// String returns s with every rule applied.
func (r *Redactor) String(s string) string {
	b, _ := r.Bytes([]byte(s))
	return string(b)
}

// Scrub is the last line of defence for text opadiag generates itself from what was already
// redacted (manifest.json, summary.txt, report.html): it applies the registered literals (the
// token in every encoding), the token shapes when strict mode is on, and the rules that know a
// secret by its value — credentials in URLs and connection strings, bearer and Basic
// credentials, JWTs, private-key blocks, AWS keys, vendor tokens, Salesforce sessions and the
// generic detector — but not the rules that go by a key's name or a position, which would take
// the manifest's own keys and counts ("password_pair": 3, "token_hash") for secrets. Hashes,
// hash markers, UUIDs, paths, rule names and durations pass unchanged.
func (r *Redactor) Scrub(b []byte) ([]byte, Counts) {
	return r.apply(b, scrubRules)
}

func (r *Redactor) apply(p []byte, set ruleSet) ([]byte, Counts) {
	var out bytesBuffer
	w := r.newWriter(&out, set)
	_ = w.all(p) // a bytesBuffer does not fail
	return out.b, w.Counts()
}

// bytesBuffer is a minimal append-only writer, cheaper than bytes.Buffer for one-shot use.
type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
