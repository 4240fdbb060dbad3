package agent

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/opadiag/opadiag/platform"
)

// open opens a file of testdata.
func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// parseRegQuery reads `reg query KEY /s` output into keys and their values, the way the
// registry API returns them (numbers in decimal).
func parseRegQuery(t *testing.T, name string) []platform.RegistryKey {
	t.Helper()
	var out []platform.RegistryKey
	sc := bufio.NewScanner(open(t, name))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, "HKEY_"):
			p := strings.Replace(strings.Replace(line, "HKEY_LOCAL_MACHINE", "HKLM", 1), "HKEY_USERS", "HKU", 1)
			out = append(out, platform.RegistryKey{Path: p, Values: map[string]string{}})
		case strings.HasPrefix(line, "    ") && len(out) > 0:
			parts := strings.SplitN(strings.TrimSpace(line), "    ", 3)
			if len(parts) != 3 {
				continue
			}
			v := parts[2]
			if parts[1] == "REG_DWORD" {
				n, _ := strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 32)
				v = strconv.FormatUint(n, 10)
			}
			out[len(out)-1].Values[parts[0]] = v
		}
	}
	return out
}

func TestInstallFromUninstall(t *testing.T) {
	keys := parseRegQuery(t, "reg/uninstall.txt")
	if len(keys) != 3 {
		t.Fatalf("%d keys", len(keys))
	}
	var got []Install
	for _, k := range keys {
		if in, ok := InstallFromUninstall(k); ok {
			got = append(got, in)
		}
	}
	want := []Install{
		{Source: "registry", Where: `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{6F1B4A2E-0C3D-4B7A-9E21-5D8C7A3B1F00}_is1`,
			DisplayName: "Celigo Agent 4.5.1", Version: "4.5.1", Dir: `C:\Program Files\Celigo Agent`, InstallDate: "2025-06-12",
			Scope: "all-users", Publisher: "Celigo, Inc."},
		{Source: "registry", Where: `HKU\S-1-5-21-3623811015-3361044348-30300820-1013\Software\Microsoft\Windows\CurrentVersion\Uninstall\3c9b3b10-1d52-5c4e-a2b2-1f2d2b0c9a11`,
			DisplayName: "integrator.io On-Premise Agent 3.6.2", Version: "3.6.2", Dir: `C:\Users\ops\AppData\Local\Programs\celigo-agent`,
			Scope: "per-user", User: "S-1-5-21-3623811015-3361044348-30300820-1013", Publisher: "Celigo"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParsePackageJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		version string
		wantErr bool
	}{
		{"plain", `{"name":"celigo-agent","productName":"Celigo Agent","version":"4.5.1"}`, "4.5.1", false},
		{"bom", "\ufeff{\"version\":\"3.7.0\"}", "3.7.0", false},
		{"no version", `{"name":"x"}`, "", true},
		{"not json", `nope`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePackageJSON([]byte(tt.in))
			if (err != nil) != tt.wantErr || p.Version != tt.version {
				t.Errorf("got %+v, %v", p, err)
			}
		})
	}
}

// makeAsar builds an app.asar holding files.
func makeAsar(t testing.TB, files map[string]string) []byte {
	t.Helper()
	type entry struct {
		Size   int64  `json:"size"`
		Offset string `json:"offset"`
	}
	entries := map[string]any{}
	var data bytes.Buffer
	for name, content := range files {
		e := entry{Size: int64(len(content)), Offset: strconv.Itoa(data.Len())}
		data.WriteString(content)
		parts := strings.Split(name, "/")
		dir := entries
		for _, p := range parts[:len(parts)-1] {
			sub, ok := dir[p].(map[string]any)
			if !ok {
				sub = map[string]any{"files": map[string]any{}}
				dir[p] = sub
			}
			dir = sub["files"].(map[string]any)
		}
		dir[parts[len(parts)-1]] = e
	}
	hdr, err := json.Marshal(map[string]any{"files": entries})
	if err != nil {
		t.Fatal(err)
	}
	pad := (4 - len(hdr)%4) % 4
	pickle := make([]byte, 8+len(hdr)+pad)
	binary.LittleEndian.PutUint32(pickle[0:], uint32(4+len(hdr)+pad))
	binary.LittleEndian.PutUint32(pickle[4:], uint32(len(hdr)))
	copy(pickle[8:], hdr)
	var out bytes.Buffer
	var size [8]byte
	binary.LittleEndian.PutUint32(size[0:], 4)
	binary.LittleEndian.PutUint32(size[4:], uint32(len(pickle)))
	out.Write(size[:])
	out.Write(pickle)
	out.Write(data.Bytes())
	return out.Bytes()
}

func TestAsarFile(t *testing.T) {
	asar := makeAsar(t, map[string]string{
		"package.json":    `{"name":"celigo-agent","version":"4.5.1"}`,
		"dist/main.js":    "console.log(1)",
		"node_modules/x/": "",
	})
	tests := []struct {
		name    string
		file    string
		limit   int64
		want    string
		wantErr bool
	}{
		{"top level", "package.json", 1 << 20, `{"name":"celigo-agent","version":"4.5.1"}`, false},
		{"nested", "dist/main.js", 1 << 20, "console.log(1)", false},
		{"missing", "nope.json", 1 << 20, "", true},
		{"folder", "dist", 1 << 20, "", true},
		{"over the limit", "package.json", 4, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AsarFile(bytes.NewReader(asar), tt.file, tt.limit)
			if (err != nil) != tt.wantErr || string(got) != tt.want {
				t.Errorf("got %q, %v", got, err)
			}
		})
	}
	if _, err := AsarFile(bytes.NewReader([]byte("PK\x03\x04 not an asar at all")), "package.json", 100); err == nil {
		t.Error("no error for a file that is not an asar")
	}
}

func FuzzAsarFile(f *testing.F) {
	f.Add(makeAsar(f, map[string]string{"package.json": `{"version":"1.0.0"}`}))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = AsarFile(bytes.NewReader(b), "package.json", 1<<20)
	})
}
