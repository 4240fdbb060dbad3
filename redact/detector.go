package redact

import (
	"bytes"
	"math/bits"
)

// The generic detector finds secrets that neither a name nor a position gives away: an API key
// alone in a message, a credential in an unnamed array, a URL path that carries a token. It looks
// at runs of the bytes base64 and base64url are made of ([A-Za-z0-9+/_-], with "=" padding) and
// judges each run of 20 bytes or more:
//
//   - vendor tokens are known by their prefix (see vendor.go) and always go;
//   - hex-only runs (file and commit hashes, MongoDB ids, request ids, UUIDs) and digit runs are
//     kept: support reads them, and a hex secret is caught by its name or, in strict mode, by
//     its length;
//   - a run under a key that names an id or a hash (requestId, traceId, x-amz-id-2, etag,
//     sha256, checksum, integrity, cursor…) is kept;
//   - otherwise the run is secret when its letters are random: in identifiers, words, paths and
//     versions most pairs of adjacent letters are pairs frequent in English and in code (th,
//     er, on…), in random base64 they are not: each pair is scored by how much more often it
//     comes in words than by chance (pairScores), and a run whose mean score is low goes. The run must also mix enough distinct
//     characters (XXXXXXXX placeholders are kept) and, unless it is long and very random, hold a
//     digit.
//
// Paths and URLs are judged segment by segment, so that a token in a URL path goes and the words
// around it stay. Base64 that decodes to ordinary text is not kept: it is where configuration
// files and "user:password" pairs hide.
//
// To stay fast it does not look at every byte: it probes every 20th byte, and only a probe that
// lands in a run makes it find the run's ends. A run of 20 bytes or more always holds a probe.

const (
	minSecretRun = 20   // the shortest run the detector judges
	minTokenRun  = 16   // the same in strict mode
	maxJudged    = 1024 // a longer run is judged on its first maxJudged bytes
	minStrictHex = 24   // strict mode: hex runs this long go
	maxHashHex   = 64   // hex runs up to this long are hashes or ids; longer ones are data or keys
)

var runChars = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isAlnum(byte(c)) || c == '+' || c == '/' || c == '_' || c == '-'
	}
	return t
}()

func isRunChar(c byte) bool { return runChars[c] }

// isExtendedRunChar reports the bytes a secret run may go on with across a window's end (see
// extendSecret).
func isExtendedRunChar(c byte) bool {
	return runChars[c] || c == '.' || c == '~' || c == '%' || c == '='
}

// pairScores says how much more often each pair of letters (case folded, "aa" to "zz") comes
// in words and code than in random text: round(2*log2(676*p)), clipped to -12..12, where p is
// the pair's frequency in Go's source tree and Celigo's troubleshooting guide (hex literals left
// out; regenerate with TestPairScores). Stored as 'A'+12+score.
const pairScores = "" +
	"FNPQFMOBMCMSQRCOCSRSOLIKKBLHKDNFDANKAOECMIBLKFNCCFOBQHKHPHJPKAPMLHRJDLLPKKDFGANHJOQIGEODBLJHNIHNMIKHIIJB" +
	"PJQRMNOGKBGPOSJMLTRSINMPKCNDILNPFDPABNKIPJAMMLPCDDGAIFJEPHGKMAAKGLOIAKOKIECCABPBEHRDBBPAAGGCMEAJILHADADB" +
	"LLOOMQOAEAFQOVPMBNQQBLBKAMFAAAHAAAAAAABAEAAAGAFAAAAALEFEOEIBJAAFDHEEAEJFGAEAAAOFINRIHFQAGPFGRGDHNNPGGBLC" +
	"QKGMREDDNAEIMGOOAGLLMECCBAPGQQQMQEPALKIKPKCGQTLKEAJBNLPOKPKDNALOOSNQASOOPNMEAAQGLJQHGILAINJEPNBPNPMHFDIC" +
	"ABDCAAAAAAABFAABCEDALAAAAAQHMLULPFQBJKNQQIDQOOOJHDLAOJOJSHJNQAMLLHNNGKOSOFJFQEQHMISLHSRAELKHQODRPNQGIKQF" +
	"JLLHQLIBQAAOLRFLDQOPAABNACQGJJPHEFKAAHIFILFGJIDGHHABLDGFLDBKNAAFFIKGAMJEDICAAAKIKIKNABMAADGFGLAFHNEFFECC" +
	"DCFCGBAAGAAHMKFPAHONBCBBADDACANAAAFAAAAAEAADAAAAABAE"

// runStats describes a run for the detector.
type runStats struct {
	n, letters, upper, lower, digits int
	pairs, score                     int  // adjacent letter pairs, and the sum of their pairScores
	trans                            int  // adjacent characters of different classes (upper, lower, digit)
	hex                              bool // only hex digits of one case, and - separators
}

// distinct counts the different bytes of v.
func distinct(v []byte) int {
	var seen [4]uint64
	for _, c := range v {
		seen[c>>6] |= 1 << (c & 63)
	}
	n := 0
	for _, w := range seen {
		n += bits.OnesCount64(w)
	}
	return n
}

func statsOf(v []byte) runStats {
	st := runStats{n: len(v), hex: true}
	prev := -1 // previous letter, folded, or -1
	prevLower := false
	prevClass := byte(0)
	lowerHex, upperHex := false, false
	for _, c := range v {
		l := -1
		switch {
		case 'a' <= c && c <= 'z':
			st.lower++
			l = int(c - 'a')
			if c > 'f' {
				st.hex = false
			}
			lowerHex = true
		case 'A' <= c && c <= 'Z':
			st.upper++
			l = int(c - 'A')
			if c > 'F' {
				st.hex = false
			}
			upperHex = true
		case '0' <= c && c <= '9':
			st.digits++
		case c == '-':
		default:
			st.hex = false
		}
		// A pair across a camelCase boundary (tE in getEmail) joins two words: not scored.
		if l >= 0 && prev >= 0 && !(prevLower && 'A' <= c && c <= 'Z') {
			st.pairs++
			st.score += int(pairScores[prev*26+l]) - 'A' - 12
		}
		prev, prevLower = l, 'a' <= c && c <= 'z'
		class := byte(0)
		switch {
		case 'a' <= c && c <= 'z':
			class = 1
		case 'A' <= c && c <= 'Z':
			class = 2
		case '0' <= c && c <= '9':
			class = 3
		}
		if class != 0 && prevClass != 0 && class != prevClass {
			st.trans++
		}
		prevClass = class
	}
	if lowerHex && upperHex {
		st.hex = false
	}
	st.letters = st.upper + st.lower
	return st
}

// pairBits is the mean of a run's pairScores in bits: about -2.3 for random letters, above 1
// for words and identifiers.
func (st runStats) pairBits() float64 { return float64(st.score) / 2 / float64(st.pairs) }

// random reports whether a run's letters look random rather than like words: their pairs are
// rarer in words than chance would make them (the bar is lower the fewer pairs there are, so
// that one short random string in ten thousand passes), the run mixes enough distinct
// characters, and it holds a digit unless it is long and very random. strict lowers every
// threshold.
func (st runStats) random(strict bool, minLen int, v []byte) bool {
	minDistinct, minPairs, bar := 10, 6, min(1.0, 12/float64(max(st.pairs, 1)))
	if strict {
		minDistinct, minPairs, bar = 8, 4, min(1.5, 16/float64(max(st.pairs, 1)))
	}
	if st.n < minLen || st.letters < 6 {
		return false
	}
	// Characters of three classes that change at almost every step (k7Jd9Qx2) are random
	// whatever the few letter pairs say.
	churn := st.upper > 0 && st.lower > 0 && st.digits >= 3 && float64(st.trans) >= 0.55*float64(st.n-1)
	bits := -3.0
	if st.pairs > 0 {
		bits = st.pairBits()
	}
	if !churn && (st.pairs < minPairs || bits > bar) {
		return false
	}
	if st.digits == 0 && (!strict && bits > -0.3 || strict && bits > 0 || st.upper == 0 || st.lower == 0) {
		return false // letters only: identifiers (uncaughtException), unless plainly random
	}
	// One case of letters with digits: order, tracking and licence numbers are upper case and
	// ids are often lower case; secrets of that alphabet are long.
	if !strict && (st.upper == 0 && st.n < 24 || st.lower == 0 && st.n < 32) {
		return false
	}
	return distinct(v) >= minDistinct
}

// detector is the rule for the generic detector, the vendor tokens and, in strict mode, the
// token shapes.
type detector struct {
	s     *scan
	queue []match // further matches found in the last run judged (tokens in several path segments)
	found []match // scratch for judge
}

func (d *detector) next(s *scan, from, min int) (match, int, bool) {
	if d.s != s {
		d.s, d.queue = s, d.queue[:0]
	}
	for len(d.queue) > 0 {
		m := d.queue[0]
		d.queue = d.queue[1:]
		if m.start >= min {
			return open(s, m, isRunChar), m.end, true
		}
	}
	b := s.buf
	n := len(b)
	stride := minSecretRun
	if s.strict {
		stride = minTokenRun
	}
	start := max(from, min)
	for p := start + stride - 1; p < n; p += stride {
		if !isRunChar(b[p]) {
			continue
		}
		st := p
		for st > start && isRunChar(b[st-1]) {
			st--
		}
		en := span(b, p, n, isRunChar)
		if c := s.before(st); c >= 0 && isRunChar(byte(c)) {
			p = en - 1 // the rest of a run judged before
			continue
		}
		// "=" padding belongs to the run when nothing word-like follows it.
		if pad := span(b, en, 2, func(c byte) bool { return c == '=' }); pad > en && (pad == n || !isRunChar(b[pad])) {
			en = pad
		}
		if en == n && !s.final && en-st < maxJudged {
			// Seen whole in a later window; a run that starts before the window's end always is.
			return match{}, n, false
		}
		if en-st < stride {
			// A probe lands in a shorter run only by chance: judging it would make the result
			// depend on where the input was cut.
			p = en - 1
			continue
		}
		if d.found = judge(s, st, en, d.found[:0]); len(d.found) > 0 && !holdsLiteral(s, st, en) {
			m := d.found[0]
			more := isRunChar
			if len(d.found) == 1 {
				x := extendSecret(s, m)
				if x.end > m.end {
					more = isExtendedRunChar
				}
				if x.start >= min {
					m = x
				} else {
					m.end = x.end
				}
			}
			if m.start < min {
				m.start = st
			}
			d.queue = append(d.queue[:0], d.found[1:]...)
			return open(s, m, more), m.end, true
		}
		p = en - 1
	}
	return match{}, n, false
}

// judge decides whether the run b[st:en] is a secret, and returns its matches: the whole run,
// or, for a path, each secret segment. What the run is comes first; the key it is written
// under (an id, a hash) is looked at only for a run that would go.
func judge(s *scan, st, en int, out []match) []match {
	b := s.buf
	v := b[st:min(en, st+maxJudged)]
	if st > 0 && (b[st-1] == ':' || b[st-1] == '.' || b[st-1] == '$') && plainHex(v) {
		if m, ok := hexContext(s, st, en); ok {
			return append(out, m)
		}
	}
	if !s.strict && len(v) <= maxHashHex && len(v) != 32 && plainHex(v) {
		return out // a hash or an id: the common case, decided at once
	}
	if m, ok := vendorMatch(s, st, en); ok {
		return append(out, m)
	}
	if len(v) < minTokenRun || overlapsMarker(b, st, min(len(b), en+1)) || hasHashPrefix(v) {
		return out // what a rule left around a hash marker; an integrity string
	}
	var ctx []byte
	ctxDone := false
	keptByKey := func() bool {
		if !ctxDone {
			ctx, ctxDone = keyBefore(s, st), true
		}
		return isHashKey(ctx) || isIDKey(ctx)
	}
	one := func(rule string) []match { return append(out, match{start: st, end: en, repl: Marker, rule: rule}) }
	if len(v) == 40 && nearAWSKeyID(b, st, en) && !keptByKey() {
		return one(RuleAWSSecretKey)
	}
	if len(v) == 34 && isUpper(v[0]) && isUpper(v[1]) && plainHex(v[2:]) && !isUpper(v[2]) {
		return out // a Twilio SID (AC…, SK…, PN…): an identifier
	}
	if hexRun(v) {
		if rule := hexRule(s, st, en, v); rule != "" && !keptByKey() {
			return one(rule)
		}
		return out
	}
	rule := RuleHighEntropy
	if s.strict {
		rule = RuleTokenShaped
	}
	// Judge what is left once the segments support reads are set aside: hex (hashes, ids),
	// digits, and words (ERR_SSL, SHA384, node_modules, camelCase).
	var residue runStats
	hits := out
	words, wordLen, others := 0, 0, 0
	segs := s.segs[:0] // strict mode: the segments, for joining a token's pieces (see joinSegments)
	defer func() { s.segs = segs[:0] }()
	for i := 0; i < len(v); {
		j := i + span(v[i:], 0, len(v)-i, notSegmentSep)
		seg := v[i:j]
		sst := statsOf(seg)
		joinable, hit := false, false
		switch {
		case len(seg) == 0:
		case sst.hex && (len(seg) >= 7 || sst.letters == 0):
			if r := hexRule(s, st+i, st+j, seg); r != "" {
				hits = append(hits, match{start: st + i, end: st + j, repl: Marker, rule: r})
			}
			joinable = sst.letters == 0
		case sst.letters == 0:
			joinable = true
		case isWordSegment(seg, sst):
			words++
			wordLen += len(seg)
			joinable = sst.letters <= 3 && sst.digits > 0
		default:
			others++
			residue.add(sst)
			joinable = true
			if sst.random(s.strict, minSegment(s.strict), seg) {
				end := st + j
				if j == len(v) {
					end = en
				}
				hits = append(hits, match{start: st + i, end: end, repl: Marker, rule: rule})
				hit = true
			}
		}
		if s.strict {
			segs = append(segs, segment{i, j, joinable, hit})
		}
		i = j + 1
	}
	if s.strict && len(hits) > len(out) {
		hits = joinSegments(hits, len(out), segs, st, en, len(v), rule)
	}
	// A path when words make a fifth of it; otherwise base64 with a few "/" and "+" in it.
	if others > 0 && (wordLen*5 < len(v) || bytes.IndexByte(v, '/') < 0) {
		// Not a path: the run is judged whole.
		minLen := minSecretRun - 4
		if s.strict {
			minLen = minTokenRun - 4
		}
		if residue.random(s.strict, minLen, v) {
			if keptByKey() {
				return out
			}
			return one(rule)
		}
	}
	if len(hits) > len(out) && keptByKey() {
		return out
	}
	return hits
}

// segment is a part of a run between separators, as judge saw it.
type segment struct {
	i, j          int  // v[i:j]
	joinable, hit bool // it may be a piece of a token; it was judged random
}

// joinSegments, in strict mode, widens each random segment to the segments next to it that
// could be pieces of the same token (base64 holds "/" and "+"): other random-looking parts,
// digits, and short letters-and-digits (KX7, mQ2); a word or a hash stops it. hits[from:] are
// the segments' matches, in order.
func joinSegments(hits []match, from int, segs []segment, st, en, n int, rule string) []match {
	out := hits[:from]
	for k := 0; k < len(segs); k++ {
		if !segs[k].hit {
			continue
		}
		a, e := k, k
		for a > 0 && segs[a-1].joinable {
			a--
		}
		for e+1 < len(segs) && segs[e+1].joinable {
			e++
		}
		end := st + segs[e].j
		if segs[e].j == n {
			end = en
		}
		out = append(out, match{start: st + segs[a].i, end: end, repl: Marker, rule: rule})
		k = e
	}
	// The hex hits (hexRule) outside the joined spans stay.
	for _, m := range hits[from:] {
		random := false
		for _, g := range segs {
			random = random || g.hit && st+g.i == m.start
		}
		if random {
			continue
		}
		inside := false
		for _, j := range out[from:] {
			if j.start <= m.start && m.end <= j.end {
				inside = true
			}
		}
		if !inside {
			out = append(out, m)
		}
	}
	for i := from + 1; i < len(out); i++ { // in order: few matches
		for j := i; j > from && out[j].start < out[j-1].start; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func notSegmentSep(c byte) bool { return c != '/' && c != '+' && c != '_' && c != '-' }

// holdsLiteral reports a run that holds a registered literal: the token inside base64 (a Basic
// header, a JWT payload) is left to its own rule, whose hash marker tells support it was there.
func holdsLiteral(s *scan, st, en int) bool {
	for p := st; ; {
		at, w := s.nextHit(p, isLiteralAnchor)
		if at < 0 || at >= en {
			break
		}
		if at+len(w.w) <= en {
			return true
		}
		p = at + 1
	}
	for _, i := range s.lits.short {
		if bytes.Contains(s.low[st:en], s.lits.lits[i].low) {
			return true
		}
	}
	return false
}

// minSegment is the shortest path segment judged on its own.
func minSegment(strict bool) int {
	if strict {
		return minTokenRun
	}
	return minSecretRun
}

// isWordSegment reports a segment that reads as a word: one case of letters with digits after
// them (SHA384, utf8, v1, ECONNRESET), or letters whose pairs are those of words (camelCase
// identifiers, English).
func isWordSegment(seg []byte, st runStats) bool {
	if st.upper == 0 || st.lower == 0 || st.upper == 1 && isUpper(seg[0]) {
		l := span(seg, 0, len(seg), isAlpha)
		if span(seg, l, len(seg)-l, isDigit) == len(seg) && l <= 12 {
			return true
		}
	}
	return st.digits == 0 && st.pairs > 0 && st.pairBits() >= 1.2
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

// add accumulates a segment's counts.
func (st *runStats) add(o runStats) {
	st.n += o.n
	st.letters += o.letters
	st.upper += o.upper
	st.lower += o.lower
	st.digits += o.digits
	st.pairs += o.pairs
	st.score += o.score
	st.trans += o.trans
}

// hexRule judges a run of hex digits: hashes and ids are kept, except in strict mode where a
// long one may be the token; a Twilio auth token goes when its account id is next to it. It
// returns the rule to count the run under, or "".
func hexRule(s *scan, st, en int, v []byte) string {
	longest := 0
	for i := 0; i < len(v); {
		j := i + span(v[i:], 0, len(v)-i, func(c byte) bool { return c != '-' })
		longest = max(longest, j-i)
		i = j + 1
	}
	switch {
	case isUUID(v):
		return ""
	case span(v, 0, len(v), isDigit) == len(v):
		// A number: kept, but in strict mode a long one may be the token.
		if s.strict && len(v) >= minStrictHex {
			return RuleTokenShaped
		}
		return ""
	case longest == 32 && nearTwilioSID(s.buf, st, en):
		return RuleVendorToken
	case s.strict && longest >= minStrictHex:
		return RuleTokenShaped
	case longest > maxHashHex && s.strict:
		return RuleTokenShaped
	case longest > maxHashHex:
		return RuleHighEntropy
	}
	return ""
}

// isUUID reports the 8-4-4-4-12 shape.
func isUUID(v []byte) bool {
	if len(v) != 36 {
		return false
	}
	for i, c := range v {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if c == '-' {
			return false
		}
	}
	return true
}

// keyBefore returns the key the value at st is written under (key=v, key: v, "key": "v",
// key=>v, <key>v), lowercase, or nil. A value with dots in it (an S3 version id) is followed
// back to its start.
func keyBefore(s *scan, st int) []byte {
	b := s.buf
	i := st
	for i > 0 && st-i < 256 && (isRunChar(b[i-1]) || b[i-1] == '.') {
		i--
	}
	for k := 0; k < 4 && i > 0 && (b[i-1] == '"' || b[i-1] == '\'' || b[i-1] == ' ' || b[i-1] == '\\'); k++ {
		i--
	}
	if i > 1 && b[i-1] == '>' && b[i-2] != '=' {
		// <name attr="…">value: the element's name, without its namespace prefix.
		lt := bytes.LastIndexByte(b[max(0, i-256):i], '<')
		if lt < 0 {
			return nil
		}
		lt += max(0, i-256)
		e := lt + 1 + span(b[lt+1:i], 0, i-lt-1, func(c byte) bool { return c != ' ' && c != '>' && c != '/' })
		name := s.low[lt+1 : e]
		if c := bytes.LastIndexByte(name, ':'); c >= 0 {
			name = name[c+1:]
		}
		return name
	}
	if i > 1 && b[i-1] == '>' {
		i--
	}
	if i == 0 || b[i-1] != '=' && b[i-1] != ':' {
		return nil
	}
	i--
	for k := 0; k < 4 && i > 0 && (b[i-1] == '"' || b[i-1] == '\'' || b[i-1] == ' ' || b[i-1] == '\\'); k++ {
		i--
	}
	e := i
	for i > 0 && e-i < 64 && isKeyChar(b[i-1]) {
		i--
	}
	return s.low[i:e]
}

// hashWords name hashes and opaque references support must read.
var hashWords = [][]byte{[]byte("sha"), []byte("md5"), []byte("hash"), []byte("digest"), []byte("checksum"),
	[]byte("crc"), []byte("etag"), []byte("integrity"), []byte("fingerprint"), []byte("thumbprint"),
	[]byte("commit"), []byte("cursor"), []byte("version")}

func isHashKey(k []byte) bool {
	for _, w := range hashWords {
		if bytes.Contains(k, w) {
			return true
		}
	}
	return false
}

// hasHashPrefix reports an integrity string: sha512-<base64>.
func hasHashPrefix(v []byte) bool {
	if v[0] != 's' && v[0] != 'm' {
		return false
	}
	for _, p := range hashPrefixes {
		if bytes.HasPrefix(v, p) {
			return true
		}
	}
	return false
}

var hashPrefixes = [][]byte{[]byte("sha1-"), []byte("sha256-"), []byte("sha384-"), []byte("sha512-"), []byte("md5-")}

// hexRun reports hex digits of one case, "-" allowed between them (UUIDs, trace ids).
func hexRun(v []byte) bool {
	lower, upper := false, false
	for _, c := range v {
		switch {
		case '0' <= c && c <= '9', c == '-':
		case 'a' <= c && c <= 'f':
			lower = true
		case 'A' <= c && c <= 'F':
			upper = true
		default:
			return false
		}
	}
	return !(lower && upper)
}

// plainHex reports a run of hex digits of one case (ids, hashes), the common long run.
func plainHex(v []byte) bool {
	lower, upper := false, false
	for _, c := range v {
		switch {
		case '0' <= c && c <= '9':
		case 'a' <= c && c <= 'f':
			lower = true
		case 'A' <= c && c <= 'F':
			upper = true
		default:
			return false
		}
	}
	return !(lower && upper)
}

// isIDKey reports a key that names an id: requestId, x-amz-id-2, traceparent, correlation_id.
func isIDKey(k []byte) bool {
	for i := 0; i < len(k); {
		j := i + span(k[i:], 0, len(k)-i, isAlnum)
		w := k[i:j]
		if bytes.HasSuffix(w, []byte("id")) || bytes.HasSuffix(w, []byte("ids")) || bytes.Equal(w, []byte("traceparent")) ||
			bytes.Equal(w, []byte("tracestate")) {
			return true
		}
		i = j + 1
	}
	return false
}

// lineAround returns the bounds of the text within d bytes of b[st:en] on the same line.
func lineAround(b []byte, st, en, d int) (int, int) {
	lo := max(0, st-d)
	if i := bytes.LastIndexByte(b[lo:st], '\n'); i >= 0 {
		lo += i + 1
	}
	hi := min(len(b), en+d)
	if i := bytes.IndexByte(b[en:hi], '\n'); i >= 0 {
		hi = en + i
	}
	return lo, hi
}

// nearAWSKeyID reports an AWS access key id on the same line, within 128 bytes.
func nearAWSKeyID(b []byte, st, en int) bool {
	lo, hi := lineAround(b, st, en, 128)
	for _, p := range awsPrefixes {
		for i := lo; ; {
			j := bytes.Index(b[i:hi], p)
			if j < 0 {
				break
			}
			j += i
			i = j + 1
			if (j == 0 || !isAlnum(b[j-1])) && span(b, j+4, 16, func(c byte) bool { return isDigit(c) || 'A' <= c && c <= 'Z' }) == j+20 {
				return true
			}
		}
	}
	return false
}

// nearTwilioSID reports a Twilio account or API key SID (AC or SK and 32 hex digits) on the same
// line, within 128 bytes.
func nearTwilioSID(b []byte, st, en int) bool {
	lo, hi := lineAround(b, st, en, 128)
	for _, p := range [][]byte{[]byte("AC"), []byte("SK")} {
		for i := lo; i+34 <= hi; {
			j := bytes.Index(b[i:hi], p)
			if j < 0 {
				break
			}
			i += j
			if (i == 0 || !isAlnum(b[i-1])) && span(b, i+2, 32, isHexDigit) == i+34 && (i+34 == len(b) || !isAlnum(b[i+34])) {
				return true
			}
			i++
		}
	}
	return false
}

func isHexDigit(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
