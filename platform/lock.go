package platform

import (
	"errors"
	"os"
)

// ErrLocked is returned by TryLock when another process (or another open of the same file)
// holds the lock.
var ErrLocked = errors.New("locked by another process")

// FileLock is an exclusive lock on a file, taken with the OS's file locking (flock on Unix,
// LockFileEx on Windows): the OS releases it when the process ends, however it ends, so a crash
// never leaves a stale lock behind.
type FileLock struct{ f *os.File }

// TryLock opens path (creating it, mode 0600) and takes an exclusive lock on it without
// waiting: ErrLocked when someone else holds it. The file's contents are never read or written.
func TryLock(path string) (*FileLock, error) {
	f, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return &FileLock{f: f}, nil
}

// Unlock releases the lock and closes the file; the file stays.
func (l *FileLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlockFile(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
