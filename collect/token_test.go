package collect

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/opadiag/opadiag/manifest"
)

// unknownToken is the agent token of the tests in which opadiag may not be able to learn it.
const unknownToken = "7c1e9a40b2d84f6f9e35a1c08b7d2e64"

// tokenLog is a log that names the token as agents and their libraries do.
func tokenLog(token string) string {
	lines := []string{
		"2026-11-28T11:00:00.000Z level=debug, logName=heartbeat, message=Heartbeat sent successfully, token=" + token,
		"2026-11-28T11:00:01.000Z level=error, message=request failed for " + "https://api.integrator.io/v1/agents/heartbeat?access_token=" + url.QueryEscape(token),
		`2026-11-28T11:00:02.000Z level=debug, headers={"authorization":"Bearer ` + token + `"}`,
		"2026-11-28T11:00:03.000Z level=debug, basic " + base64.StdEncoding.EncodeToString([]byte("agent:"+token)),
		"2026-11-28T11:00:04.000Z level=info, tunnel registered with " + token,
		"2026-11-28T11:00:05.000Z level=info, " + strings.ToUpper(token),
	}
	return strings.Join(lines, "\n") + "\n"
}

// wrappedTokenLog names the token in the forms only its literal or, in strict mode, the joined
// and decoded shapes catch: wrapped across a line break (with indentation or not), split by
// util.inspect's ' + continuation at several points and in three pieces, every byte
// percent-encoded with lower- and upper-case hex digits.
func wrappedTokenLog(token string) string {
	half := len(token) / 2
	var pct, pctUpper strings.Builder
	for i := 0; i < len(token); i++ {
		fmt.Fprintf(&pct, "%%%02x", token[i])
		fmt.Fprintf(&pctUpper, "%%%02X", token[i])
	}
	inspect := func(parts ...string) string { return "{ data: '" + strings.Join(parts, "' +\n    '") + "' }" }
	return "2026-11-28T11:00:06.000Z level=info, wrapped " + token[:half] + "\n" + token[half:] + " end\n" +
		"2026-11-28T11:00:06.500Z level=info, wrapped " + token[:half] + "\n    " + token[half:] + "\n" +
		"2026-11-28T11:00:07.000Z level=info, { token: '" + token[:half] + "' +\n  '" + token[half:] + "' }\n" +
		"2026-11-28T11:00:07.100Z level=info, " + inspect(token[:half], token[half:]) + "\n" +
		"2026-11-28T11:00:07.200Z level=info, " + inspect(token[:20], token[20:]) + "\n" +
		"2026-11-28T11:00:07.300Z level=info, " + inspect(token[:8], token[8:]) + "\n" +
		"2026-11-28T11:00:07.400Z level=info, " + inspect(token[:11], token[11:22], token[22:]) + "\n" +
		"2026-11-28T11:00:08.000Z level=info, GET /x?t=" + pct.String() + "\n" +
		"2026-11-28T11:00:08.500Z level=info, GET /x?t=" + pctUpper.String() + "\n"
}

// wrapJoin is what wrappedTokenLog puts inside the token.
var wrapJoin = regexp.MustCompile(`' \+\n\s*'|\n\s*`)

// b64Secret is a base64 token with "/" and "+" in it; a strict run never learns it, so
// strictTokenLog's forms of it must go by their shape.
const b64Secret = "Kx7/mQ2+Lp9wRt4zVb8/Nc3+Hy6jFd1sGe5aUo0i"

// strictTokenLog names b64Secret upper-cased, URL-encoded (%2F, %2B), JSON-escaped (\/), in a
// file path and wrapped across a line break.
func strictTokenLog() string {
	return "2026-11-28T11:00:09.000Z level=info, tok " + strings.ToUpper(b64Secret) + " x\n" +
		"2026-11-28T11:00:09.100Z level=info, GET /x?t=" + url.QueryEscape(b64Secret) + " ok\n" +
		`2026-11-28T11:00:09.200Z level=info, {"t":"` + strings.ReplaceAll(b64Secret, "/", `\/`) + `"}` + "\n" +
		"2026-11-28T11:00:09.300Z level=info, open /var/cache/" + b64Secret + "/x failed\n" +
		"2026-11-28T11:00:09.400Z level=info, key=" + b64Secret[:20] + "\n    " + b64Secret[20:] + "\n"
}

// b64Forms are the pieces of b64Secret's forms in strictTokenLog that must not survive.
var b64Forms = []string{"Kx7", "KX7", "mQ2", "MQ2", "Lp9wRt4zVb8", "LP9WRT4ZVB8", "Hy6jFd1sGe5aUo0i", "HY6JFD1SGE5AUO0I"}

func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

// TestTokenNeverLeaks: whatever state the Settings file is in — readable, UTF-16, unreadable,
// oversized, damaged, nested too deep, missing — the agent token is in no entry of the bundle,
// and a run that could not learn it is in strict mode, says why, and leaves no temporary file.
func TestTokenNeverLeaks(t *testing.T) {
	settings := `{"token":"` + unknownToken + `","environment":"production","dbPassword":"hunter2"}`
	deep := strings.Repeat(`{"a":`, 100000) + `"` + unknownToken + `"` + strings.Repeat("}", 100000)
	tests := []struct {
		name     string
		settings []byte // nil: no Settings file
		fault    string // faultyOpener fault of Settings
		strict   bool
		// wrapped: the token must also be gone wrapped across a line break, split by
		// util.inspect, every byte percent-encoded: its literal catches those forms when it is
		// known, strict mode's joined and decoded shapes when it is not.
		wrapped bool
	}{
		{name: "readable", settings: []byte(settings), wrapped: true},
		{name: "utf-16", settings: utf16LE(settings), wrapped: true},
		{name: "comments", settings: []byte("// saved by hand\n{ /* the agent's */ \"token\": \"" + unknownToken + "\" }"), wrapped: true},
		{name: "unreadable", settings: []byte(settings), fault: "denied", strict: true, wrapped: true},
		{name: "oversized", settings: append([]byte(`{"token":"`+unknownToken+`","pad":"`), append(bytes.Repeat([]byte("x"), 9<<20), `"}`...)...), strict: true, wrapped: true},
		{name: "damaged", settings: []byte("\x00\x01garbage tkn=" + unknownToken + " {{{"), strict: true, wrapped: true},
		{name: "nested 100,000 deep", settings: []byte(deep), strict: true, wrapped: true},
		{name: "missing", strict: true, wrapped: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "agent")
			os.MkdirAll(filepath.Join(home, "logs"), 0o755)
			if tt.settings != nil {
				os.WriteFile(filepath.Join(home, "Settings"), tt.settings, 0o600)
			}
			log := filepath.Join(home, "server-2026-11-28.log")
			text := tokenLog(unknownToken)
			if tt.wrapped {
				text += wrappedTokenLog(unknownToken)
			}
			if tt.strict {
				text += strictTokenLog()
			}
			os.WriteFile(log, []byte(text), 0o644)
			os.Chtimes(log, testNow, testNow)
			out := t.TempDir()
			opts := testOptions(out, home)
			opts.open = faultyOpener{faults: map[string]string{"Settings": tt.fault}}
			progress := &progressTo{}
			opts.Progress = progress
			res, err := Run(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			m, entries := readBundle(t, res.Path)
			for _, form := range []string{unknownToken, strings.ToUpper(unknownToken), base64.StdEncoding.EncodeToString([]byte("agent:" + unknownToken))[8:40]} {
				if in := containsAny(entries, form); len(in) > 0 {
					t.Errorf("the token (%s…) is in %v", form[:8], in)
				}
			}
			if tt.wrapped {
				joined := map[string][]byte{}
				for name, data := range entries {
					joined[name] = wrapJoin.ReplaceAll(data, nil)
				}
				if in := containsAny(joined, unknownToken); len(in) > 0 {
					t.Errorf("the token, wrapped or split, is in %v", in)
				}
				for _, f := range []string{"%%%02x%%%02x%%%02x", "%%%02X%%%02X%%%02X"} {
					if in := containsAny(entries, fmt.Sprintf(f, unknownToken[0], unknownToken[1], unknownToken[2])); len(in) > 0 {
						t.Errorf("the token, percent-encoded, is in %v", in)
					}
				}
			}
			if tt.strict {
				for _, form := range b64Forms {
					if in := containsAny(entries, form); len(in) > 0 {
						t.Errorf("a piece of the base64 token (%s) is in %v", form, in)
					}
				}
			}
			if shown := progress.String(); strings.Contains(shown, unknownToken) {
				t.Errorf("the token reached the console: %s", shown)
			}
			if m.Redaction.Strict != tt.strict || tt.strict && m.Redaction.StrictReason == "" {
				t.Errorf("strict = %v (%q), want %v", m.Redaction.Strict, m.Redaction.StrictReason, tt.strict)
			}
			if tt.strict && finding(m, "redaction.strict") == nil {
				t.Error("no finding tells the user that strict mode was on")
			}
			if len(m.Redaction.Late) > 0 {
				t.Errorf("secrets reached opadiag's own text: %+v", m.Redaction.Late)
			}
			left, _ := os.ReadDir(out)
			for _, e := range left {
				if !strings.HasSuffix(e.Name(), ".zip") {
					t.Errorf("left behind: %s", e.Name())
				}
			}
		})
	}
}

// progressTo keeps each collector's line as the console would print it; the run calls it from
// the collectors' goroutines.
type progressTo struct {
	mu sync.Mutex
	b  strings.Builder
}

func (p *progressTo) Started(string) {}
func (p *progressTo) Finished(c manifest.Collector) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.b.WriteString(c.Name + " " + c.Status + " " + c.Error + " " + strings.Join(c.Problems, "; ") + "\n")
}

func (p *progressTo) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.b.String()
}

func finding(m *manifest.Manifest, id string) *manifest.Finding {
	for i := range m.Findings {
		if m.Findings[i].ID == id {
			return &m.Findings[i]
		}
	}
	return nil
}
