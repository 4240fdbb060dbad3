//go:build unix

package platform

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
)

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

// dmiDir is where the kernel exposes the firmware's DMI strings.
const dmiDir = "/sys/class/dmi/id"

// firmware reads the DMI strings Linux exposes in /sys; other Unixes have no such folder and get
// its error.
func firmware() (string, string, error) {
	vendor, verr := os.ReadFile(dmiDir + "/sys_vendor")
	product, perr := os.ReadFile(dmiDir + "/product_name")
	if verr != nil && perr != nil {
		return "", "", fmt.Errorf("read DMI: %w", perr)
	}
	return strings.TrimSpace(string(vendor)), strings.TrimSpace(string(product)), nil
}
