package platform

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseSC(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		ok     bool
		apply  func(*ServiceDetail, SCOutput)
		want   ServiceDetail
		recovr *Recovery
	}{
		{name: "queryex running", file: "sc/queryex-running.txt", ok: true, apply: ApplySCQueryEx,
			want: ServiceDetail{State: ServiceRunning, RawState: "RUNNING", PID: 4312}},
		{name: "queryex stopped with exit code", file: "sc/queryex-stopped.txt", ok: true, apply: ApplySCQueryEx,
			want: ServiceDetail{State: ServiceStopped, RawState: "STOPPED", Win32ExitCode: 1067}},
		{name: "qc delayed", file: "sc/qc-delayed.txt", ok: true, apply: ApplySCQC,
			want: ServiceDetail{StartType: "Automatic (Delayed)", DisplayName: "Celigo Agent", Account: "LocalSystem",
				BinaryPath: `"C:\Program Files\Celigo Agent\resources\app.asar.unpacked\daemon\celigoagent.exe"`}},
		{name: "qc manual, per-user account", file: "sc/qc-manual.txt", ok: true, apply: ApplySCQC,
			want: ServiceDetail{StartType: "Manual", DisplayName: "Celigo Agent", Account: `.\ops`,
				BinaryPath: `C:\Users\ops\AppData\Local\Programs\celigo-agent\Celigo Agent.exe --service`}},
		{name: "qfailure", file: "sc/qfailure.txt", ok: true,
			recovr: &Recovery{ResetPeriodS: 86400, Actions: []RecoveryAction{{"restart", 60000}, {"restart", 60000}, {"restart", 120000}}}},
		{name: "service does not exist", file: "sc/error.txt", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, ok := ParseSC(open(t, tt.file))
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if tt.apply != nil {
				var d ServiceDetail
				tt.apply(&d, o)
				if !reflect.DeepEqual(d, tt.want) {
					t.Errorf("got %+v\nwant %+v", d, tt.want)
				}
			}
			if tt.recovr != nil {
				if got := ParseSCQFailure(o); !reflect.DeepEqual(got, tt.recovr) {
					t.Errorf("recovery = %+v, want %+v", got, tt.recovr)
				}
			}
		})
	}
}

func TestStartTypeName(t *testing.T) {
	tests := []struct {
		typ     uint32
		delayed bool
		want    string
		auto    bool
	}{
		{2, false, "Automatic", true},
		{2, true, "Automatic (Delayed)", true},
		{3, false, "Manual", false},
		{4, false, "Disabled", false},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := StartTypeName(tt.typ, tt.delayed)
			if got != tt.want {
				t.Errorf("StartTypeName = %q, want %q", got, tt.want)
			}
			if a := StartTypeAuto(got); a == nil || *a != tt.auto {
				t.Errorf("StartTypeAuto(%q) = %v, want %v", got, a, tt.auto)
			}
		})
	}
}

func TestMatchAgentService(t *testing.T) {
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
			if got := MatchAgentService(tt.key, tt.display); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
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

func TestParseEventsXML(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		want  []Event
		about []string // names the events must mention to be kept
		kept  int
	}{
		{
			name: "service control manager", file: "wevtutil/scm.xml", about: []string{"Celigo Agent", "celigoagent.exe"}, kept: 2,
			want: []Event{
				{Time: time.Date(2025, 7, 29, 3, 41, 55, 123456700, time.UTC), Log: "System", Provider: "Service Control Manager", ID: 7031, Level: "Error",
					Computer: "SRV-OPA01.corp.example", Message: "The Celigo Agent service terminated unexpectedly. It has done this 1 time(s). The following corrective action will be taken in 60000 milliseconds: Restart the service.",
					Data: []string{"Celigo Agent", "1", "60000", "1", "Restart the service", "63656C69676F6167656E742E657865"}},
				{Time: time.Date(2025, 7, 29, 3, 40, 1, 0, time.UTC), Log: "System", Provider: "Service Control Manager", ID: 7036, Level: "Information",
					Computer: "SRV-OPA01.corp.example", Message: "The Celigo Agent service entered the running state.", Data: []string{"Celigo Agent", "running"}},
				{Time: time.Date(2025, 7, 29, 3, 39, 0, 0, time.UTC), Log: "System", Provider: "Service Control Manager", ID: 7036, Level: "Information",
					Computer: "SRV-OPA01.corp.example", Message: "The Windows Update service entered the stopped state.", Data: []string{"Windows Update", "stopped"}},
			},
		},
		{
			name: "application errors, one without a message", file: "wevtutil/application.xml", kept: 2,
			want: []Event{
				{Time: time.Date(2025, 7, 29, 3, 41, 54, 900000000, time.UTC), Log: "Application", Provider: "Application Error", ID: 1000, Level: "Error",
					Computer: "SRV-OPA01.corp.example", Data: []string{"Celigo Agent.exe", "4.5.1.0", "64a0c1d2", "node.dll", "0xc0000409"}},
				{Time: time.Date(2025, 7, 28, 11, 0, 0, 0, time.UTC), Log: "Application", Provider: "MSSQLSERVER", ID: 18456, Level: "Error",
					Computer: "SRV-OPA01.corp.example", Message: "Login failed for user 'sa'. Reason: Password did not match that for the login provided. [CLIENT: 10.0.0.8]",
					Data: []string{"sa", "Reason: Password did not match. password=Hunter2! [CLIENT: 10.0.0.8]"}},
			},
		},
		{name: "empty (wine's wevtutil)", file: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var data []byte
			if tt.file != "" {
				var err error
				if data, err = os.ReadFile(filepath.Join("testdata", tt.file)); err != nil {
					t.Fatal(err)
				}
			}
			got, err := ParseEventsXML(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
			kept := 0
			for _, e := range got {
				if tt.about == nil || e.Mentions(tt.about) {
					kept++
				}
			}
			if kept != tt.kept {
				t.Errorf("%d events mention %v, want %d", kept, tt.about, tt.kept)
			}
		})
	}
}

func TestParseEventsXMLBroken(t *testing.T) {
	got, err := ParseEventsXML(strings.NewReader("<Event><System><EventID>7036</EventID></System></Event><Event><System>"))
	if err == nil {
		t.Fatal("no error for truncated XML")
	}
	if len(got) != 1 || got[0].ID != 7036 {
		t.Errorf("the complete event before the damage is lost: %+v", got)
	}
}

func TestParseEventsText(t *testing.T) {
	got, err := ParseEventsText(open(t, "wevtutil/scm.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d events, want 2: %+v", len(got), got)
	}
	e := got[0]
	if e.ID != 7031 || e.Provider != "Service Control Manager" || e.Level != "Error" || e.Log != "System" ||
		!strings.HasPrefix(e.Message, "The Celigo Agent service terminated unexpectedly.") || e.Time.IsZero() {
		t.Errorf("first event = %+v", e)
	}
	if got[1].ID != 7036 || got[1].Message != "The Celigo Agent service entered the running state." {
		t.Errorf("second event = %+v", got[1])
	}
}

func TestEventFormat(t *testing.T) {
	e := Event{Time: time.Date(2025, 7, 29, 3, 41, 55, 123456700, time.UTC), Log: "System", Provider: "Service Control Manager",
		ID: 7031, Level: "Error", Message: "The Celigo Agent service terminated unexpectedly."}
	want := "2025-07-29T03:41:55.123Z  Error       System  Service Control Manager  7031  The Celigo Agent service terminated unexpectedly."
	if got := e.Format(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	noMsg := Event{Provider: "Application Error", ID: 1000, Level: "Error", Data: []string{"a.exe", "1.0"}}
	if got := noMsg.Format(); !strings.HasSuffix(got, "1000  a.exe | 1.0") || !strings.HasPrefix(got, "unknown-time") {
		t.Errorf("got %q", got)
	}
}

func TestQueries(t *testing.T) {
	q := SCMQuery([]string{"celigoagent.exe", "Celigo Agent", "bad'name"}, 168*time.Hour)
	want := "*[System[Provider[@Name='Service Control Manager'] and (EventID=7000 or EventID=7009 or EventID=7023 or EventID=7031 or EventID=7034 or EventID=7036) and TimeCreated[timediff(@SystemTime) <= 604800000]] and EventData[Data='celigoagent.exe' or Data='Celigo Agent']]"
	if q != want {
		t.Errorf("SCMQuery:\n got %s\nwant %s", q, want)
	}
	if q := LevelQuery([]int{1, 2, 3}, time.Hour); q != "*[System[(Level=1 or Level=2 or Level=3) and TimeCreated[timediff(@SystemTime) <= 3600000]]]" {
		t.Errorf("LevelQuery = %s", q)
	}
	args := WevtutilArgs("System", "*", 50)
	if !reflect.DeepEqual(args, []string{"qe", "System", "/q:*", "/c:50", "/rd:true", "/f:RenderedXml"}) {
		t.Errorf("WevtutilArgs = %v", args)
	}
}

// parseRegQuery reads `reg query KEY /s` output into keys and their values, the way the
// registry API returns them (numbers in decimal).
func parseRegQuery(t *testing.T, name string) []RegistryKey {
	t.Helper()
	var out []RegistryKey
	sc := bufio.NewScanner(open(t, name))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, "HKEY_"):
			p := strings.Replace(strings.Replace(line, "HKEY_LOCAL_MACHINE", "HKLM", 1), "HKEY_USERS", "HKU", 1)
			out = append(out, RegistryKey{Path: p, Values: map[string]string{}})
		case strings.HasPrefix(line, "    ") && len(out) > 0:
			parts := strings.SplitN(strings.TrimSpace(line), "    ", 3)
			if len(parts) != 3 {
				continue
			}
			v := parts[2]
			if parts[1] == "REG_DWORD" {
				n, _ := strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 32)
				v = strconv.FormatUint(n, 10)
			}
			out[len(out)-1].Values[parts[0]] = v
		}
	}
	return out
}

func TestInstallFromUninstall(t *testing.T) {
	keys := parseRegQuery(t, "reg/uninstall.txt")
	if len(keys) != 3 {
		t.Fatalf("%d keys", len(keys))
	}
	var got []Install
	for _, k := range keys {
		if in, ok := InstallFromUninstall(k); ok {
			got = append(got, in)
		}
	}
	want := []Install{
		{Source: "registry", Where: `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{6F1B4A2E-0C3D-4B7A-9E21-5D8C7A3B1F00}_is1`,
			DisplayName: "Celigo Agent 4.5.1", Version: "4.5.1", Dir: `C:\Program Files\Celigo Agent`, InstallDate: "2025-06-12",
			Scope: "all-users", Publisher: "Celigo, Inc."},
		{Source: "registry", Where: `HKU\S-1-5-21-3623811015-3361044348-30300820-1013\Software\Microsoft\Windows\CurrentVersion\Uninstall\3c9b3b10-1d52-5c4e-a2b2-1f2d2b0c9a11`,
			DisplayName: "integrator.io On-Premise Agent 3.6.2", Version: "3.6.2", Dir: `C:\Users\ops\AppData\Local\Programs\celigo-agent`,
			Scope: "per-user", User: "S-1-5-21-3623811015-3361044348-30300820-1013", Publisher: "Celigo"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParsePackageJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		version string
		wantErr bool
	}{
		{"plain", `{"name":"celigo-agent","productName":"Celigo Agent","version":"4.5.1"}`, "4.5.1", false},
		{"bom", "\ufeff{\"version\":\"3.7.0\"}", "3.7.0", false},
		{"no version", `{"name":"x"}`, "", true},
		{"not json", `nope`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePackageJSON([]byte(tt.in))
			if (err != nil) != tt.wantErr || p.Version != tt.version {
				t.Errorf("got %+v, %v", p, err)
			}
		})
	}
}

// makeAsar builds an app.asar holding files.
func makeAsar(t testing.TB, files map[string]string) []byte {
	t.Helper()
	type entry struct {
		Size   int64  `json:"size"`
		Offset string `json:"offset"`
	}
	entries := map[string]any{}
	var data bytes.Buffer
	for name, content := range files {
		e := entry{Size: int64(len(content)), Offset: strconv.Itoa(data.Len())}
		data.WriteString(content)
		parts := strings.Split(name, "/")
		dir := entries
		for _, p := range parts[:len(parts)-1] {
			sub, ok := dir[p].(map[string]any)
			if !ok {
				sub = map[string]any{"files": map[string]any{}}
				dir[p] = sub
			}
			dir = sub["files"].(map[string]any)
		}
		dir[parts[len(parts)-1]] = e
	}
	hdr, err := json.Marshal(map[string]any{"files": entries})
	if err != nil {
		t.Fatal(err)
	}
	pad := (4 - len(hdr)%4) % 4
	pickle := make([]byte, 8+len(hdr)+pad)
	binary.LittleEndian.PutUint32(pickle[0:], uint32(4+len(hdr)+pad))
	binary.LittleEndian.PutUint32(pickle[4:], uint32(len(hdr)))
	copy(pickle[8:], hdr)
	var out bytes.Buffer
	var size [8]byte
	binary.LittleEndian.PutUint32(size[0:], 4)
	binary.LittleEndian.PutUint32(size[4:], uint32(len(pickle)))
	out.Write(size[:])
	out.Write(pickle)
	out.Write(data.Bytes())
	return out.Bytes()
}

func TestAsarFile(t *testing.T) {
	asar := makeAsar(t, map[string]string{
		"package.json":    `{"name":"celigo-agent","version":"4.5.1"}`,
		"dist/main.js":    "console.log(1)",
		"node_modules/x/": "",
	})
	tests := []struct {
		name    string
		file    string
		limit   int64
		want    string
		wantErr bool
	}{
		{"top level", "package.json", 1 << 20, `{"name":"celigo-agent","version":"4.5.1"}`, false},
		{"nested", "dist/main.js", 1 << 20, "console.log(1)", false},
		{"missing", "nope.json", 1 << 20, "", true},
		{"folder", "dist", 1 << 20, "", true},
		{"over the limit", "package.json", 4, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AsarFile(bytes.NewReader(asar), tt.file, tt.limit)
			if (err != nil) != tt.wantErr || string(got) != tt.want {
				t.Errorf("got %q, %v", got, err)
			}
		})
	}
	if _, err := AsarFile(bytes.NewReader([]byte("PK\x03\x04 not an asar at all")), "package.json", 100); err == nil {
		t.Error("no error for a file that is not an asar")
	}
}

func FuzzParseEventsXML(f *testing.F) {
	for _, name := range []string{"wevtutil/scm.xml", "wevtutil/application.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, _ := ParseEventsXML(bytes.NewReader(b))
		for _, e := range evs {
			_ = e.Format()
		}
		_, _ = ParseEventsText(bytes.NewReader(b))
	})
}

func FuzzParseSC(f *testing.F) {
	for _, name := range []string{"sc/qc-delayed.txt", "sc/qfailure.txt", "sc/queryex-running.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, _ := ParseSC(strings.NewReader(s))
		var d ServiceDetail
		ApplySCQueryEx(&d, o)
		ApplySCQC(&d, o)
		_ = ParseSCQFailure(o)
	})
}

func FuzzAsarFile(f *testing.F) {
	f.Add(makeAsar(f, map[string]string{"package.json": `{"version":"1.0.0"}`}))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = AsarFile(bytes.NewReader(b), "package.json", 1<<20)
	})
}
