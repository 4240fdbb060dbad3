package platform

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

// privateSDDL gives full control to SYSTEM and the Administrators group only, inherited by
// everything created inside, and protects the folder from the permissions of its parent:
// %ProgramData% lets every user read (and create) files in its subfolders.
const privateSDDL = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

// mkdirPrivate creates dir readable by SYSTEM and Administrators only, its missing parents with
// the permissions they inherit.
func mkdirPrivate(dir string) (bool, error) {
	if st, err := os.Lstat(dir); err == nil {
		if !st.IsDir() {
			return false, fmt.Errorf("%s exists and is not a folder", dir)
		}
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return false, err
	}
	sd, err := windows.SecurityDescriptorFromString(privateSDDL)
	if err != nil {
		return false, fmt.Errorf("build the folder's permissions: %w", err)
	}
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return false, &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	sa := &windows.SecurityAttributes{SecurityDescriptor: sd}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	if err := windows.CreateDirectory(p, sa); err != nil {
		if errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
			return false, nil
		}
		return false, &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	return true, nil
}
