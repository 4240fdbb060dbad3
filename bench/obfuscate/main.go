// Command obfuscate measures the passes of --obfuscate on files, the way the bundle engine runs
// them: the redaction writer alone (what a plain collect does to every byte), the learning pass,
// and the replacing pass. Run it under /usr/bin/time to read its CPU time and peak memory; it
// prints bytes processed and the mapping's size.
//
//	go run ./bench/obfuscate -pass redact|learn|replace|both [-mapping FILE] FILE...
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/opadiag/opadiag/redact"
)

func main() {
	pass := flag.String("pass", "both", "redact: the redaction writer only; learn, replace, or both (learn every file, then replace every file)")
	mapping := flag.String("mapping", "", "write the obfuscation mapping to this file")
	profile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "obfuscate: error:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "obfuscate: error:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "obfuscate: error: give the files to read")
		os.Exit(2)
	}
	o := redact.NewObfuscator()
	r := redact.New()
	var total int64
	run := func(newW func() io.WriteCloser) {
		for _, name := range flag.Args() {
			n, err := pipe(name, newW())
			if err != nil {
				fmt.Fprintln(os.Stderr, "obfuscate: error:", err)
				os.Exit(1) //nolint:gocritic // the profile of a failed run is not needed
			}
			total += n
		}
	}
	switch *pass {
	case "redact":
		run(func() io.WriteCloser { return r.NewWriter(io.Discard) })
	case "learn":
		run(func() io.WriteCloser { return o.Learner() })
	case "replace":
		run(func() io.WriteCloser { return o.NewWriter(io.Discard) })
	case "both":
		run(func() io.WriteCloser { return o.Learner() })
		run(func() io.WriteCloser { return o.NewWriter(io.Discard) })
	default:
		fmt.Fprintf(os.Stderr, "obfuscate: error: unknown -pass %q\n", *pass)
		os.Exit(2)
	}
	m := countMapping(o)
	if *mapping != "" {
		f, err := os.Create(*mapping)
		if err == nil {
			bw := bufio.NewWriter(f)
			err = o.WriteMapping(bw, "", "")
			if err == nil {
				err = bw.Flush()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "obfuscate: error: write the mapping:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("bytes %d, stand-ins %d\n", total, m)
}

// pipe streams a file through w in 32 KiB writes, as the bundle engine does.
func pipe(name string, w io.WriteCloser) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, err := io.CopyBuffer(w, f, make([]byte, 32<<10))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// countMapping counts the stand-ins given, without building the mapping in memory: each is one
// indented line of WriteMapping's output.
func countMapping(o *redact.Obfuscator) int {
	var c counter
	_ = o.WriteMapping(&c, "", "")
	return c.entries
}

type counter struct{ entries int }

func (c *counter) Write(p []byte) (int, error) {
	c.entries += bytes.Count(p, []byte("\n    \""))
	return len(p), nil
}
