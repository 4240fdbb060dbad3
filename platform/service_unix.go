//go:build unix

package platform

import (
	"os"
	"strings"
)

// systemdBooted looks for /run/systemd/system and reads /proc/1/comm: both are absent where
// systemd and /proc are.
func systemdBooted() (bool, string) {
	pid1 := ""
	if b, err := os.ReadFile("/proc/1/comm"); err == nil {
		pid1 = strings.TrimSpace(string(b))
	}
	st, err := os.Stat("/run/systemd/system")
	return err == nil && st.IsDir(), pid1
}

// openServiceManager fails: Unix has no service control manager.
func openServiceManager() (ServiceManager, error) { return nil, ErrNoServiceManager }
