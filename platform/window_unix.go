//go:build !windows

package platform

// consoleState is the zero value: a terminal on Linux stays open when opadiag exits.
func consoleState() ConsoleState { return ConsoleState{} }

// reveal does nothing: servers have no desktop to show the bundle on.
func reveal(string) error { return nil }
