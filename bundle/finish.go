package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

// Seal ends collection: nothing more is added or recorded (a collector still running is
// refused), the manifest is completed with the entries, what was left out and the redaction
// counts, and every string it holds is redacted. It returns the manifest, from which (with FS)
// the findings are drawn before Finish. Seal may be called more than once.
func (w *Writer) Seal() *manifest.Manifest {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.sealed {
		w.sealed = true
		m := w.man
		sort.SliceStable(w.files, func(i, j int) bool { return w.files[i].Path < w.files[j].Path })
		m.Files = append([]manifest.File(nil), w.files...)
		m.Omitted = append([]manifest.Omitted(nil), w.omitted...)
		m.Redaction.Rules = w.counts
		m.Redaction.Strict, m.Redaction.StrictReason = w.red.Strict()
		m.Redaction.Fields = w.redactManifest(m.Redaction.Fields)
	}
	return w.man
}

// Generated is an entry opadiag writes itself at Finish from the sealed manifest (summary.txt,
// report.html).
type Generated struct {
	Name string
	Data []byte
}

// Finish writes the generated entries and manifest.json last, closes the zip, syncs it and links
// it into the output folder as stem.zip, or stem-2.zip… when that name is taken: an existing file
// is never replaced. Before they are written, every field of the manifest is redacted again (the
// findings were added since Seal) and the generated entries and the encoded manifest pass the
// token and credential rules a last time; what that catches is recorded in the manifest's
// redaction.late. It returns the bundle's path.
func (w *Writer) Finish(stem string, gen ...Generated) (string, error) {
	w.Seal()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed != nil {
		return "", w.failed
	}
	if err := w.appendPending(); err != nil {
		return "", err
	}
	w.failed = errors.New("the bundle is already finished") // nothing is added after this point
	m := w.man
	// The entries obfuscated just now have their final sizes and hashes.
	sort.SliceStable(w.files, func(i, j int) bool { return w.files[i].Path < w.files[j].Path })
	if w.obf != nil {
		final := make(map[string]manifest.File, len(w.files))
		for _, f := range w.files {
			final[f.Path] = f
		}
		for i := range m.Files {
			if f, ok := final[m.Files[i].Path]; ok {
				m.Files[i].Size, m.Files[i].SHA256, m.Files[i].Redactions = f.Size, f.SHA256, f.Redactions
			}
		}
		m.Redaction.Rules = w.counts
	}
	m.Redaction.Late = w.redactManifest(m.Redaction.Late)
	for _, g := range gen {
		data := w.scrub(g.Name, g.Data)
		if err := w.addGenerated(g.Name, data, true); err != nil {
			return "", err
		}
	}
	var data []byte
	for range 3 { // a late catch is recorded in the manifest, which changes it: encode again
		var buf bytes.Buffer
		if err := manifest.Encode(&buf, m); err != nil {
			return "", fmt.Errorf("encode the manifest: %w", err)
		}
		before := len(m.Redaction.Late)
		data = w.scrub(ManifestName, buf.Bytes())
		if len(m.Redaction.Late) == before {
			break
		}
	}
	if err := w.addGenerated(ManifestName, data, false); err != nil {
		return "", err
	}
	if err := w.zw.Close(); err != nil {
		return "", writeError{err}
	}
	if err := w.f.Sync(); err != nil {
		return "", writeError{err}
	}
	if err := w.f.Close(); err != nil {
		return "", writeError{err}
	}
	w.f = nil
	final, err := place(w.tmp, w.dir, stem)
	if err != nil {
		return "", err
	}
	w.placed = true
	syncDir(w.dir)
	return final, nil
}

// scrub passes generated text through the token and credential rules (and the obfuscator) and
// records what it caught. The caller holds w.mu.
func (w *Writer) scrub(name string, data []byte) []byte {
	out, counts := w.red.Scrub(data)
	if counts.Total() > 0 {
		w.man.Redaction.Late = append(w.man.Redaction.Late, manifest.Late{Where: name, Rules: counts})
	}
	if w.obf != nil {
		out = w.obf.Bytes(out)
	}
	return out
}

// addGenerated writes an entry opadiag generated itself; it is recorded in the manifest's files
// unless it is the manifest. The caller holds w.mu.
func (w *Writer) addGenerated(name string, content []byte, record bool) error {
	w.names[strings.ToLower(name)] = true
	hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: w.created.UTC()}
	hdr.SetMode(0o644)
	zf, err := w.zw.CreateHeader(hdr)
	if err == nil {
		_, err = zf.Write(content)
	}
	if err != nil {
		w.failed = writeError{err}
		return w.failed
	}
	if record {
		sum := sha256.Sum256(content)
		w.man.Files = append(w.man.Files, manifest.File{
			Path: name, Collector: "opadiag", Size: int64(len(content)),
			SHA256: hex.EncodeToString(sum[:]), Redactions: map[string]int{}, OriginalSize: int64(len(content)),
		})
	}
	return nil
}

// redactManifest redacts every string of the manifest in place and appends to record where it
// replaced something. The caller holds w.mu.
func (w *Writer) redactManifest(record []manifest.Late) []manifest.Late {
	for _, l := range redactFields(w.red, reflect.ValueOf(w.man).Elem(), "") {
		if len(record) >= maxLate {
			break
		}
		record = append(record, manifest.Late{Where: ManifestName + " " + l.Where, Rules: l.Rules})
	}
	return record
}

// maxLate bounds the late catches recorded.
const maxLate = 50

// redactFields applies the text rules to every string reachable from v — struct fields, slices,
// map values — except fields tagged redact:"-" (hashes), and returns where something was caught.
// Replacements made by the obfuscator are not catches: renaming hosts is what it is asked to do.
func redactFields(red *redact.Redactor, v reflect.Value, path string) []manifest.Late {
	var late []manifest.Late
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			late = append(late, redactFields(red, v.Elem(), path)...)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() || sf.Tag.Get("redact") == "-" {
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "" {
				name = sf.Name
			}
			late = append(late, redactFields(red, v.Field(i), joinPath(path, name))...)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			late = append(late, redactFields(red, v.Index(i), path+"["+strconv.Itoa(i)+"]")...)
		}
	case reflect.Map:
		if v.Type().Elem().Kind() != reflect.String {
			return nil // counts
		}
		iter := v.MapRange()
		for iter.Next() {
			s := iter.Value().String()
			out, counts := red.Bytes([]byte(s))
			if string(out) != s {
				v.SetMapIndex(iter.Key(), reflect.ValueOf(string(out)).Convert(v.Type().Elem()))
			}
			late = appendLate(late, joinPath(path, iter.Key().String()), counts)
		}
	case reflect.String:
		s := v.String()
		if s == "" || !v.CanSet() {
			return nil
		}
		out, counts := red.Bytes([]byte(s))
		if string(out) != s {
			v.SetString(string(out))
		}
		late = appendLate(late, path, counts)
	}
	return late
}

func appendLate(late []manifest.Late, path string, counts redact.Counts) []manifest.Late {
	for _, rule := range []string{redact.RuleHost, redact.RuleIP, redact.RuleUser} {
		delete(counts, rule)
	}
	if counts.Total() == 0 {
		return late
	}
	return append(late, manifest.Late{Where: path, Rules: counts})
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
