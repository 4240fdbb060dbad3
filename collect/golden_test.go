package collect

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/opadiag/opadiag/manifest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden compares the manifest and summary of a run over each fixture layout with
// testdata/golden. Paths of temporary folders are replaced by $HOME and $OUT. Run
// `go test ./collect -run Golden -update` after an intended change and review the diff.
func TestGolden(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("golden files hold Linux paths")
	}
	for _, l := range []layout{linuxLayout, windowsLayout} {
		t.Run(l.name, func(t *testing.T) {
			res, home, out := runLayout(t, l)
			_, entries := readBundle(t, res.Path)
			norm := strings.NewReplacer(home, "$HOME", out, "$OUT")
			// summary.txt and report.html hold the temporary paths, so their sizes and hashes
			// vary: summary.txt is compared on its own, after the paths are replaced; the page
			// has golden tests of its own (report/).
			m, err := manifest.Decode(bytes.NewReader(entries["manifest.json"]))
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"summary.txt", "report.html"} {
				if f := fileOf(m, name); f != nil {
					f.Size, f.OriginalSize, f.SHA256 = 0, 0, strings.Repeat("0", 64)
				}
			}
			var mb bytes.Buffer
			if err := manifest.Encode(&mb, m); err != nil {
				t.Fatal(err)
			}
			entries["manifest.json"] = mb.Bytes()
			for _, name := range []string{"manifest.json", "summary.txt"} {
				got := norm.Replace(string(entries[name]))
				golden := filepath.Join("testdata", "golden", l.name+"."+name)
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from %s; run with -update and review the diff\n%s", name, golden, firstDiff(string(want), got))
				}
			}
		})
	}
}

// firstDiff shows the first differing line.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n want: " + wl + "\n  got: " + gl
		}
	}
	return ""
}
