package platform

// MkdirPrivate creates dir, when missing, so that only its owner reads it: mode 0700 on Unix;
// on Windows readable by SYSTEM and Administrators only, not inheriting the permissions of a
// parent such as %ProgramData% that lets every user read. Missing parents are created with
// ordinary permissions. It reports whether it created dir; an existing folder is left as it is.
func MkdirPrivate(dir string) (bool, error) { return mkdirPrivate(dir) }
