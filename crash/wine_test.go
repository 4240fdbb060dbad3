package crash

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// wineHookService is the fixture service the Wine test hooks.
const wineHookService = "CeligoAgentCrashHookTest"

// TestCrashHookUnderWine runs the Windows build's crash-hook under Wine: install registers the
// task with schtasks.exe /Create /XML and copies opadiag.exe to Program Files, status sees the
// task, the installed exe captures into %ProgramData%\opadiag\crash (a second run is
// rate-limited, with LockFileEx and the capture log), uninstall deletes the task and the copy.
// Wine's Task Scheduler keeps the task but not its trigger, so the trigger itself is checked by
// TestTaskXML and TestWindowsHook, not here.
//
// It skips when wine is not installed, unless OPADIAG_REQUIRE_WINE=1.
func TestCrashHookUnderWine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Wine test runs on Linux")
	}
	required := os.Getenv("OPADIAG_REQUIRE_WINE") == "1"
	if _, err := exec.LookPath("wine"); err != nil {
		if required {
			t.Fatal("wine is not installed and OPADIAG_REQUIRE_WINE=1: install it with .ci/wine/setup.sh")
		}
		t.Skip("wine is not installed: run .ci/wine/setup.sh to install it (OPADIAG_REQUIRE_WINE=1 makes this a failure)")
	}
	if testing.Short() && !required {
		t.Skip("the Wine test takes about a minute; not in -short mode")
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	exe := filepath.Join(t.TempDir(), "opadiag.exe")
	build := exec.CommandContext(ctx, goTool(t), "build", "-o", exe, "github.com/opadiag/opadiag")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the Windows exe: %v\n%s", err, out)
	}
	prefix := hookWinePrefix(ctx, t)
	env := append(os.Environ(), "WINEPREFIX="+prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=")
	outputs := t.TempDir()
	runWine := func(ctx context.Context, args ...string) (string, error) {
		// Output to a file, not a pipe: a wineserver started by this command would hold a pipe.
		out, err := os.CreateTemp(outputs, "wine-*")
		if err != nil {
			return "", err
		}
		defer out.Close()
		cmd := exec.CommandContext(ctx, "wine", args...)
		cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, nil, out, out
		err = cmd.Run()
		b, _ := os.ReadFile(out.Name())
		return string(b), err
	}
	wine := func(args ...string) string {
		t.Helper()
		out, err := runWine(ctx, args...)
		if err != nil {
			t.Fatalf("wine %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	// One wineserver for the whole test (a new one boots Wine's services again): a cmd.exe
	// waiting on its input keeps it.
	keep := exec.Command("wine", "cmd.exe")
	keep.Env = env
	keepIn, err := keep.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := keep.Start(); err != nil {
		t.Fatalf("start wine cmd.exe: %v", err)
	}
	t.Cleanup(func() {
		keepIn.Close()
		done := make(chan error, 1)
		go func() { done <- keep.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			keep.Process.Kill()
			<-done
		}
	})

	drive := filepath.Join(prefix, "drive_c")
	taskFile := filepath.Join(drive, "windows", "system32", "tasks", TaskName)
	ours := []string{filepath.Join(drive, "Program Files", "opadiag"), filepath.Join(drive, "ProgramData", "opadiag")}
	clean := func() {
		cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
		defer ccancel()
		runWine(cctx, "schtasks", "/Delete", "/TN", TaskName, "/F")
		runWine(cctx, "sc", "delete", wineHookService)
		for _, d := range ours {
			os.RemoveAll(d)
		}
	}
	clean() // left by an interrupted run
	t.Cleanup(clean)
	wine("sc", "create", wineHookService, "binPath=", `C:\windows\system32\notepad.exe`, "DisplayName=", "Celigo Agent (crash-hook test)")

	out := wine(exe, "crash-hook", "install")
	t.Logf("crash-hook install:\n%s", out)
	for _, want := range []string{`agent service ` + wineHookService, `wrote C:\Program Files\opadiag\opadiag.exe`,
		`\System32\schtasks.exe /Create /XML `, " /TN " + TaskName + " /F", "crash hook installed"} {
		if !strings.Contains(out, want) {
			t.Errorf("install did not say %q", want)
		}
	}
	if _, err := os.Stat(taskFile); err != nil {
		t.Errorf("Task Scheduler has no task: %v", err)
	}
	for _, f := range []string{"Program Files/opadiag/opadiag.exe", "ProgramData/opadiag/crash-hook.json"} {
		if _, err := os.Stat(filepath.Join(drive, filepath.FromSlash(f))); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if out := wine(exe, "crash-hook", "status"); !strings.Contains(out, "task:       "+TaskName+" (registered)") || !strings.Contains(out, "last capture: none") {
		t.Errorf("status:\n%s", out)
	}

	// What the task runs, twice: one bundle, then rate-limited.
	installed := `C:\Program Files\opadiag\opadiag.exe`
	out = wine(installed, "collect", "--trigger", "crash", "--quiet", "--no-network")
	if !strings.Contains(out, `bundle: C:\ProgramData\opadiag\crash\opadiag-`) {
		t.Errorf("capture:\n%s", out)
	}
	out = wine(installed, "collect", "--trigger", "crash", "--quiet", "--no-network")
	if !strings.Contains(out, "opadiag: warning: no bundle written: rate-limited") {
		t.Errorf("second capture:\n%s", out)
	}
	crashDir := filepath.Join(drive, "ProgramData", "opadiag", "crash")
	if zips, _ := filepath.Glob(filepath.Join(crashDir, "opadiag-*.zip")); len(zips) != 1 {
		t.Errorf("crash bundles %v, want one", zips)
	}
	if out := wine(exe, "crash-hook", "status"); !strings.Contains(out, "1 crash bundle(s)") || !strings.Contains(out, "last run:     ") {
		t.Errorf("status after captures:\n%s", out)
	}

	out = wine(exe, "crash-hook", "uninstall")
	t.Logf("crash-hook uninstall:\n%s", out)
	if !strings.Contains(out, `\System32\schtasks.exe /Delete /TN `+TaskName+" /F") || !strings.Contains(out, "crash hook removed") {
		t.Errorf("uninstall:\n%s", out)
	}
	if _, err := os.Stat(taskFile); err == nil {
		t.Error("the task is still registered after uninstall")
	}
	for _, f := range []string{"Program Files/opadiag", "ProgramData/opadiag/crash-hook.json"} {
		if _, err := os.Stat(filepath.Join(drive, filepath.FromSlash(f))); err == nil {
			t.Errorf("%s is still there after uninstall", f)
		}
	}
	if _, err := os.Stat(filepath.Join(crashDir, LogName)); err != nil {
		t.Errorf("uninstall removed the captures: %v", err)
	}
	if out := wine(exe, "crash-hook", "status"); !strings.Contains(out, "crash hook: not installed") {
		t.Errorf("status after uninstall:\n%s", out)
	}
	t.Logf("crash-hook under Wine: %s in all", time.Since(start).Round(time.Millisecond))
}

// hookWinePrefix returns a ready Wine prefix: $WINEPREFIX when it holds the Go runtime's
// bcryptprimitives.dll, else a new one made by .ci/wine/setup.sh.
func hookWinePrefix(ctx context.Context, t *testing.T) string {
	t.Helper()
	if p := os.Getenv("WINEPREFIX"); p != "" {
		if _, err := os.Stat(filepath.Join(p, "drive_c", "windows", "system32", "bcryptprimitives.dll")); err == nil {
			return p
		}
	}
	p := filepath.Join(t.TempDir(), "wine")
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("..", ".ci", "wine", "setup.sh"), p)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("prepare the Wine prefix: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		kill := exec.Command("wineserver", "-k")
		kill.Env = append(os.Environ(), "WINEPREFIX="+p)
		kill.Run()
	})
	return p
}
