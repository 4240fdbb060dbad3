package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestReleaseScript runs scripts/release.sh for windows/amd64 and checks what it made: the exe
// carries the release's version in its version resource (text and numbers, read back with
// debug/pe) and in main.version, SHA256SUMS matches, and the committed .syso files are untouched.
// Under Wine, Windows' own GetFileVersionInfo reads the same version and the exe's `version`
// command prints it.
//
// go-winres comes from the module cache only (served to the go command as a file:// proxy: tests
// use no network); the test skips when it is not there yet, unless OPADIAG_REQUIRE_RELEASE=1
// (.ci/run, which fetches it first).
// The script builds with -trimpath, which the ordinary build cache does not share: the first run
// takes minutes, later ones seconds.
func TestReleaseScript(t *testing.T) {
	if testing.Short() || runtime.GOOS != "linux" {
		t.Skip("builds a release (Linux, not in -short mode)")
	}
	for _, tool := range []string{"bash", "git", "sha256sum", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	modcache, err := exec.Command(goTool(), "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	download := filepath.Join(strings.TrimSpace(string(modcache)), "cache", "download")
	if _, err := os.Stat(filepath.Join(download, "github.com", "tc-hib", "go-winres", "@v", "v0.3.3.zip")); err != nil {
		if os.Getenv("OPADIAG_REQUIRE_RELEASE") == "1" {
			t.Fatalf("go-winres v0.3.3 is not in the module cache and OPADIAG_REQUIRE_RELEASE=1: %v", err)
		}
		t.Skip("go-winres v0.3.3 is not in the module cache: fetch it once with go run github.com/tc-hib/go-winres@v0.3.3 help (OPADIAG_REQUIRE_RELEASE=1 makes this a failure)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	syso := func() string {
		out, err := exec.Command("git", "diff", "--stat", "--", "rsrc_windows_amd64.syso", "rsrc_windows_arm64.syso").CombinedOutput()
		if err != nil {
			t.Fatalf("git diff: %v %s", err, out)
		}
		return string(out)
	}
	sysoBefore := syso()

	release := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join("scripts", "release.sh")}, args...)...)
		cmd.Env = append(os.Environ(), "RELEASE_TARGETS=windows/amd64", "GOPROXY=file://"+filepath.ToSlash(download), "GOSUMDB=off", "GOFLAGS=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := release("-o", t.TempDir(), "1.2"); err == nil || !strings.Contains(out, "release.sh: error: version '1.2' is not a semantic version") {
		t.Errorf("a version Windows cannot hold was accepted: %v\n%s", err, out)
	}

	dist := t.TempDir()
	const version = "v1.2.3-rc.1"
	begin := time.Now()
	out, err := release("-o", dist, version)
	if err != nil {
		t.Fatalf("release.sh: %v\n%s", err, out)
	}
	t.Logf("release.sh in %s:\n%s", time.Since(begin).Round(time.Millisecond), out)
	exe := filepath.Join(dist, "opadiag-windows-amd64.exe")
	checkSums(t, dist, []string{"opadiag-windows-amd64.exe"})
	checkResources(t, exe, version, [4]uint16{1, 2, 3, 0})
	if after := syso(); after != sysoBefore {
		t.Errorf("release.sh changed the committed .syso files:\n%s", after)
	}

	if _, err := exec.LookPath("wine"); err != nil {
		t.Log("wine is not installed: the version resource was not read back through Windows' API")
		return
	}
	prefix := winePrefix(ctx, t)
	winver := filepath.Join(t.TempDir(), "winver.exe")
	build := exec.CommandContext(ctx, goTool(), "build", "-o", winver, "./testdata/winver")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build winver: %v\n%s", err, b)
	}
	wine := func(args ...string) string {
		cmd := exec.CommandContext(ctx, "wine", args...)
		cmd.Env = append(os.Environ(), "WINEPREFIX="+prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=")
		f, err := os.CreateTemp(t.TempDir(), "wine-*") // a file, not a pipe: see wineHost.command
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdout, cmd.Stderr = f, f
		err = cmd.Run()
		b, _ := os.ReadFile(f.Name())
		if err != nil {
			t.Fatalf("wine %v: %v\n%s", args, err, b)
		}
		return strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	got := wine(winver, exe)
	for _, want := range []string{"FileVersion#=1.2.3.0\n", "ProductVersion#=1.2.3.0\n", "ProductName=opadiag\n",
		"FileVersion=" + version + "\n", "ProductVersion=" + version + "\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("Windows reads the version resource as:\n%s\nwithout %q", got, want)
		}
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	if v := wine(exe, "version"); !strings.HasPrefix(v, "opadiag "+version+" (commit "+strings.TrimSpace(string(head))+",") {
		t.Errorf("opadiag.exe version: %q", v)
	}
}

// TestReleaseDir checks a full release made by .ci/run: the four binaries, their SHA256SUMS, and
// both exes' resources with the release's version. It runs when OPADIAG_RELEASE_DIR and
// OPADIAG_RELEASE_VERSION (a version of three numbers, as .ci/run uses) are set.
func TestReleaseDir(t *testing.T) {
	dir, version := os.Getenv("OPADIAG_RELEASE_DIR"), os.Getenv("OPADIAG_RELEASE_VERSION")
	if dir == "" || version == "" {
		t.Skip("checks a release made by .ci/run: set OPADIAG_RELEASE_DIR and OPADIAG_RELEASE_VERSION")
	}
	names := []string{"opadiag-linux-amd64", "opadiag-linux-arm64", "opadiag-windows-amd64.exe", "opadiag-windows-arm64.exe"}
	checkSums(t, dir, names)
	var fixed [4]uint16
	for i, part := range strings.SplitN(strings.SplitN(strings.TrimPrefix(version, "v"), "-", 2)[0], ".", 3) {
		for _, c := range part {
			fixed[i] = fixed[i]*10 + uint16(c-'0')
		}
	}
	for _, exe := range names[2:] {
		checkResources(t, filepath.Join(dir, exe), version, fixed)
	}
}

// checkSums checks that dir's SHA256SUMS lists exactly names, each with its file's SHA-256.
func checkSums(t *testing.T, dir string, names []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q is not sha256sum's", sc.Text())
		}
		listed[name] = sum
	}
	if len(listed) != len(names) {
		t.Errorf("SHA256SUMS lists %v, want %v", listed, names)
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); listed[n] != got {
			t.Errorf("%s: SHA256SUMS says %s, the file hashes to %s", n, listed[n], got)
		}
	}
}
