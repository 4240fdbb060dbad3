package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// crashbundles DIR N: DIR holds exactly N bundles made by --trigger crash, each valid; other
// zips (a manual bundle) are not counted.
func cmdCrashBundles(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: crashbundles DIR N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	zips, err := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), "opadiag-*.zip"))
	ts.Check(err)
	var crash []string
	for _, z := range zips {
		m, problems, err := verifyBundle(z)
		ts.Check(err)
		if len(problems) > 0 {
			ts.Fatalf("invalid bundle %s:\n%s", z, strings.Join(problems, "\n"))
		}
		if m.Invocation.Trigger == "crash" {
			crash = append(crash, filepath.Base(z))
		}
	}
	if len(crash) != want {
		ts.Fatalf("%d crash bundles in %s, want %d: %v", len(crash), args[0], want, crash)
	}
}

// treehash DIR FILE: writes to FILE one line per file, folder and symlink under DIR (name,
// type and mode, SHA-256 of the contents, link target), sorted; cmp two such files to check
// that a tree is byte for byte as it was.
func cmdTreeHash(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: treehash DIR FILE")
	}
	root := ts.MkAbs(args[0])
	var lines []string
	ts.Check(filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v", filepath.ToSlash(rel), info.Mode())
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			line += " " + hex.EncodeToString(sum[:])
		}
		lines = append(lines, line)
		return nil
	}))
	sort.Strings(lines)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
}
