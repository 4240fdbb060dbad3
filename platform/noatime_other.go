//go:build unix && !linux

package platform

// oNoatime is 0: only Linux has O_NOATIME.
const oNoatime = 0
