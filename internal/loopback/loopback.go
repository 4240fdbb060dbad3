// Package loopback holds the test servers of the network tests: listeners on 127.0.0.1 that
// answer as told, stay silent, or are closed, and an HTTP CONNECT proxy that tunnels to loopback
// addresses only. Nothing here ever reaches past this machine. It is imported by tests only.
package loopback

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Serve accepts connections on 127.0.0.1 and hands each to fn until the test ends, when the
// listener and every connection are closed and the handlers waited for.
func Serve(t testing.TB, fn func(net.Conn)) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	done := false
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if done {
				mu.Unlock()
				c.Close()
				return
			}
			conns = append(conns, c)
			wg.Add(1) // under mu, before done: never concurrent with Wait
			mu.Unlock()
			go func() {
				defer wg.Done()
				fn(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		done = true
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln
}

// Silent accepts connections and never answers.
func Silent(t testing.TB) net.Listener {
	return Serve(t, func(c net.Conn) { io.Copy(io.Discard, c) })
}

// ClosedPort returns a port of 127.0.0.1 that nothing listens on.
func ClosedPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	return Port(ln)
}

// Port is a listener's port.
func Port(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

// Proxy is an HTTP proxy that serves CONNECT to loopback addresses only.
type Proxy struct {
	ln     net.Listener
	user   string // required credentials; empty: none required
	pass   string
	status int // answer every CONNECT with this status instead; 0: tunnel
}

// NewProxy starts a proxy that asks for user:pass when user is set (a 407 offering Basic and
// NTLM), and answers every CONNECT with status instead of tunnelling when it is not 0.
func NewProxy(t testing.TB, user, pass string, status int) *Proxy {
	p := &Proxy{user: user, pass: pass, status: status}
	p.ln = Serve(t, p.serve)
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's port.
func (p *Proxy) Port() int { return Port(p.ln) }

// URL is the proxy's URL, with userinfo ("user:pass") when given.
func (p *Proxy) URL(userinfo string) string {
	if userinfo != "" {
		userinfo += "@"
	}
	return "http://" + userinfo + p.Addr()
}

func (p *Proxy) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	auth := req.Header.Get("Proxy-Authorization")
	if req.Method != http.MethodConnect {
		fmt.Fprint(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
		return
	}
	if p.user != "" && auth != "Basic "+base64.StdEncoding.EncodeToString([]byte(p.user+":"+p.pass)) {
		fmt.Fprint(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"opadiag test\"\r\nProxy-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n")
		return
	}
	if p.status != 0 {
		fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n\r\n", p.status, http.StatusText(p.status))
		return
	}
	host, _, err := net.SplitHostPort(req.Host)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprint(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
		return
	}
	up, err := net.DialTimeout("tcp", req.Host, 5*time.Second)
	if err != nil {
		fmt.Fprint(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer up.Close()
	fmt.Fprint(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, br); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
}

// Dialer dials loopback addresses only, after rewriting the addresses in Rewrite; dialing
// anything else fails the test: the guard that keeps probes of the default targets on this
// machine.
type Dialer struct {
	T       testing.TB
	Rewrite map[string]string // address -> loopback address to dial instead
}

// DialContext implements netprobe.Dialer.
func (d Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if to, ok := d.Rewrite[address]; ok {
		address = to
	}
	host, _, err := net.SplitHostPort(address)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		d.T.Errorf("dialed %s, which is not a loopback address", address)
		return nil, fmt.Errorf("test dialer: %s is not loopback", address)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, address)
}
