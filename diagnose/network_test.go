package diagnose

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opadiag/opadiag/manifest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func api(required bool, attempts ...manifest.ProbeAttempt) manifest.ProbeTarget {
	return manifest.ProbeTarget{Name: "api.integrator.io:443", URL: "https://api.integrator.io/", Host: "api.integrator.io", Port: 443,
		Kind: manifest.TargetHTTPS, Role: manifest.RoleAPI, Region: manifest.RegionUS, Required: required, Reason: "test", Attempts: attempts}
}

func ok(route string) manifest.ProbeAttempt {
	a := manifest.ProbeAttempt{Route: route, OK: true, TLS: &manifest.TLSProbe{OK: true, Verified: true},
		HTTP: &manifest.HTTPProbe{OK: true, Status: 200, StatusText: "200 OK", FinalStatus: 200}}
	if route == manifest.RouteProxy {
		a.Proxy, a.ProxySources = "http://proxy.corp:8080", []string{"env HTTPS_PROXY"}
	}
	return a
}

func failed(route, stage, kind string) manifest.ProbeAttempt {
	a := manifest.ProbeAttempt{Route: route, Stage: stage, ErrorKind: kind, Error: stage + " failed: " + kind}
	if route == manifest.RouteProxy {
		a.Proxy, a.ProxySources = "http://proxy.corp:8080", []string{"env HTTPS_PROXY"}
		a.ProxyConnect = &manifest.ProxyConnectProbe{}
		if kind == manifest.KindProxyAuth {
			a.ProxyConnect.Status, a.ProxyConnect.Challenges = 407, []string{"NTLM", "Negotiate"}
		}
	}
	return a
}

func probes(targets ...manifest.ProbeTarget) *manifest.Probes {
	p := &manifest.Probes{Targets: targets, LocalPort: &manifest.LocalPort{Address: "0.0.0.0:7017", Bindable: true}}
	p.Summary.Reachable = true
	for _, t := range targets {
		if t.Required && !targetReached(t) {
			p.Summary.Reachable = false
		}
	}
	return p
}

func ids(fs []manifest.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Severity+" "+f.ID)
	}
	return strings.Join(out, ", ")
}

func TestCheckNetworkProbes(t *testing.T) {
	intercepted := ok(manifest.RouteDirect)
	intercepted.TLS = &manifest.TLSProbe{OK: true, VerifyErrorKind: manifest.VerifyUnknownAuthority, VerifyError: "x509: certificate signed by unknown authority", UntrustedIssuer: "CN=Corp Inspection CA"}
	expired := ok(manifest.RouteDirect)
	expired.TLS = &manifest.TLSProbe{OK: true, VerifyErrorKind: manifest.VerifyExpired, VerifyError: "x509: certificate has expired"}
	serverError := ok(manifest.RouteDirect)
	serverError.HTTP = &manifest.HTTPProbe{OK: true, Status: 503, StatusText: "503 Service Unavailable", FinalStatus: 503}
	skewed := func(ms int64) *manifest.Probes {
		p := probes(api(true, ok(manifest.RouteDirect)))
		p.Summary.ClockSkewMS = &ms
		return p
	}
	port := func(lp manifest.LocalPort) *manifest.Probes {
		p := probes(api(true, ok(manifest.RouteDirect)))
		p.LocalPort = &lp
		return p
	}
	eu := api(false, failed(manifest.RouteDirect, "dns", manifest.KindNotFound))
	eu.Host, eu.Name = "api.eu.integrator.io", "api.eu.integrator.io:443"
	tunnel := manifest.ProbeTarget{Name: "ext.example:22", URL: "tcp://ext.example:22", Host: "ext.example", Port: 22, Kind: manifest.TargetTCP,
		Role: manifest.RoleTunnel, Required: true, Attempts: []manifest.ProbeAttempt{failed(manifest.RouteDirect, "connect", manifest.KindTimeout)}}

	tests := []struct {
		name   string
		probes *manifest.Probes
		want   string
	}{
		{"not probed", nil, ""},
		{"all good", probes(api(true, ok(manifest.RouteDirect))), "pass network.ok"},
		{"name not found", probes(api(true, failed(manifest.RouteDirect, "dns", manifest.KindNotFound))), "fail network.dns"},
		{"no resolver", probes(api(true, failed(manifest.RouteDirect, "dns", manifest.KindNoResolver))), "fail network.dns"},
		{"firewall timeout", probes(api(true, failed(manifest.RouteDirect, "connect", manifest.KindTimeout))), "fail network.firewall"},
		{"firewall refused", probes(api(true, failed(manifest.RouteDirect, "connect", manifest.KindRefused))), "fail network.firewall"},
		{"tunnel blocked", probes(api(true, ok(manifest.RouteDirect)), tunnel), "fail network.firewall"},
		{"tls handshake", probes(api(true, failed(manifest.RouteDirect, "tls", manifest.KindNotTLS))), "fail network.tls_handshake"},
		{"no http answer", probes(api(true, failed(manifest.RouteDirect, "http", manifest.KindTimeout))), "fail network.http"},
		{"intercepted", probes(api(true, intercepted)), "fail network.tls_intercepted"},
		{"expired", probes(api(true, expired)), "fail network.tls_expired"},
		{"server error", probes(api(true, serverError)), "warn network.http_status"},
		{"proxy 407, no other way", probes(api(true, failed(manifest.RouteDirect, "connect", manifest.KindTimeout), failed(manifest.RouteProxy, "proxy_connect", manifest.KindProxyAuth))),
			"fail network.firewall, fail network.proxy_auth"},
		{"proxy 407, direct works", probes(api(true, ok(manifest.RouteDirect), failed(manifest.RouteProxy, "proxy_connect", manifest.KindProxyAuth))), "warn network.proxy_auth"},
		{"proxy refused", probes(api(true, ok(manifest.RouteDirect), failed(manifest.RouteProxy, "connect", manifest.KindRefused))), "warn network.proxy_unreachable"},
		{"proxy forbidden", probes(api(true, ok(manifest.RouteDirect), failed(manifest.RouteProxy, "proxy_connect", manifest.KindProxyDenied))), "warn network.proxy_forbidden"},
		{"proxy upstream", probes(api(true, ok(manifest.RouteDirect), failed(manifest.RouteProxy, "proxy_connect", manifest.KindProxyUpstream))), "warn network.proxy_upstream"},
		{"only through the proxy", probes(api(true, failed(manifest.RouteDirect, "connect", manifest.KindTimeout), ok(manifest.RouteProxy))), "info network.direct_blocked"},
		{"other region fails", probes(api(false, ok(manifest.RouteDirect)), eu), "info network.dns"},
		{"both regions fail", probes(api(false, failed(manifest.RouteDirect, "connect", manifest.KindTimeout)), eu), "fail network.firewall, fail network.dns"},
		{"skew small", skewed(2000), "pass network.ok"},
		{"skew warn", skewed(-45000), "warn clock.skew"},
		{"skew fail", skewed(3 * 3600 * 1000), "fail clock.skew"},
		{"port held by another", port(manifest.LocalPort{Address: "0.0.0.0:7017", ErrorKind: "in_use", Holders: []manifest.PortHolder{{PID: 42, Name: "java"}}}), "fail port.in_use"},
		{"port held by the agent", port(manifest.LocalPort{Address: "0.0.0.0:7017", ErrorKind: "in_use", Holders: []manifest.PortHolder{{PID: 42, Name: "integrator.io Agent.exe", IsAgent: true}}}), "info port.agent_running"},
		{"port held, unknown", port(manifest.LocalPort{Address: "0.0.0.0:7017", ErrorKind: "in_use", Holders: []manifest.PortHolder{{User: "svc"}}}), "warn port.in_use"},
		{"port reserved", port(manifest.LocalPort{Address: "0.0.0.0:7017", ErrorKind: "permission"}), "warn port.reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(checkNetworkProbes(&input{probes: tt.probes}))
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNetworkFindingsGolden keeps the full text of the findings of a corporate network (a proxy
// that wants NTLM, TLS inspection, a skewed clock, the port held by another program) in a golden
// file. go test ./diagnose -run Golden -update rewrites it.
func TestNetworkFindingsGolden(t *testing.T) {
	skew := int64(-7 * 60 * 1000)
	intercepted := ok(manifest.RouteDirect)
	intercepted.TLS = &manifest.TLSProbe{OK: true, VerifyErrorKind: manifest.VerifyUnknownAuthority,
		VerifyError: "x509: certificate signed by unknown authority", UntrustedIssuer: "CN=Corp Inspection CA,O=Example Corp"}
	p := probes(api(true, intercepted, failed(manifest.RouteProxy, "proxy_connect", manifest.KindProxyAuth)))
	p.Summary.ClockSkewMS = &skew
	p.LocalPort = &manifest.LocalPort{Address: "0.0.0.0:7017", ErrorKind: "in_use", Error: "listen tcp4 0.0.0.0:7017: bind: address already in use",
		Holders: []manifest.PortHolder{{PID: 4711, Name: "java", User: "svc"}}}
	p.Proxy.NotProbed = []manifest.ProxyNotProbed{{Source: "wininet AutoConfigURL", Value: "http://wpad.corp/proxy.pac", Reason: "a PAC script chooses the proxy for each URL; opadiag does not run it"}}
	got, err := json.MarshalIndent(checkNetworkProbes(&input{probes: p}), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "network-findings.golden.json", append(got, '\n'))
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update if the change is intended; review the diff):\n%s", golden, got)
	}
}
