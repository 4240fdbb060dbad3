package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MinLiteral is the shortest value registered as a literal to scrub from every file. Eight bytes
// is the shortest secret password policies accept (NIST SP 800-63B's minimum), so a real
// credential is at least that long; agent tokens are 32 hex digits. A shorter value turns
// ordinary text into markers wherever it happens to occur, and each marker placed in known text
// is a crib that helps reverse the hash of so short a value.
const MinLiteral = 8

// placeholders are values that stand where a secret was not set, or common words: registered as
// literals, they would turn every "undefined" or "password" in the logs into a marker.
var placeholders = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`undefined null nil none true false changeme change_me change-me
		changeit password passwd password1 passw0rd p@ssw0rd token secret default example placeholder
		redacted [redacted] unknown notset not_set not-set missing empty disabled enabled
		your_token your-token yourtoken your_token_here your-token-here <token> {token} ${token}
		agenttoken access_token accesstoken api_key apikey xxxxxxxx 12345678 123456789 1234567890
		abcdefgh abcd1234 qwertyui qwerty123 letmein welcome admin administrator test testing
		testtoken test_token dummy sample`) {
		m[w] = true
	}
	return m
}()

// Problems LiteralProblem reports that hashable accepts.
const (
	problemPlaceholder = "a placeholder or common word"
	problemFiller      = "filler with fewer than 4 distinct characters"
)

// LiteralProblem returns why s must not be registered as a literal to scrub everywhere, or ""
// when it may be: empty, shorter than [MinLiteral] bytes once surrounding whitespace and quotes
// are trimmed, a placeholder or common word ("undefined", "changeme", "password"…), filler with
// fewer than four distinct characters ("********", "00000000"), or an ordinary word (letters only,
// up to 24 of them, such as "production").
func LiteralProblem(s string) string {
	core := strings.Trim(s, " \t\r\n\"'")
	switch {
	case core == "":
		return "empty"
	case len(core) < MinLiteral:
		return "shorter than 8 bytes"
	case placeholders[strings.ToLower(core)]:
		return problemPlaceholder
	case distinctBytes(core) < 4:
		return problemFiller
	case isWordLike(core):
		return "an ordinary word"
	}
	return ""
}

// distinctBytes counts the different bytes in s, stopping at 4.
func distinctBytes(s string) int {
	var seen [256]bool
	n := 0
	for i := 0; i < len(s) && n < 4; i++ {
		if !seen[s[i]] {
			seen[s[i]] = true
			n++
		}
	}
	return n
}

// isWordLike reports whether s is letters only (with _ or - between words), up to 24 bytes: a
// word, not a generated secret.
func isWordLike(s string) bool {
	if len(s) > 24 {
		return false
	}
	for _, c := range []byte(s) {
		if !isAlpha(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// TokenFacts is what support needs to compare a token with the one integrator.io shows, without
// seeing it.
type TokenFacts struct {
	// Key is where the token was found: the Settings key.
	Key string
	// Hash is HashToken of the exact stored value; empty when the value is empty or too short or
	// common to hash safely (its hash could be reversed by trying every short value).
	Hash string
	// Length is the value's length in characters (runes).
	Length int
	// Empty says the value is the empty string.
	Empty bool
	// Problem is LiteralProblem of the value: why it is not a usable token, "" when it is.
	Problem string
	// LeadingWhitespace and TrailingWhitespace say the value starts or ends with white space, a
	// copy-paste mistake that makes the agent's token invalid.
	LeadingWhitespace, TrailingWhitespace bool
	// Quoted says the value (trimmed) starts or ends with a quote: pasted with its quotes.
	Quoted bool
}

// DescribeToken returns the facts about a token value stored under key.
func DescribeToken(key, value string) TokenFacts {
	first, _ := utf8.DecodeRuneInString(value)
	last, _ := utf8.DecodeLastRuneInString(value)
	core := strings.TrimSpace(value)
	f := TokenFacts{
		Key:                key,
		Length:             utf8.RuneCountInString(value),
		Empty:              value == "",
		Problem:            LiteralProblem(value),
		LeadingWhitespace:  value != "" && unicode.IsSpace(first),
		TrailingWhitespace: value != "" && unicode.IsSpace(last),
		Quoted: strings.HasPrefix(core, `"`) || strings.HasSuffix(core, `"`) ||
			strings.HasPrefix(core, "'") || strings.HasSuffix(core, "'"),
	}
	if hashable(value) {
		f.Hash = HashToken(value)
	}
	return f
}

// hashable reports whether a token value may be shown as its hash: a value that cannot be
// found by trying short values and dictionary words. A placeholder ("undefined") or filler
// ("********") may: it is no secret, and its hash tells support what is stored. A short value or
// an ordinary word may be a real (weak) secret whose hash is easily reversed: it is not hashed.
func hashable(v string) bool {
	switch LiteralProblem(v) {
	case "", problemPlaceholder, problemFiller:
		return true
	}
	return false
}
