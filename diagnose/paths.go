package diagnose

import (
	"path"
	"regexp"
	"strings"

	"github.com/opadiag/opadiag/internal/winpath"
	"github.com/opadiag/opadiag/manifest"
)

// Paths on the machine the bundle was made on follow that machine's rules: a Windows path
// (C:\Users\…, \\server\share\…) splits at backslashes and slashes and compares without case.
// Paths in the bundle always use forward slashes.

// windowsPath reports whether p is a Windows path.
func windowsPath(p string) bool {
	return strings.HasPrefix(p, `\\`) || len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') ||
		strings.Contains(p, `\`)
}

// anyBase is the last element of a path on disk, by the rules of the system it names.
func anyBase(p string) string {
	if windowsPath(p) {
		return winpath.Base(p)
	}
	return path.Base(p)
}

// agentLogPath matches the agent's logs in a bundle: agent/logs/… or agent/<n>/logs/….
var agentLogPath = regexp.MustCompile(`^agent/(?:\d+/)?logs/`)

// isAgentLog reports whether a bundle file is one of the agent's logs.
func isAgentLog(f manifest.File) bool {
	return f.Collector == "logs" || agentLogPath.MatchString(f.Path) && sourceOf(f.Path) == srcLog
}
