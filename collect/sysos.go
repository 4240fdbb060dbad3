package collect

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/internal/stall"
	"github.com/opadiag/opadiag/internal/winpath"
	"github.com/opadiag/opadiag/platform"
)

// SystemOS is what the service and system collectors need of the operating system besides
// files. platform.Platform implements it; tests pass fakes, so the Linux and the Windows logic
// both run on any CI machine.
type SystemOS interface {
	OS() string
	Getenv(key string) string
	LookPath(file string) (string, error)
	Self() int32
	SystemdBooted() (bool, string)
	ServiceManager() (platform.ServiceManager, error)
	UninstallKeys() ([]platform.RegistryKey, []error)
	HostFacts() (platform.HostFacts, error)
	Memory(ctx context.Context) (platform.Memory, error)
	CPUs() int
	LoadAverage(ctx context.Context) (*[3]float64, error)
	DiskUsage(ctx context.Context, path string) (platform.Disk, error)
	Processes(ctx context.Context, keep func(*platform.Process) bool) ([]platform.Process, int, error)
	VisibleWindowPIDs() (map[int32]bool, error)
	MachinePath() (string, error)
	Firmware() (vendor, product string, err error)
}

// sysPaths are the files and programs the service and system collectors use. Tests point them
// at testdata and fakes.
type sysPaths struct {
	systemctl  []string // candidates, the first that exists is used
	journalctl []string
	dmesg      []string
	ldconfig   []string
	unitDirs   []string // where unit files are looked for when systemd does not run
	osRelease  []string
	proc       string
	syslogs    []string
	exists     func(path string) bool
}

func defaultPaths() sysPaths {
	return sysPaths{
		systemctl:  []string{"/usr/bin/systemctl", "/bin/systemctl"},
		journalctl: []string{"/usr/bin/journalctl", "/bin/journalctl"},
		dmesg:      []string{"/usr/bin/dmesg", "/bin/dmesg"},
		ldconfig:   []string{"/sbin/ldconfig", "/usr/sbin/ldconfig"},
		unitDirs:   []string{"/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"},
		osRelease:  []string{"/etc/os-release", "/usr/lib/os-release"},
		proc:       "/proc",
		syslogs:    []string{"/var/log/syslog", "/var/log/messages"},
		exists: func(p string) bool {
			_, err := os.Stat(p)
			return err == nil
		},
	}
}

// first returns the first candidate that exists, "" when none does.
func (p sysPaths) first(cands []string) string {
	for _, c := range cands {
		if p.exists(c) {
			return c
		}
	}
	return ""
}

// windowsTool is the path of a program in %SystemRoot%\System32.
func windowsTool(os SystemOS, exe string) string { return winpath.System32(os.Getenv, exe) }

// Timeouts of external commands. Each command runs under its own deadline, within its
// collector's.
const (
	commandTimeout = 15 * time.Second
	slowTimeout    = 45 * time.Second // journalctl, wevtutil: they read large logs
)

// readSmall reads at most limit bytes of a small system file (unit files, os-release,
// /proc/<pid>/limits, package.json), following symlinks (/etc/os-release is one) and opening
// the target without disturbing it.
func readSmall(open opener, path string, limit int64) ([]byte, error) {
	data, _, err := readSmallStat(open, path, limit)
	return data, err
}

// smallRead is a small file's content and information.
type smallRead struct {
	data []byte
	st   fs.FileInfo
}

// readSmallStat is readSmall that also returns the opened file's information. The whole read
// runs under the stall timeout: a file on a hung mount costs that long, not the collector.
func readSmallStat(open opener, path string, limit int64) ([]byte, fs.FileInfo, error) {
	r, err := stall.Call(context.Background(), "read", bundle.DefaultStallTimeout, func() (smallRead, error) {
		data, st, err := readSmallNow(open, path, limit, false)
		return smallRead{data, st}, err
	}, nil)
	return r.data, r.st, err
}

// readHead returns at most the first limit bytes of path (a larger file is no error), opened
// as readSmall opens it, with the same stall timeout.
func readHead(open opener, path string, limit int64) ([]byte, error) {
	r, err := stall.Call(context.Background(), "read", bundle.DefaultStallTimeout, func() (smallRead, error) {
		data, st, err := readSmallNow(open, path, limit, true)
		return smallRead{data, st}, err
	}, nil)
	return r.data, err
}

// readSmallNow reads at most limit bytes of path; more is an error, or, with head, cut off.
func readSmallNow(open opener, path string, limit int64, head bool) ([]byte, fs.FileInfo, error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, nil, err
	}
	f, err := open.OpenFile(target)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("stat %s: %w", path, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		if head {
			return data[:limit], st, nil
		}
		return nil, nil, fmt.Errorf("read %s: larger than %d bytes", path, limit)
	}
	return data, st, nil
}

// lineFunc calls fn with each line written to it (without the line break); Close flushes a
// last line without one. Lines longer than 64 KiB are cut.
type lineFunc struct {
	fn      func(line string)
	partial []byte
}

func (l *lineFunc) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if room := 64<<10 - len(l.partial); room > 0 {
				l.partial = append(l.partial, p[:min(room, len(p))]...)
			}
			break
		}
		if room := 64<<10 - len(l.partial); room > 0 {
			l.partial = append(l.partial, p[:min(room, i)]...)
		}
		l.fn(strings.TrimRight(string(l.partial), "\r"))
		l.partial = l.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

func (l *lineFunc) Close() error {
	if len(l.partial) > 0 {
		l.fn(strings.TrimRight(string(l.partial), "\r"))
		l.partial = nil
	}
	return nil
}

// cutText shortens a line kept in the manifest.
func cutText(s string) string {
	const max = 240
	if len(s) > max {
		s = s[:max]
	}
	return strings.ToValidUTF8(s, "?")
}

// uniq returns the non-empty strings of s once each, in order (case-insensitively on Windows
// paths when fold is set).
func uniq(s []string, fold bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		k := v
		if fold {
			k = strings.ToLower(v)
		}
		if v == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, v)
	}
	return out
}
