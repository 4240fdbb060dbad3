package manifest

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func minimal() *Manifest {
	return &Manifest{
		Schema: SchemaID, Tool: Tool{Name: "opadiag", Version: "test"}, Created: time.Date(2025, 7, 29, 12, 0, 0, 0, time.UTC),
		Invocation: Invocation{Trigger: "manual"}, Discovery: Discovery{Method: "discovered"},
	}
}

func TestSchemaServiceAndSystem(t *testing.T) {
	b := true
	n := 3
	now := time.Date(2025, 7, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		edit    func(m *Manifest)
		wantErr string
	}{
		{name: "empty sections", edit: func(m *Manifest) {}},
		{name: "full sections", edit: func(m *Manifest) {
			m.Host = Host{Hostname: "h", OS: "linux", Arch: "amd64", OSName: "Ubuntu 22.04.4 LTS", Elevated: true, AgentVersion: "4.5.1",
				AgentVersionSource: "registry HKLM", ServiceState: "running", ServiceStartType: "Automatic", Instances: 1}
			m.Invocation.Denied = []Denied{{Collector: "system", What: "/var/log/syslog", Error: "permission denied", Hint: "run opadiag again as root"}}
			m.Service = Service{Manager: "scm", Available: true, Services: []AgentService{{
				Name: "celigoagent.exe", Found: true, State: "running", AutoStart: &b, Restarts: &n,
				Recovery: &Recovery{Actions: []RecoveryAction{{Type: "restart", DelayMS: 60000}}},
				Journal:  &JournalSummary{Path: "service/x/journal.txt", First: &now, Last: &now},
			}}, Installs: []Install{{Source: "registry", Scope: "per-user"}}, Events: []EventCount{{Log: "System", ID: 7031, Count: 1, Last: &now}}}
			m.System = System{
				OS: OSFacts{Name: "Windows Server 2012 R2", BootTime: &now, Containerized: &b, OSRelease: map[string]string{"ID": "x"},
					Cloud: Cloud{Provider: "aws", InstanceType: "t3.micro"}, Path: &WindowsPath{Machine: PathFacts{Entries: []string{`C:\Windows`}}}},
				Resources: Resources{MemoryTotal: 1 << 30, Load: []float64{0.5, 0.25, 0.1}, Disks: []Disk{{Purpose: "output", Path: "/tmp", Error: "x"}}},
				Processes: Processes{Total: 80, Instances: 1, Agent: []Process{{PID: 1, Mode: "service", Started: &now, OpenFiles: &Limit{Soft: "1024", Hard: "4096"}}}},
				OOM:       []LogLine{{Path: "system/dmesg.txt", Line: 3, Time: &now, Text: "Out of memory"}},
			}
		}},
		{name: "unknown service state", wantErr: "state", edit: func(m *Manifest) {
			m.Service.Services = []AgentService{{Name: "x", State: "sleeping"}}
		}},
		{name: "unknown process mode", wantErr: "mode", edit: func(m *Manifest) {
			m.System.Processes.Agent = []Process{{PID: 1, Mode: "daemon"}}
		}},
		{name: "unknown install scope", wantErr: "scope", edit: func(m *Manifest) {
			m.Service.Installs = []Install{{Source: "registry", Scope: "machine"}}
		}},
		{name: "bad headline state", wantErr: "service_state", edit: func(m *Manifest) { m.Host.ServiceState = "up" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := minimal()
			tt.edit(m)
			var buf bytes.Buffer
			if err := Encode(&buf, m); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(buf.Bytes(), []byte(": null,\n")) && tt.name == "empty sections" {
				// Nullable fields are allowed; arrays must never be null.
				for _, l := range strings.Split(buf.String(), "\n") {
					for _, arr := range []string{`"services"`, `"installs"`, `"events"`, `"agent"`, `"disks"`, `"oom"`, `"denied"`, `"errors"`} {
						if strings.HasPrefix(strings.TrimSpace(l), arr+": null") {
							t.Errorf("null array: %s", l)
						}
					}
				}
			}
			err := Validate(buf.Bytes())
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("does not validate: %v\n%s", err, buf.String())
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error = %v, want one about %s", err, tt.wantErr)
			}
		})
	}
}
