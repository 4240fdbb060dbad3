package osout

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseProxyServer(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []ProxyEntry
	}{
		{"empty", "", nil},
		{"one for all", "proxy.corp:8080", []ProxyEntry{{"", "proxy.corp:8080"}}},
		{"per protocol", "http=p1:80;https=p2:443;ftp=p3:21;socks=p4:1080",
			[]ProxyEntry{{"http", "p1:80"}, {"https", "p2:443"}, {"ftp", "p3:21"}, {"socks", "p4:1080"}}},
		{"spaces and case", " HTTPS = p2:443 ; http://p1:80 ", []ProxyEntry{{"https", "p2:443"}, {"", "http://p1:80"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseProxyServer(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseWinHTTPProxy(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    WinHTTPProxy
		wantErr bool
	}{
		{"direct", "\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Direct access (no proxy server).\r\n\r\n", WinHTTPProxy{Direct: true}, false},
		{"proxy", "\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Proxy Server(s) :  proxy.corp:8080\r\n    Bypass List     :  <local>;*.corp.local\r\n\r\n",
			WinHTTPProxy{Server: "proxy.corp:8080", Bypass: "<local>;*.corp.local"}, false},
		{"no bypass", "Current WinHTTP proxy settings:\n\n    Proxy Server(s) :  http=p1:80;https=p2:443\n    Bypass List     :  (none)\n",
			WinHTTPProxy{Server: "http=p1:80;https=p2:443"}, false},
		{"german", "\nAktuelle WinHTTP-Proxyeinstellungen:\n\n    Proxyserver     :  proxy.corp:8080\n    Umgehungsliste  :  <local>\n",
			WinHTTPProxy{Server: "proxy.corp:8080", Bypass: "<local>"}, false},
		{"unrecognised", "Der Befehl wurde nicht gefunden.\n", WinHTTPProxy{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseWinHTTPProxy(tt.out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v", err)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNetshCommand(t *testing.T) {
	path, args := NetshCommand(func(k string) string { return map[string]string{"SystemRoot": `D:\WINNT\`}[k] })
	if path != `D:\WINNT\System32\netsh.exe` || strings.Join(args, " ") != "winhttp show proxy" {
		t.Errorf("%s %v", path, args)
	}
	if path, _ := NetshCommand(func(string) string { return "" }); path != `C:\Windows\System32\netsh.exe` {
		t.Errorf("default %s", path)
	}
}
