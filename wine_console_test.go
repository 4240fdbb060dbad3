package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestWindowsConsoleUnderWine runs opadiag.exe as the ways Windows starts it that are not a
// person at a shell: with no arguments and stdin /dev/null or closed (a Scheduled Task, a
// shortcut, a service), with no arguments on a console whose window is not visible (Wine's
// console on a Unix terminal, as a hidden task's), started in C:\Windows\System32, and failing.
// None of these may wait for Enter; each leaves its bundle where the console says, or prints its
// error and hint. Colour is decided per stream, and /? and --version work.
//
// What Wine cannot show: a visible console window of the process's own (Wine has no window
// station here), so the double-click path itself (the prompt after the error, Explorer opened
// on the bundle) is tested with unit tests only (TestFailedRunErrorBeforePrompt,
// TestPauseAtExit, TestRevealCommandLine).
func TestWindowsConsoleUnderWine(t *testing.T) {
	requireWine(t)
	if _, err := exec.LookPath("script"); err != nil {
		t.Fatal("script (util-linux) is needed to give Wine a console: apt-get install bsdutils")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	built := buildWindowsExe(ctx, t)
	w := startWine(ctx, t, "OPADIAG_NO_NETWORK=1")

	// besideExe copies the exe into a folder of its own, the one Explorer starts it in.
	besideExe := func(t *testing.T) (dir, exe string) {
		dir = t.TempDir()
		exe = filepath.Join(dir, "opadiag.exe")
		b, err := os.ReadFile(built)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(exe, b, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir, exe
	}
	oneBundle := func(t *testing.T, dir string) {
		t.Helper()
		zips, _ := filepath.Glob(filepath.Join(dir, "opadiag-*.zip"))
		if len(zips) != 1 {
			t.Fatalf("bundles beside the exe: %v", zips)
		}
		if _, problems, err := verifyBundle(zips[0]); err != nil || len(problems) > 0 {
			t.Fatalf("the bundle does not verify: %v %v", err, problems)
		}
	}
	noPrompt := func(t *testing.T, out string) {
		t.Helper()
		if strings.Contains(flatten(out), "Press Enter") {
			t.Errorf("an unattended run asked for Enter:\n%s", out)
		}
	}

	// With no arguments, started in its own folder as Explorer does: it must finish without a
	// prompt and leave one bundle there. On a Unix terminal Wine gives the exe a console of its
	// own, with stdin on it, whose window is not visible: the one-process-on-the-console test
	// alone took that for a double-click and waited for Enter.
	for _, tc := range []struct {
		name string
		argv func(exe string) []string
	}{
		{"no arguments, stdin /dev/null", func(exe string) []string { return []string{"wine", exe} }},
		{"no arguments, stdin closed", func(exe string) []string { return []string{"sh", "-c", `exec wine "$0" <&-`, exe} }},
		{"no arguments, a console without a visible window", func(exe string) []string { return onTerminal("wine " + shellQuote(exe)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, exe := besideExe(t)
			out, err := w.command(ctx, dir, tc.argv(exe), nil)
			t.Logf("output:\n%s", out)
			if err != nil {
				t.Fatalf("opadiag.exe: %v", err)
			}
			noPrompt(t, out)
			oneBundle(t, dir)
		})
	}

	// A Scheduled Task or a service starts in C:\Windows\System32: the bundle goes to the
	// Desktop instead, and the console says so.
	t.Run("started in System32", func(t *testing.T) {
		_, exe := besideExe(t)
		sys32 := filepath.Join(w.prefix, "drive_c", "windows", "system32")
		before, _ := filepath.Glob(filepath.Join(sys32, "opadiag-*.zip"))
		out, err := w.command(ctx, sys32, []string{"wine", exe}, nil)
		t.Logf("output:\n%s", out)
		if err != nil {
			t.Fatalf("opadiag.exe: %v", err)
		}
		after, _ := filepath.Glob(filepath.Join(sys32, "opadiag-*.zip"))
		if len(after) != len(before) {
			t.Errorf("a bundle was written into System32: %v", after)
		}
		m := regexp.MustCompile(`bundle: (C:\\users\\[^\\]+\\Desktop\\(opadiag-[^\\\s]+\.zip))`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("the bundle did not go to the Desktop")
		}
		desktop := filepath.Join(w.prefix, "drive_c", "users", wineUser(t, w.prefix), "Desktop")
		bundle := filepath.Join(desktop, m[2])
		t.Cleanup(func() { os.Remove(bundle) })
		if _, err := os.Stat(bundle); err != nil {
			t.Fatalf("the bundle the console named: %v", err)
		}
		if !strings.Contains(out, `opadiag: warning: the current folder C:\windows\system32 is no place for a bundle: it is a Windows system folder; the bundle goes to your Desktop folder, C:\users\`) {
			t.Errorf("the console does not say why and where")
		}
		noPrompt(t, out)
	})

	// A run that fails prints its error and hint, and never a prompt before them.
	t.Run("failed run", func(t *testing.T) {
		dir, exe := besideExe(t)
		notDir := filepath.Join(dir, "not-a-folder")
		if err := os.WriteFile(notDir, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, argv := range [][]string{{"wine", exe}, onTerminal("wine " + shellQuote(exe))} {
			out, err := w.command(ctx, dir, argv, []string{`OPADIAG_OUTPUT=Z:` + strings.ReplaceAll(notDir, "/", `\`)})
			t.Logf("%s:\n%s", argv[0], out)
			flat := flatten(out)
			errAt, named, hintAt := strings.Index(flat, "opadiag: error: "), strings.Index(flat, "output folder Z:"+strings.ReplaceAll(notDir, "/", `\`)), strings.Index(flat, "opadiag: hint: ")
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Errorf("%s: exit %v, want 1", argv[0], err)
			}
			if errAt < 0 || named < errAt || hintAt < named {
				t.Errorf("%s: no error naming the folder as Windows writes it, then a hint", argv[0])
			}
			if p := strings.Index(flat, "Press Enter"); p >= 0 && p < hintAt {
				t.Errorf("%s: the prompt came before the error", argv[0])
			}
			noPrompt(t, out)
		}
	})

	// opadiag.exe > out.txt on a console: no escape codes in out.txt, colour still on the console.
	t.Run("colour per stream", func(t *testing.T) {
		dir, exe := besideExe(t)
		agent := filepath.Join(dir, "agent")
		writeFixture(t, filepath.Join(agent, "Settings"), `{"token":"abcdefgh12345678"}`)
		outFile := filepath.Join(dir, "out.txt")
		shell := "wine " + shellQuote(exe) + " collect --agent-dir " + shellQuote(`Z:`+strings.ReplaceAll(agent, "/", `\`)) +
			" --output " + shellQuote(`Z:`+strings.ReplaceAll(dir, "/", `\`)) + " > " + shellQuote(outFile)
		console, err := w.command(ctx, dir, onTerminal(shell), []string{"NO_COLOR="})
		if err != nil {
			t.Fatalf("opadiag.exe: %v\n%s", err, console)
		}
		b, err := os.ReadFile(outFile)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "bundle: ") || strings.Contains(string(b), "\x1b") {
			t.Errorf("out.txt must hold the results without escape codes:\n%q", b)
		}
		if !strings.Contains(console, "\x1b[32mok") {
			t.Errorf("no colour on the console's stderr:\n%q", console)
		}
	})

	// hash-token on a console answers at Enter. Reading to the end of input instead would wait
	// here until the deadline kills it: the input stays open.
	t.Run("hash-token on a console", func(t *testing.T) {
		hctx, hcancel := context.WithTimeout(ctx, time.Minute)
		defer hcancel()
		out, err := os.CreateTemp(t.TempDir(), "console-*")
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		argv := onTerminal("wine " + shellQuote(built) + " hash-token")
		cmd := exec.CommandContext(hctx, argv[0], argv[1:]...)
		cmd.Env, cmd.Stdout, cmd.Stderr = w.env, out, out
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Type the token once opadiag asks for it: typed earlier, the terminal would take the
		// Enter before Wine's console reads it.
		for !strings.Contains(flatten(readFile(t, out.Name())), "then press Enter") {
			if hctx.Err() != nil {
				t.Fatalf("no prompt:\n%s", readFile(t, out.Name()))
			}
			time.Sleep(100 * time.Millisecond)
		}
		if _, err := in.Write([]byte("abc\r")); err != nil {
			t.Fatal(err)
		}
		// The prompt can show a moment before Wine's console puts the terminal in raw mode: an
		// Enter typed in that moment reaches it as a line feed, which it keeps as a character
		// (the console shows "abc^J") and does not take for Enter. Press Enter again until
		// opadiag answers; the line it reads is still "abc" and whitespace.
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
	wait:
		for {
			select {
			case err = <-done:
				break wait
			case <-time.After(5 * time.Second):
				in.Write([]byte("\r"))
			}
		}
		got := readFile(t, out.Name())
		if err != nil || !strings.Contains(flatten(got), "sha256:ba7816bf8f01cfea") {
			t.Fatalf("hash-token on a console: %v\n%q", err, got)
		}
	})

	t.Run("help and version", func(t *testing.T) {
		for args, want := range map[string]string{"/?": "USAGE:", "-?": "USAGE:", "--version": "opadiag "} {
			out, err := w.run(ctx, "", built, args)
			if err != nil || !strings.Contains(out, want) {
				t.Errorf("opadiag.exe %s: %v\n%s", args, err, out)
			}
		}
	})
}

// onTerminal is the command that runs shell on a pseudo-terminal (util-linux script), where
// Wine gives a Windows program a console.
func onTerminal(shell string) []string {
	return []string{"script", "-qec", shell, "/dev/null"}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

var terminalCodes = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07`)

// flatten removes a terminal transcript's control sequences and line breaks (Wine's console
// wraps long lines), for searching text in it.
func flatten(s string) string {
	return strings.NewReplacer("\r", "", "\n", "").Replace(terminalCodes.ReplaceAllString(s, ""))
}
