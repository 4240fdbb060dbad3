//go:build unix

package platform

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal asks for f's window size, which only a terminal has (TIOCGWINSZ exists on every
// Unix, unlike TCGETS).
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	return err == nil
}

func colorTerminal(f *os.File) bool {
	return isTerminal(f) && os.Getenv("TERM") != "dumb" && os.Getenv("NO_COLOR") == ""
}
