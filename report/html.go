package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
)

//go:embed page.tmpl
var pageTemplate string

//go:embed page.css
var pageCSS string

var tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"upper": strings.ToUpper,
	"add":   func(a, b int) int { return a + b },
	// f writes a coordinate with one decimal at most.
	"f": func(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) },
}).Parse(pageTemplate))

// Bounds of the page, whatever the bundle holds: it stays a few hundred KB.
const (
	maxFindings      = 40  // findings shown; diagnose draws fewer from any bundle
	maxEvidence      = 3   // evidence lines shown per finding
	maxFindingText   = 800 // bytes of a finding's title, detail or remedy
	maxReasonText    = 240 // bytes of a collector's error or problem, an item left out's reason
	maxPathText      = 200 // bytes of a path
	maxNoteText      = 160 // bytes of a file's note
	maxProblems      = 5   // problems shown per collector
	maxFileRows      = 200 // rows of the files table
	maxLeftOutShown  = 5   // items shown per reason left out
	maxLeftOutGroups = 30
	maxListed        = 20 // searched places, denied reads, unused flags shown
	maxCollectorRows = 40 // rows of the collectors table (a run has about ten)
)

// HTML writes report.html for a bundle: m is its manifest, r what diagnose.Run drew from it, and
// fsys its files, read (boundedly) to show each finding's evidence line; fsys may be nil. The
// page is self-contained (inline CSS and SVG, no script, nothing loaded from anywhere: its
// Content-Security-Policy forbids it), readable in light and dark mode, printable, and bounded
// in size whatever the bundle holds. It shows only what m, r and fsys hold, escaped.
func HTML(w io.Writer, m *manifest.Manifest, r diagnose.Result, fsys fs.FS) error {
	if m == nil {
		return fmt.Errorf("write report.html: no manifest")
	}
	p := build(m, r, fsys)
	var page bytes.Buffer
	if err := tmpl.Execute(&page, p); err != nil {
		return fmt.Errorf("write report.html: %w", err)
	}
	if _, err := w.Write(noURLs(page.Bytes())); err != nil {
		return fmt.Errorf("write report.html: %w", err)
	}
	return nil
}

// noURLs writes every "://" of the page's text and attributes as "&#58;//": the page reads the
// same (a log line's https://host still shows, and copies, as such), but holds no URL that a
// browser, a mail client or a scanner could take for one to follow or fetch. The style sheet,
// where a character reference would not be decoded, holds none.
func noURLs(page []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(page) + len(page)/64)
	for len(page) > 0 {
		if rest, ok := bytes.CutPrefix(page, []byte("<style")); ok {
			end := bytes.Index(rest, []byte("</style>"))
			if end < 0 {
				end = len(rest)
			}
			out.WriteString("<style")
			out.Write(rest[:end])
			page = rest[end:]
			continue
		}
		i := bytes.Index(page, []byte("://"))
		j := bytes.Index(page, []byte("<style"))
		switch {
		case i < 0 && j < 0:
			out.Write(page)
			page = nil
		case j >= 0 && (i < 0 || j < i):
			out.Write(page[:j])
			page = page[j:]
		default:
			out.Write(page[:i])
			out.WriteString("&#58;//")
			page = page[i+3:]
		}
	}
	return out.Bytes()
}

// page is what the template shows.
type page struct {
	CSS      template.CSS
	Title    string
	Host     string
	Created  string
	Verdict  string // fail, warn or ok
	Headline string
	Counts   []sevCount
	Facts    []fact

	Findings        []findingView
	FindingsMore    int
	FindingsChanged string

	Timeline *timelineView

	Collectors     []collectorView
	CollectorsMore int

	Files      []fileView
	FilesMore  int
	FilesTotal string

	TokenHash         string
	Rules             []ruleCount
	RedactedTotal     int
	RedactedFiles     int
	Obfuscated        bool
	LeftOut           []leftOutView
	LeftOutTotal      int
	LeftOutGroupsMore int
	Unused            []manifest.Unused
	Denied            []manifest.Denied
	DeniedMore        int
	Agents            []manifest.Agent
	Searched          []string
	SearchedMore      int
	Tool              string
}

type sevCount struct {
	Severity string
	N        int
}

// fact is one line of the headline.
type fact struct {
	Label, Value, Note string
	Class              string // ok, warn, fail or empty
}

type findingView struct {
	manifest.Finding
	Anchor       string
	Evidence     []evidenceView
	EvidenceMore int
}

type evidenceView struct {
	Path    string
	Line    int
	Text    string
	Cut     bool
	Missing string
}

type collectorView struct {
	Name, Status, Started, Duration string
	Reasons                         []string
	More                            int
	TimedOut                        bool
}

type fileView struct {
	Path, Size, SHA256, Collector string
	Redactions                    int
	Notes                         []string
}

type ruleCount struct {
	Rule string
	N    int
}

type leftOutView struct {
	manifest.OmittedGroup
	Facts      string
	Items      []leftOutItem
	More       int
	NotListed  int
	Collectors string
}

type leftOutItem struct {
	Source, Size, Reason string
}

var sevRank = map[string]int{manifest.SeverityFail: 0, manifest.SeverityWarn: 1, manifest.SeverityInfo: 2, manifest.SeverityPass: 3}

// build gathers what the page shows, every list bounded.
func build(m *manifest.Manifest, r diagnose.Result, fsys fs.FS) *page {
	v, c := m.Tool.Version, m.Tool.Commit
	p := &page{
		CSS:     template.CSS(pageCSS),
		Host:    cutText(m.Host.Hostname, maxPathText),
		Created: m.Created.UTC().Format(timeLayout),
		Tool:    strings.TrimSpace("opadiag " + v + " " + shortCommit(c)),
	}
	p.Title = "opadiag report: " + orDash(p.Host) + ", " + p.Created

	// Findings, most serious first.
	findings := slices.Clone(r.Findings)
	slices.SortStableFunc(findings, func(a, b manifest.Finding) int { return sevRank[a.Severity] - sevRank[b.Severity] })
	counts := map[string]int{}
	var wants []lineWant
	for _, f := range findings {
		counts[f.Severity]++
	}
	if len(findings) > maxFindings {
		p.FindingsMore = len(findings) - maxFindings
		findings = findings[:maxFindings]
	}
	for _, f := range findings {
		for _, e := range f.Evidence[:min(len(f.Evidence), maxEvidence)] {
			wants = append(wants, lineWant{e.Path, e.Line})
		}
	}
	lines := readLines(fsys, wants)
	anchors := map[string]int{}
	for _, f := range findings {
		f.ID = cutText(f.ID, maxPathText)
		f.Title = cutText(f.Title, maxFindingText)
		f.Detail = cutText(f.Detail, maxFindingText)
		f.Remedy = cutText(f.Remedy, maxFindingText)
		fv := findingView{Finding: f, Anchor: anchor(f.ID, anchors)}
		for i, e := range f.Evidence {
			if i == maxEvidence {
				fv.EvidenceMore = len(f.Evidence) - i
				break
			}
			ev := evidenceView{Path: cutText(e.Path, maxPathText), Line: e.Line}
			if e.Line > 0 {
				got := lines[lineWant{e.Path, e.Line}]
				ev.Text, ev.Cut, ev.Missing = got.text, got.cut, got.missing
			}
			fv.Evidence = append(fv.Evidence, ev)
		}
		p.Findings = append(p.Findings, fv)
	}
	for _, s := range []string{manifest.SeverityFail, manifest.SeverityWarn, manifest.SeverityInfo, manifest.SeverityPass} {
		if counts[s] > 0 {
			p.Counts = append(p.Counts, sevCount{s, counts[s]})
		}
	}
	switch {
	case counts[manifest.SeverityFail] > 0:
		p.Verdict, p.Headline = "fail", "Problems found"
	case counts[manifest.SeverityWarn] > 0:
		p.Verdict, p.Headline = "warn", "Warnings"
	default:
		p.Verdict, p.Headline = "ok", "Nothing wrong found in what was collected"
	}
	p.FindingsChanged = findingsChanged(m.Findings, r.Findings)
	p.Facts = facts(m, r)
	p.Timeline = buildTimeline(m, r.Timeline)

	// Collectors, then those not in this build.
	for _, c := range m.Collectors {
		if len(p.Collectors) == maxCollectorRows {
			p.CollectorsMore++
			continue
		}
		cv := collectorView{Name: cutText(c.Name, maxPathText), Status: c.Status, Duration: formatMS(c.DurationMS), TimedOut: c.TimedOut}
		if !c.Started.IsZero() {
			cv.Started = c.Started.UTC().Format("15:04:05.000")
		}
		if c.Error != "" {
			cv.Reasons = append(cv.Reasons, cutText(c.Error, maxReasonText))
		}
		for i, pr := range c.Problems {
			if i == maxProblems {
				cv.More = len(c.Problems) - i
				break
			}
			cv.Reasons = append(cv.Reasons, cutText(pr, maxReasonText))
		}
		p.Collectors = append(p.Collectors, cv)
	}
	for _, a := range m.Absent {
		if len(p.Collectors) == maxCollectorRows {
			p.CollectorsMore++
			continue
		}
		p.Collectors = append(p.Collectors, collectorView{Name: cutText(a.Name, maxPathText), Status: "absent", Reasons: []string{cutText(a.Reason, maxReasonText)}})
	}

	// Files, in path order.
	files := slices.Clone(m.Files)
	slices.SortStableFunc(files, func(a, b manifest.File) int { return strings.Compare(a.Path, b.Path) })
	var total int64
	for _, f := range files {
		total += f.Size
		n := sumCounts(f.Redactions)
		if n > 0 {
			p.RedactedFiles++
		}
		if len(p.Files) == maxFileRows {
			p.FilesMore++
			continue
		}
		fv := fileView{Path: cutText(f.Path, maxPathText), Size: manifest.FormatSize(uint64(max(f.Size, 0))), SHA256: f.SHA256, Collector: f.Collector, Redactions: n}
		if f.Truncated {
			fv.Notes = append(fv.Notes, "newest "+manifest.FormatSize(uint64(max(f.Size, 0)))+" of "+manifest.FormatSize(uint64(max(f.OriginalSize, 0))))
		}
		if f.Note != "" {
			fv.Notes = append(fv.Notes, cutText(f.Note, maxNoteText))
		}
		p.Files = append(p.Files, fv)
	}
	p.FilesTotal = fmt.Sprintf("%d files, %s before compression", len(files), manifest.FormatSize(uint64(max(total, 0))))

	// Redaction.
	p.TokenHash = m.Redaction.TokenHash
	p.Obfuscated = m.Options.Obfuscate
	for _, k := range sortedKeys(m.Redaction.Rules) {
		p.Rules = append(p.Rules, ruleCount{k, m.Redaction.Rules[k]})
		p.RedactedTotal += m.Redaction.Rules[k]
	}

	// What was left out, by reason.
	p.LeftOutTotal = manifest.OmittedTotal(m)
	groups := manifest.GroupOmitted(m, maxLeftOutShown)
	for i, g := range groups {
		if i == maxLeftOutGroups {
			p.LeftOutGroupsMore = len(groups) - i
			break
		}
		g.Reason = cutText(g.Reason, maxReasonText)
		lv := leftOutView{OmittedGroup: g, Facts: groupFacts(g), More: g.Count - len(g.Largest), NotListed: g.Count - g.Listed,
			Collectors: strings.Join(g.Collectors, ", ")}
		for _, o := range g.Largest {
			it := leftOutItem{Source: cutText(o.Source, maxPathText), Reason: cutText(o.Reason, maxReasonText)}
			if o.Size > 0 {
				it.Size = manifest.FormatSize(uint64(o.Size))
			}
			lv.Items = append(lv.Items, it)
		}
		p.LeftOut = append(p.LeftOut, lv)
	}

	for _, u := range m.Invocation.Unused[:min(len(m.Invocation.Unused), maxListed)] {
		p.Unused = append(p.Unused, manifest.Unused{Flag: cutText(u.Flag, maxPathText), Reason: cutText(u.Reason, maxReasonText)})
	}
	for _, d := range m.Invocation.Denied[:min(len(m.Invocation.Denied), maxListed)] {
		p.Denied = append(p.Denied, manifest.Denied{Collector: d.Collector, What: cutText(d.What, maxPathText), Error: cutText(d.Error, maxReasonText)})
	}
	p.DeniedMore = len(m.Invocation.Denied) - len(p.Denied)
	for _, a := range m.Agents[:min(len(m.Agents), maxListed)] {
		p.Agents = append(p.Agents, manifest.Agent{Home: cutText(a.Home, maxPathText), Folder: cutText(a.Folder, maxPathText)})
	}
	for _, s := range m.Discovery.Searched[:min(len(m.Discovery.Searched), maxListed)] {
		p.Searched = append(p.Searched, cutText(s, maxPathText))
	}
	p.SearchedMore = len(m.Discovery.Searched) - len(p.Searched)
	for i := range p.Facts {
		p.Facts[i].Value, p.Facts[i].Note = cutText(p.Facts[i].Value, maxReasonText), cutText(p.Facts[i].Note, maxReasonText)
	}
	return p
}

// facts is the headline: the agent, its version, service, instances, network, token.
func facts(m *manifest.Manifest, r diagnose.Result) []fact {
	h := m.Host
	var out []fact
	osName := strings.TrimSpace(h.OSName + " " + h.OSVersion)
	if h.OSName != "" && strings.Contains(h.OSName, h.OSVersion) {
		osName = h.OSName
	}
	out = append(out, fact{Label: "Host", Value: orDash(h.Hostname), Note: strings.TrimSpace(osName + " (" + h.OS + "/" + h.Arch + ")")})
	switch len(m.Agents) {
	case 0:
		out = append(out, fact{Label: "Agent", Value: "not found", Class: "fail",
			Note: fmt.Sprintf("searched %s", plural(len(m.Discovery.Searched), "place"))})
	case 1:
		out = append(out, fact{Label: "Agent", Value: m.Agents[0].Home, Note: "in the bundle under " + m.Agents[0].Folder + "/"})
	default:
		out = append(out, fact{Label: "Agent", Value: plural(len(m.Agents), "home"), Class: "warn", Note: m.Agents[0].Home + " and others"})
	}
	ver, src := r.AgentVersion, r.AgentVersionSource
	if ver == "" {
		ver, src = h.AgentVersion, h.AgentVersionSource
	}
	vf := fact{Label: "Version", Value: orUnknown(ver)}
	if src != "" {
		vf.Note = "from " + src
	}
	out = append(out, vf)
	sf := fact{Label: "Service", Value: orUnknown(h.ServiceState)}
	if h.ServiceStartType != "" {
		sf.Note = "start type " + h.ServiceStartType
	}
	switch h.ServiceState {
	case "running":
		sf.Class = "ok"
	case "stopped", "failed", "not_found":
		sf.Class = "fail"
	}
	out = append(out, sf)
	inf := fact{Label: "Instances", Value: strconv.Itoa(h.Instances)}
	switch {
	case h.Instances == 1:
		inf.Class = "ok"
	case h.Instances > 1:
		inf.Class, inf.Note = "warn", "the guide allows one"
	}
	out = append(out, inf)
	nf := fact{Label: "Network", Value: "not probed"}
	if n := h.Network; n != nil {
		nf.Value = orDash(n.Text)
		switch {
		case !n.Probed:
		case n.Reachable:
			nf.Class = "ok"
			if n.Route != "" {
				nf.Note = n.API + " answered, " + n.Route
				if n.Route == manifest.RouteProxy && n.Proxy != "" {
					nf.Note += " via " + n.Proxy
				}
			}
		default:
			nf.Class = "fail"
		}
	}
	out = append(out, nf)
	if m.Redaction.TokenHash != "" {
		out = append(out, fact{Label: "Token hash", Value: m.Redaction.TokenHash, Note: "compare: opadiag hash-token TOKEN"})
	}
	by := m.Invocation.User
	if m.Invocation.Elevated {
		by += " (elevated)"
	}
	out = append(out, fact{Label: "Bundle", Value: m.Created.UTC().Format(timeLayout),
		Note: strings.TrimSpace(fmt.Sprintf("by %s, %s trigger, opadiag %s, %s", orDash(by), orDash(m.Invocation.Trigger), orDash(m.Tool.Version), formatMS(m.DurationMS)))})
	return out
}

// findingsChanged says when today's checks draw other findings than the bundle recorded: the
// page of an older bundle shows today's.
func findingsChanged(stored, now []manifest.Finding) string {
	ids := func(fs []manifest.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.ID+"/"+f.Severity)
		}
		slices.Sort(out)
		return out
	}
	if slices.Equal(ids(stored), ids(now)) {
		return ""
	}
	return fmt.Sprintf("These findings are today's checks over the bundle's files; when it was made, opadiag recorded %s in its manifest.", plural(len(stored), "finding"))
}

// anchor makes an id attribute for a finding: its id, unique in the page.
func anchor(id string, seen map[string]int) string {
	a := "f-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, id)
	seen[a]++
	if n := seen[a]; n > 1 {
		a += "-" + strconv.Itoa(n)
	}
	return a
}

func formatMS(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	if d < time.Second {
		return strconv.FormatInt(ms, 10) + " ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
}

func shortCommit(c string) string {
	if c == "" || c == "unknown" {
		return ""
	}
	return "(" + c[:min(len(c), 12)] + ")"
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
