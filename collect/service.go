package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/opadiag/opadiag/agent"
	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/collect/osout"
	"github.com/opadiag/opadiag/internal/winpath"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/platform"
)

// serviceCollector answers the guide's first question, "is the agent running as a service, set
// to start automatically": on Linux from systemd (both unit names the guide uses, and any other
// unit whose ExecStart points into the agent's install), on Windows from the service control
// manager, read-only. It adds each service's state, unit file or sc.exe output, and finds the
// agent's installation and version (Uninstall registry keys, package.json). It runs in phase 1:
// where the agent is installed, its services and their processes are facts for phase 2 (the
// events collector reads the services' journal and event logs).
type serviceCollector struct {
	os      SystemOS
	open    opener
	runner  CommandRunner
	since   time.Duration
	maxFile int64
	paths   sysPaths
	// Deadlines of each command; tests shorten them.
	cmdTimeout, slowTimeout time.Duration

	mu          sync.Mutex // guards what it learned, read by the run after phase 1
	installDirs []string
	servicePIDs map[int32]string
	services    []string
	published   bool
}

func (c *serviceCollector) Name() string { return "service" }

// Timeout leaves room for systemctl and sc, each bounded by its own deadline.
func (c *serviceCollector) Timeout() time.Duration { return 90 * time.Second }

// publish records what phase 2 needs to know: where the agent is installed, which processes its
// services run, and their names. It is called as soon as they are known, so that a collector
// stopped at its deadline afterwards still leaves them.
func (c *serviceCollector) publish(dirs []string, pids map[int32]string, services []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.installDirs, c.servicePIDs, c.services, c.published = dirs, pids, services, true
}

// learned returns what publish recorded, and whether it did.
func (c *serviceCollector) learned() ([]string, map[int32]string, []string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.installDirs, c.servicePIDs, c.services, c.published
}

// guideUnits are the unit names Celigo's guide uses: celigo-agent.service for the unit file and
// systemctl status, celigoagent.service for journalctl.
var guideUnits = []string{"celigo-agent.service", "celigoagent.service"}

const whyGuide = "named in Celigo's troubleshooting guide"

// Limits of what is kept of each source.
const (
	maxUnitFile    = 1 << 20
	maxShowOutput  = 1 << 20
	maxSCOutput    = 64 << 10
	maxEventOutput = 32 << 20
	maxJournal     = 32 << 20
	journalLines   = 20000
	maxSCMEvents   = 500
	maxAppEvents   = 200
	maxSysEvents   = 500
	maxPackageJSON = 1 << 20
)

func (c *serviceCollector) Collect(ctx context.Context, _ Facts, b *bundle.Bundle) error {
	if c.os.OS() == "windows" {
		return c.windows(ctx, b)
	}
	return c.linux(ctx, b)
}

// record stores the service section in the manifest. It is called after each phase, so that a
// collector stopped at its deadline still leaves what it found.
func (c *serviceCollector) record(b *bundle.Bundle, svc manifest.Service) {
	cp := svc
	cp.Services = append([]manifest.AgentService(nil), svc.Services...)
	cp.Installs = append([]manifest.Install(nil), svc.Installs...)
	cp.Events = append([]manifest.EventCount(nil), svc.Events...)
	for i := range cp.Services {
		cp.Services[i].Files = append([]string(nil), cp.Services[i].Files...)
		cp.Services[i].Errors = append([]string(nil), cp.Services[i].Errors...)
	}
	b.Update(func(m *manifest.Manifest) { m.Service = cp })
}

// capture runs a command under timeout, see captureCommand.
func capture(ctx context.Context, b *bundle.Bundle, r CommandRunner, timeout time.Duration, entry string, limit int64, name string, args ...string) ([]byte, CommandResult, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return captureCommand(cctx, b, r, entry, limit, name, args...)
}

// addJournal adds journalctl's entries since the given time, selected by args (-u UNIT,
// -p warning), as entry (at most limit bytes, the newest journalLines entries, short-iso), each
// line also written to observe.
func addJournal(ctx context.Context, b *bundle.Bundle, r CommandRunner, timeout time.Duration, journalctl, entry string, limit int64,
	since time.Time, observe io.Writer, args ...string) (CommandResult, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args = append(args, "--since", since.Local().Format("2006-01-02 15:04:05"), "-n", strconv.Itoa(journalLines), "-o", "short-iso", "--no-pager")
	return addCommand(cctx, b, r, entry, limit, observe, journalctl, args...)
}

// commandFailure describes a command that failed or exited non-zero, for problems and errors.
func commandFailure(what string, res CommandResult, err error) error {
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", what, err)
	case res.Stderr != "":
		return fmt.Errorf("%s: exit code %d: %s", what, res.ExitCode, firstLineOf(res.Stderr))
	default:
		return fmt.Errorf("%s: exit code %d", what, res.ExitCode)
	}
}

// unitInfo is a unit looked at, with its ExecStart.
type unitInfo struct {
	svc  manifest.AgentService
	exec []osout.Exec
}

func (c *serviceCollector) linux(ctx context.Context, b *bundle.Bundle) error {
	svc := manifest.Service{Manager: "systemd", Available: true}
	systemctl := c.paths.first(c.paths.systemctl)
	booted, pid1 := c.os.SystemdBooted()
	switch {
	case systemctl == "":
		svc.Manager, svc.Available = "none", false
		svc.Detail = "systemctl is not installed: this system does not run systemd, so the agent cannot run as a systemd service"
	case !booted:
		if pid1 == "" {
			pid1 = "unknown"
		}
		svc.Manager, svc.Available = "none", false
		svc.Detail = fmt.Sprintf("systemd is not running (PID 1 is %s): services cannot be queried; a container or another init system", pid1)
	}
	var units []unitInfo
	if !svc.Available {
		for _, name := range guideUnits {
			u := unitInfo{svc: manifest.AgentService{Name: name, Why: whyGuide, State: platform.ServiceNoSystemd, RawState: svc.Detail}}
			c.unitFileOnDisk(ctx, b, &u)
			units = append(units, u)
		}
	} else {
		queried := map[string]string{} // unit ID -> the name it was queried as
		for _, name := range guideUnits {
			units = append(units, c.queryUnit(ctx, b, systemctl, name, whyGuide, queried))
		}
		var dirs []string
		for _, d := range c.unitDirs(units) {
			dirs = append(dirs, d.dir)
		}
		for _, extra := range c.discoverUnits(ctx, b, systemctl, dirs) {
			units = append(units, c.queryUnit(ctx, b, systemctl, extra[0], extra[1], queried))
		}
	}
	for _, u := range units {
		svc.Services = append(svc.Services, u.svc)
	}
	svc.Installs = c.installsFromUnits(ctx, b, units)
	c.record(b, svc)
	pids := map[int32]string{}
	var names []string
	for _, s := range svc.Services {
		if s.Found {
			names = append(names, s.Name)
			if s.PID > 0 {
				pids[int32(s.PID)] = s.Name
			}
		}
	}
	c.publish(installDirs(svc.Installs), pids, names)
	return ctx.Err()
}

// queryUnit reads one unit: systemctl show (parsed), systemctl status and its unit files. A name
// that is an alias of a unit already queried (queried maps unit IDs to names) is recorded as
// such and not read again, so its journal is not scanned twice.
func (c *serviceCollector) queryUnit(ctx context.Context, b *bundle.Bundle, systemctl, name, why string, queried map[string]string) unitInfo {
	red := b.Redactor()
	u := unitInfo{svc: manifest.AgentService{Name: name, Why: why, State: platform.ServiceUnknown}}
	s := &u.svc
	dir := "service/" + name
	entry := dir + "/show.txt"
	out, res, err := capture(ctx, b, c.runner, c.cmdTimeout, entry, maxShowOutput, systemctl,
		"show", name, "--no-pager", "--property="+strings.Join(osout.ShowProperties, ","))
	if err != nil || res.ExitCode != 0 {
		e := commandFailure("systemctl show "+name, res, err)
		s.Errors = append(s.Errors, red.String(e.Error()))
		b.Problem("%v", e)
		return u
	}
	s.Files = append(s.Files, entry)
	blocks := osout.ParseSystemctlShow(bytes.NewReader(out))
	if len(blocks) == 0 {
		s.Errors = append(s.Errors, "systemctl show printed no properties")
		b.Problem("systemctl show %s printed no properties", name)
		return u
	}
	unit := osout.UnitFromShow(blocks[0])
	s.State = osout.UnitState(unit)
	s.Found = s.State != platform.ServiceNotFound && unit.LoadState != ""
	if !s.Found {
		s.RawState = unit.LoadState
		return u
	}
	if first, ok := queried[unit.ID]; ok && unit.ID != "" {
		s.AliasOf = first
		return u
	}
	queried[unit.ID] = name
	u.exec = unit.ExecStart
	s.DisplayName = red.String(unit.Description)
	s.RawState = unit.ActiveState + " (" + unit.SubState + ")"
	s.StartType = unit.UnitFileState
	s.AutoStart = osout.UnitAutoStart(unit.UnitFileState)
	s.PID = unit.MainPID
	if unit.ExecMainCode != "" {
		s.ExitCode = fmt.Sprintf("status=%d (%s)", unit.ExecMainStatus, unit.ExecMainCode)
	}
	s.Restarts = unit.NRestarts
	s.Result = unit.Result
	if len(unit.ExecStart) > 0 {
		s.BinaryPath = red.String(strings.Join(unit.ExecStart[0].Argv, " "))
	}
	s.UnitFile = unit.FragmentPath
	s.Account = unit.User
	if s.Account == "" {
		s.Account = "root"
	}
	s.ActiveSince = unit.ActiveSince
	statusEntry := dir + "/status.txt"
	cctx, cancel := context.WithTimeout(ctx, c.cmdTimeout)
	res, err = addCommand(cctx, b, c.runner, statusEntry, 1<<20, nil, systemctl, "status", name, "--no-pager", "--full", "--lines=20")
	cancel()
	// systemctl status exits 3 for a unit that is not active: that is an answer, not a failure.
	if err != nil || res.ExitCode != 0 && res.ExitCode != 3 {
		e := commandFailure("systemctl status "+name, res, err)
		s.Errors = append(s.Errors, red.String(e.Error()))
		b.Problem("%v", e)
	}
	s.Files = append(s.Files, statusEntry)
	for _, f := range append([]string{unit.FragmentPath}, unit.DropInPaths...) {
		if f != "" {
			c.addUnitFile(ctx, b, dir, f, s)
		}
	}
	return u
}

// addUnitFile adds a unit file or drop-in to the service's folder.
func (c *serviceCollector) addUnitFile(ctx context.Context, b *bundle.Bundle, dir, file string, s *manifest.AgentService) []byte {
	data, st, err := readSmallStat(c.open, file, maxUnitFile)
	if err != nil {
		b.Failed("read unit file "+file, err)
		s.Errors = append(s.Errors, b.Redactor().String(fmt.Sprintf("read %s: %v", file, err)))
		return nil
	}
	entry := dir + "/" + path.Base(file)
	if strings.HasSuffix(path.Dir(file), ".d") {
		entry = dir + "/" + path.Base(path.Dir(file)) + "/" + path.Base(file)
	}
	if err := b.Add(ctx, entry, bytes.NewReader(data), int64(len(data))+1, bundle.Info{Source: file, Mtime: st.ModTime()}); err != nil {
		b.Problem("add %s: %v", file, err)
		return data
	}
	s.Files = append(s.Files, entry)
	return data
}

// unitFileOnDisk looks for a unit's file where systemd would load it from, when systemd does
// not run: a unit file there means the agent was installed as a service on a machine (or in
// a container) that cannot run it.
func (c *serviceCollector) unitFileOnDisk(ctx context.Context, b *bundle.Bundle, u *unitInfo) {
	for _, d := range c.paths.unitDirs {
		f := filepath.Join(d, u.svc.Name)
		if !c.paths.exists(f) {
			continue
		}
		data := c.addUnitFile(ctx, b, "service/"+u.svc.Name, f, &u.svc)
		if data == nil {
			return
		}
		u.svc.UnitFile = f
		u.svc.Why += "; its unit file exists"
		u.exec = osout.ParseUnitExecStart(bytes.NewReader(data))
		if len(u.exec) > 0 {
			u.svc.BinaryPath = b.Redactor().String(strings.Join(u.exec[0].Argv, " "))
		}
		return
	}
}

// discoverUnits lists the loaded services and returns, as {name, why}, those other than the
// guide's whose ExecStart points into one of dirs or whose name, description or program
// mentions the agent.
func (c *serviceCollector) discoverUnits(ctx context.Context, b *bundle.Bundle, systemctl string, dirs []string) [][2]string {
	out, res, err := capture(ctx, b, c.runner, c.cmdTimeout, "", 4<<20, systemctl,
		"list-units", "--type=service", "--all", "--no-legend", "--plain", "--no-pager")
	if err != nil || res.ExitCode != 0 {
		b.Problem("%v", commandFailure("list the loaded services", res, err))
		return nil
	}
	var names []string
	for _, n := range osout.ParseListUnits(bytes.NewReader(out)) {
		if n != guideUnits[0] && n != guideUnits[1] && strings.HasSuffix(n, ".service") {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil
	}
	args := append([]string{"show", "--no-pager", "--property=Id,Description,ExecStart"}, names...)
	out, res, err = capture(ctx, b, c.runner, c.cmdTimeout, "", 16<<20, systemctl, args...)
	if err != nil || res.ExitCode != 0 {
		b.Problem("%v", commandFailure("read the loaded services' ExecStart", res, err))
		return nil
	}
	var found [][2]string
	for _, p := range osout.ParseSystemctlShow(bytes.NewReader(out)) {
		u := osout.UnitFromShow(p)
		if u.ID == "" {
			continue
		}
		why := ""
		for _, e := range u.ExecStart {
			bin := osout.ExecBinary(e)
			for _, d := range dirs {
				if winpath.Under(bin, d, false) {
					why = "its ExecStart points into the agent install " + d
				}
			}
			if why == "" && agent.NamePattern.MatchString(bin) {
				why = "its ExecStart program " + bin + " names the agent"
			}
		}
		if why == "" && (agent.NamePattern.MatchString(u.ID) || agent.NamePattern.MatchString(u.Description)) {
			why = "its name or description names the agent"
		}
		if why != "" {
			found = append(found, [2]string{u.ID, b.Redactor().String(why)})
		}
	}
	return found
}

// unitDir is a folder holding a unit's program: where the agent may be installed.
type unitDir struct {
	dir string
	u   unitInfo
}

// unitDirs returns the folders the units' programs are in, once each, leaving out interpreters
// (/usr/bin/node) and system folders, which hold other programs too.
func (c *serviceCollector) unitDirs(units []unitInfo) []unitDir {
	var out []unitDir
	seen := map[string]bool{}
	for _, u := range units {
		for _, e := range u.exec {
			bin := osout.ExecBinary(e)
			if !strings.HasPrefix(bin, "/") || osout.IsInterpreter(bin) {
				continue
			}
			dir := path.Dir(bin)
			if seen[dir] || isSystemDir(c.os, dir) {
				continue
			}
			seen[dir] = true
			out = append(out, unitDir{dir, u})
		}
	}
	return out
}

// installsFromUnits finds the agent's install folders from the units' programs, and its version
// in them.
func (c *serviceCollector) installsFromUnits(ctx context.Context, b *bundle.Bundle, units []unitInfo) []manifest.Install {
	var out []manifest.Install
	for _, d := range c.unitDirs(units) {
		in := manifest.Install{Source: "service", Where: d.u.svc.Name + " ExecStart", Dir: d.dir, DisplayName: d.u.svc.DisplayName}
		c.versionFromFiles(b, &in)
		out = append(out, in)
	}
	return out
}

// versionFromFiles looks for the agent's package.json in its install folder, loose or inside
// Electron's app.asar, and records the version it names.
func (c *serviceCollector) versionFromFiles(b *bundle.Bundle, in *manifest.Install) {
	dir := in.Dir
	parent := filepath.Dir(dir)
	for _, cand := range []struct{ file, inner string }{
		{filepath.Join(dir, "resources", "app.asar"), "package.json"},
		{filepath.Join(dir, "resources", "app", "package.json"), ""},
		{filepath.Join(dir, "package.json"), ""},
		{filepath.Join(parent, "resources", "app.asar"), "package.json"},
		{filepath.Join(parent, "package.json"), ""},
	} {
		if !c.paths.exists(cand.file) {
			continue
		}
		data, err := c.readVersionFile(cand.file, cand.inner)
		if err != nil {
			b.Failed("read the agent's version from "+cand.file, err)
			continue
		}
		p, err := agent.ParsePackageJSON(data)
		if err != nil {
			b.Problem("read the agent's version from %s: %v", cand.file, err)
			continue
		}
		in.Version = b.Redactor().String(p.Version)
		in.Source, in.Where = "package.json", cand.file
		if cand.inner != "" {
			in.Source, in.Where = "app.asar", cand.file+"!/"+cand.inner
		}
		if in.DisplayName == "" {
			in.DisplayName = b.Redactor().String(firstNonEmpty(p.ProductName, p.Name))
		}
		return
	}
}

func (c *serviceCollector) readVersionFile(file, inner string) ([]byte, error) {
	if inner == "" {
		return readSmall(c.open, file, maxPackageJSON)
	}
	f, err := c.open.OpenFile(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return agent.AsarFile(f, inner, maxPackageJSON)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// isSystemDir reports whether dir is one of the OS's own program folders (/usr/bin,
// %SystemRoot%\System32…): a service whose program lives there (a test fixture, a wrapper)
// does not make it the agent's install folder, and every process there would look like the
// agent's.
func isSystemDir(os SystemOS, dir string) bool {
	if os.OS() == "windows" {
		return winpath.Under(dir, winpath.Root(os.Getenv), true)
	}
	switch strings.TrimRight(dir, "/") {
	case "", "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/lib", "/usr/lib", "/usr/libexec",
		"/lib/systemd", "/usr/lib/systemd":
		return true
	}
	return false
}

// installDirs returns the install folders.
func installDirs(ins []manifest.Install) []string {
	var dirs []string
	for _, in := range ins {
		dirs = append(dirs, in.Dir)
	}
	return uniq(dirs, true)
}

// windows reads the agent's service from the service control manager (read-only), its sc.exe
// view, the Uninstall registry keys and the event logs.
func (c *serviceCollector) windows(ctx context.Context, b *bundle.Bundle) error {
	red := b.Redactor()
	svc := manifest.Service{Manager: "scm", Available: true}
	lookedFor := manifest.AgentService{Name: "Celigo Agent", DisplayName: "Celigo Agent",
		Why: `looked for by display name "Celigo Agent" or a name containing "celigo"`}
	mgr, err := c.os.ServiceManager()
	var binaries []string
	if err != nil {
		svc.Available, svc.Detail = false, red.String(err.Error())
		b.Failed("the service control manager", err)
		lookedFor.State, lookedFor.Errors = platform.ServiceUnknown, []string{svc.Detail}
		svc.Services = append(svc.Services, lookedFor)
	} else {
		defer mgr.Close()
		list, err := mgr.List()
		if err != nil {
			svc.Detail = red.String(err.Error())
			b.Problem("%v", err)
		}
		for _, e := range list {
			if agent.MatchService(e.Name, e.DisplayName) {
				s, bin := c.windowsService(ctx, b, mgr, e)
				svc.Services = append(svc.Services, s)
				binaries = append(binaries, bin)
			}
		}
		if len(svc.Services) == 0 {
			lookedFor.State = platform.ServiceNotFound
			if err != nil {
				lookedFor.State = platform.ServiceUnknown
			}
			svc.Services = append(svc.Services, lookedFor)
		}
	}
	svc.Installs = c.windowsInstalls(b, binaries)
	c.record(b, svc)
	pids := map[int32]string{}
	var names []string
	for _, s := range svc.Services {
		if s.Found {
			names = append(names, s.Name, s.DisplayName)
			if s.PID > 0 {
				pids[int32(s.PID)] = s.Name
			}
		}
	}
	c.publish(installDirs(svc.Installs), pids, uniq(names, true))
	return ctx.Err()
}

// windowsService reads one service through the API, adds sc.exe's view of it, and fills from
// sc.exe what the API could not read (Wine lacks some QueryServiceConfig2 levels). It returns
// the service and its program.
func (c *serviceCollector) windowsService(ctx context.Context, b *bundle.Bundle, mgr platform.ServiceManager, e platform.ServiceEntry) (manifest.AgentService, string) {
	red := b.Redactor()
	d, errs := mgr.Query(e.Name)
	why := `its name contains "celigo"`
	if strings.EqualFold(strings.TrimSpace(e.DisplayName), "Celigo Agent") {
		why = `display name "Celigo Agent"`
	}
	s := manifest.AgentService{Name: e.Name, DisplayName: firstNonEmpty(d.DisplayName, e.DisplayName), Why: why, Found: true}
	dir := "service/" + e.Name
	sc := windowsTool(c.os, "sc.exe")
	parsed := map[string]osout.SCOutput{}
	for _, q := range []string{"queryex", "qc", "qfailure"} {
		entry := dir + "/sc-" + q + ".txt"
		out, res, err := capture(ctx, b, c.runner, c.cmdTimeout, entry, maxSCOutput, sc, q, e.Name)
		if o, ok := osout.ParseSC(bytes.NewReader(out)); ok {
			parsed[q] = o
		} else {
			s.Errors = append(s.Errors, red.String(commandFailure("sc "+q+" "+e.Name, res, err).Error()))
		}
		if len(out) > 0 {
			s.Files = append(s.Files, entry)
		}
	}
	// What sc.exe printed fills what the API could not read.
	fixed := map[string]bool{}
	if o, ok := parsed["queryex"]; ok {
		var x platform.ServiceDetail
		osout.ApplySCQueryEx(&x, o)
		if x.State != "" {
			fixed[platform.PartStatus] = true
			if d.State == "" || d.State == platform.ServiceUnknown {
				d.State, d.RawState, d.PID, d.Win32ExitCode, d.ServiceExitCode = x.State, x.RawState, x.PID, x.Win32ExitCode, x.ServiceExitCode
			}
		}
	}
	if o, ok := parsed["qc"]; ok {
		var x platform.ServiceDetail
		osout.ApplySCQC(&x, o)
		if x.StartType != "" {
			fixed[platform.PartConfig], fixed[platform.PartDelayed] = true, true
			// sc qc prints "(DELAYED)": it knows the delayed flag the API may have missed.
			if d.StartType == "" || strings.HasPrefix(x.StartType, "Automatic") {
				d.StartType = x.StartType
			}
			d.BinaryPath = firstNonEmpty(d.BinaryPath, x.BinaryPath)
			d.Account = firstNonEmpty(d.Account, x.Account)
		}
	}
	if o, ok := parsed["qfailure"]; ok {
		if r := osout.ParseSCQFailure(o); r != nil {
			fixed[platform.PartRecovery] = true
			if d.Recovery == nil {
				d.Recovery = r
			}
		}
	}
	for _, err := range errs {
		msg := red.String(err.Error())
		var qe *platform.QueryError
		if errors.As(err, &qe) && fixed[qe.Part] {
			s.Errors = append(s.Errors, msg+" (read from sc.exe instead)")
			continue
		}
		s.Errors = append(s.Errors, msg)
		if bundle.IsDenied(err, "") {
			b.Denied("service "+e.Name, err)
		} else {
			b.Problem("%s", msg)
		}
	}
	s.State = d.State
	if s.State == "" {
		s.State = platform.ServiceUnknown
	}
	s.RawState = d.RawState
	s.StartType = d.StartType
	s.AutoStart = platform.StartTypeAuto(d.StartType)
	s.PID = int(d.PID)
	if d.RawState != "" {
		s.ExitCode = fmt.Sprintf("win32=%d service=%d", d.Win32ExitCode, d.ServiceExitCode)
	}
	s.BinaryPath = red.String(d.BinaryPath)
	s.Account = red.String(d.Account)
	if r := d.Recovery; r != nil {
		mr := &manifest.Recovery{ResetPeriodS: r.ResetPeriodS, Command: red.String(r.Command)}
		for _, a := range r.Actions {
			mr.Actions = append(mr.Actions, manifest.RecoveryAction{Type: a.Type, DelayMS: a.DelayMS})
		}
		s.Recovery = mr
	}
	return s, winpath.CommandLineBinary(d.BinaryPath)
}

// windowsInstalls reads the Uninstall registry keys for the agent, and adds the folders of the
// service programs that no key names.
func (c *serviceCollector) windowsInstalls(b *bundle.Bundle, binaries []string) []manifest.Install {
	red := b.Redactor()
	keys, errs := c.os.UninstallKeys()
	for _, err := range errs {
		b.Failed("read the Uninstall keys of the registry", err)
	}
	var out []manifest.Install
	for _, k := range keys {
		in, ok := agent.InstallFromUninstall(k)
		if !ok {
			continue
		}
		out = append(out, manifest.Install{Source: in.Source, Where: red.String(in.Where), DisplayName: red.String(in.DisplayName),
			Version: red.String(in.Version), Dir: red.String(in.Dir), InstallDate: in.InstallDate, Scope: in.Scope, User: in.User})
	}
	inKnown := func(dir string) bool {
		for _, in := range out {
			if winpath.Under(dir, in.Dir, true) {
				return true
			}
		}
		return false
	}
	for _, bin := range binaries {
		dir := winpath.Dir(bin)
		if dir == "" || inKnown(dir) || isSystemDir(c.os, dir) {
			continue
		}
		in := manifest.Install{Source: "service", Where: "the service's program", Dir: red.String(dir)}
		c.versionFromFiles(b, &in)
		out = append(out, in)
	}
	return out
}

// addEvents queries one event log with wevtutil (rendered XML, newest first, at most count
// events), keeps the events keep accepts (all when nil), and adds them to the bundle as entry,
// one line each, oldest first. It returns the count of each event ID with the line of its
// newest event, and the events in the order of the file.
func addEvents(ctx context.Context, b *bundle.Bundle, r CommandRunner, timeout time.Duration, wevtutil, entry, log, query string, count int, keep func(osout.Event) bool, since time.Duration) ([]manifest.EventCount, []osout.Event, error) {
	args := osout.WevtutilArgs(log, query, count)
	out, res, err := capture(ctx, b, r, timeout, "", maxEventOutput, wevtutil, args...)
	if err == nil && res.ExitCode != 0 && !bundle.IsDenied(nil, res.Stderr) {
		// Rendering fails for events whose publisher is gone: the events without their
		// messages are still worth having.
		args[len(args)-1] = "/f:xml"
		out, res, err = capture(ctx, b, r, timeout, "", maxEventOutput, wevtutil, args...)
	}
	if err != nil || res.ExitCode != 0 {
		if bundle.IsDenied(err, res.Stderr) {
			b.Denied("the "+log+" event log", commandFailure("wevtutil", res, err))
			return nil, nil, nil
		}
		return nil, nil, commandFailure("read the "+log+" event log", res, err)
	}
	text := commandText(out)
	var events []osout.Event
	var perr error
	if t := strings.TrimSpace(text); t == "" || strings.HasPrefix(t, "<") {
		events, perr = osout.ParseEventsXML(strings.NewReader(text))
	} else {
		// Not XML: wevtutil's text rendering (/f:text), as some builds and wrappers print.
		events, perr = osout.ParseEventsText(strings.NewReader(text))
	}
	if perr != nil && len(events) == 0 {
		// Keep the raw output: it is still evidence.
		if err := b.Add(ctx, strings.TrimSuffix(entry, ".txt")+".xml", strings.NewReader(text), int64(len(text))+1, bundle.Info{Source: "wevtutil qe " + log, Note: "could not be parsed: " + perr.Error()}); err != nil {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("read the %s event log: %w", log, perr)
	}
	var kept []osout.Event
	for _, e := range events {
		if keep == nil || keep(e) {
			kept = append(kept, e)
		}
	}
	// wevtutil gave them newest first; a log reads oldest first.
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Time.Before(kept[j].Time) })
	var sb strings.Builder
	byID := map[int]*manifest.EventCount{}
	var ids []int
	for i, e := range kept {
		sb.WriteString(e.Format())
		sb.WriteByte('\n')
		ec := byID[e.ID]
		if ec == nil {
			ec = &manifest.EventCount{Log: log, ID: e.ID, Path: entry}
			byID[e.ID] = ec
			ids = append(ids, e.ID)
		}
		ec.Count++
		if !e.Time.IsZero() {
			t := e.Time.UTC()
			ec.Last = &t
		}
		ec.Line = i + 1
	}
	if len(kept) == 0 {
		fmt.Fprintf(&sb, "no %s event log events matched within the last %s\n", log, since)
	}
	note := fmt.Sprintf("%d events, newest first at most %d, rendered one per line", len(kept), count)
	if perr != nil {
		note += "; the rest of wevtutil's output could not be parsed: " + perr.Error()
	}
	if err := b.Add(ctx, entry, strings.NewReader(sb.String()), int64(sb.Len())+1, bundle.Info{Source: "wevtutil qe " + log, Note: note}); err != nil {
		return nil, nil, err
	}
	var counts []manifest.EventCount
	for _, id := range ids {
		counts = append(counts, *byID[id])
	}
	return counts, kept, nil
}

// commandText decodes a Windows command's output: UTF-16 (with or without a byte-order mark)
// or UTF-8; invalid bytes become U+FFFD.
func commandText(b []byte) string {
	if len(b) >= 2 && (b[0] == 0xff && b[1] == 0xfe || b[1] == 0 && b[0] != 0) {
		if b[0] == 0xff && b[1] == 0xfe {
			b = b[2:]
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		return string(utf16.Decode(u))
	}
	return strings.ToValidUTF8(strings.TrimPrefix(string(b), "\ufeff"), "\ufffd")
}
