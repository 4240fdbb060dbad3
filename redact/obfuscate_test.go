package redact

import (
	"strings"
	"testing"
)

func TestObfuscate(t *testing.T) {
	o := NewObfuscator()
	o.Host("srv-opa01")
	o.User(`CORP\alice`)
	tests := []struct {
		name, in, want string
	}{
		{"known host, any case", "running on SRV-OPA01 and srv-opa01.", "running on host1 and host1."},
		{"known host inside a word is kept", "srv-opa010 xsrv-opa01", "srv-opa010 xsrv-opa01"},
		{"known user", "user=alice home=C:\\Users\\Alice\\AppData", "user=user1 home=C:\\Users\\user1\\AppData"},
		{"home paths", "/home/bob/.config/agent and /home/root/x", "/home/user2/.config/agent and /home/root/x"},
		{"url host", "GET https://db01.corp.example:1433/x and https://u@files.corp.example/", "GET https://host2:1433/x and https://u@host3/"},
		{"celigo hosts kept", "https://api.integrator.io/v1 https://api.eu.integrator.io https://www.celigo.com", "https://api.integrator.io/v1 https://api.eu.integrator.io https://www.celigo.com"},
		{"host keys", `Server=db01.corp.example;Data Source=sql02; "hostname": "api.integrator.io"`, `Server=host2;Data Source=host4; "hostname": "api.integrator.io"`},
		{"ipv4", "connect ETIMEDOUT 72.44.45.92:443 from 192.168.1.20, again 72.44.45.92", "connect ETIMEDOUT 10.0.0.1:443 from 10.0.0.2, again 10.0.0.1"},
		{"loopback and any kept", "127.0.0.1:7017 0.0.0.0:7017 255.255.255.255", "127.0.0.1:7017 0.0.0.0:7017 255.255.255.255"},
		{"not addresses", "version 1.2.3 at 12:08:22.172 on 2026-11-28 v1.2.3.4.5 300.1.1.1", "version 1.2.3 at 12:08:22.172 on 2026-11-28 v1.2.3.4.5 300.1.1.1"},
		{"ipv6", "from fe80::1ff:fe23:4567:890a and [2001:db8::1]:443, ::1 kept", "from fd00::1 and [fd00::2]:443, ::1 kept"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(o.Bytes([]byte(tc.in)))
			if got != tc.want {
				t.Fatalf("\n got %q\nwant %q", got, tc.want)
			}
		})
	}
	m := o.Mapping()
	if m.Hosts["host1"] != "srv-opa01" || m.Users["user1"] != "alice" || m.IPs["10.0.0.1"] != "72.44.45.92" || m.Users["user2"] != "bob" {
		t.Fatalf("mapping %+v", m)
	}
}

// TestObfuscateWithRedaction checks that secrets are removed, not renamed, and that names are
// replaced consistently across writers.
func TestObfuscateWithRedaction(t *testing.T) {
	r := New()
	o := NewObfuscator()
	r.Obfuscate(o)
	a := r.String("proxy=http://bob:pw@proxy.corp.example:8080 from 10.1.2.3")
	b := r.String("again proxy.corp.example and 10.1.2.3")
	if strings.Contains(a, "pw") || strings.Contains(a, "corp") || strings.Contains(a, "10.1.2.3") {
		t.Fatalf("a = %q", a)
	}
	if a != "proxy=http://bob:"+Marker+"@host1:8080 from 10.0.0.1" {
		t.Fatalf("a = %q", a)
	}
	if b != "again host1 and 10.0.0.1" {
		t.Fatalf("b = %q", b)
	}
}
