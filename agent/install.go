package agent

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/opadiag/opadiag/internal/winpath"
	"github.com/opadiag/opadiag/platform"
)

// This file interprets where and which version of the agent is installed: the Uninstall
// registry keys on Windows (as platform.Platform.UninstallKeys returns them), package.json
// (loose or inside Electron's app.asar) anywhere.

// Install is an installation of the agent.
type Install struct {
	Source      string // registry, unit, service, package.json, app.asar, log
	Where       string // the registry key or file it was read from
	DisplayName string
	Version     string
	Dir         string
	InstallDate string // YYYY-MM-DD where the registry says
	Scope       string // all-users, per-user, or empty when unknown
	User        string // the profile's SID for a per-user install
	Publisher   string
}

// InstallFromUninstall interprets an Uninstall key; ok is false when it is not the agent's (its
// DisplayName or Publisher does not name it, see NamePattern).
func InstallFromUninstall(k platform.RegistryKey) (Install, bool) {
	v := k.Values
	name := v["DisplayName"]
	if !NamePattern.MatchString(name) && !NamePattern.MatchString(v["Publisher"]) {
		return Install{}, false
	}
	in := Install{
		Source: "registry", Where: k.Path, DisplayName: name, Version: strings.TrimSpace(v["DisplayVersion"]),
		Publisher: v["Publisher"], InstallDate: installDate(v["InstallDate"]),
	}
	in.Dir = strings.TrimRight(strings.Trim(strings.TrimSpace(v["InstallLocation"]), `"`), `\`)
	if in.Dir == "" {
		for _, src := range []string{v["DisplayIcon"], v["UninstallString"], v["QuietUninstallString"]} {
			icon, _, _ := strings.Cut(src, ",") // "C:\…\Agent.exe,0"
			if b := winpath.CommandLineBinary(icon); b != "" && strings.Contains(b, `\`) {
				in.Dir = winpath.Dir(b)
				break
			}
		}
	}
	upper := strings.ToUpper(k.Path)
	switch {
	case strings.HasPrefix(upper, `HKLM\`), strings.HasPrefix(upper, `HKEY_LOCAL_MACHINE\`):
		in.Scope = "all-users"
	case strings.HasPrefix(upper, `HKU\`), strings.HasPrefix(upper, `HKEY_USERS\`), strings.HasPrefix(upper, `HKCU\`), strings.HasPrefix(upper, `HKEY_CURRENT_USER\`):
		in.Scope = "per-user"
		if parts := strings.SplitN(k.Path, `\`, 3); len(parts) >= 2 && strings.HasPrefix(upper, "HK") && strings.HasPrefix(parts[1], "S-") {
			in.User = parts[1]
		}
	}
	return in, true
}

// installDate turns the registry's YYYYMMDD into YYYY-MM-DD; other forms are kept.
func installDate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 8 {
		if _, err := strconv.Atoi(s); err == nil {
			return s[:4] + "-" + s[4:6] + "-" + s[6:]
		}
	}
	return s
}

// PackageInfo is what a package.json says of an application.
type PackageInfo struct {
	Name        string `json:"name"`
	ProductName string `json:"productName"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

// ParsePackageJSON reads the name and version of a package.json.
func ParsePackageJSON(data []byte) (PackageInfo, error) {
	var p PackageInfo
	data = []byte(strings.TrimPrefix(string(data), "\ufeff"))
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("read package.json: %w", err)
	}
	if p.Version == "" {
		return p, errors.New("read package.json: no version")
	}
	return p, nil
}

// maxAsarHeader bounds the header of an app.asar read into memory.
const maxAsarHeader = 32 << 20

// AsarFile reads the file name (a path inside the archive, "package.json") of an Electron
// app.asar archive, at most limit bytes.
//
// The format: a uint32 4, a uint32 header size, then the header as a pickle (uint32 payload size,
// uint32 JSON length, the JSON) and the files' bytes after it; the JSON maps names to
// {"size", "offset"} (offset as a decimal string, relative to the end of the header), folders to
// {"files": {…}}.
func AsarFile(r io.ReaderAt, name string, limit int64) ([]byte, error) {
	var head [16]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return nil, fmt.Errorf("read asar header: %w", err)
	}
	if binary.LittleEndian.Uint32(head[0:4]) != 4 {
		return nil, errors.New("read asar header: not an asar archive")
	}
	headerSize := int64(binary.LittleEndian.Uint32(head[4:8]))
	jsonLen := int64(binary.LittleEndian.Uint32(head[12:16]))
	if jsonLen <= 0 || jsonLen > maxAsarHeader || jsonLen > headerSize {
		return nil, fmt.Errorf("read asar header: bad header length %d", jsonLen)
	}
	hdr := make([]byte, jsonLen)
	if _, err := r.ReadAt(hdr, 16); err != nil {
		return nil, fmt.Errorf("read asar header: %w", err)
	}
	type node struct {
		Files    map[string]*node `json:"files"`
		Size     int64            `json:"size"`
		Offset   string           `json:"offset"`
		Unpacked bool             `json:"unpacked"`
	}
	var root node
	if err := json.Unmarshal(hdr, &root); err != nil {
		return nil, fmt.Errorf("read asar header: %w", err)
	}
	n := &root
	for _, part := range strings.Split(path.Clean(name), "/") {
		if n.Files == nil || n.Files[part] == nil {
			return nil, fmt.Errorf("%s is not in the archive", name)
		}
		n = n.Files[part]
	}
	if n.Files != nil || n.Unpacked {
		return nil, fmt.Errorf("%s is not a packed file of the archive", name)
	}
	off, err := strconv.ParseInt(n.Offset, 10, 64)
	if err != nil || off < 0 || n.Size < 0 {
		return nil, fmt.Errorf("%s: bad offset %q", name, n.Offset)
	}
	if n.Size > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than %d", name, n.Size, limit)
	}
	data := make([]byte, n.Size)
	if _, err := r.ReadAt(data, 8+headerSize+off); err != nil {
		return nil, fmt.Errorf("read %s from the archive: %w", name, err)
	}
	return data, nil
}
