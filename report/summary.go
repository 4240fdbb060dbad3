package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
)

// Summary renders summary.txt: the findings first, then what was collected and what failed, for
// a support engineer who opens the bundle without tools.
func Summary(m *manifest.Manifest) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "opadiag support bundle\n")
	fmt.Fprintf(&b, "created %s on %s (%s/%s) by %s%s, opadiag %s, in %.1fs\n",
		m.Created.Format("2006-01-02 15:04:05 UTC"), m.Host.Hostname, m.Host.OS, m.Host.Arch, m.Invocation.User,
		map[bool]string{true: " (elevated)", false: ""}[m.Invocation.Elevated], m.Tool.Version, float64(m.DurationMS)/1000)
	switch h := diagnose.ShowTokenHash(m.Redaction.TokenHash); {
	case h == `""`:
		fmt.Fprintln(&b, `agent token: "" (empty)`)
	case h != "":
		fmt.Fprintf(&b, "agent token hash: %s (compare: opadiag hash-token TOKEN)\n", h)
	}
	if n := m.Host.Network; n != nil {
		fmt.Fprintf(&b, "network: %s", n.Text)
		for _, f := range m.Files {
			if f.Path == "network/probes.json" {
				b.WriteString(" (details: network/probes.json)")
			}
		}
		b.WriteString("\n")
	}

	b.WriteString("\nFINDINGS\n")
	if len(m.Findings) == 0 {
		b.WriteString("  none\n")
	}
	for _, f := range m.Findings {
		fmt.Fprintf(&b, "  [%s] %s\n", strings.ToUpper(f.Severity), f.Title)
		writeWrapped(&b, "         ", f.Detail)
		if f.Remedy != "" {
			writeWrapped(&b, "         ", "What to do: "+f.Remedy)
		}
		for _, e := range f.Evidence {
			if e.Line > 0 {
				fmt.Fprintf(&b, "         see %s line %d\n", e.Path, e.Line)
			} else {
				fmt.Fprintf(&b, "         see %s\n", e.Path)
			}
		}
	}

	writeHost(&b, m)

	b.WriteString("\nAGENT HOMES\n")
	if len(m.Agents) == 0 {
		fmt.Fprintf(&b, "  none found; searched %s\n", strings.Join(m.Discovery.Searched, ", "))
	}
	for _, a := range m.Agents {
		fmt.Fprintf(&b, "  %s -> %s/\n", a.Home, a.Folder)
	}

	b.WriteString("\nCOLLECTORS\n")
	var t strings.Builder
	tw := tabwriter.NewWriter(&t, 2, 8, 2, ' ', 0)
	for _, c := range m.Collectors {
		fmt.Fprintf(tw, "  %s\t%s\t%dms\t%s\n", c.Name, c.Status, c.DurationMS, firstLine(c.Error))
	}
	tw.Flush()
	writeTrimmed(&b, t.String())
	for _, c := range m.Collectors {
		for _, p := range c.Problems {
			fmt.Fprintf(&b, "  %s: %s\n", c.Name, firstLine(p))
		}
	}
	for _, a := range m.Absent {
		fmt.Fprintf(&b, "  %s: absent: %s\n", a.Name, a.Reason)
	}

	files := append([]manifest.File(nil), m.Files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	var total int64
	for _, f := range files {
		total += f.Size
	}
	fmt.Fprintf(&b, "\nFILES (%d, %s before compression)\n", len(files), manifest.FormatSize(uint64(total)))
	t.Reset()
	tw = tabwriter.NewWriter(&t, 2, 8, 2, ' ', 0)
	for _, f := range files {
		var notes []string
		if n := sumCounts(f.Redactions); n > 0 {
			notes = append(notes, fmt.Sprintf("%d redacted", n))
		}
		if f.Truncated {
			notes = append(notes, "newest "+manifest.FormatSize(uint64(f.Size))+" of "+manifest.FormatSize(uint64(f.OriginalSize)))
		}
		if f.Note != "" {
			notes = append(notes, f.Note)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Path, manifest.FormatSize(uint64(f.Size)), strings.Join(notes, "; "))
	}
	tw.Flush()
	writeTrimmed(&b, t.String())

	if n := manifest.OmittedTotal(m); n > 0 {
		fmt.Fprintf(&b, "\nLEFT OUT (%d)\n", n)
		writeLeftOut(&b, m)
	}
	if len(m.Invocation.Unused) > 0 {
		b.WriteString("\nFLAGS WITH NOTHING TO ACT ON\n")
		for _, u := range m.Invocation.Unused {
			fmt.Fprintf(&b, "  %s: %s\n", u.Flag, u.Reason)
		}
	}
	if n := sumCounts(m.Redaction.Rules); n > 0 {
		var parts []string
		for _, k := range sortedKeys(m.Redaction.Rules) {
			parts = append(parts, fmt.Sprintf("%s %d", k, m.Redaction.Rules[k]))
		}
		fmt.Fprintf(&b, "\nREDACTED\n  %d values: %s\n", n, strings.Join(parts, ", "))
	}
	return []byte(b.String())
}

// Bounds of the "left out" lines, whatever the agent home holds.
const (
	leftOutShown  = 3  // items shown per reason: the largest
	leftOutGroups = 20 // reasons shown
)

// writeLeftOut writes what was left out grouped by reason: one line per reason with the count,
// the date range and the size in all, then its largest few items.
func writeLeftOut(b *strings.Builder, m *manifest.Manifest) {
	groups := manifest.GroupOmitted(m, leftOutShown)
	for i, g := range groups {
		if i == leftOutGroups {
			var n int
			for _, g := range groups[i:] {
				n += g.Count
			}
			fmt.Fprintf(b, "  and %d more reasons (%d items); see manifest.json\n", len(groups)-i, n)
			break
		}
		fmt.Fprintf(b, "  %s: %s\n", g.Reason, groupFacts(g))
		for _, o := range g.Largest {
			if o.Size > 0 {
				fmt.Fprintf(b, "    %s (%s): %s\n", o.Source, manifest.FormatSize(uint64(o.Size)), o.Reason)
			} else {
				fmt.Fprintf(b, "    %s: %s\n", o.Source, o.Reason)
			}
		}
		if more := g.Count - len(g.Largest); more > 0 {
			fmt.Fprintf(b, "    and %d more%s\n", more, notListed(g))
		}
	}
}

// groupFacts says how many items a reason left out, from when to when and their size in all.
func groupFacts(g manifest.OmittedGroup) string {
	s := strconv.Itoa(g.Count)
	if d := g.Dates(); d != "" {
		s += ", " + d
	}
	switch {
	case g.Size == 0 || g.Listed < 2:
	case g.Listed < g.Count:
		s += ", " + manifest.FormatSize(uint64(g.Size)) + " in the " + strconv.Itoa(g.Listed) + " listed"
	default:
		s += ", " + manifest.FormatSize(uint64(g.Size)) + " in all"
	}
	return s
}

// notListed says how many items of a group the manifest only counts.
func notListed(g manifest.OmittedGroup) string {
	if n := g.Count - g.Listed; n > 0 {
		return fmt.Sprintf(", %d of them not listed in manifest.json (its omitted_more)", n)
	}
	return ""
}

// writeTrimmed writes table lines without the padding tabwriter leaves after an empty column.
func writeTrimmed(b *strings.Builder, table string) {
	for _, l := range strings.SplitAfter(table, "\n") {
		if l != "" {
			b.WriteString(strings.TrimRight(l, " \n") + "\n")
		}
	}
}

func writeWrapped(b *strings.Builder, indent, text string) {
	const width = 100
	line := indent
	for _, w := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += w
	}
	if len(line) > len(indent) {
		b.WriteString(line + "\n")
	}
}

// firstLine returns s up to its first line break.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func sumCounts(c map[string]int) int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

func sortedKeys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// writeHost writes the host's headline facts: OS, rights, the agent's version, service and
// instances.
func writeHost(b *strings.Builder, m *manifest.Manifest) {
	h := m.Host
	b.WriteString("\nHOST\n")
	osName := strings.TrimSpace(h.OSName + " " + h.OSVersion)
	if h.OSName != "" && strings.Contains(h.OSName, h.OSVersion) {
		osName = h.OSName
	}
	if osName == "" {
		osName = "unknown"
	}
	fmt.Fprintf(b, "  os:            %s (%s/%s)\n", osName, h.OS, h.Arch)
	fmt.Fprintf(b, "  elevated:      %v\n", h.Elevated)
	v := h.AgentVersion
	if v == "" {
		v = "unknown"
	} else if h.AgentVersionSource != "" {
		v += " (from " + h.AgentVersionSource + ")"
	}
	fmt.Fprintf(b, "  agent version: %s\n", v)
	if h.ServiceState != "" {
		st := h.ServiceState
		if h.ServiceStartType != "" {
			st += ", start type " + h.ServiceStartType
		}
		fmt.Fprintf(b, "  service:       %s\n", st)
	}
	fmt.Fprintf(b, "  instances:     %d\n", h.Instances)
	if n := len(m.Invocation.Denied); n > 0 {
		fmt.Fprintf(b, "  not readable without more rights: %d (see the manifest's invocation.denied)\n", n)
	}
}
