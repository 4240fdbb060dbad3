package redact

import (
	"bytes"
	"net/netip"
)

// Byte classes of the obfuscation scanner. A run is a maximal sequence of word bytes: letters,
// digits, '.', '-', '_' and non-ASCII bytes; host names, dotted addresses and user names are runs.
const (
	clLower uint8 = 1 << iota
	clUpper
	clDigit
	clDot
	clDash // '-' or '_'
	clHigh // a byte of a non-ASCII UTF-8 character
)

var wordClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = clLower
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = clUpper
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = clDigit
	}
	t['.'] = clDot
	t['-'], t['_'] = clDash, clDash
	for c := 0x80; c < 0x100; c++ {
		t[c] = clHigh
	}
	return t
}()

// ordinary reports whether a run with these classes is shaped like an ordinary word (letters
// only): such a name is replaced only where its position says it is a name.
func ordinary(cls uint8) bool { return cls&^(clLower|clUpper) == 0 }

// Limits of what the scanner looks at; a stream keeps at least obfLookahead bytes after any run
// it starts, so that every identifier is seen whole.
const (
	maxScheme     = 32   // a URL scheme's length
	maxAuthority  = 1024 // user info before a URL's host
	maxHostLen    = 253
	maxUserLen    = 64
	maxIPv6Text   = 64
	maxRun        = 512 // longer runs are no identifiers and are not looked up
	obfLookahead  = 4096
	obfLookbehind = 16
)

type obfMode uint8

const (
	obfLearn   obfMode = iota // register identifiers; no output
	obfReplace                // register and replace, building the output
	obfFind                   // list identifiers found, registering nothing (Redactor.Obfuscate)
)

// obfMatch is an identifier found in obfFind mode.
type obfMatch struct {
	start, end int
	rule       string
	kind       idKind
	key        []byte // the name, or the address's bytes
}

type idKind uint8

const (
	idHost idKind = iota + 1
	idUser
	idIP4
	idIP6
)

// obfScanner finds identifiers in a stream, one window at a time. Positions it must remember
// across windows (where a URL's host or a home path's user starts) are stream offsets.
type obfScanner struct {
	o    *Obfuscator
	mode obfMode
	base int64 // stream offset of the buffer's first byte

	hostAt     int64 // the run starting here is a host: a URL's or a host key's value
	hostStrict bool  // that host comes from an HTTP Server header: it must not be a product name
	userAt     int64 // the run starting here is a home folder's user name
	skipRun    bool  // inside a run too long to be an identifier, begun in an earlier window

	out    []byte // obfReplace: the output so far
	last   int    // obfReplace: buf[:last] is in out
	counts Counts
	found  []obfMatch // obfFind
}

func (s *obfScanner) reset() {
	s.hostAt, s.userAt = -1, -1
}

// flush returns the output with buf[last:end] appended, and starts a new output.
func (s *obfScanner) flush(buf []byte, end int) []byte {
	if s.mode != obfReplace {
		return nil
	}
	out := append(s.out, buf[s.last:end]...)
	s.out, s.last = out[:0], end
	return out
}

// scan looks at every run starting in buf[from:limit], reading up to the end of buf for runs
// and contexts that go on past limit, and returns the offset where it stopped: the end of the
// last run looked at, at least limit. final says nothing follows buf.
func (s *obfScanner) scan(buf []byte, from, limit int, final bool) int {
	i := from
	if s.skipRun {
		for i < len(buf) && wordClass[buf[i]] != 0 {
			i++
		}
		if i == len(buf) && !final {
			return i
		}
		s.skipRun = false
	}
	for i < limit {
		c := buf[i]
		cls := wordClass[c]
		if cls == 0 {
			if c == ':' && i+1 < len(buf) && buf[i+1] == ':' && (i == 0 || !isIPv6Char(buf[i-1])) {
				if end, ok := s.ipv6(buf, i, final); ok {
					i = end
					continue
				}
			}
			i++
			continue
		}
		// A run starts at i.
		j := i + 1
		for j < len(buf) && wordClass[buf[j]] != 0 {
			cls |= wordClass[buf[j]]
			j++
		}
		if j == len(buf) && !final {
			if j-i >= maxRun {
				s.skipRun = true // a run as long as the lookahead: no identifier
				return j
			}
			return i // seen again whole with more input
		}
		i = s.run(buf, i, j, cls, final)
	}
	return i
}

// run handles the run buf[i:j] and returns where scanning goes on.
func (s *obfScanner) run(buf []byte, i, j int, cls uint8, final bool) int {
	abs := s.base + int64(i)
	if abs == s.userAt {
		s.userAt = -1
		if end, ok := s.user(buf, i, final); ok {
			return end
		}
	}
	strictHost := false
	if abs == s.hostAt {
		s.hostAt = -1
		strictHost = s.hostStrict
		if end, ok := s.host(buf, i, j, cls, strictHost); ok {
			return end
		}
	}
	if j-i > maxRun {
		return j
	}
	// Addresses.
	if j < len(buf) && buf[j] == ':' && isHexDigit(buf[i]) {
		if end, ok := s.ipv6(buf, i, final); ok {
			return end
		}
	}
	if cls&^(clDigit|clDot) == 0 {
		if end, ok := s.ipv4(buf, i, j); ok {
			return end
		}
		return j
	}
	// Contexts: a URL's host, a host key's value, a home folder.
	if j+3 <= len(buf) && buf[j] == ':' && buf[j+1] == '/' && buf[j+2] == '/' && j-i <= maxScheme {
		s.urlHost(buf, j+3)
		return j
	}
	if n := j - i; cls&(clLower|clUpper) != 0 && n <= 32 && n >= 4 {
		if hostKeyEnding(buf[j-4:j]) != 0 {
			if v, strict, ok := hostKeyValueAt(buf, i, j); ok {
				s.hostAt, s.hostStrict = s.base+int64(v), strict
				return j
			}
		}
		if (n == 4 || n == 5) && (buf[i]|0x20 == 'h' || buf[i]|0x20 == 'u') {
			if u, ok := homeUserAt(buf, i, j); ok {
				s.userAt = s.base + int64(u)
				return j
			}
		}
	}
	if s.mode == obfLearn {
		return j
	}
	// A known name, anywhere.
	end := j
	for end > i && buf[end-1] == '.' {
		end--
	}
	if end > i && s.known(buf, i, end, cls) {
		return j
	}
	if cls&clDot != 0 {
		// A known name as one label of a dotted name: db01 in db01.corp.example.
		for a := i; a < end; {
			b := a
			lcls := uint8(0)
			for b < end && buf[b] != '.' {
				lcls |= wordClass[buf[b]]
				b++
			}
			if b > a {
				s.known(buf, a, b, lcls)
			}
			a = b + 1
		}
	}
	return j
}

// known replaces buf[i:j] when it is a known host or user name.
func (s *obfScanner) known(buf []byte, i, j int, cls uint8) bool {
	name := buf[i:j]
	o := s.o
	word := ordinary(cls)
	// The filters reject most runs: o.hosts and o.users share one, the explicit tables another.
	if !o.hosts.filter.mayHave(name) && !(word && o.explicitHosts.filter.mayHave(name)) {
		return false
	}
	kind, n := o.knownName(name, word)
	if n == 0 {
		return false
	}
	rule := RuleHost
	if kind == idUser {
		rule = RuleUser
	}
	s.hit(buf, i, j, kind, rule, n, name)
	return true
}

// knownName returns the kind and number of a known name. Host names learned from their position
// are replaced everywhere unless they are ordinary words (word); user names unless they are
// common words used as account names ("agent"). Names given to Host and User always are.
func (o *Obfuscator) knownName(name []byte, word bool) (idKind, uint32) {
	h := o.hosts.hash(name) // every table has the same seed
	if word {
		if o.explicitHosts.lookup(name, h) != 0 {
			return idHost, o.hosts.lookup(name, h)
		}
	} else if n := o.hosts.lookup(name, h); n != 0 {
		return idHost, n
	}
	if n := o.users.lookup(name, h); n != 0 && (!word || !commonUserWord(name) || o.explicitUsers.lookup(name, h) != 0) {
		return idUser, n
	}
	return 0, 0
}

// commonUserWords are account names that are also common words of the agent's logs: found in a
// home path they are replaced there, not wherever the word appears.
var commonUserWords = map[string]bool{
	"agent": true, "agents": true, "celigo": true, "integrator": true, "service": true, "services": true,
	"app": true, "apps": true, "user": true, "users": true, "test": true, "dev": true, "build": true,
	"deploy": true, "node": true, "server": true, "web": true, "backup": true, "support": true,
	"guest": true, "operator": true, "runner": true, "data": true, "home": true, "local": true,
}

func commonUserWord(name []byte) bool {
	if len(name) > 16 {
		return false
	}
	var low [256]byte
	return commonUserWords[string(lowerInto(&low, name))]
}

// hit records the identifier buf[i:j]: registers it (n 0: not yet numbered), writes its stand-in
// or lists it.
func (s *obfScanner) hit(buf []byte, i, j int, kind idKind, rule string, n uint32, key []byte) {
	switch s.mode {
	case obfFind:
		s.found = append(s.found, obfMatch{start: i, end: j, rule: rule, kind: kind, key: append([]byte(nil), key...)})
		return
	}
	if n == 0 {
		n = s.o.number(s.o.table(kind), key) // not known yet, or not looked up
	}
	if s.mode == obfLearn {
		return
	}
	s.out = append(s.out, buf[s.last:i]...)
	s.out = appendStandIn(s.out, kind, n)
	s.last = j
	s.counts[rule]++
}

func (o *Obfuscator) table(k idKind) *symtab {
	switch k {
	case idHost:
		return o.hosts
	case idUser:
		return o.users
	case idIP4:
		return o.ip4
	}
	return o.ip6
}

func appendStandIn(dst []byte, kind idKind, n uint32) []byte {
	switch kind {
	case idHost:
		return appendNameStandIn(dst, "host", n)
	case idUser:
		return appendNameStandIn(dst, "user", n)
	case idIP4:
		return appendIP4StandIn(dst, n)
	}
	return appendIP6StandIn(dst, n)
}

// standIn registers an identifier listed in obfFind mode and returns its stand-in.
func (o *Obfuscator) standIn(m obfMatch) string {
	return string(appendStandIn(nil, m.kind, o.number(o.table(m.kind), m.key)))
}

// ipv4 handles a run of digits and dots that may be an IPv4 address.
func (s *obfScanner) ipv4(buf []byte, i, j int) (int, bool) {
	end := j
	for end > i && buf[end-1] == '.' {
		end--
	}
	var a [4]byte
	part, v, digits := 0, 0, 0
	for _, c := range buf[i:end] {
		if c == '.' {
			if digits == 0 || part == 3 {
				return 0, false
			}
			a[part] = byte(v)
			part, v, digits = part+1, 0, 0
			continue
		}
		if digits > 0 && v == 0 || digits == 3 {
			return 0, false // a leading zero, or four digits
		}
		v = v*10 + int(c-'0')
		digits++
		if v > 255 {
			return 0, false
		}
	}
	if part != 3 || digits == 0 {
		return 0, false
	}
	a[3] = byte(v)
	if keptAddr(netip.AddrFrom4(a)) {
		return end, true
	}
	s.hit(buf, i, end, idIP4, RuleIP, 0, a[:])
	return end, true
}

func isIPv6Char(c byte) bool { return isHexDigit(c) || c == ':' || c == '.' }

// ipv6 handles a possible IPv6 address starting at buf[i].
func (s *obfScanner) ipv6(buf []byte, i int, final bool) (int, bool) {
	k := i
	colons, double := 0, false
	for k < len(buf) && k-i <= maxIPv6Text && isIPv6Char(buf[k]) {
		if buf[k] == ':' {
			colons++
			if k > i && buf[k-1] == ':' {
				double = true
			}
		}
		k++
	}
	if k-i > maxIPv6Text || k == len(buf) && !final {
		return 0, false
	}
	end := k
	for end > i && (buf[end-1] == '.' || buf[end-1] == ':' && !(end-2 >= i && buf[end-2] == ':')) {
		if buf[end-1] == ':' {
			colons--
		}
		end--
	}
	if colons < 2 || !double && colons != 7 && !(colons == 6 && bytes.IndexByte(buf[i:end], '.') > 0) {
		return 0, false // a time of day, a MAC address, a key: value
	}
	if !bytes.ContainsAny(buf[i:end], "0123456789") {
		return 0, false // letters only: a name such as abc::def, not an address
	}
	if end < len(buf) && wordClass[buf[end]] != 0 && buf[end] != '.' || i > 0 && wordClass[buf[i-1]] != 0 {
		return 0, false
	}
	ip, err := netip.ParseAddr(string(buf[i:end]))
	if err != nil || ip.Is4In6() || ip.Is4() {
		return 0, false // an IPv4-mapped address: its IPv4 part is replaced on its own
	}
	if keptAddr(ip) {
		return end, true
	}
	a := ip.As16()
	s.hit(buf, i, end, idIP6, RuleIP, 0, a[:])
	return end, true
}

// authorityEnd are the bytes that end a URL's authority (or the text it was taken from).
var authorityEnd = func() (t [256]bool) {
	for c := 0; c <= ' '; c++ {
		t[c] = true
	}
	for _, c := range []byte("/?#\"'<>\\`;,)") {
		t[c] = true
	}
	return t
}()

// urlHost notes where the host of the URL whose authority starts at a begins: after the user
// info, if any.
func (s *obfScanner) urlHost(buf []byte, a int) {
	h := a
	for p := a; p < len(buf) && p-a < maxAuthority; p++ {
		c := buf[p]
		if c == '@' {
			h = p + 1
			continue
		}
		if authorityEnd[c] {
			break
		}
	}
	if h < len(buf) && buf[h] == '[' {
		return // an IPv6 literal: found by its shape
	}
	s.hostAt, s.hostStrict = s.base+int64(h), false
}

// host handles the run buf[i:j] standing where a host name stands.
func (s *obfScanner) host(buf []byte, i, j int, cls uint8, strict bool) (int, bool) {
	end := j
	for end > i && buf[end-1] == '.' {
		end--
	}
	name := buf[i:end]
	var low [256]byte
	if len(name) == 0 || len(name) > maxHostLen || cls&(clLower|clUpper|clHigh) == 0 || keptHost(name) ||
		isStandIn(name, "host") || notHosts[string(lowerInto(&low, name))] {
		return 0, false
	}
	if strict && (ordinary(cls) || end < len(buf) && buf[end] == '/') {
		return 0, false // "Server: Kestrel", "server: nginx/1.18.0": software, not a host
	}
	s.hit(buf, i, end, idHost, RuleHost, 0, name)
	return j, true
}

// hostKeys are keys whose value is a host: host=db01, "hostname": "srv", Server=db01 (ODBC),
// serverName=db01 (JDBC), Data Source=db01, by the last four bytes of the key. A key ending in
// one of them after _, - or a lower-to-upper case change counts too (proxy_host, dbServer).
var hostKeys = [...][]string{1: {"host"}, 2: {"hostname", "servername"}, 3: {"server"}, 4: {"source"}}

// sqlProtocols prefix a SQL Server host: Server=tcp:db01,1433.
var sqlProtocols = []string{"tcp:", "np:", "lpc:", "admin:"}

// hostKeyEnding tells by the last four bytes of a run which host keys it may end: the index in
// hostKeys of "host", "name", "rver" or "urce", 0 for none. Most runs fail here.
func hostKeyEnding(b []byte) int {
	switch uint32(b[0]|0x20)<<24 | uint32(b[1]|0x20)<<16 | uint32(b[2]|0x20)<<8 | uint32(b[3]|0x20) {
	case 'h'<<24 | 'o'<<16 | 's'<<8 | 't':
		return 1
	case 'n'<<24 | 'a'<<16 | 'm'<<8 | 'e':
		return 2
	case 'r'<<24 | 'v'<<16 | 'e'<<8 | 'r':
		return 3
	case 'u'<<24 | 'r'<<16 | 'c'<<8 | 'e':
		return 4
	}
	return 0
}

// hostKeyValueAt reports whether the run buf[i:j] is a host key followed by a separator, and
// where its value starts; strict says the value is an HTTP Server header's.
func hostKeyValueAt(buf []byte, i, j int) (int, bool, bool) {
	key := buf[i:j]
	if len(key) < 4 {
		return 0, false, false
	}
	var which string
	for _, k := range hostKeys[hostKeyEnding(key[len(key)-4:])] {
		if len(key) < len(k) || !bytes.EqualFold(key[len(key)-len(k):], []byte(k)) {
			continue
		}
		if len(key) > len(k) {
			p := len(key) - len(k)
			if prev := key[p-1]; prev != '_' && prev != '-' && prev != '.' && !(isLowerOrDigit(prev) && isUpper(key[p])) {
				continue
			}
		}
		which = k
		break
	}
	if which == "" {
		return 0, false, false
	}
	if which == "source" && (len(key) != len("source") || i < 5 || !bytes.EqualFold(buf[i-5:i], []byte("data "))) {
		return 0, false, false // only "Data Source"
	}
	p := j
	for p < len(buf) && p-j < 3 && (buf[p] == '"' || buf[p] == '\'' || buf[p] == '\\') {
		p++
	}
	p = span(buf, p, 4, isSpace)
	if p >= len(buf) || buf[p] != '=' && buf[p] != ':' {
		return 0, false, false
	}
	sep := buf[p]
	if sep == ':' && p+1 < len(buf) && buf[p+1] == '/' {
		return 0, false, false // a URL scheme
	}
	p = span(buf, p+1, 4, isSpace)
	for q := 0; p < len(buf) && q < 3 && (buf[p] == '"' || buf[p] == '\'' || buf[p] == '\\'); q++ {
		p++
	}
	for _, proto := range sqlProtocols {
		if len(buf)-p > len(proto) && bytes.EqualFold(buf[p:p+len(proto)], []byte(proto)) {
			p += len(proto)
			break
		}
	}
	// An unquoted "server:" is an HTTP Server header (or Node's print of one), whose value names
	// software; a quoted key is a setting.
	strict := sep == ':' && which == "server" && len(key) == len(which) && (i == 0 || buf[i-1] != '"' && buf[i-1] != '\'') && buf[j] == ':'
	return p, strict, true
}

func isLowerOrDigit(c byte) bool { return 'a' <= c && c <= 'z' || isDigit(c) }

// homeUserAt reports whether the run buf[i:j] is the home folder of a path (/home/, /Users/,
// \Users\ or JSON-escaped \\Users\\, also a relative home/ where a value starts) and where the
// user's name starts.
func homeUserAt(buf []byte, i, j int) (int, bool) {
	word := buf[i:j]
	if len(word) != 4 && len(word) != 5 || j >= len(buf) {
		return 0, false
	}
	before, after := byte(' '), buf[j]
	if i > 0 {
		before = buf[i-1]
	}
	switch {
	case bytes.EqualFold(word, []byte("home")):
		if after != '/' || before != '/' && before != '"' && before != '\'' && before != ' ' && before != '=' {
			return 0, false
		}
	case bytes.EqualFold(word, []byte("users")):
		if before != '/' && before != '\\' || after != '/' && after != '\\' {
			return 0, false
		}
	default:
		return 0, false
	}
	u := j
	for u < len(buf) && u-j < 4 && buf[u] == after {
		u++
	}
	return u, true
}

// user handles a home folder's user name starting at buf[i]. It may hold spaces (C:\Users\Jane
// Doe\) when a path separator follows it.
func (s *obfScanner) user(buf []byte, i int, final bool) (int, bool) {
	k := i
	for k < len(buf) && k-i <= maxUserLen && (wordClass[buf[k]] != 0 || buf[k] == ' ') {
		k++
	}
	if k-i > maxUserLen {
		return 0, false
	}
	end := k
	if k >= len(buf) || buf[k] != '\\' && buf[k] != '/' {
		if sp := bytes.IndexByte(buf[i:k], ' '); sp >= 0 {
			end = i + sp // no separator after it: the name ends at the first space
		}
	}
	for end > i && (buf[end-1] == ' ' || buf[end-1] == '.') {
		end--
	}
	name := buf[i:end]
	var low [256]byte
	if len(name) == 0 || keptUsers[string(lowerInto(&low, name))] || isStandIn(name, "user") {
		return 0, false
	}
	s.hit(buf, i, end, idUser, RuleUser, 0, name)
	return end, true
}
