package collect

import (
	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
)

// summarizeHost fills the manifest's host summary with the headline facts the service and
// system collectors found: OS, rights, its service's state and how many instances run. The
// agent's version and where it was read come from diagnose's Result (setVersion).
func summarizeHost(m *manifest.Manifest) {
	h := &m.Host
	h.OSName, h.OSVersion = m.System.OS.Name, m.System.OS.Version
	if pretty := m.System.OS.OSRelease["PRETTY_NAME"]; pretty != "" {
		h.OSName = pretty
	}
	h.Instances = m.System.Processes.Instances
	if s := mainService(m.Service.Services); s != nil {
		h.ServiceState, h.ServiceStartType = s.State, s.StartType
	}
}

// setVersion records the agent's version as diagnose read it from the most reliable source.
func setVersion(m *manifest.Manifest, res diagnose.Result) {
	m.Host.AgentVersion, m.Host.AgentVersionSource = res.AgentVersion, res.AgentVersionSource
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
