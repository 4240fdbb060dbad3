// Package redact removes secrets from everything that goes into a support bundle.
//
// It is pure: bytes or streams in, redacted bytes out, no file or OS access. Three kinds of
// rule apply:
//
//   - the agent token, registered with [Redactor.AddToken], becomes its hash marker
//     (see [HashToken]) wherever the literal appears, also URL-encoded, JSON-escaped or inside
//     base64;
//   - in JSON documents ([Redactor.JSON]) every value under a secret-looking key becomes
//     [Marker], and every value under a token key becomes the token's hash marker;
//   - in any text ([Redactor.NewWriter], [Redactor.Bytes]) pattern rules replace secret-looking
//     key=value pairs, Authorization and Cookie headers, bearer tokens, HTTP Basic credentials,
//     credentials in URLs, PEM private-key blocks, JWTs and AWS access keys.
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
	"strings"
	"sync"
)

// Marker replaces every secret that is not the agent token.
const Marker = "[REDACTED]"

// PrivateKeyMarker replaces a whole PEM private-key block.
const PrivateKeyMarker = "[REDACTED PRIVATE KEY]"

// Names of the redaction rules, as they appear in the manifest's counts.
const (
	RuleAgentToken     = "agent_token"     // the agent token's literal value, in any encoding
	RuleSecretKey      = "secret_key"      // value of a secret-looking key (JSON or key=value text)
	RulePasswordPair   = "password_pair"   // password=/pwd= pairs, as in JDBC and ODBC strings
	RuleAuthHeader     = "auth_header"     // Authorization and Proxy-Authorization header values
	RuleCookie         = "cookie"          // Cookie and Set-Cookie header values
	RuleBearer         = "bearer_token"    // "Bearer <token>"
	RuleBasicAuth      = "basic_auth"      // "Basic <base64 of user:password>"
	RuleURLCredentials = "url_credentials" // scheme://user:password@host
	RulePrivateKey     = "private_key"     // PEM private-key blocks
	RuleJWT            = "jwt"             // JSON Web Tokens
	RuleAWSAccessKey   = "aws_access_key"  // AKIA…/ASIA… access key IDs
)

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
	repl []byte
	rule string
}

// Redactor holds the rules for one bundle. The zero value is not usable; call New.
// It is safe for concurrent use; a Writer uses the literals registered when it was made.
type Redactor struct {
	mu       sync.RWMutex
	literals []literal
	seen     map[string]bool
	obf      *Obfuscator // also replace host names, IPs and user names; nil: do not
	// strict: the agent token could not be learned (interim: until the token-shaped rule lands)
	strict       bool
	strictReason string
}

// New returns a Redactor with the pattern rules and no literals.
func New() *Redactor {
	return &Redactor{seen: map[string]bool{}}
}

// maxLiteral bounds a literal's length so that the stream's lookahead can always hold one.
const maxLiteral = 2048

// AddToken registers the agent token: every occurrence of its literal value becomes
// HashToken(token), also when it appears URL-encoded, JSON-escaped, trimmed of surrounding
// whitespace or quotes, or inside base64 (as in an HTTP Basic header).
func (r *Redactor) AddToken(token string) {
	repl := HashToken(token)
	variants := []string{token}
	if t := strings.Trim(token, " \t\r\n\"'"); t != token {
		variants = append(variants, t)
	}
	for _, v := range append([]string(nil), variants...) {
		variants = append(variants, url.QueryEscape(v), url.PathEscape(v))
		if js, err := json.Marshal(v); err == nil {
			variants = append(variants, string(js[1:len(js)-1]))
		}
		variants = append(variants, base64Cores(v)...)
	}
	for _, v := range variants {
		r.addLiteral(v, repl, RuleAgentToken)
	}
}

// AddLiteral registers an exact secret (a password read from a config file, say) that becomes
// Marker wherever it appears.
func (r *Redactor) AddLiteral(secret string) {
	r.addLiteral(secret, Marker, RuleSecretKey)
}

func (r *Redactor) addLiteral(find, repl, rule string) {
	if LiteralProblem(find) != "" || len(find) > maxLiteral {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[find] {
		return
	}
	r.seen[find] = true
	r.literals = append(r.literals, literal{find: []byte(find), repl: []byte(repl), rule: rule})
}

// snapshot returns the literals registered so far, longest first so that a longer variant wins
// over a shorter one starting at the same place.
func (r *Redactor) snapshot() []literal {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := append([]literal(nil), r.literals...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j].find) > len(out[j-1].find); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
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
	var out bytesBuffer
	w := r.NewWriter(&out)
	_ = w.all(p) // a bytesBuffer does not fail
	return out.b, w.Counts()
}

// String returns s with every rule applied.
func (r *Redactor) String(s string) string {
	b, _ := r.Bytes([]byte(s))
	return string(b)
}

// bytesBuffer is a minimal append-only writer, cheaper than bytes.Buffer for one-shot use.
type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
