package redact

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"io"
	"net/netip"
	"strconv"
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
// across one bundle, so that a bundle can leave a customer's network without naming its
// machines. The mapping back to the real names is for the customer only: write it beside the
// bundle, never inside.
//
// Stand-ins come from spaces no real identifier uses, so that a stand-in is never taken for an
// identifier and obfuscated again: host1, host2… and user1… for names; 240.0.0.1… (240.0.0.0/4,
// reserved) for IPv4 and 2001:db8::1… (the documentation prefix) for IPv6. Text already in those
// shapes is left as it is, and so are loopback, unspecified, broadcast and multicast addresses,
// localhost, Celigo's own hosts and system accounts (root, SYSTEM…): they identify nobody and
// matter for diagnosis.
//
// Identifiers are recognised by their shape (IPv4 and IPv6 addresses) or their position: the
// host of a URL, the value of a host key (host=, "hostname":, Server=, Data Source=), the user
// folder of a home path (/home/NAME, C:\Users\NAME, also JSON-escaped). A host name seen in
// such a position is then replaced wherever it appears as a word, unless it is an ordinary word
// (letters only, such as "intranet" or "SQLPROD"), which is replaced only where its position says
// it is a name; a user name likewise, unless it is a common word also used for accounts ("agent",
// "service"). Names given to Host and User are replaced everywhere. A value of a host key that
// names software ("Server: nginx/1.18") or stands for nothing ("host=unknown") is no host.
//
// Use Learner on every text first and NewWriter afterwards, so that a name learned anywhere is
// replaced everywhere, also before the place it was learned. Memory is a few tens of bytes per
// distinct identifier (a million addresses take about 30 MiB), with at most 4 Mi identifiers of
// each kind; beyond that, new ones all get the stand-in host0, user0, 240.0.0.0 or 2001:db8::.
// It is safe for concurrent use; lookups of known identifiers take no lock.
type Obfuscator struct {
	mu    sync.Mutex // held to add to the tables
	hosts *symtab
	users *symtab
	ip4   *symtab
	ip6   *symtab
	// Names given to Host and User, replaced even when they are ordinary words.
	explicitHosts *symtab
	explicitUsers *symtab
}

// Mapping is what each stand-in stands for, per kind.
type Mapping struct {
	Hosts map[string]string `json:"hosts"`
	IPs   map[string]string `json:"ips"`
	Users map[string]string `json:"users"`
}

// NewObfuscator returns an Obfuscator with no names yet.
func NewObfuscator() *Obfuscator {
	seed := maphash.MakeSeed()
	names, explicit := &nameFilter{}, &nameFilter{}
	return &Obfuscator{
		hosts: newSymtab(0, seed, names), users: newSymtab(0, seed, names),
		ip4: newSymtab(4, seed, nil), ip6: newSymtab(16, seed, nil),
		explicitHosts: newSymtab(0, seed, explicit), explicitUsers: newSymtab(0, seed, explicit),
	}
}

// keptHosts are never replaced; a name under one of the domains is kept too.
var keptHosts = []string{"localhost", "localdomain", "integrator.io", "celigo.com"}

// keptUsers are accounts every machine has.
var keptUsers = map[string]bool{
	"root": true, "system": true, "localsystem": true, "localservice": true, "networkservice": true,
	"local service": true, "network service": true, "public": true, "default": true, "default user": true,
	"all users": true, "administrator": true, "admin": true, "nobody": true, "shared": true,
}

// notHosts are values of host keys that are not host names: placeholders, and the software names
// an HTTP Server header gives.
var notHosts = map[string]bool{
	"unknown": true, "undefined": true, "null": true, "none": true, "nil": true, "true": true, "false": true,
	"default": true, "any": true, "all": true, "auto": true, "local": true, "n": true, "na": true,
	"nginx": true, "apache": true, "kestrel": true, "cloudflare": true, "envoy": true, "iis": true,
	"microsoft-iis": true, "microsoft-httpapi": true, "gws": true, "amazons3": true, "awselb": true,
	"openresty": true, "jetty": true, "gunicorn": true, "istio-envoy": true, "caddy": true,
}

func keptHost(h []byte) bool {
	h = bytes.TrimSuffix(h, []byte("."))
	for _, k := range keptHosts {
		if len(h) >= len(k) && bytes.EqualFold(h[len(h)-len(k):], []byte(k)) &&
			(len(h) == len(k) || h[len(h)-len(k)-1] == '.') {
			return true
		}
	}
	return false
}

// isStandIn reports whether name has the shape of a name stand-in: prefix followed by digits.
func isStandIn(name []byte, prefix string) bool {
	if len(name) <= len(prefix) || !bytes.EqualFold(name[:len(prefix)], []byte(prefix)) {
		return false
	}
	for _, c := range name[len(prefix):] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// Host returns the stand-in for a host name (or an IP address), registering it. A name given
// here is replaced everywhere it appears as a word, even when it is an ordinary word.
func (o *Obfuscator) Host(name string) string {
	if ip, ok := parseAddr([]byte(strings.Trim(name, "[]"))); ok {
		if s, ok := o.ipStandIn(ip); ok {
			return s
		}
		return name
	}
	b := []byte(strings.TrimSuffix(name, "."))
	if len(b) == 0 || keptHost(b) || isStandIn(b, "host") {
		return name
	}
	o.explicit(o.explicitHosts, b)
	return string(appendNameStandIn(nil, "host", o.number(o.hosts, b)))
}

// User returns the stand-in for a user name, registering it. A DOMAIN\user name keeps no domain.
// A name given here is replaced everywhere it appears as a word.
func (o *Obfuscator) User(name string) string {
	if i := strings.LastIndexByte(name, '\\'); i >= 0 {
		name = name[i+1:]
	}
	b := []byte(name)
	if len(b) == 0 || keptUsers[strings.ToLower(name)] || isStandIn(b, "user") {
		return name
	}
	o.explicit(o.explicitUsers, b)
	return string(appendNameStandIn(nil, "user", o.number(o.users, b)))
}

// IP returns the stand-in for an IP address; addresses that are kept are returned as they are.
func (o *Obfuscator) IP(addr string) string {
	ip, ok := parseAddr([]byte(strings.Trim(addr, "[]")))
	if !ok {
		return addr
	}
	if s, ok := o.ipStandIn(ip); ok {
		return s
	}
	return addr
}

func (o *Obfuscator) ipStandIn(ip netip.Addr) (string, bool) {
	if keptAddr(ip) {
		return "", false
	}
	if ip.Is4() {
		k := ip.As4()
		return string(appendIP4StandIn(nil, o.number(o.ip4, k[:]))), true
	}
	k := ip.As16()
	return string(appendIP6StandIn(nil, o.number(o.ip6, k[:]))), true
}

func (o *Obfuscator) explicit(t *symtab, name []byte) {
	h := t.hash(name)
	o.mu.Lock()
	t.add(name, h)
	o.mu.Unlock()
}

// number returns the stand-in number of key in t, registering it; 0 when t is full.
func (o *Obfuscator) number(t *symtab, key []byte) uint32 {
	h := t.hash(key)
	if n := t.lookup(key, h); n != 0 {
		return n
	}
	return o.add(t, key, h)
}

// add registers key, which a lookup did not find, and returns its number.
func (o *Obfuscator) add(t *symtab, key []byte, h uint32) uint32 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return t.add(key, h)
}

// parseAddr parses an IPv4 or IPv6 address (an IPv4-mapped IPv6 address as IPv4).
func parseAddr(b []byte) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(string(b))
	if err != nil || ip.Zone() != "" {
		return netip.Addr{}, false
	}
	return ip.Unmap(), true
}

// keptAddr reports the addresses that identify nobody: loopback, unspecified, broadcast,
// multicast, and the reserved ranges stand-ins come from.
func keptAddr(ip netip.Addr) bool {
	if ip.IsLoopback() || ip.IsUnspecified() || ip.IsMulticast() {
		return true
	}
	if ip.Is4() {
		a := ip.As4()
		return a[0] == 0 || a[0] >= 240 // 0/8 "this network"; 240/4 reserved, stand-ins, broadcast
	}
	a := ip.As16()
	return a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8 // 2001:db8::/32
}

func appendNameStandIn(dst []byte, prefix string, n uint32) []byte {
	return strconv.AppendUint(append(dst, prefix...), uint64(n), 10)
}

// appendIP4StandIn appends 240.0.0.0 + n.
func appendIP4StandIn(dst []byte, n uint32) []byte {
	v := 240<<24 | n&(1<<28-1)
	dst = strconv.AppendUint(dst, uint64(v>>24), 10)
	for s := 16; s >= 0; s -= 8 {
		dst = strconv.AppendUint(append(dst, '.'), uint64(v>>s&0xFF), 10)
	}
	return dst
}

// appendIP6StandIn appends 2001:db8:: + n.
func appendIP6StandIn(dst []byte, n uint32) []byte {
	var a [16]byte
	a[0], a[1], a[2], a[3] = 0x20, 0x01, 0x0d, 0xb8
	binary.BigEndian.PutUint32(a[12:], n)
	return netip.AddrFrom16(a).AppendTo(dst)
}

// Mapping returns a copy of the stand-ins given so far. It holds every identifier in memory as
// strings: for a large mapping, use WriteMapping.
func (o *Obfuscator) Mapping() Mapping {
	m := Mapping{Hosts: map[string]string{}, IPs: map[string]string{}, Users: map[string]string{}}
	_ = o.eachMapping(func(kind, standIn, orig string) error {
		switch kind {
		case "hosts":
			m.Hosts[standIn] = orig
		case "ips":
			m.IPs[standIn] = orig
		default:
			m.Users[standIn] = orig
		}
		return nil
	})
	return m
}

// eachMapping calls fn for every stand-in given, kind by kind ("hosts", "ips", "users"), in the
// order they were given.
func (o *Obfuscator) eachMapping(fn func(kind, standIn, orig string) error) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	var buf []byte
	names := func(kind, prefix string, t *symtab) error {
		return t.each(func(k []byte, n uint32) error {
			buf = appendNameStandIn(buf[:0], prefix, n)
			return fn(kind, string(buf), string(k))
		})
	}
	if err := names("hosts", "host", o.hosts); err != nil {
		return err
	}
	if err := o.ip4.each(func(k []byte, n uint32) error {
		buf = appendIP4StandIn(buf[:0], n)
		return fn("ips", string(buf), netip.AddrFrom4([4]byte(k)).String())
	}); err != nil {
		return err
	}
	if err := o.ip6.each(func(k []byte, n uint32) error {
		buf = appendIP6StandIn(buf[:0], n)
		return fn("ips", string(buf), netip.AddrFrom16([16]byte(k)).String())
	}); err != nil {
		return err
	}
	return names("users", "user", o.users)
}

// WriteMapping writes the mapping as one indented JSON object, streaming, in the order the
// stand-ins were given: {"bundle": bundle, "note": note, "hosts": {…}, "ips": {…}, "users": {…}};
// bundle and note are left out when empty. Memory stays small whatever the number of
// identifiers.
func (o *Obfuscator) WriteMapping(w io.Writer, bundle, note string) error {
	bw := &errWriter{w: w}
	bw.str("{")
	sep := "\n"
	for _, kv := range [][2]string{{"bundle", bundle}, {"note", note}} {
		if kv[1] != "" {
			bw.str(sep + "  " + quote(kv[0]) + ": " + quote(kv[1]))
			sep = ",\n"
		}
	}
	kind, n := "", 0
	err := o.eachMapping(func(k, standIn, orig string) error {
		for k != kind {
			bw.close(kind, n)
			kind, n = nextKind(kind), 0
			bw.str(sep + "  " + quote(kind) + ": {")
			sep = ",\n"
		}
		if n > 0 {
			bw.str(",")
		}
		bw.str("\n    " + quote(standIn) + ": " + quote(orig))
		n++
		return bw.err
	})
	if err != nil {
		return err
	}
	for kind != "users" {
		bw.close(kind, n)
		kind, n = nextKind(kind), 0
		bw.str(sep + "  " + quote(kind) + ": {")
		sep = ",\n"
	}
	bw.close(kind, n)
	bw.str("\n}\n")
	return bw.err
}

func nextKind(k string) string {
	switch k {
	case "":
		return "hosts"
	case "hosts":
		return "ips"
	}
	return "users"
}

func quote(s string) string { return string(appendJSONString(nil, s)) }

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) str(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
	}
}

// close ends the object of kind, if one was opened.
func (e *errWriter) close(kind string, n int) {
	switch {
	case kind == "":
	case n == 0:
		e.str("}")
	default:
		e.str("\n  }")
	}
}

// Obfuscate makes every Writer created from now on obfuscate with o as well as redact, in the
// same pass: a name is replaced from the place it is first seen on, and a secret shaped like an
// address, removed by a redaction rule, may still be numbered in the mapping. An engine that
// spools entries uses Learner and NewWriter on the redacted bytes instead, so that names are
// replaced everywhere and only what is left after redaction is learned.
func (r *Redactor) Obfuscate(o *Obfuscator) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.obf = o
}

// Bytes returns p with every identifier known or recognised replaced, those it names anywhere
// included: p is learned from first, then replaced (for text opadiag generates itself from what
// was already redacted, such as the manifest).
func (o *Obfuscator) Bytes(p []byte) []byte {
	l := obfScanner{o: o, mode: obfLearn}
	l.reset()
	l.scan(p, 0, len(p), true)
	s := obfScanner{o: o, mode: obfReplace, counts: Counts{}}
	s.reset()
	end := s.scan(p, 0, len(p), true)
	return s.flush(p, end)
}

// obfuscationRules adapts the obfuscator to the redaction Writer's rules (see
// [Redactor.Obfuscate]); they come after the redaction rules so that a secret is removed rather
// than renamed.
func obfuscationRules(o *Obfuscator) []rule {
	return []rule{&obfRule{o: o}}
}

// obfRule finds the identifiers of a whole window once, then hands them out in order.
type obfRule struct {
	o     *Obfuscator
	s     *scan
	found []obfMatch
	next0 int
}

func (r *obfRule) next(s *scan, from, min int) (match, int, bool) {
	if r.s != s {
		r.s = s
		sc := obfScanner{o: r.o, mode: obfFind}
		sc.reset()
		sc.scan(s.buf, 0, len(s.buf), s.final)
		r.found, r.next0 = sc.found, 0
	}
	from = max(from, min)
	for i := r.next0; i < len(r.found); i++ {
		f := r.found[i]
		if f.start < from {
			r.next0 = i + 1
			continue
		}
		return match{start: f.start, end: f.end, repl: r.o.standIn(f), rule: f.rule}, f.end, true
	}
	return match{}, len(s.buf), false
}
