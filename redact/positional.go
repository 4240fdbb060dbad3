package redact

import (
	"bytes"
	"sort"
	"strings"
)

// Credentials that only their position gives away: after a command-line flag (-p, --password,
// -storepass, curl -u user:pass), in protocol commands (FTP/POP PASS, SMTP/IMAP AUTH, IMAP LOGIN),
// in "net use" and "net user", PowerShell's ConvertTo-SecureString, and in .netrc and .pgpass
// lines. The anchors are found by keyValueRule (see anchorWords) and lineRule.

// passwordCommands are the programs whose short flags take a password, by flag: "p" for -p
// (glued too: mysql -pSECRET, 7z -pSECRET), "P" for -P, "w" for -w, "a" for -a, "U" for
// -U user%password.
var passwordCommands = map[string]string{
	"mysql": "pg", "mysqldump": "pg", "mysqladmin": "pg", "mysqlimport": "pg", "mysqlcheck": "pg", "mysqlshow": "pg",
	"mariadb": "pg", "mariadb-dump": "pg", "mariadb-admin": "pg", "sshpass": "p", "mongo": "p", "mongosh": "p",
	"mongodump": "p", "mongorestore": "p", "mongoexport": "p", "mongoimport": "p", "mongostat": "p", "mongotop": "p",
	"cqlsh": "p", "docker": "p", "podman": "p", "psexec": "p", "psexec64": "p", "paexec": "p", "influx": "p",
	"rabbitmqadmin": "p", "7z": "pg", "7za": "pg", "7zr": "pg", "rar": "pg", "unrar": "pg", "winrar": "pg",
	"sqlcmd": "P", "bcp": "P", "osql": "P", "isql": "P", "unzip": "P", "zip": "P", "ldapsearch": "w",
	"ldapmodify": "w", "ldapadd": "w", "ldapdelete": "w", "ldapwhoami": "w", "ldappasswd": "w", "ldapcompare": "w",
	"redis-cli": "a", "smbclient": "U", "rpcclient": "U", "smbmap": "p", "curl": "u", "wget": "u",
	"plink": "", "pscp": "", "psftp": "", "ssh-keygen": "PN", "az": "p", "ipmitool": "P", "hdbsql": "p", "vsql": "w",
	"schtasks": "/", "openssl": "k", "htpasswd": "b", "rabbitmqctl": "r", "lftp": "lu", "xfreerdp": "x",
	"wfreerdp": "x", "rdesktop": "p", "ncftp": "p", "ncftpput": "p", "ncftpget": "p",
}

// argAt returns the command-line argument that starts at i: a quoted string's content, or the
// bytes up to the next space.
func argAt(b []byte, i int) (int, int) {
	if i < len(b) && (b[i] == '"' || b[i] == '\'') {
		q := b[i]
		e := i + 1
		for e < len(b) && b[e] != q && b[e] != '\n' {
			e++
		}
		return i + 1, e
	}
	return i, span(b, i, 1<<16, func(c byte) bool { return c > ' ' && c != '"' && c != '\'' })
}

// isPortOrNumber reports 22, 8080:80, 1234, 10.0.0.1:8080:80: what -p means to ssh, docker, ps.
func isPortOrNumber(v []byte) bool {
	return span(v, 0, len(v), func(c byte) bool { return isDigit(c) || c == ':' || c == '.' || c == '/' || c == '-' }) == len(v)
}

// isCommandStart reports the bytes a program's name may follow on a command line.
func isCommandStart(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '/', '\\', '(', '`', '=', '|', '&', ';', '>', ':':
		return true
	}
	return false
}

// commandAt handles the short flags that take a password in the programs of passwordCommands:
// -p (glued too: mysql -pSECRET), -P, -pw, -w, -a, -u user:pass and --user user:pass (curl,
// wget), -U user%pass (smbclient). k is where the program's name starts; the rest of the line,
// up to the next command (&&, |, ;), holds its arguments.
func commandAt(s *scan, k, wlen int) ([]match, int) {
	b := s.buf
	te := span(b, k, 64, isKeyChar)
	if c := s.before(k); c >= 0 && !isCommandStart(byte(c)) || te < len(b) && !isSpace(b[te]) && b[te] != '"' && b[te] != '\'' {
		return nil, k + wlen
	}
	name := string(bytes.TrimSuffix(s.low[k:te], []byte(".exe")))
	flags, ok := passwordCommands[name]
	if !ok {
		return nil, k + wlen
	}
	le := span(b, te, 4096, notEOL)
	if (name == "docker" || name == "podman" || name == "az") && !bytes.Contains(s.low[te:le], []byte(" login")) {
		return nil, te // -p publishes a port
	}
	has := func(f byte) bool { return strings.IndexByte(flags, f) >= 0 }
	var out []match
	add := func(i, j int) {
		if j > i && !isMarker(b[i:j]) && !hasMarker(b[i:j]) && !isHarmlessValue(nil, s.low[i:j]) {
			out = append(out, match{start: i, end: j, repl: Marker, rule: RuleCLIPassword})
		}
	}
	// args returns the argument at i and where the next one may start.
	arg := func(i int) (int, int, int) {
		i = span(b, i, le-i, isSpace)
		if i >= le {
			return i, i, i
		}
		vs, ve := argAt(b[:le], i)
		next := ve
		if vs > i && next < le {
			next++ // the closing quote
		}
		return vs, ve, next
	}
	batch, want := false, 2
	var positional [][2]int
	for i := te; i < le; {
		as, ae, next := arg(i)
		if ae == as {
			break
		}
		i = next
		a := b[as:ae]
		if a[0] == '&' || a[0] == '|' || a[0] == ';' || a[0] == '>' || a[0] == '<' {
			break // the next command
		}
		if a[0] == '/' && has('/') && (bytes.EqualFold(a, []byte("/rp")) || bytes.EqualFold(a, []byte("/p"))) {
			if vs, ve, nx := arg(i); ve > vs && b[vs] != '/' {
				i = nx
				add(vs, ve) // schtasks /ru user /rp password
			}
			continue
		}
		if a[0] == '/' && has('x') && len(a) > 3 && (a[1] == 'p' || a[1] == 'P') && a[2] == ':' {
			add(as+3, ae) // xfreerdp /p:password
			continue
		}
		if a[0] != '-' {
			if has('b') && batch || has('r') {
				positional = append(positional, [2]int{as, ae})
			}
			continue
		}
		if has('b') && len(a) > 1 && a[1] != '-' && bytes.IndexByte(a, 'b') > 0 {
			batch = true // htpasswd -b[c] file user password, -nb user password
			if bytes.IndexByte(a, 'n') > 0 {
				want = 1
			}
		}
		flag, val := string(a), -1
		if eq := bytes.IndexByte(a, '='); eq > 0 && a[1] == '-' {
			flag, val = string(a[:eq]), as+eq+1 // --user=bob:pw
		}
		value := func() (int, int) {
			if val >= 0 {
				return val, ae
			}
			vs, ve, nx := arg(i)
			if ve == vs || b[vs] == '-' && vs == nx-(ve-vs) {
				return 0, 0
			}
			i = nx
			return vs, ve
		}
		switch {
		case (flag == "-p" || flag == "-P" || flag == "-N") && has(flag[1]):
			if vs, ve := value(); ve > vs && !isPortOrNumber(b[vs:ve]) {
				add(vs, ve)
			}
		case len(flag) > 2 && flag[1] == 'p' && flag != "-pw" && has('g') && !strings.HasPrefix(flag, "-pass"):
			if span(a, 2, len(a)-2, isDigit) < len(a) {
				add(as+2, ae) // glued: mysql -pSECRET, 7z x -pSECRET
			}
		case flag == "-pw", flag == "-w" && has('w'), flag == "-a" && has('a'), flag == "-k" && has('k'):
			if vs, ve := value(); ve > vs {
				add(vs, ve)
			}
		case (flag == "-u" || flag == "--user" || flag == "--proxy-user" || flag == "-U" && !has('U')) && has('u'):
			if vs, ve := value(); ve > vs {
				v := b[vs:ve]
				sep := byte(':')
				if has('l') {
					sep = ',' // lftp -u user,password
				}
				if c := bytes.IndexByte(v, sep); c > 0 && span(v, 0, len(v), func(c byte) bool { return isDigit(c) || c == ':' }) < len(v) {
					add(vs+c+1, ve)
				}
			}
		case flag == "-U" && has('U'):
			if vs, ve := value(); ve > vs {
				if c := bytes.IndexByte(b[vs:ve], '%'); c > 0 {
					add(vs+c+1, ve)
				}
			}
		}
	}
	if batch && len(positional) > want {
		add(positional[want][0], positional[want][1])
	}
	if has('r') && len(positional) >= 3 {
		// rabbitmqctl add_user NAME PASSWORD, change_password NAME PASSWORD
		if sub := string(s.low[positional[0][0]:positional[0][1]]); sub == "add_user" || sub == "change_password" {
			add(positional[2][0], positional[2][1])
		}
	}
	if name == "docker" || name == "podman" {
		// echo 'secret' | docker login --password-stdin
		if ls := bytes.LastIndexByte(b[max(0, k-4096):k], '\n') + max(0, k-4096) + 1; bytes.Contains(s.low[te:le], []byte("--password-stdin")) {
			if e := bytes.LastIndex(s.low[ls:k], []byte("echo ")); e >= 0 {
				e += ls + len("echo ")
				for e < k && b[e] == '-' { // echo -n
					e = span(b, span(b, e, 8, func(c byte) bool { return c > ' ' }), 4, isSpace)
				}
				if vs, ve := argAt(b[:k], e); ve > vs && bytes.IndexByte(b[ve:k], '|') >= 0 && b[vs] != '$' && b[vs] != '%' {
					out = append([]match{{start: vs, end: ve, repl: Marker, rule: RuleCLIPassword}}, out...)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out, te
}

// flagValueAt handles a long flag named like a secret followed by its value after a space:
// --password X, -storepass X, -keypass X, -passin pass:X, -Password X (PowerShell), --token X.
// ws..we is the flag, j the first byte after the spaces that follow it.
func flagValueAt(s *scan, ws, we, j int, rule string) (match, bool) {
	b := s.buf
	if b[ws] != '-' {
		return match{}, false
	}
	if c := s.before(ws); c >= 0 && c != ' ' && c != '\t' && c != '"' && c != '\'' && c != '\n' && c != '(' && c != '[' && c != ',' {
		return match{}, false
	}
	vs, ve := argAt(b, j)
	if ve <= vs || b[vs] == '-' || isMarker(b[vs:ve]) || hasMarker(b[vs:ve]) || isHarmlessValue(b[ws:we], s.low[vs:ve]) {
		return match{}, false
	}
	if ve == len(b) && !s.final {
		return open(s, match{start: vs, end: ve, repl: Marker, rule: RuleCLIPassword}, func(c byte) bool { return c > ' ' }), true
	}
	return match{start: vs, end: ve, repl: Marker, rule: RuleCLIPassword}, true
}

// netrcAt handles .netrc's "password X" (after "machine H login U" on the same line or the
// lines just before). ws..we is the key, j the value's first byte.
func netrcAt(s *scan, ws, we, j int) (match, bool) {
	b := s.buf
	if string(b[ws:we]) != "password" {
		return match{}, false
	}
	lo := max(0, ws-256)
	ctx := s.low[lo:ws]
	if !bytes.Contains(ctx, []byte("login ")) && !bytes.Contains(ctx, []byte("machine ")) && !bytes.Contains(ctx, []byte("default ")) {
		return match{}, false
	}
	vs, ve := argAt(b, j)
	if ve <= vs || isMarker(b[vs:ve]) {
		return match{}, false
	}
	return match{start: vs, end: ve, repl: Marker, rule: RuleCredentialFile}, true
}

// saslMechanisms are the SMTP/IMAP AUTH mechanisms whose arguments carry credentials, and the
// other names that show an AUTH line is a capability list.
var saslMechanisms = map[string]bool{"PLAIN": true, "LOGIN": true, "XOAUTH2": true, "XOAUTH": true, "OAUTHBEARER": true}
var otherMechanisms = map[string]bool{"CRAM-MD5": true, "DIGEST-MD5": true, "NTLM": true, "GSSAPI": true, "SCRAM-SHA-1": true, "SCRAM-SHA-256": true, "ANONYMOUS": true, "EXTERNAL": true}

// protocolAt handles FTP/POP3 "PASS secret", SMTP/IMAP "AUTH PLAIN <base64>", "AUTH LOGIN
// <base64>", "AUTH XOAUTH2 <base64>" (the next lines' response when none is inline), IMAP
// "AUTHENTICATE PLAIN" and Redis' quoted "AUTH" "secret".
func protocolAt(s *scan, ws, we int) (match, bool) {
	b := s.buf
	if n := we - ws; b[ws] != 'P' && b[ws] != 'A' || n != 4 && n != 12 {
		return match{}, false
	}
	key := string(b[ws:we])
	if key != "PASS" && key != "AUTH" && key != "AUTHENTICATE" {
		return match{}, false
	}
	proto := func(i, j int) (match, bool) {
		if j <= i || isMarker(b[i:j]) || hasMarker(b[i:j]) || isHarmlessValue(nil, s.low[i:j]) {
			return match{}, false
		}
		return match{start: i, end: j, repl: Marker, rule: RuleProtocolPassword}, true
	}
	if key == "AUTH" && s.before(ws) == '"' && we+3 < len(b) && b[we] == '"' && b[we+1] == ' ' && b[we+2] == '"' {
		vs, ve := argAt(b, we+2)
		return proto(vs, ve) // Redis MONITOR: "AUTH" "secret"
	}
	if we >= len(b) || b[we] != ' ' {
		return match{}, false
	}
	prev := ws
	for prev > 0 && isSpace(b[prev-1]) {
		prev--
	}
	if c := s.before(prev); c >= 0 && c != '\n' && c != '\r' && c != '>' && c != ':' && !(key != "PASS" && isAlnum(byte(c))) {
		return match{}, false
	}
	if key == "PASS" {
		vs := we + 1
		ve := span(b, vs, 1<<16, notEOL)
		for ve > vs && isSpace(b[ve-1]) {
			ve--
		}
		return proto(vs, ve)
	}
	ms, me := argAt(b, we+1)
	mech := string(b[ms:me])
	if !saslMechanisms[mech] {
		if key != "AUTH" || otherMechanisms[mech] || me == ms || strings.ContainsAny(mech, "=,") {
			return match{}, false
		}
		// Redis: AUTH password, AUTH user password.
		le := span(b, me, 1<<12, notEOL)
		vs, ve := ms, me
		if n := span(b, me, 4, isSpace); n > me && n < le {
			vs, ve = argAt(b[:le], n)
			if e := span(b, ve+1, 4, isSpace); ve < le && e < le && notEOL(b[e]) {
				return match{}, false // more words: prose, not a command
			}
		}
		return proto(vs, ve)
	}
	vs := span(b, me, 4, isSpace)
	if vs > me && vs < len(b) && notEOL(b[vs]) {
		_, ve := argAt(b, vs)
		if arg := string(b[vs:ve]); saslMechanisms[arg] || otherMechanisms[arg] || arg == "=" {
			return match{}, false // a capability list: AUTH PLAIN LOGIN XOAUTH2
		}
		return proto(vs, ve)
	}
	if mech != "PLAIN" && mech != "XOAUTH2" && mech != "OAUTHBEARER" {
		return match{}, false // AUTH LOGIN: the password comes after the server's Password: prompt
	}
	// The response on one of the next lines, after the server's "334" go-ahead.
	p := me
	for line := 0; line < 3; line++ {
		nl := bytes.IndexByte(b[p:], '\n')
		if nl < 0 {
			return match{}, false
		}
		p += nl + 1
		e := span(b, p, 1<<12, notEOL)
		if ts, te := lastToken(b, p, e); te-ts >= 8 && span(b, ts, te-ts, isB64Std) == te && !bytes.HasSuffix(bytes.TrimRight(b[p:ts], " \t"), []byte("334")) {
			return proto(ts, te)
		}
	}
	return match{}, false
}

// lastToken returns the last space-separated word of b[i:e].
func lastToken(b []byte, i, e int) (int, int) {
	for e > i && (b[e-1] == ' ' || b[e-1] == '\t' || b[e-1] == '\r') {
		e--
	}
	t := e
	for t > i && b[t-1] != ' ' && b[t-1] != '\t' {
		t--
	}
	return t, e
}

// smtpPasswordAt handles the line after the SMTP server's AUTH LOGIN password prompt
// ("334 UGFzc3dvcmQ6", base64 for "Password:"): its last word is the password, in base64.
func smtpPasswordAt(s *scan, k int) ([]match, int) {
	b := s.buf
	end := k + len("fzc3dvcmq6")
	if k < 2 || !bytes.Equal(s.low[k-2:k], []byte("ug")) && !bytes.Equal(s.low[k-2:k], []byte("cg")) {
		return nil, end
	}
	nl := bytes.IndexByte(b[end:], '\n')
	if nl < 0 {
		return nil, end
	}
	p := end + nl + 1
	e := span(b, p, 1<<12, notEOL)
	ts, te := lastToken(b, p, e)
	if te-ts < 4 || span(b, ts, te-ts, isB64Std) != te || isMarker(b[ts:te]) {
		return nil, end
	}
	return []match{{start: ts, end: te, repl: Marker, rule: RuleProtocolPassword}}, end
}

// imapLoginAt handles IMAP's "a001 LOGIN user password".
func imapLoginAt(s *scan, k int) ([]match, int) {
	b := s.buf
	end := k + len("login")
	if !bytes.Equal(b[k:end], []byte("LOGIN")) || end >= len(b) || b[end] != ' ' || k < 2 || b[k-1] != ' ' ||
		!isAlnum(b[k-2]) && b[k-2] != ':' || k >= 5 && bytes.Equal(b[k-5:k], []byte("AUTH ")) {
		return nil, end
	}
	us, ue := argAt(b, end+1)
	if ue <= us || ue >= len(b) {
		return nil, end
	}
	if b[ue] == '"' || b[ue] == '\'' {
		ue++
	}
	if ue >= len(b) || b[ue] != ' ' {
		return nil, end
	}
	ps, pe := argAt(b, ue+1)
	if pe <= ps || isMarker(b[ps:pe]) {
		return nil, end
	}
	return []match{{start: ps, end: pe, repl: Marker, rule: RuleProtocolPassword}}, pe
}

// netUseAt handles Windows' "net use [device] [\\server\share] [password] [/user:DOMAIN\user]"
// and "net user name password [/add]": the password is the argument that is neither the
// device, the share, the user name nor an option.
func netUseAt(s *scan, k int) ([]match, int) {
	b := s.buf
	end := k + len("net use")
	if c := s.before(k); c >= 0 && (isAlnum(byte(c)) || c == '_' || c == '-') {
		return nil, end
	}
	user := end < len(b) && (b[end] == 'r' || b[end] == 'R')
	if user {
		end++
	}
	if end >= len(b) || b[end] != ' ' {
		return nil, end
	}
	le := span(b, end, 2048, notEOL)
	var out []match
	n := 0
	for i := end; i < le; {
		i = span(b, i, le-i, isSpace)
		if i >= le {
			break
		}
		vs, ve := argAt(b, i)
		next := ve
		if next < le && (b[next] == '"' || b[next] == '\'') {
			next++
		}
		if ve > le || ve == vs {
			break
		}
		arg := b[vs:ve]
		i = next
		if arg[0] == '&' || arg[0] == '|' || arg[0] == ';' || arg[0] == '>' || arg[0] == '<' {
			break // the next command
		}
		switch {
		case arg[0] == '/':
			continue
		case user:
			n++
			if n != 2 || string(arg) == "*" {
				continue
			}
		case string(arg) == "*", bytes.HasPrefix(arg, []byte(`\\`)),
			len(arg) == 2 && isAlpha(arg[0]) && arg[1] == ':',
			len(arg) >= 4 && bytes.EqualFold(arg[:3], []byte("lpt")) && arg[len(arg)-1] == ':':
			continue
		}
		if !isMarker(arg) {
			out = append(out, match{start: vs, end: ve, repl: Marker, rule: RuleCLIPassword})
		}
	}
	return out, end
}

// secureStringAt handles PowerShell's ConvertTo-SecureString "secret" -AsPlainText -Force (or
// -String "secret"): k is "-asplaintext".
func secureStringAt(s *scan, k int) ([]match, int) {
	b := s.buf
	end := k + len("asplaintext")
	ls := k
	for ls > 0 && k-ls < 512 && b[ls-1] != '\n' {
		ls--
	}
	c := bytes.LastIndex(s.low[ls:k], []byte("convertto-securestring"))
	if c < 0 {
		return nil, end
	}
	p := ls + c + len("convertto-securestring")
	le := span(b, p, 1024, notEOL)
	for p < le {
		p = span(b, p, le-p, isSpace)
		if p >= le {
			break
		}
		quoted := b[p] == '"' || b[p] == '\''
		vs, ve := argAt(b, p)
		p = ve + 1
		if ve == vs || !quoted && b[vs] == '-' {
			continue // -String, -AsPlainText, -Force
		}
		if isMarker(b[vs:ve]) {
			return nil, end
		}
		return []match{{start: vs, end: ve, repl: Marker, rule: RuleCLIPassword}}, end
	}
	return nil, end
}

// lineRule finds .pgpass lines: host:port:database:user:password, the whole line.
type lineRule struct{}

func isPgField(c byte) bool { return isAlnum(c) || c == '_' || c == '-' || c == '$' || c == '*' }

func (lineRule) next(s *scan, from, min int) (match, int, bool) {
	p := max(from, min)
	if c := s.before(p); p < len(s.buf) && (c < 0 || c == '\n') {
		if m, ok := pgpassAt(s, p); ok {
			return m, p + 1, true
		}
	}
	nls := s.newlines()
	for i := s.nextNewline(p); i < len(nls); i++ {
		if m, ok := pgpassAt(s, nls[i]+1); ok {
			return m, nls[i] + 2, true
		}
	}
	return match{}, len(s.buf), false
}

// pgpassAt reports a .pgpass line starting at p and returns its password field.
func pgpassAt(s *scan, p int) (match, bool) {
	b := s.buf
	if p+4 >= len(b) || isDigit(b[p]) && isDigit(b[p+1]) && isDigit(b[p+2]) && isDigit(b[p+3]) {
		return match{}, false // a log line's timestamp
	}
	h := span(b, p, 253, func(c byte) bool { return isAlnum(c) || c == '.' || c == '-' || c == '_' || c == '*' })
	if h == p || h >= len(b) || b[h] != ':' || span(b, p, h-p, isDigit) == h {
		return match{}, false
	}
	port := span(b, h+1, 5, func(c byte) bool { return isDigit(c) || c == '*' })
	if port-h-1 < 1 || port >= len(b) || b[port] != ':' || port-h-1 == 1 && b[h+1] != '*' {
		return match{}, false
	}
	db := span(b, port+1, 64, isPgField)
	if db == port+1 || db >= len(b) || b[db] != ':' {
		return match{}, false
	}
	user := span(b, db+1, 64, func(c byte) bool { return isPgField(c) || c == '.' || c == '@' })
	if user == db+1 || user >= len(b) || b[user] != ':' {
		return match{}, false
	}
	vs := user + 1
	ve := span(b, vs, 1024, notEOL)
	for ve > vs && isSpace(b[ve-1]) {
		ve--
	}
	if ve == vs || isMarker(b[vs:ve]) || bytes.ContainsAny(b[vs:ve], " \t") {
		return match{}, false
	}
	return match{start: vs, end: ve, repl: Marker, rule: RuleCredentialFile}, true
}
