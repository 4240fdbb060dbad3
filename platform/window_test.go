package platform

import "testing"

func TestConsoleStateOwnWindow(t *testing.T) {
	// Double-clicked in Explorer: a visible console of its own, in the user's session, with the
	// console as stdin, started by explorer.exe.
	clicked := ConsoleState{Processes: 1, Window: true, Visible: true, Session: 1, StdinConsole: true, Parent: "explorer.exe"}
	tests := []struct {
		name string
		edit func(*ConsoleState)
		want bool
	}{
		{name: "double-click", edit: func(*ConsoleState) {}, want: true},
		{name: "parent unknown (Explorer restarted since)", edit: func(s *ConsoleState) { s.Parent = "" }, want: true},
		{name: "parent name in capitals", edit: func(s *ConsoleState) { s.Parent = "Explorer.EXE" }, want: true},
		{name: "from cmd or PowerShell: a shell shares the console", edit: func(s *ConsoleState) { s.Processes = 2 }, want: false},
		{name: "no console at all", edit: func(s *ConsoleState) { *s = ConsoleState{} }, want: false},
		{name: "no console window (pseudo-console, detached)", edit: func(s *ConsoleState) { s.Window, s.Visible = false, false }, want: false},
		{name: "hidden window (task run hidden)", edit: func(s *ConsoleState) { s.Visible = false }, want: false},
		{name: "session 0 (service, SYSTEM task)", edit: func(s *ConsoleState) { s.Session = 0 }, want: false},
		{name: "stdin redirected or closed", edit: func(s *ConsoleState) { s.StdinConsole = false }, want: false},
		{name: "Scheduled Task in the user's session", edit: func(s *ConsoleState) { s.Parent = "svchost.exe" }, want: false},
		{name: "Task Scheduler engine (2008 R2)", edit: func(s *ConsoleState) { s.Parent = "taskeng.exe" }, want: false},
		{name: "task host", edit: func(s *ConsoleState) { s.Parent = "TaskHostW.exe" }, want: false},
		{name: "service manager", edit: func(s *ConsoleState) { s.Parent = "services.exe" }, want: false},
		{name: "PowerShell remoting", edit: func(s *ConsoleState) { s.Parent = "wsmprovhost.exe" }, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := clicked
			tt.edit(&s)
			if got := s.OwnWindow(); got != tt.want {
				t.Errorf("%+v.OwnWindow() = %v, want %v", s, got, tt.want)
			}
		})
	}
}

func TestRevealCommandLine(t *testing.T) {
	tests := []struct {
		name, path, want string
		err              bool
	}{
		{name: "plain", path: `C:\Users\me\opadiag-h-20260101T000000Z.zip`,
			want: `"C:\Windows\explorer.exe" /select,"C:\Users\me\opadiag-h-20260101T000000Z.zip"`},
		// Only the path is quoted: a quoted "/select,C:\Users\John Doe\…" opens Documents.
		{name: "spaces", path: `C:\Users\John Doe\Desktop\opadiag-h.zip`,
			want: `"C:\Windows\explorer.exe" /select,"C:\Users\John Doe\Desktop\opadiag-h.zip"`},
		{name: "non-ASCII", path: `C:\Users\Jürgen Müller\opadiag-h.zip`,
			want: `"C:\Windows\explorer.exe" /select,"C:\Users\Jürgen Müller\opadiag-h.zip"`},
		{name: "UNC", path: `\\server\share\opadiag-h.zip`, want: `"C:\Windows\explorer.exe" /select,"\\server\share\opadiag-h.zip"`},
		{name: "a quote cannot be passed", path: `C:\a"b.zip`, err: true},
		{name: "a line break cannot be passed", path: "C:\\a\nb.zip", err: true},
		{name: "empty", path: "", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := revealCommandLine(`C:\Windows\explorer.exe`, tt.path)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("revealCommandLine(%q) = %q, %v; want %q (error %v)", tt.path, got, err, tt.want, tt.err)
			}
		})
	}
}
