package manifest

import (
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ProbesSchemaID is the value of the "schema" field of network/probes.json.
const ProbesSchemaID = "opadiag.probes/v1"

// Network probe error kinds: what went wrong, in words a reader can act on. They are stable;
// schema.json lists them.
const (
	KindNotFound      = "not_found"   // DNS: the name does not exist (NXDOMAIN)
	KindTimeout       = "timeout"     // no answer before the probe's deadline
	KindNoResolver    = "no_resolver" // DNS: no resolver answered (none configured, or unreachable)
	KindDNSError      = "dns_error"   // DNS: the resolver answered with an error (SERVFAIL…)
	KindRefused       = "refused"     // TCP: connection refused (RST): nothing listens, or a firewall rejects
	KindUnreachable   = "unreachable" // TCP: no route to the network or host
	KindReset         = "reset"       // the peer reset the connection
	KindClosed        = "closed"      // the peer closed the connection without answering
	KindProxyAuth     = "proxy_auth_required"
	KindProxyDenied   = "proxy_forbidden" // the proxy refused to connect to the target (403)
	KindProxyUpstream = "proxy_upstream"  // the proxy could not reach the target (502, 503, 504)
	KindProxyError    = "proxy_error"     // any other answer of the proxy to CONNECT
	KindNotTLS        = "not_tls"         // the server answered, but not with TLS
	KindTLS           = "tls_handshake"   // the TLS handshake failed
	KindHTTP          = "http_error"      // the HTTP exchange failed after the connection was made
	KindError         = "error"           // anything else; Error says what
)

// Certificate verification failures (TLSProbe.VerifyErrorKind).
const (
	VerifyUnknownAuthority = "unknown_authority" // signed by a CA the system does not trust: an intercepting proxy, or a self-signed certificate
	VerifyExpired          = "expired"           // expired or not yet valid (check the clock)
	VerifyHostname         = "hostname_mismatch" // not issued for the name that was asked for
	VerifyInvalid          = "invalid"           // any other reason
)

// Probe routes, target kinds and roles.
const (
	RouteDirect = "direct"
	RouteProxy  = "proxy"

	TargetHTTPS = "https"
	TargetHTTP  = "http"
	TargetTCP   = "tcp"

	RoleAPI      = "api"      // integrator.io's API, which the agent's heartbeats reach over HTTPS
	RoleTunnel   = "tunnel"   // the agent-extension server its SSH tunnel reaches on port 22
	RoleEndpoint = "endpoint" // given with --endpoint
)

// Regions.
const (
	RegionUS      = "us"
	RegionEU      = "eu"
	RegionUnknown = "unknown"
	RegionCustom  = "custom" // --endpoint replaced the default targets
)

// Probes is the content of network/probes.json: what the network collector probed, how, and what
// came back. Every key is always present; a stage that did not run is null. The file passes
// through the bundle's text redactor, so no key may look like a secret's (token, pass, auth…):
// the redactor would hide its value.
type Probes struct {
	Schema         string         `json:"schema"`
	Started        time.Time      `json:"started"`
	DurationMS     int64          `json:"duration_ms"`
	ProbeTimeoutMS int64          `json:"probe_timeout_ms"` // each probe's deadline (--probe-timeout)
	BudgetMS       int64          `json:"budget_ms"`        // the whole collector's deadline: twice the probe timeout
	Region         RegionChoice   `json:"region"`
	Proxy          ProxySettings  `json:"proxy"`
	Targets        []ProbeTarget  `json:"targets"`
	LocalPort      *LocalPort     `json:"local_port"`
	Summary        NetworkSummary `json:"summary"`
}

// RegionChoice says which integrator.io region was probed and why.
type RegionChoice struct {
	Region   string         `json:"region"` // us, eu, unknown (both probed) or custom (--endpoint)
	Source   string         `json:"source"` // settings, logs, default or endpoint
	Evidence []HintEvidence `json:"evidence"`
}

// HintEvidence is where a region or a host was read: a key of a Settings file or a log file
// (its path on disk).
type HintEvidence struct {
	Path  string `json:"path"`
	Key   string `json:"key,omitempty"`
	Value string `json:"value"` // the host, URL or region word that was found
	Means string `json:"means"` // what it was taken as: "region eu", "tunnel host x"…
}

// ProxySettings are the proxies configured for this machine, from every place opadiag reads.
// Credentials in proxy URLs are redacted.
type ProxySettings struct {
	// Env holds the proxy variables of opadiag's own environment (HTTP_PROXY, HTTPS_PROXY,
	// ALL_PROXY, NO_PROXY in any case). The agent's service may run with another environment.
	Env     []EnvVar         `json:"env"`
	WinINet *WinINetSettings `json:"wininet"` // Windows only; null elsewhere
	WinHTTP *WinHTTPSettings `json:"winhttp"` // Windows only; null elsewhere
	// Proxies are the distinct proxies probed, each with the settings that name it.
	Proxies []ProxyUsed `json:"proxies"`
	// NotProbed are configured proxies opadiag cannot probe (SOCKS, PAC scripts), and why.
	NotProbed []ProxyNotProbed `json:"not_probed"`
}

// EnvVar is an environment variable, its value redacted.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// WinINetSettings are the current user's Internet Settings (HKCU\Software\Microsoft\Windows\
// CurrentVersion\Internet Settings), which Electron and browsers use.
type WinINetSettings struct {
	Error         string `json:"error"` // why they could not be read; empty when they were
	ProxyEnable   bool   `json:"proxy_enable"`
	ProxyServer   string `json:"proxy_server"`
	ProxyOverride string `json:"proxy_override"`
	AutoConfigURL string `json:"auto_config_url"`
}

// WinHTTPSettings are the machine's WinHTTP proxy, as `netsh winhttp show proxy` prints it;
// services use it.
type WinHTTPSettings struct {
	Error         string `json:"error"`  // why it could not be read; empty when it was
	Entry         string `json:"entry"`  // the bundle file with netsh's output
	Direct        bool   `json:"direct"` // "Direct access (no proxy server)"
	Server        string `json:"server"`
	ExcludedHosts string `json:"excluded_hosts"` // the bypass list
}

// ProxyUsed is one proxy that was probed.
type ProxyUsed struct {
	URL     string   `json:"url"`     // redacted
	Sources []string `json:"sources"` // "env HTTPS_PROXY", "wininet", "winhttp"…
	// ExcludedHosts are the hosts those sources send direct (NO_PROXY, ProxyOverride, the
	// WinHTTP bypass list). The key avoids "pass": the bundle's redactor hides values under it.
	ExcludedHosts []string `json:"excluded_hosts"`
}

// ProxyNotProbed is a configured proxy that was not probed.
type ProxyNotProbed struct {
	Source string `json:"source"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// ProbeTarget is one host probed, by every route that applies.
type ProbeTarget struct {
	Name     string         `json:"name"` // host:port
	URL      string         `json:"url"`  // what was asked for; for tcp targets tcp://host:port
	Host     string         `json:"host"`
	Port     int            `json:"port"`
	Kind     string         `json:"kind"`     // https, http or tcp
	Role     string         `json:"role"`     // api, tunnel or endpoint
	Region   string         `json:"region"`   // us, eu or empty
	Required bool           `json:"required"` // the agent needs it (false: a candidate region's host)
	Reason   string         `json:"reason"`   // why it was probed
	Attempts []ProbeAttempt `json:"attempts"`
}

// ProbeAttempt is one probe of a target, directly or through one proxy, under one deadline.
type ProbeAttempt struct {
	Route        string             `json:"route"`         // direct or proxy
	Proxy        string             `json:"proxy"`         // the proxy's URL, redacted; empty when direct
	ProxySources []string           `json:"proxy_sources"` // where that proxy is configured
	Started      time.Time          `json:"started"`
	DurationMS   int64              `json:"duration_ms"`
	OK           bool               `json:"ok"`         // every stage succeeded: the target answered
	Stage        string             `json:"stage"`      // the stage that failed: dns, connect, proxy_connect, tls, http; empty when OK
	ErrorKind    string             `json:"error_kind"` // see the Kind constants; empty when OK
	Error        string             `json:"error"`
	DNS          *DNSProbe          `json:"dns"`
	Connect      []ConnectProbe     `json:"connect"`
	ProxyConnect *ProxyConnectProbe `json:"proxy_connect"`
	TLS          *TLSProbe          `json:"tls"`
	HTTP         *HTTPProbe         `json:"http"`
	Clock        *ClockSkew         `json:"clock"`
}

// DNSProbe is the lookup of a name: the target's when direct, the proxy's through a proxy.
type DNSProbe struct {
	Name       string   `json:"name"`
	Addresses  []string `json:"addresses"`
	DurationMS int64    `json:"duration_ms"`
	Literal    bool     `json:"literal"` // the name is an IP address: nothing was looked up
	ErrorKind  string   `json:"error_kind"`
	Error      string   `json:"error"`
}

// ConnectProbe is one TCP connection attempt to one address (the target's, or the proxy's).
type ConnectProbe struct {
	Address    string `json:"address"`
	DurationMS int64  `json:"duration_ms"`
	OK         bool   `json:"ok"`
	ErrorKind  string `json:"error_kind"`
	Error      string `json:"error"`
}

// ProxyConnectProbe is the CONNECT request that asks a proxy for a tunnel to the target.
type ProxyConnectProbe struct {
	Request    string   `json:"request"`    // "CONNECT host:port HTTP/1.1"
	LoginSent  bool     `json:"login_sent"` // the proxy URL carried a user name: Basic proxy authorization was sent
	DurationMS int64    `json:"duration_ms"`
	OK         bool     `json:"ok"`
	Status     int      `json:"status"` // 0 when no answer came
	StatusText string   `json:"status_text"`
	Challenges []string `json:"challenges"` // the schemes the proxy offers in Proxy-Authenticate: Basic, NTLM, Negotiate…
	ErrorKind  string   `json:"error_kind"`
	Error      string   `json:"error"`
}

// TLSProbe is the TLS handshake with the target and the verification of its chain against the
// system's roots.
type TLSProbe struct {
	DurationMS      int64  `json:"duration_ms"`
	OK              bool   `json:"ok"` // the handshake completed (whether or not the chain verifies)
	ServerName      string `json:"server_name"`
	Version         string `json:"version"`
	Cipher          string `json:"cipher"`
	ErrorKind       string `json:"error_kind"`
	Error           string `json:"error"`
	Verified        bool   `json:"verified"` // the chain verifies against the system roots for ServerName
	VerifyErrorKind string `json:"verify_error_kind"`
	VerifyError     string `json:"verify_error"`
	// UntrustedIssuer names who issued the chain that does not verify: the topmost certificate's
	// issuer. A corporate TLS-inspecting proxy shows up here by its own CA's name.
	UntrustedIssuer string     `json:"untrusted_issuer"`
	Certificates    []CertInfo `json:"certificates"`
}

// CertInfo describes one certificate the server presented, leaf first.
type CertInfo struct {
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	DNSNames   []string  `json:"dns_names"`
	SelfSigned bool      `json:"self_signed"`
	SHA256     string    `json:"sha256" redact:"-"`
}

// HTTPProbe is the HEAD request `curl -I` would send, and what came back.
type HTTPProbe struct {
	Method     string `json:"method"`
	URL        string `json:"url"`
	DurationMS int64  `json:"duration_ms"`
	OK         bool   `json:"ok"` // a response came (whatever its status)
	Status     int    `json:"status"`
	StatusText string `json:"status_text"`
	Proto      string `json:"proto"`
	// Headers are the response's headers as "Name: value" lines, without cookies, credentials
	// or authentication challenges.
	Headers     []string   `json:"headers"`
	Redirects   []Redirect `json:"redirects"`
	FinalURL    string     `json:"final_url"`    // where the redirects led; the URL itself when there were none
	FinalStatus int        `json:"final_status"` // the status there
	ErrorKind   string     `json:"error_kind"`
	Error       string     `json:"error"`
}

// Redirect is one redirect that was followed: the response at URL sent the client to Location.
type Redirect struct {
	Status   int    `json:"status"`
	URL      string `json:"url"`
	Location string `json:"location"`
}

// ClockSkew compares the server's Date header with the local clock at the request's midpoint.
type ClockSkew struct {
	ServerDate time.Time `json:"server_date"`
	LocalTime  time.Time `json:"local_time"` // local clock halfway between sending and the answer
	// SkewMS is the server's clock minus ours: positive when the local clock is behind. Date has
	// whole seconds, so half a second is added to centre the estimate.
	SkewMS        int64  `json:"skew_ms"`
	Skew          string `json:"skew"`           // SkewMS as a Go duration
	UncertaintyMS int64  `json:"uncertainty_ms"` // half a second plus half the round trip
}

// LocalPort says whether the agent's local port can be bound now, and who holds it if not.
type LocalPort struct {
	Address    string       `json:"address"` // 0.0.0.0:7017
	Bindable   bool         `json:"bindable"`
	ErrorKind  string       `json:"error_kind"` // in_use, permission or error; empty when bindable
	Error      string       `json:"error"`
	Holders    []PortHolder `json:"holders"`
	HolderNote string       `json:"holder_note"` // why holders are unknown or incomplete
}

// PortHolder is a process listening on the port.
type PortHolder struct {
	PID     int    `json:"pid"` // 0 when unknown
	Name    string `json:"name"`
	Command string `json:"command"` // its command line or image path, redacted
	User    string `json:"user"`
	Local   string `json:"local"` // the address it listens on
	IsAgent bool   `json:"is_agent"`
}

// NetworkSummary is the headline of the network probes, in the manifest's host summary and in
// probes.json.
type NetworkSummary struct {
	Probed    bool   `json:"probed"`
	Reachable bool   `json:"reachable"` // every target the agent needs answered, by some route
	Region    string `json:"region"`
	API       string `json:"api"`   // the API host that answered, or the first one probed
	Route     string `json:"route"` // how it answered: direct or proxy; empty when it did not
	// ClockSkewMS is the server's clock minus ours; null when no server said its time.
	ClockSkewMS   *int64 `json:"clock_skew_ms"`
	ProxyInUse    bool   `json:"proxy_in_use"` // a proxy is configured for the API
	Proxy         string `json:"proxy"`        // the first such proxy, redacted
	TLSVerified   *bool  `json:"tls_verified"` // null when no TLS handshake completed
	LocalPortFree *bool  `json:"local_port_free"`
	Text          string `json:"text"` // one line for people
}

// EncodeProbes writes p as indented JSON, nil slices as empty ones.
func EncodeProbes(w io.Writer, p *Probes) error {
	c := *p
	fillProbes(&c)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&c)
}

func fillProbes(p *Probes) {
	nonNil(&p.Region.Evidence)
	nonNil(&p.Proxy.Env)
	nonNil(&p.Proxy.Proxies)
	for i := range p.Proxy.Proxies {
		nonNil(&p.Proxy.Proxies[i].Sources)
		nonNil(&p.Proxy.Proxies[i].ExcludedHosts)
	}
	nonNil(&p.Proxy.NotProbed)
	targets := make([]ProbeTarget, len(p.Targets))
	copy(targets, p.Targets)
	p.Targets = targets
	nonNil(&p.Targets)
	for i := range p.Targets {
		t := &p.Targets[i]
		attempts := make([]ProbeAttempt, len(t.Attempts))
		copy(attempts, t.Attempts)
		t.Attempts = attempts
		nonNil(&t.Attempts)
		for j := range t.Attempts {
			fillAttempt(&t.Attempts[j])
		}
	}
	if p.LocalPort != nil {
		lp := *p.LocalPort
		nonNil(&lp.Holders)
		p.LocalPort = &lp
	}
}

func fillAttempt(a *ProbeAttempt) {
	nonNil(&a.ProxySources)
	nonNil(&a.Connect)
	if a.DNS != nil {
		d := *a.DNS
		nonNil(&d.Addresses)
		a.DNS = &d
	}
	if a.ProxyConnect != nil {
		pc := *a.ProxyConnect
		nonNil(&pc.Challenges)
		a.ProxyConnect = &pc
	}
	if a.TLS != nil {
		t := *a.TLS
		certs := make([]CertInfo, len(t.Certificates))
		copy(certs, t.Certificates)
		for i := range certs {
			nonNil(&certs[i].DNSNames)
		}
		t.Certificates = certs
		a.TLS = &t
	}
	if a.HTTP != nil {
		h := *a.HTTP
		nonNil(&h.Headers)
		nonNil(&h.Redirects)
		a.HTTP = &h
	}
}

var compiledProbes = sync.OnceValues(func() (*jsonschema.Schema, error) { return compile("#/$defs/probes") })

// ValidateProbes checks network/probes.json against its definition in the embedded schema
// ($defs/probes).
func ValidateProbes(data []byte) error {
	return validate(compiledProbes, data, "probes.json")
}
