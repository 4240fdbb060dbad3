package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/opadiag/opadiag/platform"
)

// What a person at a console needs of opadiag beyond its commands: Windows' ways of asking for
// help, a double-clicked window that stays open until its message was read, and a token typed
// at a prompt.

// normalizeArgs maps the ways Windows users ask for help and the version onto opadiag's own
// before the command line is parsed: /? and -? anywhere (before a "--") are --help, and a first
// argument --version is the version command.
func normalizeArgs(args []string) []string {
	out := append([]string(nil), args...)
	for i := 1; i < len(out); i++ {
		if out[i] == "--" {
			break
		}
		if out[i] == "/?" || out[i] == "-?" {
			out[i] = "--help"
		}
	}
	if len(out) > 1 && out[1] == "--version" {
		out[1] = "version"
	}
	return out
}

// doubleClicked reports whether a person started opadiag from Explorer: no arguments, and a
// visible console window of its own that closes as soon as opadiag exits (see
// platform.ConsoleState.OwnWindow: never a Scheduled Task, a service, session 0 or a redirected
// or closed stdin).
func doubleClicked(args []string, con platform.ConsoleState) bool {
	return len(args) <= 1 && con.OwnWindow()
}

// pauseAtExit reports whether opadiag waits for Enter before exiting: when double-clicked, unless
// the environment makes the run a crash capture, which never prompts.
func pauseAtExit(args []string, getenv func(string) string, con platform.ConsoleState) bool {
	return doubleClicked(args, con) && !strings.EqualFold(strings.TrimSpace(getenv("OPADIAG_TRIGGER")), "crash")
}

// finish prints err (the error, then its hint) and returns the exit code; when pause is set it
// then waits for Enter, so a double-clicked window shows why the run failed before it closes.
func finish(err error, pause bool, stdin io.Reader, stderr io.Writer) int {
	code := exitCode(err, stderr)
	if pause {
		waitForEnter(stdin, stderr)
	}
	return code
}

// waitForEnter keeps a double-clicked console window open until the user presses Enter (or the
// console's input ends). The prompt goes to stderr: stdout carries results only.
func waitForEnter(stdin io.Reader, w io.Writer) {
	fmt.Fprint(w, "\nPress Enter to close this window.")
	_, _ = bufio.NewReader(stdin).ReadString('\n')
}

// maxTokenInput bounds what hash-token reads: a token is a few dozen bytes.
const maxTokenInput = 1 << 20

// readToken reads the token hash-token is given on stdin. From a console it reads one line: the
// user pastes the token and presses Enter, and opadiag answers at once (reading to the end of
// input would wait for Ctrl-Z or Ctrl-D, which nobody types). From a pipe or a file it reads to
// the end: one final line break is how the token was written (echo, Get-Content) and is dropped;
// any other line break is a usage error, since a token is one line and the hash of a whole file
// would only mislead.
func readToken(r io.Reader, console bool) (string, error) {
	lr := io.LimitReader(r, maxTokenInput+1)
	var data []byte
	var err error
	if console {
		var line string
		line, err = bufio.NewReader(lr).ReadString('\n')
		data = []byte(line)
	} else {
		data, err = io.ReadAll(lr)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the token from stdin: %w", err)
	}
	if len(data) > maxTokenInput {
		return "", usagef("pass the token alone, as an argument or on stdin", "stdin holds more than %d bytes: that is not a token", maxTokenInput)
	}
	token := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
	lines := strings.ReplaceAll(strings.ReplaceAll(token, "\r\n", "\n"), "\r", "\n")
	if n := strings.Count(lines, "\n"); n > 0 {
		return "", usagef("pass the token alone, on one line", "stdin holds %d lines: a token is one line", n+1)
	}
	return token, nil
}

// colorOK reports whether w is a terminal that shows colours. Each stream is asked on its own:
// `opadiag > out.txt` on a console gets colour on the console and none in out.txt.
func colorOK(w io.Writer, plat platform.Platform) bool {
	f, ok := w.(*os.File)
	return ok && plat.ColorTerminal(f)
}
