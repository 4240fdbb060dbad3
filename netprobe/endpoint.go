package netprobe

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/opadiag/opadiag/manifest"
)

// sshPort is the port of an ssh:// endpoint without one: the agent's SSH tunnel.
const sshPort = 22

// ParseEndpoint reads an --endpoint value: https://host[:port][/path] (TLS and a HEAD request),
// http://host[:port][/path] (a HEAD request), tcp://host:port or ssh://host[:port] (a TCP
// connection only). Without a scheme, host and host:443 mean https, host:port a TCP connection.
func ParseEndpoint(s string) (Target, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Target{}, errors.New("empty endpoint")
	}
	if !strings.Contains(s, "://") {
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			s = "https://" + s
		} else if port == "443" {
			s = "https://" + net.JoinHostPort(host, port)
		} else {
			s = "tcp://" + net.JoinHostPort(host, port)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return Target{}, fmt.Errorf("not a URL: %w", unwrapURLError(err))
	}
	if u.User != nil {
		return Target{}, errors.New("an endpoint carries no user name or password")
	}
	t := Target{Host: u.Hostname()}
	def := 0
	switch strings.ToLower(u.Scheme) {
	case "https":
		t.Kind, def = manifest.TargetHTTPS, 443
	case "http":
		t.Kind, def = manifest.TargetHTTP, 80
	case "ssh":
		t.Kind, def = manifest.TargetTCP, sshPort
	case "tcp":
		t.Kind = manifest.TargetTCP
	default:
		return Target{}, fmt.Errorf("scheme %q: use https, http, tcp or ssh", u.Scheme)
	}
	if t.Host == "" {
		return Target{}, errors.New("no host")
	}
	t.Port = def
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Target{}, fmt.Errorf("port %q is not a port number", p)
		}
		t.Port = n
	}
	if t.Port == 0 {
		return Target{}, errors.New("a tcp:// endpoint needs a port")
	}
	if t.Kind != manifest.TargetTCP {
		t.Path = u.RequestURI()
	}
	return t, nil
}
