package platform

import (
	"os"

	"github.com/opadiag/opadiag/internal/winpath"
	"golang.org/x/sys/windows"
)

func outputFallbacks() []Folder {
	known := func(id *windows.KNOWNFOLDERID) string {
		p, err := windows.KnownFolderPath(id, windows.KF_FLAG_DEFAULT)
		if err != nil {
			return ""
		}
		return existingDir(p)
	}
	return keepFolders([]Folder{
		{Name: "Desktop", Path: known(windows.FOLDERID_Desktop)},
		{Name: "Documents", Path: known(windows.FOLDERID_Documents)},
		{Name: "temp", Path: existingDir(os.TempDir())},
	})
}

func unsuitableOutput(dir string) string { return unsuitableWindows(dir, winpath.Root(os.Getenv)) }
