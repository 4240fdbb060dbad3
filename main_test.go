package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/manifest"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"opadiag": main})
}

// TestScripts runs the end-to-end scripts in testdata/script: the real binary over fixture agent
// homes (Linux and Windows layouts), its messages and exit codes.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			// Discovery must not find anything of the machine running the tests.
			env.Setenv("HOME", filepath.Join(env.WorkDir, "home"))
			env.Setenv("XDG_CONFIG_HOME", "")
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"bundle":   cmdBundle,
			"datedlog": cmdDatedLog,
			"age":      cmdAge,
			"grepall":  cmdGrepAll,
			"bigfile":  cmdBigFile,
			"tamper":   cmdTamper,
			"sleep":    cmdSleep,
			// crash_script_test.go
			"crashbundles": cmdCrashBundles,
			"treehash":     cmdTreeHash,
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// bundle DIR: DIR holds exactly one bundle (mode 0600) and no temporary file, valid against its
// manifest and schema; it is copied to $WORK/bundle.zip and its entries extracted to $WORK/bundle.
func cmdBundle(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: bundle DIR")
	}
	dir := ts.MkAbs(args[0])
	ents, err := os.ReadDir(dir)
	ts.Check(err)
	var zips []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".zip") {
			zips = append(zips, e.Name())
		} else if strings.HasPrefix(e.Name(), ".opadiag") {
			ts.Fatalf("temporary file %s left in %s", e.Name(), dir)
		}
	}
	if len(zips) != 1 {
		ts.Fatalf("want one bundle in %s, found %v", dir, zips)
	}
	path := filepath.Join(dir, zips[0])
	st, err := os.Stat(path)
	ts.Check(err)
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		ts.Fatalf("bundle mode %v, want 0600", st.Mode().Perm())
	}
	_, problems, err := verifyBundle(path)
	ts.Check(err)
	if len(problems) > 0 {
		ts.Fatalf("invalid bundle:\n%s", strings.Join(problems, "\n"))
	}
	data, err := os.ReadFile(path)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs("bundle.zip"), data, 0o600))
	out := ts.MkAbs("bundle")
	ts.Check(os.RemoveAll(out))
	entries, err := zipEntries(path)
	ts.Check(err)
	for name, data := range entries {
		target := filepath.Join(out, filepath.FromSlash(name))
		ts.Check(os.MkdirAll(filepath.Dir(target), 0o755))
		ts.Check(os.WriteFile(target, []byte(data), 0o644))
	}
	ts.Logf("bundle %s: %d entries", zips[0], len(entries))
}

// zipEntries reads every entry of a zip.
func zipEntries(path string) (map[string]string, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out := map[string]string{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.Name, err)
		}
		out[f.Name] = string(b)
	}
	return out, nil
}

// datedlog DIR DAYS LINE...: writes DIR/server-<today-DAYS>.log holding the lines, each behind a
// timestamp of that day, with that day as its modification time.
func cmdDatedLog(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: datedlog DIR DAYS LINE...")
	}
	days, err := strconv.Atoi(args[1])
	ts.Check(err)
	day := time.Now().AddDate(0, 0, -days)
	var b strings.Builder
	for i, l := range args[2:] {
		fmt.Fprintf(&b, "%s: %s\n", day.Add(time.Duration(i-len(args))*time.Minute).UTC().Format("2006-01-02T15:04:05.000Z"), l)
	}
	name := filepath.Join(ts.MkAbs(args[0]), "server-"+day.Format("2006-01-02")+".log")
	ts.Check(os.WriteFile(name, []byte(b.String()), 0o644))
	ts.Check(os.Chtimes(name, day, day))
}

// age FILE DAYS: sets the file's modification time DAYS days back.
func cmdAge(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: age FILE DAYS")
	}
	days, err := strconv.Atoi(args[1])
	ts.Check(err)
	t := time.Now().AddDate(0, 0, -days)
	ts.Check(os.Chtimes(ts.MkAbs(args[0]), t, t))
}

// grepall PATTERN DIR: some file under DIR matches the regular expression; with !, none does.
func cmdGrepAll(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: grepall PATTERN DIR")
	}
	re, err := regexp.Compile(args[0])
	ts.Check(err)
	var hits []string
	err = filepath.WalkDir(ts.MkAbs(args[1]), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil && re.Match(data) {
			hits = append(hits, p)
		}
		return err
	})
	ts.Check(err)
	switch {
	case neg && len(hits) > 0:
		ts.Fatalf("%q found in %v", args[0], hits)
	case !neg && len(hits) == 0:
		ts.Fatalf("%q not found under %s", args[0], args[1])
	}
}

// bigfile FILE SIZE LINE: writes numbered copies of LINE until the file has SIZE bytes.
func cmdBigFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: bigfile FILE SIZE LINE")
	}
	size, err := parseSize(args[1])
	ts.Check(err)
	ts.Check(os.MkdirAll(filepath.Dir(ts.MkAbs(args[0])), 0o755))
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	w := bufio.NewWriterSize(f, 1<<20)
	for i, n := 0, 0; int64(n) < size; i++ {
		k, _ := fmt.Fprintf(w, "%08d %s\n", i, args[2])
		n += k
	}
	ts.Check(w.Flush())
	ts.Check(f.Close())
}

// sleep DURATION: waits, to let a background command get going.
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

// tamper IN OUT ENTRY: copies the zip IN to OUT with one byte of ENTRY changed.
func cmdTamper(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: tamper IN OUT ENTRY")
	}
	zr, err := zip.OpenReader(ts.MkAbs(args[0]))
	ts.Check(err)
	defer zr.Close()
	f, err := os.Create(ts.MkAbs(args[1]))
	ts.Check(err)
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, e := range zr.File {
		r, err := e.Open()
		ts.Check(err)
		data, err := io.ReadAll(r)
		r.Close()
		ts.Check(err)
		if e.Name == args[2] && len(data) > 0 {
			data[0] ^= 1
		}
		w, err := zw.Create(e.Name)
		ts.Check(err)
		_, err = w.Write(data)
		ts.Check(err)
	}
	ts.Check(zw.Close())
}

func TestExitCodes(t *testing.T) {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "Settings"), []byte(`{"token":"abcdefgh12345678"}`), 0o600)
	out := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		stdin   string
		code    int
		stderr  string
		stdout  string
		noFiles bool
	}{
		{name: "collect", args: []string{"collect", "--agent-dir", home, "--output", out, "--no-network", "--quiet"}, code: 0, stdout: "bundle: "},
		{name: "unexpected argument", args: []string{"collect", "extra"}, code: 2, stderr: `unexpected argument "extra"`},
		{name: "unknown command", args: []string{"colect"}, code: 2, stderr: `unexpected argument "colect"`},
		{name: "unknown flag", args: []string{"collect", "--bogus"}, code: 2, stderr: "bogus"},
		{name: "bad size", args: []string{"collect", "--max-file-size", "12XB"}, code: 2, stderr: "not a size"},
		{name: "bad duration", args: []string{"collect", "--since", "a week"}, code: 2, stderr: "since"},
		{name: "negative since", args: []string{"collect", "--since", "-1h"}, code: 2, stderr: "--since must be positive"},
		{name: "bad trigger", args: []string{"collect", "--trigger", "cron"}, code: 2, stderr: "--trigger"},
		{name: "missing agent dir", args: []string{"collect", "--agent-dir", filepath.Join(home, "nope")}, code: 2, stderr: "is not a folder"},
		{name: "output is a file", args: []string{"collect", "--agent-dir", home, "--output", filepath.Join(home, "Settings"), "--no-network"}, code: 1, stderr: "output folder"},
		{name: "hash-token arg", args: []string{"hash-token", "abc"}, code: 0, stdout: "sha256:ba7816bf8f01cfea\n"},
		{name: "hash-token stdin", args: []string{"hash-token"}, stdin: "abc\n", code: 0, stdout: "sha256:ba7816bf8f01cfea\n"},
		{name: "hash-token crlf stdin", args: []string{"hash-token"}, stdin: "abc\r\n", code: 0, stdout: "sha256:ba7816bf8f01cfea\n"},
		{name: "hash-token empty", args: []string{"hash-token"}, stdin: "", code: 2, stderr: "no token"},
		{name: "hash-token two", args: []string{"hash-token", "a", "b"}, code: 2, stderr: "one token"},
		{name: "hash-token spaces warn", args: []string{"hash-token", " abc"}, code: 0, stderr: "without it the hash is sha256:ba7816bf8f01cfea"},
		{name: "version", args: []string{"version"}, code: 0, stdout: "opadiag "},
		{name: "version extra", args: []string{"version", "x"}, code: 2},
		{name: "inspect missing", args: []string{"inspect", filepath.Join(home, "none.zip")}, code: 1, stderr: "open bundle"},
		{name: "inspect no arg", args: []string{"inspect"}, code: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"opadiag"}, tc.args...), strings.NewReader(tc.stdin), &stdout, &stderr)
			code := exitCode(err, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("stderr %q lacks %q", stderr.String(), tc.stderr)
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Fatalf("stdout %q lacks %q", stdout.String(), tc.stdout)
			}
			if code != 0 && tc.stdout == "" && stdout.Len() > 0 && tc.code == 2 && !strings.Contains(stdout.String(), "USAGE") {
				t.Fatalf("a usage error printed results: %q", stdout.String())
			}
			for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
				if line != "" && code != 0 && !strings.HasPrefix(line, "opadiag: ") {
					t.Errorf("stderr line not in opadiag's format: %q", line)
				}
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "1048576": 1 << 20, "512KiB": 512 << 10, "64MiB": 64 << 20, "2GiB": 2 << 30,
		"64mib": 64 << 20, "100B": 100, " 1 KiB ": 1 << 10,
	} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1.5MiB", "12XB", "-1", "MiB", "64MB", "9999999999999GiB"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
	s := newSize(64 << 20)
	if s.String() != "64MiB" {
		t.Errorf("String() = %q", s.String())
	}
}

// verifyBundle opens and verifies the bundle at path: its manifest, and the problems found.
func verifyBundle(path string) (*manifest.Manifest, []string, error) {
	r, err := bundle.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	return r.Manifest(), r.Verify().Problems, nil
}
