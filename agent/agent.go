// Package agent is what opadiag knows about the Celigo on-premise agent itself, apart from any
// machine: how it is named (NamePattern, MatchService), where its homes are on Linux and on
// Windows (Candidates, FindHomes), how its Uninstall registry keys read (InstallFromUninstall),
// and how its version is read from package.json, loose or inside Electron's app.asar
// (ParsePackageJSON, AsarFile). The facts of the machine (environment, profile folders, registry
// values) are passed in, so both layouts are tested on any OS.
package agent

import (
	"regexp"
	"strings"
)

// NamePattern recognises the agent by name, in any case: in a program's path, a unit's
// description, a service's or an install's name, a process. Generic words ("on-premise agent")
// are left out: other vendors' agents use them too. Every "is this the agent?" check uses it.
var NamePattern = regexp.MustCompile(`(?i)celigo|integrator[.-]?io`)

// MatchService reports whether a Windows service is the agent's: its display name is
// "Celigo Agent", or its key or display name names the agent (NamePattern).
func MatchService(name, display string) bool {
	return strings.EqualFold(strings.TrimSpace(display), "Celigo Agent") ||
		NamePattern.MatchString(name) || NamePattern.MatchString(display)
}
