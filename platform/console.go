package platform

import (
	"os"
)

// ColorTerminal reports whether f is a terminal that understands ANSI colour sequences,
// switching them on where the console needs it (Windows 10 and later).
func (Platform) ColorTerminal(f *os.File) bool { return colorTerminal(f) }

// Terminal reports whether f is an interactive terminal.
func (Platform) Terminal(f *os.File) bool { return isTerminal(f) }
