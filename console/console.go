// Package console tells the person running opadiag what is happening and what was found.
// Progress, warnings and hints go to stderr, one line per collector as it finishes; results (the
// findings that matter and the bundle's path, last) go to stdout. Colour is used only on a
// terminal that supports it; everywhere else (redirected output, old Windows consoles, the crash
// hook's log) the text is plain ASCII. It depends on manifest only: the caller hands it an
// Outcome of a collection or the Verdict of a bundle's verification.
package console

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/opadiag/opadiag/manifest"
)

// Console writes messages for one run.
type Console struct {
	out, err io.Writer
	colors   Colors
	quiet    bool
	mu       sync.Mutex
}

// Colors says which stream shows ANSI colours. Each is decided on its own: stdout redirected to
// a file gets none while stderr on the console keeps them. A stream without colour also gets
// plain ASCII.
type Colors struct {
	Out bool // results, on stdout
	Err bool // progress, warnings and hints, on stderr
}

// New returns a Console writing results to out and messages to err, with colours where colors
// says; quiet keeps only errors and the bundle path.
func New(out, err io.Writer, colors Colors, quiet bool) *Console {
	return &Console{out: out, err: err, colors: colors, quiet: quiet}
}

const (
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

// paint colours s with code when on is set: pass c.colors.Out or c.colors.Err for the stream s
// goes to.
func paint(on bool, code, s string) string {
	if !on {
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
		status = paint(c.colors.Err, green, fmt.Sprintf("%-8s", status))
	case manifest.StatusPartial, manifest.StatusSkipped:
		status = paint(c.colors.Err, yellow, fmt.Sprintf("%-8s", status))
	default:
		status = paint(c.colors.Err, red, fmt.Sprintf("%-8s", status))
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
	fmt.Fprintf(c.err, "opadiag: %s %s\n", paint(c.colors.Err, yellow, "warning:"), fmt.Sprintf(format, args...))
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
				fmt.Fprintf(c.out, "%s %s\n", paint(c.colors.Out, code, tag), paint(c.colors.Out, bold, f.Title))
				if f.Detail != "" {
					fmt.Fprintf(c.out, "     %s\n", ascii(f.Detail, c.colors.Out))
				}
				if f.Remedy != "" {
					fmt.Fprintf(c.out, "     what to do: %s\n", ascii(f.Remedy, c.colors.Out))
				}
			}
		}
		if shown == 0 {
			fmt.Fprintf(c.out, "\n%s nothing wrong found in what was collected\n", paint(c.colors.Out, green, "OK"))
		}
		if manifest.OmittedTotal(m) > 0 {
			fmt.Fprintln(c.out)
			writeLeftOut(c.out, m, "summary.txt in the bundle")
		}
		// An empty or unusable token has no hash: the findings say what is wrong with it.
		if m.Redaction.TokenHash != "" {
			fmt.Fprintf(c.out, "\nagent token hash: %s (compare it with: opadiag hash-token TOKEN)\n", m.Redaction.TokenHash)
		}
		fmt.Fprintln(c.out)
	}
	fmt.Fprintf(c.out, "bundle: %s\n", path)
}

// Outcome is what the console reports of a finished collection.
type Outcome struct {
	Bundle   string             // the bundle's full path
	Manifest *manifest.Manifest // the bundle's manifest
	Warnings []string           // things the user should know that did not stop the run
	// Mapping is the file beside the bundle that says what each stand-in of --obfuscate stands
	// for; empty without --obfuscate.
	Mapping string
}

// Verdict is what verifying a bundle found.
type Verdict struct {
	Manifest *manifest.Manifest // nil when the manifest could not be read
	Entries  int                // zip entries, manifest.json included
	Problems []string           // empty when the bundle is valid
	More     int                // problems past those listed
	// Today are the findings today's checks draw from the bundle's files; nil when they could
	// not be run (no manifest). The manifest's are those stored when the bundle was made.
	Today []manifest.Finding
}

// Change is how a finding differs between the bundle's stored findings and today's checks.
type Change struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Stored string `json:"stored,omitempty"` // severity stored when the bundle was made; "" when new today
	Today  string `json:"today,omitempty"`  // severity today; "" when today's checks do not raise it
}

// Changes compares stored findings with today's, by id (a finding raised several times counts
// at its most serious): new ones, gone ones, and those whose severity changed, most serious
// first.
func Changes(stored, today []manifest.Finding) []Change {
	worst := func(fs []manifest.Finding) map[string]manifest.Finding {
		out := map[string]manifest.Finding{}
		for _, f := range fs {
			if g, ok := out[f.ID]; !ok || rank(f.Severity) < rank(g.Severity) {
				out[f.ID] = f
			}
		}
		return out
	}
	was, now := worst(stored), worst(today)
	var out []Change
	seen := map[string]bool{}
	for _, f := range append(append([]manifest.Finding(nil), today...), stored...) {
		if seen[f.ID] {
			continue
		}
		seen[f.ID] = true
		w, inW := was[f.ID]
		n, inN := now[f.ID]
		switch {
		case inN && !inW:
			out = append(out, Change{ID: f.ID, Title: n.Title, Today: n.Severity})
		case inW && !inN:
			out = append(out, Change{ID: f.ID, Title: w.Title, Stored: w.Severity})
		case w.Severity != n.Severity:
			out = append(out, Change{ID: f.ID, Title: n.Title, Stored: w.Severity, Today: n.Severity})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return min(rank(out[i].Stored), rank(out[i].Today)) < min(rank(out[j].Stored), rank(out[j].Today))
	})
	return out
}

// rank orders severities, most serious first; "" last.
func rank(sev string) int {
	switch sev {
	case manifest.SeverityFail:
		return 0
	case manifest.SeverityWarn:
		return 1
	case manifest.SeverityInfo:
		return 2
	case manifest.SeverityPass:
		return 3
	}
	return 4
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
func (c *Console) JSON(o Outcome) error {
	m := o.Manifest
	s := Summary{Bundle: o.Bundle, Mapping: o.Mapping, Collectors: map[string]int{}, Files: len(m.Files), Omitted: manifest.OmittedTotal(m),
		TokenHash: m.Redaction.TokenHash, Findings: m.Findings}
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

// Inspect prints a verified bundle: its verdict first, with the problems found (the first ones
// and a count of the rest), then what it is and its findings.
func Inspect(out io.Writer, path string, rep Verdict) {
	if len(rep.Problems) == 0 {
		fmt.Fprintf(out, "valid: %d entries match the manifest and the manifest matches its schema\n", rep.Entries)
	} else {
		fmt.Fprintf(out, "INVALID: %d problems\n", len(rep.Problems)+rep.More)
		for _, p := range rep.Problems {
			fmt.Fprintf(out, "  %s\n", cut(oneLine(p), maxInspectText))
		}
		if rep.More > 0 {
			fmt.Fprintf(out, "  and %d more\n", rep.More)
		}
	}
	m := rep.Manifest
	if m == nil {
		return
	}
	fmt.Fprintf(out, "\n%s\nmade %s on %s (%s/%s) by %s, opadiag %s; %d files, %d collectors\n",
		path, m.Created.Format("2006-01-02 15:04:05 UTC"), cut(oneLine(m.Host.Hostname), maxInspectText), cut(m.Host.OS, maxInspectName), cut(m.Host.Arch, maxInspectName),
		cut(oneLine(m.Invocation.User), maxInspectText), cut(oneLine(m.Tool.Version), maxInspectText), len(m.Files), len(m.Collectors))
	if m.Redaction.TokenHash != "" {
		fmt.Fprintf(out, "agent token hash: %s\n", cut(oneLine(m.Redaction.TokenHash), maxInspectText))
	}
	for i, c := range m.Collectors {
		if i == maxInspectCollectors {
			fmt.Fprintf(out, "  and %d more collectors (the manifest lists them)\n", len(m.Collectors)-i)
			break
		}
		line := fmt.Sprintf("  %-10s %-8s %6dms", cut(oneLine(c.Name), maxInspectName), cut(oneLine(c.Status), maxInspectName), c.DurationMS)
		if c.Error != "" {
			line += "  " + cut(oneLine(c.Error), maxInspectText)
		}
		fmt.Fprintln(out, line)
	}
	fmt.Fprintln(out)
	findings := m.Findings
	if rep.Today != nil {
		findings = rep.Today
		fmt.Fprintln(out, "Findings of today's checks, drawn from the bundle's files:")
	}
	for i, f := range findings {
		if i == maxInspectFindings {
			fmt.Fprintf(out, "and %d more findings (--json lists them all)\n", len(findings)-i)
			break
		}
		printFinding(out, f)
	}
	if manifest.OmittedTotal(m) > 0 {
		fmt.Fprintln(out)
		writeLeftOut(out, m, "summary.txt")
	}
	if rep.Today == nil {
		return
	}
	changes := Changes(m.Findings, rep.Today)
	if len(m.Findings) == 0 {
		fmt.Fprintf(out, "\nThe bundle holds no stored findings: the %d above were drawn today.\n", len(rep.Today))
		return
	}
	if len(changes) == 0 {
		fmt.Fprintln(out, "\nThe same as the findings stored when the bundle was made.")
		return
	}
	fmt.Fprintf(out, "\nCompared with the %d findings stored when the bundle was made (opadiag %s):\n", len(m.Findings), m.Tool.Version)
	for i, c := range changes {
		if i == maxInspectFindings {
			fmt.Fprintf(out, "  and %d more changes (--json lists them all)\n", len(changes)-i)
			break
		}
		c.Title = cut(oneLine(c.Title), maxInspectText)
		switch {
		case c.Stored == "":
			fmt.Fprintf(out, "  new      %-4s %s\n", strings.ToUpper(c.Today), c.Title)
		case c.Today == "":
			fmt.Fprintf(out, "  gone     %-4s %s\n", strings.ToUpper(c.Stored), c.Title)
		default:
			fmt.Fprintf(out, "  changed  %s -> %s  %s\n", strings.ToUpper(c.Stored), strings.ToUpper(c.Today), c.Title)
		}
	}
}

// printFinding prints one finding with its detail, remedy and evidence.
func printFinding(out io.Writer, f manifest.Finding) {
	fmt.Fprintf(out, "%-4s %s\n", cut(strings.ToUpper(f.Severity), maxInspectName), cut(f.Title, maxInspectText))
	if f.Detail != "" {
		fmt.Fprintf(out, "     %s\n", cut(f.Detail, maxInspectDetail))
	}
	if f.Remedy != "" {
		fmt.Fprintf(out, "     what to do: %s\n", cut(f.Remedy, maxInspectDetail))
	}
	for i, e := range f.Evidence {
		if i == maxInspectEvidence {
			fmt.Fprintf(out, "     and %d more places\n", len(f.Evidence)-i)
			break
		}
		if e.Line > 0 {
			fmt.Fprintf(out, "     see %s line %d\n", cut(e.Path, maxInspectText), e.Line)
		} else {
			fmt.Fprintf(out, "     see %s\n", cut(e.Path, maxInspectText))
		}
	}
}

// Bounds of inspect's printout, whatever the bundle holds (a hostile or damaged manifest can
// list thousands of collectors and findings, a finding thousands of places): the whole of it is
// in --json.
const (
	maxInspectCollectors = 40
	maxInspectFindings   = 60   // findings, and changes since the stored ones
	maxInspectEvidence   = 5    // places shown per finding
	maxInspectName       = 40   // bytes of a collector's name or status
	maxInspectText       = 300  // bytes of a title, a collector's error, a path
	maxInspectDetail     = 1200 // bytes of a finding's detail or remedy
)

// cut shortens s to at most n bytes, on a character boundary, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// InspectJSON prints the verdict and the findings as one JSON object.
func InspectJSON(out io.Writer, path string, rep Verdict) error {
	v := struct {
		Bundle       string             `json:"bundle"`
		Valid        bool               `json:"valid"`
		Problems     []string           `json:"problems"`
		MoreProblems int                `json:"more_problems"`
		Today        []manifest.Finding `json:"findings_today"`
		Changes      []Change           `json:"changes"`
		Manifest     *manifest.Manifest `json:"manifest"`
	}{Bundle: path, Valid: len(rep.Problems) == 0, Problems: rep.Problems, MoreProblems: rep.More, Today: rep.Today, Manifest: rep.Manifest}
	if v.Problems == nil {
		v.Problems = []string{}
	}
	if v.Today == nil {
		v.Today = []manifest.Finding{}
	}
	if rep.Manifest != nil && rep.Today != nil {
		v.Changes = Changes(rep.Manifest.Findings, rep.Today)
	}
	if v.Changes == nil {
		v.Changes = []Change{}
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
