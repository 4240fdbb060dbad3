package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"io"
	"strings"
	"sync"
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
		{"known host as a label", "srv-opa01.corp.example", "host1.corp.example"},
		{"known user", "user=alice home=C:\\Users\\Alice\\AppData", "user=user1 home=C:\\Users\\user1\\AppData"},
		{"home paths", "/home/bob/.config/agent and /home/root/x", "/home/user2/.config/agent and /home/root/x"},
		{"json-escaped home", `{"path":"C:\\Users\\carol.d\\AppData","p2":"C:\\\\Users\\\\dave\\\\x"}`, `{"path":"C:\\Users\\user3\\AppData","p2":"C:\\\\Users\\\\user4\\\\x"}`},
		{"home with a space", `C:\Users\Jane Doe\AppData and /home/erin is`, `C:\Users\user5\AppData and /home/user6 is`},
		{"url host", "GET https://db01.corp.example:1433/x and https://u@files.corp.example/", "GET https://host2:1433/x and https://u@host3/"},
		{"url with redacted password", "http://bob:[REDACTED]@proxy.corp.example:8080/", "http://user2:[REDACTED]@host4:8080/"},
		{"jdbc url", "jdbc:sqlserver://sql9.corp.example:1433;databaseName=erp", "jdbc:sqlserver://host5:1433;databaseName=erp"},
		{"celigo hosts kept", "https://api.integrator.io/v1 https://api.eu.integrator.io https://www.celigo.com http://localhost:7017", "https://api.integrator.io/v1 https://api.eu.integrator.io https://www.celigo.com http://localhost:7017"},
		{"host keys", `Server=db01.corp.example;Data Source=sql02; "hostname": "api.integrator.io"`, `Server=host2;Data Source=host6; "hostname": "api.integrator.io"`},
		{"sql protocol prefix", `Server=tcp:sql03.corp.example,1433;Data Source=np:SQLPROD\SQLEXPRESS`, `Server=tcp:host7,1433;Data Source=np:host8\SQLEXPRESS`},
		{"camel and snake host keys", `proxyHost=px01 db_host: "db7" dbServer='srv9'`, `proxyHost=host9 db_host: "host10" dbServer='host11'`},
		{"escaped json host key", `{\"host\":\"gw01.corp.example\"}`, `{\"host\":\"host12\"}`},
		{"not host keys", "localhost:7017 ghost=x observer: y hostile=z", "localhost:7017 ghost=x observer: y hostile=z"},
		{"ordinary words are not hosts", "host=unknown Server: Kestrel server: nginx/1.18 Host: undefined", "host=unknown Server: Kestrel server: nginx/1.18 Host: undefined"},
		{"software with a dash", "Server: Microsoft-IIS/10.0", "Server: Microsoft-IIS/10.0"},
		{"ordinary word replaced only where it is a host", "https://intranet/x and the intranet", "https://host13/x and the intranet"},
		{"known by position, then as a word", "host=db-west-2 then db-west-2 again", "host=host14 then host14 again"},
		{"ipv4", "connect ETIMEDOUT 72.44.45.92:443 from 192.168.1.20, again 72.44.45.92.", "connect ETIMEDOUT 240.0.0.1:443 from 240.0.0.2, again 240.0.0.1."},
		{"kept addresses", "127.0.0.1:7017 0.0.0.0:7017 255.255.255.255 224.0.0.251 240.0.0.9", "127.0.0.1:7017 0.0.0.0:7017 255.255.255.255 224.0.0.251 240.0.0.9"},
		{"not addresses", "version 1.2.3 at 12:08:22.172 on 2026-11-28 v1.2.3.4 1.2.3.4.5 300.1.1.1 01.2.3.4 1.2.3.4567", "version 1.2.3 at 12:08:22.172 on 2026-11-28 v1.2.3.4 1.2.3.4.5 300.1.1.1 01.2.3.4 1.2.3.4567"},
		{"ipv6", "from fe80::1ff:fe23:4567:890a and [2a00:1450:4001:82a::200e]:443, ::1 kept", "from 2001:db8::1 and [2001:db8::2]:443, ::1 kept"},
		{"full ipv6", "addr 2a00:1450:4001:0:0:0:0:1 end", "addr 2001:db8::3 end"},
		{"ipv4-mapped ipv6", "::ffff:72.44.45.92", "::ffff:240.0.0.1"},
		{"not ipv6", "std::string 00:1a:2b:3c:4d:5e a::b c:d:e Error::Foo", "std::string 00:1a:2b:3c:4d:5e a::b c:d:e Error::Foo"},
		{"stand-ins are kept", "host1 user2 240.0.0.7 2001:db8::99 https://host77/ /home/user9/", "host1 user2 240.0.0.7 2001:db8::99 https://host77/ /home/user9/"},
		{"user named like a common word", "/home/agent/x: the agent started as agent", "/home/user7/x: the agent started as agent"},
		{"user learned from a path, then as a word", "home/frank/.config then frank logged in", "home/user8/.config then user8 logged in"},
		{"system users kept", `C:\Users\Public\x /home/root/ C:\Users\Administrator\`, `C:\Users\Public\x /home/root/ C:\Users\Administrator\`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(o.Bytes([]byte(tc.in)))
			if got != tc.want {
				t.Fatalf("\n got %q\nwant %q", got, tc.want)
			}
			if again := string(o.Bytes([]byte(got))); again != got {
				t.Fatalf("obfuscating twice changed %q to %q", got, again)
			}
		})
	}
	m := o.Mapping()
	if m.Hosts["host1"] != "srv-opa01" || m.Users["user1"] != "alice" || m.IPs["240.0.0.1"] != "72.44.45.92" ||
		m.Users["user2"] != "bob" || m.IPs["2001:db8::2"] != "2a00:1450:4001:82a::200e" || m.Hosts["host7"] != "sql03.corp.example" {
		t.Fatalf("mapping %+v", m)
	}
	for _, word := range []string{"unknown", "Kestrel", "nginx", "undefined", "tcp", "np"} {
		for _, v := range m.Hosts {
			if strings.EqualFold(v, word) {
				t.Errorf("%q was taken for a host", word)
			}
		}
	}
}

// TestObfuscateWithRedaction checks that secrets are removed, not renamed, and that names are
// replaced consistently across writers, through Redactor.Obfuscate.
func TestObfuscateWithRedaction(t *testing.T) {
	r := New()
	o := NewObfuscator()
	r.Obfuscate(o)
	a := r.String("proxy=http://bob:pw@proxy.corp.example:8080 from 10.1.2.3")
	b := r.String("again proxy.corp.example and 10.1.2.3")
	if a != "proxy=http://bob:"+Marker+"@host1:8080 from 240.0.0.1" {
		t.Fatalf("a = %q", a)
	}
	if b != "again host1 and 240.0.0.1" {
		t.Fatalf("b = %q", b)
	}
	var out bytes.Buffer
	w := r.NewWriter(&out)
	in := strings.Repeat("x", 70<<10) + " host=db9.corp.example 10.9.9.9 " + strings.Repeat("y ", 5000) + "db9.corp.example\n"
	for p := []byte(in); len(p) > 0; p = p[min(len(p), 1000):] {
		_, _ = w.Write(p[:min(len(p), 1000)])
	}
	_ = w.Close()
	if strings.Contains(out.String(), "db9") || strings.Contains(out.String(), "10.9.9.9") || strings.Count(out.String(), "host2") != 2 {
		t.Fatalf("stream through the redactor: %q", out.String()[70<<10:70<<10+60])
	}
}

// TestObfuscateLearnFirst checks the two passes: a name learned late in one text is replaced in
// every text, also before the place it was learned.
func TestObfuscateLearnFirst(t *testing.T) {
	o := NewObfuscator()
	texts := []string{
		"12:00 connecting to db01.corp.example failed, retrying db01.corp.example\n",
		"12:01 url=https://db01.corp.example:1433/erp ok\n",
	}
	for _, s := range texts {
		l := o.Learner()
		_, _ = io.WriteString(l, s)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var got strings.Builder
	for _, s := range texts {
		w := o.NewWriter(&got)
		_, _ = io.WriteString(w, s)
		_ = w.Close()
		if w.Counts()[RuleHost] == 0 {
			t.Errorf("no host counted for %q", s)
		}
	}
	want := "12:00 connecting to host1 failed, retrying host1\n12:01 url=https://host1:1433/erp ok\n"
	if got.String() != want {
		t.Fatalf("got %q\nwant %q", got.String(), want)
	}
	if _, err := o.Learner().Write(nil); err != nil {
		t.Fatal(err)
	}
}

// TestObfuscateChunking checks that how a stream is cut into writes changes nothing, also for
// identifiers straddling the window.
func TestObfuscateChunking(t *testing.T) {
	var in bytes.Buffer
	for i := 0; in.Len() < 300<<10; i++ {
		fmt.Fprintf(&in, "%d level=info url=https://h%d.corp.example/x from 10.%d.%d.%d [2a00::%x] C:\\Users\\u%d\\x host=db%d;",
			i, i%97, i%7, i%251, i%13+1, i, i%11, i%5)
		if i%50 == 0 {
			in.WriteString(strings.Repeat("z", 5000)) // a long run
		}
		in.WriteByte('\n')
	}
	whole := NewObfuscator().Bytes(in.Bytes())
	for _, size := range []int{1, 7, 4096, 65536, 100000} {
		out := twoPasses(t, in.Bytes(), size)
		if !bytes.Equal(out.Bytes(), whole) {
			a, b := out.Bytes(), whole
			i := 0
			for i < len(a) && i < len(b) && a[i] == b[i] {
				i++
			}
			t.Fatalf("writes of %d differ at %d: %q vs %q", size, i, a[max(0, i-40):min(len(a), i+40)], b[max(0, i-40):min(len(b), i+40)])
		}
	}
	w := NewObfuscator().NewWriter(io.Discard)
	_ = w.Close()
	if _, err := w.Write([]byte("x")); err == nil || w.Close() != nil {
		t.Fatal("write after close")
	}
}

// twoPasses runs a new obfuscator's two passes over data, written in pieces of size bytes.
func twoPasses(t *testing.T, data []byte, size int) *bytes.Buffer {
	t.Helper()
	o := NewObfuscator()
	var out bytes.Buffer
	for _, dst := range []io.WriteCloser{o.Learner(), o.NewWriter(&out)} {
		for p := data; len(p) > 0; {
			n := min(size, len(p))
			if _, err := dst.Write(p[:n]); err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
		if err := dst.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return &out
}

type countdownWriter struct{ n int }

func (f *countdownWriter) Write(p []byte) (int, error) {
	if f.n--; f.n < 0 {
		return 0, io.ErrShortWrite
	}
	return len(p), nil
}

func TestObfuscateWriteError(t *testing.T) {
	w := NewObfuscator().NewWriter(&countdownWriter{n: 1})
	data := bytes.Repeat([]byte("10.1.2.3 "), 40000)
	_, err := w.Write(data)
	if err == nil {
		err = w.Close()
	}
	if err != io.ErrShortWrite || w.Close() != io.ErrShortWrite {
		t.Fatalf("err = %v", err)
	}
	if _, err := w.Write([]byte("x")); err != io.ErrShortWrite {
		t.Fatalf("write after an error: %v", err)
	}
}

// TestObfuscateConcurrent learns from several goroutines at once and checks every identifier got
// exactly one stand-in.
func TestObfuscateConcurrent(t *testing.T) {
	o := NewObfuscator()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := o.Learner()
			w := o.NewWriter(io.Discard)
			for i := range 3000 {
				line := fmt.Sprintf("10.0.%d.%d host=n%d.example.invalid %d\n", i/250, i%250+1, i%500, g)
				_, _ = io.WriteString(l, line)
				_, _ = io.WriteString(w, line)
			}
			_ = l.Close()
			_ = w.Close()
		}()
	}
	wg.Wait()
	m := o.Mapping()
	if len(m.IPs) != 3000 || len(m.Hosts) != 500 {
		t.Fatalf("%d addresses, %d hosts", len(m.IPs), len(m.Hosts))
	}
	seen := map[string]bool{}
	for _, v := range m.IPs {
		if seen[v] {
			t.Fatalf("%s has two stand-ins", v)
		}
		seen[v] = true
	}
}

func TestWriteMapping(t *testing.T) {
	for _, fill := range []bool{false, true} {
		o := NewObfuscator()
		if fill {
			o.Host("srv01")
			o.IP("10.1.2.3")
			o.IP("2a00::1")
			o.User("bob")
			o.Host(`we"ird`)
		}
		var b bytes.Buffer
		if err := o.WriteMapping(&b, "b.zip", "private"); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Bundle, Note string
			Mapping
		}
		if err := json.Unmarshal(b.Bytes(), &got); err != nil {
			t.Fatalf("%v\n%s", err, b.String())
		}
		want := o.Mapping()
		if got.Bundle != "b.zip" || got.Note != "private" || fmt.Sprint(got.Mapping) != fmt.Sprint(want) {
			t.Fatalf("got %+v\nwant %+v\n%s", got, want, b.String())
		}
		if fill && !strings.Contains(b.String(), `"240.0.0.1": "10.1.2.3"`) {
			t.Fatalf("format:\n%s", b.String())
		}
	}
	if err := NewObfuscator().WriteMapping(&countdownWriter{}, "", ""); err == nil {
		t.Fatal("no error from a failing writer")
	}
}

func TestObfuscatorExplicit(t *testing.T) {
	o := NewObfuscator()
	for _, tc := range []struct{ got, want string }{
		{o.Host("server"), "host1"}, // the machine may be named like a word: replaced everywhere
		{o.Host("SERVER."), "host1"},
		{o.Host("localhost"), "localhost"},
		{o.Host("10.1.1.1"), "240.0.0.1"},
		{o.Host("[::1]"), "[::1]"},
		{o.Host(""), ""},
		{o.Host("host5"), "host5"},
		{o.User(`DOM\tester`), "user1"},
		{o.User("SYSTEM"), "SYSTEM"},
		{o.User("user3"), "user3"},
		{o.IP("not an ip"), "not an ip"},
		{o.IP("[2a00::2]"), "2001:db8::1"},
		{o.IP("127.0.0.1"), "127.0.0.1"},
		{string(o.Bytes([]byte("the server said tester"))), "the host1 said user1"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestSymtab(t *testing.T) {
	names := newSymtab(0, maphash.MakeSeed(), &nameFilter{})
	add := func(tb *symtab, k string) uint32 { return tb.add([]byte(k), tb.hash([]byte(k))) }
	for i := range 100000 {
		if n := add(names, fmt.Sprintf("name-%d.example", i)); n != uint32(i+1) {
			t.Fatalf("name %d numbered %d", i, n)
		}
	}
	if n := names.lookup([]byte("NAME-77.EXAMPLE"), names.hash([]byte("NAME-77.EXAMPLE"))); n != 78 {
		t.Fatalf("case-insensitive lookup: %d", n)
	}
	if add(names, "name-77.Example") != 78 || names.count != 100000 {
		t.Fatal("a name added twice")
	}
	if names.lookup([]byte("name-77.exampl@"), names.hash([]byte("name-77.exampl@"))) != 0 {
		t.Fatal("found what is not there")
	}
	if add(names, strings.Repeat("x", 256)) != 0 || add(names, "") != 0 {
		t.Fatal("names over 255 bytes or empty are refused")
	}
	long := strings.Repeat("y", 255)
	if n := add(names, long); n != 100001 || !names.filter.mayHave([]byte(long)) {
		t.Fatal("a 255-byte name")
	}
	i := uint32(0)
	_ = names.each(func(k []byte, n uint32) error {
		i++
		if n != i {
			t.Fatalf("each: %d after %d", n, i-1)
		}
		return nil
	})
	if i != 100001 {
		t.Fatalf("each saw %d", i)
	}
	ip6 := newSymtab(16, maphash.MakeSeed(), nil)
	k := make([]byte, 16)
	for i := range 70000 {
		k[15], k[14], k[13] = byte(i), byte(i>>8), byte(i>>16)
		if n := ip6.add(k, ip6.hash(k)); n != uint32(i+1) {
			t.Fatalf("address %d numbered %d", i, n)
		}
	}
	k[15], k[14], k[13] = 5, 0, 0
	if ip6.lookup(k, ip6.hash(k)) != 6 {
		t.Fatal("address lookup")
	}
}

// TestObfuscatorFull checks that identifiers past a full table are still hidden, all behind the
// stand-in that says "one of too many", and that the mapping holds only those numbered.
func TestObfuscatorFull(t *testing.T) {
	o := NewObfuscator()
	for _, tb := range []*symtab{o.hosts, o.users, o.ip4, o.ip6} {
		tb.maxKeys = 2
	}
	in := "10.1.1.1 10.1.1.2 10.1.1.3 [2a00::1] [2a00::2] [2a00::3] https://a1.corp.example https://a2.corp.example https://a3.corp.example /home/u1/ /home/u2/ /home/u3/"
	got := string(o.Bytes([]byte(in)))
	want := "240.0.0.1 240.0.0.2 240.0.0.0 [2001:db8::1] [2001:db8::2] [2001:db8::] https://host1 https://host2 https://host0 /home/user1/ /home/user2/ /home/user0/"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if m := o.Mapping(); len(m.IPs) != 4 || len(m.Hosts) != 2 || len(m.Users) != 2 {
		t.Fatalf("mapping %+v", m)
	}
	if again := string(o.Bytes([]byte(got))); again != got {
		t.Fatalf("obfuscating twice: %q", again)
	}
}
