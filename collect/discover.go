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

// isSettingsFile reports a Settings (or Settings-tmp) file at the top of an agent home.
func isSettingsFile(rel, name string) bool {
	return !strings.Contains(rel, "/") && settingsNames[strings.ToLower(name)] != ""
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
		files := h.files(nil, isSettingsFile)
		bad := h.unusable(isSettingsFile)
		for _, e := range bad {
			why = append(why, e.path+": "+e.reason())
		}
		if len(files) == 0 && len(bad) == 0 {
			why = append(why, "no Settings file in "+h.path)
		}
		for _, f := range files {
			sf, info := readSettings(ctx, h, f, open, red, stallTimeout)
			switch {
			case info == nil:
				why = append(why, sf.info.Error)
			case info.Learned:
				learned = true
			default:
				why = append(why, f.path+": "+info.Reason)
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

// readSettings reads one Settings file, learns its token (registered with red when it is fit to
// be a literal), and redacts it: the token as its hash, other secrets [REDACTED]; a file that is
// not JSON as its decoded text through the text rules, never its raw bytes.
func readSettings(ctx context.Context, h *home, f found, open opener, red *redact.Redactor, stallTimeout time.Duration) (settingsFile, *redact.SettingsInfo) {
	sf := settingsFile{found: f, info: manifest.SettingsFile{Source: f.path}}
	sf.entry = path.Join(h.folder, settingsNames[strings.ToLower(path.Base(f.rel))])
	// A file over the limit is read as far as MaxSettingsSize+1 bytes: it is left out and the
	// run is in strict mode, but a token found whole in its head is still scrubbed everywhere,
	// in every encoding strict mode's shapes do not know.
	raw, err := stall.Call(ctx, "read", stallTimeout, func() ([]byte, error) {
		return readHead(open, f.path, redact.MaxSettingsSize+1)
	}, nil)
	if err != nil {
		sf.info.Error = fmt.Sprintf("read settings %s (left out): %v", f.path, err)
		return sf, nil
	}
	info := red.LearnSettings(raw)
	if info.Facts != nil {
		t := info.Facts
		sf.info.Token = &manifest.Token{Key: t.Key, Hash: t.Hash, Length: t.Length, Empty: t.Empty, Problem: t.Problem,
			LeadingWhitespace: t.LeadingWhitespace, TrailingWhitespace: t.TrailingWhitespace, Quoted: t.Quoted}
	}
	sf.info.Parsed = info.DecodeErr == nil && info.JSONErr == nil
	switch {
	case info.DecodeErr != nil:
		sf.info.Error = "cannot be decoded with confidence: " + info.DecodeErr.Error()
	case info.Size > redact.MaxSettingsSize:
		sf.info.Error = fmt.Sprintf("left out: over the %d MiB limit", redact.MaxSettingsSize>>20)
	case info.JSONErr != nil:
		sf.info.Error = "not valid JSON: " + info.JSONErr.Error()
	}
	if sf.info.Parsed {
		sf.info.UncaughtExceptionHappenedOnService = uncaughtFlag(info.Text())
	}
	out := red.RedactSettings(info)
	sf.out, sf.red, sf.note = out.Content, out.Counts, out.Note
	if !out.JSON {
		sf.entry = strings.TrimSuffix(sf.entry, ".json") + ".txt"
	}
	return sf, info
}
