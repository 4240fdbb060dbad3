package collect

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/opadiag/opadiag/collect/osout"
	"github.com/opadiag/opadiag/internal/winpath"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/platform"
)

// processMatcher tells the agent's processes apart: the main process of one of its services,
// a program inside one of its install folders, a program whose name matches the agent's
// pattern, or an interpreter (node, electron) running a script that does. opadiag itself, the
// commands it runs and its ancestors (the shell, crash hook or script that started it, whose
// command line often names the agent) are never the agent's.
type processMatcher struct {
	self        int32
	dirs        []string
	servicePIDs map[int32]string
	pattern     *regexp.Regexp
	fold        bool // Windows: paths compare without case
	reasons     map[int32]string
	parents     map[int32]int32 // every process seen, to its parent
}

func newProcessMatcher(self int32, dirs []string, servicePIDs map[int32]string, pattern *regexp.Regexp, windows bool) *processMatcher {
	return &processMatcher{self: self, dirs: dirs, servicePIDs: servicePIDs, pattern: pattern, fold: windows, reasons: map[int32]string{},
		parents: map[int32]int32{}}
}

// rules describes how processes are matched, for the manifest.
func (m *processMatcher) rules() []string {
	var out []string
	for pid, svc := range m.servicePIDs {
		out = append(out, fmt.Sprintf("main process %d of service %s", pid, svc))
	}
	sort.Strings(out)
	for _, d := range m.dirs {
		out = append(out, "program inside "+d)
	}
	return append(out, "program or script name matching "+m.pattern.String())
}

// keep reports whether p is the agent's, and remembers why. It sees every process, and notes
// each one's parent for withoutAncestors.
func (m *processMatcher) keep(p *platform.Process) bool {
	m.parents[p.PID] = p.PPID
	if p.PID == m.self || p.PPID == m.self {
		return false
	}
	why := m.why(p)
	if why != "" {
		m.reasons[p.PID] = why
	}
	return why != ""
}

func (m *processMatcher) why(p *platform.Process) string {
	if svc := m.servicePIDs[p.PID]; svc != "" {
		return "main process of service " + svc
	}
	exe := p.Exe
	if exe == "" && len(p.Argv) > 0 {
		exe = p.Argv[0]
	}
	for _, d := range m.dirs {
		if m.under(exe, d) {
			return "its program is inside the agent install " + d
		}
	}
	if m.pattern.MatchString(baseName(exe)) || m.pattern.MatchString(p.Name) {
		return "its program name matches the agent's"
	}
	if osout.IsInterpreter(exe) || osout.IsInterpreter(p.Name) {
		for _, a := range p.Argv[min(1, len(p.Argv)):] {
			if strings.HasPrefix(a, "-") {
				continue
			}
			for _, d := range m.dirs {
				if m.under(a, d) {
					return "it runs a script inside the agent install " + d
				}
			}
			if m.pattern.MatchString(a) {
				return "it runs the agent's script"
			}
		}
	}
	return ""
}

// withoutAncestors drops opadiag's ancestors from the processes kept: which they are is known
// only once every process was seen.
func (m *processMatcher) withoutAncestors(ps []platform.Process) []platform.Process {
	ancestors := map[int32]bool{}
	for pid, n := m.parents[m.self], 0; pid > 0 && n < 64 && !ancestors[pid]; pid, n = m.parents[pid], n+1 {
		ancestors[pid] = true
	}
	out := ps[:0]
	for _, p := range ps {
		if ancestors[p.PID] {
			delete(m.reasons, p.PID)
			continue
		}
		out = append(out, p)
	}
	return out
}

// under reports whether p is inside dir.
func (m *processMatcher) under(p, dir string) bool { return winpath.Under(p, dir, m.fold) }

func baseName(p string) string { return path.Base(strings.ReplaceAll(p, `\`, "/")) }

// procContext is what tells the agent's processes' modes apart.
type procContext struct {
	goos        string
	servicePIDs map[int32]string // main PIDs of the agent's services
	services    []string         // the agent's services (unit names, Windows key names)
	cgroups     map[int32]string // Linux: the systemd service each process is in
	windows     map[int32]bool   // Windows: processes with a visible window; nil when unknown
}

// classify turns the agent's processes into the manifest's, sorted by PID, telling each one's
// mode (service, ui, background, helper, child) and which are instances: main processes, whose
// parent is not an agent process. Electron helpers (--type=…) are never instances.
func classify(ps []platform.Process, reasons map[int32]string, pc procContext, redact func(string) string) ([]manifest.Process, int) {
	byPID := map[int32]*platform.Process{}
	for i := range ps {
		byPID[ps[i].PID] = &ps[i]
	}
	agentService := map[string]bool{}
	for _, s := range pc.services {
		agentService[strings.ToLower(s)] = true
	}
	// serviceOf returns the service p runs under: its own, or an ancestor's among the agent's
	// processes, or its parent's when the parent is a service's main process (a service
	// wrapper that is not itself recognised).
	var serviceOf func(p *platform.Process, depth int) string
	serviceOf = func(p *platform.Process, depth int) string {
		if s := pc.servicePIDs[p.PID]; s != "" {
			return s
		}
		if u := pc.cgroups[p.PID]; u != "" && agentService[strings.ToLower(u)] {
			return u
		}
		if s := pc.servicePIDs[p.PPID]; s != "" {
			return s
		}
		if parent := byPID[p.PPID]; parent != nil && depth < 32 && parent.PID != p.PID {
			return serviceOf(parent, depth+1)
		}
		return ""
	}
	var out []manifest.Process
	instances := 0
	for i := range ps {
		p := &ps[i]
		cmd := strings.Join(p.Argv, " ")
		mp := manifest.Process{
			PID: p.PID, PPID: p.PPID, Name: redact(p.Name), Exe: redact(p.Exe), Cmdline: redact(cmd),
			User: redact(p.User), RSS: p.RSS, CPUPercent: round2(p.CPUPercent), Match: redact(reasons[p.PID]),
		}
		if !p.Started.IsZero() {
			t := p.Started.UTC().Truncate(time.Millisecond)
			mp.Started = &t
		}
		for _, e := range p.Errors {
			mp.Errors = append(mp.Errors, redact(e))
		}
		helper := strings.Contains(cmd, " --type=")
		_, parentIsAgent := byPID[p.PPID]
		mp.Instance = !parentIsAgent && !helper
		switch svc := serviceOf(p, 0); {
		case svc != "" && !helper:
			mp.Mode, mp.Service = "service", svc
		case helper:
			mp.Mode = "helper"
		case !mp.Instance:
			mp.Mode = "child"
		case pc.goos == "windows" && pc.windows != nil && pc.windows[p.PID]:
			mp.Mode = "ui"
		case pc.goos == "windows" && pc.windows != nil:
			mp.Mode = "background"
		default:
			mp.Mode = "ui-or-background"
		}
		if mp.Instance {
			instances++
		}
		out = append(out, mp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out, instances
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
