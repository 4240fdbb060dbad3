package agent

import "testing"

func TestMatchService(t *testing.T) {
	tests := []struct {
		name, key, display string
		want               bool
	}{
		{"display name", "agentsvc", "Celigo Agent", true},
		{"node-windows key", "celigoagent.exe", "Some Agent", true},
		{"display contains, any case", "opa", "CELIGO on-premise agent", true},
		{"other agent", "ssh-agent", "OpenSSH Authentication Agent", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchService(tt.key, tt.display); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
