//go:build unix

package platform

// Unix has no registry: no Uninstall keys, no machine PATH stored apart from the environment, no
// profile list.

func uninstallKeys() ([]RegistryKey, []error) { return nil, nil }

func machinePath() (string, error) { return "", nil }

func profileDirs() []string { return nil }
