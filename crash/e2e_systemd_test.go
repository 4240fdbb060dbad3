package crash

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opadiag/opadiag/platform"
)

// The end-to-end test on a real systemd: a Debian rootfs made with debootstrap (minbase, with
// systemd and dbus; the release and mirror of this machine's apt sources), cached between runs,
// booted with systemd-nspawn --boot --register=no --keep-unit --volatile=overlay (the cached
// rootfs is never written) --private-network (nothing inside reaches the network; the capture's
// probes fail at once), commands run with nsenter into the container's PID 1, files put in
// and read through /proc/PID/root.

// rootfsRecipe is what the cached rootfs is made of; changing it makes a new cache entry.
const rootfsRecipe = "debootstrap --variant=minbase --include=systemd,dbus v1"

// e2eAgentUnit is the agent's unit: Restart=always, as Celigo's installer writes it. The fake
// agent logs a line and sleeps: one process, the service's main process.
const e2eAgentUnit = `[Unit]
Description=Celigo on-premise agent (opadiag test)

[Service]
ExecStart=/opt/OPA/agent
Restart=always
RestartSec=1
LimitCORE=0

[Install]
WantedBy=multi-user.target
`

// e2eOnceUnit is an agent unit without Restart=: a crash leaves it failed.
const e2eOnceUnit = `[Unit]
Description=Celigo agent without restart (opadiag test)

[Service]
ExecStart=/opt/OPA/agent
LimitCORE=0
`

const e2eAgentScript = `#!/bin/sh
echo "$(date -u +%Y-%m-%dT%H:%M:%S.000Z) info: agent started, heartbeat sent" >> /root/.config/agent/server-$(date -u +%Y-%m-%d).log
exec sleep infinity
`

const e2eSettings = `{"token":"e2ee2ee2ee2ee2ee2ee2ee2ee2ee2ee","environment":"production","uncaughtExceptionHappenedOnService":false}`

func requireSystemd(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("OPADIAG_REQUIRE_SYSTEMD") == "1" {
		t.Fatalf("%s, and OPADIAG_REQUIRE_SYSTEMD=1", msg)
	}
	t.Skipf("%s (OPADIAG_REQUIRE_SYSTEMD=1 makes this a failure)", msg)
}

// TestSystemdE2E: on a booted systemd, crash-hook install hooks an agent unit with
// Restart=always and one without; SIGSEGV yields exactly one crash bundle each, a clean stop
// none; uninstall leaves the units as they were. The same container checks that the service
// collector reads a running service and one instance.
func TestSystemdE2E(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("systemd: Linux only")
	}
	required := os.Getenv("OPADIAG_REQUIRE_SYSTEMD") == "1"
	if testing.Short() && !required {
		t.Skip("boots a container: not in -short mode")
	}
	if os.Geteuid() != 0 {
		requireSystemd(t, "booting a systemd container needs root")
	}
	tools := map[string]string{}
	for _, tool := range []string{"systemd-nspawn", "debootstrap", "nsenter"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			requireSystemd(t, "%s is not installed (apt-get install debootstrap systemd-container util-linux)", tool)
		}
		tools[tool] = p
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()

	rootfs := cachedRootfs(ctx, t, tools["debootstrap"])
	bin := buildOpadiag(ctx, t)

	mountsBefore := hostMounts(t)
	c := bootContainer(ctx, t, tools["systemd-nspawn"], tools["nsenter"], rootfs)
	t.Cleanup(func() {
		if after := hostMounts(t); after != mountsBefore {
			t.Errorf("the test left mounts behind:\n%s\nbefore:\n%s", after, mountsBefore)
		}
	})

	// The agent: its install, its home, its units.
	c.write("/root/opadiag", bin, 0o755)
	c.write("/opt/OPA/agent", []byte(e2eAgentScript), 0o755)
	c.write("/root/.config/agent/Settings", []byte(e2eSettings), 0o600)
	c.write("/etc/systemd/system/celigo-agent.service", []byte(e2eAgentUnit), 0o644)
	c.write("/etc/systemd/system/celigo-agent-once.service", []byte(e2eOnceUnit), 0o644)
	// A template: its drop-in applies to each instance.
	c.write("/etc/systemd/system/celigo-agent@.service", []byte(e2eOnceUnit), 0o644)
	// Every unit started from now on, the capture's included, runs with the network checks off.
	c.sh("systemctl set-environment OPADIAG_NO_NETWORK=1 && systemctl daemon-reload && systemctl start celigo-agent.service")
	c.waitActive("celigo-agent.service")
	catBefore := c.sh("systemctl cat celigo-agent.service celigo-agent-once.service celigo-agent@prod.service")

	// The service collector reads a running service and one instance.
	c.sh("/root/opadiag collect --no-network --quiet --output /root/manual")
	m := c.manifest("/root/manual")
	if m.Host.ServiceState != "running" || m.Host.Instances != 1 {
		t.Errorf("manual bundle: host.service_state %q, host.instances %d; want running and 1", m.Host.ServiceState, m.Host.Instances)
	}

	out := c.sh("/root/opadiag crash-hook install")
	t.Logf("crash-hook install:\n%s", out)
	for _, want := range []string{"agent unit celigo-agent.service (Restart=always)", "agent unit celigo-agent-once.service (Restart=no)",
		"agent unit celigo-agent@.service (Restart=no)", "ran /usr/bin/systemctl daemon-reload"} {
		if !strings.Contains(out, want) {
			t.Errorf("install did not say %q", want)
		}
	}
	if dropins := c.sh("systemctl show -p DropInPaths --value celigo-agent.service"); !strings.Contains(dropins, "/etc/systemd/system/celigo-agent.service.d/opadiag.conf") {
		t.Fatalf("systemd has not loaded the drop-in: %q", dropins)
	}
	if out := c.sh("/root/opadiag crash-hook status"); !strings.Contains(out, "crash hook: installed") || !strings.Contains(out, "last capture: none") {
		t.Errorf("status:\n%s", out)
	}

	// Restart=always, SIGSEGV: exactly one bundle, and the agent runs again.
	restarts := c.showInt("celigo-agent.service", "NRestarts")
	c.sh("systemctl kill -s SEGV celigo-agent.service")
	c.waitCaptures(1)
	c.poll("the agent restarted after the crash (Restart=always)", time.Minute, func() bool {
		return c.showInt("celigo-agent.service", "NRestarts") > restarts
	})
	c.waitActive("celigo-agent.service")
	c.expectBundles(1)
	log1 := c.read("/var/lib/opadiag/crash/capture.log")
	if !bytes.Contains(log1, []byte(" captured /var/lib/opadiag/crash/opadiag-")) {
		t.Errorf("capture log:\n%s", log1)
	}
	if out := c.sh("/root/opadiag crash-hook status"); !strings.Contains(out, "last capture: ") || strings.Contains(out, "last capture: none") {
		t.Errorf("status after a capture:\n%s", out)
	}

	// A clean stop: ExecStopPost runs and starts nothing. systemctl stop returns after it ran,
	// so a capture it started would be queued or done by now.
	before := c.sh("systemctl show -p ExecMainStartTimestampMonotonic --value " + CaptureUnit)
	c.sh("systemctl stop celigo-agent.service")
	if jobs := c.sh("systemctl list-jobs --no-legend"); strings.Contains(jobs, CaptureUnit) {
		t.Errorf("a clean stop queued a capture: %s", jobs)
	}
	if after := c.sh("systemctl show -p ExecMainStartTimestampMonotonic --value " + CaptureUnit); after != before {
		t.Errorf("a clean stop ran the capture (%s, was %s)", after, before)
	}
	c.expectBundles(1)
	if log2 := c.read("/var/lib/opadiag/crash/capture.log"); !bytes.Equal(log1, log2) {
		t.Errorf("a clean stop wrote to the capture log:\n%s", log2)
	}

	// Without Restart=: the crash leaves the unit failed and yields one bundle too. The last
	// capture is cleared first, or the rate limit would hold this one back.
	c.sh("rm -f /var/lib/opadiag/crash/*.zip /var/lib/opadiag/crash/capture.log && systemctl start celigo-agent-once.service")
	c.waitActive("celigo-agent-once.service")
	c.sh("systemctl kill -s SEGV celigo-agent-once.service")
	c.waitCaptures(1)
	c.expectBundles(1)
	if st := strings.TrimSpace(c.sh("systemctl show -p ActiveState --value celigo-agent-once.service")); st != "failed" {
		t.Errorf("the unit without Restart= is %q after SIGSEGV, want failed", st)
	}

	// An instance of a template: the template's drop-in captures its crash.
	c.sh("rm -f /var/lib/opadiag/crash/*.zip /var/lib/opadiag/crash/capture.log && systemctl start celigo-agent@prod.service")
	c.waitActive("celigo-agent@prod.service")
	if dropins := c.sh("systemctl show -p DropInPaths --value celigo-agent@prod.service"); !strings.Contains(dropins, "/etc/systemd/system/celigo-agent@.service.d/opadiag.conf") {
		t.Errorf("the instance has not loaded the template's drop-in: %q", dropins)
	}
	c.sh("systemctl kill -s SEGV celigo-agent@prod.service")
	c.waitCaptures(1)
	c.expectBundles(1)

	out = c.sh("/root/opadiag crash-hook uninstall")
	t.Logf("crash-hook uninstall:\n%s", out)
	for _, p := range []string{"/etc/systemd/system/" + CaptureUnit, "/etc/systemd/system/celigo-agent.service.d",
		"/etc/systemd/system/celigo-agent-once.service.d", "/etc/systemd/system/celigo-agent@.service.d", "/usr/local/sbin/opadiag", "/var/lib/opadiag/crash-hook.json"} {
		if c.exists(p) {
			t.Errorf("%s is still there after uninstall", p)
		}
	}
	if dropins := strings.TrimSpace(c.sh("systemctl show -p DropInPaths --value celigo-agent.service")); dropins != "" {
		t.Errorf("drop-ins still loaded after uninstall: %q", dropins)
	}
	if catAfter := c.sh("systemctl cat celigo-agent.service celigo-agent-once.service celigo-agent@prod.service"); catAfter != catBefore {
		t.Errorf("the units differ after uninstall:\n%s\nbefore:\n%s", catAfter, catBefore)
	}
	if !c.exists("/var/lib/opadiag/crash/capture.log") {
		t.Error("uninstall removed the captures")
	}
	t.Logf("end-to-end on systemd: %s in all", time.Since(start).Round(time.Millisecond))
}

// container is a booted systemd-nspawn container.
type container struct {
	t       *testing.T
	ctx     context.Context
	nsenter string
	pid1    int
	root    string // /proc/PID/root: the container's files, seen from here
}

// bootContainer boots rootfs and returns the container, torn down at the end of the test
// whatever happens.
func bootContainer(ctx context.Context, t *testing.T, nspawn, nsenter, rootfs string) *container {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "nspawn.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("opadiag-e2e-%d", os.Getpid())
	cmd := exec.Command(nspawn, "--boot", "--register=no", "--keep-unit", "--volatile=overlay", "--private-network",
		"--machine="+name, "--directory="+rootfs)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, logFile, logFile
	booted := time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start systemd-nspawn: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	c := &container{t: t, ctx: ctx, nsenter: nsenter}
	t.Cleanup(func() {
		defer logFile.Close()
		stopContainer(t, cmd, exited, c.pid1)
		if t.Failed() {
			data, _ := os.ReadFile(logPath)
			if len(data) > 64<<10 {
				data = data[len(data)-64<<10:]
			}
			t.Logf("systemd-nspawn's output (end):\n%s", data)
		}
	})
	// PID 1 of the container is nspawn's child running systemd, in another PID namespace.
	deadline := time.Now().Add(time.Minute)
	for c.pid1 == 0 {
		select {
		case err := <-exited:
			exited <- err
			data, _ := os.ReadFile(logPath)
			requireSystemd(t, "systemd-nspawn could not boot the container (%v):\n%s", err, data)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no PID 1 in the container after a minute")
		}
		c.pid1 = containerInit(cmd.Process.Pid)
		if c.pid1 == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	c.root = fmt.Sprintf("/proc/%d/root", c.pid1)
	// systemctl answers once systemd has made /run/systemd/system ("offline" before) and its
	// socket ("Failed to connect to bus" before); then --wait waits for the boot's end.
	var state string
	c.poll("the container's boot", 2*time.Minute, func() bool {
		out, _ := c.run(ctx, "systemctl is-system-running --wait")
		state = strings.TrimSpace(out)
		return state != "offline" && state != "" && !strings.Contains(state, "Failed to connect to bus")
	})
	if state != "running" && state != "degraded" {
		t.Fatalf("the container did not boot: system state %q", state)
	}
	if state == "degraded" {
		failed, _ := c.run(ctx, "systemctl --failed --no-legend")
		t.Logf("the container booted degraded: %s", failed)
	}
	t.Logf("container booted in %s (PID 1 is %d here)", time.Since(booted).Round(time.Millisecond), c.pid1)
	return c
}

// containerInit finds the child of nspawn that is systemd in a PID namespace of its own.
func containerInit(nspawn int) int {
	self, _ := os.Readlink("/proc/self/ns/pid")
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(nspawn) {
			continue
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid))
		if strings.TrimSpace(string(comm)) == "systemd" && ns != "" && ns != self {
			return pid
		}
	}
	return 0
}

// stopContainer powers the container off (SIGTERM to nspawn asks its init to), and kills it
// when it does not stop within a minute.
func stopContainer(t *testing.T, cmd *exec.Cmd, exited chan error, pid1 int) {
	start := time.Now()
	// A systemd still starting may not heed the first request: ask again every 5 s.
	for i := 0; i < 12; i++ {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			t.Logf("container stopped in %s", time.Since(start).Round(time.Millisecond))
			return
		case <-time.After(5 * time.Second):
		}
	}
	t.Errorf("the container did not stop within a minute of SIGTERM: killed")
	if p, err := os.FindProcess(pid1); pid1 > 0 && err == nil {
		p.Kill() // ends its PID namespace
	}
	cmd.Process.Kill()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Errorf("systemd-nspawn %d survived SIGKILL", cmd.Process.Pid)
	}
}

// run runs a shell command in the container and returns its output (stdout and stderr).
func (c *container) run(ctx context.Context, script string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, c.nsenter, "-t", strconv.Itoa(c.pid1), "-a", "--", "/bin/sh", "-c", script)
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "HOME=/root", "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0"}
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// sh runs a shell command in the container; its failure fails the test.
func (c *container) sh(script string) string {
	c.t.Helper()
	out, err := c.run(c.ctx, script)
	if err != nil {
		c.t.Fatalf("in the container: %s: %v\n%s", script, err, out)
	}
	return out
}

func (c *container) path(p string) string { return filepath.Join(c.root, p) }

func (c *container) write(p string, data []byte, mode os.FileMode) {
	c.t.Helper()
	if err := os.MkdirAll(filepath.Dir(c.path(p)), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(c.path(p), data, mode); err != nil {
		c.t.Fatal(err)
	}
	os.Chmod(c.path(p), mode)
}

func (c *container) read(p string) []byte {
	c.t.Helper()
	data, err := os.ReadFile(c.path(p))
	if err != nil {
		c.t.Fatal(err)
	}
	return data
}

func (c *container) exists(p string) bool {
	_, err := os.Lstat(c.path(p))
	return err == nil
}

func (c *container) showInt(unit, prop string) int {
	c.t.Helper()
	n, _ := strconv.Atoi(strings.TrimSpace(c.sh("systemctl show -p " + prop + " --value " + unit)))
	return n
}

// poll calls done every 200 ms until it reports true or the time is up.
func (c *container) poll(what string, limit time.Duration, done func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(limit)
	for !done() {
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (c *container) waitActive(unit string) {
	c.t.Helper()
	c.poll(unit+" active", time.Minute, func() bool {
		return strings.TrimSpace(c.sh("systemctl show -p ActiveState --value "+unit)) == "active"
	})
}

// waitCaptures waits until the capture log has n captured lines, the capture unit is done and
// no capture job is queued.
func (c *container) waitCaptures(n int) {
	c.t.Helper()
	c.poll(fmt.Sprintf("%d captures", n), 3*time.Minute, func() bool {
		data, err := os.ReadFile(c.path("/var/lib/opadiag/crash/capture.log"))
		if err != nil || bytes.Count(data, []byte(" captured ")) < n {
			return false
		}
		jobs := c.sh("systemctl list-jobs --no-legend")
		state := strings.TrimSpace(c.sh("systemctl show -p ActiveState --value " + CaptureUnit))
		return !strings.Contains(jobs, CaptureUnit) && (state == "inactive" || state == "failed")
	})
	if res := strings.TrimSpace(c.sh("systemctl show -p Result --value " + CaptureUnit)); res != "success" {
		out, _ := c.run(c.ctx, "journalctl -u "+CaptureUnit+" --no-pager -n 50")
		c.t.Fatalf("the capture unit ended with %q:\n%s", res, out)
	}
}

// expectBundles checks that the crash folder holds exactly n crash bundles.
func (c *container) expectBundles(n int) {
	c.t.Helper()
	zips, _ := filepath.Glob(c.path("/var/lib/opadiag/crash/opadiag-*.zip"))
	if len(zips) != n {
		log, _ := os.ReadFile(c.path("/var/lib/opadiag/crash/capture.log"))
		c.t.Fatalf("%d crash bundles, want %d: %v\ncapture log:\n%s", len(zips), n, zips, log)
	}
	for _, z := range zips {
		if trigger, _, _, err := bundleTrigger(z); err != nil || trigger != "crash" {
			c.t.Errorf("%s: trigger %q, %v", z, trigger, err)
		}
	}
}

// e2eManifest is what the test reads of a bundle's manifest.
type e2eManifest struct {
	Host struct {
		ServiceState string `json:"service_state"`
		Instances    int    `json:"instances"`
	} `json:"host"`
}

// manifest reads the manifest of the one bundle in the container's folder dir.
func (c *container) manifest(dir string) e2eManifest {
	c.t.Helper()
	zips, _ := filepath.Glob(filepath.Join(c.path(dir), "opadiag-*.zip"))
	if len(zips) != 1 {
		c.t.Fatalf("bundles in %s: %v", dir, zips)
	}
	zr, err := zip.OpenReader(zips[0])
	if err != nil {
		c.t.Fatal(err)
	}
	defer zr.Close()
	var m e2eManifest
	for _, f := range zr.File {
		if f.Name != "manifest.json" {
			continue
		}
		r, err := f.Open()
		if err != nil {
			c.t.Fatal(err)
		}
		err = json.NewDecoder(r).Decode(&m)
		r.Close()
		if err != nil {
			c.t.Fatal(err)
		}
		return m
	}
	c.t.Fatalf("no manifest in %s", zips[0])
	return m
}

// hostMounts lists this machine's mount points (as /proc/self/mountinfo shows them), sorted.
func hostMounts(t *testing.T) string {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var points []string
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 {
			points = append(points, f[4])
		}
	}
	sort.Strings(points)
	return strings.Join(points, "\n")
}

// buildOpadiag builds opadiag for this machine's Linux and returns the binary's bytes.
func buildOpadiag(ctx context.Context, t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "opadiag")
	cmd := exec.CommandContext(ctx, goTool(t), "build", "-o", out, "github.com/opadiag/opadiag")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build opadiag: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// cachedRootfs returns the Debian rootfs, made with debootstrap the first time and kept under
// $HOME/.cache/opadiag-test/rootfs-HASH (HASH of the recipe, release, mirror and architecture).
// Two test runs at once build it once: the second waits on the first's lock.
func cachedRootfs(ctx context.Context, t *testing.T, debootstrap string) string {
	t.Helper()
	suite, mirror := aptSource()
	if m := os.Getenv("OPADIAG_DEBIAN_MIRROR"); m != "" {
		mirror = m
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(home, ".cache", "opadiag-test")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{rootfsRecipe, suite, mirror, runtime.GOARCH}, "\n")))
	dir := filepath.Join(cache, "rootfs-"+hex.EncodeToString(sum[:6]))
	done := filepath.Join(dir, ".opadiag-complete")
	if _, err := os.Stat(done); err == nil {
		t.Logf("rootfs %s (%s from %s), cached", dir, suite, mirror)
		return dir
	}
	var lock *platform.FileLock
	for {
		lock, err = platform.TryLock(dir + ".lock")
		if err == nil {
			break
		}
		if !errors.Is(err, platform.ErrLocked) {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatal("another test run is still building the rootfs")
		case <-time.After(time.Second):
		}
	}
	defer lock.Unlock()
	if _, err := os.Stat(done); err == nil {
		return dir // built by the run we waited for
	}
	start := time.Now()
	tmp := dir + ".building"
	os.RemoveAll(tmp)
	os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, debootstrap, "--variant=minbase", "--include=systemd,dbus", suite, tmp, mirror)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		os.RemoveAll(tmp)
		requireSystemd(t, "debootstrap %s %s failed (%v):\n%s", suite, mirror, err, tail(log.String(), 4000))
	}
	if err := os.WriteFile(filepath.Join(tmp, ".opadiag-complete"), []byte(rootfsRecipe+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatal(err)
	}
	du, _ := exec.Command("du", "-sh", dir).Output()
	t.Logf("rootfs %s (%s from %s) built in %s, %s", dir, suite, mirror, time.Since(start).Round(time.Second), strings.Fields(string(du) + " ?")[0])
	return dir
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// aptSource returns the Debian release and mirror this machine's apt uses (deb822 .sources
// files and one-line .list files under /etc/apt), bookworm from deb.debian.org when it says
// nothing.
func aptSource() (suite, mirror string) {
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources")
	lists, _ := filepath.Glob("/etc/apt/sources.list.d/*.list")
	files = append(files, append([]string{"/etc/apt/sources.list"}, lists...)...)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if s, m := parseAptSources(string(data), strings.HasSuffix(f, ".sources")); s != "" {
			return s, m
		}
	}
	return "bookworm", "http://deb.debian.org/debian"
}

// parseAptSources finds the first Debian archive (not its security archive) in one sources file
// and returns its first suite without a -updates/-backports tail, and its URI.
func parseAptSources(text string, deb822 bool) (string, string) {
	ok := func(uri, suite string) bool {
		return strings.HasPrefix(uri, "http") && strings.Contains(uri, "debian") && !strings.Contains(uri, "security") &&
			suite != "" && !strings.Contains(suite, "-") && !strings.Contains(suite, "/")
	}
	if !deb822 {
		sc := bufio.NewScanner(strings.NewReader(text))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) >= 3 && f[0] == "deb" {
				i := 1
				if strings.HasPrefix(f[1], "[") { // deb [signed-by=…] URI suite
					for i < len(f) && !strings.HasSuffix(f[i], "]") {
						i++
					}
					i++
				}
				if i+1 < len(f) && ok(f[i], f[i+1]) {
					return f[i+1], strings.TrimRight(f[i], "/")
				}
			}
		}
		return "", ""
	}
	for _, stanza := range strings.Split(text, "\n\n") {
		fields := map[string]string{}
		for _, line := range strings.Split(stanza, "\n") {
			if k, v, found := strings.Cut(line, ":"); found && !strings.HasPrefix(line, "#") {
				fields[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		if strings.Contains(fields["Enabled"], "no") || !strings.Contains(fields["Types"], "deb") {
			continue
		}
		uris, suites := strings.Fields(fields["URIs"]), strings.Fields(fields["Suites"])
		for _, u := range uris {
			for _, s := range suites {
				if ok(u, s) {
					return s, strings.TrimRight(u, "/")
				}
			}
		}
	}
	return "", ""
}

func TestParseAptSources(t *testing.T) {
	for _, tc := range []struct {
		name, text         string
		deb822             bool
		wantSuite, wantURI string
	}{
		{"deb822", "Types: deb\n# snapshot\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n" +
			"Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\n", true, "bookworm", "http://deb.debian.org/debian"},
		{"deb822 updates first", "Types: deb\nURIs: http://ftp.de.debian.org/debian/\nSuites: trixie-updates trixie\n", true, "trixie", "http://ftp.de.debian.org/debian"},
		{"security only", "Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\n", true, "", ""},
		{"one-line", "# comment\ndeb-src http://deb.debian.org/debian bookworm main\ndeb [signed-by=/k.gpg] http://mirror.example/debian bookworm main\n", false, "bookworm", "http://mirror.example/debian"},
		{"not debian", "deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n", false, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, u := parseAptSources(tc.text, tc.deb822)
			if s != tc.wantSuite || u != tc.wantURI {
				t.Errorf("%q %q, want %q %q", s, u, tc.wantSuite, tc.wantURI)
			}
		})
	}
}
