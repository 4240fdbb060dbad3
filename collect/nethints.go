package collect

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

// agentHints are what the agent's Settings and logs say about its network: its integrator.io
// region and the host its SSH tunnel goes to. The settings collector adds what Settings say;
// the network collector, which runs after it, reads them and scans the newest logs itself.
type agentHints struct {
	mu    sync.Mutex
	hints []hostHint
}

// hostHint is one thing a Settings file or a log says.
type hostHint struct {
	source string // "settings" or "logs"
	region string // us or eu; empty when the hint is about a tunnel host only
	tunnel string // host or host:port of the SSH tunnel; empty when the hint is about the region
	ev     manifest.HintEvidence
}

func (h *agentHints) add(hs ...hostHint) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hints = append(h.hints, hs...)
}

func (h *agentHints) snapshot() []hostHint {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hostHint(nil), h.hints...)
}

// addSettings records what a Settings file says. data is the file after JSON redaction, so no
// secret is looked at; keys that look secret are skipped anyway.
func (h *agentHints) addSettings(source string, data []byte) {
	var v any
	if json.Unmarshal(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")), &v) != nil {
		return
	}
	var out []hostHint
	var walk func(keyPath string, v any)
	walk = func(keyPath string, v any) {
		switch t := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if redact.IsSecretKey(k) {
					continue
				}
				p := k
				if keyPath != "" {
					p = keyPath + "." + k
				}
				walk(p, t[k])
			}
		case []any:
			for _, e := range t {
				walk(keyPath, e)
			}
		case string:
			out = append(out, valueHints(source, keyPath, t)...)
		}
	}
	walk("", v)
	h.add(out...)
}

var (
	// integratorHost matches host names under integrator.io.
	integratorHost = regexp.MustCompile(`(?i)\b((?:[a-z0-9-]+\.)*integrator\.io)\b`)
	// regionKey matches the Settings keys that may name a region by a word.
	regionKey = regexp.MustCompile(`(?i)(^|[._])(region|environment|env|domain|datacenter|data_center|dc|location|instance)$`)
	// tunnelKey matches the Settings keys that may name the tunnel's host.
	tunnelKey = regexp.MustCompile(`(?i)tunnel|ssh|extension`)
	// hostValue is a host name or IPv4 address, optionally with a port, alone or in a URL.
	hostValue = regexp.MustCompile(`^(?:[a-z][a-z0-9+.-]*://)?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::(\d{1,5}))?/?$`)
)

// hostRegion says which region an integrator.io host belongs to.
func hostRegion(host string) string {
	for _, label := range strings.Split(strings.ToLower(host), ".") {
		if label == "eu" {
			return manifest.RegionEU
		}
	}
	return manifest.RegionUS
}

// isTunnelHost reports whether an integrator.io host name is one of the tunnel's.
func isTunnelHost(host string) bool {
	h := strings.ToLower(host)
	return strings.Contains(h, "extension") || strings.Contains(h, "tunnel") || strings.Contains(h, "ssh")
}

// valueHints reads one Settings value.
func valueHints(source, key, value string) []hostHint {
	var out []hostHint
	ev := func(v, means string) manifest.HintEvidence {
		return manifest.HintEvidence{Path: source, Key: key, Value: v, Means: means}
	}
	for _, m := range integratorHost.FindAllString(value, -1) {
		r := hostRegion(m)
		out = append(out, hostHint{source: "settings", region: r, ev: ev(m, "region "+r)})
		if isTunnelHost(m) {
			out = append(out, hostHint{source: "settings", tunnel: strings.ToLower(m), ev: ev(m, "tunnel host "+m)})
		}
	}
	if regionKey.MatchString(key) {
		switch w := strings.ToLower(strings.TrimSpace(value)); {
		case w == "eu" || w == "europe" || strings.HasPrefix(w, "eu-") || strings.HasPrefix(w, "eu_"):
			out = append(out, hostHint{source: "settings", region: manifest.RegionEU, ev: ev(value, "region eu")})
		case w == "us" || w == "na" || w == "north america" || strings.HasPrefix(w, "us-") || strings.HasPrefix(w, "us_"):
			out = append(out, hostHint{source: "settings", region: manifest.RegionUS, ev: ev(value, "region us")})
		}
	}
	if tunnelKey.MatchString(key) && len(integratorHost.FindAllString(value, -1)) == 0 {
		if m := hostValue.FindStringSubmatch(strings.TrimSpace(value)); m != nil && usableTunnelHost(m[1]) {
			t := m[1]
			if m[2] != "" {
				t += ":" + m[2]
			}
			out = append(out, hostHint{source: "settings", tunnel: strings.ToLower(t), ev: ev(value, "tunnel host "+t)})
		}
	}
	return out
}

// usableTunnelHost rejects what cannot be the remote end of the agent's tunnel.
func usableTunnelHost(h string) bool {
	h = strings.ToLower(h)
	if h == "localhost" || strings.HasPrefix(h, "127.") || h == "0.0.0.0" || strings.HasPrefix(h, "api.") {
		return false
	}
	// A file name such as "id_rsa.pub" or "known_hosts.txt" is not a host.
	switch filepath.Ext(h) {
	case ".pub", ".pem", ".key", ".txt", ".json", ".log", ".ppk":
		return false
	}
	return true
}

var (
	// logPort22 finds host:22 (Node's "connect ETIMEDOUT 1.2.3.4:22", URLs with :22).
	logPort22 = regexp.MustCompile(`(?i)\b((?:\d{1,3}\.){3}\d{1,3}|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}):22\b`)
	// logAddress22 finds Node error objects: address: '1.2.3.4', port: 22.
	logAddress22 = regexp.MustCompile(`(?i)(?:address|host(?:name)?)['"]?\s*[:=]\s*['"]([^'"\s]+)['"]\s*,\s*port['"]?\s*[:=]\s*22\b`)
)

// lineHints reads one log line.
func lineHints(source, line string) []hostHint {
	var out []hostHint
	ev := func(v, means string) manifest.HintEvidence {
		return manifest.HintEvidence{Path: source, Value: v, Means: means}
	}
	for _, m := range integratorHost.FindAllString(line, -1) {
		r := hostRegion(m)
		out = append(out, hostHint{source: "logs", region: r, ev: ev(m, "region "+r)})
		if isTunnelHost(m) {
			out = append(out, hostHint{source: "logs", tunnel: strings.ToLower(m), ev: ev(m, "tunnel host "+m)})
		}
	}
	var hosts []string
	for _, m := range logPort22.FindAllStringSubmatch(line, -1) {
		hosts = append(hosts, m[1])
	}
	for _, m := range logAddress22.FindAllStringSubmatch(line, -1) {
		hosts = append(hosts, m[1])
	}
	for _, h := range hosts {
		if usableTunnelHost(h) && !isIntegratorTunnelDup(h, out) {
			out = append(out, hostHint{source: "logs", tunnel: strings.ToLower(h), ev: ev(h+":22", "tunnel host "+h)})
		}
	}
	return out
}

func isIntegratorTunnelDup(h string, hs []hostHint) bool {
	for _, x := range hs {
		if x.tunnel == strings.ToLower(h) {
			return true
		}
	}
	return false
}

// Bounds of the log scan for hints: the newest few logs, the end of each.
const (
	hintLogs     = 3
	hintLogBytes = 1 << 20
)

// scanLogHints reads the end of the newest logs of each home for hints, until ctx's end; done
// says it read them all.
func scanLogHints(ctx context.Context, homes []home, open opener) (hints []hostHint, done bool) {
	type logFile struct {
		path string
		mod  int64
	}
	var files []logFile
	for _, h := range homes {
		// The logs collector records what cannot be read; hints are a bonus.
		for _, f := range h.files(nil, isLogFile) {
			files = append(files, logFile{f.path, f.mtime.UnixNano()})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod > files[j].mod })
	if len(files) > hintLogs {
		files = files[:hintLogs]
	}
	for _, f := range files {
		hints = append(hints, scanLogTail(ctx, open, f.path)...)
	}
	return hints, ctx.Err() == nil
}

// scanLogTail reads the last hintLogBytes of a log for hints, until ctx's end.
func scanLogTail(ctx context.Context, open opener, path string) []hostHint {
	f, err := open.OpenFile(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > hintLogBytes {
		if _, err := f.Seek(st.Size()-hintLogBytes, io.SeekStart); err != nil {
			return nil
		}
	}
	var out []hostHint
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), hintLogBytes) // every line of the tail fits
	for sc.Scan() && ctx.Err() == nil {
		line := sc.Text()
		if !strings.Contains(line, "integrator.io") && !strings.Contains(line, ":22") && !strings.Contains(line, "port") {
			continue // names no host, nor port 22
		}
		out = append(out, lineHints(path, line)...)
	}
	return out
}

// chooseRegion picks the region from the hints: Settings first, then the logs by the number of
// mentions; unknown when they say nothing or are split evenly.
func chooseRegion(hints []hostHint) manifest.RegionChoice {
	for _, source := range []string{"settings", "logs"} {
		count := map[string]int{}
		var ev []manifest.HintEvidence
		for _, h := range hints {
			if h.source == source && h.region != "" {
				count[h.region]++
				if len(ev) < maxHintEvidence && !hasEvidence(ev, h.ev) {
					ev = append(ev, h.ev)
				}
			}
		}
		us, eu := count[manifest.RegionUS], count[manifest.RegionEU]
		switch {
		case us > eu:
			return manifest.RegionChoice{Region: manifest.RegionUS, Source: source, Evidence: only(ev, "region us")}
		case eu > us:
			return manifest.RegionChoice{Region: manifest.RegionEU, Source: source, Evidence: only(ev, "region eu")}
		case us > 0:
			return manifest.RegionChoice{Region: manifest.RegionUnknown, Source: source, Evidence: ev}
		}
	}
	return manifest.RegionChoice{Region: manifest.RegionUnknown, Source: "default"}
}

// maxHintEvidence bounds the evidence kept for a choice.
const maxHintEvidence = 5

func hasEvidence(ev []manifest.HintEvidence, e manifest.HintEvidence) bool {
	for _, x := range ev {
		if x.Path == e.Path && x.Key == e.Key && x.Value == e.Value {
			return true
		}
	}
	return false
}

func only(ev []manifest.HintEvidence, means string) []manifest.HintEvidence {
	var out []manifest.HintEvidence
	for _, e := range ev {
		if e.Means == means {
			out = append(out, e)
		}
	}
	return out
}

// maxTunnelHosts bounds how many tunnel hosts are probed.
const maxTunnelHosts = 2

// tunnelHosts returns the tunnel hosts the hints name, Settings first, then the newest logs,
// with the evidence for each.
func tunnelHosts(hints []hostHint) ([]string, map[string]manifest.HintEvidence) {
	var out []string
	ev := map[string]manifest.HintEvidence{}
	for _, source := range []string{"settings", "logs"} {
		for _, h := range hints {
			if h.source != source || h.tunnel == "" {
				continue
			}
			if _, seen := ev[h.tunnel]; seen {
				continue
			}
			if len(out) == maxTunnelHosts {
				return out, ev
			}
			out = append(out, h.tunnel)
			ev[h.tunnel] = h.ev
		}
	}
	return out, ev
}
