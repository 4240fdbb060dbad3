package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opadiag/opadiag/manifest"
)

// previousRelease is a bundle the release before the bundle engine wrote (testdata/bundles).
const previousRelease = "testdata/bundles/previous-release.zip"

// rewriteManifest copies the bundle at src to a new file with its manifest changed by edit.
func rewriteManifest(t *testing.T, src string, edit func(m map[string]any)) string {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range zr.File {
		rc, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if e.Name == "manifest.json" {
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatal(err)
			}
			edit(m)
			data, _ = json.MarshalIndent(m, "", "  ")
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: e.Modified})
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return dst
}

func inspect(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"opadiag", "inspect"}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), err
}

// TestInspectPreviousRelease: a bundle an older release wrote is verified and re-diagnosed with
// today's checks, which find the planted outage (failed heartbeats, DNS) and the crash.
func TestInspectPreviousRelease(t *testing.T) {
	out, err := inspect(t, previousRelease)
	if err != nil {
		t.Fatalf("inspect: %v\n%s", err, out)
	}
	if !strings.HasPrefix(out, "valid: ") {
		t.Fatalf("the verdict must come first:\n%s", out)
	}
	for _, want := range []string{"Findings of today's checks", "integrator.io's name could not be resolved", "crashed with an uncaught exception"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	js, err := inspect(t, "--json", previousRelease)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Valid bool               `json:"valid"`
		Today []manifest.Finding `json:"findings_today"`
	}
	if err := json.Unmarshal([]byte(js), &v); err != nil || !v.Valid || len(v.Today) == 0 {
		t.Fatalf("--json: %v %+v", err, v)
	}
}

// TestInspectWithoutStoredFindings: a bundle whose stored findings were removed still gets its
// findings, recomputed from its files.
func TestInspectWithoutStoredFindings(t *testing.T) {
	stripped := rewriteManifest(t, previousRelease, func(m map[string]any) { m["findings"] = []any{} })
	out, err := inspect(t, stripped)
	if err != nil {
		t.Fatalf("inspect: %v\n%s", err, out)
	}
	for _, want := range []string{"integrator.io's name could not be resolved", "holds no stored findings"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// TestInspectHostileManifest: a manifest that lists an entry with a size it does not have is
// refused without hashing it, and the verdict comes first.
func TestInspectHostileManifest(t *testing.T) {
	bad := rewriteManifest(t, previousRelease, func(m map[string]any) {
		files := m["files"].([]any)
		files[0].(map[string]any)["size"] = 1 << 40
	})
	out, err := inspect(t, bad)
	if err == nil {
		t.Fatal("a bundle whose manifest lies verified")
	}
	if !strings.HasPrefix(out, "INVALID: 1 problems\n") || !strings.Contains(out, "the zip declares") {
		t.Fatalf("inspect printed:\n%s", out)
	}
}
