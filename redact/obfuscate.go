package redact

import (
	"bytes"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
)

// Names of the obfuscation rules, counted like the redaction rules.
const (
	RuleHost = "obfuscated_host" // host names: the machine's, URL hosts, host=/server= values
	RuleIP   = "obfuscated_ip"   // IPv4 and IPv6 addresses
	RuleUser = "obfuscated_user" // user names: the runner's, and those in home-folder paths
)

// Obfuscator replaces host names, IP addresses and user names with stand-ins that stay the same
// across one bundle (host1, 10.0.0.1, user1), so that a bundle can leave a customer's network
// without naming its machines. The mapping back to the real names is for the customer only: write
// it beside the bundle, never inside. Loopback addresses, localhost, Celigo's own hosts and
// system accounts (root, SYSTEM…) are kept: they identify nobody and matter for diagnosis.
// It is safe for concurrent use.
type Obfuscator struct {
	mu    sync.Mutex
	hosts map[string]string // lowercase original -> stand-in
	ips   map[string]string
	users map[string]string
	back  Mapping
	count map[string]int // stand-ins given, per kind: "host", "user", "ip4", "ip6"
}

// Mapping is what each stand-in stands for, per kind.
type Mapping struct {
	Hosts map[string]string `json:"hosts"`
	IPs   map[string]string `json:"ips"`
	Users map[string]string `json:"users"`
}

// NewObfuscator returns an Obfuscator with no names yet.
func NewObfuscator() *Obfuscator {
	return &Obfuscator{
		hosts: map[string]string{}, ips: map[string]string{}, users: map[string]string{},
		back:  Mapping{Hosts: map[string]string{}, IPs: map[string]string{}, Users: map[string]string{}},
		count: map[string]int{},
	}
}

// keptHosts are never replaced; a name under one of the domains is kept too.
var keptHosts = []string{"localhost", "integrator.io", "celigo.com"}

// keptUsers are accounts every machine has.
var keptUsers = map[string]bool{
	"root": true, "system": true, "localsystem": true, "localservice": true, "networkservice": true,
	"local service": true, "network service": true, "public": true, "default": true, "default user": true,
	"all users": true, "administrator": true, "admin": true, "nobody": true,
}

func keptHost(h string) bool {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	for _, k := range keptHosts {
		if h == k || strings.HasSuffix(h, "."+k) {
			return true
		}
	}
	return false
}

// Host returns the stand-in for a host name (or an IP address), registering it.
func (o *Obfuscator) Host(name string) string {
	if ip := net.ParseIP(strings.Trim(name, "[]")); ip != nil {
		return o.IP(name)
	}
	if name == "" || keptHost(name) {
		return name
	}
	return o.standIn(o.hosts, o.back.Hosts, "host", strings.ToLower(name), name, func(n int) string { return fmt.Sprintf("host%d", n) })
}

// User returns the stand-in for a user name, registering it. A DOMAIN\user name keeps no domain.
func (o *Obfuscator) User(name string) string {
	if i := strings.LastIndexAny(name, `\`); i >= 0 {
		name = name[i+1:]
	}
	if name == "" || keptUsers[strings.ToLower(name)] {
		return name
	}
	return o.standIn(o.users, o.back.Users, "user", strings.ToLower(name), name, func(n int) string { return fmt.Sprintf("user%d", n) })
}

// IP returns the stand-in for an IP address: 10.0.x.y for IPv4, fd00::x for IPv6. Loopback,
// unspecified and broadcast addresses are kept.
func (o *Obfuscator) IP(addr string) string {
	ip := net.ParseIP(strings.Trim(addr, "[]"))
	if ip == nil || ip.IsLoopback() || ip.IsUnspecified() || ip.Equal(net.IPv4bcast) {
		return addr
	}
	if ip.To4() != nil {
		return o.standIn(o.ips, o.back.IPs, "ip4", ip.String(), addr, func(n int) string {
			return fmt.Sprintf("10.0.%d.%d", (n-1)/254, (n-1)%254+1)
		})
	}
	return o.standIn(o.ips, o.back.IPs, "ip6", ip.String(), addr, func(n int) string { return fmt.Sprintf("fd00::%x", n) })
}

func (o *Obfuscator) standIn(m, back map[string]string, kind, key, orig string, name func(int) string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if s, ok := m[key]; ok {
		return s
	}
	o.count[kind]++
	s := name(o.count[kind])
	m[key] = s
	back[s] = orig
	return s
}

// Mapping returns a copy of the stand-ins given so far.
func (o *Obfuscator) Mapping() Mapping {
	o.mu.Lock()
	defer o.mu.Unlock()
	cp := func(m map[string]string) map[string]string {
		out := make(map[string]string, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	return Mapping{Hosts: cp(o.back.Hosts), IPs: cp(o.back.IPs), Users: cp(o.back.Users)}
}

// known returns the registered host and user names, longest first, for literal replacement.
func (o *Obfuscator) known() []obfLiteral {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []obfLiteral
	for k := range o.hosts {
		out = append(out, obfLiteral{[]byte(k), RuleHost})
	}
	for k := range o.users {
		out = append(out, obfLiteral{[]byte(k), RuleUser})
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].low) != len(out[j].low) {
			return len(out[i].low) > len(out[j].low)
		}
		return string(out[i].low) < string(out[j].low)
	})
	return out
}

// Obfuscate makes every Writer created from now on obfuscate with o as well as redact.
func (r *Redactor) Obfuscate(o *Obfuscator) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.obf = o
}

// Bytes returns p with only the obfuscation rules applied (for text opadiag generates itself
// from what was already redacted, such as the manifest).
func (o *Obfuscator) Bytes(p []byte) []byte {
	var out bytesBuffer
	w := &Writer{dst: &out, rules: obfuscationRules(o), counts: Counts{}}
	_ = w.all(p) // a bytesBuffer does not fail
	return out.b
}

// obfuscationRules are the rules that replace names; they come after the redaction rules so
// that a secret is removed rather than renamed.
func obfuscationRules(o *Obfuscator) []rule {
	var rs []rule
	for _, l := range o.known() {
		rs = append(rs, obfLiteralRule{o, l})
	}
	return append(rs, urlHostRule{o}, hostKeyRule{o}, homePathRule{o}, ipv4Rule{o}, ipv6Rule{o})
}

// obfLiteral is a registered name, lowercase.
type obfLiteral struct {
	low  []byte
	rule string
}

// obfLiteralRule replaces a known name wherever it stands as a word, in any case.
type obfLiteralRule struct {
	o *Obfuscator
	l obfLiteral
}

func isNameChar(c byte) bool { return isAlnum(c) || c == '_' || c == '-' }

func (r obfLiteralRule) next(s *scan, from, min int) (match, int, bool) {
	from = max(from, min)
	for {
		i := bytes.Index(s.low[from:], r.l.low)
		if i < 0 {
			return match{}, len(s.buf), false
		}
		i += from
		from = i + 1
		end := i + len(r.l.low)
		if i > 0 && isNameChar(s.buf[i-1]) || end < len(s.buf) && isNameChar(s.buf[end]) {
			continue
		}
		orig := string(s.buf[i:end])
		var repl string
		if r.l.rule == RuleUser {
			repl = r.o.User(orig)
		} else {
			repl = r.o.Host(orig)
		}
		return match{start: i, end: end, repl: repl, rule: r.l.rule}, from, true
	}
}

func isHostChar(c byte) bool { return isAlnum(c) || c == '-' || c == '.' || c == '_' }

// hostMatch replaces the host name at b[i:] (ending at the first non-host byte), if it is one.
func hostMatch(o *Obfuscator, s *scan, i int) (match, bool) {
	end := span(s.buf, i, 253, isHostChar)
	name := strings.TrimRight(string(s.buf[i:end]), ".")
	end = i + len(name)
	if name == "" || net.ParseIP(name) != nil || keptHost(name) || !strings.ContainsAny(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		return match{}, false
	}
	if strings.HasPrefix(name, "host") && o.isStandIn(name) {
		return match{}, false
	}
	return match{start: i, end: end, repl: o.Host(name), rule: RuleHost}, true
}

func (o *Obfuscator) isStandIn(name string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.back.Hosts[name]
	if !ok {
		_, ok = o.back.Users[name]
	}
	return ok
}

// urlHostRule replaces the host of scheme://[user@]host.
type urlHostRule struct{ o *Obfuscator }

func (r urlHostRule) next(s *scan, from, min int) (match, int, bool) {
	b := s.buf
	from = max(from, min-1100)
	for {
		i := indexSchemeSep(b, from)
		if i < 0 {
			return match{}, len(b), false
		}
		from = i + 1
		h := i + len(schemeSep)
		if at := span(b, h, 1024, isUserinfo); at < len(b) && b[at] == '@' {
			h = at + 1
		}
		if h < min {
			continue
		}
		if m, ok := hostMatch(r.o, s, h); ok {
			return m, from, true
		}
	}
}

// hostKeys are keys whose value is a host: host=db01, "hostname": "srv", Server=db01 (ODBC).
var hostKeys = [][]byte{[]byte("hostname"), []byte("host"), []byte("server"), []byte("data source")}

// hostKeyRule replaces the value of a host key.
type hostKeyRule struct{ o *Obfuscator }

func (r hostKeyRule) next(s *scan, from, min int) (match, int, bool) {
	from = max(from, min-32)
	for {
		v, key := hostKeyValue(s, from)
		if v < 0 {
			return match{}, len(s.buf), false
		}
		from = key + 1
		if v < min {
			continue
		}
		if m, ok := hostMatch(r.o, s, v); ok {
			return m, from, true
		}
	}
}

// hostKeyValue returns where the value of the first host key at or after from starts, and
// where the key starts; -1 when there is none.
func hostKeyValue(s *scan, from int) (int, int) {
	best, bestKey := -1, -1
	for _, k := range hostKeys {
		for at := from; ; {
			i := bytes.Index(s.low[at:], k)
			if i < 0 || best >= 0 && at+i >= bestKey {
				break
			}
			i += at
			at = i + 1
			if i > 0 && isAlnum(s.buf[i-1]) {
				continue
			}
			j := span(s.buf, i+len(k), 3, func(c byte) bool { return c == '"' || c == '\'' })
			j = span(s.buf, j, 4, isSpace)
			if j >= len(s.buf) || s.buf[j] != '=' && s.buf[j] != ':' {
				continue
			}
			j = span(s.buf, j+1, 4, isSpace)
			j = span(s.buf, j, 1, func(c byte) bool { return c == '"' || c == '\'' })
			best, bestKey = j, i
			break
		}
	}
	return best, bestKey
}

// homePathRule replaces the user name in /home/NAME and C:\Users\NAME.
type homePathRule struct{ o *Obfuscator }

var homeDirs = [][]byte{[]byte("/home/"), []byte(`\users\`), []byte("/users/")}

func (r homePathRule) next(s *scan, from, min int) (match, int, bool) {
	from = max(from, min-8)
	for {
		best := -1
		for _, d := range homeDirs {
			if i := bytes.Index(s.low[from:], d); i >= 0 && (best < 0 || from+i+len(d) < best) {
				best = from + i + len(d)
			}
		}
		if best < 0 {
			return match{}, len(s.buf), false
		}
		from = best
		end := span(s.buf, best, 64, func(c byte) bool { return isNameChar(c) || c == '.' || c == ' ' })
		name := strings.TrimRight(string(s.buf[best:end]), " .")
		if name != "" && best >= min && !keptUsers[strings.ToLower(name)] && !r.o.isStandIn(name) {
			return match{start: best, end: best + len(name), repl: r.o.User(name), rule: RuleUser}, best, true
		}
	}
}

// ipv4Rule replaces dotted-quad IPv4 addresses.
type ipv4Rule struct{ o *Obfuscator }

func (r ipv4Rule) next(s *scan, from, min int) (match, int, bool) {
	b := s.buf
	from = max(from, min)
	for i := from; i < len(b); i++ {
		if !isDigit(b[i]) || i > 0 && (isDigit(b[i-1]) || b[i-1] == '.' || isAlpha(b[i-1])) {
			continue
		}
		end := span(b, i, 15, func(c byte) bool { return isDigit(c) || c == '.' })
		if end < len(b) && (isAlnum(b[end]) || b[end] == '.' && end+1 < len(b) && isDigit(b[end+1])) {
			i = end
			continue
		}
		cand := string(b[i:end])
		if strings.Count(cand, ".") == 3 {
			if ip := net.ParseIP(cand); ip != nil && ip.To4() != nil {
				if repl := r.o.IP(cand); repl != cand {
					return match{start: i, end: end, repl: repl, rule: RuleIP}, end, true
				}
			}
		}
		i = end
	}
	return match{}, len(b), false
}

// ipv6Rule replaces IPv6 addresses ("fe80::1", "2001:db8:0:0:1:0:0:1"); timestamps such as
// 12:08:22 are not addresses and are kept.
type ipv6Rule struct{ o *Obfuscator }

func isIPv6Char(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == ':' || c == '.'
}

func (r ipv6Rule) next(s *scan, from, min int) (match, int, bool) {
	b := s.buf
	from = max(from, min)
	for {
		i := bytes.IndexByte(b[from:], ':')
		if i < 0 {
			return match{}, len(b), false
		}
		i += from
		start := i
		for start > from && isIPv6Char(b[start-1]) {
			start--
		}
		end := span(b, i, 64, isIPv6Char)
		from = end
		if start > 0 && isNameChar(b[start-1]) || end < len(b) && isNameChar(b[end]) {
			continue
		}
		cand := strings.TrimRight(string(b[start:end]), ".:")
		if strings.Count(cand, ":") < 2 {
			continue
		}
		ip := net.ParseIP(cand)
		if ip == nil || ip.To4() != nil {
			continue
		}
		if repl := r.o.IP(cand); repl != cand {
			return match{start: start, end: start + len(cand), repl: repl, rule: RuleIP}, end, true
		}
	}
}
