package crash

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
)

// HookStatus is what crash-hook status reports: what is installed, whether it is still as
// install wrote it, and what the captures did.
type HookStatus struct {
	State *State // nil when not installed
	// Files are the recorded files, each present, changed or missing.
	Files []FileStatus
	// Units: each agent unit given a drop-in, and whether its unit file still exists.
	Units []UnitStatus
	// TaskRegistered: Windows, whether Task Scheduler has the task; nil when not asked.
	TaskRegistered *bool
	// Output is the crash bundle folder; Bundles and BundleBytes what it holds.
	Output      string
	Bundles     int
	BundleBytes int64
	// LastRun, LastCapture and LastFailure are from the capture log.
	LastRun, LastCapture, LastFailure *LogEntry
	Problems                          []string
}

// FileStatus is a recorded file now.
type FileStatus struct {
	Path  string
	State string // present, changed, missing
}

// UnitStatus is an agent unit the hook covers.
type UnitStatus struct {
	Name      string
	UnitFound bool // its unit file is still in one of systemd's unit folders
}

// ReadStatus reads the state file and the capture log. It needs no rights beyond reading them:
// without, it says so.
func ReadStatus(ctx context.Context, e *Env) (*HookStatus, error) {
	st, err := e.readState()
	if err != nil {
		return nil, err
	}
	hs := &HookStatus{State: st, Output: e.output()}
	if st != nil {
		hs.Output = st.Output
		for _, f := range st.Files {
			fst := FileStatus{Path: f.Path, State: "present"}
			switch have, err := fileSHA256(e.onDisk(f.Path)); {
			case errors.Is(err, fs.ErrNotExist):
				fst.State = "missing"
			case err != nil:
				fst.State = "unreadable: " + err.Error()
			case have != f.SHA256:
				fst.State = "changed"
			}
			hs.Files = append(hs.Files, fst)
		}
		for _, u := range st.Units {
			us := UnitStatus{Name: u}
			for _, d := range unitDirs {
				if e.exists(path.Join(d, u)) {
					us.UnitFound = true
					break
				}
			}
			hs.Units = append(hs.Units, us)
		}
		if st.Task != "" && e.commands() {
			ok, err := e.taskRegistered(ctx, st.Task)
			if err != nil {
				hs.Problems = append(hs.Problems, err.Error())
			} else {
				hs.TaskRegistered = &ok
			}
		}
	}
	dir := e.onDisk(hs.Output)
	entries, err := ReadLog(dir)
	if err != nil {
		hs.Problems = append(hs.Problems, err.Error())
	}
	if len(entries) > 0 {
		last := entries[len(entries)-1]
		hs.LastRun = &last
	}
	if c, ok := lastOf(entries, Captured); ok {
		hs.LastCapture = &c
	}
	if f, ok := lastOf(entries, Failed); ok {
		hs.LastFailure = &f
	}
	bs, problems, err := crashBundles(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		hs.Problems = append(hs.Problems, err.Error())
	}
	hs.Problems = append(hs.Problems, problems...)
	for _, b := range bs {
		hs.Bundles++
		hs.BundleBytes += b.Size
	}
	return hs, nil
}

// Write prints the status for a person.
func (s *HookStatus) Write(w io.Writer, e *Env) {
	if s.State == nil {
		fmt.Fprintln(w, "crash hook: not installed (install it with: opadiag crash-hook install)")
	} else {
		st := s.State
		fmt.Fprintf(w, "crash hook: installed %s by opadiag %s\n", stamp(st.Installed), st.Version)
		fmt.Fprintf(w, "runs:       %s\n", st.Binary)
		for _, f := range s.Files {
			fmt.Fprintf(w, "file:       %s (%s)\n", e.rootPath(f.Path), f.State)
		}
		for _, u := range s.Units {
			found := "its unit file is there"
			if !u.UnitFound {
				found = "its unit file is gone: 'opadiag crash-hook install' again removes its drop-in"
			}
			fmt.Fprintf(w, "unit:       %s (%s)\n", u.Name, found)
		}
		for _, sv := range st.Services {
			fmt.Fprintf(w, "service:    %s (%q)\n", sv.Name, sv.DisplayName)
		}
		if st.Task != "" {
			reg := "not asked (--root)"
			if s.TaskRegistered != nil {
				reg = "registered"
				if !*s.TaskRegistered {
					reg = "NOT registered: run 'opadiag crash-hook install' again"
				}
			}
			fmt.Fprintf(w, "task:       %s (%s)\n", st.Task, reg)
		}
	}
	fmt.Fprintf(w, "bundles:    %s: %d crash bundle(s), %s\n", e.rootPath(s.Output), s.Bundles, humanBytes(s.BundleBytes))
	switch {
	case s.LastCapture != nil:
		fmt.Fprintf(w, "last capture: %s\n", s.LastCapture)
	default:
		fmt.Fprintln(w, "last capture: none")
	}
	if s.LastFailure != nil && (s.LastCapture == nil || s.LastFailure.Time.After(s.LastCapture.Time)) {
		fmt.Fprintf(w, "last failure: %s\n", s.LastFailure)
	}
	if s.LastRun != nil && s.LastRun.Status != Captured && s.LastRun.Status != Failed {
		fmt.Fprintf(w, "last run:     %s\n", s.LastRun)
	}
	fmt.Fprintf(w, "capture log:  %s\n", e.rootPath(sysPath(e.GOOS, s.Output, LogName)))
	for _, p := range s.Problems {
		fmt.Fprintf(w, "problem: %s\n", p)
	}
}

// humanBytes writes a size in B, KiB, MiB or GiB.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
