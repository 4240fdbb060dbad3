package collect

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/opadiag/opadiag/agent"
	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/collect/osout"
	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/netprobe"
	"github.com/opadiag/opadiag/platform"
)

// The agent's defaults: integrator.io's API in each region, and the local port the agent binds.
const (
	APIHostUS        = "api.integrator.io"
	APIHostEU        = "api.eu.integrator.io"
	DefaultLocalPort = "0.0.0.0:7017"
	tunnelPort       = 22
)

// networkMargin is what the network collector's deadline adds to twice the probe timeout, so
// that the run loop never cuts it short: it ends on its own within twice the probe timeout.
const networkMargin = time.Second

// NetworkEnv is what the network collector needs of the machine. Zero fields mean the real
// machine's; tests set them so that no probe leaves loopback.
type NetworkEnv struct {
	Resolver  netprobe.Resolver
	Dialer    netprobe.Dialer
	RootCAs   *x509.CertPool // roots a server's chain must verify against; nil: the system's
	Environ   []string       // the environment to read proxy variables from; nil: os.Environ()
	LocalPort string         // the address the agent binds; empty: DefaultLocalPort
	System    NetworkSystem  // WinINet settings and port holders; nil: none (the CLI gives the platform)
	GOOS      string         // whose proxy settings to read (windows: WinINet and WinHTTP); empty: runtime.GOOS
}

// NetworkSystem is what the network collector asks the operating system (platform.Platform).
type NetworkSystem interface {
	WinINetProxy() (platform.WinINetProxy, error)
	PortHolders(ctx context.Context, port int) ([]platform.PortHolder, string, error)
}

// noSystem is the NetworkSystem of a platform that has none.
type noSystem struct{}

func (noSystem) WinINetProxy() (platform.WinINetProxy, error) {
	return platform.WinINetProxy{}, errors.ErrUnsupported
}

func (noSystem) PortHolders(context.Context, int) ([]platform.PortHolder, string, error) {
	return nil, "", errors.ErrUnsupported
}

// networkCollector runs the network checks of the troubleshooting guide: integrator.io's API in
// the agent's region (HTTPS: DNS, TCP, TLS, HEAD, clock skew), outbound SSH to the tunnel's host
// when Settings or logs name it, or the --endpoint URLs instead; directly and through every
// proxy configured (environment, WinINet, WinHTTP); and whether the agent's local port can be
// bound. All probes run at once, each under the probe timeout; the collector ends within twice
// that. It writes network/probes.json and the manifest's host.network headline.
type networkCollector struct {
	noNetwork bool
	endpoints []string
	timeout   time.Duration
	env       NetworkEnv
	runner    CommandRunner
	clock     Clock
	userAgent string
	open      opener
}

func newNetworkCollector(opts Options, open opener) *networkCollector {
	c := &networkCollector{
		noNetwork: opts.NoNetwork, endpoints: opts.Endpoints, timeout: opts.ProbeTimeout, env: opts.Network,
		runner: opts.Runner, clock: opts.Clock, userAgent: "opadiag/" + opts.Tool.Version, open: open,
	}
	if c.timeout <= 0 {
		c.timeout = netprobe.DefaultTimeout
	}
	if c.env.System == nil {
		c.env.System = noSystem{}
	}
	if c.env.Environ == nil {
		c.env.Environ = os.Environ()
	}
	if c.env.LocalPort == "" {
		c.env.LocalPort = DefaultLocalPort
	}
	if c.env.GOOS == "" {
		c.env.GOOS = runtime.GOOS
	}
	return c
}

func (c *networkCollector) Name() string { return "network" }

// Timeout is twice the probe timeout and a margin: the collector keeps to twice the probe
// timeout itself; the margin only keeps the run loop from racing it.
func (c *networkCollector) Timeout() time.Duration { return 2*c.timeout + networkMargin }

// writeReserve is the part of the budget kept for writing probes.json after the probes.
func (c *networkCollector) writeReserve() time.Duration {
	return min(c.timeout/4, 500*time.Millisecond)
}

func (c *networkCollector) Collect(ctx context.Context, facts Facts, b *bundle.Bundle) error {
	if c.noNetwork {
		b.Update(func(m *manifest.Manifest) {
			m.Host.Network = &manifest.NetworkSummary{Text: "not probed: --no-network was given"}
		})
		return skipError{"--no-network was given: the network was not probed"}
	}
	start := c.clock.Now()
	budget := 2 * c.timeout
	pctx, cancel := context.WithTimeout(ctx, budget-c.writeReserve())
	defer cancel()
	p := &manifest.Probes{
		Schema: manifest.ProbesSchemaID, Started: start.UTC(),
		ProbeTimeoutMS: c.timeout.Milliseconds(), BudgetMS: budget.Milliseconds(),
	}

	// What to probe and through which proxies, within half a probe timeout.
	setup, cancelSetup := context.WithTimeout(pctx, c.timeout/2)
	type scanned struct {
		hints []hostHint
		done  bool
	}
	logHints := make(chan scanned, 1)
	go func() { // on its own goroutine: a read that blocks (a hung share) cannot hold the probes
		hs, done := scanLogHints(setup, facts.homes, c.open)
		logHints <- scanned{hs, done}
	}()
	proxies := c.proxySettings(setup, b, &p.Proxy)
	hints := append([]hostHint(nil), facts.hints...)
	var got scanned
	select {
	case got = <-logHints:
	case <-setup.Done():
		// The scan stops at its next line: take what it found so far.
		select {
		case got = <-logHints:
		case <-time.After(100 * time.Millisecond):
		}
	}
	hints = append(hints, got.hints...)
	if !got.done {
		b.Problem("the agent's logs were not all read for its region and tunnel host within %s", c.timeout/2)
	}
	cancelSetup()
	targets := c.targets(b, hints, &p.Region)

	// Every probe at once, each under the probe timeout, and the local port beside them.
	prober := &netprobe.Prober{
		Resolver: c.env.Resolver, Dialer: c.env.Dialer, Clock: c.clock, Timeout: c.timeout,
		RootCAs: c.env.RootCAs, UserAgent: c.userAgent,
	}
	var wg sync.WaitGroup
	for i := range targets {
		t := &targets[i]
		routes := c.routes(t, proxies)
		t.rec.Attempts = make([]manifest.ProbeAttempt, len(routes))
		for j, px := range routes {
			wg.Go(func() { t.rec.Attempts[j] = prober.Probe(pctx, t.probe, px) })
		}
	}
	wg.Go(func() { p.LocalPort = c.localPort(pctx, b) })
	wg.Wait()

	for _, t := range targets {
		p.Targets = append(p.Targets, t.rec)
	}
	for _, px := range proxies {
		p.Proxy.Proxies = append(p.Proxy.Proxies, px.used())
	}
	p.Summary = diagnose.SummarizeProbes(p)
	p.DurationMS = c.clock.Now().Sub(start).Milliseconds()

	// Redact the probes once, as a whole: the same redacted record goes into the bundle, the
	// manifest's headline and the findings (which reach manifest.json unredacted).
	var buf bytes.Buffer
	if err := manifest.EncodeProbes(&buf, p); err != nil {
		return fmt.Errorf("encode the network probes: %w", err)
	}
	redacted, _ := b.Redactor().Bytes(buf.Bytes())
	var rp manifest.Probes
	if err := json.Unmarshal(redacted, &rp); err != nil {
		return fmt.Errorf("the redacted network probes are not JSON, so they are left out: %w", err)
	}
	err := b.Add(ctx, "network/probes.json", bytes.NewReader(redacted), int64(len(redacted))+1, bundle.Info{Source: "opadiag's network probes"})
	headline := rp.Summary
	b.Update(func(m *manifest.Manifest) { m.Host.Network = &headline })
	if err != nil {
		return fmt.Errorf("add network/probes.json: %w", err)
	}
	return nil
}

// target is one host to probe: what netprobe needs and what probes.json records.
type target struct {
	probe netprobe.Target
	rec   manifest.ProbeTarget
}

// targets returns the --endpoint targets, or the API of the agent's region (both regions when
// it is unknown) and the tunnel hosts Settings and logs name.
func (c *networkCollector) targets(b *bundle.Bundle, hints []hostHint, rc *manifest.RegionChoice) []target {
	var out []target
	if len(c.endpoints) > 0 {
		*rc = manifest.RegionChoice{Region: manifest.RegionCustom, Source: "endpoint"}
		for _, e := range c.endpoints {
			t, err := netprobe.ParseEndpoint(e)
			if err != nil {
				b.Problem("--endpoint %q: %v", e, err)
				continue
			}
			out = append(out, newTarget(t, manifest.RoleEndpoint, "", true, "given with --endpoint"))
		}
		return out
	}
	*rc = chooseRegion(hints)
	api := func(host, region string, required bool, why string) target {
		return newTarget(netprobe.Target{Host: host, Port: 443, Kind: manifest.TargetHTTPS}, manifest.RoleAPI, region, required, why)
	}
	switch rc.Region {
	case manifest.RegionUS:
		out = append(out, api(APIHostUS, manifest.RegionUS, true, "integrator.io's API in the agent's region (US, from "+rc.Source+")"))
	case manifest.RegionEU:
		out = append(out, api(APIHostEU, manifest.RegionEU, true, "integrator.io's API in the agent's region (EU, from "+rc.Source+")"))
	default:
		why := "the agent's region is unknown: both regions' APIs are probed; the agent needs one"
		out = append(out, api(APIHostUS, manifest.RegionUS, false, why), api(APIHostEU, manifest.RegionEU, false, why))
	}
	hosts, ev := tunnelHosts(hints)
	for _, h := range hosts {
		host, port := h, tunnelPort
		if hh, pp, err := net.SplitHostPort(h); err == nil {
			if n, err := strconv.Atoi(pp); err == nil && n > 0 && n < 65536 {
				host, port = hh, n
			}
		}
		where := ev[h].Path
		if ev[h].Key != "" {
			where += " (" + ev[h].Key + ")"
		}
		out = append(out, newTarget(netprobe.Target{Host: host, Port: port, Kind: manifest.TargetTCP}, manifest.RoleTunnel,
			"", true, "the agent's SSH tunnel host, named in "+where))
	}
	if len(hosts) == 0 {
		b.Problem("outbound SSH (port 22) was not probed: neither the agent's Settings nor its newest logs name the tunnel's host")
	}
	return out
}

func newTarget(t netprobe.Target, role, region string, required bool, why string) target {
	return target{probe: t, rec: manifest.ProbeTarget{
		Name: t.Addr(), URL: t.URL(), Host: t.Host, Port: t.Port, Kind: t.Kind, Role: role,
		Region: region, Required: required, Reason: why,
	}}
}

// proxy is one proxy URL and every setting that names it.
type proxy struct {
	url     *url.URL
	sources []proxySource
}

type proxySource struct {
	name   string // "env HTTPS_PROXY", "wininet", "winhttp"
	bypass netprobe.Bypass
}

func (px *proxy) used() manifest.ProxyUsed {
	u := manifest.ProxyUsed{URL: netprobe.RedactURL(px.url)}
	for _, s := range px.sources {
		u.Sources = append(u.Sources, s.name)
		u.ExcludedHosts = append(u.ExcludedHosts, s.bypass.Rules...)
	}
	return u
}

// routes returns how t is probed: directly, and through every proxy that some of its settings
// use for t. Proxies every setting bypasses for t are noted in the target's reason.
func (c *networkCollector) routes(t *target, proxies []*proxy) []*netprobe.Proxy {
	routes := []*netprobe.Proxy{nil}
	for _, px := range proxies {
		var names []string
		var skipped []string
		for _, s := range px.sources {
			if ok, rule := s.bypass.Match(t.probe.Host, t.probe.Port); ok {
				skipped = append(skipped, fmt.Sprintf("%s bypasses it (rule %q)", s.name, rule))
				continue
			}
			names = append(names, s.name)
		}
		if len(names) == 0 {
			t.rec.Reason += "; not probed through " + netprobe.RedactURL(px.url) + ": " + strings.Join(skipped, ", ")
			continue
		}
		routes = append(routes, &netprobe.Proxy{URL: px.url, Sources: names})
	}
	return routes
}

// proxySettings reads the proxy settings (environment; WinINet and WinHTTP on Windows), records
// them redacted in ps, and returns the distinct proxies to probe through.
func (c *networkCollector) proxySettings(ctx context.Context, b *bundle.Bundle, ps *manifest.ProxySettings) []*proxy {
	red := b.Redactor()
	var proxies []*proxy
	add := func(source, value string, u *url.URL, err error, bypass netprobe.Bypass) {
		if err == nil && u == nil {
			u, err = netprobe.ParseProxyURL(value)
		}
		shown := red.String(value)
		if err != nil {
			ps.NotProbed = append(ps.NotProbed, manifest.ProxyNotProbed{Source: source, Value: shown, Reason: red.String(err.Error())})
			return
		}
		if ok, why := netprobe.Probeable(u); !ok {
			ps.NotProbed = append(ps.NotProbed, manifest.ProxyNotProbed{Source: source, Value: shown, Reason: why})
			return
		}
		for _, px := range proxies {
			if px.url.String() == u.String() {
				px.sources = append(px.sources, proxySource{source, bypass})
				return
			}
		}
		proxies = append(proxies, &proxy{url: u, sources: []proxySource{{source, bypass}}})
	}

	env := netprobe.FromEnv(c.env.Environ)
	for _, v := range env.Vars {
		ps.Env = append(ps.Env, manifest.EnvVar{Name: v.Name, Value: red.String(v.Value)})
	}
	for _, ep := range env.Proxies {
		add("env "+ep.Var, "", ep.URL, ep.Err, env.NoProxy)
	}
	if c.env.GOOS != "windows" {
		return proxies
	}

	wi, err := c.env.System.WinINetProxy()
	ps.WinINet = &manifest.WinINetSettings{
		ProxyEnable: wi.ProxyEnable, ProxyServer: red.String(wi.ProxyServer),
		ProxyOverride: red.String(wi.ProxyOverride), AutoConfigURL: red.String(wi.AutoConfigURL),
	}
	if err != nil {
		ps.WinINet.Error = red.String(err.Error())
		b.Problem("read the WinINet proxy settings: %v", err)
	}
	if wi.ProxyEnable { // what could be read is used, even when a value could not
		for _, e := range osout.ParseProxyServer(wi.ProxyServer) {
			if src, ok := entrySource("wininet", e.Scheme); ok {
				add(src, entryURL(e), nil, nil, netprobe.ParseWindowsBypass(wi.ProxyOverride))
			}
		}
	}
	if wi.AutoConfigURL != "" {
		ps.NotProbed = append(ps.NotProbed, manifest.ProxyNotProbed{
			Source: "wininet AutoConfigURL", Value: red.String(wi.AutoConfigURL),
			Reason: "a PAC script chooses the proxy for each URL; opadiag does not run it",
		})
	}

	wh := c.winHTTP(ctx, b)
	ps.WinHTTP = wh.rec
	if wh.err == nil && !wh.parsed.Direct {
		for _, e := range osout.ParseProxyServer(wh.parsed.Server) {
			if src, ok := entrySource("winhttp", e.Scheme); ok {
				add(src, entryURL(e), nil, nil, netprobe.ParseWindowsBypass(wh.parsed.Bypass))
			}
		}
	}
	return proxies
}

// entrySource names a WinINet or WinHTTP proxy entry; entries for other protocols than HTTP,
// HTTPS and SOCKS do not matter to the agent.
func entrySource(setting, scheme string) (string, bool) {
	switch scheme {
	case "":
		return setting, true
	case "http", "https":
		return setting + " " + scheme, true
	case "socks":
		return setting + " socks", true
	}
	return "", false
}

// entryURL makes a proxy URL of a list entry: "socks=host:port" is a SOCKS proxy, anything else
// without a scheme an HTTP one.
func entryURL(e osout.ProxyEntry) string {
	if e.Scheme == "socks" && !strings.Contains(e.Address, "://") {
		return "socks://" + e.Address
	}
	return e.Address
}

// winHTTPEntry is where netsh's output goes in the bundle.
const winHTTPEntry = "network/winhttp-proxy.txt"

type winHTTPResult struct {
	rec    *manifest.WinHTTPSettings
	parsed osout.WinHTTPProxy
	err    error
}

// winHTTP runs `netsh winhttp show proxy`, keeps its output in the bundle and parses it.
func (c *networkCollector) winHTTP(ctx context.Context, b *bundle.Bundle) winHTTPResult {
	red := b.Redactor()
	rec := &manifest.WinHTTPSettings{Entry: winHTTPEntry}
	name, args := osout.NetshCommand(func(k string) string { return lookupEnv(c.env.Environ, k) })
	out, res, err := captureCommand(ctx, b, c.runner, winHTTPEntry, 64<<10, name, args...)
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("netsh exited with %d: %s", res.ExitCode, firstLineOf(res.Stderr))
	}
	var parsed osout.WinHTTPProxy
	if err == nil {
		parsed, err = osout.ParseWinHTTPProxy(strings.TrimSpace(string(out)))
	}
	if err != nil {
		rec.Error = red.String(err.Error())
		b.Problem("read the WinHTTP proxy (netsh winhttp show proxy): %v", err)
		return winHTTPResult{rec: rec, err: err}
	}
	rec.Direct, rec.Server, rec.ExcludedHosts = parsed.Direct, red.String(parsed.Server), red.String(parsed.Bypass)
	return winHTTPResult{rec: rec, parsed: parsed}
}

// lookupEnv finds a variable in an environment list, in any case (Windows' rule).
func lookupEnv(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// Windows socket errors for bind (winsock2.h).
const (
	wsaEACCES     = 10013
	wsaEADDRINUSE = 10048
)

// localPort tries to bind the agent's local port, as the agent does at start, and names the
// processes that hold it when that fails.
func (c *networkCollector) localPort(ctx context.Context, b *bundle.Bundle) *manifest.LocalPort {
	red := b.Redactor()
	addr := c.env.LocalPort
	lp := &manifest.LocalPort{Address: addr}
	network := "tcp"
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		lp.ErrorKind, lp.Error = "error", err.Error()
		return lp
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() != nil {
		network = "tcp4" // the agent binds IPv4's 0.0.0.0, not the dual-stack [::]
	}
	ln, err := net.Listen(network, addr)
	if err == nil {
		ln.Close()
		lp.Bindable = true
		return lp
	}
	lp.Error = red.String(err.Error())
	lp.ErrorKind = bindErrorKind(err)
	port, _ := strconv.Atoi(portText)
	holders, note, err := c.env.System.PortHolders(ctx, port)
	if err != nil {
		note = "the processes listening on the port could not be listed: " + err.Error()
	}
	lp.HolderNote = red.String(note)
	for _, h := range holders {
		lp.Holders = append(lp.Holders, manifest.PortHolder{
			PID: h.PID, Name: red.String(h.Name), Command: red.String(h.Command), User: red.String(h.User),
			Local: h.Local, IsAgent: isAgentProcess(h.Name, h.Command),
		})
	}
	return lp
}

func bindErrorKind(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch {
		case errno == syscall.EADDRINUSE || runtime.GOOS == "windows" && errno == wsaEADDRINUSE:
			return "in_use"
		case errno == syscall.EACCES || errno == syscall.EPERM || runtime.GOOS == "windows" && errno == wsaEACCES:
			return "permission"
		}
	}
	return "error"
}

// isAgentProcess reports whether a process looks like the Celigo agent (its Electron or Node
// executable, or a command line that names it).
func isAgentProcess(name, command string) bool {
	return agent.NamePattern.MatchString(name) || agent.NamePattern.MatchString(command)
}
