package collect

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/opadiag/opadiag/internal/stall"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

// maxSettingsSize bounds the Settings file read into memory; the agent's is a few KiB.
const maxSettingsSize = 8 << 20

// settingsNames are the file names electron-settings uses, in lower case, and the name each
// gets in the bundle.
var settingsNames = map[string]string{
	"settings":          "settings.json",
	"settings.json":     "settings.json",
	"settings-tmp":      "settings-tmp.json",
	"settings-tmp.json": "settings-tmp.json",
}

// settingsFile is a Settings (or Settings-tmp) file as discovery read and redacted it, before
// any other file of the run: the settings collector adds exactly these bytes, so that a file
// changed in between cannot carry a token that was never learned.
type settingsFile struct {
	found
	entry string // its name in the bundle
	out   []byte // redacted; nil when it could not be read or redacted
	info  manifest.SettingsFile
	red   redact.Counts // replacements made by the JSON redaction
	note  string        // what the manifest must say about the entry
}

// learnSettings reads every Settings file of every home, with the stall timeout, redacts it
// and registers the agent token it holds with red, before anything else is read. When no token
// could be learned from any of them — none found, unreadable, damaged, undecodable — the whole
// run switches to strict mode (every token-shaped string is redacted) and the reason is
// returned; the manifest and a finding say so.
func learnSettings(ctx context.Context, homes []home, open opener, red *redact.Redactor, stallTimeout time.Duration) string {
	learned := false
	var why []string
	for i := range homes {
		h := &homes[i]
		files := h.files(nil, func(rel, name string) bool {
			return !strings.Contains(rel, "/") && settingsNames[strings.ToLower(name)] != ""
		})
		if len(files) == 0 {
			why = append(why, "no Settings file in "+h.path)
		}
		for _, f := range files {
			sf := readSettings(ctx, h, f, open, red, stallTimeout)
			if sf.info.Token != nil {
				learned = true
			} else if sf.info.Error != "" {
				why = append(why, sf.info.Error)
			} else {
				why = append(why, "no token key in "+f.path)
			}
			h.settings = append(h.settings, sf)
		}
	}
	switch {
	case learned:
		return ""
	case len(homes) == 0:
		return "no agent home was found, so the agent token is unknown"
	}
	return "the agent token could not be learned (" + strings.Join(why, "; ") + ")"
}

// readSettings reads and redacts one Settings file; the token it holds is registered with red.
func readSettings(ctx context.Context, h *home, f found, open opener, red *redact.Redactor, stallTimeout time.Duration) settingsFile {
	sf := settingsFile{found: f, info: manifest.SettingsFile{Source: f.path}}
	sf.entry = path.Join(h.folder, settingsNames[strings.ToLower(path.Base(f.rel))])
	data, err := stall.Call(ctx, "read", stallTimeout, func() ([]byte, error) {
		return readSmall(open, f.path, maxSettingsSize)
	}, nil)
	if err != nil {
		sf.info.Error = fmt.Sprintf("read settings %q (left out): %v", f.path, err)
		return sf
	}
	out, res, err := red.JSON(data)
	if err == nil {
		sf.info.Parsed = true
		if len(res.Tokens) > 0 {
			sf.info.Token = describeToken(res.Tokens[0])
		}
		sf.info.UncaughtExceptionHappenedOnService = uncaughtFlag(data)
		sf.out, sf.red = out, res.Counts
		return sf
	}
	// Not JSON: find the token the lenient way so it still becomes its hash, then scrub the
	// file as text.
	sf.info.Error = fmt.Sprintf("not valid JSON (%v): scrubbed as text", err)
	for _, t := range redact.TokensInText(data) {
		red.AddToken(t.Value)
		if sf.info.Token == nil {
			sf.info.Token = describeToken(t)
		}
	}
	sf.out = data
	sf.entry = strings.TrimSuffix(sf.entry, ".json") + ".txt"
	sf.note = "not valid JSON: redacted with the text rules"
	return sf
}
