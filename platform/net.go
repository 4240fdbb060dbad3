package platform

// Network facts of the machine: the Windows proxy settings and which process listens on a port.
// The readers of the kernels' socket tables here (/proc/net/tcp, GetExtendedTcpTable's rows) are
// untagged so that Linux tests cover both; the calls are in net_unix.go and net_windows.go.

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// WinINetProxy are the current user's WinINet proxy settings, from HKCU\Software\Microsoft\
// Windows\CurrentVersion\Internet Settings.
type WinINetProxy struct {
	ProxyEnable   bool
	ProxyServer   string // "host:port" or "http=host:port;https=host:port;…"
	ProxyOverride string // hosts that bypass the proxy, separated by ;
	AutoConfigURL string // a PAC script's URL
}

// WinINetProxy reads the current user's WinINet proxy settings (Windows only).
func (Platform) WinINetProxy() (WinINetProxy, error) { return wininetProxy() }

// PortHolder is a process listening on a TCP port.
type PortHolder struct {
	PID     int    // 0 when it could not be found
	Name    string // the executable's name
	Command string // its command line, or its image path on Windows
	User    string
	Local   string // the address it listens on
}

// PortHolders returns the processes listening on TCP port, and a note when some could not be
// identified (another user's process, without root or administrator rights).
func (Platform) PortHolders(ctx context.Context, port int) ([]PortHolder, string, error) {
	return portHolders(ctx, port)
}

// socket is a listening TCP socket of the system's tables.
type socket struct {
	local netip.AddrPort
	uid   int    // Linux: the owner's uid; -1 when unknown
	inode uint64 // Linux: the socket's inode, to find its process
	pid   int    // Windows: the owning process
}

// parseProcNetTCP reads /proc/net/tcp or /proc/net/tcp6 and returns the listening sockets.
// Addresses are hex in the kernel's byte order, 32 bits at a time.
func parseProcNetTCP(r io.Reader) ([]socket, error) {
	var out []socket
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	header := true
	for sc.Scan() {
		if header {
			header = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 10 {
			continue
		}
		if f[3] != "0A" { // TCP_LISTEN
			continue
		}
		local, err := parseProcAddr(f[1])
		if err != nil {
			return out, fmt.Errorf("read %q: %w", sc.Text(), err)
		}
		uid, err := strconv.Atoi(f[7])
		if err != nil {
			uid = -1
		}
		inode, _ := strconv.ParseUint(f[9], 10, 64)
		out = append(out, socket{local: local, uid: uid, inode: inode})
	}
	return out, sc.Err()
}

// parseProcAddr reads "0100007F:1B61" or the 32-digit IPv6 form.
func parseProcAddr(s string) (netip.AddrPort, error) {
	h, p, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("no port in %q", s)
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("port %q: %w", p, err)
	}
	raw, err := hex.DecodeString(h)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, fmt.Errorf("address %q", h)
	}
	// Each 32-bit word was printed as a number in the kernel's byte order.
	for i := 0; i < len(raw); i += 4 {
		binary.BigEndian.PutUint32(raw[i:], binary.NativeEndian.Uint32(raw[i:]))
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}

// socketInode reads the inode of a /proc/<pid>/fd link to a socket, "socket:[12345]".
func socketInode(link string) (uint64, bool) {
	s, ok := strings.CutPrefix(link, "socket:[")
	if !ok || !strings.HasSuffix(s, "]") {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64)
	return n, err == nil
}

// tcpListen is MIB_TCP_STATE_LISTEN.
const tcpListen = 2

// parseTCPTable reads the table GetExtendedTcpTable fills with TCP_TABLE_OWNER_PID_* rows:
// MIB_TCPTABLE_OWNER_PID (v6 false) or MIB_TCP6TABLE_OWNER_PID. It returns the listening
// sockets.
func parseTCPTable(b []byte, v6 bool) ([]socket, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("TCP table of %d bytes", len(b))
	}
	n := int(binary.LittleEndian.Uint32(b))
	rowSize := 24 // state, local addr, local port, remote addr, remote port, pid
	if v6 {
		rowSize = 56 // local addr[16], scope, port, remote addr[16], scope, port, state, pid
	}
	if n < 0 || 4+n*rowSize > len(b) {
		return nil, fmt.Errorf("TCP table says %d rows, has room for %d", n, (len(b)-4)/rowSize)
	}
	var out []socket
	for i := 0; i < n; i++ {
		r := b[4+i*rowSize : 4+(i+1)*rowSize]
		var s socket
		var state uint32
		if v6 {
			addr := netip.AddrFrom16([16]byte(r[0:16]))
			port := uint16(r[20])<<8 | uint16(r[21])
			s.local = netip.AddrPortFrom(addr.Unmap(), port)
			state = binary.LittleEndian.Uint32(r[48:])
			s.pid = int(binary.LittleEndian.Uint32(r[52:]))
		} else {
			state = binary.LittleEndian.Uint32(r[0:])
			addr := netip.AddrFrom4([4]byte(r[4:8]))
			port := uint16(r[8])<<8 | uint16(r[9])
			s.local = netip.AddrPortFrom(addr, port)
			s.pid = int(binary.LittleEndian.Uint32(r[20:]))
		}
		s.uid = -1
		if state == tcpListen {
			out = append(out, s)
		}
	}
	return out, nil
}

// onPort keeps the sockets on port.
func onPort(ss []socket, port int) []socket {
	var out []socket
	for _, s := range ss {
		if int(s.local.Port()) == port {
			out = append(out, s)
		}
	}
	return out
}
