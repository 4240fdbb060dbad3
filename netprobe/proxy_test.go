package netprobe

import (
	"strings"
	"testing"

	"github.com/opadiag/opadiag/redact"
)

func TestParseProxyURL(t *testing.T) {
	tests := []struct {
		name, in, want, wantErr string
	}{
		{"host and port", "proxy.corp:8080", "http://proxy.corp:8080", ""},
		{"url", "http://proxy.corp:3128/", "http://proxy.corp:3128/", ""},
		{"upper-case scheme", "HTTPS://proxy.corp", "https://proxy.corp", ""},
		{"credentials", "http://bob:s3cret@proxy.corp:8080", "http://bob:s3cret@proxy.corp:8080", ""},
		{"credentials without scheme", "bob:s3cret@proxy.corp:8080", "http://bob:s3cret@proxy.corp:8080", ""},
		{"socks", "socks5://127.0.0.1:1080", "socks5://127.0.0.1:1080", ""},
		{"empty", "  ", "", "empty"},
		{"no host", "http://:8080", "", "no host"},
		{"bad port", "proxy.corp:99999", "", "invalid port"},
		{"bad url keeps the password out of the error", "http://bob:s3cret@proxy corp:80", "", "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := ParseProxyURL(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil || u.String() != tt.want {
				t.Fatalf("got %v, %v; want %s", u, err, tt.want)
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"user and password", "http://bob:s3cret@proxy.corp:8080", "http://bob:[REDACTED]@proxy.corp:8080"},
		{"user only, maybe a token", "http://abcdef123456@proxy.corp:8080", "http://[REDACTED]@proxy.corp:8080"},
		{"none", "http://proxy.corp:8080", "http://proxy.corp:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := ParseProxyURL(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := RedactURL(u); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			// The bundle's redactor gives the same.
			if got := redact.New().String(u.String()); got != tt.want {
				t.Errorf("redact gives %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBypass(t *testing.T) {
	tests := []struct {
		name   string
		bypass Bypass
		host   string
		port   int
		want   bool
	}{
		{"no_proxy star", ParseNoProxy("*"), "api.integrator.io", 443, true},
		{"no_proxy domain matches itself", ParseNoProxy("localhost, integrator.io"), "integrator.io", 443, true},
		{"no_proxy domain matches subdomains", ParseNoProxy("integrator.io"), "api.eu.integrator.io", 443, true},
		{"no_proxy leading dot", ParseNoProxy(".integrator.io"), "api.integrator.io", 443, true},
		{"no_proxy star dot", ParseNoProxy("*.integrator.io"), "api.integrator.io", 443, true},
		{"no_proxy suffix is not a domain", ParseNoProxy("tor.io"), "api.integrator.io", 443, false},
		{"no_proxy other domain", ParseNoProxy("corp.local,10.0.0.0/8"), "api.integrator.io", 443, false},
		{"no_proxy cidr", ParseNoProxy("10.0.0.0/8"), "10.1.2.3", 22, true},
		{"no_proxy ip", ParseNoProxy("127.0.0.1"), "127.0.0.1", 8443, true},
		{"no_proxy port matches", ParseNoProxy("api.integrator.io:443"), "api.integrator.io", 443, true},
		{"no_proxy port differs", ParseNoProxy("api.integrator.io:443"), "api.integrator.io", 22, false},
		{"no_proxy case", ParseNoProxy("API.Integrator.IO"), "api.integrator.io", 443, true},
		{"windows local", ParseWindowsBypass("<local>"), "intranet", 80, true},
		{"windows local dotted", ParseWindowsBypass("<local>"), "api.integrator.io", 443, false},
		{"windows wildcard", ParseWindowsBypass("*.corp.local;*.integrator.io"), "api.integrator.io", 443, true},
		{"windows wildcard is not a suffix", ParseWindowsBypass("*.integrator.io"), "integrator.io", 443, false},
		{"windows ip wildcard", ParseWindowsBypass("10.*;192.168.*"), "192.168.1.5", 22, true},
		{"windows scheme prefix", ParseWindowsBypass("https://api.integrator.io"), "api.integrator.io", 443, true},
		{"windows other", ParseWindowsBypass("*.corp.local"), "api.integrator.io", 443, false},
		{"empty", ParseNoProxy(""), "api.integrator.io", 443, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rule := tt.bypass.Match(tt.host, tt.port)
			if got != tt.want || got && rule == "" {
				t.Errorf("Match(%s, %d) = %v %q, want %v", tt.host, tt.port, got, rule, tt.want)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	e := FromEnv([]string{
		"PATH=/usr/bin",
		"https_proxy=http://bob:s3cret@proxy.corp:8080",
		"HTTP_PROXY=proxy.corp:3128",
		"All_Proxy=socks5://127.0.0.1:1080",
		"no_proxy=localhost",
		"NO_PROXY=.corp.local",
		"NODE_EXTRA_CA_CERTS=/etc/corp-ca.pem",
		"HTTPS_PROXYX=ignored",
		"EMPTY_HTTPS_PROXY",
	})
	var names []string
	for _, v := range e.Vars {
		names = append(names, v.Name)
	}
	if got := strings.Join(names, ","); got != "All_Proxy,HTTP_PROXY,NODE_EXTRA_CA_CERTS,NO_PROXY,https_proxy,no_proxy" {
		t.Errorf("vars %s", got)
	}
	if len(e.Proxies) != 3 {
		t.Fatalf("proxies %+v", e.Proxies)
	}
	if p := e.Proxies[2]; p.Var != "https_proxy" || p.URL.Host != "proxy.corp:8080" {
		t.Errorf("https_proxy %+v", p)
	}
	for _, h := range []string{"localhost", "x.corp.local"} {
		if ok, _ := e.NoProxy.Match(h, 443); !ok {
			t.Errorf("NO_PROXY and no_proxy together should bypass %s", h)
		}
	}
}
