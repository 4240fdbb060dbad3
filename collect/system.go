package collect

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/collect/osout"
	"github.com/opadiag/opadiag/manifest"
)

// systemCollector records the machine around the agent: OS facts (system/os.json), the
// agent's processes and how many instances run (system/processes.json), memory, CPU and free
// disk (system/resources.json), Java and the Oracle client (system/prerequisites.json), and the
// system log within --since: syslog or messages and dmesg on Linux (OOM-killer lines kept), the
// System event log's errors and warnings on Windows.
type systemCollector struct {
	os      SystemOS
	open    opener
	runner  CommandRunner
	since   time.Duration
	now     time.Time
	maxFile int64
	stall   time.Duration
	output  string
	paths   sysPaths
	pattern *regexp.Regexp // recognises the agent's processes by name
	// Each command's deadline; tests shorten them.
	cmdTimeout, slowTimeout time.Duration

	facts Facts // what phase 1 learned, set by Collect
}

func (c *systemCollector) Name() string { return "system" }

// Timeout leaves room for dmesg, wevtutil and java, each bounded by its own deadline.
func (c *systemCollector) Timeout() time.Duration { return 3 * time.Minute }

// Limits of what is kept.
const (
	maxDmesg    = 4 << 20
	maxOOMLines = 100
	maxJavaOut  = 64 << 10
	maxOSFile   = 64 << 10
)

func (c *systemCollector) Collect(ctx context.Context, facts Facts, b *bundle.Bundle) error {
	c.facts, c.now = facts, facts.Start
	var sys manifest.System
	c.osFacts(b, &sys.OS)
	c.record(ctx, b, &sys, "system/os.json", &sys.OS)
	c.prerequisites(ctx, b, &sys.Prerequisites)
	c.record(ctx, b, &sys, "system/prerequisites.json", &sys.Prerequisites)
	c.systemLogs(ctx, b, &sys)
	c.record(ctx, b, &sys, "", nil)
	if !facts.serviceOK {
		b.Problem("the service collector did not finish: processes were matched by name only, not by where the agent is installed")
	}
	c.processes(ctx, b, &sys.Processes)
	c.record(ctx, b, &sys, "system/processes.json", &sys.Processes)
	c.resources(ctx, b, &sys.Resources)
	c.record(ctx, b, &sys, "system/resources.json", &sys.Resources)
	return ctx.Err()
}

// record stores the system section in the manifest and, when entry is set, part as that file.
func (c *systemCollector) record(ctx context.Context, b *bundle.Bundle, sys *manifest.System, entry string, part any) {
	manifest.FillSystem(sys)
	cp := *sys
	b.Update(func(m *manifest.Manifest) { m.System = cp })
	if entry != "" {
		if err := b.AddJSON(ctx, entry, part, "opadiag"); err != nil {
			b.Problem("add %s: %v", entry, err)
		}
	}
}

func (c *systemCollector) osFacts(b *bundle.Bundle, o *manifest.OSFacts) {
	red := b.Redactor()
	f, err := c.os.HostFacts()
	if err != nil {
		o.Errors = append(o.Errors, red.String(err.Error()))
		b.Problem("%v", err)
	}
	o.Type, o.Family, o.Platform, o.Name = f.OSType, f.OSFamily, f.OSPlatform, f.OSName
	o.Version, o.Build, o.Codename, o.Kernel, o.Arch = f.OSVersion, f.OSBuild, f.OSCodename, f.Kernel, f.Arch
	o.Timezone, o.TimezoneOffsetS, o.Containerized = f.Timezone, f.TimezoneOffsetS, f.Containerized
	if !f.BootTime.IsZero() {
		bt := f.BootTime.UTC().Truncate(time.Second)
		o.BootTime = &bt
		o.UptimeS = max(0, int64(c.now.Sub(f.BootTime).Seconds()))
	}
	windows := c.os.OS() == "windows"
	o.WindowsServer2012R2 = windows && osout.IsWindowsServer2012R2(f.OSName, f.OSVersion)
	if !windows {
		if p := c.paths.first(c.paths.osRelease); p != "" {
			data, err := readSmall(c.open, p, maxOSFile)
			if err != nil {
				o.Errors = append(o.Errors, red.String(err.Error()))
			}
			for k, v := range osout.ParseOSRelease(bytes.NewReader(data)) {
				if o.OSRelease == nil {
					o.OSRelease = map[string]string{}
				}
				o.OSRelease[k] = red.String(v)
			}
		}
	}
	vendor, product, err := c.os.Firmware()
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errors.ErrUnsupported) {
		o.Errors = append(o.Errors, red.String(err.Error()))
	}
	o.Cloud = manifest.Cloud{Vendor: red.String(vendor), Product: red.String(product)}
	o.Cloud.Provider, o.Cloud.InstanceType = osout.CloudInstance(vendor, product)
	if windows {
		machine, err := c.os.MachinePath()
		if err != nil {
			o.Errors = append(o.Errors, red.String(err.Error()))
			if bundle.IsDenied(err, "") {
				b.Denied("the machine's PATH in the registry", err)
			}
		}
		root := c.os.Getenv("SystemRoot")
		o.Path = &manifest.WindowsPath{
			Machine: pathFacts(osout.AnalyzeWindowsPath(machine, root), red.String),
			Process: pathFacts(osout.AnalyzeWindowsPath(c.os.Getenv("PATH"), root), red.String),
		}
	}
}

func pathFacts(f osout.PathFacts, redact func(string) string) manifest.PathFacts {
	out := manifest.PathFacts{HasSystem32: f.HasSystem32, Empty: f.Empty}
	for _, e := range f.Entries {
		out.Entries = append(out.Entries, redact(e))
	}
	for _, e := range f.Unexpanded {
		out.Unexpanded = append(out.Unexpanded, redact(e))
	}
	return out
}

// listSep splits PATH-like variables of the OS.
func (c *systemCollector) splitList(v string) []string {
	sep := ":"
	if c.os.OS() == "windows" {
		sep = ";"
	}
	var out []string
	for _, p := range strings.Split(v, sep) {
		if p = strings.TrimSpace(strings.Trim(p, `"`)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// prerequisites looks for Java (JAVA_HOME, then PATH; JDK 17 for on-prem JDBC) and the Oracle
// instant client (ORACLE_HOME, and oci.dll on PATH or libclntsh on the loader's path).
func (c *systemCollector) prerequisites(ctx context.Context, b *bundle.Bundle, p *manifest.Prerequisites) {
	red := b.Redactor()
	windows := c.os.OS() == "windows"
	java := "java"
	if windows {
		java = "java.exe"
	}
	j := &p.Java
	if home := c.os.Getenv("JAVA_HOME"); home != "" {
		if cand := filepath.Join(home, "bin", java); c.paths.exists(cand) {
			j.Path, j.Source = cand, "JAVA_HOME"
		} else {
			j.Error = red.String("JAVA_HOME is " + home + " but it has no bin/" + java)
		}
	}
	if j.Path == "" {
		if lp, err := c.os.LookPath("java"); err == nil {
			j.Path, j.Source = lp, "PATH"
		}
	}
	if j.Path != "" {
		j.Found = true
		out, res, err := capture(ctx, b, c.runner, c.cmdTimeout, "", maxJavaOut, j.Path, "-version")
		j.Version, j.Major = osout.JavaVersion(res.Stderr + "\n" + string(out))
		if j.Version == "" {
			j.Error = red.String(commandFailure("java -version printed no version", res, err).Error())
		}
		j.Path = red.String(j.Path)
	}
	o := &p.Oracle
	o.Home = red.String(c.os.Getenv("ORACLE_HOME"))
	var dirs []string
	lib := "libclntsh.so*"
	if windows {
		lib = "oci.dll"
	}
	if h := c.os.Getenv("ORACLE_HOME"); h != "" {
		dirs = append(dirs, h, filepath.Join(h, "bin"), filepath.Join(h, "lib"))
	}
	if windows {
		dirs = append(dirs, c.splitList(c.os.Getenv("PATH"))...)
	} else {
		dirs = append(dirs, c.splitList(c.os.Getenv("LD_LIBRARY_PATH"))...)
	}
	for _, d := range uniq(dirs, windows) {
		o.Searched = append(o.Searched, red.String(d))
		matches, _ := filepath.Glob(filepath.Join(d, lib))
		for _, m := range matches {
			o.Libraries = append(o.Libraries, red.String(m))
		}
	}
	if !windows {
		if ldconfig := c.paths.first(c.paths.ldconfig); ldconfig != "" {
			o.Searched = append(o.Searched, "ldconfig -p")
			out, res, err := capture(ctx, b, c.runner, c.cmdTimeout, "", 8<<20, ldconfig, "-p")
			if err == nil && res.ExitCode == 0 {
				for _, l := range osout.ParseLdconfig(bytes.NewReader(out), "libclntsh.so") {
					o.Libraries = append(o.Libraries, red.String(l))
				}
			}
		}
	}
	o.Libraries = uniq(o.Libraries, windows)
	o.Found = len(o.Libraries) > 0
}

// oomScanner records the OOM-killer lines of a file as it is written to the bundle.
type oomScanner struct {
	path  string
	now   time.Time
	line  int
	lines []manifest.LogLine
}

func (s *oomScanner) add(line string) {
	s.line++
	if !osout.IsOOMLine(line) {
		return
	}
	l := manifest.LogLine{Path: s.path, Line: s.line, Text: cutText(line)}
	// dmesg --time-format iso writes a comma before the fraction.
	if t, ok := osout.SyslogTime(strings.Replace(line, ",", ".", 1), s.now); ok {
		t = t.UTC()
		l.Time = &t
	}
	if len(s.lines) == maxOOMLines {
		s.lines = s.lines[1:]
	}
	s.lines = append(s.lines, l)
}

func (c *systemCollector) systemLogs(ctx context.Context, b *bundle.Bundle, sys *manifest.System) {
	if c.os.OS() == "windows" {
		_, events, err := addEvents(ctx, b, c.runner, c.slowTimeout, windowsTool(c.os, "wevtutil.exe"), "system/eventlog-system.txt",
			"System", osout.LevelQuery([]int{1, 2, 3}, c.since), maxSysEvents, nil, c.since)
		if err != nil {
			b.Problem("%v", err)
		}
		for i, e := range events {
			// Windows' Resource Exhaustion Detector reports low virtual memory (event 2004).
			if strings.Contains(e.Provider, "Resource-Exhaustion") {
				l := manifest.LogLine{Path: "system/eventlog-system.txt", Line: i + 1, Text: cutText(b.Redactor().String(e.Format()))}
				if !e.Time.IsZero() {
					t := e.Time.UTC()
					l.Time = &t
				}
				sys.OOM = append(sys.OOM, l)
			}
		}
		return
	}
	if p := c.paths.first(c.paths.syslogs); p != "" {
		sys.OOM = append(sys.OOM, c.syslog(ctx, b, p)...)
	} else if booted, _ := c.os.SystemdBooted(); booted && c.paths.first(c.paths.journalctl) != "" {
		// journald-only systems (Debian 12 without rsyslog) keep no syslog file.
		sys.OOM = append(sys.OOM, c.systemJournal(ctx, b, c.paths.first(c.paths.journalctl))...)
	} else {
		b.Omit(strings.Join(c.paths.syslogs, ", "), "no system log file on this system (and no systemd journal to read instead)")
	}
	// rsyslog and journald copy the kernel's messages: a kill seen in the system log is not
	// counted again from dmesg.
	seen := map[string]bool{}
	for _, l := range sys.OOM {
		seen[osout.KernelMessage(l.Text)] = true
	}
	for _, l := range c.dmesg(ctx, b) {
		if !seen[osout.KernelMessage(l.Text)] {
			sys.OOM = append(sys.OOM, l)
		}
	}
}

// syslog adds the newest lines of the system log written within --since (at most
// --max-file-size bytes), and returns its OOM-killer lines.
func (c *systemCollector) syslog(ctx context.Context, b *bundle.Bundle, p string) []manifest.LogLine {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		target = p
	}
	entry := "system/" + filepath.Base(p) + ".txt"
	scan := &oomScanner{path: entry, now: c.now}
	lines := &lineFunc{fn: scan.add}
	cutoff := c.now.Add(-c.since)
	err = addTail(ctx, b, c.open, c.stall, entry, target, c.maxFile, tail{
		observe: lines,
		filter: func(r io.Reader) io.Reader {
			return &sinceFilter{br: bufio.NewReaderSize(r, 64<<10), cutoff: cutoff, now: c.now}
		},
		note: fmt.Sprintf("lines since %s", cutoff.UTC().Format(time.RFC3339)),
	})
	lines.Close()
	if err != nil {
		b.Failed("read "+p, err)
	}
	return scan.lines
}

// systemJournal adds the system journal's warnings and errors within --since, where there is
// no syslog file, and returns its OOM-killer lines.
func (c *systemCollector) systemJournal(ctx context.Context, b *bundle.Bundle, journalctl string) []manifest.LogLine {
	entry := "system/journal.txt"
	scan := &oomScanner{path: entry, now: c.now}
	lines := &lineFunc{fn: scan.add}
	res, err := addJournal(ctx, b, c.runner, c.slowTimeout, journalctl, entry, min(c.maxFile, maxJournal), c.now.Add(-c.since), lines, "-p", "warning")
	lines.Close()
	switch {
	case err != nil || res.ExitCode != 0:
		b.Problem("%v", commandFailure("journalctl -p warning", res, err))
	case bundle.IsDenied(nil, res.Stderr):
		b.Denied("the system journal", errors.New(firstLineOf(res.Stderr)))
	}
	return scan.lines
}

// sinceFilter passes the lines of a chronological log from the first one stamped at or after
// cutoff; the lines before it are dropped.
type sinceFilter struct {
	br      *bufio.Reader
	cutoff  time.Time
	now     time.Time
	started bool
	pending []byte
	dropped int64
}

// Dropped is how many bytes of lines before the cutoff were left out.
func (f *sinceFilter) Dropped() int64 { return f.dropped }

func (f *sinceFilter) Read(p []byte) (int, error) {
	for !f.started {
		line, err := f.br.ReadBytes('\n')
		if len(line) > 0 {
			if t, ok := osout.SyslogTime(string(line[:min(len(line), 64)]), f.now); ok && !t.Before(f.cutoff) {
				f.started, f.pending = true, line
				break
			}
			f.dropped += int64(len(line))
		}
		if err != nil {
			return 0, err
		}
	}
	if len(f.pending) > 0 {
		n := copy(p, f.pending)
		f.pending = f.pending[n:]
		return n, nil
	}
	return f.br.Read(p)
}

// dmesg adds the kernel ring buffer: all of it up to maxDmesg bytes, else its newest part with
// every OOM-killer line of the part left out kept before it. It returns the OOM-killer lines.
func (c *systemCollector) dmesg(ctx context.Context, b *bundle.Bundle) []manifest.LogLine {
	dmesg := c.paths.first(c.paths.dmesg)
	if dmesg == "" {
		b.Problem("dmesg is not installed: no kernel log")
		return nil
	}
	out, res, err := capture(ctx, b, c.runner, c.cmdTimeout, "", 64<<20, dmesg, "--time-format", "iso")
	if err == nil && res.ExitCode != 0 && !bundle.IsDenied(nil, res.Stderr) {
		// util-linux before 2.26 has no --time-format.
		out, res, err = capture(ctx, b, c.runner, c.cmdTimeout, "", 64<<20, dmesg)
	}
	if err != nil || res.ExitCode != 0 {
		e := commandFailure("dmesg", res, err)
		if bundle.IsDenied(err, res.Stderr) {
			b.Denied("the kernel ring buffer (dmesg)", e)
		} else {
			b.Problem("%v", e)
		}
		return nil
	}
	content, note := keepOOM(out, maxDmesg)
	entry := "system/dmesg.txt"
	scan := &oomScanner{path: entry, now: c.now}
	lines := &lineFunc{fn: scan.add}
	lines.Write(content)
	lines.Close()
	err = b.Add(ctx, entry, bytes.NewReader(content), int64(len(content))+1, bundle.Info{Source: dmesg, Truncated: note != "", OriginalSize: int64(len(out)), Note: note})
	if err != nil {
		b.Problem("add dmesg: %v", err)
	}
	return scan.lines
}

// keepOOM returns out when it fits in max bytes; otherwise the OOM-killer lines of its head and
// its newest lines, after a marker, within about max bytes.
func keepOOM(out []byte, max int) ([]byte, string) {
	if len(out) <= max {
		return out, ""
	}
	cut := len(out) - max/2
	if i := bytes.IndexByte(out[cut:], '\n'); i >= 0 {
		cut += i + 1
	}
	var kept bytes.Buffer
	var oom int
	for _, l := range bytes.SplitAfter(out[:cut], []byte("\n")) {
		if osout.IsOOMLine(string(l)) && kept.Len() < max/2 {
			kept.Write(l)
			oom++
		}
	}
	fmt.Fprintf(&kept, "[opadiag: %d older bytes left out; the %d OOM-killer lines among them are kept above]\n", cut, oom)
	kept.Write(out[cut:])
	return kept.Bytes(), fmt.Sprintf("the newest %d of %d bytes, with the older OOM-killer lines", len(out)-cut, len(out))
}

// processes lists the agent's processes and tells how many instances run.
func (c *systemCollector) processes(ctx context.Context, b *bundle.Bundle, ps *manifest.Processes) {
	red := b.Redactor()
	windows := c.os.OS() == "windows"
	m := newProcessMatcher(c.os.Self(), c.facts.installDirs, c.facts.servicePIDs, c.pattern, windows)
	for _, r := range m.rules() {
		ps.Matched = append(ps.Matched, red.String(r))
	}
	found, total, err := c.os.Processes(ctx, m.keep)
	found = m.withoutAncestors(found)
	ps.Total = total
	if err != nil {
		ps.Errors = append(ps.Errors, red.String(err.Error()))
		b.Problem("%v", err)
	}
	pc := procContext{goos: c.os.OS(), servicePIDs: c.facts.servicePIDs, services: c.facts.services, cgroups: map[int32]string{}}
	if windows {
		if w, err := c.os.VisibleWindowPIDs(); err != nil {
			ps.Errors = append(ps.Errors, red.String(err.Error()))
		} else {
			pc.windows = w
		}
	} else {
		for _, p := range found {
			if data, err := readSmall(c.open, filepath.Join(c.paths.proc, strconv.Itoa(int(p.PID)), "cgroup"), maxOSFile); err == nil {
				pc.cgroups[p.PID] = osout.CgroupUnit(string(data))
			}
		}
	}
	ps.Agent, ps.Instances = classify(found, m.reasons, pc, red.String)
	for i := range ps.Agent {
		p := &ps.Agent[i]
		for _, e := range p.Errors {
			if bundle.IsDenied(nil, e) {
				b.Denied(fmt.Sprintf("process %d (%s)", p.PID, p.Name), errors.New(e))
			}
		}
		if windows || !p.Instance && p.Mode != "service" {
			continue
		}
		data, err := readSmall(c.open, filepath.Join(c.paths.proc, strconv.Itoa(int(p.PID)), "limits"), maxOSFile)
		if err != nil {
			p.Errors = append(p.Errors, red.String("read limits: "+err.Error()))
			continue
		}
		if l, ok := osout.ParseLimits(bytes.NewReader(data))["Max open files"]; ok {
			p.OpenFiles = &manifest.Limit{Soft: l.Soft, Hard: l.Hard}
		}
	}
}

// resources records memory, CPU, load and the free space where the agent's homes and installs
// and the bundle live.
func (c *systemCollector) resources(ctx context.Context, b *bundle.Bundle, r *manifest.Resources) {
	red := b.Redactor()
	mem, err := c.os.Memory(ctx)
	if err != nil {
		r.Errors = append(r.Errors, red.String(err.Error()))
		b.Problem("%v", err)
	}
	r.MemoryTotal, r.MemoryAvailable, r.SwapTotal, r.SwapFree = mem.Total, mem.Available, mem.SwapTotal, mem.SwapFree
	r.CPUs = c.os.CPUs()
	load, err := c.os.LoadAverage(ctx)
	if err != nil {
		r.Errors = append(r.Errors, red.String(err.Error()))
	} else if load != nil {
		r.Load = []float64{round2(load[0]), round2(load[1]), round2(load[2])}
	}
	type place struct{ purpose, path string }
	var places []place
	for _, h := range c.facts.homes {
		places = append(places, place{"agent home", h.path})
	}
	for _, d := range c.facts.installDirs {
		places = append(places, place{"agent install", d})
	}
	places = append(places, place{"output", c.output})
	seen := map[string]bool{}
	for _, p := range places {
		if p.path == "" || seen[p.path] {
			continue
		}
		seen[p.path] = true
		d := manifest.Disk{Purpose: p.purpose, Path: red.String(p.path)}
		u, err := c.os.DiskUsage(ctx, p.path)
		if err != nil {
			d.Error = red.String(err.Error())
		}
		d.FSType, d.Total, d.Free = u.FSType, u.Total, u.Free
		r.Disks = append(r.Disks, d)
	}
}
