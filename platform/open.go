package platform

import (
	"errors"
	"os"
)

// ErrNotRegular is returned by Open for anything that is not a regular file: a FIFO, a device,
// a socket or a directory would block or mean nothing in a bundle.
var ErrNotRegular = errors.New("not a regular file")

// Open opens a file for reading without disturbing its owner: on Windows with
// FILE_SHARE_READ|FILE_SHARE_WRITE|FILE_SHARE_DELETE so the agent can keep writing, rotating and
// deleting it; on Linux without following a final symlink, without blocking on a FIFO, and
// without updating its access time where the kernel allows. Anything but a regular file gives
// ErrNotRegular.
func (Platform) Open(path string) (*os.File, error) { return openShared(path) }
