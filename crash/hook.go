package crash

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/opadiag/opadiag/agent"
	"github.com/opadiag/opadiag/internal/winpath"
)

// Plan is what install writes and runs.
type Plan struct {
	GOOS string
	// Binary is the opadiag the hook runs; CopyFrom the running one, copied there ("" when
	// Binary is the running one or already holds the same bytes).
	Binary   string
	CopyFrom string
	Output   string // where the crash bundles go
	Units    []AgentUnit
	Services []AgentService
	Files    []PlannedFile // unit files (Linux)
	Task     string        // Windows: the task's name and definition
	TaskXML  string
	// Commands run after the files are written (none under --root).
	Commands [][]string
	Notes    []string
}

// PlannedFile is a file install writes.
type PlannedFile struct {
	Path    string
	Content string
	Unit    string // the agent unit a drop-in is for
}

// Plan finds the agent's units (Linux) or service (Windows) and returns what install would
// write. It changes nothing.
func (e *Env) Plan(ctx context.Context) (*Plan, error) {
	old, err := e.readState()
	note := ""
	if errors.Is(err, fs.ErrPermission) {
		// --print needs no rights: show the plan as for a first install.
		old, note = nil, err.Error()+": shown as for a first install"
	} else if err != nil {
		return nil, err
	}
	p, err := e.plan(ctx, old)
	if p != nil && note != "" {
		p.Notes = append(p.Notes, note)
	}
	return p, err
}

func (e *Env) plan(ctx context.Context, old *State) (*Plan, error) {
	p := &Plan{GOOS: e.GOOS, Binary: e.binaryPath(), Output: e.output()}
	from, err := e.binarySource(old)
	if err != nil {
		return nil, err
	}
	p.CopyFrom = from
	if e.GOOS == "windows" {
		return p, e.planWindows(p)
	}
	units, notes := e.findUnits()
	p.Notes = append(p.Notes, notes...)
	if len(units) == 0 {
		var dirs []string
		for _, d := range unitDirs {
			dirs = append(dirs, e.rootPath(d))
		}
		return nil, hintf("the agent must run as a systemd service; for an agent started from its window or in the background, "+
			"run 'opadiag collect --trigger crash --if-crashed' from cron instead (see the README)",
			fmt.Errorf("no systemd unit of the agent found in %s", strings.Join(dirs, ", ")))
	}
	p.Units = units
	systemctl := e.systemctl()
	p.Files = append(p.Files, PlannedFile{Path: adminUnitDir + "/" + CaptureUnit, Content: captureUnit(p.Binary, p.Output)})
	for _, u := range units {
		p.Files = append(p.Files, PlannedFile{Path: adminUnitDir + "/" + u.Name + ".d/" + DropInName, Content: dropIn(systemctl, p.Output), Unit: u.Name})
	}
	if e.commands() {
		if e.SystemdRunning {
			p.Commands = append(p.Commands, []string{systemctl, "daemon-reload"})
		} else {
			p.Notes = append(p.Notes, "systemd is not running on this machine: the units take effect when it starts")
		}
	}
	return p, nil
}

// rootPath is how a system path is shown: under Root when one is given.
func (e *Env) rootPath(sys string) string {
	if e.Root == "" {
		return sys
	}
	return e.onDisk(sys)
}

// planWindows finds the agent's services and writes the task's definition.
func (e *Env) planWindows(p *Plan) error {
	services, err := e.agentServices()
	if err != nil {
		return err
	}
	p.Services = services
	xml, skipped := taskXML(p.Binary, p.Output, services)
	for _, s := range skipped {
		p.Notes = append(p.Notes, fmt.Sprintf("the name %s holds both kinds of quote and cannot be matched in the task's event query", s))
	}
	p.Task, p.TaskXML = TaskName, xml
	if e.commands() {
		p.Commands = append(p.Commands, e.schtasks("/Create", "/XML", `%TEMP%\opadiag-task-NNN.xml`, "/TN", TaskName, "/F"))
	}
	return nil
}

// agentServices lists the agent's Windows services (agent.MatchService).
func (e *Env) agentServices() ([]AgentService, error) {
	if e.ServiceManager == nil {
		return nil, errors.New("no service control manager on this system")
	}
	m, err := e.ServiceManager()
	if err != nil {
		return nil, fmt.Errorf("open the service control manager: %w", err)
	}
	defer m.Close()
	list, err := m.List()
	if err != nil {
		return nil, fmt.Errorf("list the services: %w", err)
	}
	var out []AgentService
	for _, s := range list {
		if agent.MatchService(s.Name, s.DisplayName) {
			out = append(out, AgentService{Name: s.Name, DisplayName: s.DisplayName})
		}
	}
	if len(out) == 0 {
		return nil, hintf("the agent must be installed as a Windows service; for an agent started from its window or in the background, "+
			"schedule 'opadiag collect --trigger crash --if-crashed' with schtasks instead (see the README)",
			errors.New(`no service of the agent found (display name "Celigo Agent" or a name containing "celigo")`))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// schtasks is a schtasks.exe command line, by absolute path.
func (e *Env) schtasks(args ...string) []string {
	return append([]string{winpath.System32(e.getenv, "schtasks.exe")}, args...)
}

// binarySource decides whether install copies the running opadiag to binaryPath: not when it
// is that file, or one with the same bytes. A different file there that install did not write
// is an error: it is not ours to replace.
func (e *Env) binarySource(old *State) (string, error) {
	target := e.binaryPath()
	exe := e.Exe
	if exe == "" {
		return "", errors.New("cannot tell where the running opadiag is")
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	st, err := os.Stat(e.onDisk(target))
	if errors.Is(err, fs.ErrNotExist) {
		return exe, nil
	}
	if err != nil {
		return "", fmt.Errorf("look at %s: %w", target, err)
	}
	if xs, err := os.Stat(exe); err == nil && os.SameFile(st, xs) {
		return "", nil
	}
	have, err := fileSHA256(e.onDisk(target))
	if err != nil {
		return "", fmt.Errorf("look at %s: %w", target, err)
	}
	want, err := fileSHA256(exe)
	if err != nil {
		return "", fmt.Errorf("read the running opadiag %s: %w", exe, err)
	}
	if have == want {
		return "", nil
	}
	if f, ok := old.file(target); ok && f.SHA256 == have {
		return exe, nil // ours, unchanged since: replaced by this version
	}
	return "", hintf("run crash-hook install with that opadiag ("+target+" crash-hook install), or move it away first",
		fmt.Errorf("%s exists and is not the opadiag crash-hook installed", e.rootPath(target)))
}

// Report is what install or uninstall did (or, with --print, would do).
type Report struct {
	Plan      *Plan    // install
	Written   []string // files written
	Unchanged []string // files already as install would write them
	Removed   []string // files and folders removed
	Left      []string // files left in place, with why
	Ran       []string // commands run
	Notes     []string
	// NotInstalled: uninstall found nothing to remove.
	NotInstalled bool
	// Failed: install or uninstall stopped with an error; Write then never says it was done.
	Failed bool
}

// Install writes the hook: the copy of opadiag, the units or task, the state file; then runs
// daemon-reload or schtasks. Run again it changes only what differs, and removes what an earlier
// install wrote for a unit that is gone. What was written before an error is recorded, so that
// uninstall still removes it.
func Install(ctx context.Context, e *Env) (rep *Report, err error) {
	if err := e.checkElevated("install"); err != nil {
		return nil, err
	}
	old, err := e.readState()
	if err != nil {
		return nil, err
	}
	p, err := e.plan(ctx, old)
	if err != nil {
		return nil, err
	}
	rep = &Report{Plan: p, Notes: append([]string(nil), p.Notes...)}
	st := &State{Format: stateFormat, Installed: e.clock().Now().UTC(), Version: e.Version, OS: e.GOOS,
		Binary: p.Binary, Output: p.Output, Services: p.Services, Task: p.Task}
	if old != nil {
		for _, d := range old.Dirs {
			if e.exists(d) {
				st.Dirs = append(st.Dirs, d)
			}
		}
	}
	for _, u := range p.Units {
		st.Units = append(st.Units, u.Name)
	}
	defer func() {
		if err == nil {
			return
		}
		// Keep the record of what is on disk now, ours from before included.
		if old != nil {
			for _, f := range old.Files {
				if _, ok := st.file(f.Path); !ok && e.exists(f.Path) {
					st.Files = append(st.Files, f)
				}
			}
		}
		if len(st.Files) > 0 || len(st.Dirs) > 0 {
			if werr := e.saveState(st); werr != nil {
				err = errors.Join(err, werr)
			}
		}
	}()

	for _, f := range p.Files {
		if err := e.installFile(st, old, rep, f); err != nil {
			return rep, err
		}
	}
	if err := e.installBinary(st, old, rep, p); err != nil {
		return rep, err
	}
	// What an earlier install wrote and this one does not (the drop-in of a unit since removed).
	if old != nil {
		for _, f := range old.Files {
			if _, ok := st.file(f.Path); ok || f.Path == p.Binary {
				continue
			}
			if err := e.removeFile(f, rep); err != nil {
				return rep, err
			}
		}
	}
	e.pruneDirs(st, rep)
	if err := e.saveState(st); err != nil {
		return rep, err
	}
	if !e.commands() {
		return rep, nil
	}
	if e.GOOS == "windows" {
		return rep, e.registerTask(ctx, p, rep)
	}
	for _, c := range p.Commands {
		if _, err := run(ctx, e.runner(), c[0], c[1:]...); err != nil {
			return rep, fmt.Errorf("the files are written, but: %w", err)
		}
		rep.Ran = append(rep.Ran, strings.Join(c, " "))
	}
	return rep, nil
}

// pruneDirs removes the folders an earlier install created that no file needs any more (the
// drop-in folder of a unit since removed), when they are empty.
func (e *Env) pruneDirs(st *State, rep *Report) {
	needed := map[string]bool{}
	for _, p := range append([]string{e.StateFile()}, filePaths(st.Files)...) {
		for d := e.parent(p); d != "" && !needed[d]; d = e.parent(d) {
			needed[d] = true
			if e.parent(d) == d {
				break
			}
		}
	}
	var keep []string
	for i := len(st.Dirs) - 1; i >= 0; i-- {
		d := st.Dirs[i]
		if !needed[d] && os.Remove(e.onDisk(d)) == nil {
			rep.Removed = append(rep.Removed, d)
			continue
		}
		keep = append([]string{d}, keep...)
	}
	st.Dirs = keep
}

func filePaths(fs []WrittenFile) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Path)
	}
	return out
}

// saveState creates the state folder (private) when missing and writes the state file.
func (e *Env) saveState(st *State) error {
	created, err := e.mkdirs(e.stateDir(), true)
	st.Dirs = appendNew(st.Dirs, created...)
	if err != nil {
		return err
	}
	return e.writeState(st)
}

// installFile writes one unit file, unless it already holds the content. A file there that the
// hook did not write (no marker, not recorded) is never replaced.
func (e *Env) installFile(st, old *State, rep *Report, f PlannedFile) error {
	disk := e.onDisk(f.Path)
	want := sha256Hex([]byte(f.Content))
	if have, err := fileSHA256(disk); err == nil {
		rec, recorded := old.file(f.Path)
		ours := hasMarker(disk) || recorded && rec.SHA256 == have
		if !ours {
			return hintf("move it away, or remove it, and run crash-hook install again",
				fmt.Errorf("%s exists and was not written by opadiag crash-hook", e.rootPath(f.Path)))
		}
		if have == want {
			st.Files = append(st.Files, WrittenFile{Path: f.Path, SHA256: want, Unit: f.Unit})
			rep.Unchanged = append(rep.Unchanged, f.Path)
			return nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("look at %s: %w", e.rootPath(f.Path), err)
	}
	created, err := e.mkdirs(e.parent(f.Path), false)
	st.Dirs = appendNew(st.Dirs, created...)
	if err != nil {
		return err
	}
	if err := writeAtomic(disk, []byte(f.Content), 0o644); err != nil {
		return err
	}
	st.Files = append(st.Files, WrittenFile{Path: f.Path, SHA256: want, Unit: f.Unit})
	rep.Written = append(rep.Written, f.Path)
	return nil
}

// installBinary copies the running opadiag where the hook runs it from, or records the one
// already there when an earlier install put it there.
func (e *Env) installBinary(st, old *State, rep *Report, p *Plan) error {
	if p.CopyFrom == "" {
		if rec, ok := old.file(p.Binary); ok {
			if have, err := fileSHA256(e.onDisk(p.Binary)); err == nil && have == rec.SHA256 {
				st.Files = append(st.Files, rec)
			}
		}
		rep.Unchanged = append(rep.Unchanged, p.Binary)
		return nil
	}
	created, err := e.mkdirs(e.parent(p.Binary), false)
	st.Dirs = appendNew(st.Dirs, created...)
	if err != nil {
		return err
	}
	sum, err := copyAtomic(p.CopyFrom, e.onDisk(p.Binary), 0o755)
	if err != nil {
		return err
	}
	st.Files = append(st.Files, WrittenFile{Path: p.Binary, SHA256: sum})
	rep.Written = append(rep.Written, p.Binary)
	return nil
}

// registerTask registers the task from its definition, written to a temporary file (UTF-16)
// in the administrator's own temporary folder, removed afterwards.
func (e *Env) registerTask(ctx context.Context, p *Plan, rep *Report) error {
	f, err := os.CreateTemp("", "opadiag-task-*.xml")
	if err != nil {
		return fmt.Errorf("write the task's definition: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(utf16File(p.TaskXML))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write the task's definition: %w", err)
	}
	c := e.schtasks("/Create", "/XML", f.Name(), "/TN", p.Task, "/F")
	if _, err := run(ctx, e.runner(), c[0], c[1:]...); err != nil {
		return fmt.Errorf("register the task %s: %w", p.Task, err)
	}
	rep.Ran = append(rep.Ran, strings.Join(c, " "))
	return nil
}

// taskRegistered asks schtasks whether the task exists.
func (e *Env) taskRegistered(ctx context.Context, name string) (bool, error) {
	c := e.schtasks("/Query", "/TN", name)
	res, err := e.runner().Run(ctx, c[0], c[1:]...)
	if err != nil {
		return false, fmt.Errorf("query the task %s: %w", name, err)
	}
	return res.ExitCode == 0, nil
}

// removeFile removes a file install wrote while it still holds what install wrote; a file
// changed since is left, and said so.
func (e *Env) removeFile(f WrittenFile, rep *Report) error {
	disk := e.onDisk(f.Path)
	have, err := fileSHA256(disk)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rep.Notes = append(rep.Notes, f.Path+" was already gone")
		return nil
	case err != nil:
		rep.Left = append(rep.Left, fmt.Sprintf("%s: %v", f.Path, err))
		return nil
	case have != f.SHA256 && !(f.SHA256 == "" && hasMarker(disk)):
		rep.Left = append(rep.Left, f.Path+": changed since crash-hook install wrote it; left in place")
		return nil
	}
	if err := os.Remove(disk); err != nil {
		return fmt.Errorf("remove %s: %w", e.rootPath(f.Path), err)
	}
	rep.Removed = append(rep.Removed, f.Path)
	return nil
}

// isRunning reports whether the system path is the running opadiag.
func (e *Env) isRunning(sys string) bool {
	a, err := os.Stat(e.onDisk(sys))
	if err != nil || e.Exe == "" {
		return false
	}
	b, err := os.Stat(e.Exe)
	return err == nil && os.SameFile(a, b)
}

// Uninstall removes what install wrote, as its state file records it (or, without one, the
// unit files that carry the hook's marker and the task of its name), then runs daemon-reload
// or deletes the task. Folders install created are removed when empty; crash bundles stay.
func Uninstall(ctx context.Context, e *Env) (*Report, error) {
	if err := e.checkElevated("uninstall"); err != nil {
		return nil, err
	}
	st, rep, err := e.uninstallPlan(ctx)
	if err != nil || rep.NotInstalled {
		return rep, err
	}
	var failed []WrittenFile
	var errs []error
	for _, f := range st.Files {
		if err := e.removeFile(f, rep); err != nil {
			if e.GOOS == "windows" && e.isRunning(f.Path) {
				// Windows does not delete a running program.
				rep.Left = append(rep.Left, f.Path+": it is this opadiag, still running; delete it once it has exited")
				continue
			}
			failed = append(failed, f)
			errs = append(errs, err)
		}
	}
	if len(failed) > 0 {
		// Keep the record of what is left, so that uninstall run again removes it.
		st.Files = failed
		if err := e.writeState(st); err != nil {
			errs = append(errs, err)
		}
		return rep, hintf("close what uses them and run crash-hook uninstall again", errors.Join(errs...))
	}
	if st.Task != "" && e.commands() {
		registered, err := e.taskRegistered(ctx, st.Task)
		if err != nil {
			return rep, err
		}
		if registered {
			c := e.schtasks("/Delete", "/TN", st.Task, "/F")
			if _, err := run(ctx, e.runner(), c[0], c[1:]...); err != nil {
				return rep, fmt.Errorf("delete the task %s: %w", st.Task, err)
			}
			rep.Ran = append(rep.Ran, strings.Join(c, " "))
		} else {
			rep.Notes = append(rep.Notes, "the task "+st.Task+" was already gone")
		}
	}
	if err := os.Remove(e.onDisk(e.StateFile())); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return rep, fmt.Errorf("remove the crash hook's state: %w", err)
	}
	for i := len(st.Dirs) - 1; i >= 0; i-- {
		d := st.Dirs[i]
		err := os.Remove(e.onDisk(d))
		switch {
		case err == nil:
			rep.Removed = append(rep.Removed, d)
		case errors.Is(err, fs.ErrNotExist):
		default:
			rep.Notes = append(rep.Notes, d+" was left: it is not empty")
		}
	}
	if e.GOOS != "windows" && e.commands() {
		if e.SystemdRunning {
			systemctl := e.systemctl()
			if _, err := run(ctx, e.runner(), systemctl, "daemon-reload"); err != nil {
				return rep, fmt.Errorf("the files are removed, but: %w", err)
			}
			rep.Ran = append(rep.Ran, systemctl+" daemon-reload")
		}
	}
	return rep, nil
}

// uninstallPlan returns the state uninstall works from, and a report of what it would remove.
func (e *Env) uninstallPlan(ctx context.Context) (*State, *Report, error) {
	rep := &Report{}
	st, err := e.readState()
	if err != nil {
		return nil, nil, err
	}
	if st == nil {
		st = e.markedFiles()
		if e.GOOS == "windows" && e.commands() {
			if ok, err := e.taskRegistered(ctx, TaskName); err == nil && ok {
				st.Task = TaskName
			}
		}
		if len(st.Files) == 0 && st.Task == "" {
			rep.NotInstalled = true
			return st, rep, nil
		}
		rep.Notes = append(rep.Notes, "no state file "+e.StateFile()+": removing the files that carry opadiag's mark")
	}
	return st, rep, nil
}

// markedFiles finds, without a state file, the unit files the hook writes that carry its marker.
func (e *Env) markedFiles() *State {
	st := &State{}
	if e.GOOS == "windows" {
		return st
	}
	if p := adminUnitDir + "/" + CaptureUnit; hasMarker(e.onDisk(p)) {
		st.Files = append(st.Files, WrittenFile{Path: p})
	}
	ents, _ := os.ReadDir(e.onDisk(adminUnitDir))
	for _, ent := range ents {
		if !ent.IsDir() || !strings.HasSuffix(ent.Name(), ".service.d") {
			continue
		}
		p := adminUnitDir + "/" + ent.Name() + "/" + DropInName
		if hasMarker(e.onDisk(p)) {
			st.Files = append(st.Files, WrittenFile{Path: p, Unit: strings.TrimSuffix(ent.Name(), ".d")})
		}
	}
	return st
}

// PrintUninstall writes what uninstall would remove.
func (e *Env) PrintUninstall(ctx context.Context, w io.Writer) error {
	st, rep, err := e.uninstallPlan(ctx)
	if err != nil {
		return err
	}
	if rep.NotInstalled {
		fmt.Fprintln(w, "the crash hook is not installed: nothing to remove")
		return nil
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "# %s\n", n)
	}
	for _, f := range st.Files {
		fmt.Fprintf(w, "remove %s\n", e.rootPath(f.Path))
	}
	if st.Task != "" {
		fmt.Fprintf(w, "run %s\n", strings.Join(e.schtasks("/Delete", "/TN", st.Task, "/F"), " "))
	}
	fmt.Fprintf(w, "remove %s\n", e.rootPath(e.StateFile()))
	for i := len(st.Dirs) - 1; i >= 0; i-- {
		fmt.Fprintf(w, "remove %s (when empty)\n", e.rootPath(st.Dirs[i]))
	}
	if e.GOOS != "windows" && e.commands() && e.SystemdRunning {
		fmt.Fprintf(w, "run %s daemon-reload\n", e.systemctl())
	}
	return nil
}

// Print writes the plan as install would carry it out: each file with its content, the copy of
// opadiag, the commands.
func (p *Plan) Print(w io.Writer, e *Env) {
	for _, u := range p.Units {
		fmt.Fprintf(w, "# agent unit %s (%s; Restart=%s): %s\n", u.Name, e.rootPath(u.Path), u.Restart, u.Why)
	}
	for _, s := range p.Services {
		fmt.Fprintf(w, "# agent service %s (%q)\n", s.Name, s.DisplayName)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "# note: %s\n", n)
	}
	if p.CopyFrom != "" {
		fmt.Fprintf(w, "\ncopy %s to %s\n", p.CopyFrom, e.rootPath(p.Binary))
	} else {
		fmt.Fprintf(w, "\nuse %s as it is\n", e.rootPath(p.Binary))
	}
	for _, f := range p.Files {
		fmt.Fprintf(w, "\nwrite %s:\n%s", e.rootPath(f.Path), f.Content)
	}
	if p.TaskXML != "" {
		fmt.Fprintf(w, "\nregister the task %s (run as SYSTEM) with this definition:\n%s", p.Task, p.TaskXML)
	}
	fmt.Fprintf(w, "\nwrite %s (what was installed, for uninstall)\n", e.rootPath(e.StateFile()))
	for _, c := range p.Commands {
		fmt.Fprintf(w, "run %s\n", strings.Join(c, " "))
	}
}

// Write prints what was done.
func (r *Report) Write(w io.Writer, e *Env, verb string) {
	if r.NotInstalled {
		fmt.Fprintln(w, "the crash hook is not installed: nothing to remove")
		return
	}
	if r.Plan != nil {
		for _, u := range r.Plan.Units {
			fmt.Fprintf(w, "agent unit %s (Restart=%s): %s\n", u.Name, u.Restart, u.Why)
		}
		for _, s := range r.Plan.Services {
			fmt.Fprintf(w, "agent service %s (%q)\n", s.Name, s.DisplayName)
		}
	}
	for _, p := range r.Written {
		fmt.Fprintf(w, "wrote %s\n", e.rootPath(p))
	}
	for _, p := range r.Unchanged {
		fmt.Fprintf(w, "unchanged %s\n", e.rootPath(p))
	}
	for _, p := range r.Removed {
		fmt.Fprintf(w, "removed %s\n", e.rootPath(p))
	}
	for _, p := range r.Left {
		fmt.Fprintf(w, "left %s\n", p)
	}
	for _, c := range r.Ran {
		fmt.Fprintf(w, "ran %s\n", c)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if r.Failed {
		switch {
		case verb == "installed" && len(r.Written) > 0:
			fmt.Fprintln(w, "crash hook NOT installed: what was written above is recorded, and 'opadiag crash-hook uninstall' removes it")
		case verb == "installed":
			fmt.Fprintln(w, "crash hook NOT installed: nothing was written")
		default:
			fmt.Fprintln(w, "crash hook NOT fully removed: see the error")
		}
		return
	}
	if r.Plan != nil {
		if r.Plan.Task != "" {
			fmt.Fprintf(w, "crash hook %s: the task %s runs %s after the service stops unexpectedly; bundles go to %s\n", verb, r.Plan.Task, r.Plan.Binary, r.Plan.Output)
		} else {
			fmt.Fprintf(w, "crash hook %s: %s runs %s after a unit's process fails; bundles go to %s\n", verb, CaptureUnit, r.Plan.Binary, r.Plan.Output)
		}
	} else {
		fmt.Fprintf(w, "crash hook %s\n", verb)
	}
}

// appendNew appends the items of add not in list.
func appendNew(list []string, add ...string) []string {
	for _, a := range add {
		found := false
		for _, l := range list {
			if l == a {
				found = true
				break
			}
		}
		if !found {
			list = append(list, a)
		}
	}
	return list
}
