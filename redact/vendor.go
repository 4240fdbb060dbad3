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
	{"lin_api_", 30, false},  // Linear
	{"sntrys_", 40, false},   // Sentry
	{"dckr_pat_", 20, false}, // Docker Hub
	{"rzp_live_", 14, false}, // Razorpay
	{"oy2", 40, false},       // NuGet
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
