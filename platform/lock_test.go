package platform

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

func TestTryLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "capture.lock")
	a, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	// A second open of the same file, in the same process, finds it locked.
	if _, err := TryLock(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := a.Unlock(); err != nil {
		t.Errorf("a second Unlock: %v", err)
	}
	b, err := TryLock(path)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	b.Unlock()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the lock file is gone after unlock: %v", err)
	}
	if _, err := TryLock(filepath.Join(t.TempDir(), "missing", "x.lock")); err == nil || errors.Is(err, ErrLocked) {
		t.Errorf("lock in a missing folder: %v", err)
	}
}

// TestTryLockOtherProcess: a lock held by another process is seen, and released when that
// process ends, however it ends.
func TestTryLockOtherProcess(t *testing.T) {
	if p := os.Getenv("OPADIAG_TEST_HOLD_LOCK"); p != "" {
		l, err := TryLock(p)
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("locked\n")
		bufio.NewReader(os.Stdin).ReadString('\n') // hold it until told, or killed
		l.Unlock()
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "capture.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestTryLockOtherProcess$")
	cmd.Env = append(os.Environ(), "OPADIAG_TEST_HOLD_LOCK="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper: %q %v", line, err)
	}
	if _, err := TryLock(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("lock held by another process: %v, want ErrLocked", err)
	}
	// Killed, not unlocked: the OS releases the lock.
	cmd.Process.Kill()
	cmd.Wait()
	stdin.Close()
	l, err := TryLock(path)
	if err != nil {
		t.Fatalf("lock after the holder died: %v", err)
	}
	l.Unlock()
}

func TestTryLockSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need a privilege on Windows")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	os.WriteFile(target, []byte("keep"), 0o644)
	link := filepath.Join(dir, "capture.lock")
	os.Symlink(target, link)
	if l, err := TryLock(link); err == nil {
		l.Unlock()
		t.Fatal("a symlinked lock file was followed")
	}
}

func TestMkdirPrivate(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b", "crash")
	created, err := MkdirPrivate(dir)
	if err != nil || !created {
		t.Fatalf("created %v, %v", created, err)
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o700 {
		t.Errorf("mode %v, want 0700", st.Mode().Perm())
	}
	// An existing folder is left as it is.
	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o755)
	if created, err := MkdirPrivate(open); err != nil || created {
		t.Errorf("existing folder: created %v, %v", created, err)
	}
	if st, _ := os.Stat(open); runtime.GOOS != "windows" && st.Mode().Perm() != 0o755 {
		t.Errorf("an existing folder's mode was changed to %v", st.Mode().Perm())
	}
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := MkdirPrivate(file); err == nil {
		t.Error("a file in the way is not an error")
	}
}
