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
