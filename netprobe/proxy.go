package netprobe

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/opadiag/opadiag/redact"
)

// ParseProxyURL reads a proxy setting: a URL (http://user:pass@host:port), or host:port alone,
// which means an HTTP proxy. The scheme is lower-cased; a missing port is the scheme's default.
func ParseProxyURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty proxy setting")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("proxy setting %q is not a URL: %w", redact.New().String(s), unwrapURLError(err))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Hostname() == "" {
		return nil, fmt.Errorf("proxy setting %q has no host", redact.New().String(s))
	}
	if u.Port() != "" {
		if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("proxy setting %q has an invalid port", redact.New().String(s))
		}
	}
	return u, nil
}

// unwrapURLError drops url.Error's quoting of the whole input, which may hold a password.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// Probeable reports whether opadiag can probe through a proxy of this URL's scheme, and why not.
func Probeable(u *url.URL) (bool, string) {
	switch u.Scheme {
	case "http", "https":
		return true, ""
	case "socks", "socks4", "socks4a", "socks5", "socks5h":
		return false, "SOCKS proxies are not probed: only HTTP CONNECT proxies are"
	}
	return false, fmt.Sprintf("proxy scheme %q is not one opadiag can probe", u.Scheme)
}

// RedactURL writes a proxy URL without its password: scheme://user:[REDACTED]@host:port, or
// scheme://[REDACTED]@host:port when the user name alone is given (it may be a token), as the
// bundle's url_credentials rule does.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	s := c.String()
	if u.User == nil {
		return s
	}
	user := redact.Marker
	if _, has := u.User.Password(); has {
		user = u.User.Username() + ":" + redact.Marker
	}
	return strings.Replace(s, "://", "://"+user+"@", 1)
}

// Bypass is a list of hosts a proxy is not used for.
type Bypass struct {
	// Windows selects the WinINet/WinHTTP syntax (ProxyOverride, the bypass list): entries
	// separated by ; (or spaces), * wildcards anywhere, <local> for names without a dot. Otherwise
	// the NO_PROXY syntax of curl and Go: entries separated by commas (or spaces), "*" for every
	// host, a domain for itself and its subdomains (a leading dot or "*." changes nothing), an IP
	// address or CIDR range, each optionally with :port.
	Windows bool
	Rules   []string
}

// ParseNoProxy reads a NO_PROXY value.
func ParseNoProxy(s string) Bypass {
	return Bypass{Rules: fields(s, ", ")}
}

// ParseWindowsBypass reads a WinINet ProxyOverride or a WinHTTP bypass list.
func ParseWindowsBypass(s string) Bypass {
	return Bypass{Windows: true, Rules: fields(s, "; ")}
}

func fields(s, seps string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) || r == '\t' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Match reports whether host:port bypasses the proxy, and the rule that says so.
func (b Bypass) Match(host string, port int) (bool, string) {
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	for _, r := range b.Rules {
		var ok bool
		if b.Windows {
			ok = matchWindows(r, host, port)
		} else {
			ok = matchNoProxy(r, host, port)
		}
		if ok {
			return true, r
		}
	}
	return false, ""
}

func matchNoProxy(rule, host string, port int) bool {
	r := strings.ToLower(strings.TrimSpace(rule))
	if r == "*" {
		return true
	}
	if p, err := netip.ParsePrefix(r); err == nil {
		ip, err := netip.ParseAddr(host)
		return err == nil && p.Contains(ip.Unmap())
	}
	if h, p, err := net.SplitHostPort(r); err == nil {
		if n, err := strconv.Atoi(p); err == nil {
			if n != port {
				return false
			}
			r = h
		}
	}
	r = strings.Trim(r, "[]")
	if ip, err := netip.ParseAddr(r); err == nil {
		h, err := netip.ParseAddr(host)
		return err == nil && h.Unmap() == ip.Unmap()
	}
	r = strings.TrimPrefix(strings.TrimPrefix(r, "*"), ".")
	r = strings.TrimSuffix(r, ".")
	return r != "" && (host == r || strings.HasSuffix(host, "."+r))
}

func matchWindows(rule, host string, port int) bool {
	r := strings.ToLower(strings.TrimSpace(rule))
	if r == "<local>" {
		_, err := netip.ParseAddr(host)
		return err != nil && !strings.Contains(host, ".")
	}
	if i := strings.Index(r, "://"); i >= 0 {
		r = r[i+3:]
	}
	if h, p, err := net.SplitHostPort(r); err == nil && !strings.Contains(p, "*") {
		if n, err := strconv.Atoi(p); err == nil {
			if n != port {
				return false
			}
			r = h
		}
	}
	return glob(r, host)
}

// glob matches s against a pattern in which * stands for any run of characters.
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// Env is what the environment says about proxies: the variables (values as they are, with any
// credentials: redact before storing), the proxies they name, and NO_PROXY.
type Env struct {
	Vars    []EnvVar
	Proxies []EnvProxy
	NoProxy Bypass
}

// EnvVar is one variable.
type EnvVar struct{ Name, Value string }

// EnvProxy is a proxy named by a variable, or why it cannot be probed.
type EnvProxy struct {
	Var string
	URL *url.URL // nil when Err is set
	Err error
}

// proxyVars are the variables read, in any case: the proxies, NO_PROXY, and Node.js's TLS
// settings, which decide whether the agent trusts an intercepting proxy's CA.
var proxyVars = []string{"HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "NODE_EXTRA_CA_CERTS", "NODE_TLS_REJECT_UNAUTHORIZED"}

// FromEnv reads the proxy variables of env ("NAME=value" entries) in any case: HTTPS_PROXY,
// https_proxy and Https_Proxy are all read, as different tools read different ones.
func FromEnv(env []string) Env {
	var e Env
	var noProxy []string
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		for _, want := range proxyVars {
			if !strings.EqualFold(name, want) {
				continue
			}
			e.Vars = append(e.Vars, EnvVar{name, value})
			switch want {
			case "NO_PROXY":
				noProxy = append(noProxy, value)
			case "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY":
				if strings.TrimSpace(value) == "" {
					continue
				}
				u, err := ParseProxyURL(value)
				e.Proxies = append(e.Proxies, EnvProxy{Var: name, URL: u, Err: err})
			}
		}
	}
	sort.SliceStable(e.Vars, func(i, j int) bool { return e.Vars[i].Name < e.Vars[j].Name })
	sort.SliceStable(e.Proxies, func(i, j int) bool { return e.Proxies[i].Var < e.Proxies[j].Var })
	e.NoProxy = ParseNoProxy(strings.Join(noProxy, ","))
	return e
}
