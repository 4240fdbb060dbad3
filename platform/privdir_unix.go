//go:build unix

package platform

import (
	"fmt"
	"os"
	"path/filepath"
)

// mkdirPrivate creates dir with mode 0700, its missing parents with 0755.
func mkdirPrivate(dir string) (bool, error) {
	if st, err := os.Lstat(dir); err == nil {
		if !st.IsDir() {
			return false, fmt.Errorf("%s exists and is not a folder", dir)
		}
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return false, err
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		if os.IsExist(err) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}
