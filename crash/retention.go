package crash

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// bundleName is how collect names a bundle: opadiag-HOST-yyyymmddThhmmssZ.zip, with -N when a
// second one was made in the same second.
var bundleName = regexp.MustCompile(`^opadiag-.+-(\d{8}T\d{6}Z)(?:-(\d{1,3}))?\.zip$`)

// Limits of the look at a folder's bundles: a folder full of other files or a bundle with a
// huge manifest must not make a capture slow.
const (
	maxListed   = 10000   // folder entries looked at
	maxBundles  = 1000    // bundles whose manifest is read
	maxManifest = 8 << 20 // bytes of manifest.json read to learn its trigger
)

// bundle is one of the folder's crash bundles.
type bundle struct {
	Path string
	Time time.Time // from its name: when its run started, UTC
	Seq  int       // the -N of its name; 1 without
	Size int64
	Mod  time.Time // when it was written
}

// crashBundles lists the crash bundles in dir, oldest first: files named like opadiag's
// bundles whose manifest says they were made by --trigger crash. Bundles of a manual run and
// files that are not readable bundles are never counted nor removed; what could not be read is
// in the problems.
func crashBundles(dir string) ([]bundle, []string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("list %s: %w", dir, err)
	}
	ents, err := d.ReadDir(maxListed)
	d.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("list %s: %w", dir, err)
	}
	var out []bundle
	var problems []string
	read := 0
	for _, e := range ents {
		m := bundleName.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		t, err := time.Parse("20060102T150405Z", m[1])
		if err != nil {
			continue
		}
		seq := 1
		if m[2] != "" {
			seq, _ = strconv.Atoi(m[2])
		}
		if read++; read > maxBundles {
			problems = append(problems, fmt.Sprintf("more than %d bundles in %s: the rest were not looked at", maxBundles, dir))
			break
		}
		path := filepath.Join(dir, e.Name())
		trigger, size, mod, err := bundleTrigger(path)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v (not counted as a crash bundle, left in place)", path, err))
			continue
		}
		if trigger != "crash" {
			continue
		}
		out = append(out, bundle{Path: path, Time: t, Seq: seq, Size: size, Mod: mod})
	}
	// Within one second's names the -N does not tell the order: once -1 was rotated away, the
	// next bundle of that second takes its name back. When they were written does.
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		if !out[i].Mod.Equal(out[j].Mod) {
			return out[i].Mod.Before(out[j].Mod)
		}
		return out[i].Seq < out[j].Seq
	})
	return out, problems, nil
}

// bundleTrigger reads a bundle's manifest.json for invocation.trigger, and returns it with the
// bundle's size and modification time.
func bundleTrigger(path string) (string, int64, time.Time, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return "", 0, time.Time{}, fmt.Errorf("not a readable zip: %w", err)
	}
	defer zr.Close()
	st, err := os.Stat(path)
	if err != nil {
		return "", 0, time.Time{}, err
	}
	for _, f := range zr.File {
		if f.Name != "manifest.json" {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return "", 0, time.Time{}, fmt.Errorf("open its manifest: %w", err)
		}
		defer r.Close()
		var m struct {
			Schema     string `json:"schema"`
			Invocation struct {
				Trigger string `json:"trigger"`
			} `json:"invocation"`
		}
		if err := json.NewDecoder(io.LimitReader(r, maxManifest)).Decode(&m); err != nil {
			return "", 0, time.Time{}, fmt.Errorf("read its manifest: %w", err)
		}
		if !strings.HasPrefix(m.Schema, "opadiag.manifest/") {
			return "", 0, time.Time{}, fmt.Errorf("its manifest is not opadiag's (schema %q)", m.Schema)
		}
		return m.Invocation.Trigger, st.Size(), st.ModTime(), nil
	}
	return "", 0, time.Time{}, errors.New("no manifest.json in it")
}

// toRemove returns the bundles (oldest first) to delete so that at most keep remain and they
// hold at most keepSize bytes. The newest is always kept, whatever its size: it is the capture
// just made.
func toRemove(bs []bundle, keep int, keepSize int64) []bundle {
	if len(bs) == 0 {
		return nil
	}
	keep = max(keep, 1)
	var total int64
	for _, b := range bs {
		total += b.Size
	}
	var out []bundle
	for i := 0; i < len(bs)-1; i++ {
		if len(bs)-i <= keep && total <= keepSize {
			break
		}
		out = append(out, bs[i])
		total -= bs[i].Size
	}
	return out
}

// removeBundle deletes a crash bundle and the obfuscation mapping written beside it, if any.
func removeBundle(b bundle) error {
	if err := os.Remove(b.Path); err != nil {
		return fmt.Errorf("remove the old crash bundle: %w", err)
	}
	mapping := strings.TrimSuffix(b.Path, ".zip") + ".obfuscation.json"
	if err := os.Remove(mapping); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the old crash bundle's mapping: %w", err)
	}
	return nil
}
