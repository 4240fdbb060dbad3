package collect_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opadiag/opadiag/collect"
)

// A Writer makes one bundle. Everything added through a Bundle is redacted on the way in, and
// the manifest records each file's size, SHA-256 and redactions.
func ExampleWriter() {
	dir, _ := os.MkdirTemp("", "opadiag-example")
	defer os.RemoveAll(dir)

	w, err := collect.NewWriter(dir, collect.WriterOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Abort() // removes the temporary zip if Finish is never reached

	b := w.Bundle("example")
	err = b.Add(context.Background(), "notes/connection.txt",
		strings.NewReader("jdbc:sqlserver://db:1433;user=sa;password=hunter2\n"),
		collect.FileInfo{Source: "typed in"})
	if err != nil {
		fmt.Println(err)
		return
	}
	path, err := w.Finish("opadiag-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, _ := collect.Verify(path)
	fmt.Println(filepath.Base(path), "problems:", len(rep.Problems))
	for _, f := range rep.Manifest.Files {
		if f.Collector == "example" {
			fmt.Println(f.Path, f.Size, f.SHA256[:12], f.Redactions)
		}
	}
	// Output:
	// opadiag-example.zip problems: 0
	// notes/connection.txt 53 785345937d88 map[password_pair:1]
}
