package platform

import (
	"context"
	"os"
	"runtime"
	"testing"
)

// TestHostOfThisMachine reads the real machine the tests run on: the facts must be there, and
// this test's own process among the processes.
func TestHostOfThisMachine(t *testing.T) {
	p := Current()
	ctx := context.Background()
	f, err := p.HostFacts()
	if err != nil || f.OSType != runtime.GOOS || f.Kernel == "" || f.BootTime.IsZero() {
		t.Errorf("HostFacts = %+v, %v", f, err)
	}
	if m, err := p.Memory(ctx); err != nil || m.Total == 0 || m.Available == 0 || m.Available > m.Total {
		t.Errorf("Memory = %+v, %v", m, err)
	}
	if d, err := p.DiskUsage(ctx, t.TempDir()); err != nil || d.Total == 0 || d.Free > d.Total {
		t.Errorf("DiskUsage = %+v, %v", d, err)
	}
	if _, err := p.DiskUsage(ctx, "/nonexistent/opadiag"); err == nil {
		t.Error("DiskUsage of a missing folder: no error")
	}
	if runtime.GOOS == "linux" {
		if l, err := p.LoadAverage(ctx); err != nil || l == nil {
			t.Errorf("LoadAverage = %v, %v", l, err)
		}
	}
	self := p.Self()
	kept, total, err := p.Processes(ctx, func(pr *Process) bool { return pr.PID == self })
	if err != nil || total < 2 || len(kept) != 1 {
		t.Fatalf("Processes: %d of %d, %v", len(kept), total, err)
	}
	me := kept[0]
	exe, _ := os.Executable()
	if me.PPID == 0 || me.Exe != exe || len(me.Argv) == 0 || me.RSS == 0 || me.Started.IsZero() || me.User == "" {
		t.Errorf("this process = %+v (exe %s)", me, exe)
	}
	if _, err := p.ServiceManager(); runtime.GOOS != "windows" && err != ErrNoServiceManager {
		t.Errorf("ServiceManager: %v", err)
	}
}
