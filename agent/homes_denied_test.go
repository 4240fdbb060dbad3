package agent

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestFindHomesDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads folders whatever their mode")
	}
	dir := t.TempDir()
	locked := filepath.Join(dir, "locked")
	if err := os.Mkdir(locked, 0o000); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	f := FindHomes([]Candidate{{Parent: locked, Name: "agent"}, {Parent: filepath.Join(dir, "missing"), Name: "agent"}})
	if !reflect.DeepEqual(f.Denied, []string{locked}) || len(f.Problems) != 1 {
		t.Errorf("found = %+v", f)
	}
}
