package platform

import (
	"context"
	"encoding/binary"
	"net"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestParseProxyServer(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []ProxyEntry
	}{
		{"empty", "", nil},
		{"one for all", "proxy.corp:8080", []ProxyEntry{{"", "proxy.corp:8080"}}},
		{"per protocol", "http=p1:80;https=p2:443;ftp=p3:21;socks=p4:1080",
			[]ProxyEntry{{"http", "p1:80"}, {"https", "p2:443"}, {"ftp", "p3:21"}, {"socks", "p4:1080"}}},
		{"spaces and case", " HTTPS = p2:443 ; http://p1:80 ", []ProxyEntry{{"https", "p2:443"}, {"", "http://p1:80"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseProxyServer(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseWinHTTPProxy(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    WinHTTPProxy
		wantErr bool
	}{
		{"direct", "\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Direct access (no proxy server).\r\n\r\n", WinHTTPProxy{Direct: true}, false},
		{"proxy", "\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Proxy Server(s) :  proxy.corp:8080\r\n    Bypass List     :  <local>;*.corp.local\r\n\r\n",
			WinHTTPProxy{Server: "proxy.corp:8080", Bypass: "<local>;*.corp.local"}, false},
		{"no bypass", "Current WinHTTP proxy settings:\n\n    Proxy Server(s) :  http=p1:80;https=p2:443\n    Bypass List     :  (none)\n",
			WinHTTPProxy{Server: "http=p1:80;https=p2:443"}, false},
		{"german", "\nAktuelle WinHTTP-Proxyeinstellungen:\n\n    Proxyserver     :  proxy.corp:8080\n    Umgehungsliste  :  <local>\n",
			WinHTTPProxy{Server: "proxy.corp:8080", Bypass: "<local>"}, false},
		{"unrecognised", "Der Befehl wurde nicht gefunden.\n", WinHTTPProxy{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseWinHTTPProxy(tt.out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v", err)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNetshCommand(t *testing.T) {
	path, args := NetshCommand(func(k string) string { return map[string]string{"SystemRoot": `D:\WINNT\`}[k] })
	if path != `D:\WINNT\System32\netsh.exe` || strings.Join(args, " ") != "winhttp show proxy" {
		t.Errorf("%s %v", path, args)
	}
	if path, _ := NetshCommand(func(string) string { return "" }); path != `C:\Windows\System32\netsh.exe` {
		t.Errorf("default %s", path)
	}
}

func TestParseProcNetTCP(t *testing.T) {
	// /proc/net/tcp and tcp6 of a little-endian machine: 127.0.0.1:7017 and 0.0.0.0:22 listening,
	// one established connection, and [::]:7017 listening.
	v4 := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1B69 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 17 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1B69 0100007F:A2C4 01 00000000:00000000 00:00000000 00000000  1000        0 5555 1 0000000000000000 20 4 30 10 -1
`
	v6 := `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1B69 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   998        0 31337 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1 0000000000000000 100 0 0 10 0
`
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the fixture is of a little-endian machine")
	}
	got4, err := parseProcNetTCP(strings.NewReader(v4))
	if err != nil {
		t.Fatal(err)
	}
	got6, err := parseProcNetTCP(strings.NewReader(v6))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range append(got4, got6...) {
		got = append(got, s.local.String()+" uid "+strconv.Itoa(s.uid)+" inode "+strconv.FormatUint(s.inode, 10))
	}
	want := []string{"127.0.0.1:7017 uid 1000 inode 4242", "0.0.0.0:22 uid 0 inode 17", "[::]:7017 uid 998 inode 31337", "[::1]:631 uid 0 inode 99"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if n := len(onPort(append(got4, got6...), 7017)); n != 2 {
		t.Errorf("%d sockets on 7017", n)
	}
}

func TestSocketInode(t *testing.T) {
	for in, want := range map[string]uint64{"socket:[12345]": 12345, "pipe:[1]": 0, "socket:[x]": 0, "/dev/null": 0} {
		got, ok := socketInode(in)
		if got != want || ok != (want != 0) {
			t.Errorf("socketInode(%q) = %d %v", in, got, ok)
		}
	}
}

func TestParseTCPTable(t *testing.T) {
	// MIB_TCPTABLE_OWNER_PID with 0.0.0.0:7017 listening (pid 4711) and an established row.
	v4 := make([]byte, 4+2*24)
	binary.LittleEndian.PutUint32(v4, 2)
	row := v4[4:]
	binary.LittleEndian.PutUint32(row[0:], tcpListen)
	copy(row[4:8], []byte{0, 0, 0, 0})
	row[8], row[9] = 0x1b, 0x69
	binary.LittleEndian.PutUint32(row[20:], 4711)
	row = v4[28:]
	binary.LittleEndian.PutUint32(row[0:], 5) // established
	copy(row[4:8], []byte{10, 0, 0, 5})
	row[8], row[9] = 0x1b, 0x69
	binary.LittleEndian.PutUint32(row[20:], 99)
	got, err := parseTCPTable(v4, false)
	if err != nil || len(got) != 1 || got[0].local.String() != "0.0.0.0:7017" || got[0].pid != 4711 {
		t.Fatalf("v4: %+v %v", got, err)
	}
	// MIB_TCP6TABLE_OWNER_PID with [::1]:7017 listening (pid 8080).
	v6 := make([]byte, 4+56)
	binary.LittleEndian.PutUint32(v6, 1)
	row = v6[4:]
	row[15] = 1
	row[20], row[21] = 0x1b, 0x69
	binary.LittleEndian.PutUint32(row[48:], tcpListen)
	binary.LittleEndian.PutUint32(row[52:], 8080)
	got, err = parseTCPTable(v6, true)
	if err != nil || len(got) != 1 || got[0].local.String() != "[::1]:7017" || got[0].pid != 8080 {
		t.Fatalf("v6: %+v %v", got, err)
	}
	if _, err := parseTCPTable(v4[:30], false); err == nil {
		t.Error("a cut table parsed")
	}
}

func TestPortHoldersFindsThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "windows" {
		t.Skip("port holders are read on Linux and Windows only")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	holders, note, err := Current().PortHolders(context.Background(), port)
	if err != nil {
		t.Fatal(err)
	}
	if len(holders) != 1 || holders[0].PID != os.Getpid() || holders[0].Local != ln.Addr().String() || holders[0].Name == "" {
		t.Fatalf("holders %+v note %q", holders, note)
	}
	ln.Close()
	holders, note, err = Current().PortHolders(context.Background(), port)
	if err != nil || len(holders) != 0 || note == "" {
		t.Errorf("after close: %+v %q %v", holders, note, err)
	}
}
