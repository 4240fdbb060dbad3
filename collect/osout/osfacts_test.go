package osout

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseOSRelease(t *testing.T) {
	tests := []struct {
		file string
		want map[string]string // a subset
	}{
		{"os-release/debian12", map[string]string{"PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)", "ID": "debian", "VERSION_ID": "12", "VERSION_CODENAME": "bookworm"}},
		{"os-release/ubuntu2204", map[string]string{"PRETTY_NAME": "Ubuntu 22.04.4 LTS", "ID_LIKE": "debian", "VERSION": "22.04.4 LTS (Jammy Jellyfish)"}},
		{"os-release/amzn2023", map[string]string{"ID": "amzn", "PRETTY_NAME": "Amazon Linux 2023.5.20240722", "SUPPORT_END": "2028-03-15"}},
		{"os-release/escaped", map[string]string{"NAME": "Single Quoted", "PRETTY_NAME": `Say "hi" $HOME \o/`, "EMPTY": ""}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			got := ParseOSRelease(open(t, tt.file))
			for k, v := range tt.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %q (present %v), want %q", k, g, ok, v)
				}
			}
			for k := range got {
				if strings.HasPrefix(k, "#") {
					t.Errorf("comment parsed as key %q", k)
				}
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	got := ParseLimits(open(t, "proc/limits"))
	tests := []struct {
		name string
		want Limit
	}{
		{"Max open files", Limit{Soft: "1024", Hard: "524288", Units: "files"}},
		{"Max cpu time", Limit{Soft: "unlimited", Hard: "unlimited", Units: "seconds"}},
		{"Max nice priority", Limit{Soft: "0", Hard: "0"}},
		{"Max processes", Limit{Soft: "63459", Hard: "63459", Units: "processes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g := got[tt.name]; g != tt.want {
				t.Errorf("got %+v, want %+v", g, tt.want)
			}
		})
	}
	if len(got) != 16 {
		t.Errorf("%d rows, want 16", len(got))
	}
}

func TestParseLimitsOfThisProcess(t *testing.T) {
	f, err := os.Open("/proc/self/limits")
	if err != nil {
		t.Skip("no /proc/self/limits on this system")
	}
	defer f.Close()
	if l := ParseLimits(f)["Max open files"]; l.Soft == "" || l.Hard == "" {
		t.Errorf("Max open files = %+v", l)
	}
}

func TestIsWindowsServer2012R2(t *testing.T) {
	tests := []struct {
		name, os, version string
		want              bool
	}{
		{"by name", "Windows Server 2012 R2 Standard", "6.3", true},
		{"by version", "Windows Server Datacenter", "6.3", true},
		{"2012 (not R2)", "Windows Server 2012 Standard", "6.2", false},
		{"windows 8.1 is 6.3 too", "Windows 8.1 Pro", "6.3", false},
		{"2019", "Windows Server 2019 Datacenter", "10.0", false},
		{"linux", "Ubuntu", "22.04.4 LTS (Jammy Jellyfish)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsWindowsServer2012R2(tt.os, tt.version); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCloudInstance(t *testing.T) {
	tests := []struct {
		name, vendor, product, cloud, itype string
	}{
		{"nitro t3.micro", "Amazon EC2", "t3.micro", "aws", "t3.micro"},
		{"nitro m5.large", "Amazon EC2", "m5.large", "aws", "m5.large"},
		{"xen t2", "Xen", "HVM domU", "aws", ""},
		{"azure", "Microsoft Corporation", "Virtual Machine", "azure", ""},
		{"gcp", "Google", "Google Compute Engine", "gcp", ""},
		{"bare metal", "Dell Inc.", "PowerEdge R640", "", ""},
		{"hyper-v on premises is not azure", "Microsoft Corporation", "Surface Pro", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cloud, itype := CloudInstance(tt.vendor, tt.product)
			if cloud != tt.cloud || itype != tt.itype {
				t.Errorf("got %q %q", cloud, itype)
			}
		})
	}
}

func TestAnalyzeWindowsPath(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		want   PathFacts
		sysdir string
	}{
		{"healthy", `C:\Windows\system32;C:\Windows;C:\Windows\System32\Wbem;C:\Program Files\Java\jdk-17\bin;`, PathFacts{
			Entries:     []string{`C:\Windows\system32`, `C:\Windows`, `C:\Windows\System32\Wbem`, `C:\Program Files\Java\jdk-17\bin`},
			HasSystem32: true}, `C:\Windows`},
		{"unexpanded registry form", `%SystemRoot%\system32;%SystemRoot%;%JAVA_HOME%\bin`, PathFacts{
			Entries: []string{`%SystemRoot%\system32`, `%SystemRoot%`, `%JAVA_HOME%\bin`}, HasSystem32: true,
			Unexpanded: []string{`%SystemRoot%\system32`, `%SystemRoot%`, `%JAVA_HOME%\bin`}}, `C:\Windows`},
		{"damaged after an update", `C:\Program Files\Celigo Agent;;C:\Windows;;`, PathFacts{
			Entries: []string{`C:\Program Files\Celigo Agent`, `C:\Windows`}, Empty: 2}, `C:\Windows`},
		{"other system root, trailing backslash", `D:\WINNT\System32\;D:\WINNT`, PathFacts{
			Entries: []string{`D:\WINNT\System32\`, `D:\WINNT`}, HasSystem32: true}, `D:\WINNT`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AnalyzeWindowsPath(tt.value, tt.sysdir); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestSyslogTime(t *testing.T) {
	now := time.Date(2025, 7, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		line string
		want time.Time
		ok   bool
	}{
		{"bsd", "Jul 29 03:41:55 opa-01 kernel: x", time.Date(2025, 7, 29, 3, 41, 55, 0, time.UTC), true},
		{"bsd single digit day", "Jul  2 03:41:55 opa-01 kernel: x", time.Date(2025, 7, 2, 3, 41, 55, 0, time.UTC), true},
		{"bsd last year", "Dec 31 23:59:59 opa-01 kernel: x", time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC), true},
		{"rfc3339", "2025-07-29T05:41:55.114020+02:00 opa-01 kernel: x", time.Date(2025, 7, 29, 3, 41, 55, 114020000, time.UTC), true},
		{"rfc3339 compact offset", "2025-07-29T03:41:55+0000 opa-01 kernel: x", time.Date(2025, 7, 29, 3, 41, 55, 0, time.UTC), true},
		{"continuation", "  at foo (bar.js:1:2)", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := SyslogTime(tt.line, now)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("got %v %v, want %v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestIsOOMLine(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "syslog/syslog"))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, l := range strings.Split(string(b), "\n") {
		if IsOOMLine(l) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d OOM lines, want 2", n)
	}
	if IsOOMLine("Jul 29 03:42:05 opa-01 systemd[1]: Started Celigo On-Premise Agent.") {
		t.Error("a plain line counted as OOM")
	}
}

func TestJavaVersion(t *testing.T) {
	tests := []struct {
		name, out, version string
		major              int
	}{
		{"openjdk 17", "openjdk version \"17.0.9\" 2023-10-17\nOpenJDK Runtime Environment (build 17.0.9+9-Debian-1deb12u1)\nOpenJDK 64-Bit Server VM (build 17.0.9+9-Debian-1deb12u1, mixed mode, sharing)\n", "17.0.9", 17},
		{"oracle 8", "java version \"1.8.0_392\"\nJava(TM) SE Runtime Environment (build 1.8.0_392-b08)\n", "1.8.0_392", 8},
		{"with a JAVA_TOOL_OPTIONS line", "Picked up JAVA_TOOL_OPTIONS: -Xmx512m\nopenjdk version \"21\" 2023-09-19\n", "21", 21},
		{"early access", "openjdk version \"22-ea\" 2024-03-19\n", "22-ea", 22},
		{"garbage", "bash: java: command not found", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, m := JavaVersion(tt.out)
			if v != tt.version || m != tt.major {
				t.Errorf("got %q %d", v, m)
			}
		})
	}
}

func TestParseLdconfig(t *testing.T) {
	out := "1482 libs found in cache `/etc/ld.so.cache'\n" +
		"\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1\n" +
		"\tlibclntshcore.so.21.1 (libc6,x86-64) => /usr/lib/oracle/21/client64/lib/libclntshcore.so.21.1\n" +
		"\tlibclntsh.so.21.1 (libc6,x86-64) => /usr/lib/oracle/21/client64/lib/libclntsh.so.21.1\n"
	got := ParseLdconfig(strings.NewReader(out), "libclntsh.so")
	if !reflect.DeepEqual(got, []string{"/usr/lib/oracle/21/client64/lib/libclntsh.so.21.1"}) {
		t.Errorf("got %v", got)
	}
}

func FuzzParseLimits(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "proc/limits"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Fuzz(func(t *testing.T, s string) {
		_ = ParseLimits(strings.NewReader(s))
		_ = ParseOSRelease(strings.NewReader(s))
		_, _ = SyslogTime(s, time.Now())
		_, _ = JavaVersion(s)
	})
}

func TestKernelMessage(t *testing.T) {
	syslog := "Jul 29 03:41:55 opa-01 kernel: [152001.114020] Out of memory: Killed process 20411 (node)"
	dmesg := "2025-07-29T03:41:55,114020+00:00 Out of memory: Killed process 20411 (node)"
	if a, b := KernelMessage(syslog), KernelMessage(dmesg); a != b || a != "Out of memory: Killed process 20411 (node)" {
		t.Fatalf("%q / %q", a, b)
	}
	if got := KernelMessage("plain text"); got != "plain text" {
		t.Fatalf("%q", got)
	}
}
