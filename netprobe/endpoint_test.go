package netprobe

import (
	"strings"
	"testing"
)

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "https://api.integrator.io", want: "https api.integrator.io:443 /"},
		{in: "https://127.0.0.1:8443/health?x=1", want: "https 127.0.0.1:8443 /health?x=1"},
		{in: "http://[::1]:8080", want: "http [::1]:8080 /"},
		{in: "tcp://127.0.0.1:22", want: "tcp 127.0.0.1:22 "},
		{in: "ssh://tunnel.example", want: "tcp tunnel.example:22 "},
		{in: "api.integrator.io", want: "https api.integrator.io:443 /"},
		{in: "api.integrator.io:443", want: "https api.integrator.io:443 /"},
		{in: "tunnel.example:22", want: "tcp tunnel.example:22 "},
		{in: "ftp://x", wantErr: "scheme"},
		{in: "tcp://x", wantErr: "needs a port"},
		{in: "https://:443", wantErr: "no host"},
		{in: "https://x:70000", wantErr: "port"},
		{in: "https://bob:pw@x", wantErr: "no user name"},
		{in: " ", wantErr: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseEndpoint(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := got.Kind + " " + got.Addr() + " " + got.Path; s != tt.want {
				t.Errorf("got %q, want %q", s, tt.want)
			}
		})
	}
}
