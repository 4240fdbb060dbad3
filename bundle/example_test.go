package bundle_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opadiag/opadiag/bundle"
)

// A Writer makes one bundle. Everything added through a Bundle is redacted on the way in, and
// the manifest records each entry's size, SHA-256 and redactions; Open and Verify read it back.
func ExampleWriter() {
	dir, _ := os.MkdirTemp("", "opadiag-example")
	defer os.RemoveAll(dir)

	w, err := bundle.Create(dir, bundle.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Abort() // removes the temporary zip if Finish is never reached

	b := w.Bundle("example")
	err = b.Add(context.Background(), "notes/connection.txt",
		strings.NewReader("jdbc:sqlserver://db:1433;user=sa;password=hunter2\n"),
		64<<20, bundle.Info{Source: "typed in"})
	if err != nil {
		fmt.Println(err)
		return
	}
	path, err := w.Finish("opadiag-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := bundle.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	fmt.Println(filepath.Base(path), "valid:", r.Verify().Valid())
	for _, f := range r.Manifest().Files {
		fmt.Println(f.Path, f.Size, f.SHA256[:12], f.Redactions)
	}
	// Output:
	// opadiag-example.zip valid: true
	// notes/connection.txt 53 785345937d88 map[password_pair:1]
}
