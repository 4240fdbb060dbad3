package main

import (
	"bytes"
	"context"
	"debug/pe"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// Resource types of a PE file (winuser.h).
const (
	rtIcon      = 3
	rtGroupIcon = 14
	rtVersion   = 16
	rtManifest  = 24
)

// peResources is what a Windows exe carries in its .rsrc section, as Explorer reads it.
type peResources struct {
	types    map[uint32][][]byte // resource type -> the data of each of its resources
	Manifest string
	Version  versionInfo
}

// versionInfo is a VS_VERSIONINFO: the fixed file and product versions and the strings.
type versionInfo struct {
	FileVersion, ProductVersion [4]uint16
	Strings                     map[string]string
}

// readPEResources reads the resources of a PE file with debug/pe: the resource directory tree
// (type, name, language) down to each data entry, then the manifest and VS_VERSIONINFO.
func readPEResources(path string) (*peResources, error) {
	f, err := pe.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sec := f.Section(".rsrc")
	if sec == nil {
		return nil, errors.New("no .rsrc section")
	}
	data, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("read .rsrc: %w", err)
	}
	res := &peResources{types: map[uint32][][]byte{}}
	// dir returns the entries of the resource directory at off: id (or name offset) and target.
	type entry struct{ id, target uint32 }
	dir := func(off uint32) ([]entry, error) {
		if uint64(off)+16 > uint64(len(data)) {
			return nil, fmt.Errorf("directory at %d outside .rsrc", off)
		}
		n := uint32(binary.LittleEndian.Uint16(data[off+12:])) + uint32(binary.LittleEndian.Uint16(data[off+14:]))
		if uint64(off)+16+8*uint64(n) > uint64(len(data)) {
			return nil, fmt.Errorf("directory at %d: %d entries outside .rsrc", off, n)
		}
		out := make([]entry, n)
		for i := range out {
			p := off + 16 + 8*uint32(i)
			out[i] = entry{binary.LittleEndian.Uint32(data[p:]), binary.LittleEndian.Uint32(data[p+4:])}
		}
		return out, nil
	}
	const subdir = 0x80000000
	types, err := dir(0)
	if err != nil {
		return nil, err
	}
	for _, typ := range types {
		if typ.target&subdir == 0 {
			return nil, fmt.Errorf("type %d is not a directory", typ.id)
		}
		names, err := dir(typ.target &^ subdir)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			langs, err := dir(name.target &^ subdir)
			if err != nil {
				return nil, err
			}
			for _, lang := range langs {
				e := lang.target
				if e&subdir != 0 || uint64(e)+16 > uint64(len(data)) {
					return nil, fmt.Errorf("bad data entry %#x", e)
				}
				rva, size := binary.LittleEndian.Uint32(data[e:]), binary.LittleEndian.Uint32(data[e+4:])
				start := uint64(rva) - uint64(sec.VirtualAddress)
				if rva < sec.VirtualAddress || start+uint64(size) > uint64(len(data)) {
					return nil, fmt.Errorf("resource data at RVA %#x (%d bytes) outside .rsrc", rva, size)
				}
				res.types[typ.id] = append(res.types[typ.id], data[start:start+uint64(size)])
			}
		}
	}
	if m := res.types[rtManifest]; len(m) == 1 {
		res.Manifest = string(m[0])
	}
	if v := res.types[rtVersion]; len(v) == 1 {
		if res.Version, err = parseVersionInfo(v[0]); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// verNode is one node of a VS_VERSIONINFO tree: key, value, children.
type verNode struct {
	key      string
	text     bool
	value    []byte
	children []verNode
}

// parseVerNode reads the node at the start of b (wLength, wValueLength, wType, szKey, padding,
// value, padding, children), with each part aligned to 32 bits from the start of b.
func parseVerNode(b []byte) (verNode, int, error) {
	if len(b) < 6 {
		return verNode{}, 0, errors.New("version node too short")
	}
	length, valueLen, typ := int(binary.LittleEndian.Uint16(b)), int(binary.LittleEndian.Uint16(b[2:])), binary.LittleEndian.Uint16(b[4:])
	if length < 6 || length > len(b) {
		return verNode{}, 0, fmt.Errorf("version node of %d bytes in %d", length, len(b))
	}
	b = b[:length]
	var key []uint16
	p := 6
	for ; p+1 < len(b); p += 2 {
		c := binary.LittleEndian.Uint16(b[p:])
		if c == 0 {
			break
		}
		key = append(key, c)
	}
	p = align4(p + 2)
	n := verNode{key: string(utf16.Decode(key)), text: typ == 1}
	if n.text {
		valueLen *= 2 // in characters for text
	}
	if p+valueLen > len(b) {
		return verNode{}, 0, fmt.Errorf("version node %q: value outside the node", n.key)
	}
	n.value = b[p : p+valueLen]
	for p = align4(p + valueLen); p < len(b); {
		c, used, err := parseVerNode(b[p:])
		if err != nil {
			return verNode{}, 0, err
		}
		n.children = append(n.children, c)
		p = align4(p + used)
	}
	return n, length, nil
}

func align4(n int) int { return (n + 3) &^ 3 }

func utf16String(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// parseVersionInfo reads a VS_VERSIONINFO resource: VS_FIXEDFILEINFO and every string of its
// StringFileInfo tables.
func parseVersionInfo(b []byte) (versionInfo, error) {
	root, _, err := parseVerNode(b)
	if err != nil {
		return versionInfo{}, err
	}
	if root.key != "VS_VERSION_INFO" || len(root.value) < 52 || binary.LittleEndian.Uint32(root.value) != 0xFEEF04BD {
		return versionInfo{}, fmt.Errorf("not a VS_VERSIONINFO: key %q, %d bytes of fixed info", root.key, len(root.value))
	}
	four := func(ms, ls uint32) [4]uint16 {
		return [4]uint16{uint16(ms >> 16), uint16(ms), uint16(ls >> 16), uint16(ls)}
	}
	u32 := func(i int) uint32 { return binary.LittleEndian.Uint32(root.value[i:]) }
	v := versionInfo{FileVersion: four(u32(8), u32(12)), ProductVersion: four(u32(16), u32(20)), Strings: map[string]string{}}
	for _, c := range root.children {
		if c.key != "StringFileInfo" {
			continue
		}
		for _, table := range c.children {
			for _, s := range table.children {
				v.Strings[s.key] = utf16String(s.value)
			}
		}
	}
	return v, nil
}

// winresJSON is the part of winres/winres.json the tests compare with the exe.
type winresJSON struct {
	Version map[string]map[string]struct {
		Fixed struct {
			FileVersion string `json:"file_version"`
		} `json:"fixed"`
		Info map[string]map[string]string `json:"info"`
	} `json:"RT_VERSION"`
}

func readWinresJSON(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("winres", "winres.json"))
	if err != nil {
		t.Fatal(err)
	}
	var w winresJSON
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	return w.Version["#1"]["0000"].Info["0409"]
}

// checkResources checks what every opadiag.exe carries: the manifest (as invoker, Windows 10
// and later only, long paths), an icon in four sizes, and the version strings of winres.json,
// with version as the file and product version (text and numbers).
func checkResources(t *testing.T, exe, version string, fixed [4]uint16) {
	t.Helper()
	res, err := readPEResources(exe)
	if err != nil {
		t.Fatalf("%s: %v", exe, err)
	}
	m := res.Manifest
	for _, want := range []string{
		`<requestedExecutionLevel level="asInvoker" uiAccess="false"/>`,
		`<supportedOS Id="{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}"/>`, // Windows 10, 11, Server 2016 and later
		`<longPathAware xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">true</longPathAware>`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("%s: the manifest lacks %s:\n%s", exe, want, m)
		}
	}
	if n := strings.Count(m, "<supportedOS "); n != 1 {
		t.Errorf("%s: %d supportedOS in the manifest, want Windows 10 alone", exe, n)
	}
	if g := res.types[rtGroupIcon]; len(g) != 1 || len(g[0]) < 6 || binary.LittleEndian.Uint16(g[0][4:]) != uint16(len(iconSizes)) {
		t.Errorf("%s: icon group %v, want one with %d images", exe, g, len(iconSizes))
	}
	if n := len(res.types[rtIcon]); n != len(iconSizes) {
		t.Errorf("%s: %d icon images, want %d", exe, n, len(iconSizes))
	}
	v := res.Version
	want := readWinresJSON(t)
	want["FileVersion"], want["ProductVersion"] = version, version
	for k, w := range want {
		if w != "" && v.Strings[k] != w {
			t.Errorf("%s: version string %s = %q, want %q (run go generate after changing winres.json)", exe, k, v.Strings[k], w)
		}
	}
	for _, k := range []string{"ProductName", "CompanyName", "FileDescription", "FileVersion", "OriginalFilename"} {
		if v.Strings[k] == "" {
			t.Errorf("%s: no %s", exe, k)
		}
	}
	if v.FileVersion != fixed || v.ProductVersion != fixed {
		t.Errorf("%s: fixed versions %v and %v, want %v", exe, v.FileVersion, v.ProductVersion, fixed)
	}
}

// TestWindowsResources: a plain go build of the Windows exe links the committed .syso: icon,
// manifest and version information ("devel", 0.0.0.0) as winres.json says; the arm64 .syso holds
// the same resources for ARM64 (compared byte for byte, as building an arm64 exe takes minutes
// on a cold cache).
func TestWindowsResources(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Windows exe")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	exe := buildWindowsExe(ctx, t)
	checkResources(t, exe, "devel", [4]uint16{})

	rsrc := func(name string, machine uint16) []byte {
		f, err := pe.Open(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer f.Close()
		if f.Machine != machine {
			t.Errorf("%s: machine %#x, want %#x", name, f.Machine, machine)
		}
		s := f.Section(".rsrc")
		if s == nil {
			t.Fatalf("%s: no .rsrc", name)
		}
		b, err := s.Data()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	amd, arm := rsrc("rsrc_windows_amd64.syso", pe.IMAGE_FILE_MACHINE_AMD64), rsrc("rsrc_windows_arm64.syso", pe.IMAGE_FILE_MACHINE_ARM64)
	if !bytes.Equal(amd, arm) {
		t.Errorf("the amd64 and arm64 .syso files hold different resources: run go generate")
	}
}

// TestParseVersionInfoRejects: damaged version resources are errors, never a panic.
func TestParseVersionInfoRejects(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":          nil,
		"short":          {1, 0},
		"length too big": {0xff, 0xff, 0, 0, 0, 0},
		"not VS_VERSION": append([]byte{16, 0, 0, 0, 0, 0}, 'A', 0, 0, 0, 0, 0, 0, 0, 0, 0),
		"value outside":  {12, 0, 50, 0, 0, 0, 'A', 0, 0, 0, 0, 0},
	} {
		if _, err := parseVersionInfo(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
