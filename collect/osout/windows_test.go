package osout

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/platform"
)

func TestParseSC(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		ok     bool
		apply  func(*platform.ServiceDetail, SCOutput)
		want   platform.ServiceDetail
		recovr *platform.Recovery
	}{
		{name: "queryex running", file: "sc/queryex-running.txt", ok: true, apply: ApplySCQueryEx,
			want: platform.ServiceDetail{State: platform.ServiceRunning, RawState: "RUNNING", PID: 4312}},
		{name: "queryex stopped with exit code", file: "sc/queryex-stopped.txt", ok: true, apply: ApplySCQueryEx,
			want: platform.ServiceDetail{State: platform.ServiceStopped, RawState: "STOPPED", Win32ExitCode: 1067}},
		{name: "qc delayed", file: "sc/qc-delayed.txt", ok: true, apply: ApplySCQC,
			want: platform.ServiceDetail{StartType: "Automatic (Delayed)", DisplayName: "Celigo Agent", Account: "LocalSystem",
				BinaryPath: `"C:\Program Files\Celigo Agent\resources\app.asar.unpacked\daemon\celigoagent.exe"`}},
		{name: "qc manual, per-user account", file: "sc/qc-manual.txt", ok: true, apply: ApplySCQC,
			want: platform.ServiceDetail{StartType: "Manual", DisplayName: "Celigo Agent", Account: `.\ops`,
				BinaryPath: `C:\Users\ops\AppData\Local\Programs\celigo-agent\Celigo Agent.exe --service`}},
		{name: "qfailure", file: "sc/qfailure.txt", ok: true,
			recovr: &platform.Recovery{ResetPeriodS: 86400, Actions: []platform.RecoveryAction{{Type: "restart", DelayMS: 60000}, {Type: "restart", DelayMS: 60000}, {Type: "restart", DelayMS: 120000}}}},
		{name: "service does not exist", file: "sc/error.txt", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, ok := ParseSC(open(t, tt.file))
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if tt.apply != nil {
				var d platform.ServiceDetail
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
		var d platform.ServiceDetail
		ApplySCQueryEx(&d, o)
		ApplySCQC(&d, o)
		_ = ParseSCQFailure(o)
	})
}
