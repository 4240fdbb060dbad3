package manifest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// fullProbes has every stage of every kind filled in.
func fullProbes() *Probes {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	skew := int64(10800000)
	yes := true
	return &Probes{
		Schema: ProbesSchemaID, Started: t0, DurationMS: 1200, ProbeTimeoutMS: 5000, BudgetMS: 10000,
		Region: RegionChoice{Region: RegionEU, Source: "settings", Evidence: []HintEvidence{{Path: "/root/.config/agent/Settings", Key: "environment", Value: "eu", Means: "region eu"}}},
		Proxy: ProxySettings{
			Env:       []EnvVar{{Name: "HTTPS_PROXY", Value: "http://bob:[REDACTED]@proxy:8080"}},
			WinINet:   &WinINetSettings{ProxyEnable: true, ProxyServer: "proxy:8080", ProxyOverride: "<local>"},
			WinHTTP:   &WinHTTPSettings{Entry: "network/winhttp-proxy.txt", Direct: true},
			Proxies:   []ProxyUsed{{URL: "http://bob:[REDACTED]@proxy:8080", Sources: []string{"env HTTPS_PROXY"}, ExcludedHosts: []string{"localhost"}}},
			NotProbed: []ProxyNotProbed{{Source: "wininet AutoConfigURL", Value: "http://wpad/proxy.pac", Reason: "PAC"}},
		},
		Targets: []ProbeTarget{{
			Name: "api.eu.integrator.io:443", URL: "https://api.eu.integrator.io/", Host: "api.eu.integrator.io", Port: 443,
			Kind: TargetHTTPS, Role: RoleAPI, Region: RegionEU, Required: true, Reason: "region eu",
			Attempts: []ProbeAttempt{
				{
					Route: RouteProxy, Proxy: "http://bob:[REDACTED]@proxy:8080", ProxySources: []string{"env HTTPS_PROXY"}, Started: t0,
					OK: true, DurationMS: 300,
					DNS:          &DNSProbe{Name: "proxy", Addresses: []string{"10.0.0.1"}, DurationMS: 1},
					Connect:      []ConnectProbe{{Address: "10.0.0.1:8080", OK: true}},
					ProxyConnect: &ProxyConnectProbe{Request: "CONNECT api.eu.integrator.io:443 HTTP/1.1", LoginSent: true, OK: true, Status: 200, StatusText: "200 OK"},
					TLS: &TLSProbe{OK: true, ServerName: "api.eu.integrator.io", Version: "TLS 1.3", Cipher: "TLS_AES_128_GCM_SHA256",
						VerifyErrorKind: VerifyUnknownAuthority, VerifyError: "x509: certificate signed by unknown authority", UntrustedIssuer: "CN=Corp Proxy CA",
						Certificates: []CertInfo{{Subject: "CN=api.eu.integrator.io", Issuer: "CN=Corp Proxy CA", NotBefore: t0, NotAfter: t0, SHA256: strings.Repeat("ab", 32)}}},
					HTTP:  &HTTPProbe{Method: "HEAD", URL: "https://api.eu.integrator.io/", OK: true, Status: 301, StatusText: "301 Moved Permanently", Proto: "HTTP/1.1", Headers: []string{"Server: x"}, Redirects: []Redirect{{Status: 301, URL: "https://api.eu.integrator.io/", Location: "/v1"}}, FinalURL: "https://api.eu.integrator.io/v1", FinalStatus: 200},
					Clock: &ClockSkew{ServerDate: t0, LocalTime: t0, SkewMS: skew, Skew: "3h0m0s", UncertaintyMS: 510},
				},
				{Route: RouteDirect, Started: t0, Stage: "connect", ErrorKind: KindTimeout, Error: "i/o timeout",
					DNS: &DNSProbe{Name: "api.eu.integrator.io"}, Connect: []ConnectProbe{{Address: "1.2.3.4:443", ErrorKind: KindTimeout, Error: "i/o timeout"}}},
			},
		}},
		LocalPort: &LocalPort{Address: "0.0.0.0:7017", ErrorKind: "in_use", Error: "address already in use",
			Holders: []PortHolder{{PID: 42, Name: "node", Command: "node server.js", User: "root", Local: "0.0.0.0:7017"}}},
		Summary: NetworkSummary{Probed: true, Reachable: true, Region: RegionEU, API: "api.eu.integrator.io", Route: RouteProxy,
			ClockSkewMS: &skew, ProxyInUse: true, Proxy: "http://bob:[REDACTED]@proxy:8080", TLSVerified: new(bool), LocalPortFree: &yes, Text: "x"},
	}
}

func encodeProbes(t *testing.T, p *Probes) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := EncodeProbes(&buf, p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestProbesSchema(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(p *Probes)
		raw     func(m map[string]any)
		wantErr string
	}{
		{name: "full"},
		{name: "empty lists and null stages", edit: func(p *Probes) {
			p.Targets[0].Attempts = []ProbeAttempt{{Route: RouteDirect, Started: p.Started}}
			p.Region.Evidence, p.Proxy = nil, ProxySettings{}
			p.LocalPort = nil
		}},
		{name: "no targets", edit: func(p *Probes) { p.Targets = nil }},
		{name: "unknown error kind", edit: func(p *Probes) { p.Targets[0].Attempts[1].ErrorKind = "boom" }, wantErr: "error_kind"},
		{name: "unknown route", edit: func(p *Probes) { p.Targets[0].Attempts[0].Route = "tunnel" }, wantErr: "route"},
		{name: "bad port", edit: func(p *Probes) { p.Targets[0].Port = 0 }, wantErr: "port"},
		{name: "extra key", raw: func(m map[string]any) { m["extra"] = 1 }, wantErr: "extra"},
		{name: "missing key", raw: func(m map[string]any) { delete(m, "summary") }, wantErr: "summary"},
		{name: "wrong schema", edit: func(p *Probes) { p.Schema = "opadiag.probes/v0" }, wantErr: "schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fullProbes()
			if tt.edit != nil {
				tt.edit(p)
			}
			data := encodeProbes(t, p)
			if tt.raw != nil {
				var m map[string]any
				json.Unmarshal(data, &m)
				tt.raw(m)
				data, _ = json.Marshal(m)
			}
			err := ValidateProbes(data)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want one about %q", err, tt.wantErr)
			}
		})
	}
}

// TestProbesKeysSurviveRedaction guards the rule that no key of probes.json looks like a
// secret's: the bundle's text redactor would replace its value and could break the JSON.
func TestProbesKeysSurviveRedaction(t *testing.T) {
	var m any
	json.Unmarshal(encodeProbes(t, fullProbes()), &m)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				for _, w := range []string{"token", "secret", "pass", "pwd", "credential", "apikey", "api_key", "private", "auth", "cookie"} {
					if strings.Contains(strings.ToLower(k), w) {
						t.Errorf("key %q looks like a secret's to the redactor", k)
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(m)
}

func TestManifestHostNetwork(t *testing.T) {
	p := fullProbes()
	m := &Manifest{Schema: SchemaID, Tool: Tool{Name: "opadiag", Version: "1"}, Invocation: Invocation{Trigger: "manual"},
		Discovery: Discovery{Method: "discovered"}, Host: Host{Network: &p.Summary}}
	var buf bytes.Buffer
	if err := Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	if err := Validate(buf.Bytes()); err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
}
