package collect

import (
	"io/fs"

	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
)

// drawFindings draws the findings from what the bundle holds — its sealed manifest and its
// entries, exactly as `opadiag inspect` would from the finished zip — and stores them in m with
// the host summary and the agent's version as diagnose read it.
func drawFindings(m *manifest.Manifest, fsys fs.FS) diagnose.Result {
	summarizeHost(m)
	res := diagnose.Run(m, fsys)
	m.Findings = res.Findings
	setVersion(m, res)
	return res
}
