package diagnose

import (
	"path"
	"regexp"
	"strings"

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
		p = strings.TrimRight(p, `\/`)
		if i := strings.LastIndexAny(p, `\/`); i >= 0 {
			return p[i+1:]
		}
		return p
	}
	return path.Base(p)
}

// under reports whether p is dir or inside it; on Windows in any case, with / and \ alike.
func under(p, dir string, windows bool) bool {
	if p == "" || dir == "" {
		return false
	}
	sep := "/"
	if windows {
		p, dir = strings.ToLower(strings.ReplaceAll(p, "/", `\`)), strings.ToLower(strings.ReplaceAll(dir, "/", `\`))
		sep = `\`
	}
	dir = strings.TrimRight(dir, sep)
	return p == dir || strings.HasPrefix(p, dir+sep)
}

// commandBinary is the program of a service's command line: the quoted first word, a path up to
// ".exe", or the first word. platform.CommandLineBinary does the same for the collectors;
// diagnose keeps its own so that it reads bundles without the OS layer.
func commandBinary(cmd string) string {
	cmd = strings.TrimSpace(cmd)
	if rest, ok := strings.CutPrefix(cmd, `"`); ok {
		if end := strings.Index(rest, `"`); end >= 0 {
			return rest[:end]
		}
		return strings.Trim(cmd, `"`)
	}
	if i := strings.Index(strings.ToLower(cmd), ".exe"); i >= 0 {
		return cmd[:i+4]
	}
	if f := strings.Fields(cmd); len(f) > 0 {
		return f[0]
	}
	return ""
}

// agentLogPath matches the agent's logs in a bundle: agent/logs/… or agent/<n>/logs/….
var agentLogPath = regexp.MustCompile(`^agent/(?:\d+/)?logs/`)

// isAgentLog reports whether a bundle file is one of the agent's logs.
func isAgentLog(f manifest.File) bool {
	return f.Collector == "logs" || agentLogPath.MatchString(f.Path) && sourceOf(f.Path) == srcLog
}
