package collect

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/opadiag/opadiag/manifest"
)

// Report is the outcome of verifying a bundle.
type Report struct {
	Manifest *manifest.Manifest // nil when the manifest could not be read
	Entries  int                // zip entries, manifest.json included
	Problems []string           // empty when the bundle is valid
}

// maxManifest bounds the manifest read into memory.
const maxManifest = 64 << 20

// Verify checks a bundle: its manifest must validate against the schema, and every file it lists
// must be in the zip with the recorded size and SHA-256, with nothing unlisted beside them. An
// error means the file could not be read as a zip at all.
func Verify(path string) (*Report, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("open bundle %q: %w", path, err)
	}
	defer zr.Close()
	rep := &Report{Entries: len(zr.File)}
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		if entries[f.Name] != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: the zip holds it twice", f.Name))
		}
		entries[f.Name] = f
	}
	mf := entries[manifestName]
	if mf == nil {
		rep.Problems = append(rep.Problems, "manifest.json is missing")
		return rep, nil
	}
	data, err := readEntry(mf, maxManifest)
	if err != nil {
		rep.Problems = append(rep.Problems, fmt.Sprintf("manifest.json: %v", err))
		return rep, nil
	}
	if err := manifest.Validate(data); err != nil {
		rep.Problems = append(rep.Problems, err.Error())
	}
	m, err := manifest.Decode(bytes.NewReader(data))
	if err != nil {
		rep.Problems = append(rep.Problems, err.Error())
		return rep, nil
	}
	rep.Manifest = m
	listed := map[string]bool{manifestName: true}
	for _, f := range m.Files {
		listed[f.Path] = true
		e := entries[f.Path]
		if e == nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: listed in the manifest but not in the zip", f.Path))
			continue
		}
		size, sum, err := hashEntry(e)
		switch {
		case err != nil:
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %v", f.Path, err))
		case size != f.Size:
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %d bytes, the manifest says %d", f.Path, size, f.Size))
		case sum != f.SHA256:
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: SHA-256 %s, the manifest says %s", f.Path, sum, f.SHA256))
		}
	}
	for _, f := range zr.File {
		if !listed[f.Name] {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: in the zip but not in the manifest", f.Name))
		}
	}
	return rep, nil
}

func readEntry(f *zip.File, limit int64) ([]byte, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

func hashEntry(f *zip.File) (int64, string, error) {
	r, err := f.Open()
	if err != nil {
		return 0, "", err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return n, "", fmt.Errorf("read: %w", err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
