package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

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
func windowsTool(os SystemOS, exe string) string { return platform.System32(os.Getenv, exe) }

// Timeouts of external commands. Each command runs under its own deadline, within its
// collector's.
const (
	commandTimeout = 15 * time.Second
	slowTimeout    = 45 * time.Second // journalctl, wevtutil: they read large logs
)

// agentFacts is what the service collector learns that the system collector needs: where the
// agent is installed and which processes its services run. The service collector publishes it
// once, as soon as it knows (before reading journals and event logs); the system collector
// waits for it before it looks at processes.
type agentFacts struct {
	done        chan struct{}
	once        sync.Once
	dirs        []string
	servicePIDs map[int32]string // main PID -> service name
	services    []string         // the agent's service names (units, Windows key names)
}

func newAgentFacts() *agentFacts { return &agentFacts{done: make(chan struct{})} }

// publish records the facts; later calls are ignored.
func (f *agentFacts) publish(dirs []string, pids map[int32]string, services []string) {
	f.once.Do(func() {
		f.dirs, f.servicePIDs, f.services = dirs, pids, services
		close(f.done)
	})
}

// wait waits for the facts at most max; false when they did not come.
func (f *agentFacts) wait(ctx context.Context, max time.Duration) bool {
	select {
	case <-f.done:
		return true
	default:
	}
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-f.done:
		return true
	case <-ctx.Done():
	case <-t.C:
	}
	return false
}

// readSmall reads at most limit bytes of a small system file (unit files, os-release,
// /proc/<pid>/limits, package.json), following symlinks (/etc/os-release is one) and opening
// the target without disturbing it.
func readSmall(open opener, path string, limit int64) ([]byte, error) {
	data, _, err := readSmallStat(open, path, limit)
	return data, err
}

// readSmallStat is readSmall that also returns the opened file's information.
func readSmallStat(open opener, path string, limit int64) ([]byte, fs.FileInfo, error) {
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
		return nil, nil, fmt.Errorf("read %s: larger than %d bytes", path, limit)
	}
	return data, st, nil
}

// isDenied reports whether err, or a command's stderr, says permission was denied.
func isDenied(err error, stderr string) bool {
	if err != nil && errors.Is(err, fs.ErrPermission) {
		return true
	}
	s := strings.ToLower(stderr)
	for _, m := range []string{"permission denied", "operation not permitted", "access is denied", "access denied", "not seeing messages from other users"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
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
