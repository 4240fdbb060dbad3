package collect

import (
	"archive/zip"
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/platform"
)

// TestRunOnThisMachine makes a real bundle on the machine the tests run on, which has no agent
// (and, in CI containers, no systemd): the service state of both unit names is recorded as not
// found or no systemd, not as a failure, beside OS facts, processes and resources.
func TestRunOnThisMachine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Linux acceptance run; Windows runs under Wine in TestWindowsUnderWine")
	}
	res, err := Run(context.Background(), Options{
		OutputDir: t.TempDir(), Since: time.Hour, MaxFileSize: 1 << 20, MaxTotalSize: 64 << 20,
		NoNetwork:    true, // tests never probe integrator.io
		ProbeTimeout: time.Second, Trigger: "manual", Tool: manifest.Tool{Name: "opadiag", Version: "test"},
		Platform: platform.Current(), System: platform.Current(), Clock: SystemClock{},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := verified(t, res.Path)
	for _, c := range m.Collectors {
		t.Logf("collector %-8s %-8s %4dms %v", c.Name, c.Status, c.DurationMS, c.Problems)
		if (c.Name == "service" || c.Name == "system") && (c.Status == manifest.StatusFailed || c.Status == manifest.StatusTimeout) {
			t.Errorf("collector %s: %+v", c.Name, c)
		}
	}
	for _, a := range m.Absent {
		if a.Name == "service" || a.Name == "system" {
			t.Errorf("%s is still listed as absent", a.Name)
		}
	}
	states := map[string]string{}
	for _, s := range m.Service.Services {
		states[s.Name] = s.State
	}
	for _, name := range guideUnits {
		if st := states[name]; st != "not_found" && st != "no_systemd" {
			t.Errorf("%s: state %q, want not_found or no_systemd (services: %+v)", name, st, m.Service.Services)
		}
	}
	if m.Host.ServiceState != "not_found" && m.Host.ServiceState != "no_systemd" {
		t.Errorf("host service state = %q", m.Host.ServiceState)
	}
	if m.System.OS.Name == "" || m.System.OS.Kernel == "" || m.Host.OSName == "" {
		t.Errorf("os = %+v", m.System.OS)
	}
	if m.System.Processes.Total == 0 || m.System.Resources.MemoryTotal == 0 || m.System.Resources.CPUs == 0 || len(m.System.Resources.Disks) == 0 {
		t.Errorf("processes %+v resources %+v", m.System.Processes, m.System.Resources)
	}
	zr, err := zip.OpenReader(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	have := map[string]bool{}
	for _, f := range zr.File {
		have[f.Name] = true
	}
	for _, f := range []string{"system/os.json", "system/processes.json", "system/resources.json", "system/prerequisites.json"} {
		if !have[f] {
			t.Errorf("%s missing", f)
		}
	}
}
