package collect

// Tests of the network collector. Every probe stays on this machine: targets are loopback
// servers, names are resolved by a map (or not found), the dialer refuses any address that is
// not loopback, and the environment handed to the collector has no proxy but the tests' own.

import (
	"archive/zip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/internal/loopback"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/platform"
)

// fakeSystem has fixed WinINet settings and no port holders.
type fakeSystem struct {
	wininet platform.WinINetProxy
}

func (s fakeSystem) WinINetProxy() (platform.WinINetProxy, error) { return s.wininet, nil }
func (fakeSystem) PortHolders(context.Context, int) ([]platform.PortHolder, string, error) {
	return nil, "no socket listens on the port", nil
}

// mapResolver answers from a map; other names are not found.
type mapResolver map[string]string

func (m mapResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	ip, ok := m[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return []net.IPAddr{{IP: net.ParseIP(ip)}}, nil
}

func silent(t testing.TB) int { return loopback.Port(loopback.Silent(t)) }

func closed(t testing.TB) int { return loopback.ClosedPort(t) }

// tlsAPI is an HTTPS server with a certificate for integrator.io's API names from a CA of the
// test's own, whose Date header is skew ahead. It returns the server and a pool with the CA.
func tlsAPI(t testing.TB, skew time.Duration) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "opadiag test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "api.integrator.io"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames:    []string{"api.integrator.io", "api.eu.integrator.io"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(skew).UTC().Format(http.TimeFormat))
	}))
	s.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	s.StartTLS()
	t.Cleanup(s.Close)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return s, pool
}

// connectProxy serves CONNECT to loopback addresses, asking for user:pass when user is set.
func connectProxy(t testing.TB, user, pass string) int {
	return loopback.NewProxy(t, user, pass, 0).Port()
}

// runCollect makes a bundle with opts (filled with test defaults) and returns its manifest and
// entries.
func runCollect(t *testing.T, opts Options) (*manifest.Manifest, map[string][]byte) {
	t.Helper()
	if opts.OutputDir == "" {
		opts.OutputDir = t.TempDir()
	}
	if opts.Platform == nil {
		opts.Platform = fakePlatform{}
	}
	if opts.Network.System == nil {
		opts.Network.System = fakeSystem{}
	}
	if opts.Since == 0 {
		opts.Since = 168 * time.Hour
	}
	if opts.MaxFileSize == 0 {
		opts.MaxFileSize, opts.MaxTotalSize = 1<<20, 8<<20
	}
	if opts.Trigger == "" {
		opts.Trigger = "manual"
	}
	if opts.Runner == nil {
		opts.Runner = &fakeRunner{cmds: map[string]fakeCmd{"*": {}}}
	}
	if opts.Network.Environ == nil {
		opts.Network.Environ = []string{}
	}
	if opts.Network.Dialer == nil {
		opts.Network.Dialer = loopback.Dialer{T: t}
	}
	if opts.Network.Resolver == nil {
		opts.Network.Resolver = mapResolver{}
	}
	if opts.Network.LocalPort == "" {
		opts.Network.LocalPort = "127.0.0.1:0"
	}
	opts.Tool = manifest.Tool{Version: "test"}
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	verified(t, res.Path)
	zr, err := zip.OpenReader(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	entries := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		entries[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	return res.Manifest, entries
}

func collector(t *testing.T, m *manifest.Manifest, name string) manifest.Collector {
	t.Helper()
	for _, c := range m.Collectors {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s collector in %+v", name, m.Collectors)
	return manifest.Collector{}
}

// readProbes checks network/probes.json against its schema and decodes it.
func readProbes(t *testing.T, entries map[string][]byte) *manifest.Probes {
	t.Helper()
	data, ok := entries["network/probes.json"]
	if !ok {
		t.Fatal("no network/probes.json in the bundle")
	}
	if err := manifest.ValidateProbes(data); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	var p manifest.Probes
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// TestNetworkFiveUnreachableEndpointsWithinBudget is the acceptance check of the bound on time:
// with five endpoints that never answer, are refused or do not exist, the collector ends on its
// own (not at its deadline) within twice the probe timeout, every probe within the probe
// timeout, as the bundle records.
func TestNetworkFiveUnreachableEndpointsWithinBudget(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	silentTLS, silentHTTP := silent(t), silent(t)
	endpoints := []string{
		fmt.Sprintf("https://127.0.0.1:%d/", silentTLS),
		fmt.Sprintf("https://127.0.0.1:%d/", closed(t)),
		"https://opadiag-test.invalid/",
		fmt.Sprintf("tcp://127.0.0.1:%d", closed(t)),
		fmt.Sprintf("http://127.0.0.1:%d/", silentHTTP),
	}
	m, entries := runCollect(t, Options{Endpoints: endpoints, ProbeTimeout: timeout})

	c := collector(t, m, "network")
	if c.Status != manifest.StatusOK || c.TimedOut {
		t.Fatalf("network collector: %s %q timed out %v", c.Status, c.Error, c.TimedOut)
	}
	if c.DurationMS >= (2 * timeout).Milliseconds() {
		t.Errorf("the network collector took %d ms, not within twice the probe timeout (%s)", c.DurationMS, timeout)
	}
	p := readProbes(t, entries)
	if p.ProbeTimeoutMS != timeout.Milliseconds() || p.BudgetMS != 2*timeout.Milliseconds() || p.DurationMS >= p.BudgetMS {
		t.Errorf("probe timeout %d ms, budget %d ms, duration %d ms", p.ProbeTimeoutMS, p.BudgetMS, p.DurationMS)
	}
	want := []struct{ stage, kind string }{
		{"tls", manifest.KindTimeout},
		{"connect", manifest.KindRefused},
		{"dns", manifest.KindNotFound},
		{"connect", manifest.KindRefused},
		{"http", manifest.KindTimeout},
	}
	if len(p.Targets) != len(want) {
		t.Fatalf("%d targets", len(p.Targets))
	}
	var starts []time.Time
	for i, tg := range p.Targets {
		if len(tg.Attempts) != 1 {
			t.Fatalf("%s: %d attempts", tg.Name, len(tg.Attempts))
		}
		a := tg.Attempts[0]
		if a.OK || a.Stage != want[i].stage || a.ErrorKind != want[i].kind {
			t.Errorf("%s: stage %q kind %q (%s), want %q %q", tg.URL, a.Stage, a.ErrorKind, a.Error, want[i].stage, want[i].kind)
		}
		if a.DurationMS >= p.BudgetMS {
			t.Errorf("%s: the probe took %d ms, as long as the whole budget", tg.URL, a.DurationMS)
		}
		if !tg.Required || tg.Role != manifest.RoleEndpoint {
			t.Errorf("%s: required %v role %s", tg.URL, tg.Required, tg.Role)
		}
		starts = append(starts, a.Started)
	}
	// All at once: each probe started before the first could have timed out.
	for _, s := range starts[1:] {
		if d := s.Sub(starts[0]); d < -timeout/2 || d > timeout/2 {
			t.Errorf("the probes did not start together: %v", starts)
		}
	}
	if m.Host.Network == nil || m.Host.Network.Reachable || !m.Host.Network.Probed || m.Host.Network.Region != manifest.RegionCustom {
		t.Errorf("host.network %+v", m.Host.Network)
	}
	for _, id := range []string{"network.firewall", "network.dns", "network.tls_handshake", "network.http"} {
		if !hasFinding(m, id, manifest.SeverityFail) {
			t.Errorf("no %s finding in %+v", id, m.Findings)
		}
	}
	for _, u := range m.Invocation.Unused {
		if strings.Contains(u.Flag, "endpoint") || strings.Contains(u.Flag, "probe-timeout") {
			t.Errorf("%s recorded as unused", u.Flag)
		}
	}
	for _, a := range m.Absent {
		if a.Name == "network" {
			t.Error("network still listed as absent")
		}
	}
}

// TestNetworkDefaultTargets probes the default targets through a resolver and dialer that send
// them to a loopback server: nothing leaves the machine.
func TestNetworkDefaultTargets(t *testing.T) {
	t.Parallel()
	const skew = 3 * time.Hour
	api, pool := tlsAPI(t, skew)
	apiAddr := api.Listener.Addr().String()
	tunnel := silent(t)
	tests := []struct {
		name       string
		settings   string // Settings file of the agent home; empty: no agent home
		log        string // a log line
		wantRegion string
		wantSource string
		wantHosts  []string
		wantTunnel bool
	}{
		{name: "region unknown", wantRegion: manifest.RegionUnknown, wantSource: "default",
			wantHosts: []string{APIHostUS, APIHostEU}},
		{name: "eu from settings", settings: `{"token": "abc123", "environment": "eu", "apiUrl": "https://api.eu.integrator.io/v1"}`,
			wantRegion: manifest.RegionEU, wantSource: "settings", wantHosts: []string{APIHostEU}},
		{name: "us from logs, tunnel from logs", settings: `{"token": "abc123"}`,
			log: "2025-05-06T12:08:22.172Z: level=error, logName=heartbeatFailed, err=Error: getaddrinfo ENOTFOUND api.integrator.io\n" +
				"2025-05-06T12:09:22.172Z: level=error, logName=tunnelFailed, err=Error: connect ETIMEDOUT opadiag-tunnel.invalid:22\n",
			wantRegion: manifest.RegionUS, wantSource: "logs", wantHosts: []string{APIHostUS, "opadiag-tunnel.invalid"}, wantTunnel: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := Options{ProbeTimeout: 5 * time.Second}
			if tt.settings != "" {
				home := t.TempDir()
				os.WriteFile(filepath.Join(home, "Settings"), []byte(tt.settings), 0o600)
				if tt.log != "" {
					os.WriteFile(filepath.Join(home, "server-2025-05-06.log"), []byte(tt.log), 0o600)
				}
				opts.AgentDirs = []string{home}
			}
			opts.Network = NetworkEnv{
				Resolver: mapResolver{APIHostUS: "127.0.0.1", APIHostEU: "127.0.0.1", "opadiag-tunnel.invalid": "127.0.0.1"},
				Dialer: loopback.Dialer{T: t, Rewrite: map[string]string{
					"127.0.0.1:443": apiAddr,
					"127.0.0.1:22":  fmt.Sprintf("127.0.0.1:%d", tunnel),
				}},
				RootCAs: pool,
			}
			m, entries := runCollect(t, opts)
			p := readProbes(t, entries)
			if p.Region.Region != tt.wantRegion || p.Region.Source != tt.wantSource {
				t.Errorf("region %+v", p.Region)
			}
			if tt.wantSource != "default" && len(p.Region.Evidence) == 0 {
				t.Error("no evidence for the region")
			}
			var hosts []string
			for _, tg := range p.Targets {
				hosts = append(hosts, tg.Host)
				if len(tg.Attempts) != 1 || !tg.Attempts[0].OK {
					t.Errorf("%s: %+v", tg.Name, tg.Attempts)
				}
				if tg.Role == manifest.RoleAPI && tg.Required != (tt.wantRegion != manifest.RegionUnknown) {
					t.Errorf("%s required %v", tg.Name, tg.Required)
				}
				if tg.Role == manifest.RoleTunnel && (tg.Port != 22 || tg.Kind != manifest.TargetTCP) {
					t.Errorf("tunnel target %+v", tg)
				}
			}
			if strings.Join(hosts, ",") != strings.Join(tt.wantHosts, ",") {
				t.Errorf("probed %v, want %v", hosts, tt.wantHosts)
			}
			net := m.Host.Network
			if net == nil || !net.Reachable || net.Route != manifest.RouteDirect || net.ClockSkewMS == nil || net.TLSVerified == nil || !*net.TLSVerified {
				t.Fatalf("host.network %+v", net)
			}
			if d := time.Duration(*net.ClockSkewMS)*time.Millisecond - skew; d < -time.Second || d > time.Second {
				t.Errorf("skew %d ms, want %s within 1s", *net.ClockSkewMS, skew)
			}
			if !hasFinding(m, "clock.skew", manifest.SeverityFail) {
				t.Errorf("no clock.skew finding: %+v", m.Findings)
			}
			if c := collector(t, m, "network"); (c.Status == manifest.StatusPartial) == tt.wantTunnel {
				t.Errorf("network collector %s %v: without a tunnel host it says SSH was not probed", c.Status, c.Problems)
			}
			if bytesContain(entries, "abc123") {
				t.Error("the token is in the bundle")
			}
		})
	}
}

func bytesContain(entries map[string][]byte, s string) bool {
	for _, b := range entries {
		if strings.Contains(string(b), s) {
			return true
		}
	}
	return false
}

// TestNetworkProxies probes through the proxies of the environment, WinINet and WinHTTP (with a
// fake registry and netsh), and checks that credentials never reach the bundle.
func TestNetworkProxies(t *testing.T) {
	t.Parallel()
	api, pool := tlsAPI(t, 0)
	_, apiPort, _ := net.SplitHostPort(api.Listener.Addr().String())
	open := connectProxy(t, "", "")
	auth := connectProxy(t, "bob", "s3cret")
	refusedProxy := closed(t)
	netsh := &fakeRunner{cmds: map[string]fakeCmd{"*": {out: fmt.Sprintf("\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Proxy Server(s) :  127.0.0.1:%d\r\n    Bypass List     :  (none)\r\n", auth)}}}
	sys := fakeSystem{wininet: platform.WinINetProxy{
		ProxyEnable:   true,
		ProxyServer:   fmt.Sprintf("http=127.0.0.1:%d;https=127.0.0.1:%d;socks=127.0.0.1:1080", open, open),
		ProxyOverride: "<local>;*.corp.local",
		AutoConfigURL: "http://wpad.invalid/proxy.pac",
	}}
	m, entries := runCollect(t, Options{
		Endpoints:    []string{"https://127.0.0.1:" + apiPort + "/"},
		ProbeTimeout: 5 * time.Second,
		Runner:       netsh,
		Network: NetworkEnv{
			System:  sys,
			GOOS:    "windows",
			RootCAs: pool,
			Environ: []string{
				fmt.Sprintf("HTTPS_PROXY=http://bob:s3cret@127.0.0.1:%d", auth),
				fmt.Sprintf("http_proxy=127.0.0.1:%d", refusedProxy),
				"NO_PROXY=.corp.local",
				`SystemRoot=C:\Windows`,
			},
		},
	})
	p := readProbes(t, entries)
	if len(netsh.calls) != 1 || netsh.calls[0] != `C:\Windows\System32\netsh.exe winhttp show proxy` {
		t.Errorf("commands %q", netsh.calls)
	}
	if _, ok := entries[winHTTPEntry]; !ok {
		t.Errorf("no %s", winHTTPEntry)
	}
	if p.Proxy.WinINet == nil || !p.Proxy.WinINet.ProxyEnable || p.Proxy.WinHTTP == nil || p.Proxy.WinHTTP.Server == "" {
		t.Errorf("wininet %+v winhttp %+v", p.Proxy.WinINet, p.Proxy.WinHTTP)
	}
	var notProbed []string
	for _, np := range p.Proxy.NotProbed {
		notProbed = append(notProbed, np.Source)
	}
	if strings.Join(notProbed, ",") != "wininet socks,wininet AutoConfigURL" {
		t.Errorf("not probed %v", notProbed)
	}
	byProxy := map[string]manifest.ProbeAttempt{}
	for _, a := range p.Targets[0].Attempts {
		byProxy[a.Proxy] = a
	}
	authURL := fmt.Sprintf("http://127.0.0.1:%d", auth)
	tests := []struct {
		proxy   string
		sources string
		ok      bool
		kind    string
	}{
		{"", "", true, ""},
		{fmt.Sprintf("http://bob:[REDACTED]@127.0.0.1:%d", auth), "env HTTPS_PROXY", true, ""},
		{fmt.Sprintf("http://127.0.0.1:%d", refusedProxy), "env http_proxy", false, manifest.KindRefused},
		{fmt.Sprintf("http://127.0.0.1:%d", open), "wininet http,wininet https", true, ""},
		{authURL, "winhttp", false, manifest.KindProxyAuth},
	}
	if len(byProxy) != len(tests) {
		t.Errorf("%d attempts: %v", len(byProxy), byProxy)
	}
	for _, tt := range tests {
		a, ok := byProxy[tt.proxy]
		if !ok {
			t.Errorf("no attempt through %q", tt.proxy)
			continue
		}
		if a.OK != tt.ok || a.ErrorKind != tt.kind || strings.Join(a.ProxySources, ",") != tt.sources {
			t.Errorf("through %q: ok %v kind %q sources %v (%s)", tt.proxy, a.OK, a.ErrorKind, a.ProxySources, a.Error)
		}
	}
	if !m.Host.Network.ProxyInUse || !m.Host.Network.Reachable {
		t.Errorf("host.network %+v", m.Host.Network)
	}
	if !hasFinding(m, "network.proxy_auth", manifest.SeverityWarn) || !hasFinding(m, "network.proxy_unreachable", manifest.SeverityWarn) {
		t.Errorf("findings %+v", m.Findings)
	}
	if bytesContain(entries, "s3cret") {
		t.Error("a proxy password is in the bundle")
	}
}

func TestNetworkRoutesHonourBypass(t *testing.T) {
	t.Parallel()
	m, entries := runCollect(t, Options{
		Endpoints:    []string{fmt.Sprintf("tcp://127.0.0.1:%d", silent(t))},
		ProbeTimeout: 5 * time.Second,
		Network: NetworkEnv{Environ: []string{
			fmt.Sprintf("HTTPS_PROXY=http://127.0.0.1:%d", connectProxy(t, "", "")),
			"NO_PROXY=127.0.0.0/8",
		}},
	})
	p := readProbes(t, entries)
	tg := p.Targets[0]
	if len(tg.Attempts) != 1 || tg.Attempts[0].Route != manifest.RouteDirect || !strings.Contains(tg.Reason, `rule "127.0.0.0/8"`) {
		t.Errorf("attempts %+v reason %q", tg.Attempts, tg.Reason)
	}
	if m.Host.Network.ProxyInUse {
		t.Error("a bypassed proxy counted as in use")
	}
}

func TestNetworkLocalPort(t *testing.T) {
	t.Parallel()
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	free := closed(t)
	tests := []struct {
		name     string
		addr     string
		bindable bool
	}{
		{"held by this test", held.Addr().String(), false},
		{"free", fmt.Sprintf("127.0.0.1:%d", free), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, entries := runCollect(t, Options{
				Endpoints:    []string{fmt.Sprintf("tcp://127.0.0.1:%d", closed(t))},
				ProbeTimeout: 2 * time.Second,
				Network:      NetworkEnv{System: realPorts{}, LocalPort: tt.addr},
			})
			lp := readProbes(t, entries).LocalPort
			if lp == nil || lp.Bindable != tt.bindable || lp.Address != tt.addr {
				t.Fatalf("local port %+v", lp)
			}
			if tt.bindable {
				if hasFinding(m, "port.in_use", "") {
					t.Error("a free port reported in use")
				}
				return
			}
			if lp.ErrorKind != "in_use" {
				t.Errorf("error kind %q (%s)", lp.ErrorKind, lp.Error)
			}
			if len(lp.Holders) != 1 || lp.Holders[0].PID != os.Getpid() || lp.Holders[0].IsAgent {
				t.Fatalf("holders %+v (%s)", lp.Holders, lp.HolderNote)
			}
			if !hasFinding(m, "port.in_use", manifest.SeverityFail) {
				t.Errorf("findings %+v", m.Findings)
			}
			if *m.Host.Network.LocalPortFree {
				t.Error("host.network says the port is free")
			}
		})
	}
}

// realPorts asks the real system who listens on a port.
type realPorts struct{ fakeSystem }

func (realPorts) PortHolders(ctx context.Context, port int) ([]platform.PortHolder, string, error) {
	if !portHoldersSupported() {
		return []platform.PortHolder{{PID: os.Getpid(), Name: "test"}}, "", nil
	}
	return platform.Current().PortHolders(ctx, port)
}

func portHoldersSupported() bool { return runtime.GOOS == "linux" || runtime.GOOS == "windows" }

func TestNetworkSkipped(t *testing.T) {
	t.Parallel()
	m, entries := runCollect(t, Options{NoNetwork: true})
	c := collector(t, m, "network")
	if c.Status != manifest.StatusSkipped || !strings.Contains(c.Error, "--no-network") {
		t.Errorf("network collector %+v", c)
	}
	if _, ok := entries["network/probes.json"]; ok {
		t.Error("probes.json written with --no-network")
	}
	if m.Host.Network == nil || m.Host.Network.Probed {
		t.Errorf("host.network %+v", m.Host.Network)
	}
	if len(m.Invocation.Unused) != 0 {
		t.Errorf("unused %+v", m.Invocation.Unused)
	}
}

func TestHints(t *testing.T) {
	tests := []struct {
		name       string
		settings   string
		lines      []string
		wantRegion string
		wantSource string
		wantTunnel string
	}{
		{name: "nothing", settings: `{"token": "x"}`, wantRegion: manifest.RegionUnknown, wantSource: "default"},
		{name: "region word", settings: `{"region": "EU"}`, wantRegion: manifest.RegionEU, wantSource: "settings"},
		{name: "us url", settings: `{"config": {"apiUrl": "https://api.integrator.io"}}`, wantRegion: manifest.RegionUS, wantSource: "settings"},
		{name: "eu domain", settings: `{"domain": "eu.integrator.io"}`, wantRegion: manifest.RegionEU, wantSource: "settings"},
		{name: "environment production says nothing", settings: `{"environment": "production"}`, wantRegion: manifest.RegionUnknown, wantSource: "default"},
		{name: "secret keys are not read", settings: `{"password": "https://api.eu.integrator.io"}`, wantRegion: manifest.RegionUnknown, wantSource: "default"},
		{name: "tunnel host in settings", settings: `{"tunnelHost": "ext1.example.net:2222"}`, wantRegion: manifest.RegionUnknown, wantSource: "default", wantTunnel: "ext1.example.net:2222"},
		{name: "key file is not a host", settings: `{"sshKeyFile": "id_rsa.pub"}`, wantRegion: manifest.RegionUnknown, wantSource: "default"},
		{name: "settings win over logs", settings: `{"region": "us"}`, lines: []string{"hostname: 'api.eu.integrator.io'"}, wantRegion: manifest.RegionUS, wantSource: "settings"},
		{name: "logs by majority", lines: []string{"getaddrinfo ENOTFOUND api.eu.integrator.io", "api.eu.integrator.io", "Unable to reach https://api.integrator.io"},
			wantRegion: manifest.RegionEU, wantSource: "logs"},
		{name: "logs split", lines: []string{"api.eu.integrator.io", "api.integrator.io"}, wantRegion: manifest.RegionUnknown, wantSource: "logs"},
		{name: "node error object", lines: []string{"errno: -4039, code: 'ETIMEDOUT', syscall: 'connect', address: '52.1.2.3', port: 22 }"},
			wantRegion: manifest.RegionUnknown, wantSource: "default", wantTunnel: "52.1.2.3"},
		{name: "api port 443 is not a tunnel", lines: []string{"connect ETIMEDOUT 72.44.45.92:443"}, wantRegion: manifest.RegionUnknown, wantSource: "default"},
		{name: "local port is not a tunnel", lines: []string{"Unable to bind to 0.0.0.0:22"}, wantRegion: manifest.RegionUnknown, wantSource: "default"},
		{name: "agent-extension host", lines: []string{"ssh connected to agent-extension.eu.integrator.io"}, wantRegion: manifest.RegionEU, wantSource: "logs", wantTunnel: "agent-extension.eu.integrator.io"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &agentHints{}
			if tt.settings != "" {
				h.addSettings("/agent/Settings", []byte(tt.settings))
			}
			for _, l := range tt.lines {
				h.add(lineHints("/agent/server.log", l)...)
			}
			hs := h.snapshot()
			rc := chooseRegion(hs)
			if rc.Region != tt.wantRegion || rc.Source != tt.wantSource {
				t.Errorf("region %+v", rc)
			}
			hosts, _ := tunnelHosts(hs)
			if strings.Join(hosts, ",") != tt.wantTunnel {
				t.Errorf("tunnel hosts %v, want %q", hosts, tt.wantTunnel)
			}
		})
	}
}

// TestNetworkFindingsRedacted: what the probes say reaches the manifest's findings and summary,
// which are written without the text rules, so the probes must be redacted before diagnose sees
// them.
func TestNetworkFindingsRedacted(t *testing.T) {
	t.Parallel()
	const secret = "Zs3cretAccessTok3n"
	url := fmt.Sprintf("https://127.0.0.1:%d/x?access_token=%s", closed(t), secret)
	m, entries := runCollect(t, Options{Endpoints: []string{url}, ProbeTimeout: time.Second})
	if len(m.Findings) == 0 {
		t.Fatal("no findings")
	}
	for name, data := range entries {
		if strings.Contains(string(data), secret) {
			t.Errorf("%s holds the endpoint's access token", name)
		}
	}
}
