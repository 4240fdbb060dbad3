package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

// maxSettingsSize bounds the Settings file read into memory; the agent's is a few KiB.
const maxSettingsSize = 8 << 20

// settingsCollector adds each agent home's Settings file (and a Settings-tmp left by an
// interrupted save), redacted: the token becomes its hash, other secrets [REDACTED]. It records
// the token's hash, length and stray whitespace or quotes, and the agent's
// uncaughtExceptionHappenedOnService flag, and notes what Settings say about the agent's region
// and tunnel host for the network collector.
type settingsCollector struct {
	homes []home
	open  opener
	hints *agentHints // what Settings say about the agent's region and tunnel host, for the network collector
}

func (c *settingsCollector) Name() string { return "settings" }

// settingsNames are the file names electron-settings uses, in lower case, and the name each
// gets in the bundle.
var settingsNames = map[string]string{
	"settings":          "settings.json",
	"settings.json":     "settings.json",
	"settings-tmp":      "settings-tmp.json",
	"settings-tmp.json": "settings-tmp.json",
}

func (c *settingsCollector) Collect(ctx context.Context, b *Bundle) error {
	for _, h := range c.homes {
		files := h.files(b, func(rel, name string) bool {
			return !strings.Contains(rel, "/") && settingsNames[strings.ToLower(name)] != ""
		})
		if len(files) == 0 {
			b.Problem("no Settings file in %s", h.path)
			continue
		}
		for _, f := range files {
			sf := c.one(ctx, b, h, f)
			b.Update(func(m *manifest.Manifest) {
				a := &m.Agents[h.id-1]
				a.Settings = append(a.Settings, sf)
			})
		}
	}
	return ctx.Err()
}

// one collects a single Settings file and describes it.
func (c *settingsCollector) one(ctx context.Context, b *Bundle, h home, f found) manifest.SettingsFile {
	sf := manifest.SettingsFile{Source: f.path}
	data, err := c.read(f)
	if err != nil {
		sf.Error = b.Redactor().String(err.Error())
		b.Problem("%v", err)
		return sf
	}
	red := b.Redactor()
	target := path.Join(h.folder, settingsNames[strings.ToLower(path.Base(f.rel))])
	info := FileInfo{Source: f.path, Mtime: f.mtime, OriginalSize: f.size}
	out, res, err := red.JSON(data)
	if err == nil {
		sf.Parsed = true
		if len(res.Tokens) > 0 {
			sf.Token = describeToken(res.Tokens[0])
		}
		sf.UncaughtExceptionHappenedOnService = uncaughtFlag(data)
		info.Redactions = res.Counts
		c.hints.addSettings(f.path, out)
	} else {
		// Not JSON: find the token the lenient way so it still becomes its hash, then scrub
		// the file as text.
		sf.Error = fmt.Sprintf("not valid JSON (%v): scrubbed as text", err)
		for _, t := range redact.TokensInText(data) {
			red.AddToken(t.Value)
			if sf.Token == nil {
				sf.Token = describeToken(t)
			}
		}
		out = data
		target = strings.TrimSuffix(target, ".json") + ".txt"
		info.Note = "not valid JSON: redacted with the text rules"
	}
	if err := b.Add(ctx, target, bytes.NewReader(out), info); err != nil {
		b.Problem("add %s: %v", f.path, err)
		return sf
	}
	sf.Path = target
	return sf
}

func (c *settingsCollector) read(f found) ([]byte, error) {
	data, err := readSmall(c.open, f.path, maxSettingsSize)
	if err != nil {
		return nil, fmt.Errorf("read settings %q (left out): %w", f.path, err)
	}
	return data, nil
}

// describeToken says what support needs to compare a token without seeing it.
func describeToken(t redact.Token) *manifest.Token {
	v := t.Value
	first, _ := utf8.DecodeRuneInString(v)
	last, _ := utf8.DecodeLastRuneInString(v)
	core := strings.TrimSpace(v)
	return &manifest.Token{
		Key:                t.Path,
		Hash:               redact.HashToken(v),
		Length:             utf8.RuneCountInString(v),
		LeadingWhitespace:  v != "" && unicode.IsSpace(first),
		TrailingWhitespace: v != "" && unicode.IsSpace(last),
		Quoted:             strings.HasPrefix(core, `"`) || strings.HasSuffix(core, `"`) || strings.HasPrefix(core, "'") || strings.HasSuffix(core, "'"),
	}
}

// uncaughtFlag reads the top-level uncaughtExceptionHappenedOnService (any case); true, false, or
// the strings "true"/"false" in any case. nil when absent or something else.
func uncaughtFlag(data []byte) *bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")), &top) != nil {
		return nil
	}
	for k, raw := range top {
		if !strings.EqualFold(k, "uncaughtExceptionHappenedOnService") {
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return nil
		}
		var b bool
		switch t := v.(type) {
		case bool:
			b = t
		case string:
			switch strings.ToLower(strings.TrimSpace(t)) {
			case "true":
				b = true
			case "false":
			default:
				return nil
			}
		default:
			return nil
		}
		return &b
	}
	return nil
}
