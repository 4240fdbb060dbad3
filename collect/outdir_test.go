package collect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opadiag/opadiag/platform"
)

// fakePlaces is an OutputPlaces with a fixed list of fallbacks and unsuitable folders.
type fakePlaces struct {
	unsuitable map[string]string
	fallbacks  []platform.Folder
}

func (p fakePlaces) UnsuitableOutput(dir string) string { return p.unsuitable[dir] }
func (p fakePlaces) OutputFallbacks() []platform.Folder { return p.fallbacks }

func TestOutputDir(t *testing.T) {
	cwd := t.TempDir()
	desktop, documents, temp := t.TempDir(), t.TempDir(), t.TempDir()
	notDir := filepath.Join(t.TempDir(), "file") // writing "into" a file fails, even as root
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	gone := t.TempDir()
	all := []platform.Folder{{Name: "Desktop", Path: desktop}, {Name: "Documents", Path: documents}, {Name: "temp", Path: temp}}
	tests := []struct {
		name       string
		chdir      string
		removeCwd  bool
		places     fakePlaces
		want       string
		note       []string // the console's note says all of these
		errWords   []string // or the error does
		wantNoNote bool
	}{
		{name: "current folder", chdir: cwd, places: fakePlaces{fallbacks: all}, want: cwd, wantNoNote: true},
		{name: "current folder is System32", chdir: cwd,
			places: fakePlaces{unsuitable: map[string]string{cwd: "it is a Windows system folder"}, fallbacks: all},
			want:   desktop, note: []string{cwd, "it is a Windows system folder", "your Desktop folder, " + desktop}},
		{name: "current folder gone", chdir: gone, removeCwd: true, places: fakePlaces{fallbacks: all},
			want: desktop, note: []string{"your Desktop folder"}},
		{name: "Desktop not writable: Documents", chdir: cwd,
			places: fakePlaces{unsuitable: map[string]string{cwd: "x"}, fallbacks: []platform.Folder{{Name: "Desktop", Path: notDir}, {Name: "Documents", Path: documents}, {Name: "temp", Path: temp}}},
			want:   documents, note: []string{"your Documents folder, " + documents}},
		{name: "a service: Desktop and Documents in System32, temp", chdir: cwd,
			places: fakePlaces{unsuitable: map[string]string{cwd: "x", desktop: "x", documents: "x"}, fallbacks: all},
			want:   temp, note: []string{"your temp folder, " + temp}},
		{name: "nowhere", chdir: cwd,
			places:   fakePlaces{unsuitable: map[string]string{cwd: "it is the root folder", desktop: "x"}, fallbacks: []platform.Folder{{Name: "Desktop", Path: desktop}, {Name: "temp", Path: notDir}}},
			errWords: []string{"it is the root folder", "no other folder is writable", "Desktop " + desktop, "temp " + notDir}},
		{name: "no fallbacks", chdir: cwd, places: fakePlaces{unsuitable: map[string]string{cwd: "x"}},
			errWords: []string{"there is no Desktop, Documents or temporary folder"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(tt.chdir)
			if tt.removeCwd {
				if err := os.Remove(tt.chdir); err != nil {
					t.Fatal(err)
				}
			}
			dir, note, err := outputDir("", tt.places)
			if tt.errWords != nil {
				if err == nil {
					t.Fatalf("outputDir = %q, want an error", dir)
				}
				for _, w := range tt.errWords {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil || dir != tt.want {
				t.Fatalf("outputDir = %q, %v; want %q", dir, err, tt.want)
			}
			if tt.wantNoNote && note != "" {
				t.Errorf("note %q for the current folder", note)
			}
			for _, w := range tt.note {
				if !strings.Contains(note, w) {
					t.Errorf("note %q lacks %q", note, w)
				}
			}
		})
	}
}

// TestOutputDirGiven: a folder given with --output is created, used as is, and an error about it
// names it as the OS writes paths (no doubled backslashes from %q).
func TestOutputDirGiven(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "out")
	got, note, err := outputDir(dir, fakePlaces{unsuitable: map[string]string{dir: "never asked"}})
	if err != nil || got != dir || note != "" {
		t.Fatalf("outputDir(%q) = %q, %q, %v", dir, got, note, err)
	}
	file := filepath.Join(t.TempDir(), `a\b`)
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = outputDir(file, nil)
	if err == nil || !strings.Contains(err.Error(), file) || strings.Contains(err.Error(), `a\\b`) {
		t.Fatalf("error for a file as output folder: %v", err)
	}
}
