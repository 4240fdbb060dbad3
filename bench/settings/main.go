// Command settings runs the Settings step of a bundle on one file, the way the engine does
// (learn the token, then redact), so that its peak memory can be read with /usr/bin/time -v.
// With -deep N it makes the file itself: a Settings whose value nests N arrays (or objects with
// -objects), about 2N bytes, the shape that once took 23.8 GB.
//
//	go run ./bench/settings [-deep 100000] [-objects] [FILE]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/opadiag/opadiag/redact"
)

func main() {
	deep := flag.Int("deep", 0, "make a Settings nested this deep instead of reading FILE")
	objects := flag.Bool("objects", false, "with -deep: nest objects, not arrays")
	flag.Parse()
	var data []byte
	switch {
	case *deep > 0:
		data = nested(*deep, *objects)
	case flag.NArg() == 1:
		var err error
		if data, err = os.ReadFile(flag.Arg(0)); err != nil {
			fmt.Fprintln(os.Stderr, "settings: error:", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "settings: error: give -deep N or one FILE")
		os.Exit(2)
	}
	r := redact.New()
	s := r.LearnSettings(data)
	out := r.RedactSettings(s)
	fmt.Printf("in %d bytes (%s), out %d bytes, json %v, learned %v %s, counts %v, note %q\n",
		len(data), s.Encoding, len(out.Content), out.JSON, s.Learned, s.Reason, out.Counts, out.Note)
}

// nested returns a Settings whose "deep" value nests n containers.
func nested(n int, objects bool) []byte {
	var b bytes.Buffer
	b.WriteString(`{"token":"9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e","deep":`)
	open, shut := "[", "]"
	if objects {
		open, shut = `{"a":`, "}"
	}
	for range n {
		b.WriteString(open)
	}
	b.WriteString(`{"password":"hunter2"}`)
	for range n {
		b.WriteString(shut)
	}
	b.WriteString("}")
	return b.Bytes()
}
