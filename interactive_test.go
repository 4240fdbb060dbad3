package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/opadiag/opadiag/platform"
)

func TestNormalizeArgs(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{name: "none", in: []string{"opadiag"}, want: []string{"opadiag"}},
		{name: "/?", in: []string{"opadiag", "/?"}, want: []string{"opadiag", "--help"}},
		{name: "-?", in: []string{"opadiag", "-?"}, want: []string{"opadiag", "--help"}},
		{name: "command /?", in: []string{"opadiag", "collect", "/?"}, want: []string{"opadiag", "collect", "--help"}},
		{name: "--version", in: []string{"opadiag", "--version"}, want: []string{"opadiag", "version"}},
		{name: "--version later is a flag", in: []string{"opadiag", "collect", "--version"}, want: []string{"opadiag", "collect", "--version"}},
		{name: "after --", in: []string{"opadiag", "hash-token", "--", "/?"}, want: []string{"opadiag", "hash-token", "--", "/?"}},
		{name: "a value containing /?", in: []string{"opadiag", "collect", "--output", `C:\a/?b`}, want: []string{"opadiag", "collect", "--output", `C:\a/?b`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]string(nil), tt.in...)
			if got := normalizeArgs(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("normalizeArgs(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !reflect.DeepEqual(in, tt.in) {
				t.Errorf("normalizeArgs changed its argument: %q", tt.in)
			}
		})
	}
}

// TestHelpAndVersionForms: every way a Windows or Unix user asks for help or the version works,
// exits 0 and prints to stdout.
func TestHelpAndVersionForms(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"/?"}, "opadiag [command] [flags]"},
		{[]string{"-?"}, "opadiag [command] [flags]"},
		{[]string{"-h"}, "opadiag [command] [flags]"},
		{[]string{"--help"}, "opadiag [command] [flags]"},
		{[]string{"help"}, "opadiag [command] [flags]"},
		{[]string{"collect", "/?"}, "--output"},
		{[]string{"collect", "-?"}, "--output"},
		{[]string{"hash-token", "/?"}, "opadiag hash-token [TOKEN]"},
		{[]string{"--version"}, "opadiag "},
		{[]string{"version"}, "opadiag "},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"opadiag"}, tt.args...), strings.NewReader(""), &stdout, &stderr)
			if code := exitCode(err, &stderr); code != 0 {
				t.Fatalf("exit %d\nstderr: %s", code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.want) {
				t.Errorf("stdout lacks %q:\n%s", tt.want, stdout.String())
			}
		})
	}
}

func TestPauseAtExit(t *testing.T) {
	clicked := platform.ConsoleState{Processes: 1, Window: true, Visible: true, Session: 1, StdinConsole: true, Parent: "explorer.exe"}
	env := func(trigger string) func(string) string {
		return func(k string) string {
			if k == "OPADIAG_TRIGGER" {
				return trigger
			}
			return ""
		}
	}
	tests := []struct {
		name    string
		args    []string
		trigger string
		con     platform.ConsoleState
		want    bool
	}{
		{name: "double-click", args: []string{`C:\opadiag.exe`}, con: clicked, want: true},
		{name: "with arguments", args: []string{`C:\opadiag.exe`, "collect"}, con: clicked},
		{name: "from a shell", args: []string{`C:\opadiag.exe`}, con: platform.ConsoleState{Processes: 2, Window: true, Visible: true, Session: 1, StdinConsole: true}},
		{name: "Scheduled Task or shortcut run hidden", args: []string{`C:\opadiag.exe`}, con: platform.ConsoleState{Processes: 1, Window: true, Session: 1, StdinConsole: true}},
		{name: "Scheduled Task in the user's session", args: []string{`C:\opadiag.exe`}, con: platform.ConsoleState{Processes: 1, Window: true, Visible: true, Session: 1, StdinConsole: true, Parent: "svchost.exe"}},
		{name: "service", args: []string{`C:\opadiag.exe`}, con: platform.ConsoleState{Processes: 1, Window: true, Visible: true, StdinConsole: true}},
		{name: "stdin closed", args: []string{`C:\opadiag.exe`}, con: platform.ConsoleState{Processes: 1, Window: true, Visible: true, Session: 1}},
		{name: "Linux", args: []string{"opadiag"}},
		{name: "crash trigger from the environment", args: []string{`C:\opadiag.exe`}, trigger: " Crash ", con: clicked},
		{name: "manual trigger from the environment", args: []string{`C:\opadiag.exe`}, trigger: "manual", con: clicked, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pauseAtExit(tt.args, env(tt.trigger), tt.con); got != tt.want {
				t.Errorf("pauseAtExit = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestFailedRunErrorBeforePrompt: a double-clicked run that fails shows its error and hint, and
// only then asks for Enter; the window closes after Enter, not before the message was seen.
func TestFailedRunErrorBeforePrompt(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "Settings"), []byte(`{"token":"abcdefgh12345678"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, pause := range []bool{true, false} {
		var screen bytes.Buffer // stdout and stderr on one console window
		stdin := &readsOnce{data: "\r\n"}
		err := run(context.Background(), []string{"opadiag", "collect", "--output", notDir, "--agent-dir", home, "--no-network"}, stdin, &screen, &screen)
		if stdin.reads != 0 {
			t.Fatalf("the run read stdin before reporting")
		}
		code := finish(err, pause, stdin, &screen)
		s := screen.String()
		errAt, hintAt, promptAt := strings.Index(s, "opadiag: error: "), strings.Index(s, "opadiag: hint: "), strings.Index(s, "Press Enter to close this window.")
		if code != 1 || errAt < 0 || hintAt < errAt {
			t.Fatalf("pause %v: exit %d, screen:\n%s", pause, code, s)
		}
		if !strings.Contains(s, notDir) {
			t.Errorf("the error does not name the folder:\n%s", s)
		}
		switch {
		case pause && (promptAt < hintAt || stdin.reads != 1):
			t.Errorf("the prompt must follow the error and hint, then Enter is read once (reads %d):\n%s", stdin.reads, s)
		case !pause && (promptAt >= 0 || stdin.reads != 0):
			t.Errorf("no prompt and no read without a double-click (reads %d):\n%s", stdin.reads, s)
		}
	}
}

// readsOnce hands out data on its first Read and fails any later one: a run that reads stdin
// more than once (to the end of input) would block on a real console.
type readsOnce struct {
	data  string
	reads int
}

func (r *readsOnce) Read(p []byte) (int, error) {
	r.reads++
	if r.reads > 1 {
		return 0, errors.New("read past the first line: a console would block here")
	}
	return copy(p, r.data), nil
}

func TestReadToken(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		console bool
		want    string
		err     string
	}{
		{name: "console line", in: "abc\r\n", console: true, want: "abc"},
		{name: "console LF", in: "abc\n", console: true, want: "abc"},
		{name: "console input ended without Enter", in: "abc", console: true, want: "abc"},
		{name: "console keeps spaces", in: " abc \r\n", console: true, want: " abc "},
		{name: "pipe", in: "abc\n", want: "abc"},
		{name: "pipe CRLF (cmd echo, PowerShell)", in: "abc\r\n", want: "abc"},
		{name: "pipe without line break", in: "abc", want: "abc"},
		{name: "pipe of two lines", in: "abc\ndef\n", err: "stdin holds 2 lines"},
		{name: "pipe with a blank line", in: "abc\n\n", err: "stdin holds 2 lines"},
		{name: "pipe with a CR inside", in: "abc\rdef", err: "stdin holds 2 lines"},
		{name: "pipe too large", in: strings.Repeat("a", maxTokenInput+1), err: "more than"},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r io.Reader = strings.NewReader(tt.in)
			if tt.console && strings.HasSuffix(tt.in, "\n") {
				r = &readsOnce{data: tt.in} // a console hands out one line per read
			}
			got, err := readToken(r, tt.console)
			if tt.err != "" {
				var ue *usageError
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &ue) {
					t.Fatalf("readToken = %q, %v; want usage error %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("readToken = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestMessagesShowPathsAsGiven: a Windows path in a message keeps single backslashes.
func TestMessagesShowPathsAsGiven(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"opadiag", "collect", "--agent-dir", `C:\no\such`}, strings.NewReader(""), &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 2 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), `--agent-dir "C:\no\such" is not a folder`) {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// TestColorOK: colour is never decided for a stream that is not a terminal: a file (opadiag >
// out.txt) or a buffer.
func TestColorOK(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	plat := platform.Current()
	if colorOK(f, plat) || colorOK(&bytes.Buffer{}, plat) {
		t.Errorf("colour on a file or a buffer")
	}
}
