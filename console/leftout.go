package console

import (
	"fmt"
	"io"

	"github.com/opadiag/opadiag/manifest"
)

// leftOutReasons bounds the reasons printed for what was left out; summary.txt has them all.
const leftOutReasons = 5

// writeLeftOut prints what was left out of the bundle grouped by reason, one line each with the
// count and the date range, however many items there are: an agent home with 20,000 old logs
// still gives a few lines. It prints nothing when nothing was left out.
func writeLeftOut(out io.Writer, m *manifest.Manifest, where string) {
	total := manifest.OmittedTotal(m)
	if total == 0 {
		return
	}
	fmt.Fprintf(out, "left out: %s (%s lists them by reason)\n", plural(total, "item"), where)
	groups := manifest.GroupOmitted(m, 0)
	for i, g := range groups {
		if i == leftOutReasons {
			fmt.Fprintf(out, "  and %d more reasons\n", len(groups)-i)
			break
		}
		line := fmt.Sprintf("  %d %s", g.Count, g.Reason)
		if d := g.Dates(); d != "" {
			line += ", " + d
		}
		fmt.Fprintln(out, line)
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
