package netprobe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opadiag/opadiag/internal/loopback"
	"github.com/opadiag/opadiag/manifest"
)

// shortTimeout keeps the tests that wait for a deadline fast.
const shortTimeout = 400 * time.Millisecond

// slack is how much later than its deadline a probe may record having ended, on a busy machine.
// It only catches probes that ignore their deadline; no test depends on how fast anything is.
const slack = 2 * time.Second

func prober(t testing.TB) *Prober {
	return &Prober{Dialer: loopback.Dialer{T: t}, Resolver: mapResolver{}, Timeout: shortTimeout, UserAgent: "opadiag-test"}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := ParseProxyURL(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// checkWithinDeadline checks a recorded duration against the probe's deadline.
func checkWithinDeadline(t *testing.T, a manifest.ProbeAttempt, timeout time.Duration) {
	t.Helper()
	if a.DurationMS > (timeout + slack).Milliseconds() {
		t.Errorf("the probe recorded %d ms, past its %s deadline", a.DurationMS, timeout)
	}
}

func TestProbeTLSServerWithOwnCAAndSkewedClock(t *testing.T) {
	t.Parallel()
	ca := newCA(t)
	const skew = 3 * time.Hour
	s := tlsServer(t, ca, skew, nil)
	p := prober(t)
	p.Timeout = 5 * time.Second
	a := p.Probe(context.Background(), serverTarget(t, s), nil)

	if !a.OK || a.Stage != "" || a.ErrorKind != "" {
		t.Fatalf("probe failed: stage %q kind %q: %s", a.Stage, a.ErrorKind, a.Error)
	}
	if a.DNS == nil || !a.DNS.Literal || len(a.Connect) != 1 || !a.Connect[0].OK {
		t.Errorf("dns %+v connect %+v", a.DNS, a.Connect)
	}
	tp := a.TLS
	if tp == nil || !tp.OK {
		t.Fatalf("tls: %+v", tp)
	}
	if tp.Verified || tp.VerifyErrorKind != manifest.VerifyUnknownAuthority {
		t.Errorf("a chain of the test CA verified against the system roots: verified %v, kind %q", tp.Verified, tp.VerifyErrorKind)
	}
	if tp.UntrustedIssuer != testCAName {
		t.Errorf("untrusted issuer %q, want %q", tp.UntrustedIssuer, testCAName)
	}
	if tp.Version == "" || tp.Cipher == "" || len(tp.Certificates) != 1 {
		t.Errorf("version %q cipher %q certificates %d", tp.Version, tp.Cipher, len(tp.Certificates))
	}
	if c := tp.Certificates[0]; c.Issuer != testCAName || c.Subject != "CN=opadiag test server" || c.NotAfter.IsZero() || c.SelfSigned || len(c.SHA256) != 64 {
		t.Errorf("certificate %+v", c)
	}
	h := a.HTTP
	if h == nil || !h.OK || h.Status != 200 || h.Method != "HEAD" || h.FinalStatus != 200 {
		t.Fatalf("http %+v", h)
	}
	if a.Clock == nil {
		t.Fatal("no clock skew recorded")
	}
	got := time.Duration(a.Clock.SkewMS) * time.Millisecond
	if d := got - skew; d < -time.Second || d > time.Second {
		t.Errorf("skew %s, want %s within 1s", got, skew)
	}
	if a.Clock.UncertaintyMS < 500 {
		t.Errorf("uncertainty %d ms: Date has whole seconds", a.Clock.UncertaintyMS)
	}
}

func TestProbeVerification(t *testing.T) {
	t.Parallel()
	ca := newCA(t)
	now := time.Now()
	tests := []struct {
		name     string
		cert     tls.Certificate
		host     string // probed name, resolved to 127.0.0.1
		wantKind string
	}{
		{"trusted", ca.leaf(t, now.Add(-time.Hour), now.Add(time.Hour), "localhost"), "localhost", ""},
		{"expired", ca.leaf(t, now.Add(-48*time.Hour), now.Add(-24*time.Hour), "localhost"), "localhost", manifest.VerifyExpired},
		{"other name", ca.leaf(t, now.Add(-time.Hour), now.Add(time.Hour), "localhost"), "api.integrator.io", manifest.VerifyHostname},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := httptestTLS(t, tt.cert)
			_, port := hostPort(t, s.Listener.Addr().String())
			p := prober(t)
			p.Timeout = 5 * time.Second
			p.RootCAs = ca.pool
			p.Resolver = mapResolver{tt.host: {"127.0.0.1"}}
			a := p.Probe(context.Background(), Target{Host: tt.host, Port: port, Kind: "https"}, nil)
			if a.TLS == nil || !a.TLS.OK {
				t.Fatalf("handshake failed: %+v", a)
			}
			if a.TLS.Verified != (tt.wantKind == "") || a.TLS.VerifyErrorKind != tt.wantKind {
				t.Errorf("verified %v kind %q (%s), want kind %q", a.TLS.Verified, a.TLS.VerifyErrorKind, a.TLS.VerifyError, tt.wantKind)
			}
			if a.TLS.UntrustedIssuer != "" {
				t.Errorf("untrusted issuer %q for a chain of a trusted CA", a.TLS.UntrustedIssuer)
			}
			if !a.OK {
				t.Errorf("a chain that does not verify must not fail the probe: the server answered")
			}
		})
	}
}

func httptestTLS(t *testing.T, cert tls.Certificate) *httpServer {
	s := &httpServer{ln: loopback.Serve(t, func(c net.Conn) {
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		defer tc.Close()
		if _, err := http.ReadRequest(bufioReader(tc)); err != nil {
			return
		}
		fmt.Fprintf(tc, "HTTP/1.1 204 No Content\r\nDate: %s\r\n\r\n", time.Now().UTC().Format(http.TimeFormat))
	})}
	s.Listener = s.ln
	return s
}

// httpServer is a raw loopback server with the Listener field tests read, like httptest's.
type httpServer struct {
	ln       net.Listener
	Listener net.Listener
}

func TestProbeThroughProxy(t *testing.T) {
	t.Parallel()
	ca := newCA(t)
	s := tlsServer(t, ca, 0, nil)
	target := serverTarget(t, s)
	open := loopback.NewProxy(t, "", "", 0)
	auth := loopback.NewProxy(t, "bob", "s3cret", 0)
	forbidden := loopback.NewProxy(t, "", "", http.StatusForbidden)
	badGateway := loopback.NewProxy(t, "", "", http.StatusBadGateway)
	silent := loopback.Silent(t)
	_, closed := closedPort(t)

	tests := []struct {
		name      string
		proxy     string
		wantOK    bool
		wantStage string
		wantKind  string
		wantLogin bool
		check     func(t *testing.T, a manifest.ProbeAttempt)
	}{
		{name: "open proxy", proxy: open.URL(""), wantOK: true},
		{name: "credentials accepted", proxy: auth.URL("bob:s3cret"), wantOK: true, wantLogin: true},
		{name: "authentication required", proxy: auth.URL(""), wantStage: "proxy_connect", wantKind: manifest.KindProxyAuth,
			check: func(t *testing.T, a manifest.ProbeAttempt) {
				pc := a.ProxyConnect
				if pc.Status != 407 || strings.Join(pc.Challenges, ",") != "Basic,NTLM" {
					t.Errorf("status %d challenges %v", pc.Status, pc.Challenges)
				}
				if !strings.Contains(a.Error, "requires authentication") {
					t.Errorf("error %q does not say authentication is required", a.Error)
				}
			}},
		{name: "credentials rejected", proxy: auth.URL("bob:wrong"), wantStage: "proxy_connect", wantKind: manifest.KindProxyAuth, wantLogin: true,
			check: func(t *testing.T, a manifest.ProbeAttempt) {
				if !strings.Contains(a.Error, "rejected") || strings.Contains(a.Error, "wrong") {
					t.Errorf("error %q", a.Error)
				}
				if a.Proxy != "http://bob:[REDACTED]@"+auth.Addr() {
					t.Errorf("proxy recorded as %q", a.Proxy)
				}
			}},
		{name: "forbidden", proxy: forbidden.URL(""), wantStage: "proxy_connect", wantKind: manifest.KindProxyDenied},
		{name: "bad gateway", proxy: badGateway.URL(""), wantStage: "proxy_connect", wantKind: manifest.KindProxyUpstream},
		{name: "proxy refuses connections", proxy: fmt.Sprintf("http://127.0.0.1:%d", closed), wantStage: "connect", wantKind: manifest.KindRefused},
		{name: "proxy never answers", proxy: "http://" + silent.Addr().String(), wantStage: "proxy_connect", wantKind: manifest.KindTimeout,
			check: func(t *testing.T, a manifest.ProbeAttempt) { checkWithinDeadline(t, a, shortTimeout) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			px := &Proxy{URL: mustURL(t, tt.proxy), Sources: []string{"env HTTPS_PROXY"}}
			a := prober(t).Probe(context.Background(), target, px)
			if a.OK != tt.wantOK || a.Stage != tt.wantStage || a.ErrorKind != tt.wantKind {
				t.Fatalf("ok %v stage %q kind %q (%s), want ok %v stage %q kind %q", a.OK, a.Stage, a.ErrorKind, a.Error, tt.wantOK, tt.wantStage, tt.wantKind)
			}
			if a.Route != manifest.RouteProxy || len(a.ProxySources) != 1 {
				t.Errorf("route %q sources %v", a.Route, a.ProxySources)
			}
			if a.ProxyConnect != nil && a.ProxyConnect.LoginSent != tt.wantLogin {
				t.Errorf("login sent %v, want %v", a.ProxyConnect.LoginSent, tt.wantLogin)
			}
			if tt.wantOK && (a.TLS == nil || a.HTTP == nil || a.HTTP.Status != 200 || a.ProxyConnect.Status != 200) {
				t.Errorf("through the proxy: tls %+v http %+v", a.TLS, a.HTTP)
			}
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
}

// TestProbeErrorKinds covers each way a probe can fail, stage by stage.
func TestProbeErrorKinds(t *testing.T) {
	t.Parallel()
	ca := newCA(t)
	cert := ca.leaf(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "localhost")
	silent := loopback.Silent(t)
	_, closed := closedPort(t)
	resetting := loopback.Serve(t, func(c net.Conn) {
		c.Read(make([]byte, 64<<10)) // reset during the handshake, not during the connection
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	})
	closing := loopback.Serve(t, func(c net.Conn) {
		c.Read(make([]byte, 64<<10)) // the whole ClientHello: closing with unread bytes would reset
		c.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, c)
	})
	plainHTTP := loopback.Serve(t, func(c net.Conn) {
		c.Read(make([]byte, 512))
		fmt.Fprint(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
		c.Close()
	})
	oldTLS := loopback.Serve(t, func(c net.Conn) {
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10})
		tc.Handshake()
		tc.Close()
	})
	tlsSilent := loopback.Serve(t, func(c net.Conn) {
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		if tc.Handshake() == nil {
			io.Copy(io.Discard, tc)
		}
	})
	tlsGarbage := loopback.Serve(t, func(c net.Conn) {
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		if tc.Handshake() == nil {
			tc.Read(make([]byte, 512))
			fmt.Fprint(tc, "this is not HTTP\r\n\r\n")
		}
		tc.Close()
	})
	port := func(ln net.Listener) int { _, p := hostPort(t, ln.Addr().String()); return p }
	nxdomain := dnsStub(t, 3)
	servfail := dnsStub(t, 2)
	mute := dnsStub(t, -1)
	_, noDNS := closedPort(t)

	tests := []struct {
		name      string
		target    Target
		resolver  Resolver
		dialer    Dialer
		wantStage string
		wantKind  string
	}{
		{name: "name not found (.invalid)", target: Target{Host: "opadiag-test.invalid", Port: 443, Kind: "https"},
			resolver: stubResolver(nxdomain), wantStage: "dns", wantKind: manifest.KindNotFound},
		{name: "resolver never answers", target: Target{Host: "opadiag-test.invalid", Port: 443, Kind: "https"},
			resolver: stubResolver(mute), wantStage: "dns", wantKind: manifest.KindTimeout},
		{name: "resolver fails (SERVFAIL)", target: Target{Host: "opadiag-test.invalid", Port: 443, Kind: "https"},
			resolver: stubResolver(servfail), wantStage: "dns", wantKind: manifest.KindDNSError},
		{name: "no resolver", target: Target{Host: "opadiag-test.invalid", Port: 443, Kind: "https"},
			resolver: &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", noDNS))
			}}, wantStage: "dns", wantKind: manifest.KindNoResolver},
		{name: "connection refused", target: Target{Host: "127.0.0.1", Port: closed, Kind: "https"},
			wantStage: "connect", wantKind: manifest.KindRefused},
		{name: "network unreachable", target: Target{Host: "127.0.0.1", Port: 443, Kind: "https"},
			dialer:    errDialer{&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}},
			wantStage: "connect", wantKind: manifest.KindUnreachable},
		{name: "connect timeout", target: Target{Host: "127.0.0.1", Port: 443, Kind: "https"},
			dialer: hangDialer{}, wantStage: "connect", wantKind: manifest.KindTimeout},
		{name: "silent listener", target: Target{Host: "127.0.0.1", Port: port(silent), Kind: "https"},
			wantStage: "tls", wantKind: manifest.KindTimeout},
		{name: "reset", target: Target{Host: "127.0.0.1", Port: port(resetting), Kind: "https"},
			wantStage: "tls", wantKind: manifest.KindReset},
		{name: "closed without answer", target: Target{Host: "127.0.0.1", Port: port(closing), Kind: "https"},
			wantStage: "tls", wantKind: manifest.KindClosed},
		{name: "not TLS", target: Target{Host: "127.0.0.1", Port: port(plainHTTP), Kind: "https"},
			wantStage: "tls", wantKind: manifest.KindNotTLS},
		{name: "TLS 1.0 only", target: Target{Host: "127.0.0.1", Port: port(oldTLS), Kind: "https"},
			wantStage: "tls", wantKind: manifest.KindTLS},
		{name: "no HTTP answer", target: Target{Host: "127.0.0.1", Port: port(tlsSilent), Kind: "https"},
			wantStage: "http", wantKind: manifest.KindTimeout},
		{name: "not HTTP", target: Target{Host: "127.0.0.1", Port: port(tlsGarbage), Kind: "https"},
			wantStage: "http", wantKind: manifest.KindHTTP},
		{name: "tcp refused", target: Target{Host: "127.0.0.1", Port: closed, Kind: "tcp"},
			wantStage: "connect", wantKind: manifest.KindRefused},
		{name: "tcp silent listener answers the connection", target: Target{Host: "127.0.0.1", Port: port(silent), Kind: "tcp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := prober(t)
			if tt.resolver != nil {
				p.Resolver = tt.resolver
			}
			if tt.dialer != nil {
				p.Dialer = tt.dialer
			}
			a := p.Probe(context.Background(), tt.target, nil)
			if a.Stage != tt.wantStage || a.ErrorKind != tt.wantKind || a.OK != (tt.wantKind == "") {
				t.Fatalf("ok %v stage %q kind %q (%s), want stage %q kind %q", a.OK, a.Stage, a.ErrorKind, a.Error, tt.wantStage, tt.wantKind)
			}
			if tt.wantKind != "" && a.Error == "" {
				t.Error("no error message")
			}
			checkWithinDeadline(t, a, shortTimeout)
			switch tt.wantStage {
			case "dns":
				if a.DNS == nil || a.DNS.ErrorKind != tt.wantKind || len(a.Connect) != 0 {
					t.Errorf("dns %+v connect %+v", a.DNS, a.Connect)
				}
			case "connect":
				if len(a.Connect) != 1 || a.Connect[0].ErrorKind != tt.wantKind {
					t.Errorf("connect %+v", a.Connect)
				}
			case "tls":
				if a.TLS == nil || a.TLS.ErrorKind != tt.wantKind || a.HTTP != nil {
					t.Errorf("tls %+v http %+v", a.TLS, a.HTTP)
				}
			case "http":
				if a.HTTP == nil || a.HTTP.ErrorKind != tt.wantKind {
					t.Errorf("http %+v", a.HTTP)
				}
			}
		})
	}
}

// hangDialer never connects: it waits for the deadline.
type hangDialer struct{}

func (hangDialer) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// stuckResolver ignores its context and never answers.
type stuckResolver struct{ release chan struct{} }

func (r stuckResolver) LookupIPAddr(context.Context, string) ([]net.IPAddr, error) {
	<-r.release
	return nil, errors.New("released")
}

// stuckDialer ignores its context and never connects.
type stuckDialer struct{ release chan struct{} }

func (d stuckDialer) DialContext(context.Context, string, string) (net.Conn, error) {
	<-d.release
	return nil, errors.New("released")
}

// TestProbeDeadlineWhateverTheResolverAndDialerDo checks that a probe ends at its deadline even
// when the resolver or the dialer ignore their context.
func TestProbeDeadlineWhateverTheResolverAndDialerDo(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tests := []struct {
		name      string
		p         *Prober
		target    Target
		wantStage string
	}{
		{"resolver", &Prober{Resolver: stuckResolver{release}, Timeout: shortTimeout}, Target{Host: "opadiag-test.invalid", Port: 443, Kind: "https"}, "dns"},
		{"dialer", &Prober{Dialer: stuckDialer{release}, Timeout: shortTimeout}, Target{Host: "127.0.0.1", Port: 443, Kind: "https"}, "connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := tt.p.Probe(context.Background(), tt.target, nil)
			if a.Stage != tt.wantStage || a.ErrorKind != manifest.KindTimeout {
				t.Fatalf("stage %q kind %q (%s)", a.Stage, a.ErrorKind, a.Error)
			}
			checkWithinDeadline(t, a, shortTimeout)
		})
	}
}

func TestProbeSeveralAddresses(t *testing.T) {
	t.Parallel()
	ca := newCA(t)
	s := tlsServer(t, ca, 0, nil)
	_, port := hostPort(t, s.Listener.Addr().String())
	p := prober(t)
	p.Timeout = 5 * time.Second
	// ::1 may not be configured; whatever it does, the probe records it and goes on.
	p.Resolver = mapResolver{"api.integrator.io": {"::1", "127.0.0.1"}}
	a := p.Probe(context.Background(), Target{Host: "api.integrator.io", Port: port, Kind: "https"}, nil)
	if !a.OK {
		t.Fatalf("probe failed: %s", a.Error)
	}
	if len(a.Connect) != 2 || a.Connect[1].Address != fmt.Sprintf("127.0.0.1:%d", port) || !a.Connect[1].OK {
		t.Errorf("connect %+v", a.Connect)
	}
	if got := strings.Join(a.DNS.Addresses, ","); got != "::1,127.0.0.1" {
		t.Errorf("addresses %s", got)
	}
}

func TestProbeRedirectsAndHeaders(t *testing.T) {
	t.Parallel()
	ca := newCA(t)
	s := tlsServer(t, ca, 0, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session=secret-session")
		w.Header().Set("X-Served-By", "test")
		if r.URL.Path == "/" {
			http.Redirect(w, r, "/login", http.StatusMovedPermanently)
		}
	})
	p := prober(t)
	p.Timeout = 5 * time.Second
	a := p.Probe(context.Background(), serverTarget(t, s), nil)
	h := a.HTTP
	if !a.OK || h.Status != 301 || h.FinalStatus != 200 || !strings.HasSuffix(h.FinalURL, "/login") {
		t.Fatalf("http %+v", h)
	}
	if len(h.Redirects) != 1 || h.Redirects[0].Location != "/login" || h.Redirects[0].Status != 301 {
		t.Errorf("redirects %+v", h.Redirects)
	}
	joined := strings.Join(h.Headers, "\n")
	if strings.Contains(joined, "secret-session") || strings.Contains(strings.ToLower(joined), "cookie") {
		t.Errorf("headers keep the cookie: %v", h.Headers)
	}
	if !strings.Contains(joined, "X-Served-By: test") {
		t.Errorf("headers %v", h.Headers)
	}
}

func TestProbePlainHTTPAndTCP(t *testing.T) {
	t.Parallel()
	s := plainServer(t)
	h, port := hostPort(t, s.Addr().String())
	p := prober(t)
	p.Timeout = 5 * time.Second
	a := p.Probe(context.Background(), Target{Host: h, Port: port, Kind: "http", Path: "/health"}, nil)
	if !a.OK || a.TLS != nil || a.HTTP.Status != 200 || a.HTTP.URL != fmt.Sprintf("http://127.0.0.1:%d/health", port) {
		t.Fatalf("http: %+v %+v", a, a.HTTP)
	}
	a = p.Probe(context.Background(), Target{Host: h, Port: port, Kind: "tcp"}, nil)
	if !a.OK || a.TLS != nil || a.HTTP != nil || len(a.Connect) != 1 {
		t.Fatalf("tcp: %+v", a)
	}
}

// TestProbeEndlessHeaders: a server (or captive portal, or proxy) that streams headers without
// end fails the probe once 64 KiB are read, instead of filling the memory until the deadline.
func TestProbeEndlessHeaders(t *testing.T) {
	t.Parallel()
	endless := loopback.Serve(t, func(c net.Conn) {
		defer c.Close()
		if _, err := http.ReadRequest(bufioReader(c)); err != nil {
			return
		}
		fmt.Fprint(c, "HTTP/1.1 200 OK\r\n")
		line := []byte("X-Filler: " + strings.Repeat("x", 1000) + "\r\n")
		for {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	})
	h, port := hostPort(t, endless.Addr().String())
	p := prober(t)
	p.Timeout = 10 * time.Second
	a := p.Probe(context.Background(), Target{Host: h, Port: port, Kind: "http"}, nil)
	if a.OK || a.HTTP == nil || !strings.Contains(a.HTTP.Error, "larger than 64 KiB") {
		t.Fatalf("attempt %+v http %+v", a, a.HTTP)
	}
}

func plainServer(t *testing.T) net.Listener {
	return loopback.Serve(t, func(c net.Conn) {
		if _, err := http.ReadRequest(bufioReader(c)); err != nil {
			c.Close()
			return
		}
		fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		c.Close()
	})
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"deadline", context.DeadlineExceeded, manifest.KindTimeout},
		{"os deadline", fmt.Errorf("read: %w", os.ErrDeadlineExceeded), manifest.KindTimeout},
		{"refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, manifest.KindRefused},
		{"host unreachable", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}, manifest.KindUnreachable},
		{"windows refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connectex", syscall.Errno(wsaECONNREFUSED))}, windowsOnly(manifest.KindRefused)},
		{"reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, manifest.KindReset},
		{"eof", io.EOF, manifest.KindClosed},
		{"not tls", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, manifest.KindNotTLS},
		{"dns not found", &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, manifest.KindNotFound},
		{"dns timeout", &net.DNSError{Err: "i/o timeout", Name: "x", IsTimeout: true}, manifest.KindTimeout},
		{"dns unreachable server", &net.DNSError{Err: "dial udp 127.0.0.53:53: connect: network is unreachable", Name: "x"}, manifest.KindNoResolver},
		{"dns servfail", &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}, manifest.KindDNSError},
		{"text only", errors.New("read tcp: connection reset by peer"), manifest.KindReset},
		{"other", errors.New("something else"), manifest.KindError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

// windowsOnly is want on Windows, where the number means WSAECONNREFUSED, and "error" elsewhere.
func windowsOnly(want string) string {
	if isWindows {
		return want
	}
	return manifest.KindError
}
