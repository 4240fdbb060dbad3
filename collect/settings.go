package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/manifest"
)

// settingsCollector adds each agent home's Settings file (and a Settings-tmp left by an
// interrupted save) as discovery read and redacted it — the token as its hash, other secrets
// [REDACTED] — and records the token's hash, length and stray whitespace or quotes, and the
// agent's uncaughtExceptionHappenedOnService flag. It notes what Settings say about the agent's
// region and tunnel host for the network collector.
type settingsCollector struct {
	hints *agentHints // what Settings say about the agent's region and tunnel host
}

func (c *settingsCollector) Name() string { return "settings" }

func (c *settingsCollector) Collect(ctx context.Context, facts Facts, b *bundle.Bundle) error {
	for _, h := range facts.homes {
		bad := h.unusable(isSettingsFile)
		for _, e := range bad {
			b.Omit(e.path, e.reason())
			b.Problem("%s: left out: %s", e.path, e.reason())
		}
		if len(h.settings) == 0 && len(bad) == 0 {
			b.Problem("no Settings file in %s", h.path)
			continue
		}
		for _, sf := range h.settings {
			rec := sf.info
			switch {
			case sf.out == nil:
				why := rec.Error
				if why == "" {
					why = sf.note
				}
				b.Omit(sf.path, why)
				b.Problem("%s: left out: %s", sf.path, why)
			default:
				info := bundle.Info{Source: sf.path, Mtime: sf.mtime, OriginalSize: sf.size, Redactions: sf.red, Note: sf.note}
				if err := b.Add(ctx, sf.entry, bytes.NewReader(sf.out), int64(len(sf.out))+1, info); err != nil {
					b.Problem("add %s: %v", sf.path, err)
				} else {
					rec.Path = sf.entry
				}
				if rec.Parsed {
					c.hints.addSettings(sf.path, sf.out)
				}
			}
			b.Update(func(m *manifest.Manifest) {
				a := &m.Agents[h.id-1]
				a.Settings = append(a.Settings, rec)
			})
		}
	}
	return ctx.Err()
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
