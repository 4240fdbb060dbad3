package netprobe

// Loopback servers for the tests. Nothing here contacts an address off this machine: every
// listener is on 127.0.0.1, the proxy refuses to connect anywhere else, and loopback.Dialer fails
// the test on any other address.

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/opadiag/opadiag/internal/loopback"
)

// testCA is a certificate authority of the tests' own, unknown to the system.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

const testCAName = "CN=opadiag test CA,O=opadiag tests"

func newCA(t testing.TB) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "opadiag test CA", Organization: []string{"opadiag tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// leaf issues a server certificate for 127.0.0.1 and the given names, valid in [from, until].
func (ca *testCA) leaf(t testing.TB, from, until time.Time, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "opadiag test server"},
		NotBefore:    from,
		NotAfter:     until,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     names,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsServer starts an HTTPS server with a certificate of ca whose Date header is skew ahead of
// the local clock.
func tlsServer(t testing.TB, ca *testCA, skew time.Duration, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) {}
	}
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(skew).UTC().Format(http.TimeFormat))
		h(w, r)
	}))
	s.TLS = &tls.Config{Certificates: []tls.Certificate{ca.leaf(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "localhost", "api.integrator.io", "api.eu.integrator.io")}}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// hostPort splits a listener's address.
func hostPort(t testing.TB, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

// serverTarget is an https target for a test server.
func serverTarget(t testing.TB, s *httptest.Server) Target {
	h, p := hostPort(t, s.Listener.Addr().String())
	return Target{Host: h, Port: p, Kind: "https"}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t testing.TB) (string, int) {
	return "127.0.0.1", loopback.ClosedPort(t)
}

// errDialer fails every dial with err.
type errDialer struct{ err error }

func (d errDialer) DialContext(context.Context, string, string) (net.Conn, error) { return nil, d.err }

// mapResolver answers from a map; other names are not found.
type mapResolver map[string][]string

func (m mapResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	ips, ok := m[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []net.IPAddr
	for _, s := range ips {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	return out, nil
}

// dnsStub is a DNS server on loopback UDP that answers every query with rcode (3: NXDOMAIN,
// 2: SERVFAIL), or never when rcode is negative.
func dnsStub(t testing.TB, rcode int) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if rcode < 0 || n < 12 {
				continue
			}
			resp := append([]byte(nil), buf[:n]...)
			flags := binary.BigEndian.Uint16(resp[2:])
			flags |= 1 << 15 // QR: a response
			flags |= 1 << 7  // RA
			flags = flags&^0xf | uint16(rcode)
			binary.BigEndian.PutUint16(resp[2:], flags)
			binary.BigEndian.PutUint16(resp[6:], 0)  // no answers
			binary.BigEndian.PutUint16(resp[8:], 0)  // no authority
			binary.BigEndian.PutUint16(resp[10:], 0) // no additional (drops EDNS)
			// Keep the question only: cut what followed it (an EDNS OPT record).
			if q := questionEnd(resp); q > 0 {
				resp = resp[:q]
			}
			pc.WriteTo(resp, from)
		}
	}()
	return pc.LocalAddr().String()
}

// questionEnd returns the offset just past the first question of a DNS message.
func questionEnd(m []byte) int {
	i := 12
	for i < len(m) && m[i] != 0 {
		i += int(m[i]) + 1
	}
	i += 1 + 4
	if i > len(m) {
		return -1
	}
	return i
}

// stubResolver is Go's own resolver, asking only the DNS server at addr (over loopback).
func stubResolver(addr string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", addr)
		},
	}
}

func bufioReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }

var isWindows = runtime.GOOS == "windows"
