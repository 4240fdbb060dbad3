package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// MkdirPrivate creates dir, when missing, so that only its owner reads it: mode 0700 on Unix;
// on Windows readable by SYSTEM and Administrators only, not inheriting the permissions of a
// parent such as %ProgramData% that lets every user read. Missing parents are created with
// ordinary permissions. It reports whether it created dir; an existing folder is left as it is.
func MkdirPrivate(dir string) (bool, error) {
	if st, err := os.Lstat(dir); err == nil {
		if !st.IsDir() {
			return false, fmt.Errorf("%s exists and is not a folder", dir)
		}
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return false, err
	}
	err := mkdirPrivate(dir)
	if errors.Is(err, fs.ErrExist) {
		return false, nil // made meanwhile by someone else
	}
	return err == nil, err
}
