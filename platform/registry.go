package platform

// The Uninstall keys are read under HKLM (64-bit view, then the 32-bit WOW6432Node) and under
// each loaded profile in HKEY_USERS.
const (
	UninstallKey      = `SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall`
	UninstallKeyWOW64 = `SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall`
)

// RegistryKey is a registry key with its string and number values (numbers in decimal), as the
// registry returned them.
type RegistryKey struct {
	Path   string // full path: HKLM\SOFTWARE\…\Uninstall\{guid}, HKU\S-1-5-21-…\Software\…
	Values map[string]string
}

// UninstallKeys reads the Uninstall keys of HKLM (both registry views) and of every profile
// loaded in HKEY_USERS. Nothing elsewhere than Windows. The errors are the keys that could not
// be read.
func (Platform) UninstallKeys() ([]RegistryKey, []error) { return uninstallKeys() }

// MachinePath returns the PATH stored for the machine in the registry (unexpanded), which
// services and new sessions get; empty elsewhere.
func (Platform) MachinePath() (string, error) { return machinePath() }

// ProfileDirs returns every user profile folder the Windows registry knows (ProfileList), loaded
// or not; nil elsewhere.
func (Platform) ProfileDirs() []string { return profileDirs() }
