package collect

import (
	"fmt"

	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/platform"
)

// summarizeHost fills the manifest's host summary with the headline facts the service and
// system collectors found: OS, rights, the agent's version and where it was read, its service's
// state and how many instances run.
func summarizeHost(m *manifest.Manifest, scan *diagnose.LogScan) {
	h := &m.Host
	h.OSName, h.OSVersion = m.System.OS.Name, m.System.OS.Version
	if pretty := m.System.OS.OSRelease["PRETTY_NAME"]; pretty != "" {
		h.OSName = pretty
	}
	h.Instances = m.System.Processes.Instances
	h.AgentVersion, h.AgentVersionSource = agentVersion(m, scan)
	if s := mainService(m.Service.Services); s != nil {
		h.ServiceState, h.ServiceStartType = s.State, s.StartType
	}
}

// mainService is the agent's service the headline speaks of: the first one found that runs,
// else the first one found, else the first one looked for.
func mainService(ss []manifest.AgentService) *manifest.AgentService {
	for i := range ss {
		if ss[i].Found && ss[i].State == "running" {
			return &ss[i]
		}
	}
	for i := range ss {
		if ss[i].Found {
			return &ss[i]
		}
	}
	if len(ss) > 0 {
		return &ss[0]
	}
	return nil
}

// agentVersion is the installed agent's version and where it was read: an Uninstall registry
// key or package.json of the install the service runs, else of any install, else the newest
// version the logs name.
func agentVersion(m *manifest.Manifest, scan *diagnose.LogScan) (string, string) {
	var programs []string // of the services found
	for _, s := range m.Service.Services {
		if s.Found && s.BinaryPath != "" {
			programs = append(programs, platform.CommandLineBinary(s.BinaryPath))
		}
	}
	var first *manifest.Install
	for i := range m.Service.Installs {
		in := &m.Service.Installs[i]
		if in.Version == "" {
			continue
		}
		if first == nil {
			first = in
		}
		for _, bin := range programs {
			if platform.Under(bin, in.Dir, m.Host.OS == "windows") {
				return in.Version, in.Source + " " + in.Where
			}
		}
	}
	if first != nil {
		return first.Version, first.Source + " " + first.Where
	}
	if scan != nil {
		if vm, ok := scan.AgentVersion(); ok {
			v, _ := vm.Version()
			return v, fmt.Sprintf("log %s line %d", vm.Ref.Path, vm.Ref.Line)
		}
	}
	return "", ""
}
