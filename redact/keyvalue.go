package redact

import (
	"bytes"
	"strings"
)

// A key names a secret when, lowercased and with its separators ("_", "-", ".", spaces) taken
// out, it holds one of the secret fragments below and what follows the last of them is not a
// word that makes it describe the secret rather than hold it (passwordLastSet, tokenCount,
// token_type, SharedAccessKeyName, keyFile…). Words that only contain a fragment (bypass,
// passed, author, authority, WWW-Authenticate, tokenizer) do not count.

// passwordFragments make a key a password (rule password_pair).
var passwordFragments = []string{"password", "passwd", "passphrase", "passcode", "pass", "pwd", "pswd"}

// secretFragments make a key secret (rule secret_key, cookie for cookie). DESIGN.md's list
// (token, secret, credential, api key, private, auth, cookie) and the keys of Azure, NetSuite TBA,
// OAuth 1 and the like, whose names end in "key" or "signature".
var secretFragments = []string{
	"token", "secret", "credential", "apikey", "private", "auth", "cookie", "signature", "sessionid", "sessid",
	"accountkey", "accesskey", "sharedkey", "saskey", "signingkey", "encryptionkey", "decryptionkey", "masterkey",
	"subscriptionkey", "functionkey", "functionskey", "clientkey", "appkey", "consumerkey", "licensekey",
	"productkey", "hmackey", "sessionkey", "serverkey", "storagekey", "integrationkey", "userkey", "devicekey",
	"cryptokey", "cipherkey", "aeskey", "machinekey", "validationkey", "jwtkey", "instrumentationkey",
	"secretkey", "privatekey", "webhook",
	// Signatures and one-time proofs: HMACs, SAML assertions, PKCE verifiers, SNMP communities.
	"hmac", "samlresponse", "codeverifier", "oauthverifier", "community", "mnemonic", "privatekeyid",
	"creds", "privkey", "recoverycode", "backupcode",
}

// Password keys in other languages (compacted: contraseña is "contrasea").
func init() {
	passwordFragments = append(passwordFragments, "contrase", "senha", "kennwort", "wachtwoord", "haslo", "motdepasse")
}

// exactSecretKeys are secret as whole keys only: Azure SAS "sig", Salesforce's "sid" cookie,
// one-time passwords, DSNs.
var exactSecretKeys = map[string]string{"sig": RuleSecretKey, "sid": RuleSecretKey, "otp": RulePasswordPair, "dsn": RuleSecretKey, "pw": RulePasswordPair}

// excuses are words that contain a fragment without being about a secret, with the fragment's
// offset in them.
var excuses = []struct {
	word string
	frag string
}{
	{"bypass", "pass"}, {"compass", "pass"}, {"surpass", "pass"}, {"trespass", "pass"}, {"passed", "pass"},
	{"passes", "pass"}, {"passing", "pass"}, {"passive", "pass"}, {"passthrough", "pass"}, {"passthru", "pass"},
	{"passport", "pass"}, {"passenger", "pass"}, {"passage", "pass"}, {"authority", "auth"}, {"authenticat", "auth"},
	{"tokeniz", "token"},
}

// metaWords, right after a key's last fragment, make it describe a secret: tokenCount,
// passwordLastSet, token_type, cookieDomain, privateKeyPath, SharedAccessKeyName, tokenUrl.
var metaWords = []string{
	"count", "type", "set", "last", "name", "length", "len", "size", "limit", "expire", "expiry", "expiration",
	"ttl", "age", "lifetime", "timeout", "policy", "policies", "url", "uri", "endpoint", "path", "file", "dir",
	"folder", "location", "provider", "method", "mode", "scheme", "strategy", "kind", "format", "status", "state",
	"error", "fail", "result", "required", "enable", "disable", "change", "update", "create", "date", "time",
	"version", "rotation", "reset", "prompt", "hint", "label", "field", "encoding", "algorithm", "alg", "min",
	"max", "used", "usage", "valid", "source", "env", "var", "ref", "index", "idx", "ip", "network", "subnet",
	"zone", "server", "host", "domain", "realm", "service", "audience", "issuer", "scope", "grant", "flow",
	"callback", "redirect", "prefix", "suffix", "strength", "complexity", "rule", "regex", "pattern", "history",
	"secure", "samesite", "httponly", "option", "setting", "config", "at", "id", "jar", "stdin", "from",
}

// countPrefixes before "token" make it a count: max_tokens, prompt_tokens, totalTokens.
var countPrefixes = []string{"max", "min", "num", "total", "count", "prompt", "completion", "input", "output", "cached", "reasoning", "used", "remaining"}

// publicKeyNames are X_KEY and x-…-key names that hold no secret.
var publicKeyNames = map[string]bool{
	"primary": true, "public": true, "sort": true, "partition": true, "foreign": true, "cache": true, "object": true,
	"row": true, "hash": true, "range": true, "unique": true, "composite": true, "natural": true, "lookup": true,
	"map": true, "group": true, "message": true, "registry": true, "reg": true, "host": true, "idempotency": true,
	"dedup": true, "dedupe": true, "s3": true, "blob": true, "shard": true, "index": true, "table": true,
	"column": true, "field": true, "config": true, "setting": true, "translation": true, "i18n": true, "locale": true,
	"sort_order": true, "search": true, "query": true, "page": true, "record": true, "entity": true,
	"resource": true, "item": true, "event": true, "metric": true, "label": true, "tag": true, "attribute": true,
	"property": true, "header": true, "param": true, "option": true, "name": true, "type": true, "kind": true,
	"ssh_host": true, "primary_key": true, "api_key_id": true, "cert": true, "ca": true,
}

// compactKey returns key lowercased without its separators and leading flag or sigil bytes.
func compactKey(key []byte) []byte {
	out := make([]byte, 0, len(key))
	for _, c := range key {
		switch {
		case 'A' <= c && c <= 'Z':
			out = append(out, c+'a'-'A')
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			out = append(out, c)
		}
	}
	return out
}

// keyRule is keyRule with the answers for the keys seen most remembered: logs repeat their keys.
func (r *keyValueRule) keyRule(key []byte) string {
	if rule, ok := r.keys[string(key)]; ok {
		return rule
	}
	rule := keyRule(key)
	if r.keys == nil || len(r.keys) >= 512 {
		r.keys = map[string]string{}
	}
	r.keys[string(key)] = rule
	return rule
}

// keyRule returns the rule the value of a key falls under, or "" when the key does not name a
// secret.
func keyRule(key []byte) string {
	k := compactKey(key)
	if len(k) == 0 || len(k) > 128 {
		return ""
	}
	if r, ok := exactSecretKeys[string(k)]; ok {
		return r
	}
	if bytes.HasSuffix(k, []byte("dsn")) && len(k) > 3 {
		return RuleSecretKey
	}
	if len(k) > 2 && len(k) <= 12 && bytes.HasSuffix(k, []byte("pw")) && isAlpha(key[len(key)-3]) {
		return RulePasswordPair // bindpw, rootpw (slapd.conf, nslcd.conf)
	}
	rule := ""
	lastEnd, lastFrag, firstStart, firstFrag := -1, "", len(k), ""
	note := func(frag, r string) {
		for at := 0; ; {
			i := bytes.Index(k[at:], []byte(frag))
			if i < 0 {
				return
			}
			i += at
			at = i + 1
			if excused(k, i, frag) {
				continue
			}
			if rule == "" || r == RulePasswordPair {
				rule = r
			}
			if e := i + len(frag); e > lastEnd || e == lastEnd && len(frag) > len(lastFrag) {
				lastEnd, lastFrag = e, frag
			}
			if i < firstStart {
				firstStart, firstFrag = i, frag
			}
		}
	}
	for _, f := range passwordFragments {
		note(f, RulePasswordPair)
	}
	for _, f := range secretFragments {
		r := RuleSecretKey
		if f == "cookie" {
			r = RuleCookie
		}
		note(f, r)
	}
	if rule == "" {
		return suffixKeyRule(key)
	}
	rest := string(k[lastEnd:])
	if lastFrag == "webhook" {
		switch rest {
		case "", "s", "url", "uri", "urls", "address":
			return rule
		}
		return ""
	}
	if firstFrag == "token" {
		for _, p := range countPrefixes {
			if strings.HasSuffix(string(k[:firstStart]), p) {
				return ""
			}
		}
	}
	if rest == "" || rest == "s" {
		return rule
	}
	for _, m := range metaWords {
		if strings.HasPrefix(rest, m) {
			return ""
		}
	}
	return rule
}

// excused reports whether the fragment at k[i:] is part of a word that does not name a secret.
func excused(k []byte, i int, frag string) bool {
	for _, e := range excuses {
		if e.frag != frag {
			continue
		}
		off := strings.Index(e.word, frag)
		if s := i - off; s >= 0 && s+len(e.word) <= len(k) && string(k[s:s+len(e.word)]) == e.word {
			return true
		}
	}
	if frag == "auth" && bytes.HasPrefix(k[i:], []byte("author")) &&
		!bytes.HasPrefix(k[i:], []byte("authoriz")) && !bytes.HasPrefix(k[i:], []byte("authoris")) {
		return true // author, authored
	}
	return false
}

// suffixKeyRule reports the X_KEY and x-…-key names of environment dumps and HTTP headers
// (STRIPE_KEY, x-functions-key, Ocp-Apim-Subscription-Key), except the public ones (PRIMARY_KEY,
// x-public-key).
func suffixKeyRule(key []byte) string {
	low := bytes.ToLower(bytes.TrimLeft(key, "-/$@"))
	for _, sep := range []string{"_key", "-key", ".key"} {
		if !bytes.HasSuffix(low, []byte(sep)) || len(low) == len(sep) {
			continue
		}
		head := low[:len(low)-len(sep)]
		word := head
		if i := bytes.LastIndexAny(head, "_-."); i >= 0 {
			word = head[i+1:]
		}
		if publicKeyNames[string(word)] || publicKeyNames[string(head)] {
			return ""
		}
		return RuleSecretKey
	}
	return ""
}

// IsSecretKey reports whether a key name looks like it holds a secret: it names a token,
// secret, password (pass, pwd, passwd…), credential, API key, private key, auth(orization),
// cookie, signature or session id, or is one of the key names of Azure, NetSuite TBA, OAuth and
// environment dumps (AccountKey, SharedAccessKey, sig, signingKey, consumerSecret, webhookUrl,
// dsn, X_KEY, x-…-key). A key that only describes a secret (passwordLastSet, max_tokens,
// token_type, keyFile) or merely contains such a word (bypass, author, WWW-Authenticate) does
// not.
func IsSecretKey(key string) bool {
	return keyRule([]byte(key)) != ""
}

// IsTokenKey reports whether a key is one the agent stores its token under: token, accessToken,
// agentToken or access_token, in any case.
func IsTokenKey(key string) bool {
	switch strings.ToLower(key) {
	case "token", "accesstoken", "agenttoken", "access_token":
		return true
	}
	return false
}

// headerKeys are keys whose value runs to the end of the line when written as a header.
var headerKeys = map[string]string{
	"authorization":       RuleAuthHeader,
	"proxy-authorization": RuleAuthHeader,
	"cookie":              RuleCookie,
	"set-cookie":          RuleCookie,
}

// headerRule returns the rule for a secret key written as an HTTP header ("Name: value"), or ""
// when the key is not header-shaped: x-api-key, x-functions-key, Ocp-Apim-Subscription-Key,
// X-Auth-Token and the like.
func headerRule(low []byte, rule string) string {
	if r, ok := headerKeys[string(low)]; ok {
		return r
	}
	if rule == RuleCookie || bytes.IndexByte(low, '-') < 0 || bytes.ContainsAny(low, "_.") || !isAlpha(low[0]) {
		return ""
	}
	return RuleAuthHeader
}

// harmless are values kept under a secret key because they say something useful ("the token
// is undefined", "using password: YES", "auth: basic") and cannot be a secret.
var harmless = map[string]bool{
	"null": true, "true": true, "false": true, "undefined": true, "none": true, "nil": true, "yes": true,
	"no": true, "n/a": true, "(null)": true, "<null>": true, "[]": true, "{}": true, "redacted": true,
	"<redacted>": true, "(hidden)": true, "<hidden>": true, "[hidden]": true, "hidden": true, "masked": true,
	"bearer": true, "basic": true, "digest": true, "ntlm": true, "negotiate": true, "kerberos": true,
	"plain": true, "login": true, "xoauth2": true, "oauthbearer": true, "cram-md5": true, "oauth": true,
	"oauth2": true, "anonymous": true, "required": true, "optional": true, "enabled": true, "disabled": true,
}

// isHarmlessValue reports values kept under a secret key: harmless words, masks (****, xxxx),
// environment references (${DB_PASSWORD}, %DB_PASSWORD%), counts under a plural key (tokens: 12),
// Windows security identifiers under "sid", the shell's working directory under PWD, and paths
// to key or certificate files.
func isHarmlessValue(key, lowVal []byte) bool {
	n := len(lowVal)
	if n == 0 || n <= 12 && harmless[string(lowVal)] {
		return true
	}
	if n >= 3 && (all(lowVal, '*') || all(lowVal, 'x') || all(lowVal, '#')) {
		return true
	}
	if n > 3 && (lowVal[0] == '$' && lowVal[1] == '{' && lowVal[n-1] == '}' && isEnvRef(lowVal[2:n-1]) ||
		lowVal[0] == '%' && lowVal[n-1] == '%' && isEnvRef(lowVal[1:n-1])) {
		return true
	}
	if bytes.HasPrefix(lowVal, []byte("s-1-")) && span(lowVal, 4, n, isDigitOrDash) == n {
		return true // a Windows security identifier under "sid"
	}
	if isDigit(lowVal[0]) && span(lowVal, 0, n, isDigit) == n {
		return hasSuffixFold(key, "tokens") // tokens: 12
	}
	if lowVal[0] == '/' || len(lowVal) > 2 && lowVal[1] == ':' && lowVal[2] == '\\' {
		if k := bytes.TrimLeft(key, "$"); len(k) == 3 && hasSuffixFold(k, "pwd") || len(k) == 6 && hasSuffixFold(k, "oldpwd") {
			return true // the shell's working directory
		}
	}
	if hasSuffixFold(key, "routing_key") || hasSuffixFold(key, "routingkey") || hasSuffixFold(key, "routing-key") {
		// An AMQP routing key (orders.created) unless it has a key's shape (PagerDuty's 32 characters).
		return n != 32 || span(lowVal, 0, n, isAlnum) != n
	}
	return isKeyFilePath(lowVal)
}

func all(b []byte, c byte) bool {
	for _, x := range b {
		if x != c {
			return false
		}
	}
	return true
}

func isDigitOrDash(c byte) bool { return isDigit(c) || c == '-' }

func isEnvRef(b []byte) bool {
	return len(b) > 0 && span(b, 0, len(b), func(c byte) bool { return isAlnum(c) || c == '_' }) == len(b)
}

// hasSuffixFold reports whether b ends with the lowercase suffix, in any case.
func hasSuffixFold(b []byte, suffix string) bool {
	return len(b) >= len(suffix) && bytes.EqualFold(b[len(b)-len(suffix):], []byte(suffix))
}

// isKeyFilePath reports a path to a key, certificate or keystore file: an absolute or relative
// path with two separators or more that ends in a file extension (/etc/ssl/private/x.key,
// C:\certs\a.pfx).
func isKeyFilePath(v []byte) bool {
	if len(v) < 5 || v[0] != '/' && v[0] != '~' && v[0] != '.' && v[0] != '\\' && v[1] != ':' || bytes.ContainsAny(v, " \t") {
		return false
	}
	abs := v[0] == '/' || v[0] == '~' || v[0] == '.' || v[0] == '\\' || len(v) > 3 && isAlpha(v[0]) && v[1] == ':' && (v[2] == '\\' || v[2] == '/')
	if !abs || bytes.Count(v, []byte("/"))+bytes.Count(v, []byte(`\`)) < 2 {
		return false
	}
	dot := bytes.LastIndexByte(v, '.')
	sep := bytes.LastIndexAny(v, `/\`)
	return dot > sep+1 && len(v)-dot-1 >= 1 && len(v)-dot-1 <= 10 && span(v, dot+1, 10, isAlnum) == len(v)
}

// pivotGroup is a byte that is rare in logs, with the short anchor words that contain it (the
// gram index finds the words of five bytes or more). Finding the byte with IndexByte and
// checking the words around it is several times faster than searching for each word.
type pivotGroup struct {
	c     byte
	words []pivotWord
}

type pivotWord struct {
	w   []byte
	off int // index of the pivot byte in w
}

var pivotGroups = []pivotGroup{
	{'k', []pivotWord{{[]byte("key"), 0}}},
	{'w', []pivotWord{{[]byte("pwd"), 1}, {[]byte("pswd"), 2}, {[]byte("pw"), 1}}},
}

// shortKeyWord stands for every pivot word: they are all fragments of key names.
var shortKeyWord = gramWord{kind: anchorKey, lit: -1}

func isKeyValueAnchor(k anchorKind) bool {
	switch k {
	case anchorKey, anchorCommand, anchorNetUse, anchorPlain, anchorSMTPPass, anchorLogin, anchorIdentified:
		return true
	}
	return false
}

// keyValueRule replaces the value of a secret-looking key in text: key=value, key: value,
// "key": "value", key=>value, also inside escaped JSON, whole header lines, XML elements,
// name/value pairs split over two lines, and the credentials that positions give away
// (command-line flags, protocol commands, .netrc lines).
type keyValueRule struct {
	s  *scan
	at [][2]int // per pivot group: the next anchor's start and word index; start -1 when there is none, -2 when not searched
	// The next gram anchor, searched from gramFrom.
	gramAt   int
	gramWord *gramWord
	gramFrom int
	keys     map[string]string // keyRule's answers, for the keys seen most
	one      [1]match          // anchorAt's answer for a key, without allocating
}

func (r *keyValueRule) next(s *scan, from, min int) (match, int, bool) {
	if r.s != s {
		r.s = s
		r.at = r.at[:0]
		for range pivotGroups {
			r.at = append(r.at, [2]int{-2, 0})
		}
		r.gramFrom = -1
	}
	// A value starts at most maxKeyToValue bytes after its anchor, so anchors further back
	// cannot give a match at or after min.
	from = max(from, min-maxKeyToValue)
	for {
		k, w := r.nextAnchor(from)
		if k < 0 {
			return match{}, len(s.buf), false
		}
		from = k + 1
		if inTokenMarker(s.buf, k) {
			continue // hex digits of a marker spelling a word with the text after it
		}
		ms, skipTo := r.anchorAt(s, k, w)
		for _, m := range ms {
			if m.start >= min {
				return m, k, true // the anchor again: it may give more than one secret
			}
		}
		// Another secret word in the same key gives the same answer.
		from = max(from, skipTo)
	}
}

// nextAnchor returns the position of the first anchor word at or after from, and the word.
// Each group's next word is remembered, so the buffer is searched about once per group.
func (r *keyValueRule) nextAnchor(from int) (int, *gramWord) {
	best := -1
	var bw *gramWord
	for i := range pivotGroups {
		if at := r.at[i][0]; at == -2 || at >= 0 && at < from {
			r.at[i] = findInGroup(r.s.low, &pivotGroups[i], from)
		}
		if at := r.at[i][0]; at >= 0 && (best < 0 || at < best) {
			best, bw = at, &shortKeyWord
		}
	}
	if r.gramFrom < 0 || r.gramFrom > from || r.gramAt >= 0 && r.gramAt < from {
		r.gramAt, r.gramWord = r.s.nextHit(from, isKeyValueAnchor)
		r.gramFrom = from
	}
	if r.gramAt >= 0 && (best < 0 || r.gramAt < best) {
		best, bw = r.gramAt, r.gramWord
	}
	return best, bw
}

// findInGroup returns the start and word index of the first word of g at or after from, start
// -1 when there is none.
func findInGroup(low []byte, g *pivotGroup, from int) [2]int {
	for p := from; ; p++ {
		i := bytes.IndexByte(low[p:], g.c)
		if i < 0 {
			return [2]int{-1, 0}
		}
		p += i
		best := [2]int{-1, 0}
		for wi := range g.words {
			w := &g.words[wi]
			st := p - w.off
			if st >= from && st+len(w.w) <= len(low) && (best[0] < 0 || st < best[0]) && bytes.Equal(low[st:st+len(w.w)], w.w) {
				best = [2]int{st, wi}
			}
		}
		if best[0] >= 0 {
			return best
		}
	}
}

// maxKeyToValue bounds the distance from an anchor word to its value: the rest of the key word,
// closing quotes, spaces, the separator and more spaces.
const maxKeyToValue = 256 + 3 + 8 + 2 + 16

// anchorAt returns the secrets an anchor word at k gives away (usually one), and where the
// search for the next anchor may resume.
func (r *keyValueRule) anchorAt(s *scan, k int, w *gramWord) ([]match, int) {
	switch w.kind {
	case anchorCommand:
		return commandAt(s, k, len(w.w))
	case anchorNetUse:
		return netUseAt(s, k)
	case anchorPlain:
		return secureStringAt(s, k)
	case anchorSMTPPass:
		return smtpPasswordAt(s, k)
	case anchorLogin:
		return imapLoginAt(s, k)
	case anchorIdentified:
		return identifiedAt(s, k)
	}
	wl := len(w.w)
	if w == &shortKeyWord {
		// key, pwd, pw: the key's span is found from its bytes either way.
		wl = max(1, span(s.buf, k, 3, isKeyChar)-k)
	} else if !isAlpha(w.w[0]) || !isAlpha(w.w[wl-1]) {
		// "&sig=", "\"dsn\"": the key is the letters inside.
		lead := span(w.w, 0, wl, func(c byte) bool { return !isAlpha(c) })
		k += lead
		wl = span(w.w, lead, wl, isAlpha) - lead
	}
	m, we, ok := r.keyValueAt(s, k, wl)
	if !ok {
		return nil, we
	}
	r.one[0] = m
	return r.one[:], we
}

// keyValueAt checks whether the anchor word at k is part of a secret key followed by its value,
// and returns the value as a match, and where the key word ends.
func (r *keyValueRule) keyValueAt(s *scan, k, wlen int) (match, int, bool) {
	b := s.buf
	ws := k
	for ws > 0 && k-ws < 128 && isKeyChar(b[ws-1]) {
		ws--
	}
	we := k + wlen
	for we < len(b) && we-ws < 256 && (isKeyChar(b[we]) || b[we] >= 0x80) { // contraseña
		we++
	}
	if we >= len(b) {
		return match{}, we, false
	}
	rawKey := b[ws:we]
	if m, ok := protocolAt(s, ws, we); ok {
		return m, we, true
	}
	key := s.low[ws:we]
	rule := r.keyRule(key)
	if rule == "" && string(key) == "key" && ws >= 3 && b[ws-1] == ' ' && isAlpha(b[ws-2]) {
		// Two words: "API key: …", "license key = …", "encryption key=…" (not "cache key").
		p := ws - 1
		for p > 0 && ws-1-p < 16 && isAlpha(b[p-1]) {
			p--
		}
		if p == 0 || !isKeyChar(b[p-1]) {
			rule = keyRule(append(append([]byte(nil), s.low[p:ws-1]...), "key"...))
		}
	}
	if rule == "" {
		if m, ok := curlUserAt(s, ws, we); ok {
			return m, we, true
		}
		m, ok := splitPairAt(s, ws, we)
		return m, we, ok
	}
	if m, ok, isXML := xmlElementAt(s, ws, we, rule); isXML {
		return m, we, ok
	}
	j := we
	for j < len(b) && j-we < 8 && encodedQuote(s.low, j) == 0 && (b[j] == '"' || b[j] == '\'' || b[j] == '\\') {
		j++
	}
	if e := encodedQuote(s.low, j); e > 0 {
		// &quot;password&quot;:&quot;v&quot; (HTML), \u0022password\u0022:\u0022v\u0022
		if m, ok := encodedValueAt(s, j+e, rawKey, rule); ok {
			return m, we, true
		}
		return match{}, we, false
	}
	if isPctEq(b, j) {
		// password%3Dv%26…: a form inside a query parameter.
		vs := j + 3
		end := spanValue(b, vs, isBareValue)
		if k := bytes.Index(s.low[vs:end], []byte("%26")); k >= 0 {
			end = vs + k
		}
		if end > vs && !isMarker(b[vs:end]) && !bytes.HasPrefix(b[vs:], []byte(Marker)) && !isHarmlessValue(rawKey, s.low[vs:end]) {
			return open(s, match{start: vs, end: end, repl: Marker, rule: rule}, isBareValue), we, true
		}
		return match{}, we, false
	}
	quotedKey := j > we
	j0 := j
	j = span(b, j, 8, isSpace)
	if j >= len(b) {
		return match{}, we, false
	}
	if b[j] != '=' && b[j] != ':' {
		if m, ok := pairedValueAt(s, ws, we, j, rawKey, rule, quotedKey, j > j0); ok {
			return m, we, true
		}
		if j > j0 {
			if m, ok := flagValueAt(s, ws, we, j, rule); ok {
				return m, we, true
			}
			if m, ok := netrcAt(s, ws, we, j); ok {
				return m, we, true
			}
		}
		m, ok := splitPairAt(s, ws, we)
		return m, we, ok
	}
	sep := b[j]
	if sep == ':' && (string(rawKey) == "PASS" || string(rawKey) == "FAIL") {
		return match{}, we, false // a test's status: PASS: TestX
	}
	if sep == ':' && j == we && isMarkerColon(b, j) {
		return match{}, we, false // the key ends a hash marker glued to a word: "xsha256:0123…"
	}
	j++
	if j < len(b) {
		switch {
		case sep == ':' && b[j] == '/':
			return match{}, we, false // a URL scheme, not a key
		case sep == ':' && b[j] == ':':
			return match{}, we, false // a C++ or Ruby scope: Auth::Token
		case sep == '=' && b[j] == '=':
			return match{}, we, false // a comparison
		case sep == '=' && b[j] == '>', sep == ':' && b[j] == '=':
			j++
		}
	}
	vs := span(b, j, 16, isSpace)
	if vs >= len(b) {
		return match{}, we, false // seen again with more input, or nothing to hide
	}
	// A value runs to the end of the line in environment dumps (DB_PASSWORD=a b), YAML
	// (password: a b) and INI (password = a b), whose keys start their line.
	lineStart := !quotedKey && atLineStart(s, ws) &&
		(sep == ':' && j < len(b) && (b[j] == ' ' || b[j] == '\t') || sep == '=' && (j-1 > we || vs > j || isEnvName(rawKey)))
	if hr := headerRule(key, rule); hr != "" && sep == ':' && b[vs] != '"' && b[vs] != '\'' && b[vs] != '\\' && b[vs] != '{' && b[vs] != '[' {
		if _, named := headerKeys[string(key)]; named || lineStart {
			end := span(b, vs, 1<<20, notEOL)
			for end > vs && (b[end-1] == ' ' || b[end-1] == '\t') {
				end--
			}
			if end == vs || isMarker(b[vs:end]) || isHarmlessValue(rawKey, s.low[vs:end]) {
				return match{}, we, false
			}
			return open(s, match{start: vs, end: end, repl: Marker, rule: hr}, notEOL), we, true
		}
	}
	m, ok := valueAt(s, vs, rawKey, rule, sep, lineStart, ws)
	return m, we, ok
}

func notEOL(c byte) bool { return c != '\n' && c != '\r' }

// isEnvName reports an environment variable's name: upper case, digits and "_".
func isEnvName(k []byte) bool {
	for _, c := range k {
		if !('A' <= c && c <= 'Z' || isDigit(c) || c == '_') {
			return false
		}
	}
	return len(k) > 0
}

// atLineStart reports whether the key at ws starts its line, after indentation, a YAML list
// dash, or a shell's "export ", "set ", "declare -x " or PowerShell's "$env:".
func atLineStart(s *scan, ws int) bool {
	b := s.buf
	i := ws
	if i >= 5 && bytes.EqualFold(b[i-5:i], []byte("$env:")) {
		i -= 5
	}
	for _, p := range []string{"export ", "set ", "declare -x ", "setx "} {
		if i >= len(p) && bytes.EqualFold(b[i-len(p):i], []byte(p)) {
			i -= len(p)
			break
		}
	}
	for i > 0 && (b[i-1] == ' ' || b[i-1] == '\t') {
		i--
	}
	if i >= 2 && b[i-1] == ' ' && b[i-2] == '-' {
		i -= 2
		for i > 0 && (b[i-1] == ' ' || b[i-1] == '\t') {
			i--
		}
	}
	c := s.before(i)
	return c < 0 || c == '\n' || c == '\r'
}

// valueAt reads the value that starts at vs, under a secret key, and returns it as a match.
func valueAt(s *scan, vs int, rawKey []byte, rule string, sep byte, lineStart bool, keyStart int) (match, bool) {
	b := s.buf
	if b[vs] == '[' && (bytes.HasPrefix(b[vs:], []byte(Marker)) || bytes.HasPrefix(b[vs:], []byte(PrivateKeyMarker)) ||
		bytes.HasPrefix(b[vs:], []byte("["+Marker+"]"))) {
		return match{}, false // already redacted
	}
	switch c := b[vs]; {
	case c == '{':
		// ODBC quotes a value holding ";" in braces, "}}" standing for "}": PWD={a;b}}c}.
		if sep == '=' && vs+1 < len(b) && b[vs+1] != '"' && b[vs+1] != '\'' && b[vs+1] != '}' && !isSpaceOrEOL(b[vs+1]) {
			end := bracedEnd(b, vs+1)
			if end == len(b) && !s.final {
				return open(s, match{start: vs + 1, end: end, repl: Marker, rule: rule}, func(c byte) bool { return c != '}' && c != '\n' }), true
			}
			if isMarker(b[vs+1 : end]) {
				return match{}, false
			}
			return match{start: vs + 1, end: end, repl: Marker, rule: rule}, true
		}
		return match{}, false // an object: its own keys are checked one by one
	case c == '[':
		return arrayAt(s, vs, rule)
	case (c == '|' || c == '>') && sep == ':':
		// A YAML block scalar: the more indented lines that follow.
		if e := span(b, vs+1, 3, func(c byte) bool { return c == '-' || c == '+' || isDigit(c) }); e < len(b) && (b[e] == '\n' || b[e] == '\r') {
			return yamlBlockAt(s, e, indentOf(b, keyStart), rule)
		}
	}
	var end int
	var ok func(byte) bool
	switch q := b[vs]; {
	case q == '"':
		vs++
		ok = inDoubleQuotes
		end = quotedEnd(b, vs, q)
	case q == '\'':
		vs++
		ok = inSingleQuotes
		end = continuedEnd(b, quotedEnd(b, vs, q), q)
	case q == '\\' && escapedQuote(b, vs) > 0:
		// \"v\" in a JSON string, \\\"v\\\" in one escaped twice.
		vs += escapedQuote(b, vs)
		ok = inEscapedQuotes
		end = span(b, vs, 1<<20, ok)
	case lineStart && !moreKeysOnLine(b, vs):
		// key=value at the start of a line (environment dumps, .env, INI, YAML, properties):
		// the value runs to the end of the line, spaces included.
		ok = notEOL
		end = span(b, vs, 1<<20, ok)
		for end > vs && (b[end-1] == ' ' || b[end-1] == '\t') {
			end--
		}
	case q == '$' && vs+1 < len(b) && b[vs+1] == '{':
		// ${DB_PASSWORD}: a reference, kept when it is only that.
		ok = isBareValue
		end = spanValue(b, vs, ok)
		if end < len(b) && b[end] == '}' {
			end++
		}
	default:
		ok = isBareValue
		end = spanValue(b, vs, ok)
		// A list of parameters: Stripe-Signature t=…,v1=…,v0=…; Digest-like a=…, b=….
		for bytes.IndexByte(b[vs:end], '=') > 0 && end+1 < len(b) && b[end] == ',' {
			k := span(b, end+1, 4, isAlnum)
			if k == end+1 || k-end-1 > 3 || k >= len(b) || b[k] != '=' {
				break
			}
			end = spanValue(b, k+1, ok)
		}
	}
	v := b[vs:end]
	if len(v) == 0 || isMarker(v) || isHarmlessValue(rawKey, s.low[vs:end]) {
		return match{}, false
	}
	return open(s, match{start: vs, end: end, repl: Marker, rule: rule}, ok), true
}

// escapedQuote returns the length of the backslashes and quote that open an escaped string at
// b[i:] (\" or \\\" or \'), or 0.
func escapedQuote(b []byte, i int) int {
	k := span(b, i, 7, func(c byte) bool { return c == '\\' })
	if k < len(b) && k > i && (b[k] == '"' || b[k] == '\'') {
		return k + 1 - i
	}
	return 0
}

// continuedEnd extends a quoted value that ends at e over util.inspect's continuations of a long
// string ('Harbor' +\n    'Falcon2026'): the value goes on in the next string.
func continuedEnd(b []byte, e int, q byte) int {
	for e+3 < len(b) && b[e] == q && b[e+1] == ' ' && b[e+2] == '+' {
		k := e + 3
		if k < len(b) && b[k] == '\r' {
			k++
		}
		if k >= len(b) || b[k] != '\n' {
			return e
		}
		k = span(b, k+1, 64, isSpace)
		if k >= len(b) || b[k] != q {
			return e
		}
		e = quotedEnd(b, k+1, q)
	}
	return e
}

// moreKeysOnLine reports a line that goes on with ", key=…" or ", key: …" after the value at
// vs: a log line that starts with a key, not a configuration line.
func moreKeysOnLine(b []byte, vs int) bool {
	e := vs + span(b[vs:min(len(b), vs+1024)], 0, min(len(b), vs+1024)-vs, notEOL)
	for i := vs; i < e; {
		c := bytes.Index(b[i:e], []byte(", "))
		if c < 0 {
			return false
		}
		k := i + c + 2
		ke := span(b, k, 64, isKeyChar)
		if ke > k && ke < e && (b[ke] == '=' || b[ke] == ':') {
			return true
		}
		i = k
	}
	return false
}

func inDoubleQuotes(c byte) bool  { return c != '"' && c != '\\' && c != '\n' }
func inSingleQuotes(c byte) bool  { return c != '\'' && c != '\\' && c != '\n' }
func inEscapedQuotes(c byte) bool { return c != '\\' && c != '\n' }

func isSpaceOrEOL(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// bracedEnd returns the index of the "}" that closes an ODBC braced value starting at i ("}}"
// inside it stands for "}"), or the buffer's end.
func bracedEnd(b []byte, i int) int {
	for i < len(b) {
		if b[i] == '}' {
			if i+1 < len(b) && b[i+1] == '}' {
				i += 2
				continue
			}
			return i
		}
		if b[i] == '\n' {
			return i
		}
		i++
	}
	return i
}

// isBareValue reports whether c can continue an unquoted value.
func isBareValue(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ';', '&', '"', '\'', '\\', '}', ']', ')', '<', '>':
		return false
	}
	return true
}

// quotedEnd returns the index of the quote q closing a string that starts at i, skipping
// backslash escapes and doubled quotes (SQL and ODBC write Password='a”b'); a newline or the
// buffer's end ends it too.
func quotedEnd(b []byte, i int, q byte) int {
	for i < len(b) {
		switch b[i] {
		case q:
			if i+1 < len(b) && b[i+1] == q && i+2 < len(b) && b[i+2] != q && isBareValue(b[i+2]) {
				i += 2 // a doubled quote inside the value
				continue
			}
			return i
		case '\n':
			return i
		case '\\':
			if i+1 < len(b) && b[i+1] == q {
				i += 2
				continue
			}
		}
		i++
	}
	return i
}

// arrayAt reads an array under a secret key: one line (secrets=["a","b"]), or several, as
// util.inspect and pretty-printed JSON write them ('set-cookie': [\n  'a=1; Path=/',\n  'b=2'\n]).
func arrayAt(s *scan, vs int, rule string) (match, bool) {
	b := s.buf
	nl := bytes.IndexByte(b[vs:], '\n')
	end := bytes.IndexByte(b[vs:], ']')
	if end < 0 && nl < 0 && !s.final {
		// An array longer than the lookahead: drop it to its end.
		return open(s, match{start: vs + 1, end: len(b), repl: Marker, rule: rule},
			func(c byte) bool { return c != ']' && c != '\n' }), true
	}
	if end >= 0 && (nl < 0 || end < nl) {
		if bytes.IndexByte(b[vs+1:vs+end], '[') >= 0 {
			return match{}, false // nested arrays: each inner value is seen on its own
		}
		inner := bytes.TrimSpace(b[vs+1 : vs+end])
		if len(inner) == 0 || isMarker(bytes.Trim(inner, `"'`)) {
			return match{}, false
		}
		return match{start: vs + 1, end: vs + end, repl: Marker, rule: rule}, true
	}
	if nl < 0 || len(bytes.TrimSpace(b[vs+1:vs+nl])) > 0 {
		return match{}, false // not an array that opens its line's end
	}
	w := &blockWalker{take: arrayLine}
	e, more := w.walk(s, vs+1)
	if e == vs+1 && !more {
		return match{}, false
	}
	m := match{start: vs + 1, end: e, repl: Marker, rule: rule}
	if more {
		m.cont = &skipper{end: w.resume}
	}
	return m, true
}

// arrayLine takes the lines of a multi-line array: quoted items, objects, "... 3 more items".
func arrayLine(w *blockWalker, line []byte) bool {
	t := bytes.TrimLeft(line, " \t")
	if len(t) == 0 {
		return false
	}
	switch t[0] {
	case '"', '\'', '{', '}', '[':
		return true
	}
	return bytes.HasPrefix(t, []byte("... ")) || bytes.HasPrefix(t, []byte("…"))
}

// indentOf returns the indentation of the line holding b[i].
func indentOf(b []byte, i int) int {
	ls := i
	for ls > 0 && b[ls-1] != '\n' {
		ls--
	}
	return span(b, ls, i-ls, isSpace) - ls
}

// yamlBlockAt reads a YAML block scalar (password: |) whose header line ends at e: the lines
// indented more than the key.
func yamlBlockAt(s *scan, e int, keyIndent int, rule string) (match, bool) {
	w := &blockWalker{take: func(w *blockWalker, line []byte) bool {
		ind := span(line, 0, len(line), isSpace)
		return ind == len(line) || ind > w.indent
	}, indent: keyIndent}
	end, more := w.walk(s, e)
	// The value starts at the first line's text, so that its line break and indentation stay.
	start := span(s.buf, e, end-e, func(c byte) bool { return c == '\r' || c == '\n' || isSpace(c) })
	if start >= end && !more || isMarker(s.buf[start:end]) {
		return match{}, false
	}
	m := match{start: start, end: end, repl: Marker, rule: rule}
	if more {
		m.cont = &skipper{end: w.resume}
	}
	return m, true
}

// blockWalker walks the lines of a multi-line secret value, in one buffer or across several:
// it takes lines while take says so, and ends after the last non-blank line taken.
type blockWalker struct {
	take   func(w *blockWalker, line []byte) bool
	indent int
	inLine bool // stopped inside a long line that was taken and goes on
}

func (w *blockWalker) resume(s *scan, from int) (int, int) {
	end, more := w.walk(s, from)
	if !more {
		return end, 0
	}
	return -1, len(s.buf) - end
}

// walk starts at the end of a line (before its newline). It returns where the value ends; or,
// when the lines run to the buffer's end and more input will come, where to go on and more.
func (w *blockWalker) walk(s *scan, at int) (int, bool) {
	b, n := s.buf, len(s.buf)
	last, p := at, at
	if w.inLine {
		q := span(b, p, n, notEOL)
		if q == n && !s.final {
			return n, true
		}
		w.inLine = false
		last, p = q, q
	}
	for {
		for p < n && b[p] == '\r' {
			p++
		}
		if p < n && b[p] == '\n' {
			p++
		}
		if p >= n {
			return last, !s.final
		}
		e := bytes.IndexByte(b[p:], '\n')
		if e < 0 {
			if !s.final {
				if n-p <= maxUndecided {
					return last, true
				}
				if w.take(w, b[p:p+maxUndecided]) {
					w.inLine = true
					return n, true
				}
				return last, false
			}
			e = n
		} else {
			e += p
		}
		ce := e
		for ce > p && (b[ce-1] == '\r' || isSpace(b[ce-1])) {
			ce--
		}
		if !w.take(w, b[p:ce]) {
			return last, false
		}
		if ce > p && span(b, p, ce-p, isSpace) < ce {
			last = ce
		}
		p = e
	}
}

// xmlElementAt reads <password>…</password>, <ns:Password Type="…">…</wsse:Password> and
// <apiKey><![CDATA[…]]></apiKey>: isXML says the key opens an element; the match is its text.
func xmlElementAt(s *scan, ws, we int, rule string) (m match, ok, isXML bool) {
	b := s.buf
	i := ws
	if i > 0 && b[i-1] == ':' {
		i--
		for i > 0 && ws-i < 64 && (isAlnum(b[i-1]) || b[i-1] == '_' || b[i-1] == '-') {
			i--
		}
	}
	if i == 0 || b[i-1] != '<' {
		return match{}, false, false
	}
	gt := we
	if b[we] != '>' {
		if b[we] != ' ' && b[we] != '\t' {
			return match{}, false, false
		}
		k := bytes.IndexByte(b[we:min(len(b), we+512)], '>')
		if k < 0 || bytes.IndexByte(b[we:we+k], '<') >= 0 {
			return match{}, false, true
		}
		gt = we + k
	}
	if b[gt-1] == '/' {
		// <password value="…"/>: the value attribute; <password/> holds nothing.
		if k := bytes.Index(s.low[we:gt], []byte("value=")); k >= 0 && we+k+6 < gt && (b[we+k+6] == '"' || b[we+k+6] == '\'') {
			q := b[we+k+6]
			vs := we + k + 7
			if e := bytes.IndexByte(b[vs:gt], q); e > 0 && !isMarker(b[vs:vs+e]) {
				return match{start: vs, end: vs + e, repl: Marker, rule: rule}, true, true
			}
		}
		return match{}, false, true
	}
	vs := gt + 1
	if vs >= len(b) {
		return match{}, false, true
	}
	var end int
	var cont func(byte) bool
	if bytes.HasPrefix(b[vs:], []byte("<![CDATA[")) {
		vs += len("<![CDATA[")
		k := bytes.Index(b[vs:], []byte("]]>"))
		if k < 0 {
			end = len(b)
			cont = func(c byte) bool { return c != ']' }
		} else {
			end = vs + k
		}
	} else {
		cont = func(c byte) bool { return c != '<' }
		end = span(b, vs, 1<<20, cont)
	}
	v := b[vs:end]
	if len(bytes.TrimSpace(v)) == 0 || isMarker(v) || isHarmlessValue(b[ws:we], s.low[vs:end]) {
		return match{}, false, true
	}
	m = match{start: vs, end: end, repl: Marker, rule: rule}
	if cont != nil {
		m = open(s, m, cont)
	}
	return m, true, true
}

// nameKeys are the keys whose value names another value's key: name/value lists (Kubernetes
// and ECS env, HAR and Postman headers, .NET appSettings add key="" value="").
var nameKeys = map[string]bool{"name": true, "key": true, "variable": true, "param": true, "parameter": true,
	"header": true, "field": true, "property": true, "attribute": true, "setting": true}

// splitPairAt handles a secret name that is itself a value: - name: DB_PASSWORD, then value: …
// on the next line, {"name": "Authorization", "value": "Bearer …"}, <add key="Password"
// value="…"/>. The value of the "value" key that follows, in the same object or list item,
// goes.
func splitPairAt(s *scan, ws, we int) (match, bool) {
	b := s.buf
	rule := keyRule(s.low[ws:we])
	if rule == "" {
		return match{}, false
	}
	// Before the name: its key and separator.
	i := ws
	for k := 0; k < 3 && i > 0 && (b[i-1] == '"' || b[i-1] == '\'' || b[i-1] == '\\'); k++ {
		i--
	}
	i -= span(reverse(b[max(0, i-8):i]), 0, 8, isSpace)
	if i <= 0 || b[i-1] != ':' && b[i-1] != '=' {
		return match{}, false
	}
	i--
	i -= span(reverse(b[max(0, i-8):i]), 0, 8, isSpace)
	for k := 0; k < 3 && i > 0 && (b[i-1] == '"' || b[i-1] == '\'' || b[i-1] == '\\'); k++ {
		i--
	}
	ke := i
	for i > 0 && ke-i < 16 && isAlpha(b[i-1]) {
		i--
	}
	if !nameKeys[string(s.low[i:ke])] || i > 0 && isKeyChar(b[i-1]) {
		return match{}, false
	}
	// After it: "value" as a key, before the object or list item ends.
	limit := min(len(b), we+256)
	for p := we; p < limit; {
		k := bytes.Index(s.low[p:limit], []byte("value"))
		if k < 0 {
			return match{}, false
		}
		k += p
		p = k + 1
		if stop := bytes.IndexAny(b[we:k], "}>"); stop >= 0 {
			return match{}, false
		}
		if bytes.Contains(b[we:k], []byte("\n- ")) || bytes.Contains(b[we:k], []byte("\n\n")) {
			return match{}, false // the next list item
		}
		if k > 0 && isKeyChar(b[k-1]) || k+5 < len(b) && isKeyChar(b[k+5]) {
			continue
		}
		j := k + 5
		for j < len(b) && j-k-5 < 3 && (b[j] == '"' || b[j] == '\'' || b[j] == '\\') {
			j++
		}
		j = span(b, j, 8, isSpace)
		if j >= len(b) || b[j] != ':' && b[j] != '=' {
			continue
		}
		sep := b[j]
		vs := span(b, j+1, 16, isSpace)
		if vs >= len(b) {
			return match{}, false
		}
		return valueAt(s, vs, b[ws:we], rule, sep, atLineStart(s, k), k)
	}
	return match{}, false
}

// reverse returns b reversed, in a new slice (b is at most a few bytes).
func reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out
}

// plainSecretWords are secret key names that are also plain words, which start prose lines.
var plainSecretWord = map[string]bool{"password": true, "passwd": true, "pass": true, "passphrase": true, "passcode": true,
	"token": true, "tokens": true, "secret": true, "secrets": true, "auth": true, "authorization": true, "cookie": true,
	"cookies": true, "credential": true, "credentials": true, "signature": true, "private": true, "session": true,
	"webhook": true, "community": true, "key": true, "apikey": true, "creds": true, "mnemonic": true}

// configPasswordKeys are the password directives of configuration files written "name value".
var configPasswordKeys = map[string]bool{"requirepass": true, "masterauth": true, "rootpw": true, "bindpw": true,
	"masterpassword": true, "ldap_default_authtok": true}

// regTypes are the value types of "reg query" output: NAME    REG_SZ    value.
var regTypes = []string{"reg_sz", "reg_expand_sz", "reg_multi_sz", "reg_binary"}

// pairedValueAt handles a secret key whose value follows it without "=" or ":": the next
// element of a call or an array ('X-Api-Key', 'v' in Node's rawHeaders, setHeader('x-api-key',
// 'v'), define('DB_PASSWORD', 'v')), the text of an element the key names (<entry
// key="db.password">v</entry>), "reg query" output (DefaultPassword    REG_SZ    v), and a
// quoted value after "is", "was" or "to" (password was "v"). j is the first byte after the key,
// its closing quotes and spaces.
func pairedValueAt(s *scan, ws, we, j int, rawKey []byte, rule string, quotedKey, spaced bool) (match, bool) {
	b := s.buf
	switch {
	case quotedKey && b[j] == ',' && ws > 0 && (b[ws-1] == '\'' || b[ws-1] == '"'):
		vs := span(b, j+1, 8, isSpace)
		if vs < len(b) && b[vs] == '\\' && escapedQuote(b, vs) > 0 && ws > 1 && b[ws-2] == '\\' {
			return valueAt(s, vs, rawKey, rule, ',', false, ws) // \"X-Api-Key\",\"v\"
		}
		if vs < len(b) && (b[vs] == '\'' || b[vs] == '"') {
			if e := quotedEnd(b, vs+1, b[vs]); e < len(b) {
				if n := span(b, e+1, 8, isSpace); n < len(b) && b[n] == ':' {
					break // {"name":"password","value":…}: a key, not a value
				}
			}
			if e := quotedEnd(b, vs+1, b[vs]); span(b, vs+1, e-vs-1, func(c byte) bool { return 'a' <= c && c <= 'z' }) == e {
				break // a word: emit('token', 'expired'), ['password', 'username']
			}
			return valueAt(s, vs, rawKey, rule, ',', false, ws)
		}
	case quotedKey && b[j] == '>' && ws > 5 && b[ws-1] == '"' && b[ws-2] == '=':
		a := s.low[max(0, ws-7) : ws-2]
		if !bytes.HasSuffix(a, []byte("key")) && !bytes.HasSuffix(a, []byte("name")) {
			break
		}
		vs := j + 1
		ve := vs
		for ve < len(b) && ve-vs < 4096 && b[ve] != '<' && b[ve] != '\n' {
			ve++
		}
		if ve > vs && !isMarker(b[vs:ve]) && !isHarmlessValue(rawKey, s.low[vs:ve]) {
			return open(s, match{start: vs, end: ve, repl: Marker, rule: rule}, func(c byte) bool { return c != '<' && c != '\n' }), true
		}
	case spaced:
		if bytes.IndexByte(b[we:j], '\t') >= 0 && atLineStart(s, ws) {
			// name<TAB>value at the start of a line: a tab-separated dump.
			ve := span(b, j, 1<<16, notEOL)
			for ve > j && isSpace(b[ve-1]) {
				ve--
			}
			if ve > j && !isMarker(b[j:ve]) && !isHarmlessValue(rawKey, s.low[j:ve]) {
				return match{start: j, end: ve, repl: Marker, rule: rule}, true
			}
			return match{}, false
		}
		if atLineStart(s, ws) && !plainSecretWord[string(s.low[ws:we])] {
			// A configuration file's "name value" line: redis.conf requirepass, slapd.conf rootpw,
			// nslcd.conf bindpw. One word to the end of the line; a plain word as the name
			// ("Password must…", "Token expired") is prose.
			ve := span(b, j, 1<<12, func(c byte) bool { return c > ' ' })
			word := span(b, j, ve-j, func(c byte) bool { return 'a' <= c && c <= 'z' }) == ve // "privateKey loaded"
			if e := span(b, ve, 16, func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }); ve > j && (e == len(b) || b[e] == '\n') &&
				(!word || configPasswordKeys[string(s.low[ws:we])]) &&
				!isMarker(b[j:ve]) && !hasMarker(b[j:ve]) && !isHarmlessValue(rawKey, s.low[j:ve]) {
				return match{start: j, end: ve, repl: Marker, rule: rule}, true
			}
		}
		for _, t := range regTypes {
			if bytes.HasPrefix(s.low[j:], []byte(t)) && j+len(t) < len(b) && isSpace(b[j+len(t)]) {
				vs := span(b, j+len(t), 16, isSpace)
				ve := span(b, vs, 1<<16, notEOL)
				for ve > vs && isSpace(b[ve-1]) {
					ve--
				}
				if ve > vs && !isMarker(b[vs:ve]) && !isHarmlessValue(rawKey, s.low[vs:ve]) {
					return match{start: vs, end: ve, repl: Marker, rule: rule}, true
				}
				return match{}, false
			}
		}
		for _, w := range []string{"is ", "was ", "to "} {
			if bytes.HasPrefix(s.low[j:], []byte(w)) {
				vs := span(b, j+len(w), 4, isSpace)
				if vs < len(b) && (b[vs] == '\'' || b[vs] == '"' || b[vs] == '`') {
					return valueAt(s, vs, rawKey, rule, ' ', false, ws)
				}
			}
		}
	}
	return match{}, false
}

// identifiedAt handles SQL's CREATE/ALTER USER … IDENTIFIED BY 'password' (MySQL, Oracle,
// Snowflake): a quoted value, or a bare one that is not a word (Oracle: IDENTIFIED BY Tiger123).
func identifiedAt(s *scan, k int) ([]match, int) {
	b := s.buf
	end := k + len("identified by ")
	vs := span(b, end, 8, isSpace)
	if vs >= len(b) {
		return nil, end
	}
	if bytes.HasPrefix(s.low[vs:], []byte("values ")) || bytes.HasPrefix(s.low[vs:], []byte("password ")) {
		vs = span(b, span(b, vs, 16, isAlpha), 8, isSpace) // IDENTIFIED BY VALUES '…', BY PASSWORD '…'
	}
	if vs >= len(b) {
		return nil, end
	}
	var ve int
	if q := b[vs]; q == '\'' || q == '"' || q == '`' {
		vs++
		ve = quotedEnd(b, vs, q)
	} else {
		ve = span(b, vs, 256, func(c byte) bool { return c > ' ' && c != ';' && c != ',' && c != ')' })
		if v := b[vs:ve]; span(v, 0, len(v), isAlpha) == len(v) {
			return nil, end // a word: "identified by name"
		}
	}
	if ve <= vs || isMarker(b[vs:ve]) || hasMarker(b[vs:ve]) {
		return nil, end
	}
	return []match{{start: vs, end: ve, repl: Marker, rule: RulePasswordPair}}, end
}

// curlUserAt handles .curlrc's and .wgetrc's user = "name:password" (also proxy-user), at the
// start of a line: the password after the first colon.
func curlUserAt(s *scan, ws, we int) (match, bool) {
	b := s.buf
	if k := string(s.low[ws:we]); k != "user" && k != "proxy-user" || !atLineStart(s, ws) {
		return match{}, false
	}
	j := span(b, we, 8, isSpace)
	if j < len(b) && (b[j] == '=' || b[j] == ':') {
		j = span(b, j+1, 8, isSpace)
	}
	if j >= len(b) {
		return match{}, false
	}
	vs, ve := argAt(b, j)
	c := bytes.IndexByte(b[vs:ve], ':')
	if c <= 0 || vs+c+1 >= ve || isMarker(b[vs+c+1:ve]) || hasMarker(b[vs+c+1:ve]) {
		return match{}, false
	}
	return match{start: vs + c + 1, end: ve, repl: Marker, rule: RulePasswordPair}, true
}

// encodedQuotes are quotes as HTML and JSON's \u escapes write them, lowercase.
var encodedQuotes = [][]byte{[]byte("&quot;"), []byte("&#34;"), []byte("&#39;"), []byte("&apos;"), []byte("\\u0022"), []byte("\\u0027")}

// encodedQuote returns the length of the encoded quote at low[i:], or 0.
func encodedQuote(low []byte, i int) int {
	if i >= len(low) || low[i] != '&' && low[i] != '\\' {
		return 0
	}
	for _, q := range encodedQuotes {
		if bytes.HasPrefix(low[i:], q) {
			return len(q)
		}
	}
	return 0
}

// encodedValueAt reads the value after a key closed by an encoded quote (at i): the separator,
// an encoded opening quote, and the value up to the next "&" or "\".
func encodedValueAt(s *scan, i int, rawKey []byte, rule string) (match, bool) {
	b := s.buf
	i = span(b, i, 8, isSpace)
	if i >= len(b) || b[i] != ':' && b[i] != '=' {
		return match{}, false
	}
	vs := span(b, i+1, 8, isSpace)
	e := encodedQuote(s.low, vs)
	if e == 0 {
		return match{}, false
	}
	vs += e
	ok := func(c byte) bool { return c != '&' && c != '\\' && c != '<' && c != '"' && c != '\n' }
	end := span(b, vs, 1<<16, ok)
	if end == vs || isMarker(b[vs:end]) || isHarmlessValue(rawKey, s.low[vs:end]) {
		return match{}, false
	}
	return open(s, match{start: vs, end: end, repl: Marker, rule: rule}, ok), true
}

// isPctEq reports a percent-encoded "=" at b[i:].
func isPctEq(b []byte, i int) bool {
	return i+3 <= len(b) && b[i] == '%' && b[i+1] == '3' && (b[i+2] == 'D' || b[i+2] == 'd')
}
