package crash

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/opadiag/opadiag/platform"
)

// stateFormat is the version of the state file's format.
const stateFormat = 1

// maxState bounds the state file read.
const maxState = 1 << 20

// State is what install wrote, kept in StateFile so that uninstall removes exactly that, a
// second install changes only what differs, and status can say what is installed.
type State struct {
	Format    int       `json:"format"`
	Installed time.Time `json:"installed"`
	Version   string    `json:"opadiag_version"`
	OS        string    `json:"os"`
	// Binary is the opadiag the hook runs; Output where its bundles go.
	Binary string `json:"binary"`
	Output string `json:"output"`
	// Units (Linux) are the agent's units given a drop-in; Services (Windows) the services the
	// task watches, and Task its name.
	Units    []string       `json:"units,omitempty"`
	Services []AgentService `json:"services,omitempty"`
	Task     string         `json:"task,omitempty"`
	// Files are the files install wrote, with the SHA-256 it wrote: uninstall removes a file only
	// while it still has that content.
	Files []WrittenFile `json:"files"`
	// Dirs are the folders install created, in the order it created them: uninstall removes
	// them, last first, when they are empty.
	Dirs []string `json:"dirs"`
}

// WrittenFile is a file install wrote.
type WrittenFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Unit   string `json:"unit,omitempty"` // the agent unit a drop-in is for
}

func (s *State) file(path string) (WrittenFile, bool) {
	if s == nil {
		return WrittenFile{}, false
	}
	for _, f := range s.Files {
		if f.Path == path {
			return f, true
		}
	}
	return WrittenFile{}, false
}

// readState reads the state file; nil and no error when there is none.
func (e *Env) readState() (*State, error) {
	path := e.StateFile()
	f, err := os.Open(e.onDisk(path))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, hintf(e.elevateHint(), fmt.Errorf("read the crash hook's state %s: %w", path, err))
		}
		return nil, fmt.Errorf("read the crash hook's state %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxState+1))
	if err != nil {
		return nil, fmt.Errorf("read the crash hook's state %s: %w", path, err)
	}
	if len(data) > maxState {
		return nil, fmt.Errorf("read the crash hook's state %s: larger than %d bytes", path, maxState)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("read the crash hook's state %s: %w", path, err)
	}
	if s.Format != stateFormat {
		return nil, fmt.Errorf("read the crash hook's state %s: format %d, this opadiag knows %d", path, s.Format, stateFormat)
	}
	return &s, nil
}

func (e *Env) elevateHint() string {
	if e.GOOS == "windows" {
		return "run it from a Command Prompt opened with 'Run as administrator'"
	}
	return "run it with sudo"
}

// writeState writes the state file atomically, mode 0600.
func (e *Env) writeState(s *State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the crash hook's state: %w", err)
	}
	if err := writeAtomic(e.onDisk(e.StateFile()), append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write the crash hook's state: %w", err)
	}
	return nil
}

// writeAtomic writes data to path through a temporary file beside it, synced and renamed into
// place: a reader never sees half a unit file.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".opadiag-new"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode) // whatever the umask did
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// copyAtomic copies the file src to dst like writeAtomic, and returns the SHA-256 of what it
// copied.
func copyAtomic(src, dst string, mode os.FileMode) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("copy %s: %w", src, err)
	}
	defer in.Close()
	tmp := dst + ".opadiag-new"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return "", fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(out, h), in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode)
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fileSHA256 hashes a regular file; a symlink or anything else is an error.
func fileSHA256(path string) (string, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// hasMarker reports whether the file at path begins with the hook's marker line.
func hasMarker(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(marker))
	_, err = io.ReadFull(f, head)
	return err == nil && bytes.Equal(head, []byte(marker))
}

// mkdirs creates the missing folders of the system path dir, parents first, and returns those it
// created. The last one is made private when private is set (platform.MkdirPrivate).
func (e *Env) mkdirs(dir string, private bool) ([]string, error) {
	var missing []string
	for d := dir; d != "" && d != "/" && d != "." && !e.exists(d); d = e.parent(d) {
		missing = append([]string{d}, missing...)
		if e.parent(d) == d {
			break
		}
	}
	var created []string
	for i, d := range missing {
		var err error
		if private && i == len(missing)-1 {
			_, err = platform.MkdirPrivate(e.onDisk(d))
		} else {
			err = os.Mkdir(e.onDisk(d), 0o755)
		}
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return created, fmt.Errorf("create %s: %w", d, err)
		}
		created = append(created, d)
	}
	return created, nil
}
