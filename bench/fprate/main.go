// Command fprate prints the replacements the redactor made in the logs of a bundle, per rule and
// per MB of log. Run over a bundle of logs that hold no secret (go run ./bench/genlog -clean),
// every replacement is a false positive: bench/fprate.sh does that.
//
//	go run ./bench/fprate BUNDLE.zip
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/opadiag/opadiag/bundle"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fprate BUNDLE.zip")
		os.Exit(2)
	}
	r, err := bundle.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "fprate: error:", err)
		os.Exit(1)
	}
	defer r.Close()
	m := r.Manifest()
	if m == nil {
		fmt.Fprintln(os.Stderr, "fprate: error: the bundle has no readable manifest")
		os.Exit(1)
	}
	var bytes int64
	counts := map[string]int{}
	for _, f := range m.Files {
		if !strings.Contains(f.Path, "/logs/") {
			continue
		}
		bytes += f.OriginalSize
		for rule, n := range f.Redactions {
			counts[rule] += n
		}
	}
	var rules []string
	total := 0
	for rule, n := range counts {
		rules = append(rules, rule)
		total += n
	}
	sort.Strings(rules)
	mb := float64(bytes) / 1e6
	fmt.Printf("logs:          %.1f MB\n", mb)
	fmt.Printf("replacements:  %d (%.2f per MB)\n", total, float64(total)/mb)
	for _, rule := range rules {
		fmt.Printf("  %-20s %d (%.3f per MB)\n", rule, counts[rule], float64(counts[rule])/mb)
	}
}
