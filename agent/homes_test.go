package agent

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

// fakeEnv is a machine's environment and profile folders.
type fakeEnv struct {
	goos     string
	env      map[string]string
	profiles []string
}

func (e fakeEnv) OS() string             { return e.goos }
func (e fakeEnv) Getenv(k string) string { return e.env[k] }
func (e fakeEnv) ProfileDirs() []string  { return e.profiles }

func TestCandidatesOfEnv(t *testing.T) {
	env := map[string]string{"HOME": "/home/u", "APPDATA": `C:\Users\me\AppData\Roaming`}
	tests := []struct {
		name  string
		env   fakeEnv
		first string
		want  string // a candidate that must be listed
	}{
		{"linux", fakeEnv{goos: "linux", env: env}, "/root/.config/agent", "/home/u/.agent"},
		{"other unix uses the linux layout", fakeEnv{goos: "darwin", env: env}, "/root/.config/agent", "/home/*/.config/agent"},
		{"windows", fakeEnv{goos: "windows", env: env, profiles: []string{`D:\Users\svc`}}, `C:\Users\me\AppData\Roaming\Agent`, `D:\Users\svc\AppData\Roaming\Agent`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range Candidates(tt.env) {
				sep := "/"
				if tt.env.goos == "windows" {
					sep = `\`
				}
				got = append(got, c.Parent+sep+c.Name)
			}
			if len(got) == 0 || got[0] != tt.first || !contains(got, tt.want) {
				t.Fatalf("got %v, want %s first and %s", got, tt.first, tt.want)
			}
		})
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
