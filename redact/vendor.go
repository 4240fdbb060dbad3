package redact

import "bytes"

// vendorPrefix is a token format known by its prefix (shapes from the vendors' documentation,
// as gitleaks' and Datadog's published rule lists record them).
type vendorPrefix struct {
	prefix  string
	minRest int  // shortest part after the prefix
	hexRest bool // the rest is hex digits
}

// vendorPrefixes are checked at the start of every run the detector sees, and of every segment
// of a path. They go whatever their randomness.
var vendorPrefixes = []vendorPrefix{
	{"xoxb-", 10, false}, {"xoxp-", 10, false}, {"xoxa-", 10, false}, {"xoxo-", 10, false}, // Slack
	{"xoxs-", 10, false}, {"xoxr-", 10, false}, {"xoxe-", 10, false}, {"xapp-", 10, false},
	{"ghp_", 30, false}, {"gho_", 30, false}, {"ghu_", 30, false}, {"ghs_", 30, false}, {"ghr_", 30, false}, // GitHub
	{"github_pat_", 22, false},
	{"sk_live_", 16, false}, {"rk_live_", 16, false}, {"sk_test_", 16, false}, {"rk_test_", 16, false}, // Stripe
	{"whsec_", 16, false},
	{"AIza", 30, false},                                               // Google API keys
	{"GOCSPX-", 20, false},                                            // Google OAuth client secrets
	{"glpat-", 20, false}, {"gldt-", 20, false}, {"glrt-", 20, false}, // GitLab
	{"npm_", 30, false},                                                                    // npm
	{"pypi-AgE", 40, false},                                                                // PyPI
	{"shpat_", 32, true}, {"shpss_", 32, true}, {"shpca_", 32, true}, {"shppa_", 32, true}, // Shopify
	{"dop_v1_", 64, true}, {"doo_v1_", 64, true}, {"dor_v1_", 64, true}, // DigitalOcean
	{"dapi", 32, true},                             // Databricks
	{"hf_", 30, false},                             // Hugging Face
	{"sk-proj-", 20, false},                        // OpenAI
	{"sk-ant-", 20, false},                         // Anthropic
	{"xkeysib-", 40, false},                        // Brevo
	{"sq0atp-", 20, false}, {"sq0csp-", 40, false}, // Square
	{"EAACEdEose0cBA", 20, false},             // Facebook
	{"ATATT3", 40, false},                     // Atlassian
	{"glsa_", 30, false}, {"glc_", 30, false}, // Grafana
	{"lin_api_", 30, false},                                          // Linear
	{"sntrys_", 40, false},                                           // Sentry
	{"dckr_pat_", 20, false},                                         // Docker Hub
	{"rzp_live_", 14, false},                                         // Razorpay
	{"oy2", 40, false},                                               // NuGet
	{"key-", 32, true},                                               // Mailgun
	{"PMAK-", 40, false},                                             // Postman
	{"NRAK-", 27, false}, {"NRII-", 27, false}, {"NRAA-", 27, false}, // New Relic
	{"sbp_", 40, true},                                                                  // Supabase
	{"sgp_", 40, false},                                                                 // Sourcegraph
	{"pul-", 40, true},                                                                  // Pulumi
	{"pscale_tkn_", 32, false}, {"pscale_pw_", 32, false}, {"pscale_oauth_", 32, false}, // PlanetScale
	{"shippo_live_", 40, true}, {"shippo_test_", 40, true}, // Shippo
	{"FLWSECK-", 32, false}, {"FLWSECK_TEST-", 32, false}, // Flutterwave
	{"figd_", 30, false},                     // Figma
	{"tskey-", 30, false},                    // Tailscale
	{"AGE-SECRET-KEY-1", 50, false},          // age
	{"nfp_", 36, false}, {"rnd_", 30, false}, // Netlify, Render
}

// vendorByFirst indexes vendorPrefixes by their first byte.
var vendorByFirst = func() (t [256][]int) {
	for i, v := range vendorPrefixes {
		t[v.prefix[0]] = append(t[v.prefix[0]], i)
	}
	return t
}()

// vendorMatch returns the vendor token that the run b[st:en] is or holds: a prefixed token at the
// start of the run or of a path segment, a Slack webhook path, or a SendGrid key (SG.x.y, whose
// dots split it into runs).
func vendorMatch(s *scan, st, en int) (match, bool) {
	b := s.buf
	vend := func(i, j int) (match, bool) {
		return match{start: i, end: j, repl: Marker, rule: RuleVendorToken}, true
	}
	// SendGrid: SG.<22>.<43>.
	if st >= 3 && bytes.Equal(b[st-3:st], []byte("SG.")) && (st == 3 || !isRunChar(b[st-4]) && b[st-4] != '.') &&
		en < len(b) && b[en] == '.' {
		if e := span(b, en+1, 128, isRunChar); e-en-1 >= 20 {
			return vend(st-3, e)
		}
	}
	// Slack webhooks: hooks.slack.com/services/T…/B…/…, also /workflows/ and /triggers/.
	if st >= len("hooks.slack.") && bytes.Equal(s.low[st-len("hooks.slack."):st], []byte("hooks.slack.")) {
		for _, p := range []string{"com/services/", "com/workflows/", "com/triggers/"} {
			if bytes.HasPrefix(b[st:en], []byte(p)) && en-st > len(p)+8 {
				return vend(st+len(p), en)
			}
		}
	}
	// Telegram bot tokens: <bot id>:AA<33 base64url>, the id before the colon.
	if st > 8 && b[st-1] == ':' && bytes.HasPrefix(b[st:en], []byte("AA")) {
		if p := backDigits(b, st-1); st-1-p >= 8 && st-1-p <= 12 {
			if e := span(b, st, en-st, isB64URL); e-st >= 33 && e-st <= 40 {
				return vend(p, e)
			}
		}
	}
	// Mailchimp: <32 hex>-us<dc>; Mailgun: <32 hex>-<8 hex>-<8 hex>.
	if v := b[st:en]; len(v) >= 36 && plainHex(v[:32]) {
		if len(v) <= 38 && bytes.HasPrefix(v[32:], []byte("-us")) && span(v, 35, 3, isDigit) == len(v) ||
			len(v) == 50 && v[32] == '-' && v[41] == '-' && plainHex(v[33:41]) && plainHex(v[42:]) {
			return vend(st, en)
		}
	}
	for i := st; i < en; {
		j := i
		for j < en && b[j] != '/' && b[j] != '+' && b[j] != '%' {
			j++
		}
		if m, ok := prefixed(b, i, j); ok {
			return m, true
		}
		i = j + 1
	}
	return match{}, false
}

// prefixed reports a vendor token at b[i:j].
func prefixed(b []byte, i, j int) (match, bool) {
	if j-i == 20 && (bytes.HasPrefix(b[i:], awsPrefixes[0]) || bytes.HasPrefix(b[i:], awsPrefixes[1])) &&
		span(b, i+4, 16, func(c byte) bool { return isDigit(c) || 'A' <= c && c <= 'Z' }) == j {
		return match{start: i, end: j, repl: Marker, rule: RuleAWSAccessKey}, true
	}
	if j-i < 14 {
		return match{}, false
	}
	for _, k := range vendorByFirst[b[i]] {
		v := &vendorPrefixes[k]
		if !bytes.HasPrefix(b[i:j], []byte(v.prefix)) {
			continue
		}
		rest := b[i+len(v.prefix) : j]
		if len(rest) < v.minRest || v.hexRest && span(rest, 0, len(rest), isHexDigit) < v.minRest {
			continue
		}
		return match{start: i, end: j, repl: Marker, rule: RuleVendorToken}, true
	}
	return match{}, false
}

// salesforceRule replaces Salesforce session ids and access tokens: the 15-character org id
// (00D…), "!", and the session part, as the sid cookie and the API carry them.
type salesforceRule struct{}

func isSessionChar(c byte) bool { return isAlnum(c) || c == '.' || c == '_' }

func (salesforceRule) next(s *scan, from, min int) (match, int, bool) {
	b := s.buf
	from = max(from, min+15)
	for from < len(b) {
		i := bytes.IndexByte(b[from:], '!')
		if i < 0 {
			return match{}, len(b), false
		}
		bang := from + i
		from = bang + 1
		org := bang - 15
		if org < min || b[org] != '0' || b[org+1] != '0' || span(b, org, 15, isAlnum) != bang ||
			org > 0 && isAlnum(b[org-1]) {
			continue
		}
		end := spanValue(b, bang+1, isSessionChar)
		if end-bang-1 < 40 && (end < len(b) || s.final) {
			continue
		}
		return open(s, match{start: org, end: end, repl: Marker, rule: RuleSalesforce}, isSessionChar), from, true
	}
	return match{}, len(b), false
}

// hexContext reports a hex run that the bytes just before it make part of a token, although hex
// runs alone are kept as hashes and ids: an Asana personal access token (2/<digits>/<digits>:
// <32 hex>), an Airtable one (pat<14>.<64 hex>), a Braintree access token
// (access_token$production$<id>$<32 hex>).
func hexContext(s *scan, st, en int) (match, bool) {
	b := s.buf
	if st == 0 {
		return match{}, false
	}
	vend := func(i int) (match, bool) { return match{start: i, end: en, repl: Marker, rule: RuleVendorToken}, true }
	n := en - st
	switch b[st-1] {
	case ':':
		if n != 32 {
			break
		}
		i := st - 1
		for i > 0 && st-i < 48 && (isDigit(b[i-1]) || b[i-1] == '/') {
			i--
		}
		if f := bytes.Split(b[i:st-1], []byte("/")); len(f) == 3 && len(f[0]) >= 1 && len(f[1]) >= 10 && len(f[2]) >= 10 &&
			(i == 0 || !isRunChar(b[i-1])) {
			return vend(i)
		}
	case '.':
		if n == 64 && st >= 18 && bytes.Equal(b[st-18:st-15], []byte("pat")) && span(b, st-15, 14, isAlnum) == st-1 {
			return vend(st - 18)
		}
	case '$':
		lo := max(0, st-64)
		if k := bytes.LastIndex(s.low[lo:st], []byte("access_token$")); k >= 0 &&
			span(b, lo+k+13, st-lo-k-13, func(c byte) bool { return isAlnum(c) || c == '$' }) == st {
			return vend(lo + k)
		}
	}
	return match{}, false
}

// cryptIDs are the ids of crypt(3) password hashes: $apr1$salt$hash, $2b$12$…, $6$salt$hash.
var cryptIDs = []string{"1", "2a", "2b", "2x", "2y", "5", "6", "7", "y", "gy", "apr1", "md5", "sha1", "argon2i", "argon2d", "argon2id", "scrypt", "pbkdf2-sha256", "pbkdf2-sha512"}

// cryptStart returns where the crypt(3) hash that the run at st ends begins ($id$…), or -1.
func cryptStart(b []byte, st int) int {
	if st == 0 || b[st-1] != '$' && b[st-1] != '.' && b[st-1] != '/' {
		return -1
	}
	k := st
	for k > 0 && st-k < 128 && (isRunChar(b[k-1]) || b[k-1] == '.' || b[k-1] == '$' || b[k-1] == ',' || b[k-1] == '=') {
		k--
	}
	for f := k; f < st; f++ {
		if b[f] != '$' {
			continue
		}
		for _, id := range cryptIDs {
			if e := f + 1 + len(id); e < st && b[e] == '$' && string(b[f+1:e]) == id {
				return f
			}
		}
	}
	return -1
}

// isPctB64 reports a percent-encoded base64 byte ("+", "/", "=") at b[i:].
func isPctB64(b []byte, i int) bool {
	if i+3 > len(b) || b[i] != '%' {
		return false
	}
	switch {
	case b[i+1] == '2' && (b[i+2] == 'B' || b[i+2] == 'b' || b[i+2] == 'F' || b[i+2] == 'f'):
		return true
	case b[i+1] == '3' && (b[i+2] == 'D' || b[i+2] == 'd'):
		return true
	}
	return false
}

// hasDigit reports whether v holds a digit.
func hasDigit(v []byte) bool {
	for _, c := range v {
		if isDigit(c) {
			return true
		}
	}
	return false
}

// extendSecret widens a secret run found by the detector to the whole token it belongs to, when
// bytes that are not run bytes split the token into pieces too short to be judged alone: "."
// (Discord tokens, Azure client secrets, Airtable, Dropbox), "~" (Azure client secrets,
// CloudFront signatures), percent-encoded "+", "/" and "=" (base64 in a query string: SAML
// responses, presigned URLs), "=" inside a vendor token (Atlassian), the crypt(3) id and salt
// before a password hash ($apr1$salt$…), the bot id before a Telegram token.
func extendSecret(s *scan, m match) match {
	b := s.buf
	e := m.end
	// Bounded well inside the stream's lookahead, so that a window's end never cuts an
	// extension short: the result does not depend on how the input was chunked.
	limit := min(len(b), m.end+maxExtension)
	for e < limit {
		switch c := b[e]; {
		case isPctB64(b, e):
			e = span(b, e+3, limit-e-3, isRunChar)
			continue
		case c == '~' && e+1 < limit && isRunChar(b[e+1]):
			e = span(b, e+1, limit-e-1, isRunChar)
			continue
		case c == '.' && e+1 < limit && isRunChar(b[e+1]):
			p := span(b, e+1, limit-e-1, isRunChar)
			if v := b[e+1 : p]; hasDigit(v) || p-e-1 >= 12 && statsOf(v).upper > 0 {
				e = p
				continue
			}
		case c == '=' && m.rule == RuleVendorToken && e+1 < limit && isRunChar(b[e+1]):
			e = span(b, e+1, limit-e-1, isRunChar)
			continue
		}
		break
	}
	st := m.start
	for st > 0 {
		switch c := b[st-1]; {
		case st >= 3 && isPctB64(b, st-3):
			st = back(b, st-3)
			continue
		case c == '~' && st >= 2 && isRunChar(b[st-2]):
			st = back(b, st-1)
			continue
		case c == '.' && st >= 2 && isRunChar(b[st-2]):
			if p := back(b, st-1); hasDigit(b[p:st-1]) && st-1-p <= 32 && (p == 0 || b[p-1] != '@') {
				st = p
				continue
			}
		case c == ':' && bytes.HasPrefix(b[st:], []byte("AA")):
			// Telegram: <bot id>:AA<33>.
			if p := backDigits(b, st-1); st-1-p >= 8 && st-1-p <= 12 {
				st = p
			}
		}
		break
	}
	if c := cryptStart(b, st); c >= 0 {
		st = c
	}
	m.start, m.end = st, max(e, m.end)
	return m
}

// maxExtension bounds how far extendSecret goes past the run it extends.
const maxExtension = 2048

// back returns the start of the run of run bytes that ends at i.
func back(b []byte, i int) int {
	for i > 0 && isRunChar(b[i-1]) {
		i--
	}
	return i
}

// backDigits returns the start of the digits that end at i.
func backDigits(b []byte, i int) int {
	for i > 0 && isDigit(b[i-1]) {
		i--
	}
	return i
}

// azureSecretRule replaces Microsoft Entra ID (Azure AD) client secrets: three characters, a
// digit, "Q~", then 31 to 34 more of [A-Za-z0-9_~.-]. The "~" and "." in them split the secret
// into pieces too short for the detector.
type azureSecretRule struct{}

func isAzureSecretChar(c byte) bool {
	return isAlnum(c) || c == '_' || c == '~' || c == '.' || c == '-'
}

func (azureSecretRule) next(s *scan, from, min int) (match, int, bool) {
	b := s.buf
	from = max(from, min+4)
	for from < len(b) {
		i := bytes.Index(b[from:], []byte("Q~"))
		if i < 0 {
			return match{}, len(b), false
		}
		q := from + i
		from = q + 1
		st := q - 4
		if st < min || !isDigit(b[q-1]) || span(b, st, 3, isAzureSecretChar) != q-1 || st > 0 && isAzureSecretChar(b[st-1]) {
			continue
		}
		end := span(b, q+2, 64, isAzureSecretChar)
		if end == len(b) && !s.final {
			return match{}, len(b), false // seen whole with more input
		}
		if n := end - q - 2; n < 30 || n > 40 {
			continue
		}
		return match{start: st, end: end, repl: Marker, rule: RuleVendorToken}, from, true
	}
	return match{}, len(b), false
}
