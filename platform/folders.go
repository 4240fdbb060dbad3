package platform

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/opadiag/opadiag/internal/winpath"
)

// Folder is a folder of the user's, by the name people know it by.
type Folder struct {
	Name string // "Desktop", "Documents", "home", "temp"
	Path string
}

// OutputFallbacks are the folders a bundle goes to, in this order, when none was given and the
// current folder is not writable or no place for it: the Desktop, the Documents folder, (on
// Linux) the home folder, and the temporary folder. Folders that do not exist or cannot be told
// are left out.
func (Platform) OutputFallbacks() []Folder { return outputFallbacks() }

// UnsuitableOutput says why dir is no place for a bundle nobody asked to put there, or "" when it
// is fine. On Windows that is the Windows folder itself, System32, SysWOW64 and everything in
// them (a Scheduled Task or a service starts in C:\Windows\System32); on Linux the root folder
// and the system's own folders (a systemd service starts in /).
func (Platform) UnsuitableOutput(dir string) string { return unsuitableOutput(dir) }

// unsuitableWindows is UnsuitableOutput for Windows, given the Windows folder.
func unsuitableWindows(dir, winRoot string) string {
	if dir == "" {
		return ""
	}
	clean := strings.TrimRight(strings.ReplaceAll(dir, "/", `\`), `\`)
	if strings.EqualFold(clean, winRoot) {
		return "it is the Windows folder"
	}
	for _, sys := range []string{"System32", "SysWOW64", "Sysnative"} {
		if winpath.Under(clean, winRoot+`\`+sys, true) {
			return "it is a Windows system folder"
		}
	}
	return ""
}

// unixSystemDirs are the folders (and everything in them) that are the system's, not a place to
// leave a file for a person to find.
var unixSystemDirs = []string{"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/run", "/sbin", "/sys", "/usr"}

// unsuitableUnix is UnsuitableOutput for Linux and other Unix systems.
func unsuitableUnix(dir string) string {
	if dir == "" {
		return ""
	}
	clean := filepath.Clean(dir)
	if clean == "/" {
		return "it is the root folder"
	}
	for _, sys := range unixSystemDirs {
		if winpath.Under(clean, sys, false) {
			return "it is a system folder"
		}
	}
	return ""
}

// xdgUserDir reads one folder (name: "DESKTOP", "DOCUMENTS") from a user-dirs.dirs file, as
// xdg-user-dirs writes it: XDG_DESKTOP_DIR="$HOME/Desktop". It returns "" when the file does not
// name it, names it relative to nothing, or names the home folder itself (which is what
// xdg-user-dirs writes for a folder the user disabled).
func xdgUserDir(r io.Reader, name, home string) string {
	key := "XDG_" + name + "_DIR="
	sc := bufio.NewScanner(io.LimitReader(r, 64<<10))
	dir := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, key) {
			continue
		}
		v := strings.TrimPrefix(line, key)
		if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			continue
		}
		v = v[1 : len(v)-1]
		switch {
		case v == "$HOME" || v == "$HOME/":
			dir = ""
		case strings.HasPrefix(v, "$HOME/"):
			dir = filepath.Join(home, v[len("$HOME/"):])
		case strings.HasPrefix(v, "/"):
			dir = filepath.Clean(v)
		default:
			dir = ""
		}
	}
	if home == "" && !filepath.IsAbs(dir) {
		return ""
	}
	return dir
}

// existingDir returns p when it is a folder, else "".
func existingDir(p string) string {
	if p == "" {
		return ""
	}
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return p
	}
	return ""
}

// keepFolders drops the folders without a path and repeats of one already listed.
func keepFolders(fs []Folder) []Folder {
	var out []Folder
	seen := map[string]bool{}
	for _, f := range fs {
		if f.Path == "" || seen[f.Path] {
			continue
		}
		seen[f.Path] = true
		out = append(out, f)
	}
	return out
}
