package platform

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

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

// VisibleWindowPIDs returns the processes that own a visible top-level window (Windows: the
// agent's UI), nil elsewhere.
func (Platform) VisibleWindowPIDs() (map[int32]bool, error) { return visibleWindowPIDs() }
