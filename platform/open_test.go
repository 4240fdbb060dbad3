package platform

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestOpenRefusesSpecialFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Skip("cannot make a FIFO:", err)
	}
	// Opening a FIFO without a writer would block a plain os.Open forever.
	if _, err := Current().Open(fifo); err == nil || !strings.Contains(err.Error(), ErrNotRegular.Error()) {
		t.Fatalf("FIFO: %v", err)
	}
	if _, err := Current().Open(dir); err == nil {
		t.Fatal("a directory must be refused")
	}
	link := filepath.Join(dir, "link")
	os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644)
	os.Symlink(filepath.Join(dir, "f"), link)
	if _, err := Current().Open(link); err == nil && runtime.GOOS == "linux" {
		t.Fatal("a symlink as last component must not be followed")
	}
	f, err := Current().Open(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}
