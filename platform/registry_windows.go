package platform

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// profileDirs returns every user profile folder the registry knows, loaded or not.
func profileDirs() []string {
	const list = `SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList`
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, list, registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return nil
	}
	defer k.Close()
	sids, err := k.ReadSubKeyNames(-1)
	if err != nil {
		return nil
	}
	var dirs []string
	for _, sid := range sids {
		sk, err := registry.OpenKey(k, sid, registry.QUERY_VALUE)
		if err != nil {
			continue
		}
		p, _, err := sk.GetStringValue("ProfileImagePath")
		sk.Close()
		if err != nil || p == "" {
			continue
		}
		if x, err := registry.ExpandString(p); err == nil {
			p = x
		}
		dirs = append(dirs, p)
	}
	return dirs
}

// uninstallValues are the values read of each Uninstall key.
var uninstallValues = []string{"DisplayName", "DisplayVersion", "Publisher", "InstallLocation", "InstallDate",
	"DisplayIcon", "UninstallString", "QuietUninstallString"}

func uninstallKeys() ([]RegistryKey, []error) {
	var out []RegistryKey
	var errs []error
	read := func(root registry.Key, rootName, path string, mustExist bool) {
		k, err := registry.OpenKey(root, path, registry.ENUMERATE_SUB_KEYS|registry.QUERY_VALUE)
		if err != nil {
			if mustExist || err != registry.ErrNotExist {
				errs = append(errs, fmt.Errorf(`open %s\%s: %w`, rootName, path, err))
			}
			return
		}
		defer k.Close()
		subs, err := k.ReadSubKeyNames(-1)
		if err != nil {
			errs = append(errs, fmt.Errorf(`list %s\%s: %w`, rootName, path, err))
			return
		}
		for _, s := range subs {
			sk, err := registry.OpenKey(k, s, registry.QUERY_VALUE)
			if err != nil {
				errs = append(errs, fmt.Errorf(`open %s\%s\%s: %w`, rootName, path, s, err))
				continue
			}
			rk := RegistryKey{Path: rootName + `\` + path + `\` + s, Values: map[string]string{}}
			for _, name := range uninstallValues {
				if v, _, err := sk.GetStringValue(name); err == nil {
					rk.Values[name] = v
				} else if n, _, err := sk.GetIntegerValue(name); err == nil {
					rk.Values[name] = strconv.FormatUint(n, 10)
				}
			}
			sk.Close()
			out = append(out, rk)
		}
	}
	read(registry.LOCAL_MACHINE, "HKLM", UninstallKey, true)
	read(registry.LOCAL_MACHINE, "HKLM", UninstallKeyWOW64, false)
	users, err := registry.OpenKey(registry.USERS, "", registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return out, append(errs, fmt.Errorf("list the loaded profiles (HKEY_USERS): %w", err))
	}
	sids, err := users.ReadSubKeyNames(-1)
	users.Close()
	if err != nil {
		errs = append(errs, fmt.Errorf("list the loaded profiles (HKEY_USERS): %w", err))
	}
	for _, sid := range sids {
		if strings.HasSuffix(sid, "_Classes") {
			continue
		}
		read(registry.USERS, "HKU", sid+`\Software\Microsoft\Windows\CurrentVersion\Uninstall`, false)
	}
	return out, errs
}

func machinePath() (string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SYSTEM\CurrentControlSet\Control\Session Manager\Environment`, registry.QUERY_VALUE)
	if err != nil {
		return "", fmt.Errorf("read the machine PATH: %w", err)
	}
	defer k.Close()
	machine, _, err := k.GetStringValue("Path")
	if err != nil {
		return "", fmt.Errorf("read the machine PATH: %w", err)
	}
	return machine, nil
}
