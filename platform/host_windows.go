package platform

import (
	"fmt"
	"os"
	"os/user"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USERNAME")
}

func isElevated() bool { return windows.GetCurrentProcessToken().IsElevated() }

// firmware reads the BIOS strings Windows keeps in the registry.
func firmware() (string, string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `HARDWARE\DESCRIPTION\System\BIOS`, registry.QUERY_VALUE)
	if err != nil {
		return "", "", fmt.Errorf(`read HKLM\HARDWARE\DESCRIPTION\System\BIOS: %w`, err)
	}
	defer k.Close()
	vendor, _, _ := k.GetStringValue("SystemManufacturer")
	product, _, _ := k.GetStringValue("SystemProductName")
	return vendor, product, nil
}
