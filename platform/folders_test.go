package platform

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestUnsuitableWindows(t *testing.T) {
	tests := []struct {
		dir  string
		want bool
	}{
		{`C:\Windows`, true},
		{`c:\windows\`, true},
		{`C:\Windows\System32`, true},
		{`C:\WINDOWS\system32\config\systemprofile\Desktop`, true}, // LocalSystem's Desktop
		{`C:\Windows\SysWOW64`, true},
		{`C:/Windows/SysWOW64/inetsrv`, true},
		{`C:\Windows\Sysnative`, true},
		{`C:\Windows\Temp`, false}, // a service's temporary folder: the last resort, and fine
		{`C:\Windows2`, false},
		{`C:\Windows\System32-old`, false},
		{`C:\Users\me\Desktop`, false},
		{`D:\Windows\System32`, false}, // not this system's
		{``, false},
	}
	for _, tt := range tests {
		if got := unsuitableWindows(tt.dir, `C:\Windows`); (got != "") != tt.want {
			t.Errorf("unsuitableWindows(%q) = %q, want unsuitable %v", tt.dir, got, tt.want)
		}
	}
}

func TestUnsuitableUnix(t *testing.T) {
	tests := []struct {
		dir  string
		want bool
	}{
		{"/", true},
		{"//", true},
		{"/usr/local/bin", true},
		{"/proc/self/cwd", true},
		{"/etc", true},
		{"/run/user/1000", true},
		{"/root", false},
		{"/home/alice", false},
		{"/tmp", false},
		{"/var/tmp", false},
		{"/opt/celigo", false},
		{"/usrlocal", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := unsuitableUnix(tt.dir); (got != "") != tt.want {
			t.Errorf("unsuitableUnix(%q) = %q, want unsuitable %v", tt.dir, got, tt.want)
		}
	}
}

func TestXDGUserDir(t *testing.T) {
	const file = `# This file is written by xdg-user-dirs-update
XDG_DESKTOP_DIR="$HOME/Schreibtisch"
XDG_DOCUMENTS_DIR="/data/docs/"
XDG_DOWNLOAD_DIR="$HOME/"
XDG_MUSIC_DIR=$HOME/Music
XDG_PICTURES_DIR="relative/pictures"
`
	tests := []struct{ name, home, want string }{
		{"DESKTOP", "/home/alice", "/home/alice/Schreibtisch"},
		{"DOCUMENTS", "/home/alice", "/data/docs"},
		{"DOWNLOAD", "/home/alice", ""}, // the home itself: a disabled folder
		{"MUSIC", "/home/alice", ""},    // not quoted: not as xdg-user-dirs writes it
		{"PICTURES", "/home/alice", ""}, // relative to nothing
		{"VIDEOS", "/home/alice", ""},   // not named
		{"DESKTOP", "", ""},             // no home to put it in
		{"DOCUMENTS", "", "/data/docs"}, // absolute: needs no home
	}
	for _, tt := range tests {
		if got := xdgUserDir(strings.NewReader(file), tt.name, tt.home); got != tt.want {
			t.Errorf("xdgUserDir(%s, home %q) = %q, want %q", tt.name, tt.home, got, tt.want)
		}
	}
}

func TestOutputFallbacksLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Linux folders")
	}
	home := t.TempDir()
	tmp := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("TMPDIR", tmp)
	t.Setenv("XDG_CONFIG_HOME", "")
	names := func() []Folder { return Platform{}.OutputFallbacks() }

	// A server: no Desktop or Documents, so the home folder, then the temporary folder.
	if got, want := names(), []Folder{{"home", home}, {"temp", tmp}}; !reflect.DeepEqual(got, want) {
		t.Errorf("without a desktop: %v, want %v", got, want)
	}
	// ~/Desktop and ~/Documents when they exist.
	for _, d := range []string{"Desktop", "Documents", "Schreibtisch"} {
		if err := os.Mkdir(filepath.Join(home, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	want := []Folder{{"Desktop", filepath.Join(home, "Desktop")}, {"Documents", filepath.Join(home, "Documents")}, {"home", home}, {"temp", tmp}}
	if got := names(); !reflect.DeepEqual(got, want) {
		t.Errorf("with ~/Desktop: %v, want %v", got, want)
	}
	// A localised desktop named in user-dirs.dirs wins over ~/Desktop.
	if err := os.MkdirAll(filepath.Join(home, ".config"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".config", "user-dirs.dirs"), []byte(`XDG_DESKTOP_DIR="$HOME/Schreibtisch"`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want[0].Path = filepath.Join(home, "Schreibtisch")
	if got := names(); !reflect.DeepEqual(got, want) {
		t.Errorf("with user-dirs.dirs: %v, want %v", got, want)
	}
}
