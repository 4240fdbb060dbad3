//go:build unix

package platform

import "os"

// mkdirPrivate creates dir with mode 0700.
func mkdirPrivate(dir string) error { return os.Mkdir(dir, 0o700) }
