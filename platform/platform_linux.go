package platform

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func homeCandidates(getenv func(string) string) []Candidate { return linuxCandidates(getenv) }

func openShared(path string) (*os.File, error) {
	flags := unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_NONBLOCK
	fd, err := unix.Open(path, flags|unix.O_NOATIME, 0)
	if errors.Is(err, unix.EPERM) {
		// O_NOATIME needs ownership of the file or CAP_FOWNER.
		fd, err = unix.Open(path, flags, 0)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return nil, &os.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	return os.NewFile(uintptr(fd), path), nil
}

func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return fmt.Sprintf("uid %s", strconv.Itoa(os.Geteuid()))
}

func isElevated() bool { return os.Geteuid() == 0 }

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func colorTerminal(f *os.File) bool {
	return isTerminal(f) && os.Getenv("TERM") != "dumb" && os.Getenv("NO_COLOR") == ""
}

func systemdBooted() (bool, string) {
	pid1 := ""
	if b, err := os.ReadFile("/proc/1/comm"); err == nil {
		pid1 = strings.TrimSpace(string(b))
	}
	st, err := os.Stat("/run/systemd/system")
	return err == nil && st.IsDir(), pid1
}

func openServiceManager() (ServiceManager, error) { return nil, ErrNoServiceManager }

func uninstallKeys() ([]RegistryKey, []error) { return nil, nil }

func visibleWindowPIDs() (map[int32]bool, error) { return nil, nil }

func machinePath() (string, error) { return "", nil }

// dmiDir is where the kernel exposes the firmware's DMI strings.
const dmiDir = "/sys/class/dmi/id"

func firmware() (string, string, error) {
	vendor, verr := os.ReadFile(dmiDir + "/sys_vendor")
	product, perr := os.ReadFile(dmiDir + "/product_name")
	if verr != nil && perr != nil {
		return "", "", fmt.Errorf("read DMI: %w", perr)
	}
	return strings.TrimSpace(string(vendor)), strings.TrimSpace(string(product)), nil
}
