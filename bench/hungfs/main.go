//go:build linux

// Command hungfs mounts a FUSE file system holding an agent home whose chosen files never answer
// a read: the open and stat succeed, the read blocks forever, as on a dead network share. It
// speaks the kernel's FUSE protocol itself (no library), serves until killed, and unmounts on
// SIGINT/SIGTERM. Root only. Used by bench/hostile.sh (case hung-fuse).
//
//	go run ./bench/hungfs -dir MOUNTPOINT -token TOKEN
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

type node struct {
	ino      uint64
	name     string
	dir      bool
	data     []byte
	hung     bool
	children []uint64
}

var nodes = map[uint64]*node{}

func add(parent uint64, n *node) {
	n.ino = uint64(len(nodes) + 1)
	nodes[n.ino] = n
	if p := nodes[parent]; p != nil {
		p.children = append(p.children, n.ino)
	}
}

func main() {
	dir := flag.String("dir", "", "mount point")
	token := flag.String("token", "9f2c4e1ab37d4c08a5e6b1f0d2c3e4a5", "the agent token")
	flag.Parse()
	today := time.Now().UTC().Format("2006-01-02")
	line := func(msg string) []byte { return []byte(today + "T10:00:00.000Z level=info, " + msg + "\n") }
	add(0, &node{name: "", dir: true})
	add(1, &node{name: "Settings", data: []byte(`{"token":"` + *token + `","environment":"production"}`)})
	add(1, &node{name: "uncaughtException", data: line("crash token=" + *token)})
	add(1, &node{name: "server-" + today + ".log", data: []byte(strings.Repeat(string(line("hung")), 100)), hung: true})
	add(1, &node{name: "logs", dir: true})
	add(5, &node{name: "agent.log", data: line("healthy token=" + *token)})
	add(5, &node{name: "stuck.log", data: []byte(strings.Repeat(string(line("hung")), 100)), hung: true})
	add(5, &node{name: "stuck2.log", data: []byte(strings.Repeat(string(line("hung")), 100)), hung: true})

	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		log.Fatal(err)
	}
	opts := fmt.Sprintf("fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", f.Fd())
	if err := syscall.Mount("hungfs", *dir, "fuse.hungfs", syscall.MS_NOSUID|syscall.MS_NODEV, opts); err != nil {
		log.Fatalf("mount: %v", err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		syscall.Unmount(*dir, syscall.MNT_DETACH)
		os.Exit(0)
	}()
	buf := make([]byte, 1<<20+4096)
	for {
		n, err := f.Read(buf)
		if err != nil {
			if err == syscall.EINTR || err == syscall.ENOENT {
				continue
			}
			log.Fatalf("read /dev/fuse: %v", err)
		}
		serve(f, buf[:n])
	}
}

var le = binary.LittleEndian

func reply(f *os.File, unique uint64, errno int32, payload []byte) {
	out := make([]byte, 16+len(payload))
	le.PutUint32(out[0:], uint32(len(out)))
	le.PutUint32(out[4:], uint32(errno)) // negative: -errno
	le.PutUint64(out[8:], unique)
	copy(out[16:], payload)
	f.Write(out)
}

func attr(n *node) []byte {
	a := make([]byte, 88)
	le.PutUint64(a[0:], n.ino)
	le.PutUint64(a[8:], uint64(len(n.data)))
	le.PutUint64(a[16:], uint64(len(n.data)+511)/512)
	now := uint64(time.Now().Unix())
	le.PutUint64(a[24:], now)
	le.PutUint64(a[32:], now)
	le.PutUint64(a[40:], now)
	mode := uint32(syscall.S_IFREG | 0o644)
	if n.dir {
		mode = syscall.S_IFDIR | 0o755
	}
	le.PutUint32(a[60:], mode)
	le.PutUint32(a[64:], 1)    // nlink
	le.PutUint32(a[80:], 4096) // blksize
	return a
}

func serve(f *os.File, req []byte) {
	op := le.Uint32(req[4:])
	unique := le.Uint64(req[8:])
	nodeid := le.Uint64(req[16:])
	body := req[40:]
	n := nodes[nodeid]
	switch op {
	case 26: // INIT
		out := make([]byte, 64)
		le.PutUint32(out[0:], 7)
		le.PutUint32(out[4:], 31)
		le.PutUint32(out[8:], le.Uint32(body[8:]))
		le.PutUint32(out[20:], 128<<10) // max_write
		reply(f, unique, 0, out)
	case 1: // LOOKUP
		name := strings.TrimRight(string(body), "\x00")
		if n != nil {
			for _, c := range n.children {
				if nodes[c].name == name {
					out := make([]byte, 40, 128)
					le.PutUint64(out[0:], c)
					out = append(out, attr(nodes[c])...)
					reply(f, unique, 0, out)
					return
				}
			}
		}
		reply(f, unique, -int32(syscall.ENOENT), nil)
	case 3: // GETATTR
		if n == nil {
			reply(f, unique, -int32(syscall.ENOENT), nil)
			return
		}
		reply(f, unique, 0, append(make([]byte, 16), attr(n)...))
	case 14, 27: // OPEN, OPENDIR
		out := make([]byte, 16)
		le.PutUint64(out[0:], nodeid)
		reply(f, unique, 0, out)
	case 15: // READ
		if n == nil || n.hung {
			return // never answered
		}
		off, size := le.Uint64(body[8:]), le.Uint32(body[16:])
		if off >= uint64(len(n.data)) {
			reply(f, unique, 0, nil)
			return
		}
		end := min(off+uint64(size), uint64(len(n.data)))
		reply(f, unique, 0, n.data[off:end])
	case 28: // READDIR
		off, size := le.Uint64(body[8:]), le.Uint32(body[16:])
		var out []byte
		entries := append([]uint64{n.ino, n.ino}, n.children...)
		for i := off; i < uint64(len(entries)); i++ {
			c := nodes[entries[i]]
			name := c.name
			switch i {
			case 0:
				name = "."
			case 1:
				name = ".."
			}
			typ := uint32(syscall.DT_REG)
			if c.dir {
				typ = syscall.DT_DIR
			}
			ent := make([]byte, 24, 24+len(name)+8)
			le.PutUint64(ent[0:], c.ino)
			le.PutUint64(ent[8:], i+1)
			le.PutUint32(ent[16:], uint32(len(name)))
			le.PutUint32(ent[20:], typ)
			ent = append(ent, name...)
			for len(ent)%8 != 0 {
				ent = append(ent, 0)
			}
			if len(out)+len(ent) > int(size) {
				break
			}
			out = append(out, ent...)
		}
		reply(f, unique, 0, out)
	case 2, 42, 36: // FORGET, BATCH_FORGET, INTERRUPT: no answer
	case 18, 29, 25: // RELEASE, RELEASEDIR, FLUSH
		reply(f, unique, 0, nil)
	case 38: // DESTROY
		reply(f, unique, 0, nil)
	default:
		reply(f, unique, -int32(syscall.ENOSYS), nil)
	}
}
