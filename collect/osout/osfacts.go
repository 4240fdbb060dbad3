package osout

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file reads OS facts from what the OS prints or stores: /etc/os-release,
// /proc/<pid>/limits, DMI product names, PATH, syslog and kernel lines. It is untagged so Linux
// CI tests it.

// ParseOSRelease reads /etc/os-release (KEY=value, values optionally quoted with shell escapes).
func ParseOSRelease(r io.Reader) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			q := v[0]
			v = v[1 : len(v)-1]
			if q == '"' {
				r := strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\$`, `$`, "\\`", "`")
				v = r.Replace(v)
			}
		}
		out[k] = v
	}
	return out
}

// Limit is one row of /proc/<pid>/limits: soft and hard values as printed ("unlimited" or a
// number).
type Limit struct {
	Soft  string
	Hard  string
	Units string
}

var limitLine = regexp.MustCompile(`^(.+?)\s{2,}(\S+)\s+(\S+)\s*(\S*)\s*$`)

// ParseLimits reads /proc/<pid>/limits into rows keyed by their name ("Max open files").
func ParseLimits(r io.Reader) map[string]Limit {
	out := map[string]Limit{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Limit ") {
			continue
		}
		m := limitLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		out[strings.TrimSpace(m[1])] = Limit{Soft: m[2], Hard: m[3], Units: m[4]}
	}
	return out
}

// IsWindowsServer2012R2 tells from the OS name and version go-sysinfo reports whether this is
// Windows Server 2012 R2 (version 6.3, a Server product): Celigo supports only agent 4.3.0 there.
func IsWindowsServer2012R2(name, version string) bool {
	n := strings.ToLower(name)
	if strings.Contains(n, "server 2012 r2") {
		return true
	}
	return strings.Contains(n, "server") && (version == "6.3" || strings.HasPrefix(version, "6.3."))
}

var instanceType = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)

// CloudInstance tells the cloud and instance type from the firmware's vendor and product name
// (DMI sys_vendor and product_name on Linux, the BIOS SystemManufacturer and SystemProductName
// on Windows). On EC2 Nitro instances the product name is the instance type ("t3.micro"); Xen
// ones say "HVM domU" and do not tell it.
func CloudInstance(vendor, product string) (cloud, itype string) {
	v, p := strings.ToLower(strings.TrimSpace(vendor)), strings.TrimSpace(product)
	switch {
	case strings.Contains(v, "amazon") || strings.HasPrefix(strings.ToLower(p), "hvm domu") && strings.Contains(v, "xen"):
		cloud = "aws"
	case strings.Contains(v, "microsoft") && strings.EqualFold(p, "Virtual Machine"):
		cloud = "azure"
	case strings.Contains(v, "google"):
		cloud = "gcp"
	}
	if cloud == "aws" && instanceType.MatchString(strings.ToLower(p)) {
		itype = strings.ToLower(p)
	}
	return cloud, itype
}

// PathFacts describes a Windows PATH value.
type PathFacts struct {
	Entries     []string
	HasSystem32 bool
	Empty       int      // empty entries (";;"), a sign of a damaged PATH
	Unexpanded  []string // entries still holding %VARIABLE% after expansion
}

// AnalyzeWindowsPath splits a PATH value and checks that the system folder (System32 of
// systemRoot, written literally or as %SystemRoot%\System32 or %windir%\system32) is on it.
func AnalyzeWindowsPath(value, systemRoot string) PathFacts {
	var f PathFacts
	if systemRoot == "" {
		systemRoot = `C:\Windows`
	}
	want := strings.ToLower(strings.TrimRight(systemRoot, `\`) + `\system32`)
	parts := strings.Split(value, ";")
	for i, p := range parts {
		p = strings.TrimSpace(strings.Trim(p, `"`))
		if p == "" {
			if i != len(parts)-1 { // a final ';' is common and harmless
				f.Empty++
			}
			continue
		}
		f.Entries = append(f.Entries, p)
		l := strings.TrimRight(strings.ToLower(p), `\`)
		switch l {
		case want, `%systemroot%\system32`, `%windir%\system32`:
			f.HasSystem32 = true
		}
		if strings.Count(p, "%") >= 2 {
			f.Unexpanded = append(f.Unexpanded, p)
		}
	}
	return f
}

var (
	syslogRFC3339 = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\s`)
	syslogBSD     = regexp.MustCompile(`^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})\s`)
)

// SyslogTime reads the timestamp a syslog line starts with: RFC 3339 (rsyslog's high-precision
// format) or the traditional "Jul 29 10:15:32", which has no year: it is taken as the latest
// such moment not after now, in now's location.
func SyslogTime(line string, now time.Time) (time.Time, bool) {
	if m := syslogRFC3339.FindStringSubmatch(line); m != nil {
		ts := m[1]
		if n := len(ts); n >= 5 && (ts[n-5] == '+' || ts[n-5] == '-') {
			ts = ts[:n-2] + ":" + ts[n-2:]
		}
		t, err := time.Parse(time.RFC3339Nano, ts)
		return t, err == nil
	}
	m := syslogBSD.FindStringSubmatch(line)
	if m == nil {
		return time.Time{}, false
	}
	mon, err := time.Parse("Jan", m[1])
	if err != nil {
		return time.Time{}, false
	}
	day, _ := strconv.Atoi(m[2])
	h, _ := strconv.Atoi(m[3])
	mi, _ := strconv.Atoi(m[4])
	s, _ := strconv.Atoi(m[5])
	t := time.Date(now.Year(), mon.Month(), day, h, mi, s, 0, now.Location())
	if t.After(now.Add(24 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return t, true
}

// oomMarks are what the kernel logs when the OOM killer acts.
var oomMarks = []string{"out of memory: kill", "oom-kill:", "invoked oom-killer", "memory cgroup out of memory", "oom_reaper: reaped"}

// KernelMessage returns a kernel log line without the prefixes that differ between where it was
// read: syslog's "Jul 29 03:41:55 host kernel: [152001.114020] ", dmesg's ISO time. The same
// kernel message read from syslog and from dmesg gives the same text.
func KernelMessage(line string) string {
	if i := strings.Index(line, "] "); i >= 0 && strings.Contains(line[:i], "[") {
		return strings.TrimSpace(line[i+2:])
	}
	if i := strings.IndexByte(line, ' '); i >= 0 && len(line) > 10 && line[4] == '-' && line[10] == 'T' {
		return strings.TrimSpace(line[i+1:])
	}
	return strings.TrimSpace(line)
}

// IsOOMLine reports whether a kernel or syslog line is the OOM killer's.
func IsOOMLine(line string) bool {
	l := strings.ToLower(line)
	for _, m := range oomMarks {
		if strings.Contains(l, m) {
			return true
		}
	}
	return false
}

// JavaVersion reads `java -version` output (printed on stderr): the quoted version of its first
// line ("17.0.9", "1.8.0_392") and the major version (17, 8).
func JavaVersion(out string) (version string, major int) {
	for _, line := range strings.Split(out, "\n") {
		i := strings.Index(line, `version "`)
		if i < 0 {
			continue
		}
		rest := line[i+len(`version "`):]
		end := strings.IndexByte(rest, '"')
		if end < 0 {
			continue
		}
		version = rest[:end]
		parts := strings.FieldsFunc(version, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' })
		if len(parts) > 0 {
			major, _ = strconv.Atoi(parts[0])
			if major == 1 && len(parts) > 1 {
				major, _ = strconv.Atoi(parts[1])
			}
		}
		return version, major
	}
	return "", 0
}

// ParseLdconfig reads `ldconfig -p` output and returns the paths of the libraries whose name
// starts with prefix ("libclntsh").
func ParseLdconfig(r io.Reader, prefix string) []string {
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		if _, p, ok := strings.Cut(line, "=> "); ok {
			out = append(out, strings.TrimSpace(p))
		}
	}
	return out
}
