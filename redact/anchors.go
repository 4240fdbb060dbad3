package redact

import (
	"bytes"
	"encoding/binary"
	"sort"
)

// Most rules start from a word: a key name (secret, credential), an auth scheme (bearer), a
// block's start (-----begin), a program that takes passwords on its command line (mysql), the
// registered literals. Searching the text once per word made the redactor slow, so the words of
// five bytes or more are found together in one pass: every second position's four bytes are
// hashed into a bitset of the words' four-byte fragments, and only the rare hits are checked
// against the words. A word of five bytes or more always has a fragment at an even position.
// The few shorter words (pass, pwd, key, auth) are found by their rarest byte (see pivotGroups).

// anchorKind says what an anchor word starts.
type anchorKind int

const (
	anchorKey        anchorKind = iota // a fragment of a secret key name
	anchorCommand                      // a program whose flags take passwords
	anchorNetUse                       // "net use", "net user"
	anchorPlain                        // "asplaintext": PowerShell's ConvertTo-SecureString
	anchorSMTPPass                     // "fzc3dvcmq6": the base64 "Password:" prompt of SMTP AUTH LOGIN
	anchorLogin                        // IMAP "LOGIN user password"
	anchorBearer                       // the "Bearer" auth scheme
	anchorBasic                        // the "Basic" auth scheme
	anchorPEM                          // "-----begin "
	anchorLiteral                      // a registered literal
	anchorIdentified                   // SQL's "IDENTIFIED BY 'password'"
)

// minGramWord is the shortest word the gram index finds: with probes at every second position,
// a word needs five bytes to always hold a probed four-byte fragment.
const minGramWord = 5

// staticAnchors are the words of five bytes or more that every redactor looks for, lowercase.
var staticAnchors = []struct {
	w    string
	kind anchorKind
}{
	{"token", anchorKey}, {"secret", anchorKey}, {"credential", anchorKey}, {"private", anchorKey},
	{"cookie", anchorKey}, {"session", anchorKey}, {"webhook", anchorKey},
	// Fragments of secretFragments that hold no other anchor word.
	{"signature", anchorKey}, {"sessid", anchorKey}, {"community", anchorKey}, {"samlresponse", anchorKey},
	{"verifier", anchorKey}, {"mnemonic", anchorKey}, {"-hmac", anchorKey}, {"_hmac", anchorKey},
	{"hmac-", anchorKey}, {"hmac_", anchorKey}, {"\"hmac", anchorKey}, {"'hmac", anchorKey}, {" hmac", anchorKey},
	// Secret keys of three letters, with the bytes around them that make five: SAS "sig",
	// Salesforce's "sid" cookie, DSNs, one-time passwords.
	{"&sig=", anchorKey}, {"?sig=", anchorKey}, {";sig=", anchorKey}, {"\"sig\"", anchorKey}, {"'sig'", anchorKey},
	{"&sid=", anchorKey}, {"?sid=", anchorKey}, {";sid=", anchorKey}, {" sid=", anchorKey}, {"\"sid\"", anchorKey},
	{"_dsn=", anchorKey}, {" dsn=", anchorKey}, {"\ndsn=", anchorKey}, {"\"dsn\"", anchorKey}, {"'dsn'", anchorKey},
	{" dsn:", anchorKey}, {"\ndsn:", anchorKey}, {"_dsn\"", anchorKey}, {" otp=", anchorKey}, {"\"otp\"", anchorKey},
	{"'otp'", anchorKey}, {" otp:", anchorKey},
	{"net use", anchorNetUse}, {"asplaintext", anchorPlain}, {"fzc3dvcmq6", anchorSMTPPass}, {"login", anchorLogin},
	{"bearer", anchorBearer}, {"basic", anchorBasic}, {"-----begin ", anchorPEM},
	// Programs that take a password after a flag (see passwordCommands).
	{"mysql", anchorCommand}, {"mariadb", anchorCommand}, {"sshpass", anchorCommand}, {"mongo", anchorCommand},
	{"cqlsh", anchorCommand}, {"docker", anchorCommand}, {"podman", anchorCommand}, {"psexec", anchorCommand},
	{"paexec", anchorCommand}, {"influx", anchorCommand}, {"rabbitmqadmin", anchorCommand}, {"sqlcmd", anchorCommand},
	{"osql ", anchorCommand}, {"isql ", anchorCommand}, {"unzip", anchorCommand}, {"ldapsearch", anchorCommand},
	{"ldapmodify", anchorCommand}, {"ldapadd", anchorCommand}, {"ldapdelete", anchorCommand},
	{"ldapwhoami", anchorCommand}, {"ldappasswd", anchorCommand}, {"ldapcompare", anchorCommand},
	{"redis-cli", anchorCommand}, {"smbclient", anchorCommand}, {"rpcclient", anchorCommand},
	{"curl ", anchorCommand}, {"curl.", anchorCommand}, {"wget ", anchorCommand}, {"wget.", anchorCommand},
	{"plink", anchorCommand}, {"pscp ", anchorCommand}, {"pscp.", anchorCommand}, {"psftp", anchorCommand},
	{"smbmap", anchorCommand}, {"bcp.exe", anchorCommand}, {"7z.exe", anchorCommand}, {"7za ", anchorCommand},
	{"unrar", anchorCommand}, {"ssh-keygen", anchorCommand}, {"az login", anchorCommand}, {"ipmitool", anchorCommand},
	{"hdbsql", anchorCommand}, {"vsql ", anchorCommand}, {"schtasks", anchorCommand}, {"openssl", anchorCommand},
	{"htpasswd", anchorCommand}, {"rabbitmqctl", anchorCommand}, {"lftp ", anchorCommand}, {"xfreerdp", anchorCommand},
	{"wfreerdp", anchorCommand}, {"rdesktop", anchorCommand}, {"ncftp", anchorCommand},
	// Password keys in other languages, and short keys with the bytes around them.
	{"senha", anchorKey}, {"contrase", anchorKey}, {"kennwort", anchorKey}, {"wachtwoord", anchorKey}, {"haslo", anchorKey},
	{"\"pw\":", anchorKey}, {"'pw':", anchorKey}, {" pw: ", anchorKey}, {"\tpw: ", anchorKey}, {"\npw: ", anchorKey},
	{"identified by ", anchorIdentified}, {"creds", anchorKey}, {"privkey", anchorKey}, {"recoverycode", anchorKey},
	{"backupcode", anchorKey}, {"\nuser", anchorKey}, {"proxy-user", anchorKey},
}

// shortKeyAnchors are the four-letter key fragments "pass" and "auth": the gram index finds them
// as five-byte words whose last byte may be anything (see gramWord.open).
func shortKeyAnchors() []gramWord {
	return []gramWord{{w: []byte("pass"), kind: anchorKey, lit: -1, open: true}, {w: []byte("auth"), kind: anchorKey, lit: -1, open: true}}
}

// gramWord is one word of a gram index.
type gramWord struct {
	w    []byte // lowercase
	kind anchorKind
	lit  int  // anchorLiteral: the literal's index in its literalSet
	open bool // one more byte, any, follows the word: it is found like a five-byte word
}

// gramRef is a word that has a fragment at offset off.
type gramRef struct {
	word int32
	off  int32
}

// gramIndex finds many words in one pass.
type gramIndex struct {
	words []gramWord
	bits  *[1 << indexBits / 64]uint64 // over fragHash of every four-byte fragment of every word
	refs  map[uint32][]gramRef
}

// indexBits is the size of a gram index's bitset: 32 KiB, few false hits.
const indexBits = 18

func fragHash(x uint32) uint32 { return (x * 2654435761) >> (32 - indexBits) }

func newGramIndex(words []gramWord) *gramIndex {
	g := &gramIndex{words: words, bits: new([1 << indexBits / 64]uint64), refs: map[uint32][]gramRef{}}
	add := func(frag []byte, i, off int) {
		h := fragHash(binary.LittleEndian.Uint32(frag))
		g.bits[h/64] |= 1 << (h % 64)
		for _, r := range g.refs[h] {
			if r == (gramRef{int32(i), int32(off)}) {
				return
			}
		}
		g.refs[h] = append(g.refs[h], gramRef{int32(i), int32(off)})
	}
	for i, w := range words {
		// A probe lands at an even offset of the word or at an odd one, whichever its start
		// is: one fragment of each parity is enough, the rarest of each.
		if len(w.w) >= 5 {
			for par := 0; par < 2; par++ {
				best, bs := -1, 0
				for off := par; off+4 <= len(w.w); off += 2 {
					if sc := fragScore(w.w[off : off+4]); best < 0 || sc < bs {
						best, bs = off, sc
					}
				}
				add(w.w[best:], i, best)
			}
		} else {
			for off := 0; off+4 <= len(w.w); off++ {
				add(w.w[off:], i, off)
			}
		}
		if w.open {
			off := len(w.w) - 3
			frag := append(append([]byte(nil), w.w[off:]...), 0)
			for c := 0; c < 256; c++ {
				frag[3] = byte(c)
				add(frag, i, off)
			}
		}
	}
	return g
}

// fragScore says how common a four-byte fragment is in text: the sum of its letter pairs'
// pairScores; a byte that is not a letter makes it rare.
func fragScore(f []byte) int {
	sc := 0
	for k := 0; k+1 < len(f); k++ {
		a, b := f[k], f[k+1]
		if 'a' <= a && a <= 'z' && 'a' <= b && b <= 'z' {
			sc += int(pairScores[int(a-'a')*26+int(b-'a')]) - 'A' - 12
		} else {
			sc -= 6
		}
	}
	return sc
}

// staticGramWords returns the static anchors as gram words.
func staticGramWords() []gramWord {
	out := make([]gramWord, 0, len(staticAnchors))
	for _, a := range staticAnchors {
		out = append(out, gramWord{w: []byte(a.w), kind: a.kind, lit: -1})
	}
	return append(out, shortKeyAnchors()...)
}

// anchorHit is a word found in a buffer.
type anchorHit struct {
	pos  int
	word int32
}

// find returns every occurrence of the index's words in low, by position and, at the same
// position, longest first.
func (g *gramIndex) find(low []byte, hits []anchorHit) []anchorHit {
	hits = hits[:0]
	n := len(low)
	bits, refs := g.bits, g.refs
	check := func(p int, h uint32) {
		for _, r := range refs[h] {
			gw := &g.words[r.word]
			w := gw.w
			st := p - int(r.off)
			if st >= 0 && st+len(w) <= n && (!gw.open || st+len(w) < n) && bytes.Equal(low[st:st+len(w)], w) {
				hits = append(hits, anchorHit{st, r.word})
			}
		}
	}
	p := 0
	for ; p+8 <= n; p += 4 {
		x := binary.LittleEndian.Uint64(low[p:])
		if h := fragHash(uint32(x)); bits[h/64]&(1<<(h%64)) != 0 {
			check(p, h)
		}
		if h := fragHash(uint32(x >> 16)); bits[h/64]&(1<<(h%64)) != 0 {
			check(p+2, h)
		}
	}
	for ; p+4 <= n; p += 2 {
		if h := fragHash(binary.LittleEndian.Uint32(low[p:])); bits[h/64]&(1<<(h%64)) != 0 {
			check(p, h)
		}
	}
	if len(hits) < 2 {
		return hits
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].pos != hits[j].pos {
			return hits[i].pos < hits[j].pos
		}
		li, lj := len(g.words[hits[i].word].w), len(g.words[hits[j].word].w)
		if li != lj {
			return li > lj
		}
		return hits[i].word < hits[j].word
	})
	out := hits[:1]
	for _, h := range hits[1:] {
		if last := out[len(out)-1]; h != last {
			out = append(out, h)
		}
	}
	return out
}

// anchors returns the words of the scan's gram index found in its buffer, computed once.
func (s *scan) anchors() []anchorHit {
	if !s.found {
		s.found = true
		s.hits = s.lits.index.find(s.low, s.hits)
	}
	return s.hits
}

// nextHit returns the first anchor at or after from whose kind want accepts, and its word;
// -1 when there is none.
func (s *scan) nextHit(from int, want func(anchorKind) bool) (int, *gramWord) {
	hits := s.anchors()
	i := sort.Search(len(hits), func(k int) bool { return hits[k].pos >= from })
	for ; i < len(hits); i++ {
		if w := &s.lits.index.words[hits[i].word]; want(w.kind) {
			return hits[i].pos, w
		}
	}
	return -1, nil
}
