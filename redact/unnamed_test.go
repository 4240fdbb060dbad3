package redact

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// corpusCase is one block of testdata/unnamed: a kind of credential (or of ordinary text), the
// values that must go (secret:) or stay (keep:), and the log text that holds them.
type corpusCase struct {
	kind    string
	secrets []string
	keeps   []string
	text    string
}

// readCorpus parses a testdata/unnamed file: "### kind", "secret: v" / "keep: v" lines, "---",
// then the text up to the next "### ".
func readCorpus(t testing.TB, path string) []corpusCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusCase
	for _, blk := range strings.Split("\n"+strings.TrimSuffix(string(data), "\n"), "\n### ")[1:] {
		name, rest, _ := strings.Cut(blk, "\n")
		head, text, ok := strings.Cut(rest, "---\n")
		if !ok {
			t.Fatalf("%s: block %q has no ---", path, name)
		}
		c := corpusCase{kind: name, text: text + "\n"} // the "\n" that "\n### " took
		for _, l := range strings.Split(strings.TrimSuffix(head, "\n"), "\n") {
			if v, ok := strings.CutPrefix(l, "secret: "); ok {
				c.secrets = append(c.secrets, v)
			} else if v, ok := strings.CutPrefix(l, "keep: "); ok {
				c.keeps = append(c.keeps, v)
			}
		}
		out = append(out, c)
	}
	return out
}

// leaks returns the secrets of c that out still holds whole or by any 8-byte piece that the
// ordinary text around them does not hold too.
func leaks(c corpusCase, out, ordinary string) []string {
	if ordinary == "" {
		ordinary = withoutSecrets(c.text, c)
	}
	var found []string
	for _, s := range c.secrets {
		if strings.Contains(out, s) {
			found = append(found, s)
			continue
		}
		for i := 0; i+8 <= len(s); i++ {
			p := s[i : i+8]
			if strings.Contains(out, p) && !strings.Contains(ordinary, p) && !strings.Contains(Marker, p) {
				found = append(found, s+" (piece "+p+")")
				break
			}
		}
	}
	return found
}

// withoutSecrets returns text with the secrets of the cases taken out.
func withoutSecrets(text string, cases ...corpusCase) string {
	for _, c := range cases {
		for _, s := range c.secrets {
			text = strings.ReplaceAll(text, s, "\x00")
		}
	}
	return text
}

// redactChunked runs text through a Writer in chunks of n bytes, as the bundle streams a log.
func redactChunked(r *Redactor, text string, n int) string {
	var out bytes.Buffer
	w := r.NewWriter(&out)
	for p := []byte(text); len(p) > 0; {
		k := min(n, len(p))
		if _, err := w.Write(p[:k]); err != nil {
			panic(err)
		}
		p = p[k:]
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return out.String()
}

// knownLeaks are the kinds no rule can catch without redacting ordinary text, with the reason
// (testdata/unnamed/known-leaks.txt, "kind: reason" lines).
var knownLeaks = func() map[string]string {
	m := map[string]string{}
	data, _ := os.ReadFile("testdata/unnamed/known-leaks.txt")
	for _, l := range strings.Split(string(data), "\n") {
		if k, why, ok := strings.Cut(l, ": "); ok {
			m[k] = why
		}
	}
	return m
}()

// TestUnnamedKinds: credentials of kinds no rule is named after, printed the way a Node agent
// prints them (plain, JSON, util.inspect, headers, URLs, XML, YAML, env, command lines), never
// survive, whole or in part, whether the text is redacted at once or streamed in small chunks.
func TestUnnamedKinds(t *testing.T) {
	cases := readCorpus(t, "testdata/unnamed/corpus.txt")
	if len(cases) < 80 {
		t.Fatalf("only %d kinds", len(cases))
	}
	r := New()
	for _, c := range cases {
		if knownLeaks[c.kind] != "" {
			continue
		}
		for _, out := range []string{r.String(c.text), redactChunked(r, c.text, 7)} {
			if l := leaks(c, out, ""); len(l) > 0 {
				t.Errorf("%s: leaks %q\nout: %s", c.kind, l, out)
				break
			}
		}
	}
	// The whole corpus as one log, as the bundle reads it: one buffer, and 4 KiB writes.
	var all strings.Builder
	for _, c := range cases {
		all.WriteString(c.text)
	}
	// The known leaks stay in the output: pieces of them are not pieces of other secrets.
	var known []corpusCase
	for _, c := range cases {
		if knownLeaks[c.kind] == "" {
			known = append(known, c)
		}
	}
	ordinary := withoutSecrets(all.String(), known...)
	for _, out := range []string{r.String(all.String()), redactChunked(r, all.String(), 4096)} {
		for _, c := range cases {
			if l := leaks(c, out, ordinary); len(l) > 0 && knownLeaks[c.kind] == "" {
				t.Errorf("%s, in the whole corpus: leaks %q", c.kind, l)
			}
		}
	}
}

// TestUnnamedOrdinary: the strings support reads pass unchanged.
func TestUnnamedOrdinary(t *testing.T) {
	r := New()
	for _, c := range readCorpus(t, "testdata/unnamed/ordinary.txt") {
		out := r.String(c.text)
		for _, k := range c.keeps {
			if !strings.Contains(out, k) {
				t.Errorf("%s: %q redacted\nout: %s", c.kind, k, out)
			}
		}
	}
}

// TestRedactTwice checks that redacting redacted text changes nothing: the bundle's last scrub
// passes summary.txt, manifest.json and report.html, which quote redacted log lines, through the
// rules again (a value after an encoded key, password%3D[REDACTED], became [REDACTED]]).
func TestRedactTwice(t *testing.T) {
	r := New()
	for _, path := range []string{"testdata/unnamed/corpus.txt", "testdata/unnamed/ordinary.txt"} {
		for _, c := range readCorpus(t, path) {
			once := r.String(c.text)
			if twice := r.String(once); twice != once {
				t.Errorf("%s: a second pass changes\n%q\ninto\n%q", c.kind, once, twice)
			}
		}
	}
}
