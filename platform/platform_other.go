//go:build !linux && !windows

package platform

import (
	"errors"
	"os"
	"os/user"
)

func homeCandidates(getenv func(string) string) []Candidate { return linuxCandidates(getenv) }

func openShared(path string) (*os.File, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &os.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	return os.Open(path)
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

func isElevated() bool { return os.Geteuid() == 0 }

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func colorTerminal(f *os.File) bool {
	return isTerminal(f) && os.Getenv("TERM") != "dumb" && os.Getenv("NO_COLOR") == ""
}

func systemdBooted() (bool, string) { return false, "" }

func openServiceManager() (ServiceManager, error) { return nil, ErrNoServiceManager }

func uninstallKeys() ([]RegistryKey, []error) { return nil, nil }

func visibleWindowPIDs() (map[int32]bool, error) { return nil, nil }

func machinePath() (string, error) { return "", nil }

func firmware() (string, string, error) { return "", "", errors.ErrUnsupported }
