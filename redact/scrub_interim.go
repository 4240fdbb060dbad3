package redact

// Scrub returns p with the rules that are safe on opadiag's own generated text applied, and the
// replacements made: the registered literals (the agent token and its encodings) and the
// value-shaped credential rules (PEM blocks, JWTs, URL credentials, bearer and basic
// credentials, AWS keys), but not the key-name rules, which misfire on the manifest's own keys
// ("password_pair": 3). The bundle applies it to manifest.json, summary.txt and report.html as a
// last line of defence.
func (r *Redactor) Scrub(p []byte) ([]byte, Counts) {
	lits := r.snapshot()
	rules := newRules(lits)
	rules = rules[:len(rules)-1] // without the key-name rule, which comes last
	var out bytesBuffer
	w := &Writer{dst: &out, rules: rules, lits: lits, counts: Counts{}}
	_ = w.all(p)
	return out.b, w.counts
}

// SetStrict switches the redactor to strict mode, for a run whose agent token could not be
// learned; reason says why.
func (r *Redactor) SetStrict(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.strict, r.strictReason = true, reason
}

// Strict reports whether strict mode is on, and why.
func (r *Redactor) Strict() (bool, string) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.strict, r.strictReason
}
