// Package netprobe runs the network checks of Celigo's troubleshooting guide for one target at a
// time: DNS, a TCP connection to each address, a CONNECT through a proxy, the TLS handshake and
// the verification of the server's chain against the system roots, an HTTPS HEAD request like
// `curl -I`, and the clock skew between the server's Date header and the local clock. It also
// reads what names a target: an --endpoint value (ParseEndpoint) and a proxy setting
// (ParseProxyURL).
//
// Every probe runs under one deadline and records what happened in each stage with a stable
// error kind (manifest.Kind*). The resolver, the dialer and the clock are passed in, so tests
// probe loopback servers only and never the real integrator.io. The package has no state of its
// own and no OS-specific code.
package netprobe

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

// Resolver looks up a host's addresses; *net.Resolver is one.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Dialer opens connections; *net.Dialer is one.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Clock tells the time. Durations are differences of its readings.
type Clock interface{ Now() time.Time }

// Target is a host to probe.
type Target struct {
	Host string
	Port int
	Kind string // manifest.TargetHTTPS, TargetHTTP or TargetTCP
	Path string // the HTTP request's path and query; "/" when empty
}

// Addr is host:port.
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// URL is the target as a URL: https://host[:port]/path, http://…, or tcp://host:port.
func (t Target) URL() string {
	switch t.Kind {
	case manifest.TargetHTTPS, manifest.TargetHTTP:
		u := url.URL{Scheme: t.Kind, Host: t.Addr()}
		if (t.Kind == manifest.TargetHTTPS && t.Port == 443) || (t.Kind == manifest.TargetHTTP && t.Port == 80) {
			u.Host = hostForURL(t.Host)
		}
		path := t.Path
		if path == "" {
			path = "/"
		}
		return u.String() + path
	}
	return "tcp://" + t.Addr()
}

func hostForURL(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// Proxy is an HTTP or HTTPS proxy to probe a target through.
type Proxy struct {
	URL     *url.URL // may carry user:password, sent as Basic proxy authorization
	Sources []string // where it is configured
}

// Prober probes targets. Its zero value probes with the system's resolver and dialer, its clock
// and roots, under DefaultTimeout.
type Prober struct {
	Resolver  Resolver
	Dialer    Dialer
	Clock     Clock
	Timeout   time.Duration  // each probe's deadline
	RootCAs   *x509.CertPool // the roots a chain must verify against; nil: the system's
	UserAgent string
}

// DefaultTimeout is a probe's deadline unless the Prober says otherwise.
const DefaultTimeout = 5 * time.Second

// maxAddresses bounds how many of a name's addresses are connected to.
const maxAddresses = 8

// maxRedirects bounds how many redirects are followed.
const maxRedirects = 5

func (p *Prober) resolver() Resolver {
	if p.Resolver != nil {
		return p.Resolver
	}
	return net.DefaultResolver
}

func (p *Prober) dialer() Dialer {
	if p.Dialer != nil {
		return p.Dialer
	}
	return &net.Dialer{}
}

func (p *Prober) now() time.Time {
	if p.Clock != nil {
		return p.Clock.Now()
	}
	return time.Now()
}

func (p *Prober) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return DefaultTimeout
}

func (p *Prober) since(t time.Time) int64 {
	d := p.now().Sub(t)
	if d < 0 {
		return 0
	}
	return d.Milliseconds()
}

// Probe probes t directly (px nil) or through the proxy px, within the Prober's timeout. It
// always returns a complete record; a failure is described in it, never returned.
func (p *Prober) Probe(ctx context.Context, t Target, px *Proxy) manifest.ProbeAttempt {
	start := p.now()
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	a := manifest.ProbeAttempt{Route: manifest.RouteDirect, Started: start.UTC()}
	p.run(ctx, t, px, &a)
	a.DurationMS = p.since(start)
	return a
}

// run does the stages of one probe, recording them in a.
func (p *Prober) run(ctx context.Context, t Target, px *Proxy, a *manifest.ProbeAttempt) {
	var conn net.Conn
	if px == nil {
		c, rest := p.connect(ctx, t.Host, t.Port, a)
		defer rest()
		conn = c
	} else {
		a.Route, a.Proxy, a.ProxySources = manifest.RouteProxy, RedactURL(px.URL), px.Sources
		pc, rest := p.connect(ctx, px.URL.Hostname(), proxyPort(px.URL), a)
		defer rest()
		if pc != nil {
			conn = p.tunnel(ctx, pc, t, px, a)
		}
	}
	if conn == nil {
		return
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	switch t.Kind {
	case manifest.TargetTCP:
		a.OK = true
		return
	case manifest.TargetHTTPS:
		tc := p.handshake(ctx, conn, t, a)
		if tc == nil {
			return
		}
		conn = tc
	}
	p.head(ctx, conn, t, px, a)
}

// fail records the stage that failed an attempt.
func fail(a *manifest.ProbeAttempt, stage, kind, msg string) {
	a.OK, a.Stage, a.ErrorKind, a.Error = false, stage, kind, msg
}

// lookup resolves host, or takes it as it is when it is an IP address.
func (p *Prober) lookup(ctx context.Context, host string, a *manifest.ProbeAttempt) []string {
	d := &manifest.DNSProbe{Name: host}
	a.DNS = d
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		d.Literal = true
		d.Addresses = []string{ip.String()}
		return d.Addresses
	}
	start := p.now()
	addrs, err := lookupWithin(ctx, p.resolver(), host)
	d.DurationMS = p.since(start)
	if err == nil && len(addrs) == 0 {
		err = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	if err != nil {
		d.ErrorKind, d.Error = dnsKind(err), err.Error()
		fail(a, "dns", d.ErrorKind, d.Error)
		return nil
	}
	for _, ip := range addrs {
		d.Addresses = append(d.Addresses, ip.String())
	}
	return d.Addresses
}

// lookupWithin runs a lookup that cannot outlive ctx, whatever the resolver does.
func lookupWithin(ctx context.Context, r Resolver, host string) ([]net.IPAddr, error) {
	type result struct {
		addrs []net.IPAddr
		err   error
	}
	ch := make(chan result, 1)
	go func() {
		addrs, err := r.LookupIPAddr(ctx, host)
		ch <- result{addrs, err}
	}()
	select {
	case r := <-ch:
		return r.addrs, r.err
	case <-ctx.Done():
		return nil, &net.DNSError{Err: "no answer before the deadline", Name: host, IsTimeout: true}
	}
}

// dialWithin dials with a dialer that cannot outlive ctx, whatever it does.
func dialWithin(ctx context.Context, d Dialer, address string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := d.DialContext(ctx, "tcp", address)
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		return r.c, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, fmt.Errorf("dial tcp %s: %w", address, ctx.Err())
	}
}

// connect resolves host and connects to each of its addresses at once. It returns the first
// connection that succeeds, and a function that waits for the other attempts (each bounded by
// ctx), records them and closes their connections: the caller defers it, so that a slow address
// does not hold up the TLS and HTTP stages of a fast one.
func (p *Prober) connect(ctx context.Context, host string, port int, a *manifest.ProbeAttempt) (net.Conn, func()) {
	addrs := p.lookup(ctx, host, a)
	if len(addrs) == 0 {
		return nil, func() {}
	}
	if len(addrs) > maxAddresses {
		addrs = addrs[:maxAddresses]
	}
	type result struct {
		i  int
		c  net.Conn
		cp manifest.ConnectProbe
	}
	results := make(chan result, len(addrs))
	for i, ip := range addrs {
		go func() {
			address := net.JoinHostPort(ip, strconv.Itoa(port))
			start := p.now()
			c, err := dialWithin(ctx, p.dialer(), address)
			cp := manifest.ConnectProbe{Address: address, DurationMS: p.since(start), OK: err == nil}
			if err != nil {
				cp.ErrorKind, cp.Error = Classify(err), err.Error()
			}
			results <- result{i, c, cp}
		}()
	}
	done := make([]manifest.ConnectProbe, len(addrs))
	for i, ip := range addrs {
		done[i] = manifest.ConnectProbe{Address: net.JoinHostPort(ip, strconv.Itoa(port))}
	}
	pending := len(addrs)
	var chosen net.Conn
	for pending > 0 && chosen == nil {
		r := <-results
		pending--
		done[r.i] = r.cp
		chosen = r.c
	}
	finish := func() {
		for ; pending > 0; pending-- {
			r := <-results
			done[r.i] = r.cp
			if r.c != nil {
				r.c.Close()
			}
		}
		a.Connect = done
	}
	if chosen == nil {
		finish()
		k := connectFailure(done)
		fail(a, "connect", k.ErrorKind, k.Error)
		return nil, func() {}
	}
	return chosen, finish
}

// connectFailure picks the attempt that describes a failed connection best: the first IPv4
// one, as clients prefer them, else the first.
func connectFailure(cs []manifest.ConnectProbe) manifest.ConnectProbe {
	for _, c := range cs {
		host, _, _ := net.SplitHostPort(c.Address)
		if ip := net.ParseIP(host); ip != nil && ip.To4() != nil {
			return c
		}
	}
	return cs[0]
}

func proxyPort(u *url.URL) int {
	if n, err := strconv.Atoi(u.Port()); err == nil {
		return n
	}
	if strings.EqualFold(u.Scheme, "https") {
		return 443
	}
	return 80
}

// tunnel asks the proxy on conn for a tunnel to t with CONNECT, first speaking TLS to the proxy
// when it is an https:// one. It returns the tunnel, or nil and the failure recorded in a.
func (p *Prober) tunnel(ctx context.Context, conn net.Conn, t Target, px *Proxy, a *manifest.ProbeAttempt) net.Conn {
	pc := &manifest.ProxyConnectProbe{Request: "CONNECT " + t.Addr() + " HTTP/1.1"}
	a.ProxyConnect = pc
	start := p.now()
	defer func() { pc.DurationMS = p.since(start) }()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	failed := func(kind string, err error) net.Conn {
		conn.Close()
		pc.ErrorKind, pc.Error = kind, err.Error()
		fail(a, "proxy_connect", kind, pc.Error)
		return nil
	}
	if strings.EqualFold(px.URL.Scheme, "https") {
		tc := tls.Client(conn, &tls.Config{ServerName: px.URL.Hostname(), RootCAs: p.RootCAs})
		if err := tc.HandshakeContext(ctx); err != nil {
			return failed(tlsKind(err), fmt.Errorf("TLS with the proxy %s: %w", px.URL.Host, err))
		}
		conn = tc
	}
	req := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: t.Addr()},
		Host:   t.Addr(),
		Header: http.Header{},
	}
	if p.UserAgent != "" {
		req.Header.Set("User-Agent", p.UserAgent)
	}
	if u := px.URL.User; u != nil {
		pass, _ := u.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pass)))
		pc.LoginSent = true
	}
	if err := req.Write(conn); err != nil {
		return failed(Classify(err), fmt.Errorf("send CONNECT to the proxy %s: %w", px.URL.Host, err))
	}
	head := &headerCap{r: conn, n: maxHeaderBytes}
	br := bufio.NewReader(head)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return failed(Classify(err), fmt.Errorf("read the proxy's answer to CONNECT: %w", err))
	}
	head.n = -1 // the tunnel's bytes are not headers
	pc.Status, pc.StatusText = resp.StatusCode, resp.Status
	for _, c := range resp.Header.Values("Proxy-Authenticate") {
		if scheme, _, _ := strings.Cut(strings.TrimSpace(c), " "); scheme != "" {
			pc.Challenges = append(pc.Challenges, scheme)
		}
	}
	if resp.StatusCode/100 == 2 {
		pc.OK = true
		if br.Buffered() > 0 {
			return &bufferedConn{Conn: conn, r: br}
		}
		return conn
	}
	kind := proxyStatusKind(resp.StatusCode)
	msg := fmt.Sprintf("the proxy %s answered CONNECT with %s", px.URL.Host, resp.Status)
	switch {
	case resp.StatusCode == http.StatusProxyAuthRequired && pc.LoginSent:
		msg += ": it rejected the user name and password in the proxy setting"
	case resp.StatusCode == http.StatusProxyAuthRequired:
		msg += ": it requires authentication"
		if len(pc.Challenges) > 0 {
			msg += " (" + strings.Join(pc.Challenges, ", ") + ")"
		}
	}
	return failed(kind, errors.New(msg))
}

func proxyStatusKind(status int) string {
	switch status {
	case http.StatusProxyAuthRequired:
		return manifest.KindProxyAuth
	case http.StatusForbidden:
		return manifest.KindProxyDenied
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return manifest.KindProxyUpstream
	}
	return manifest.KindProxyError
}

// maxHeaderBytes bounds what is read of an answer's status line and headers: a proxy or a
// captive portal that streams headers cannot fill the memory.
const maxHeaderBytes = 64 << 10

// errHeadersTooLarge is the error of an answer whose headers pass maxHeaderBytes.
var errHeadersTooLarge = fmt.Errorf("the answer's headers are larger than %d KiB", maxHeaderBytes>>10)

// headerCap reads at most n bytes from r, then fails with errHeadersTooLarge; n < 0 lifts the cap.
type headerCap struct {
	r io.Reader
	n int64
}

func (h *headerCap) Read(p []byte) (int, error) {
	if h.n < 0 {
		return h.r.Read(p)
	}
	if h.n == 0 {
		return 0, errHeadersTooLarge
	}
	if int64(len(p)) > h.n {
		p = p[:h.n]
	}
	n, err := h.r.Read(p)
	h.n -= int64(n)
	return n, err
}

// bufferedConn is a connection whose first bytes were already read into r.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// handshake does the TLS handshake with t over conn, accepting any certificate, then verifies the
// chain against the roots on its own so that an unverified chain is described, not just refused.
func (p *Prober) handshake(ctx context.Context, conn net.Conn, t Target, a *manifest.ProbeAttempt) *tls.Conn {
	name := strings.Trim(t.Host, "[]")
	tp := &manifest.TLSProbe{ServerName: name}
	a.TLS = tp
	cfg := &tls.Config{
		InsecureSkipVerify: true, // verified below, against RootCAs, so the failure can be described
		NextProtos:         []string{"http/1.1"},
	}
	if net.ParseIP(name) == nil {
		cfg.ServerName = name
	}
	start := p.now()
	tc := tls.Client(conn, cfg)
	err := tc.HandshakeContext(ctx)
	tp.DurationMS = p.since(start)
	if err != nil {
		tp.ErrorKind, tp.Error = tlsKind(err), err.Error()
		fail(a, "tls", tp.ErrorKind, tp.Error)
		return nil
	}
	tp.OK = true
	cs := tc.ConnectionState()
	tp.Version = tls.VersionName(cs.Version)
	tp.Cipher = tls.CipherSuiteName(cs.CipherSuite)
	for _, c := range cs.PeerCertificates {
		tp.Certificates = append(tp.Certificates, describeCert(c))
	}
	if len(cs.PeerCertificates) == 0 {
		tp.VerifyErrorKind, tp.VerifyError = manifest.VerifyInvalid, "the server sent no certificate"
		return tc
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err = cs.PeerCertificates[0].Verify(x509.VerifyOptions{
		Roots: p.RootCAs, Intermediates: inter, DNSName: name, CurrentTime: p.now(),
	})
	if err == nil {
		tp.Verified = true
		return tc
	}
	tp.VerifyErrorKind, tp.VerifyError = verifyKind(err), err.Error()
	if tp.VerifyErrorKind == manifest.VerifyUnknownAuthority {
		tp.UntrustedIssuer = cs.PeerCertificates[len(cs.PeerCertificates)-1].Issuer.String()
	}
	return tc
}

func describeCert(c *x509.Certificate) manifest.CertInfo {
	sum := sha256.Sum256(c.Raw)
	return manifest.CertInfo{
		Subject:    c.Subject.String(),
		Issuer:     c.Issuer.String(),
		NotBefore:  c.NotBefore.UTC(),
		NotAfter:   c.NotAfter.UTC(),
		DNSNames:   c.DNSNames,
		SelfSigned: string(c.RawSubject) == string(c.RawIssuer) && c.CheckSignatureFrom(c) == nil,
		SHA256:     hex.EncodeToString(sum[:]),
	}
}

func verifyKind(err error) string {
	var ua x509.UnknownAuthorityError
	var inv x509.CertificateInvalidError
	var host x509.HostnameError
	switch {
	case errors.As(err, &ua):
		return manifest.VerifyUnknownAuthority
	case errors.As(err, &host):
		return manifest.VerifyHostname
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		return manifest.VerifyExpired
	}
	return manifest.VerifyInvalid
}

// head sends HEAD over conn, as `curl -I` does, records the answer and the clock skew, then
// follows redirects on new connections.
func (p *Prober) head(ctx context.Context, conn net.Conn, t Target, px *Proxy, a *manifest.ProbeAttempt) {
	h := &manifest.HTTPProbe{Method: http.MethodHead, URL: t.URL()}
	a.HTTP = h
	start := p.now()
	defer func() { h.DurationMS = p.since(start) }()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, t.URL(), nil)
	if err != nil {
		h.ErrorKind, h.Error = manifest.KindError, err.Error()
		fail(a, "http", h.ErrorKind, h.Error)
		return
	}
	p.setHeaders(req)
	sent := p.now()
	if err := req.Write(conn); err != nil {
		h.ErrorKind, h.Error = httpKind(err), "send the request: "+err.Error()
		fail(a, "http", h.ErrorKind, h.Error)
		return
	}
	resp, err := http.ReadResponse(bufio.NewReader(&headerCap{r: conn, n: maxHeaderBytes}), req)
	answered := p.now()
	if err != nil {
		h.ErrorKind, h.Error = httpKind(err), "read the answer: "+err.Error()
		fail(a, "http", h.ErrorKind, h.Error)
		return
	}
	resp.Body.Close()
	h.OK = true
	a.OK = true
	h.Status, h.StatusText, h.Proto = resp.StatusCode, resp.Status, resp.Proto
	h.Headers = safeHeaders(resp.Header)
	h.FinalURL, h.FinalStatus = t.URL(), resp.StatusCode
	if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		rtt := answered.Sub(sent)
		mid := sent.Add(rtt / 2)
		// Date has whole seconds: the server's clock was somewhere in [date, date+1s).
		skew := date.Add(500 * time.Millisecond).Sub(mid)
		a.Clock = &manifest.ClockSkew{
			ServerDate: date.UTC(), LocalTime: mid.UTC(),
			SkewMS: skew.Milliseconds(), Skew: skew.Round(time.Millisecond).String(),
			UncertaintyMS: (500*time.Millisecond + rtt/2).Milliseconds(),
		}
	}
	p.follow(ctx, req.URL, resp, px, h)
}

func (p *Prober) setHeaders(req *http.Request) {
	if p.UserAgent != "" {
		req.Header.Set("User-Agent", p.UserAgent)
	}
	req.Header.Set("Accept", "*/*")
	req.Close = true
}

// follow follows the redirects of resp, if any, recording each one, with the same deadline.
// A redirect that fails ends the chain; it is recorded in h.Error without failing the probe:
// the target itself answered.
func (p *Prober) follow(ctx context.Context, from *url.URL, resp *http.Response, px *Proxy, h *manifest.HTTPProbe) {
	if !isRedirect(resp.StatusCode) || resp.Header.Get("Location") == "" {
		return
	}
	tr := &http.Transport{
		DialContext:       p.dialResolving,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // a HEAD request carries no secret; the target's chain is verified above
		DisableKeepAlives: true,
	}
	if px != nil {
		tr.Proxy = http.ProxyURL(px.URL)
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	cur := from
	stop := func(why string) { h.ErrorKind, h.Error = manifest.KindHTTP, why }
	for i := 0; isRedirect(resp.StatusCode); i++ {
		if i == maxRedirects {
			stop(fmt.Sprintf("stopped following redirects after %d", maxRedirects))
			return
		}
		loc := resp.Header.Get("Location")
		if loc == "" {
			return // a redirect that says nowhere: its status is the answer
		}
		next, err := cur.Parse(loc)
		if err != nil {
			stop(fmt.Sprintf("the redirect's Location %q is not a URL: %v", loc, err))
			return
		}
		h.Redirects = append(h.Redirects, manifest.Redirect{Status: resp.StatusCode, URL: cur.String(), Location: loc})
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, next.String(), nil)
		if err != nil {
			stop(fmt.Sprintf("follow the redirect to %s: %v", next, err))
			return
		}
		p.setHeaders(req)
		r, err := client.Do(req)
		if err != nil {
			h.ErrorKind, h.Error = httpKind(err), "follow the redirect to "+next.String()+": "+err.Error()
			return
		}
		r.Body.Close()
		resp, cur = r, next
		h.FinalURL, h.FinalStatus = cur.String(), r.StatusCode
	}
}

func isRedirect(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// dialResolving dials host:port, resolving host with the Prober's resolver.
func (p *Prober) dialResolving(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	ips := []string{host}
	if net.ParseIP(host) == nil {
		addrs, err := lookupWithin(ctx, p.resolver(), host)
		if err != nil {
			return nil, err
		}
		ips = ips[:0]
		for _, a := range addrs {
			ips = append(ips, a.String())
		}
	}
	var last error = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	for _, ip := range ips {
		c, err := dialWithin(ctx, p.dialer(), net.JoinHostPort(ip, port))
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}

// maxHeaders bounds how many response headers are kept, and maxHeaderValue each one's length.
const (
	maxHeaders     = 64
	maxHeaderValue = 512
)

// safeHeaders returns the headers as "Name: value" lines, sorted, without any whose name looks
// like it carries a secret or a session: cookies, authorization, authentication challenges.
func safeHeaders(hdr http.Header) []string {
	var out []string
	for name, values := range hdr {
		if redact.IsSecretKey(name) {
			continue
		}
		for _, v := range values {
			if len(v) > maxHeaderValue {
				v = v[:maxHeaderValue] + "…"
			}
			out = append(out, name+": "+v)
		}
	}
	sort.Strings(out)
	if len(out) > maxHeaders {
		out = out[:maxHeaders]
	}
	return out
}
