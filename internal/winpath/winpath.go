// Package winpath holds the path rules of Windows that opadiag needs on any OS: a bundle made on
// Windows is read on Linux, and collectors on Linux are tested on Windows layouts. It is pure.
package winpath

import "strings"

// Root is %SystemRoot% as getenv gives it, C:\Windows when it is unset, without a
// trailing backslash.
func Root(getenv func(string) string) string {
	root := getenv("SystemRoot")
	if root == "" {
		root = `C:\Windows`
	}
	return strings.TrimRight(root, `\`)
}

// System32 is the absolute path of a program in %SystemRoot%\System32: external commands run by
// absolute path, never found through PATH.
func System32(getenv func(string) string, exe string) string {
	return Root(getenv) + `\System32\` + exe
}

// Dir is the folder of a Windows path; "" when it has none.
func Dir(p string) string {
	i := strings.LastIndexAny(p, `\/`)
	if i <= 0 {
		return ""
	}
	return p[:i]
}

// Under reports whether path p is dir or inside it. fold compares as Windows does: in any case,
// with / and \ alike.
func Under(p, dir string, fold bool) bool {
	if p == "" || dir == "" {
		return false
	}
	sep := "/"
	if fold {
		p, dir = strings.ToLower(strings.ReplaceAll(p, "/", `\`)), strings.ToLower(strings.ReplaceAll(dir, "/", `\`))
		sep = `\`
	}
	dir = strings.TrimRight(dir, sep)
	return p == dir || strings.HasPrefix(p, dir+sep)
}

// CommandLineBinary returns the program of a Windows command line (a service's ImagePath or an
// UninstallString): the quoted first part, or the text up to the first ".exe".
func CommandLineBinary(cmd string) string {
	cmd = strings.TrimSpace(cmd)
	if strings.HasPrefix(cmd, `"`) {
		if end := strings.Index(cmd[1:], `"`); end >= 0 {
			return cmd[1 : end+1]
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

// Base is the last element of a path by Windows' rules: after the last \ or /.
func Base(p string) string {
	p = strings.TrimRight(p, `\/`)
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}
