// Package console tells the person running opadiag what is happening and what was found.
// Progress, warnings and hints go to stderr, one line per collector as it finishes; results (the
// findings that matter and the bundle's path, last) go to stdout. Colour is used only on a
// terminal that supports it; everywhere else (redirected output, old Windows consoles, the crash
// hook's log) the text is plain ASCII.
package console

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/opadiag/opadiag/collect"
	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
)

// Console writes messages for one run.
type Console struct {
	out, err io.Writer
	color    bool
	quiet    bool
	mu       sync.Mutex
}

// New returns a Console writing results to out and messages to err. color enables ANSI colours
// on err and out; quiet keeps only errors and the bundle path.
func New(out, err io.Writer, color, quiet bool) *Console {
	return &Console{out: out, err: err, color: color, quiet: quiet}
}

const (
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

func (c *Console) paint(code, s string) string {
	if !c.color {
		return s
	}
	return code + s + reset
}

// Started is called when a collector starts. Nothing is printed: a line appears when it ends.
func (c *Console) Started(string) {}

// Finished prints one line for a collector: name, status, duration and, for a failure, the
// first line of the reason.
func (c *Console) Finished(r manifest.Collector) {
	if c.quiet {
		return
	}
	status := r.Status
	switch r.Status {
	case manifest.StatusOK:
		status = c.paint(green, fmt.Sprintf("%-8s", status))
	case manifest.StatusPartial, manifest.StatusSkipped:
		status = c.paint(yellow, fmt.Sprintf("%-8s", status))
	default:
		status = c.paint(red, fmt.Sprintf("%-8s", status))
	}
	line := fmt.Sprintf("  %-10s %s %6dms", r.Name, status, r.DurationMS)
	switch {
	case r.Error != "":
		line += "  " + oneLine(r.Error)
	case len(r.Problems) == 1:
		line += "  " + oneLine(r.Problems[0])
	case len(r.Problems) > 1:
		line += fmt.Sprintf("  %s (and %d more)", oneLine(r.Problems[0]), len(r.Problems)-1)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintln(c.err, line)
}

// Collecting announces the start of a collection.
func (c *Console) Collecting(what string) {
	if c.quiet {
		return
	}
	fmt.Fprintf(c.err, "opadiag: collecting %s\n", what)
}

// Warn prints "opadiag: warning: …" on stderr, unless quiet.
func (c *Console) Warn(format string, args ...any) {
	if c.quiet {
		return
	}
	fmt.Fprintf(c.err, "opadiag: %s %s\n", c.paint(yellow, "warning:"), fmt.Sprintf(format, args...))
}

// Hint prints "opadiag: hint: …" on stderr, unless quiet.
func (c *Console) Hint(format string, args ...any) {
	if c.quiet {
		return
	}
	fmt.Fprintf(c.err, "opadiag: hint: %s\n", fmt.Sprintf(format, args...))
}

// Report prints the findings that matter, fail then warn, and the bundle's full path last.
func (c *Console) Report(path string, m *manifest.Manifest) {
	if !c.quiet {
		var shown int
		for _, sev := range []string{manifest.SeverityFail, manifest.SeverityWarn} {
			for _, f := range m.Findings {
				if f.Severity != sev {
					continue
				}
				if shown == 0 {
					fmt.Fprintln(c.out)
				}
				shown++
				tag := "FAIL"
				code := red
				if sev == manifest.SeverityWarn {
					tag, code = "WARN", yellow
				}
				fmt.Fprintf(c.out, "%s %s\n", c.paint(code, tag), c.paint(bold, f.Title))
				if f.Detail != "" {
					fmt.Fprintf(c.out, "     %s\n", ascii(f.Detail, c.color))
				}
				if f.Remedy != "" {
					fmt.Fprintf(c.out, "     what to do: %s\n", ascii(f.Remedy, c.color))
				}
			}
		}
		if shown == 0 {
			fmt.Fprintf(c.out, "\n%s nothing wrong found in what was collected\n", c.paint(green, "OK"))
		}
		switch h := diagnose.ShowTokenHash(m.Redaction.TokenHash); {
		case h == `""`:
			fmt.Fprintln(c.out, "\nagent token: \"\" (empty)")
		case h != "":
			fmt.Fprintf(c.out, "\nagent token hash: %s (compare it with: opadiag hash-token TOKEN)\n", h)
		}
		fmt.Fprintln(c.out)
	}
	fmt.Fprintf(c.out, "bundle: %s\n", path)
}

// Summary is the one JSON object --json prints.
type Summary struct {
	Bundle     string             `json:"bundle"`
	Mapping    string             `json:"mapping,omitempty"` // --obfuscate's private mapping, beside the bundle
	Collectors map[string]int     `json:"collectors"`        // count per status
	Files      int                `json:"files"`
	Omitted    int                `json:"omitted"`
	TokenHash  string             `json:"token_hash,omitempty"`
	Findings   []manifest.Finding `json:"findings"`
}

// JSON prints the run as one JSON object on stdout.
func (c *Console) JSON(res *collect.Result) error {
	m := res.Manifest
	s := Summary{Bundle: res.Path, Mapping: res.Mapping, Collectors: map[string]int{}, Files: len(m.Files), Omitted: len(m.Omitted),
		TokenHash: m.Redaction.TokenHash, Findings: m.Findings}
	if diagnose.ShowTokenHash(s.TokenHash) == `""` {
		s.TokenHash = "" // an empty token has no hash worth comparing; the findings say it is empty
	}
	for _, col := range m.Collectors {
		s.Collectors[col.Status]++
	}
	if s.Findings == nil {
		s.Findings = []manifest.Finding{}
	}
	enc := json.NewEncoder(c.out)
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}

func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// ascii replaces the few non-ASCII characters findings use, for consoles that cannot show them.
func ascii(s string, color bool) string {
	if color {
		return s
	}
	return strings.NewReplacer("→", "->", "…", "...", "’", "'").Replace(s)
}

// Inspect prints a verified bundle: what it is, its verdict and its findings.
func Inspect(out io.Writer, path string, rep *collect.Report) {
	m := rep.Manifest
	if m != nil {
		fmt.Fprintf(out, "%s\nmade %s on %s (%s/%s) by %s, opadiag %s; %d files, %d collectors\n",
			path, m.Created.Format("2006-01-02 15:04:05 UTC"), m.Host.Hostname, m.Host.OS, m.Host.Arch,
			m.Invocation.User, m.Tool.Version, len(m.Files), len(m.Collectors))
		switch h := diagnose.ShowTokenHash(m.Redaction.TokenHash); {
		case h == `""`:
			fmt.Fprintln(out, "agent token: \"\" (empty)")
		case h != "":
			fmt.Fprintf(out, "agent token hash: %s\n", h)
		}
		for _, c := range m.Collectors {
			line := fmt.Sprintf("  %-10s %-8s %6dms", c.Name, c.Status, c.DurationMS)
			if c.Error != "" {
				line += "  " + oneLine(c.Error)
			}
			fmt.Fprintln(out, line)
		}
		fmt.Fprintln(out)
		for _, f := range m.Findings {
			fmt.Fprintf(out, "%-4s %s\n", strings.ToUpper(f.Severity), f.Title)
			if f.Detail != "" {
				fmt.Fprintf(out, "     %s\n", f.Detail)
			}
			if f.Remedy != "" {
				fmt.Fprintf(out, "     what to do: %s\n", f.Remedy)
			}
			for _, e := range f.Evidence {
				if e.Line > 0 {
					fmt.Fprintf(out, "     see %s line %d\n", e.Path, e.Line)
				} else {
					fmt.Fprintf(out, "     see %s\n", e.Path)
				}
			}
		}
		fmt.Fprintln(out)
	}
	if len(rep.Problems) == 0 {
		fmt.Fprintf(out, "valid: %d entries match the manifest and the manifest matches its schema\n", rep.Entries)
	} else {
		fmt.Fprintf(out, "INVALID: %d problems\n", len(rep.Problems))
	}
}

// InspectJSON prints the verdict and the findings as one JSON object.
func InspectJSON(out io.Writer, path string, rep *collect.Report) error {
	v := struct {
		Bundle   string             `json:"bundle"`
		Valid    bool               `json:"valid"`
		Problems []string           `json:"problems"`
		Manifest *manifest.Manifest `json:"manifest"`
	}{path, len(rep.Problems) == 0, rep.Problems, rep.Manifest}
	if v.Problems == nil {
		v.Problems = []string{}
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
