package osout

// This file reads the Windows proxy settings: a WinINet ProxyServer value or WinHTTP proxy list,
// and what `netsh winhttp show proxy` prints.

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/opadiag/opadiag/internal/winpath"
)

// ProxyEntry is one proxy of a WinINet or WinHTTP proxy list.
type ProxyEntry struct {
	Scheme  string // the protocol it is for (http, https, ftp, socks); empty: every protocol
	Address string // host:port, possibly with a scheme:// prefix
}

var spacedEquals = regexp.MustCompile(`\s*=\s*`)

// ParseProxyServer reads a WinINet ProxyServer value or a WinHTTP proxy list: "host:port" for
// every protocol, or "http=host:port;https=host:port;socks=host:port" per protocol.
func ParseProxyServer(s string) []ProxyEntry {
	var out []ProxyEntry
	s = spacedEquals.ReplaceAllString(s, "=")
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ' ' || r == '\t' }) {
		e := ProxyEntry{Address: f}
		if k, v, ok := strings.Cut(f, "="); ok {
			e.Scheme, e.Address = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		}
		if e.Address != "" {
			out = append(out, e)
		}
	}
	return out
}

// WinHTTPProxy is the machine's WinHTTP proxy, as `netsh winhttp show proxy` prints it.
type WinHTTPProxy struct {
	Direct bool   // no proxy
	Server string // a proxy list, as ParseProxyServer reads
	Bypass string // hosts that bypass it, separated by ;
}

// NetshCommand returns the absolute path of netsh.exe and the arguments that print the WinHTTP
// proxy. getenv gives SystemRoot.
func NetshCommand(getenv func(string) string) (string, []string) {
	return winpath.System32(getenv, "netsh.exe"), []string{"winhttp", "show", "proxy"}
}

var netshField = regexp.MustCompile(`^\s*(\S.*?)\s+:\s*(.*?)\s*$`)

// ParseWinHTTPProxy reads the output of `netsh winhttp show proxy`. The labels are translated on
// non-English Windows; when they are not recognised, the first "label : value" line is taken as
// the proxy and the second as the bypass list, the order netsh prints them in.
func ParseWinHTTPProxy(out string) (WinHTTPProxy, error) {
	var p WinHTTPProxy
	var values []string
	for _, line := range strings.Split(strings.ReplaceAll(out, "\r", ""), "\n") {
		lower := strings.ToLower(line)
		if strings.Contains(lower, "direct access") {
			p.Direct = true
			continue
		}
		m := netshField.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		label, value := strings.ToLower(m[1]), m[2]
		if strings.EqualFold(value, "(none)") {
			value = ""
		}
		switch {
		case strings.Contains(label, "bypass"):
			p.Bypass = value
		case strings.Contains(label, "proxy server"):
			p.Server = value
		default:
			values = append(values, value)
		}
	}
	if p.Server == "" && len(values) > 0 {
		p.Server, values = values[0], values[1:]
	}
	if p.Bypass == "" && len(values) > 0 {
		p.Bypass = values[0]
	}
	if p.Server != "" {
		p.Direct = false
	}
	if !p.Direct && p.Server == "" {
		return p, fmt.Errorf("netsh printed neither a proxy nor \"Direct access\"")
	}
	return p, nil
}
