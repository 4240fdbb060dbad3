//go:build unix

package platform

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// wininetProxy fails: WinINet is Windows'.
func wininetProxy() (WinINetProxy, error) { return WinINetProxy{}, errors.ErrUnsupported }

// portHolders finds the sockets listening on port in /proc/net/tcp{,6}, then their processes by
// the socket inodes behind /proc/<pid>/fd. Other users' processes can be seen only by root.
func portHolders(ctx context.Context, port int) ([]PortHolder, string, error) {
	var socks []socket
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && strings.HasSuffix(name, "6") {
				continue // no IPv6
			}
			return nil, "", fmt.Errorf("read listening sockets: %w", err)
		}
		ss, err := parseProcNetTCP(f)
		f.Close()
		if err != nil {
			return nil, "", fmt.Errorf("read listening sockets from %s: %w", name, err)
		}
		socks = append(socks, onPort(ss, port)...)
	}
	if len(socks) == 0 {
		return nil, fmt.Sprintf("no socket listens on port %d", port), nil
	}
	byInode := map[uint64]socket{}
	for _, s := range socks {
		byInode[s.inode] = s
	}
	found := map[uint64]PortHolder{}
	denied := 0
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil, "", fmt.Errorf("list processes: %w", err)
	}
	for _, p := range procs {
		if ctx.Err() != nil {
			break
		}
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		dir := filepath.Join("/proc", p.Name(), "fd")
		fds, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				denied++
			}
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(dir, fd.Name()))
			if err != nil {
				continue
			}
			ino, ok := socketInode(link)
			if !ok {
				continue
			}
			if s, ok := byInode[ino]; ok {
				found[ino] = PortHolder{PID: pid, Name: procName(pid), Command: procCommand(pid), User: uidName(s.uid), Local: s.local.String()}
			}
		}
	}
	var out []PortHolder
	note := ""
	for _, s := range socks {
		if h, ok := found[s.inode]; ok {
			out = append(out, h)
			continue
		}
		out = append(out, PortHolder{User: uidName(s.uid), Local: s.local.String()})
		note = "the process of a socket could not be found"
		if denied > 0 {
			note = fmt.Sprintf("%d processes could not be inspected: run opadiag as root to name the process", denied)
		}
		if ctx.Err() != nil {
			note = "the process list was not read to the end before the deadline"
		}
	}
	return out, note, nil
}

func procName(pid int) string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "comm"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// maxCommand bounds the command line kept for a process.
const maxCommand = 512

func procCommand(pid int) string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
	if len(s) > maxCommand {
		s = s[:maxCommand] + "…"
	}
	return s
}

func uidName(uid int) string {
	if uid < 0 {
		return ""
	}
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return "uid " + strconv.Itoa(uid)
}
