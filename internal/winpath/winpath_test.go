package winpath

import "testing"

func TestUnder(t *testing.T) {
	tests := []struct {
		p, dir string
		fold   bool
		want   bool
	}{
		{"/opt/celigo/agent", "/opt/celigo", false, true},
		{"/opt/celigo", "/opt/celigo/", false, true},
		{"/opt/celigo-old/agent", "/opt/celigo", false, false},
		{"/OPT/celigo/agent", "/opt/celigo", false, false},
		{`C:\Program Files\Celigo\agent.exe`, `c:/program files/celigo`, true, true},
		{`C:\Program Files\Celigo Old\agent.exe`, `C:\Program Files\Celigo`, true, false},
		{"", "/opt", false, false},
		{"/opt", "", false, false},
	}
	for _, tt := range tests {
		if got := Under(tt.p, tt.dir, tt.fold); got != tt.want {
			t.Errorf("Under(%q, %q, %v) = %v, want %v", tt.p, tt.dir, tt.fold, got, tt.want)
		}
	}
}

func TestCommandLineBinary(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"C:\Program Files\Celigo Agent\Celigo Agent.exe" --service`, `C:\Program Files\Celigo Agent\Celigo Agent.exe`},
		{`C:\Program Files\Celigo Agent\Celigo Agent.exe --service`, `C:\Program Files\Celigo Agent\Celigo Agent.exe`},
		{`C:\agent\agent.EXE`, `C:\agent\agent.EXE`},
		{`"unterminated`, `unterminated`},
		{``, ``},
	}
	for _, tt := range tests {
		if got := CommandLineBinary(tt.in); got != tt.want {
			t.Errorf("CommandLineBinary(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
