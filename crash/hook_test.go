package crash

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/opadiag/opadiag/platform"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// Unit files of the fixture systems.
const (
	unitRestartAlways = `[Unit]
Description=Celigo on-premise agent
After=network-online.target

[Service]
ExecStart=/opt/celigo-agent/agent --service
Restart=always
User=celigo

[Install]
WantedBy=multi-user.target
`
	unitNoRestart = `[Unit]
Description=On-premise agent

[Service]
ExecStart=/opt/OPA/bin/opa-agent
`
	unitHelper = `[Unit]
Description=OPA updater

[Service]
Type=oneshot
ExecStart=/opt/OPA/bin/opa-update --check
`
	unitNode = `[Unit]
Description=agent started by node

[Service]
ExecStart=/usr/bin/node /srv/integrator-io-agent/main.js
Restart=on-failure
`
	unitOther = `[Unit]
Description=nginx

[Service]
ExecStart=/usr/sbin/nginx
Restart=always
`
)

// fixtureRoot writes a system with files (path -> content; "->TARGET" makes a symlink) under a
// new folder and returns it.
func fixtureRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		disk := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(disk), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, disk); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(disk, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// fakeExe is a stand-in for the opadiag binary install copies.
func fakeExe(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "opadiag")
	if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func linuxEnv(t *testing.T, root string) *Env {
	return &Env{GOOS: "linux", Root: root, Exe: fakeExe(t, "#!/bin/sh\necho opadiag\n"), Clock: newClock(), Version: "v1.2.3"}
}

// treeHash describes every file, folder and symlink under root (names, types, modes, contents,
// link targets), one line each, sorted: two equal descriptions are two identical trees.
func treeHash(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v", rel, info.Mode())
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			line += " " + hex.EncodeToString(sum[:])
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestFindUnits(t *testing.T) {
	root := fixtureRoot(t, map[string]string{
		"lib/systemd/system/celigo-agent.service":    unitRestartAlways,
		"etc/systemd/system/celigoagent.service":     "->/lib/systemd/system/celigo-agent.service",
		"etc/systemd/system/opa.service":             unitNoRestart,
		"usr/lib/systemd/system/opa-update.service":  unitHelper,
		"etc/systemd/system/celigo.service":          strings.Replace(unitNoRestart, "/opt/OPA/bin/opa-agent", "/opt/celigo2/agent", 1),
		"run/systemd/system/node-agent.service":      unitNode,
		"lib/systemd/system/nginx.service":           unitOther,
		"etc/systemd/system/celigo-old.service":      "->/dev/null",
		"lib/systemd/system/celigo-old.service":      unitRestartAlways,
		"lib/systemd/system/celigo@.service":         unitRestartAlways,
		"etc/systemd/system/opadiag-capture.service": "[Service]\nExecStart=/opt/celigo-agent/x\n",
	})
	e := linuxEnv(t, root)
	units, notes := e.findUnits()
	var got []string
	for _, u := range units {
		got = append(got, fmt.Sprintf("%s Restart=%s aliases=%v: %s", u.Name, u.Restart, u.Aliases, u.Why))
	}
	want := []string{
		"celigo-agent.service Restart=always aliases=[celigoagent.service]: is named in Celigo's troubleshooting guide",
		"celigo.service Restart=no aliases=[]: runs /opt/celigo2/agent, which names the agent",
		// A template's drop-in applies to each of its instances (celigo@prod.service).
		"celigo@.service Restart=always aliases=[]: runs /opt/celigo-agent/agent, which names the agent",
		"node-agent.service Restart=on-failure aliases=[]: runs /srv/integrator-io-agent/main.js, which names the agent",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("units:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(strings.Join(notes, "\n"), "celigo-old.service is masked") {
		t.Errorf("notes %q", notes)
	}

	// A unit whose program is in the folder the guide's unit runs from is the agent's too.
	root = fixtureRoot(t, map[string]string{
		"lib/systemd/system/celigo-agent.service":   unitNoRestart,
		"usr/lib/systemd/system/opa-update.service": unitHelper,
		"lib/systemd/system/nginx.service":          unitOther,
	})
	units, _ = linuxEnv(t, root).findUnits()
	got = nil
	for _, u := range units {
		got = append(got, u.Name+": "+u.Why)
	}
	want = []string{
		"celigo-agent.service: is named in Celigo's troubleshooting guide",
		"opa-update.service: its ExecStart points into the agent's install /opt/OPA/bin",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("units:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestLinuxGolden: the generated capture unit and drop-in, and --print's output.
func TestLinuxGolden(t *testing.T) {
	root := fixtureRoot(t, map[string]string{
		"lib/systemd/system/celigo-agent.service": unitRestartAlways,
		"etc/systemd/system/opa.service":          strings.Replace(unitNoRestart, "/opt/OPA/bin/opa-agent", "/opt/celigo-agent/opa", 1),
		"usr/bin/systemctl":                       "",
	})
	e := linuxEnv(t, root)
	p, err := e.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 3 {
		t.Fatalf("files %+v", p.Files)
	}
	golden(t, "opadiag-capture.service", p.Files[0].Content)
	golden(t, "opadiag.conf", p.Files[1].Content)
	if p.Files[1].Content != p.Files[2].Content {
		t.Error("the drop-ins of a unit with Restart=always and one without differ")
	}
	var b bytes.Buffer
	p.Print(&b, e)
	out := strings.ReplaceAll(b.String(), root, "ROOT")
	out = strings.ReplaceAll(out, e.Exe, "EXE")
	golden(t, "print-linux.txt", out)
}

// TestSystemdAnalyzeVerify: systemd-analyze accepts the units install writes, with the agent's
// unit they extend, with and without Restart=.
func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("OPADIAG_REQUIRE_SYSTEMD") == "1" {
			t.Fatal("systemd-analyze is not installed and OPADIAG_REQUIRE_SYSTEMD=1: apt-get install systemd")
		}
		t.Skip("systemd-analyze is not installed (apt-get install systemd; OPADIAG_REQUIRE_SYSTEMD=1 makes this a failure)")
	}
	files := map[string]string{
		"lib/systemd/system/celigo-agent.service": unitRestartAlways,
		"etc/systemd/system/opa.service":          strings.Replace(unitNoRestart, "/opt/OPA/bin/opa-agent", "/opt/celigo-agent/opa", 1),
		"opt/celigo-agent/agent":                  "#!/bin/sh\n",
		"opt/celigo-agent/opa":                    "#!/bin/sh\n",
		"usr/bin/systemctl":                       "",
		"bin/sh":                                  "",
		// A template and an enabled instance of it, a unit whose name is escaped, a unit that
		// already has drop-ins of its own.
		"lib/systemd/system/celigo-agent@.service":                             strings.Replace(unitRestartAlways, "/opt/celigo-agent/agent", "/opt/celigo-agent/agent --env %i", 1),
		"etc/systemd/system/multi-user.target.wants/celigo-agent@prod.service": "->/lib/systemd/system/celigo-agent@.service",
		`etc/systemd/system/celigo-agent-eu\x2dwest.service`:                   strings.Replace(unitNoRestart, "/opt/OPA/bin/opa-agent", "/opt/celigo-agent/opa", 1),
		"etc/systemd/system/celigo-agent.service.d/override.conf":              "[Service]\nEnvironment=NODE_ENV=production\n",
	}
	// Units every service depends on by default: systemd-analyze --root loads them from the root.
	for _, u := range []string{"sysinit.target", "basic.target", "shutdown.target"} {
		files["lib/systemd/system/"+u] = "[Unit]\nDescription=" + u + "\n"
	}
	root := fixtureRoot(t, files)
	for _, f := range []string{"opt/celigo-agent/agent", "opt/celigo-agent/opa"} {
		os.Chmod(filepath.Join(root, f), 0o755)
	}
	e := linuxEnv(t, root)
	if _, err := Install(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{`celigo-agent-eu\x2dwest.service.d`, "celigo-agent@.service.d", "celigo-agent.service.d"} {
		if _, err := os.Stat(filepath.Join(root, "etc/systemd/system", d, DropInName)); err != nil {
			t.Errorf("no drop-in for %s: %v", d, err)
		}
	}
	cmd := exec.Command(analyze, "verify", "--root="+root, "celigo-agent.service", "opa.service", CaptureUnit,
		"celigo-agent@prod.service", `celigo-agent-eu\x2dwest.service`)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// It would have complained: a drop-in with a mistake is reported.
	bad := filepath.Join(root, "etc/systemd/system/celigo-agent.service.d", DropInName)
	os.WriteFile(bad, []byte("[Service]\nExecStopPost=-+/bin/sh -c 'x\nRestartSec=forever\n"), 0o644)
	out, _ = exec.Command(analyze, "verify", "--root="+root, "celigo-agent.service").CombinedOutput()
	if len(bytes.TrimSpace(out)) == 0 {
		t.Error("systemd-analyze verify said nothing about a broken drop-in: the check cannot fail")
	}
}

// TestInstallUninstallRoundTrip: install then uninstall leaves the root as it was, byte for byte;
// install twice changes nothing the second time.
func TestInstallUninstallRoundTrip(t *testing.T) {
	root := fixtureRoot(t, map[string]string{
		"lib/systemd/system/celigo-agent.service":        unitRestartAlways,
		"etc/systemd/system/celigoagent.service":         "->/lib/systemd/system/celigo-agent.service",
		"etc/systemd/system/opa.service":                 strings.Replace(unitNoRestart, "/opt/OPA/bin/opa-agent", "/opt/celigo-agent/opa", 1),
		"etc/systemd/system/opa.service.d/override.conf": "[Service]\nEnvironment=A=1\n",
		"var/lib/keep":                     "",
		"lib/systemd/system/nginx.service": unitOther,
	})
	before := treeHash(t, root)
	e := linuxEnv(t, root)
	rep, err := Install(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Written) != 4 || len(rep.Ran) != 0 {
		t.Errorf("written %v, ran %v", rep.Written, rep.Ran)
	}
	installed := treeHash(t, root)
	if installed == before {
		t.Fatal("install changed nothing")
	}
	rep, err = Install(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Written) != 0 || len(rep.Unchanged) != 4 {
		t.Errorf("second install wrote %v, unchanged %v", rep.Written, rep.Unchanged)
	}
	if again := treeHash(t, root); again != installed {
		t.Errorf("a second install changed the tree:\n%s\nwas:\n%s", again, installed)
	}
	st, err := ReadStatus(context.Background(), e)
	if err != nil || st.State == nil || len(st.Units) != 2 {
		t.Fatalf("status %+v, %v", st, err)
	}
	if _, err := Uninstall(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if after := treeHash(t, root); after != before {
		t.Errorf("after uninstall the tree differs:\n%s\nwas:\n%s", after, before)
	}
	rep, err = Uninstall(context.Background(), e)
	if err != nil || !rep.NotInstalled {
		t.Errorf("second uninstall: %+v, %v", rep, err)
	}
}

// TestUnitGone: a unit removed after install loses its drop-in at the next install, or at
// uninstall.
func TestUnitGone(t *testing.T) {
	for _, next := range []string{"install", "uninstall"} {
		t.Run(next, func(t *testing.T) {
			root := fixtureRoot(t, map[string]string{
				"lib/systemd/system/celigo-agent.service": unitRestartAlways,
				"etc/systemd/system/celigo.service":       strings.Replace(unitNoRestart, "/opt/OPA/bin/opa-agent", "/opt/celigo2/agent", 1),
			})
			e := linuxEnv(t, root)
			if _, err := Install(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			os.Remove(filepath.Join(root, "etc/systemd/system/celigo.service"))
			before := treeHash(t, root)
			st, _ := ReadStatus(context.Background(), e)
			var b bytes.Buffer
			st.Write(&b, e)
			if !strings.Contains(b.String(), "celigo.service (its unit file is gone") {
				t.Errorf("status does not say the unit is gone:\n%s", b.String())
			}
			switch next {
			case "install":
				rep, err := Install(context.Background(), e)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(strings.Join(rep.Removed, " "), "celigo.service.d/opadiag.conf") {
					t.Errorf("removed %v", rep.Removed)
				}
				if _, err := os.Stat(filepath.Join(root, "etc/systemd/system/celigo.service.d")); err == nil {
					t.Error("the drop-in folder of the gone unit is still there")
				}
				_, err = Uninstall(context.Background(), e)
				if err != nil {
					t.Fatal(err)
				}
			case "uninstall":
				if _, err := Uninstall(context.Background(), e); err != nil {
					t.Fatal(err)
				}
			}
			want := fixtureRoot(t, map[string]string{"lib/systemd/system/celigo-agent.service": unitRestartAlways})
			os.MkdirAll(filepath.Join(want, "etc/systemd/system"), 0o755)
			if got, w := treeHash(t, root), treeHash(t, want); got != w {
				t.Errorf("left:\n%s\nwant:\n%s (before: %s)", got, w, before)
			}
		})
	}
}

// TestChangedAndForeignFiles: uninstall leaves a file changed since install; install never
// replaces a file it did not write.
func TestChangedAndForeignFiles(t *testing.T) {
	root := fixtureRoot(t, map[string]string{"lib/systemd/system/celigo-agent.service": unitRestartAlways})
	e := linuxEnv(t, root)
	if _, err := Install(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	capture := filepath.Join(root, "etc/systemd/system", CaptureUnit)
	data, _ := os.ReadFile(capture)
	os.WriteFile(capture, append(data, "# edited\n"...), 0o644)
	rep, err := Uninstall(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Left) != 1 || !strings.Contains(rep.Left[0], "changed since") {
		t.Errorf("left %v", rep.Left)
	}
	if _, err := os.Stat(capture); err != nil {
		t.Error("the changed file was removed")
	}
	os.Remove(capture)

	// Files in the way that are not ours: install refuses and writes nothing.
	for _, p := range []string{"etc/systemd/system/" + CaptureUnit, "usr/local/sbin/opadiag"} {
		t.Run(p, func(t *testing.T) {
			root := fixtureRoot(t, map[string]string{
				"lib/systemd/system/celigo-agent.service": unitRestartAlways,
				p: "someone else's\n",
			})
			before := treeHash(t, root)
			_, err := Install(context.Background(), linuxEnv(t, root))
			var he *HintError
			if !errors.As(err, &he) || !strings.Contains(err.Error(), "not") {
				t.Fatalf("err %v, want a refusal with a hint", err)
			}
			if after := treeHash(t, root); after != before {
				t.Errorf("a refused install changed the tree:\n%s\nwas:\n%s", after, before)
			}
		})
	}
}

// TestBinary: install copies opadiag, replaces its own earlier copy, and leaves one with the
// same bytes alone.
func TestBinary(t *testing.T) {
	root := fixtureRoot(t, map[string]string{"lib/systemd/system/celigo-agent.service": unitRestartAlways})
	e := linuxEnv(t, root)
	if _, err := Install(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(root, "usr/local/sbin/opadiag")
	if st, err := os.Stat(target); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("binary %v %v", st, err)
	}
	e.Exe = fakeExe(t, "#!/bin/sh\necho opadiag v2\n")
	rep, err := Install(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); string(got) != "#!/bin/sh\necho opadiag v2\n" || !strings.Contains(strings.Join(rep.Written, " "), "/usr/local/sbin/opadiag") {
		t.Errorf("the earlier copy was not replaced: %q %v", got, rep.Written)
	}
	// Run from the installed copy: nothing to copy.
	e.Exe = target
	p, err := e.Plan(context.Background())
	if err != nil || p.CopyFrom != "" {
		t.Errorf("plan from the installed copy: copy from %q, %v", p.CopyFrom, err)
	}
	// A copy with the same bytes that install did not write stays after uninstall.
	root2 := fixtureRoot(t, map[string]string{
		"lib/systemd/system/celigo-agent.service": unitRestartAlways,
		"usr/local/sbin/opadiag":                  "#!/bin/sh\necho opadiag\n",
	})
	before := treeHash(t, root2)
	e2 := linuxEnv(t, root2)
	if _, err := Install(context.Background(), e2); err != nil {
		t.Fatal(err)
	}
	if _, err := Uninstall(context.Background(), e2); err != nil {
		t.Fatal(err)
	}
	if after := treeHash(t, root2); after != before {
		t.Errorf("uninstall touched an opadiag it did not install:\n%s\nwas:\n%s", after, before)
	}
}

// TestUninstallWithoutState: the files carrying the marker are found and removed.
func TestUninstallWithoutState(t *testing.T) {
	root := fixtureRoot(t, map[string]string{"lib/systemd/system/celigo-agent.service": unitRestartAlways})
	e := linuxEnv(t, root)
	if _, err := Install(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(root, "var/lib/opadiag/crash-hook.json"))
	var b bytes.Buffer
	if err := e.PrintUninstall(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "no state file") || !strings.Contains(b.String(), "opadiag.conf") {
		t.Errorf("print:\n%s", b.String())
	}
	rep, err := Uninstall(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Removed) != 2 {
		t.Errorf("removed %v, want the capture unit and the drop-in", rep.Removed)
	}
	for _, p := range []string{"etc/systemd/system/" + CaptureUnit, "etc/systemd/system/celigo-agent.service.d/opadiag.conf"} {
		if _, err := os.Stat(filepath.Join(root, p)); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
}

func TestInstallErrors(t *testing.T) {
	root := fixtureRoot(t, map[string]string{"lib/systemd/system/celigo-agent.service": unitRestartAlways})
	e := linuxEnv(t, root)
	e.Root = ""
	_, err := Install(context.Background(), e)
	var he *HintError
	if !errors.Is(err, ErrNotElevated) || !errors.As(err, &he) || !strings.Contains(he.Hint, "sudo") {
		t.Errorf("not elevated: %v", err)
	}
	if _, err := Uninstall(context.Background(), e); !errors.Is(err, ErrNotElevated) {
		t.Errorf("uninstall not elevated: %v", err)
	}
	e.GOOS = "windows"
	if _, err := Install(context.Background(), e); !errors.As(err, &he) || !strings.Contains(he.Hint, "Run as administrator") {
		t.Errorf("windows, not elevated: %v", err)
	}

	empty := linuxEnv(t, fixtureRoot(t, map[string]string{"lib/systemd/system/nginx.service": unitOther}))
	_, err = Install(context.Background(), empty)
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "no systemd unit of the agent") || !strings.Contains(he.Hint, "--if-crashed") {
		t.Errorf("no unit: %v", err)
	}
	if entries, _ := os.ReadDir(empty.Root); len(entries) != 1 {
		t.Errorf("a failed install left files: %v", entries)
	}
}

// TestLinuxCommands: on a running system, install and uninstall run daemon-reload by absolute
// path; its failure is reported after the files are written.
func TestLinuxCommands(t *testing.T) {
	root := fixtureRoot(t, map[string]string{"lib/systemd/system/celigo-agent.service": unitRestartAlways, "bin/systemctl": ""})
	e := linuxEnv(t, root)
	r := &fakeRunner{}
	e.Runner, e.forceCommands, e.SystemdRunning = r, true, true
	if _, err := Install(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if _, err := Uninstall(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	want := "/bin/systemctl daemon-reload\n/bin/systemctl daemon-reload"
	if got := strings.Join(r.calls, "\n"); got != want {
		t.Errorf("ran:\n%s\nwant:\n%s", got, want)
	}
	r.fail = true
	if _, err := Install(context.Background(), e); err == nil || !strings.Contains(err.Error(), "the files are written") {
		t.Errorf("daemon-reload failing: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "var/lib/opadiag/crash-hook.json")); err != nil {
		t.Errorf("state not kept after the reload failed: %v", err)
	}
}

// fakeRunner records commands; schtasks keeps a registered task, its definition read from the
// file /Create is given.
type fakeRunner struct {
	calls      []string
	fail       bool
	registered bool
	taskFile   []byte
}

func (r *fakeRunner) Run(ctx context.Context, name string, args ...string) (CommandResult, error) {
	r.calls = append(r.calls, strings.Join(append([]string{name}, args...), " "))
	if r.fail {
		return CommandResult{ExitCode: 1, Stderr: "Failed to connect to bus\n"}, nil
	}
	if !strings.HasSuffix(name, "schtasks.exe") {
		return CommandResult{}, nil
	}
	switch args[0] {
	case "/Create":
		data, err := os.ReadFile(args[2])
		if err != nil {
			return CommandResult{ExitCode: 1, Stderr: err.Error()}, nil
		}
		r.taskFile, r.registered = data, true
	case "/Query":
		if !r.registered {
			return CommandResult{ExitCode: 1, Stderr: "ERROR: The system cannot find the file specified."}, nil
		}
	case "/Delete":
		if !r.registered {
			return CommandResult{ExitCode: 1}, nil
		}
		r.registered = false
	}
	return CommandResult{}, nil
}

// fakeSCM lists services.
type fakeSCM struct{ list []platform.ServiceEntry }

func (m *fakeSCM) List() ([]platform.ServiceEntry, error) { return m.list, nil }
func (m *fakeSCM) Query(string) (platform.ServiceDetail, []error) {
	return platform.ServiceDetail{}, nil
}
func (m *fakeSCM) Close() error { return nil }

func windowsEnv(t *testing.T, root string, services ...platform.ServiceEntry) (*Env, *fakeRunner) {
	r := &fakeRunner{}
	vars := map[string]string{"ProgramFiles": `C:\Program Files`, "ProgramData": `C:\ProgramData`, "SystemRoot": `C:\Windows`}
	return &Env{GOOS: "windows", Root: root, Getenv: func(k string) string { return vars[k] },
		Exe: fakeExe(t, "MZ opadiag.exe"), Clock: newClock(), Version: "v1.2.3", Runner: r, forceCommands: true,
		ServiceManager: func() (platform.ServiceManager, error) { return &fakeSCM{list: services}, nil }}, r
}

// TestWindowsHook: install registers the task from a UTF-16 definition by schtasks.exe's
// absolute path, copies opadiag to Program Files; uninstall deletes both and leaves the system
// as it was.
func TestWindowsHook(t *testing.T) {
	root := fixtureRoot(t, map[string]string{"C/ProgramData/other/x": ""})
	before := treeHash(t, root)
	e, r := windowsEnv(t, root,
		platform.ServiceEntry{Name: "CeligoAgent", DisplayName: "Celigo Agent"},
		platform.ServiceEntry{Name: "Spooler", DisplayName: "Print Spooler"})
	rep, err := Install(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	want := `C:\Windows\System32\schtasks.exe /Create /XML `
	if len(r.calls) != 1 || !strings.HasPrefix(r.calls[0], want) || !strings.HasSuffix(r.calls[0], " /TN "+TaskName+" /F") {
		t.Fatalf("ran %q", r.calls)
	}
	if !bytes.HasPrefix(r.taskFile, []byte{0xff, 0xfe}) {
		t.Fatal("the task's definition is not UTF-16LE with a byte-order mark")
	}
	u := make([]uint16, (len(r.taskFile)-2)/2)
	for i := range u {
		u[i] = uint16(r.taskFile[2+2*i]) | uint16(r.taskFile[3+2*i])<<8
	}
	text := string(utf16.Decode(u))
	if text != strings.ReplaceAll(rep.Plan.TaskXML, "\n", "\r\n") {
		t.Error("schtasks was given another definition than the plan's")
	}
	golden(t, "task.xml", rep.Plan.TaskXML)
	for _, p := range []string{"C/Program Files/opadiag/opadiag.exe", "C/ProgramData/opadiag/crash-hook.json"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	st, err := ReadStatus(context.Background(), e)
	if err != nil || st.TaskRegistered == nil || !*st.TaskRegistered {
		t.Fatalf("status %+v %v", st, err)
	}
	r.calls = nil
	if _, err := Uninstall(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.calls, "\n"); got != `C:\Windows\System32\schtasks.exe /Query /TN `+TaskName+"\n"+`C:\Windows\System32\schtasks.exe /Delete /TN `+TaskName+" /F" {
		t.Errorf("uninstall ran:\n%s", got)
	}
	if after := treeHash(t, root); after != before {
		t.Errorf("after uninstall:\n%s\nwas:\n%s", after, before)
	}

	// No service of the agent: a clear error with what to do instead.
	e, _ = windowsEnv(t, t.TempDir(), platform.ServiceEntry{Name: "Spooler", DisplayName: "Print Spooler"})
	_, err = Install(context.Background(), e)
	var he *HintError
	if !errors.As(err, &he) || !strings.Contains(he.Hint, "schtasks") {
		t.Errorf("no service: %v", err)
	}
}

// TestInstallFailedSaysSo: an install that stops with an error never ends its report with
// "crash hook installed" (as a user without rights to --root was told, above the error).
func TestInstallFailedSaysSo(t *testing.T) {
	root := fixtureRoot(t, map[string]string{
		"lib/systemd/system/celigo-agent.service": unitRestartAlways,
		"opt/celigo-agent/agent":                  "#!/bin/sh\n",
	})
	// The capture unit's path is taken by a folder: writing it fails.
	if err := os.MkdirAll(filepath.Join(root, "etc/systemd/system", CaptureUnit, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := linuxEnv(t, root)
	rep, err := Install(context.Background(), e)
	if err == nil {
		t.Fatal("install succeeded over a folder")
	}
	if rep == nil {
		t.Fatal("no report of what install did")
	}
	rep.Failed = true
	var out bytes.Buffer
	rep.Write(&out, e, "installed")
	if strings.Contains(out.String(), "crash hook installed") || !strings.Contains(out.String(), "NOT installed") {
		t.Errorf("a failed install reports:\n%s", out.String())
	}
}
