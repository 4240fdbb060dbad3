package platform

import (
	"os"
)

// DoubleClicked reports whether opadiag was started on its own console window (from Explorer on
// Windows), so that the window would close as soon as it exits.
func (Platform) DoubleClicked() bool { return doubleClicked() }

// Reveal shows path to the user in the desktop's file manager, where there is one.
func (Platform) Reveal(path string) error { return reveal(path) }

// ColorTerminal reports whether f is a terminal that understands ANSI colour sequences,
// switching them on where the console needs it (Windows 10 and later).
func (Platform) ColorTerminal(f *os.File) bool { return colorTerminal(f) }

// Terminal reports whether f is an interactive terminal.
func (Platform) Terminal(f *os.File) bool { return isTerminal(f) }
