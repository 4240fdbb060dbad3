package platform

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/elastic/go-sysinfo"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
)

// Hostname is the machine's name, or "unknown-host" when the OS does not say.
func (Platform) Hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown-host"
	}
	return h
}

// User is the name of the account opadiag runs as.
func (Platform) User() string { return currentUser() }

// Elevated reports whether opadiag runs as root, or as an elevated administrator on Windows.
func (Platform) Elevated() bool { return isElevated() }

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

// Firmware returns the firmware's vendor and product name (Linux: DMI sys_vendor and
// product_name; Windows: the BIOS SystemManufacturer and SystemProductName). On EC2 the product
// name is the instance type.
func (Platform) Firmware() (vendor, product string, err error) { return firmware() }
