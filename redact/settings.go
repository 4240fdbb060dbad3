package redact

import (
	"errors"
	"fmt"
	"strings"

	"github.com/opadiag/opadiag/internal/textenc"
)

// MaxSettingsSize is the largest Settings file read: the agent's is a few KiB. Give
// ParseSettings at most MaxSettingsSize+1 bytes; more says the file is too large.
const MaxSettingsSize = MaxJSONSize

// SettingsInfo is what [ParseSettings] learned from a Settings (or Settings-tmp) file. It holds
// the token: keep it in memory only.
type SettingsInfo struct {
	// Size is the number of bytes given.
	Size int
	// Encoding is the encoding the file was decoded from.
	Encoding textenc.Encoding
	// DecodeErr says why the bytes could not be decoded with confidence (see [textenc.Decode]);
	// nil when they were.
	DecodeErr error
	// JSONErr says why the text is not valid JSON, or why it was not parsed; nil when it is
	// valid JSON.
	JSONErr error
	// Tokens are the values of the top-level token keys (see [IsTokenKey]), in document order,
	// found by a JSON parser or, when the text is not valid JSON, the lenient way (see
	// [TokensInText]).
	Tokens []Token
	// Token is the agent's token: the last of Tokens (JSON.parse keeps the last of duplicate
	// keys); nil when there is none.
	Token *Token
	// Facts describe Token; nil when there is none.
	Facts *TokenFacts
	// Learned says the token is known exactly and usable: decoded with confidence, not cut
	// short, and fit to be a literal (see [LiteralProblem]). Only then can every other file be
	// scrubbed of it; otherwise run in strict mode.
	Learned bool
	// Reason says, when the token was not learned, why: for the manifest and the strict-mode
	// finding. It never contains the token.
	Reason string

	text     []byte // the decoded text
	tooLarge bool
	// register are the token values fit to be registered as literals: every usable value found,
	// also when the token as a whole is not trusted.
	register []string
}

// Text is the file's decoded text (UTF-8), for reading other facts of it; it holds the token.
func (s *SettingsInfo) Text() []byte { return s.text }

// ParseSettings decodes a Settings file and finds the agent's token in it. It is pure: nothing is
// registered (see [Redactor.LearnSettings]).
//
// The token is the value of the top-level token key of a valid JSON document, or, in damaged
// JSON, of a top-level token key found the lenient way; token keys nested deeper are other
// secrets, not the agent's token. It is learned only when the bytes were decoded with confidence,
// its value is complete and usable as a literal; Reason says why not otherwise.
func ParseSettings(raw []byte) *SettingsInfo {
	s := &SettingsInfo{Size: len(raw)}
	if len(raw) > MaxSettingsSize {
		s.tooLarge = true
		raw = raw[:MaxSettingsSize]
	}
	s.text, s.Encoding, s.DecodeErr = textenc.Decode(raw)
	var cut bool
	switch {
	case s.tooLarge:
		s.JSONErr = fmt.Errorf("not parsed: over the %d MiB limit", MaxSettingsSize>>20)
		s.Tokens, cut = lenientFound(s.text)
	case len(s.text) == 0 || len(strings.TrimSpace(string(s.text))) == 0:
		s.JSONErr = errors.New("the file is empty")
	default:
		s.Tokens, s.JSONErr = topTokens(s.text)
		if s.JSONErr != nil {
			s.Tokens, cut = lenientFound(s.text)
		}
	}
	if n := len(s.Tokens); n > 0 {
		s.Token = &s.Tokens[n-1]
		f := DescribeToken(s.Token.Path, s.Token.Value)
		s.Facts = &f
	}
	exact := s.DecodeErr == nil
	for _, t := range s.Tokens {
		if LiteralProblem(t.Value) == "" && (exact || !strings.ContainsRune(t.Value, '\uFFFD')) {
			s.register = append(s.register, t.Value)
		}
	}
	s.Reason = s.reason(cut)
	s.Learned = s.Reason == ""
	return s
}

// lenientFound returns the tokens found in damaged JSON, those cut short left out, and whether
// the last one found was cut short.
func lenientFound(text []byte) ([]Token, bool) {
	var out []Token
	cut := false
	for _, t := range lenientTokens(text) {
		cut = t.cut
		if !t.cut {
			out = append(out, t.Token)
		}
	}
	return out, cut
}

// reason says why the token is not learned, "" when it is.
func (s *SettingsInfo) reason(cut bool) string {
	var where string
	switch {
	case s.tooLarge:
		where = fmt.Sprintf("the file is over the %d MiB limit", MaxSettingsSize>>20)
	case s.DecodeErr != nil:
		where = fmt.Sprintf("the file cannot be decoded with confidence (%v)", trimUndecodable(s.DecodeErr))
	case s.JSONErr != nil && len(strings.TrimSpace(string(s.text))) == 0:
		return "the file is empty"
	case s.JSONErr != nil:
		where = fmt.Sprintf("not valid JSON (%v)", s.JSONErr)
	}
	switch {
	case s.Token == nil && cut:
		return join(where, "the token's value is cut short")
	case s.Token == nil:
		return join(where, "no top-level token key (token, accessToken, agentToken, access_token) found")
	case s.Facts.Empty:
		return join(where, "the token is empty")
	case s.Facts.Problem != "":
		return join(where, "the token is "+s.Facts.Problem)
	case where != "" && s.DecodeErr != nil, where != "" && s.tooLarge:
		return join(where, "the token found cannot be trusted")
	}
	return "" // found the lenient way in damaged JSON, complete and usable
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + " and " + b
}

func trimUndecodable(err error) string {
	return strings.TrimSuffix(err.Error(), ": "+textenc.ErrUndecodable.Error())
}

// LearnSettings is ParseSettings, and registers with AddToken every token value found that is
// fit to be a literal: the agent's token and any other top-level token value, also when the
// file could not be decoded with confidence (a value found intact is still worth scrubbing),
// never a value cut short. Register every Settings file of a run before redacting any of them:
// a token may appear in several.
func (r *Redactor) LearnSettings(raw []byte) *SettingsInfo {
	s := ParseSettings(raw)
	for _, v := range s.register {
		r.AddToken(v)
	}
	return s
}

// SettingsOutput is what the bundle gets for a Settings file.
type SettingsOutput struct {
	// Content is the redacted file: the JSON document indented (see [Redactor.JSON]), or, when
	// the file is not valid JSON, its decoded text through the text rules. Never the raw bytes.
	// Nil when the file is left out.
	Content []byte
	// JSON says Content is a JSON document (name the entry .json); otherwise it is text (.txt).
	JSON bool
	// Note says what was done when it was not plain JSON redaction, for the manifest.
	Note string
	// Counts are the replacements made.
	Counts Counts
}

// RedactSettings returns what the bundle gets for a Settings file parsed by LearnSettings. Call
// it after every Settings file of the run was learned and after the run's mode (strict or not)
// is set: the text rules in force then apply.
func (r *Redactor) RedactSettings(s *SettingsInfo) SettingsOutput {
	for _, v := range s.register {
		r.AddToken(v) // already done by LearnSettings, unless s came from ParseSettings
	}
	var notes []string
	if s.Encoding != textenc.UTF8 && s.Encoding != textenc.UTF8BOM {
		notes = append(notes, "decoded from "+string(s.Encoding))
	}
	if s.DecodeErr != nil {
		notes = append(notes, "decoded on a best-effort basis: "+trimUndecodable(s.DecodeErr))
	}
	note := func(more string) string { return strings.Join(append(notes, more), "; ") }
	if s.tooLarge {
		return SettingsOutput{Note: note(fmt.Sprintf("left out: %d bytes, over the %d MiB limit", s.Size, MaxSettingsSize>>20)), Counts: Counts{}}
	}
	if s.JSONErr == nil {
		out, counts, err := r.redactJSON(s.text)
		if err == nil {
			return SettingsOutput{Content: out, JSON: true, Note: strings.Join(notes, "; "), Counts: counts}
		}
		s.JSONErr = err // cannot happen: the text was parsed once already
	}
	out, counts := r.Bytes(s.text)
	return SettingsOutput{Content: out, Note: note(fmt.Sprintf("not valid JSON (%v): redacted with the text rules", s.JSONErr)), Counts: counts}
}
