package report

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of what the page reads of the bundle's files to show findings' evidence lines.
const (
	maxLineText     = 300      // bytes of a line shown, the rest cut
	maxEvidenceScan = 64 << 20 // bytes of one file read to reach its lines
	maxEvidenceRead = 256 << 20
)

// lineWant is a line of a bundle file the page shows.
type lineWant struct {
	path string
	line int
}

// lineGot is what was read of it: the text (cut), or why there is none.
type lineGot struct {
	text    string
	cut     bool   // the line was longer than maxLineText
	missing string // why the line is not shown
}

// readLines reads the lines wanted of the bundle's files, each file once and at most
// maxEvidenceScan bytes of it, at most maxEvidenceRead bytes in all. Lines are cut at
// maxLineText, made valid UTF-8 and stripped of control characters. fsys may be nil: then
// every line says the files were not available.
func readLines(fsys fs.FS, wants []lineWant) map[lineWant]lineGot {
	out := map[lineWant]lineGot{}
	byPath := map[string][]int{}
	var paths []string
	for _, w := range wants {
		if w.line <= 0 {
			continue
		}
		if _, ok := byPath[w.path]; !ok {
			paths = append(paths, w.path)
		}
		byPath[w.path] = append(byPath[w.path], w.line)
	}
	budget := int64(maxEvidenceRead)
	for _, p := range paths {
		lines := byPath[p]
		got, read := readFileLines(fsys, p, lines, min(budget, maxEvidenceScan))
		budget -= read
		for _, l := range lines {
			out[lineWant{p, l}] = got[l]
		}
	}
	return out
}

// readFileLines reads the given 1-based lines of one file, reading at most limit bytes; it
// returns them and how many bytes it read.
func readFileLines(fsys fs.FS, path string, lines []int, limit int64) (map[int]lineGot, int64) {
	got := map[int]lineGot{}
	fail := func(why string) (map[int]lineGot, int64) {
		for _, l := range lines {
			got[l] = lineGot{missing: why}
		}
		return got, 0
	}
	if fsys == nil {
		return fail("the bundle's files were not given")
	}
	if !fs.ValidPath(path) {
		return fail("not a file of the bundle")
	}
	f, err := fsys.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fail("not in the bundle")
		}
		return fail(fmt.Sprintf("could not be read: %v", err))
	}
	defer f.Close()
	want := map[int]bool{}
	last := 0
	for _, l := range lines {
		want[l] = true
		last = max(last, l)
	}
	lr := &io.LimitedReader{R: f, N: limit}
	br := bufio.NewReaderSize(lr, 64<<10)
	var cur []byte // the start of the current line, at most maxLineText+1 bytes
	n, long := 1, false
	for n <= last {
		chunk, err := br.ReadSlice('\n')
		if want[n] && len(cur) <= maxLineText {
			cur = append(cur, chunk[:min(len(chunk), maxLineText+1-len(cur))]...)
		}
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			if want[n] {
				got[n] = shown(cur, long)
			}
			cur, long = cur[:0], false
			n++
			continue
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			long = true
			continue
		}
		// End of file, or of what may be read.
		if want[n] && len(cur) > 0 {
			got[n] = shown(cur, long || lr.N == 0)
		}
		break
	}
	read := limit - lr.N
	for _, l := range lines {
		if _, ok := got[l]; !ok {
			why := fmt.Sprintf("the file has fewer than %d lines", l)
			if lr.N == 0 {
				why = fmt.Sprintf("past the first %d MiB of the file, which the page does not read", limit>>20)
			}
			got[l] = lineGot{missing: why}
		}
	}
	return got, read
}

// shown makes a line presentable: without its line break, cut, valid UTF-8, control characters
// replaced.
func shown(b []byte, long bool) lineGot {
	b = bytes.TrimRight(b, "\r\n")
	cut := long || len(b) > maxLineText
	if len(b) > maxLineText {
		b = b[:maxLineText]
		// Drop a rune cut in half.
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return lineGot{text: printable(string(bytes.ToValidUTF8(b, []byte("\uFFFD")))), cut: cut}
}

// printable replaces control characters (escape sequences, NULs, carriage returns) with U+FFFD,
// keeping tabs.
func printable(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r != '\t' && unicode.IsControl(r) }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r != '\t' && unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, s)
}

// cutText cuts s to at most n bytes on a rune boundary, with an ellipsis when cut.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
