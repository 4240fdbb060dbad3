package crash

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Opener opens the agent's files without disturbing it (platform.Platform.Open).
type Opener interface {
	Open(path string) (*os.File, error)
}

// osOpener opens files with os.Open, when no platform is given.
type osOpener struct{}

func (osOpener) Open(path string) (*os.File, error) { return os.Open(path) }

// Limits of what --if-crashed reads of an agent home.
const (
	maxSettings   = 8 << 20 // the agent's Settings is a few KiB
	maxHomeListed = 10000   // entries looked at in a home and in each of its folders
)

// settingsNames are the names of the agent's Settings file (electron-settings), in lower case.
var settingsNames = map[string]bool{"settings": true, "settings.json": true}

// crashEvidence looks in the agent homes for signs of a crash since the last capture (since;
// zero when there was none): Settings with uncaughtExceptionHappenedOnService set and changed
// since, or an uncaughtException file (any extension, in the home or a folder of it) modified
// since. It returns what it found ("" for nothing) and what could not be read.
//
// A flag that stays set is not a new crash: only a Settings file written since the last capture
// counts, else every run would capture the same crash again and rotate out the first bundle.
func crashEvidence(open Opener, homes []string, since time.Time) (string, []string) {
	var problems []string
	for _, home := range homes {
		ents, err := listDir(home)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for _, e := range ents {
			name := strings.ToLower(e.Name())
			path := filepath.Join(home, e.Name())
			switch {
			case settingsNames[name] && e.Type().IsRegular():
				set, mtime, err := uncaughtSet(open, path)
				if err != nil {
					problems = append(problems, err.Error())
				} else if set && newer(mtime, since) {
					return fmt.Sprintf("%s has uncaughtExceptionHappenedOnService set (written %s)", path, stamp(mtime)), problems
				}
			case strings.HasPrefix(name, "uncaughtexception"):
				if why := crashFile(path, since); why != "" {
					return why, problems
				}
			case e.IsDir():
				sub, err := listDir(path)
				if err != nil {
					problems = append(problems, err.Error())
					continue
				}
				for _, s := range sub {
					if strings.HasPrefix(strings.ToLower(s.Name()), "uncaughtexception") {
						if why := crashFile(filepath.Join(path, s.Name()), since); why != "" {
							return why, problems
						}
					}
				}
			}
		}
	}
	return "", problems
}

// crashFile says why the uncaughtException file at path shows a crash since since, or "".
func crashFile(path string, since time.Time) string {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || !newer(st.ModTime(), since) {
		return ""
	}
	return fmt.Sprintf("%s was written %s", path, stamp(st.ModTime()))
}

// newer reports whether t is after since, to the second: the capture log and the bundles' names
// keep the last capture's time to the second, so a file written in that second, just before
// the capture started, is one it already holds (it was captured again a second later).
func newer(t, since time.Time) bool {
	return since.IsZero() || t.Truncate(time.Second).After(since.Truncate(time.Second))
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// listDir lists at most maxHomeListed entries of dir.
func listDir(dir string) ([]os.DirEntry, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("look for a crash in %s: %w", dir, err)
	}
	defer d.Close()
	ents, err := d.ReadDir(maxHomeListed)
	if err != nil && !errors.Is(err, io.EOF) {
		return ents, fmt.Errorf("look for a crash in %s: %w", dir, err)
	}
	return ents, nil
}

// uncaughtSet reads the Settings file at path (at most maxSettings bytes) and reports whether
// its top-level uncaughtExceptionHappenedOnService (any case) is true or "true", with the
// file's modification time.
func uncaughtSet(open Opener, path string) (bool, time.Time, error) {
	f, err := open.Open(path)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("read settings %q: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, time.Time{}, fmt.Errorf("read settings %q: %w", path, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSettings+1))
	if err != nil {
		return false, time.Time{}, fmt.Errorf("read settings %q: %w", path, err)
	}
	if len(data) > maxSettings {
		return false, time.Time{}, fmt.Errorf("read settings %q: larger than %d bytes", path, maxSettings)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")), &top); err != nil {
		return false, time.Time{}, fmt.Errorf("read settings %q: not valid JSON: %w", path, err)
	}
	for k, raw := range top {
		if !strings.EqualFold(k, "uncaughtExceptionHappenedOnService") {
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			continue
		}
		switch t := v.(type) {
		case bool:
			return t, st.ModTime(), nil
		case string:
			return strings.EqualFold(strings.TrimSpace(t), "true"), st.ModTime(), nil
		}
	}
	return false, st.ModTime(), nil
}
