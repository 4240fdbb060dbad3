package platform

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"time"

	"github.com/elastic/go-sysinfo"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/process"
)

// HostFacts are the operating system's facts as go-sysinfo reports them.
type HostFacts struct {
	OSType          string // linux, windows
	OSFamily        string // debian, redhat, windows
	OSPlatform      string // ubuntu, centos, windows
	OSName          string // "Ubuntu", "Windows Server 2012 R2 Standard"
	OSVersion       string // "22.04.4 LTS (Jammy Jellyfish)", "6.3"
	OSBuild         string
	OSCodename      string
	Kernel          string
	Arch            string
	NativeArch      string
	BootTime        time.Time
	Timezone        string
	TimezoneOffsetS int
	Containerized   *bool
}

// HostFacts reads the OS facts. No network is used (the FQDN is not looked up).
func (Platform) HostFacts() (HostFacts, error) {
	h, err := sysinfo.Host()
	if err != nil {
		return HostFacts{OSType: runtime.GOOS, Arch: runtime.GOARCH}, fmt.Errorf("read host facts: %w", err)
	}
	info := h.Info()
	f := HostFacts{
		Kernel: info.KernelVersion, Arch: info.Architecture, NativeArch: info.NativeArchitecture,
		BootTime: info.BootTime, Timezone: info.Timezone, TimezoneOffsetS: info.TimezoneOffsetSec,
		Containerized: info.Containerized,
	}
	if o := info.OS; o != nil {
		f.OSType, f.OSFamily, f.OSPlatform, f.OSName = o.Type, o.Family, o.Platform, o.Name
		f.OSVersion, f.OSBuild, f.OSCodename = o.Version, o.Build, o.Codename
	}
	return f, nil
}

// Memory is the machine's memory, in bytes.
type Memory struct {
	Total     uint64
	Available uint64
	SwapTotal uint64
	SwapFree  uint64
}

// Memory reads the machine's memory and swap (the page file on Windows).
func (Platform) Memory(ctx context.Context) (Memory, error) {
	var m Memory
	v, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return m, fmt.Errorf("read memory: %w", err)
	}
	m.Total, m.Available = v.Total, v.Available
	if s, err := mem.SwapMemoryWithContext(ctx); err == nil {
		m.SwapTotal, m.SwapFree = s.Total, s.Free
	}
	return m, nil
}

// CPUs is the number of logical CPUs.
func (Platform) CPUs() int { return runtime.NumCPU() }

// LoadAverage returns the 1, 5 and 15 minute load averages; nil on Windows, which has none.
func (Platform) LoadAverage(ctx context.Context) (*[3]float64, error) {
	if runtime.GOOS == "windows" {
		return nil, nil
	}
	a, err := load.AvgWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("read load average: %w", err)
	}
	return &[3]float64{a.Load1, a.Load5, a.Load15}, nil
}

// Disk is the space of the file system a path lives on, in bytes.
type Disk struct {
	FSType string
	Total  uint64
	Free   uint64 // available to unprivileged users
}

// DiskUsage reads the space of the file system holding path.
func (Platform) DiskUsage(ctx context.Context, path string) (Disk, error) {
	u, err := disk.UsageWithContext(ctx, path)
	if err != nil {
		return Disk{}, fmt.Errorf("read disk space of %s: %w", path, err)
	}
	return Disk{FSType: u.Fstype, Total: u.Total, Free: u.Free}, nil
}

// Process is a running process. Argv and Cmdline are as the OS gives them: not redacted.
type Process struct {
	PID        int32
	PPID       int32
	Name       string
	Exe        string
	Argv       []string
	User       string
	Started    time.Time
	RSS        uint64
	CPUPercent float64 // average since it started, over one CPU
	// Errors name what could not be read ("exe: permission denied").
	Errors []string
}

// Processes lists the running processes. It reads each one's PID, parent, name, executable and
// command line, calls keep, and reads the user, start time, memory and CPU of those kept. It
// returns the kept processes and how many processes there are in all.
func (Platform) Processes(ctx context.Context, keep func(*Process) bool) ([]Process, int, error) {
	ps, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("list processes: %w", err)
	}
	var out []Process
	for _, p := range ps {
		if ctx.Err() != nil {
			return out, len(ps), ctx.Err()
		}
		pr := Process{PID: p.Pid}
		note := func(what string, err error) {
			if err != nil {
				pr.Errors = append(pr.Errors, what+": "+err.Error())
			}
		}
		var err error
		pr.PPID, err = p.PpidWithContext(ctx)
		note("ppid", err)
		pr.Name, err = p.NameWithContext(ctx)
		note("name", err)
		pr.Exe, err = p.ExeWithContext(ctx)
		note("exe", err)
		pr.Argv, err = p.CmdlineSliceWithContext(ctx)
		note("cmdline", err)
		if !keep(&pr) {
			continue
		}
		pr.User, err = p.UsernameWithContext(ctx)
		note("user", err)
		if ms, err := p.CreateTimeWithContext(ctx); err == nil {
			pr.Started = time.UnixMilli(ms)
		} else {
			note("start time", err)
		}
		if mi, err := p.MemoryInfoWithContext(ctx); err == nil {
			pr.RSS = mi.RSS
		} else {
			note("memory", err)
		}
		pr.CPUPercent, err = p.CPUPercentWithContext(ctx)
		note("cpu", err)
		out = append(out, pr)
	}
	return out, len(ps), nil
}

// Self is opadiag's own process ID.
func (Platform) Self() int32 { return int32(os.Getpid()) }

// Getenv reads an environment variable of opadiag's process.
func (Platform) Getenv(key string) string { return os.Getenv(key) }

// LookPath finds an executable on PATH as the shell would (with PATHEXT on Windows).
func (Platform) LookPath(file string) (string, error) { return exec.LookPath(file) }

// SystemdBooted reports whether systemd manages this system (it is PID 1: /run/systemd/system
// exists), and the name of PID 1. Always false on Windows.
func (Platform) SystemdBooted() (bool, string) { return systemdBooted() }

// ServiceManager opens the Windows service control manager read-only. Elsewhere it returns
// ErrNoServiceManager.
func (Platform) ServiceManager() (ServiceManager, error) { return openServiceManager() }

// UninstallKeys reads the Uninstall keys of HKLM (both registry views) and of every profile
// loaded in HKEY_USERS. Nothing elsewhere than Windows. The errors are the keys that could not
// be read.
func (Platform) UninstallKeys() ([]RegistryKey, []error) { return uninstallKeys() }

// VisibleWindowPIDs returns the processes that own a visible top-level window (Windows: the
// agent's UI), nil elsewhere.
func (Platform) VisibleWindowPIDs() (map[int32]bool, error) { return visibleWindowPIDs() }

// MachinePath returns the PATH stored for the machine in the registry (unexpanded), which
// services and new sessions get; empty elsewhere.
func (Platform) MachinePath() (string, error) { return machinePath() }

// Firmware returns the firmware's vendor and product name (Linux: DMI sys_vendor and
// product_name; Windows: the BIOS SystemManufacturer and SystemProductName). On EC2 the product
// name is the instance type.
func (Platform) Firmware() (vendor, product string, err error) { return firmware() }
