package agent

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Candidate is a folder that may hold an agent home, and the home's name in it. The name is
// matched case-insensitively: the Windows build names it Agent, the Linux one agent.
type Candidate struct {
	Parent string
	Name   string
}

// Env is what the search for homes needs to know of the machine; platform.Platform is one.
type Env interface {
	// OS is the running OS as GOOS names it: Windows lays homes out unlike every other OS.
	OS() string
	// Getenv reads an environment variable (HOME, XDG_CONFIG_HOME, APPDATA, SystemRoot…).
	Getenv(key string) string
	// ProfileDirs lists the user profile folders the OS knows (the Windows registry's
	// ProfileList); nil elsewhere.
	ProfileDirs() []string
}

// Candidates returns where the agent's homes may be on env's machine, in search order: the
// Windows layout on Windows, the Linux one everywhere else.
func Candidates(env Env) []Candidate {
	if env.OS() == "windows" {
		return windowsCandidates(env.Getenv, env.ProfileDirs())
	}
	return linuxCandidates(env.Getenv)
}

// Found is the result of searching candidates for agent homes.
type Found struct {
	Homes    []string // existing agent homes, in search order, without duplicates
	Searched []string // every candidate home path looked at
	Problems []string // folders that could not be read, with the reason
	Denied   []string // the folders of Problems that could not be read for lack of rights
}

// FindHomes looks for each candidate's home: a folder directly inside Parent whose name equals
// Name in any case. A Parent ending in "/*" (or "\*") stands for each folder inside it.
func FindHomes(cands []Candidate) Found {
	var f Found
	seenHome := map[string]bool{}
	seenSearch := map[string]bool{}
	for _, c := range expand(cands, &f) {
		p := filepath.Join(c.Parent, c.Name)
		if !seenSearch[key(p)] {
			seenSearch[key(p)] = true
			f.Searched = append(f.Searched, p)
		}
		entries, err := os.ReadDir(c.Parent)
		if err != nil {
			if !os.IsNotExist(err) {
				f.problem(c.Parent, err)
			}
			continue
		}
		for _, e := range entries {
			if !strings.EqualFold(e.Name(), c.Name) {
				continue
			}
			home := filepath.Join(c.Parent, e.Name())
			st, err := os.Stat(home) // follows a symlinked home
			if err != nil || !st.IsDir() {
				continue
			}
			k := key(home)
			if real, err := filepath.EvalSymlinks(home); err == nil {
				k = key(real)
			}
			if !seenHome[k] {
				seenHome[k] = true
				f.Homes = append(f.Homes, home)
			}
		}
	}
	return f
}

// expand replaces "dir/*" parents by one candidate per folder in dir.
func expand(cands []Candidate, f *Found) []Candidate {
	var out []Candidate
	for _, c := range cands {
		base, rest, ok := cutStar(c.Parent)
		if !ok {
			out = append(out, c)
			continue
		}
		entries, err := os.ReadDir(base)
		if err != nil {
			if !os.IsNotExist(err) {
				f.problem(base, err)
			}
			continue
		}
		var dirs []string
		for _, e := range entries {
			if e.IsDir() {
				dirs = append(dirs, e.Name())
			}
		}
		sort.Strings(dirs)
		for _, d := range dirs {
			out = append(out, Candidate{Parent: filepath.Join(base, d, rest), Name: c.Name})
		}
	}
	return out
}

// cutStar splits "a/*/b" into "a" and "b".
func cutStar(p string) (base, rest string, ok bool) {
	for _, sep := range []string{"/*", `\*`} {
		if i := strings.Index(p, sep); i >= 0 {
			rest = strings.TrimLeft(p[i+len(sep):], `/\`)
			return p[:i], rest, true
		}
	}
	return "", "", false
}

// problem records a folder that could not be read.
func (f *Found) problem(path string, err error) {
	if os.IsPermission(err) {
		f.Problems = append(f.Problems, path+": permission denied (run opadiag as root or administrator to look there)")
		f.Denied = append(f.Denied, path)
		return
	}
	f.Problems = append(f.Problems, path+": "+err.Error())
}

// key makes paths comparable: Windows paths are case-insensitive.
func key(p string) string {
	p = filepath.Clean(p)
	if filepath.Separator == '\\' {
		return strings.ToLower(p)
	}
	return p
}

// linuxCandidates lists where the Linux agent keeps its home: root's and every user's
// ~/.config/agent, $XDG_CONFIG_HOME/agent, and ~/.agent (whose logs/ the guide points to).
func linuxCandidates(getenv func(string) string) []Candidate {
	c := []Candidate{
		{"/root/.config", "agent"},
		{"/root", ".agent"},
	}
	if x := getenv("XDG_CONFIG_HOME"); x != "" {
		c = append(c, Candidate{x, "agent"})
	}
	if h := getenv("HOME"); h != "" {
		c = append(c, Candidate{filepath.Join(h, ".config"), "agent"}, Candidate{h, ".agent"})
	}
	return append(c,
		Candidate{"/home/*/.config", "agent"},
		Candidate{"/home/*", ".agent"},
	)
}

// windowsCandidates lists where the Windows agent keeps its home: %APPDATA%\Agent of the
// current user, of every profile (profiles lists their folders, from the registry), of every
// folder under C:\Users, and of the LocalSystem, LocalService and NetworkService accounts that
// a service may run as.
func windowsCandidates(getenv func(string) string, profiles []string) []Candidate {
	join := func(parts ...string) string { return strings.Join(parts, `\`) }
	var c []Candidate
	if a := getenv("APPDATA"); a != "" {
		c = append(c, Candidate{a, "Agent"})
	}
	for _, p := range profiles {
		c = append(c, Candidate{join(p, "AppData", "Roaming"), "Agent"})
	}
	drive := getenv("SystemDrive")
	if drive == "" {
		drive = "C:"
	}
	c = append(c, Candidate{join(drive, "Users", "*", "AppData", "Roaming"), "Agent"})
	root := getenv("SystemRoot")
	if root == "" {
		root = join(drive, "Windows")
	}
	return append(c,
		Candidate{join(root, "System32", "config", "systemprofile", "AppData", "Roaming"), "Agent"},
		Candidate{join(root, "SysWOW64", "config", "systemprofile", "AppData", "Roaming"), "Agent"},
		Candidate{join(root, "ServiceProfiles", "LocalService", "AppData", "Roaming"), "Agent"},
		Candidate{join(root, "ServiceProfiles", "NetworkService", "AppData", "Roaming"), "Agent"},
	)
}
