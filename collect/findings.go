package collect

import (
	"encoding/json"
	"io"
	"io/fs"
	"strings"

	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
)

// drawFindings draws the findings from what the bundle holds (its sealed manifest and its
// entries), fills the host summary, and stores both in m.
func drawFindings(m *manifest.Manifest, fsys fs.FS) {
	scan := diagnose.NewLogScan()
	for _, f := range m.Files {
		if !scanned(f.Path) {
			continue
		}
		r, err := fsys.Open(f.Path)
		if err != nil {
			continue
		}
		w := scan.File(f.Path)
		io.Copy(w, r)
		w.Close()
		r.Close()
	}
	var probes *manifest.Probes
	if data, err := fs.ReadFile(fsys, "network/probes.json"); err == nil {
		var p manifest.Probes
		if json.Unmarshal(data, &p) == nil {
			probes = &p
		}
	}
	summarizeHost(m, scan)
	m.Findings = diagnose.Run(diagnose.Input{Manifest: m, Files: m.Files, Omitted: m.Omitted, Logs: scan, Probes: probes, Now: m.Created})
}

// scanned reports the entries the log checks read: the agent's logs, its crash file and the
// service's journal.
func scanned(p string) bool {
	return strings.Contains(p, "/logs/") && strings.HasPrefix(p, "agent/") ||
		strings.HasPrefix(p, "agent/") && strings.Contains(strings.ToLower(p), "uncaughtexception") ||
		strings.HasPrefix(p, "service/") && strings.HasSuffix(p, "/journal.txt")
}
