package platform

import "golang.org/x/sys/unix"

// oNoatime asks Linux not to update a file's access time when opadiag reads it.
const oNoatime = unix.O_NOATIME
