package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// reportCmd runs opadiag report with args; it returns stdout, stderr and the exit code.
func reportCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"opadiag", "report"}, args...), strings.NewReader(""), &out, &errb)
	code := exitCode(err, &errb)
	return out.String(), errb.String(), code
}

// copyBundle copies the bundle at src into a new folder.
func copyBundle(t *testing.T, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestReportPreviousRelease: the page of a bundle an older release wrote is written beside it,
// with today's checks (which find the planted outage), and never over an existing file.
func TestReportPreviousRelease(t *testing.T) {
	zip := copyBundle(t, previousRelease)
	out, errs, code := reportCmd(t, zip)
	want := strings.TrimSuffix(zip, ".zip") + ".report.html"
	if code != 0 || out != "report: "+want+"\n" || errs != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	page, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"integrator.io&#39;s name could not be resolved", `data-kind="heartbeat_failed"`, "today&#39;s checks over the bundle&#39;s files", "sha256:5c5db52af06bcfd6"} {
		if !bytes.Contains(page, []byte(s)) {
			t.Errorf("the page lacks %s", s)
		}
	}
	if st, _ := os.Stat(want); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 like the bundle", st.Mode().Perm())
	}
	// Again: a second page beside the first.
	out, _, code = reportCmd(t, zip)
	if second := strings.TrimSuffix(zip, ".zip") + ".report-2.html"; code != 0 || out != "report: "+second+"\n" {
		t.Errorf("second run: exit %d, %q", code, out)
	}
	// --output names a file that exists: refused, the file left alone.
	taken := filepath.Join(t.TempDir(), "mine.html")
	if err := os.WriteFile(taken, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, code = reportCmd(t, zip, "--output", taken)
	if data, _ := os.ReadFile(taken); code != 1 || string(data) != "keep me" || !strings.Contains(errs, "opadiag: hint: opadiag never replaces a file") {
		t.Errorf("over an existing file: exit %d, %q, file now %q", code, errs, data)
	}
	// --output to a new file.
	fresh := filepath.Join(t.TempDir(), "page.html")
	if out, _, code := reportCmd(t, "--output", fresh, zip); code != 0 || out != "report: "+fresh+"\n" {
		t.Errorf("--output: exit %d, %q", code, out)
	}
}

func TestReportFailures(t *testing.T) {
	notZip := filepath.Join(t.TempDir(), "notes.zip")
	if err := os.WriteFile(notZip, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	zip := copyBundle(t, previousRelease)
	whole, err := os.ReadFile(zip)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(t.TempDir(), "cut.zip")
	os.WriteFile(truncated, whole[:len(whole)/2], 0o644)
	empty := filepath.Join(t.TempDir(), "empty.zip")
	os.WriteFile(empty, nil, 0o644)
	taken := filepath.Join(t.TempDir(), "taken.html")
	os.WriteFile(taken, []byte("mine"), 0o644)
	noManifest := rewriteManifest(t, previousRelease, func(m map[string]any) { m["schema"] = "something/else" })
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no bundle", nil, 2, "report takes one bundle, got 0 arguments"},
		{"two bundles", []string{zip, zip}, 2, "report takes one bundle, got 2 arguments"},
		{"missing", []string{filepath.Join(t.TempDir(), "none.zip")}, 1, "open bundle"},
		{"not a zip", []string{notZip}, 1, "open bundle"},
		{"no readable manifest", []string{noManifest}, 1, "has no readable manifest.json"},
		{"truncated", []string{truncated}, 1, "opadiag: hint: the file starts as a zip but its end is missing"},
		{"empty", []string{empty}, 1, "opadiag: hint: the file is empty"},
		{"output exists", []string{zip, "--output", taken}, 1, "opadiag never replaces a file"},
		{"output folder missing", []string{zip, "--output", filepath.Join(t.TempDir(), "no", "page.html")}, 1, "choose another --output"},
		{"unknown flag", []string{"--json", zip}, 2, "opadiag: hint: run 'opadiag report --help'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := reportCmd(t, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.stderr) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errs, tt.code, tt.stderr)
			}
			if !strings.HasPrefix(errs, "opadiag: error: ") || !strings.Contains(errs, "\nopadiag: hint: ") {
				t.Errorf("stderr is not an error and a hint: %q", errs)
			}
		})
	}
	if b, _ := os.ReadFile(taken); string(b) != "mine" {
		t.Errorf("an existing --output was changed: %q", b)
	}
	// Nothing is left beside the bundles and pages: no page, no temporary file.
	for _, dir := range []string{filepath.Dir(taken), filepath.Dir(zip)} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") || strings.HasSuffix(e.Name(), ".tmp") || (strings.HasSuffix(e.Name(), ".html") && e.Name() != "taken.html") {
				t.Errorf("left behind: %s", filepath.Join(dir, e.Name()))
			}
		}
	}
}

// TestReportIntoFolder: --output naming a folder (as collect's --output does) writes
// BUNDLE.report.html in it, then BUNDLE.report-2.html; it was refused as an existing file.
func TestReportIntoFolder(t *testing.T) {
	zip := copyBundle(t, previousRelease)
	dir := t.TempDir()
	stem := strings.TrimSuffix(filepath.Base(zip), ".zip")
	for _, want := range []string{stem + ".report.html", stem + ".report-2.html"} {
		out, errs, code := reportCmd(t, zip, "--output", dir)
		if code != 0 || out != "report: "+filepath.Join(dir, want)+"\n" {
			t.Fatalf("exit %d, stdout %q, stderr %q; want %s", code, out, errs, want)
		}
	}
	out, errs, code := reportCmd(t, zip, "--output", filepath.Join(t.TempDir(), "new")+string(filepath.Separator))
	if code != 1 || !strings.Contains(errs, "choose another --output") {
		t.Errorf("a folder that does not exist: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TestReportChangedBundle: a bundle that no longer matches its manifest still gets its page, with
// a warning that says so.
func TestReportChangedBundle(t *testing.T) {
	changed := rewriteManifest(t, previousRelease, func(m map[string]any) {
		files := m["files"].([]any)
		files[0].(map[string]any)["sha256"] = strings.Repeat("0", 64)
	})
	out, errs, code := reportCmd(t, changed)
	if code != 0 || !strings.HasPrefix(out, "report: ") || !strings.Contains(errs, "opadiag: warning: the bundle does not match its manifest") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TestInspectMentionsReport: inspect's text output points at the page.
func TestInspectMentionsReport(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"opadiag", "inspect", previousRelease}, strings.NewReader(""), &out, &errb)
	if err != nil && !errors.Is(err, errInvalidBundle) {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "opadiag: hint: to read it in a browser, with a timeline: opadiag report "+previousRelease) {
		t.Errorf("stderr %q", errb.String())
	}
}
