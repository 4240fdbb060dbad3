//go:build !windows

package platform

import (
	"os"
	"path/filepath"
)

func outputFallbacks() []Folder {
	home, _ := os.UserHomeDir()
	config := os.Getenv("XDG_CONFIG_HOME")
	if config == "" && home != "" {
		config = filepath.Join(home, ".config")
	}
	userDir := func(name, fallback string) string {
		if config != "" {
			if f, err := os.Open(filepath.Join(config, "user-dirs.dirs")); err == nil {
				defer f.Close()
				if d := existingDir(xdgUserDir(f, name, home)); d != "" {
					return d
				}
			}
		}
		if home == "" {
			return ""
		}
		return existingDir(filepath.Join(home, fallback))
	}
	return keepFolders([]Folder{
		{Name: "Desktop", Path: userDir("DESKTOP", "Desktop")},
		{Name: "Documents", Path: userDir("DOCUMENTS", "Documents")},
		{Name: "home", Path: existingDir(home)},
		{Name: "temp", Path: existingDir(os.TempDir())},
	})
}

func unsuitableOutput(dir string) string { return unsuitableUnix(dir) }
