package platform

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestFindHomes(t *testing.T) {
	root := t.TempDir()
	mk := func(p string) string {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(full, 0o755); err != nil {
			t.Fatal(err)
		}
		return full
	}
	rootHome := mk("root/.config/agent")
	alice := mk("home/alice/.config/Agent") // the Windows build's capitalisation
	mk("home/bob/.config/other")
	carolDot := mk("home/carol/.agent")
	os.WriteFile(filepath.Join(root, "home", "notadir"), nil, 0o644)
	// A file named like a home is not one.
	mk("home/dave/.config")
	os.WriteFile(filepath.Join(root, "home/dave/.config/agent"), nil, 0o644)
	// The same home reached twice (XDG_CONFIG_HOME pointing at it) is listed once.
	cands := []Candidate{
		{filepath.Join(root, "root/.config"), "agent"},
		{filepath.Join(root, "home/*/.config"), "agent"},
		{filepath.Join(root, "home/alice/.config"), "agent"},
		{filepath.Join(root, "home/*"), ".agent"},
		{filepath.Join(root, "missing/*/x"), "agent"},
	}
	f := FindHomes(cands)
	want := []string{rootHome, alice, carolDot}
	if strings.Join(f.Homes, "|") != strings.Join(want, "|") {
		t.Fatalf("homes\n %v\nwant\n %v", f.Homes, want)
	}
	if len(f.Problems) != 0 {
		t.Fatalf("problems: %v", f.Problems)
	}
	if len(f.Searched) < 6 {
		t.Fatalf("searched: %v", f.Searched)
	}
}

func TestFindHomesPermission(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs a non-root Unix user")
	}
	root := t.TempDir()
	locked := filepath.Join(root, "locked")
	os.MkdirAll(filepath.Join(locked, "agent"), 0o755)
	os.Chmod(locked, 0o000)
	defer os.Chmod(locked, 0o755)
	f := FindHomes([]Candidate{{locked, "agent"}})
	if len(f.Homes) != 0 || len(f.Problems) != 1 || !strings.Contains(f.Problems[0], "permission denied") {
		t.Fatalf("%+v", f)
	}
}

func TestCandidates(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	t.Run("linux", func(t *testing.T) {
		c := linuxCandidates(env(map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "/x"}))
		var got []string
		for _, x := range c {
			got = append(got, filepath.ToSlash(filepath.Join(x.Parent, x.Name)))
		}
		want := "/root/.config/agent /root/.agent /x/agent /home/u/.config/agent /home/u/.agent /home/*/.config/agent /home/*/.agent"
		if strings.Join(got, " ") != want {
			t.Fatalf("got  %s\nwant %s", strings.Join(got, " "), want)
		}
	})
	t.Run("windows", func(t *testing.T) {
		c := windowsCandidates(env(map[string]string{"APPDATA": `C:\Users\me\AppData\Roaming`, "SystemDrive": "D:", "SystemRoot": `D:\Windows`}), []string{`D:\Users\svc`})
		var got []string
		for _, x := range c {
			got = append(got, x.Parent+`\`+x.Name)
		}
		for _, want := range []string{
			`C:\Users\me\AppData\Roaming\Agent`,
			`D:\Users\svc\AppData\Roaming\Agent`,
			`D:\Users\*\AppData\Roaming\Agent`,
			`D:\Windows\System32\config\systemprofile\AppData\Roaming\Agent`,
			`D:\Windows\ServiceProfiles\LocalService\AppData\Roaming\Agent`,
			`D:\Windows\ServiceProfiles\NetworkService\AppData\Roaming\Agent`,
		} {
			if !contains(got, want) {
				t.Errorf("missing %s in %v", want, got)
			}
		}
	})
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

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
