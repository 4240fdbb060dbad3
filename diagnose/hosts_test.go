package diagnose

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/opadiag/opadiag/internal/winpath"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		text   string
		host   string
		target Target
	}{
		{"level=error, logname=heartbeatfailed, err=error: connect etimedout 72.44.45.92:443", "72.44.45.92:443", TargetIntegrator},
		{"[error] unable to reach https://api.eu.integrator.io", "api.eu.integrator.io", TargetIntegrator},
		{"level=info, logname=tunnelreadyforuse, host=agent-extension.integrator.io", "agent-extension.integrator.io", TargetTunnel},
		{"level=error, err=connect etimedout 3.212.10.4:22", "3.212.10.4:22", TargetOther},
		{"level=error, logname=requesttunnel, requesting tunnel failed error={\"address\":\"3.212.10.4\",\"port\":443}", "3.212.10.4:443", TargetTunnel},
		{"level=error, err=getaddrinfo eai_again db-prod.corp.local", "db-prod.corp.local", TargetDatabase},
		{"level=error, connection=server=sql01,1433;database=erp, err=login failed for user 'svc'", "sql01:1433", TargetDatabase},
		{"level=error, err=connect econnrefused [::1]:3306", "[::1]:3306", TargetDatabase},
		{"level=error, err=connect econnrefused ::1:5432", "[::1]:5432", TargetDatabase},
		{"level=error, url=https://erp.corp.local/api, status=500", "erp.corp.local", TargetOther},
		{"level=error, message=connection timeout", "", TargetUnknown},
		{"level=error, logname=query, message=connection timeout", "", TargetDatabase},
		{"level=error, err=getaddrinfo enotfound orange.corp.local", "orange.corp.local", TargetOther},
		{"level=error, logname=request, url=https://api.integrator.io/v1/exports, err=connect etimedout 3.3.3.3:443", "3.3.3.3:443", TargetIntegrator},
		{"level=error, logname=request, url=https://api.integrator.io/v1/exports, err=connect etimedout 10.0.0.5:1433", "10.0.0.5:1433", TargetDatabase},
	}
	for _, tt := range tests {
		h := classify([]byte(tt.text))
		if h.String() != tt.host || h.Target != tt.target {
			t.Errorf("classify(%q) = %q %s, want %q %s", tt.text, h.String(), h.Target, tt.host, tt.target)
		}
	}
}

func TestPaths(t *testing.T) {
	tests := []struct {
		p, base string
		tmp     bool
	}{
		{`C:\Users\tmp\AppData\Roaming\Agent\Settings`, "Settings", false},
		{`C:\Users\ops\AppData\Roaming\Agent\Settings-tmp`, "Settings-tmp", true},
		{`\\fileserver\tmp\Agent\Settings`, "Settings", false},
		{`C:/Users/ops/AppData/Roaming/Agent/settings.tmp`, "settings.tmp", true},
		{"/tmp/agent/Settings", "Settings", false},
		{"/root/.config/agent/Settings-tmp", "Settings-tmp", true},
		{"/root/.config/agent/tmp-Settings", "tmp-Settings", false},
	}
	for _, tt := range tests {
		if b := anyBase(tt.p); b != tt.base || settingsTmp(tt.p) != tt.tmp {
			t.Errorf("%s: base %q tmp %v, want %q %v", tt.p, b, settingsTmp(tt.p), tt.base, tt.tmp)
		}
	}
	if !winpath.Under(`c:\program files\celigo agent\agent.exe`, `C:\Program Files\Celigo Agent`, true) || winpath.Under("/opt/celigo-agent2/x", "/opt/celigo-agent", false) {
		t.Error("under")
	}
	if winpath.CommandLineBinary(`"C:\Program Files\Celigo Agent\agent.exe" --service`) != `C:\Program Files\Celigo Agent\agent.exe` {
		t.Error("commandBinary")
	}
}

// FuzzClassify feeds arbitrary entries to the host parser: nothing panics, and the host is a
// bounded, valid name.
func FuzzClassify(f *testing.F) {
	f.Add("level=error, logname=heartbeatfailed, err=error: getaddrinfo enotfound api.integrator.io")
	f.Add("jdbc:sqlserver://db01:1433;user=x (host=ora)(port=1521) hostname: 'a' address: '::1' port: 99999")
	f.Add("connect etimedout [fe80::1]:443 https://user:pw@x.y:80/z")
	f.Fuzz(func(t *testing.T, text string) {
		low := toLower(nil, []byte(text))
		h := classify(low)
		if len(h.Name) > maxHostLen || h.Port < 0 || h.Port > 65535 {
			t.Fatalf("host %+v", h)
		}
		if h.Name != "" && (!utf8.ValidString(h.Name) || strings.ContainsAny(h.Name, " \t\n\"'")) {
			t.Fatalf("host name %q", h.Name)
		}
		if h.Target > TargetOther {
			t.Fatalf("target %d", h.Target)
		}
	})
}
