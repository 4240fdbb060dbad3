package report

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// failingFS fails every open with err.
type failingFS struct{ err error }

func (f failingFS) Open(string) (fs.File, error) { return nil, f.err }

func TestReadLines(t *testing.T) {
	long := strings.Repeat("é", 400) // 800 bytes: cut inside the run of two-byte runes
	files := fstest.MapFS{
		"a.log":     {Data: []byte("one\r\ntwo\nthree")},
		"long.log":  {Data: []byte("short\n" + long + "\n" + strings.Repeat("x", 200<<10) + "\nafter\n")},
		"bytes.log": {Data: []byte("bad \xff\xfe utf8\nesc \x1b[31mred\x1b[0m\tand\x00nul\n")},
		"empty.log": {Data: nil},
	}
	tests := []struct {
		name    string
		fsys    fs.FS
		path    string
		line    int
		text    string
		cut     bool
		missing string
	}{
		{"first line, CRLF", files, "a.log", 1, "one", false, ""},
		{"middle", files, "a.log", 2, "two", false, ""},
		{"last line without a line break", files, "a.log", 3, "three", false, ""},
		{"past the end", files, "a.log", 4, "", false, "the file has fewer than 4 lines"},
		{"long line cut on a rune", files, "long.log", 2, strings.Repeat("é", maxLineText/2), true, ""},
		{"a line longer than the buffer", files, "long.log", 3, strings.Repeat("x", maxLineText), true, ""},
		{"after a very long line", files, "long.log", 4, "after", false, ""},
		{"invalid UTF-8", files, "bytes.log", 1, "bad \uFFFD utf8", false, ""},
		{"control characters", files, "bytes.log", 2, "esc \uFFFD[31mred\uFFFD[0m\tand\uFFFDnul", false, ""},
		{"empty file", files, "empty.log", 1, "", false, "the file has fewer than 1 lines"},
		{"not in the bundle", files, "nope.log", 1, "", false, "not in the bundle"},
		{"not a bundle path", files, "../etc/passwd", 1, "", false, "not a file of the bundle"},
		{"no files given", nil, "a.log", 1, "", false, "the bundle's files were not given"},
		{"unreadable", failingFS{errors.New("disk on fire")}, "a.log", 1, "", false, "could not be read: disk on fire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readLines(tt.fsys, []lineWant{{tt.path, tt.line}})[lineWant{tt.path, tt.line}]
			if got.text != tt.text || got.cut != tt.cut || got.missing != tt.missing {
				t.Errorf("got %q cut=%v missing=%q, want %q cut=%v missing=%q", got.text, got.cut, got.missing, tt.text, tt.cut, tt.missing)
			}
		})
	}
}

// TestReadLinesBounded: a line past what the page reads of a file is not shown, and says why.
func TestReadLinesBounded(t *testing.T) {
	data := strings.Repeat("0123456789abcdef\n", 1000) // 17,000 bytes
	files := fstest.MapFS{"big.log": {Data: []byte(data)}}
	got, read := readFileLines(files, "big.log", []int{2, 999}, 4096)
	if got[2].text != "0123456789abcdef" {
		t.Errorf("line 2: %+v", got[2])
	}
	if !strings.Contains(got[999].missing, "past the first") || read != 4096 {
		t.Errorf("line 999 of a file read 4096 bytes deep: %+v (read %d)", got[999], read)
	}
	// Lines of one file are read in one pass; lines not wanted are not kept.
	many := readLines(files, []lineWant{{"big.log", 1}, {"big.log", 1000}, {"big.log", 0}})
	if many[lineWant{"big.log", 1000}].text != "0123456789abcdef" || len(many) != 2 {
		t.Errorf("got %+v", many)
	}
}

func TestCutText(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"longer text", 6, "longer…"},
		{"ééé", 3, "é…"},
		{"", 0, ""},
	}
	for _, tt := range tests {
		if got := cutText(tt.in, tt.n); got != tt.want {
			t.Errorf("cutText(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
