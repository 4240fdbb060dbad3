package main

import (
	"context"
	"fmt"
	"go/build"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

// wineServiceKey is the fixture service's key name; its display name is the agent's.
const wineServiceKey = "CeligoAgentOpadiagTest"

// TestWindowsUnderWine runs the Windows build for real: it builds opadiag.exe, prepares a Wine
// prefix (.ci/wine/setup.sh, or $WINEPREFIX when it is ready), creates a fixture service with
// `wine sc create` and a fixture %APPDATA%\Agent with Settings and a log, runs the exe with no
// arguments and stdin not a console in an empty folder, and checks the bundle: Settings found
// and redacted, the service's state and start type reported, the manifest valid. Where Wine
// lacks an API the service collector must degrade to partial with the error.
//
// It skips when wine is not installed, unless OPADIAG_REQUIRE_WINE=1.
func TestWindowsUnderWine(t *testing.T) {
	requireWine(t)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	exe := buildWindowsExe(ctx, t)
	// The exe runs with no arguments, as from a double-click; its network probes must still stay
	// on this machine: the environment points them at a loopback server instead of integrator.io.
	probed := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(probed.Close)
	w := startWine(ctx, t, "OPADIAG_ENDPOINT="+probed.URL+"/", "OPADIAG_PROBE_TIMEOUT=3s")
	prefix := w.prefix
	wine := func(dir string, args ...string) (string, error) { return w.run(ctx, dir, args...) }
	cleanup := w.cleanup

	bootStart := time.Now()
	wine("", "sc", "delete", wineServiceKey) // left over from an interrupted run
	t.Logf("Wine's services ready in %s", time.Since(bootStart).Round(time.Millisecond))

	// The fixture service: Wine's service manager accepts sc create; notepad never starts as a
	// service, so it stays stopped.
	display := "Celigo Agent"
	create := func() (string, error) {
		return wine("", "sc", "create", wineServiceKey, "binPath=", `C:\windows\system32\notepad.exe`,
			"DisplayName=", display, "start=", "auto")
	}
	if _, err := create(); err != nil {
		// A reused prefix may already have a service displayed as "Celigo Agent": display
		// names are unique. The collector also finds a name containing "celigo".
		display = "Celigo Agent (opadiag test)"
		if out, err := create(); err != nil {
			t.Fatalf("wine sc create: %v\n%s", err, out)
		}
		t.Logf("another service is displayed as Celigo Agent: the fixture is displayed as %q", display)
	}
	t.Cleanup(func() { cleanup("sc", "delete", wineServiceKey) })

	// The fixture installs: an all-users Uninstall key and a per-user one (HKCU, which the
	// collector reads through HKEY_USERS).
	const machineKey = `HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\` + wineServiceKey
	const userKey = `HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\` + wineServiceKey
	for _, v := range [][]string{
		{machineKey, "DisplayName", "Celigo Agent 4.5.1"}, {machineKey, "DisplayVersion", "4.5.1"},
		{machineKey, "InstallLocation", `C:\Program Files\Celigo Agent`}, {machineKey, "InstallDate", "20250612"},
		{userKey, "DisplayName", "integrator.io On-Premise Agent 3.6.2"}, {userKey, "DisplayVersion", "3.6.2"},
		{userKey, "UninstallString", `"C:\users\me\AppData\Local\Programs\celigo-agent\Uninstall.exe" /currentuser`},
	} {
		if out, err := wine("", "reg", "add", v[0], "/v", v[1], "/d", v[2], "/f"); err != nil {
			t.Fatalf("wine reg add %v: %v\n%s", v, err, out)
		}
	}
	t.Cleanup(func() {
		cleanup("reg", "delete", machineKey, "/f")
		cleanup("reg", "delete", userKey, "/f")
	})

	// The fixture agent home: %APPDATA%\Agent of the Wine user.
	home := filepath.Join(prefix, "drive_c", "users", wineUser(t, prefix), "AppData", "Roaming", "Agent")
	const token = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	now := time.Now().UTC()
	settings := fmt.Sprintf(`{"token":%q,"uncaughtExceptionHappenedOnService":false,"proxyPassword":"hunter2-proxy"}`, token)
	logLine := fmt.Sprintf("%s: level=info, logName=appStart, Update for version 4.5.1 is not available (latest version: 4.5.1)\n"+
		"%s: level=info, connecting with token %s\n", now.Add(-time.Hour).Format("2006-01-02T15:04:05.000Z"), now.Add(-time.Minute).Format("2006-01-02T15:04:05.000Z"), token)
	writeFixture(t, filepath.Join(home, "Settings"), settings)
	writeFixture(t, filepath.Join(home, "server-"+now.Format("2006-01-02")+".log"), logLine)
	t.Cleanup(func() { os.RemoveAll(home) })

	work := t.TempDir()
	runStart := time.Now()
	out, err := wine(work, exe)
	runTime := time.Since(runStart)
	t.Logf("opadiag.exe under Wine took %s:\n%s", runTime.Round(time.Millisecond), out)
	if err != nil {
		t.Fatalf("opadiag.exe failed: %v", err)
	}
	zips, _ := filepath.Glob(filepath.Join(work, "opadiag-*.zip"))
	if len(zips) != 1 {
		t.Fatalf("bundles in the working folder: %v", zips)
	}
	m, problems, err := verifyBundle(zips[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("the bundle does not verify: %v", problems)
	}
	files := readZip(t, zips[0])

	if len(m.Agents) != 1 || len(m.Agents[0].Settings) != 1 || m.Agents[0].Settings[0].Token == nil {
		t.Fatalf("the fixture Settings was not found: agents %+v, searched %v", m.Agents, m.Discovery.Searched)
	}
	s := files["agent/settings.json"]
	if s == "" || strings.Contains(s, token) || strings.Contains(s, "hunter2-proxy") || !strings.Contains(s, "sha256:") {
		t.Errorf("settings.json not redacted:\n%s", s)
	}
	for name, content := range files {
		if strings.Contains(content, token) {
			t.Errorf("%s holds the token", name)
		}
	}
	var svc *manifest.AgentService
	for i := range m.Service.Services {
		if m.Service.Services[i].Name == wineServiceKey {
			svc = &m.Service.Services[i]
		}
	}
	if svc == nil {
		t.Fatalf("the fixture service is not in the manifest: %+v", m.Service)
	}
	if !svc.Found || svc.State != "stopped" || !strings.HasPrefix(svc.StartType, "Automatic") || svc.DisplayName != display {
		t.Errorf("fixture service = %+v", svc)
	}
	for _, c := range m.Collectors {
		t.Logf("collector %-8s %-8s %5dms %s", c.Name, c.Status, c.DurationMS, strings.Join(c.Problems, "; "))
		switch c.Name {
		case "service":
			// Wine's QueryServiceConfig2 fails some levels: partial, with the error, never failed.
			if c.Status != manifest.StatusOK && c.Status != manifest.StatusPartial {
				t.Errorf("service collector = %+v", c)
			}
			if c.Status == manifest.StatusPartial && !strings.Contains(strings.Join(c.Problems, " "), "Invalid level") && len(svc.Errors) == 0 {
				t.Errorf("partial without the error: %+v", c)
			}
		case "network":
			if c.Status == manifest.StatusFailed || c.Status == manifest.StatusTimeout || c.Status == manifest.StatusSkipped {
				t.Errorf("network collector = %+v", c)
			}
			if p := files["network/probes.json"]; !strings.Contains(p, `"host": "127.0.0.1"`) || strings.Contains(p, "integrator.io\"") {
				t.Errorf("the probes did not go to the loopback endpoint only:\n%s", p)
			}
		case "system", "settings":
			if c.Status == manifest.StatusFailed || c.Status == manifest.StatusTimeout {
				t.Errorf("%s collector = %+v", c.Name, c)
			}
		}
	}
	if m.System.OS.Type != "windows" || m.System.OS.Path == nil || !m.System.OS.Path.Process.HasSystem32 || m.System.Processes.Total == 0 {
		t.Errorf("system section: os %+v processes %+v", m.System.OS, m.System.Processes)
	}
	for _, f := range []string{"system/os.json", "system/processes.json", "system/resources.json", "system/prerequisites.json", "service/events-application.txt"} {
		if _, ok := files[f]; !ok {
			t.Errorf("%s missing from the bundle", f)
		}
	}
	scopes := map[string]string{}
	for _, in := range m.Service.Installs {
		scopes[in.Version] = in.Scope
	}
	if scopes["4.5.1"] != "all-users" || scopes["3.6.2"] != "per-user" {
		t.Errorf("installs = %+v", m.Service.Installs)
	}
	if m.Host.AgentVersion != "4.5.1" || !strings.HasPrefix(m.Host.AgentVersionSource, `registry HKLM\`) {
		t.Errorf("agent version = %q from %q", m.Host.AgentVersion, m.Host.AgentVersionSource)
	}
	t.Logf("Wine test: %s in all, opadiag.exe %s", time.Since(start).Round(time.Millisecond), runTime.Round(time.Millisecond))
}

// requireWine skips the test where Wine is missing (a failure with OPADIAG_REQUIRE_WINE=1), and
// in -short mode.
func requireWine(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the Wine tests run on Linux")
	}
	if _, err := exec.LookPath("wine"); err != nil {
		if os.Getenv("OPADIAG_REQUIRE_WINE") == "1" {
			t.Fatal("wine is not installed and OPADIAG_REQUIRE_WINE=1: install it with .ci/wine/setup.sh")
		}
		t.Skip("wine is not installed: run .ci/wine/setup.sh to install it (set OPADIAG_REQUIRE_WINE=1 to make this a failure)")
	}
	if testing.Short() && os.Getenv("OPADIAG_REQUIRE_WINE") != "1" {
		t.Skip("the Wine tests take about a minute; not in -short mode")
	}
}

// buildWindowsExe builds opadiag.exe for windows/amd64 with the committed resources into a
// folder of the test's (about 2 s with a warm build cache) and returns its path.
func buildWindowsExe(ctx context.Context, t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "opadiag.exe")
	begin := time.Now()
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", exe, ".")
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the Windows exe: %v\n%s", err, out)
	}
	t.Logf("built %s in %s", exe, time.Since(begin).Round(time.Millisecond))
	return exe
}

// goTool is the go command the tests build with: the one on PATH, else the one of the Go
// installation the tests were built with.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(build.Default.GOROOT, "bin", "go")
}

// wineHost is a ready Wine prefix whose wineserver is kept running for the whole test.
type wineHost struct {
	t       *testing.T
	prefix  string
	env     []string
	outputs string
}

// startWine prepares the prefix and keeps one wineserver for the test: a wineserver exits 3 s
// after its last process, and each new one boots Wine's services again (about 10 s). A cmd.exe
// waiting on its standard input keeps it. env is added to every Wine command's environment.
func startWine(ctx context.Context, t *testing.T, env ...string) *wineHost {
	t.Helper()
	prefix := winePrefix(ctx, t)
	w := &wineHost{t: t, prefix: prefix, outputs: t.TempDir(),
		env: append(append(os.Environ(), "WINEPREFIX="+prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml="), env...)}
	keep := exec.Command("wine", "cmd.exe")
	keep.Env = w.env
	keepIn, err := keep.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := keep.Start(); err != nil {
		t.Fatalf("start wine cmd.exe: %v", err)
	}
	t.Cleanup(func() {
		keepIn.Close() // cmd.exe exits at the end of its input
		done := make(chan error, 1)
		go func() { done <- keep.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			keep.Process.Kill()
			<-done
		}
	})
	return w
}

// run runs wine with args in dir (the test's folder when empty), stdin not a console, and
// returns its output (stdout and stderr together).
func (w *wineHost) run(ctx context.Context, dir string, args ...string) (string, error) {
	return w.command(ctx, dir, append([]string{"wine"}, args...), nil)
}

// command runs argv with Wine's environment plus env in dir; stdin is /dev/null. Output goes to
// a file, not a pipe: a wineserver this command starts inherits it and would hold a pipe open for
// as long as it runs.
func (w *wineHost) command(ctx context.Context, dir string, argv []string, env []string) (string, error) {
	out, err := os.CreateTemp(w.outputs, "wine-output-*")
	if err != nil {
		return "", err
	}
	defer out.Close()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env, cmd.Dir = append(append([]string(nil), w.env...), env...), dir
	cmd.Stdin = nil // /dev/null: not a console, opadiag must never wait for input
	cmd.Stdout, cmd.Stderr = out, out
	runErr := cmd.Run()
	b, _ := os.ReadFile(out.Name())
	return string(b), runErr
}

// cleanup runs a Wine command at the end of a test, whose context is already cancelled.
func (w *wineHost) cleanup(args ...string) {
	cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
	defer ccancel()
	if out, err := w.run(cctx, "", args...); err != nil {
		w.t.Logf("cleanup: wine %v: %v %s", args, err, out)
	}
}

// winePrefix returns a ready Wine prefix: $WINEPREFIX when it holds one with the Go runtime's
// bcryptprimitives.dll, else a new one made by .ci/wine/setup.sh (about 30 to 60 s), whose
// wineserver is stopped when the test ends.
func winePrefix(ctx context.Context, t *testing.T) string {
	t.Helper()
	if p := os.Getenv("WINEPREFIX"); p != "" {
		if _, err := os.Stat(filepath.Join(p, "drive_c", "windows", "system32", "bcryptprimitives.dll")); err == nil {
			return p
		}
	}
	p := filepath.Join(t.TempDir(), "wine")
	begin := time.Now()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(".ci", "wine", "setup.sh"), p)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("prepare the Wine prefix: %v\n%s", err, out)
	}
	t.Logf("prepared the Wine prefix %s in %s", p, time.Since(begin).Round(time.Millisecond))
	t.Cleanup(func() {
		kill := exec.Command("wineserver", "-k")
		kill.Env = append(os.Environ(), "WINEPREFIX="+p)
		kill.Run()
	})
	return p
}

// wineUser is the Windows user of the prefix: Wine names it after the Unix user.
func wineUser(t *testing.T, prefix string) string {
	t.Helper()
	if u, err := user.Current(); err == nil {
		if _, err := os.Stat(filepath.Join(prefix, "drive_c", "users", u.Username)); err == nil {
			return u.Username
		}
	}
	entries, err := os.ReadDir(filepath.Join(prefix, "drive_c", "users"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "Public" {
			return e.Name()
		}
	}
	t.Fatal("no user in the Wine prefix")
	return ""
}

func writeFixture(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readZip(t *testing.T, path string) map[string]string {
	t.Helper()
	out, err := zipEntries(path)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
