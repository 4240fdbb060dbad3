// Package diagnose draws findings from a support bundle: its manifest and its files. Run scans
// the bundled logs (the agent's, its crash file, the service's journal and event extracts) and
// reads the network probes, then applies the checks of Celigo's troubleshooting guide. Each
// finding has a severity, a plain title, the detail that supports it (which host, when, how
// often, what each source says), evidence pointing into the bundle, and a remedy in the guide's
// words. Checks are pure: they read no clock (the time of the run is the manifest's) and no
// file but the bundle's.
package diagnose

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opadiag/opadiag/manifest"
)

// input is what the checks look at.
type input struct {
	m       *manifest.Manifest
	files   []manifest.File
	omitted []manifest.Omitted
	logs    *LogScan
	lf      *logFacts
	probes  *manifest.Probes // network/probes.json; nil when the network was not probed
	probErr string           // why network/probes.json could not be read, "" when it could or is absent
	unread  []string         // bundle entries that could not be read, with the reason
	now     time.Time
	version versionInfo
}

// check draws zero or more findings.
type check func(in *input) []manifest.Finding

var checks = []check{
	checkHomes,
	checkSettings,
	checkToken,
	checkCrash,
	checkLogsPresent,
	checkRecency,
	checkHeartbeat,
	checkGaps,
	checkIntegratorErrors,
	checkNoInternet,
	checkTunnel,
	checkNetworkProbes,
	checkProbesFile,
	checkBind,
	checkEPERM,
	checkUpdateUninstall,
	checkEnv,
	checkRestarts,
	checkExceptions,
	checkResources,
	checkTargets,
	checkService,
	checkInstances,
	checkVersion,
	checkPath,
	checkPrerequisites,
	checkOOM,
	checkResourcesLow,
	checkInstanceType,
	checkDenied,
	checkStrict,
	checkUnread,
	checkCollectors,
}

// causeRank orders findings of one severity: the likelier cause of an offline agent first, its
// symptoms after it, other hosts' troubles and context last. Ids not listed rank in between.
var causeRank = map[string]int{
	"agent.not_found":         0,
	"settings.missing":        1,
	"settings.unreadable":     1,
	"settings.stalled":        1,
	"settings.not_read":       1,
	"settings.left_out":       1,
	"token.missing":           2,
	"token.empty":             2,
	"token.malformed":         2,
	"token.rejected":          3,
	"agent.not_running":       4,
	"logs.silent":             5,
	"service.not_running":     6,
	"crash.service":           7,
	"agent.instances":         8,
	"port.bind":               9,
	"port.in_use":             9,
	"os.windows_2012r2":       10,
	"agent.version_old":       11,
	"clock.skew":              12,
	"network.dns":             13,
	"network.firewall":        13,
	"network.tls_intercepted": 13,
	"network.proxy_auth":      13,
	"network.no_internet":     14,
	"network.timeout":         15,
	"network.refused":         15,
	"network.tls":             15,
	"tunnel.failing":          16,
	"tunnel.none":             17,
	"heartbeat.failing":       18,
	"heartbeat.stopped":       18,
	"tunnel.retries":          19,
	"heartbeat.recovered":     20,
	"logs.silences":           21,
	"heartbeat.gaps":          21,
	"agent.restarts":          22,
	"service.restarts":        22,
	"crash.file":              23,
	"update.uninstall_failed": 24,
	"env.missing":             24,
	"target.dns":              40,
	"target.timeout":          40,
	"target.refused":          40,
	"target.auth":             40,
	"target.tls":              40,
	"logs.exceptions":         41,
	"collector":               60,
	"bundle.unreadable":       60,
}

func rankOf(id string) int {
	if r, ok := causeRank[id]; ok {
		return r
	}
	if head, _, ok := strings.Cut(id, "."); ok {
		if r, ok := causeRank[head]; ok {
			return r
		}
	}
	return 30
}

var severityRank = map[string]int{manifest.SeverityFail: 0, manifest.SeverityWarn: 1, manifest.SeverityInfo: 2, manifest.SeverityPass: 3}

// run applies every check and returns the findings, most serious first and, within a
// severity, the likeliest cause first.
func run(in *input) Result {
	if in.logs == nil {
		in.logs = newLogScan(time.UTC)
	}
	in.lf = in.logs.facts()
	in.version = agentVersion(in.m, in.logs)
	var out []manifest.Finding
	for _, c := range checks {
		out = append(out, c(in)...)
	}
	out = mergeSame(out)
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := severityRank[out[i].Severity], severityRank[out[j].Severity]; a != b {
			return a < b
		}
		return rankOf(out[i].ID) < rankOf(out[j].ID)
	})
	for i := range out {
		if out[i].Evidence == nil {
			out[i].Evidence = []manifest.Evidence{}
		}
		// Whatever one item of the manifest or the probes holds (a 1 MB path, an error of a
		// probe), a finding's text stays bounded.
		out[i].Title = cutText(out[i].Title, maxTitle)
		out[i].Detail = cutText(out[i].Detail, maxDetail)
	}
	return Result{Findings: out, AgentVersion: in.version.version, AgentVersionSource: in.version.source, Timeline: timeline(in)}
}

// mergeSame makes one finding of those sharing an id (the logs and the network probes both
// saying integrator.io does not resolve): the more serious one's title and remedy, both
// details, all the evidence.
func mergeSame(fs []manifest.Finding) []manifest.Finding {
	at := map[string]int{}
	merged := map[string]int{}  // findings merged into each id beyond the first
	dropped := map[string]int{} // of them, those whose detail was left out
	var out []manifest.Finding
	for _, f := range fs {
		i, ok := at[f.ID]
		if !ok {
			at[f.ID] = len(out)
			out = append(out, f)
			continue
		}
		a := &out[i]
		merged[f.ID]++
		switch {
		case severityRank[f.Severity] < severityRank[a.Severity]:
			f, *a = *a, f
			a.Detail += " " + f.Detail // what was merged so far, already bounded
		case merged[f.ID] < maxMerged:
			a.Detail += " " + f.Detail
		default:
			dropped[f.ID]++
		}
		a.Evidence = dedupEvidence(append(a.Evidence, f.Evidence...))
	}
	for id, n := range dropped {
		a := &out[at[id]]
		a.Detail += fmt.Sprintf(" And %d more like these.", n)
	}
	return out
}

// Bounds of one finding, whatever the manifest and the logs hold (a hostile manifest can list
// thousands of failed collectors, unreadable files or homes).
const (
	// maxEvidence is the most evidence entries one finding has; the detail counts what they stand for.
	maxEvidence = 20
	// maxListed is the most items a finding's title or detail names; the rest are counted ("and 3 more").
	maxListed = 5
	// maxItem is the most bytes of one item named (a path, an error).
	maxItem = 240
	// maxMerged is the most details of findings sharing an id that mergeSame joins.
	maxMerged = 5
	// maxCollectorFindings is the most collector.<name> findings; the rest are one collector.more.
	maxCollectorFindings = 10
	// maxTitle and maxDetail bound a finding's title and detail, in bytes, whatever one item holds.
	maxTitle, maxDetail = 1 << 10, 8 << 10
)

// listSome joins the first maxListed items with sep, each cut to maxItem bytes, and counts the
// rest: "a, b, c, d, e and 7 more".
func listSome(items []string, sep string) string {
	n := min(len(items), maxListed)
	parts := make([]string, n)
	for i, it := range items[:n] {
		parts[i] = cutItem(it)
	}
	s := strings.Join(parts, sep)
	if len(items) > n {
		s += fmt.Sprintf(" and %d more", len(items)-n)
	}
	return s
}

// cutItem cuts s to maxItem bytes (on a rune boundary), marking the cut with "…".
func cutItem(s string) string { return cutText(s, maxItem) }

// cutText cuts s to at most n bytes (on a rune boundary), marking the cut with "…".
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - len("…")
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func finding(id, sev, title, detail, remedy string, ev ...manifest.Evidence) manifest.Finding {
	return manifest.Finding{ID: id, Severity: sev, Title: title, Detail: detail, Remedy: remedy, Evidence: dedupEvidence(ev)}
}

// dedupEvidence drops evidence without a path and repeats, and keeps at most maxEvidence
// entries: the first ones, and the last one given (an event's latest occurrence).
func dedupEvidence(ev []manifest.Evidence) []manifest.Evidence {
	var out []manifest.Evidence
	seen := map[manifest.Evidence]bool{}
	for i, e := range ev {
		if e.Path == "" || seen[e] {
			continue
		}
		if len(out) == maxEvidence-1 && i < len(ev)-1 {
			// Room for one more: keep it for the last entry given.
			for j := len(ev) - 1; j > i; j-- {
				if l := ev[j]; l.Path != "" && !seen[l] {
					out = append(out, l)
					break
				}
			}
			break
		}
		seen[e] = true
		out = append(out, e)
	}
	return out
}

func refs(rs ...Ref) []manifest.Evidence {
	var ev []manifest.Evidence
	for _, r := range rs {
		if r.Path != "" {
			ev = append(ev, manifest.Evidence{Path: r.Path, Line: r.Line})
		}
	}
	return ev
}

func lineRefs(rs ...lineRef) []manifest.Evidence {
	var ev []manifest.Evidence
	for _, r := range rs {
		if r.Path != "" {
			ev = append(ev, manifest.Evidence{Path: r.Path, Line: r.Line})
		}
	}
	return ev
}

// evidence returns the first occurrences of an event, and its last when that is not among them.
func evidence(e *Event) []manifest.Evidence {
	return append(refs(e.First...), refs(e.Last)...)
}

// count says "1 line", "3 lines", "2 entries".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + plural(noun)
}

// plural makes the last word of noun plural.
func plural(noun string) string {
	switch {
	case strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ey") && !strings.HasSuffix(noun, "ay"):
		return noun[:len(noun)-1] + "ies"
	case strings.HasSuffix(noun, "s") || strings.HasSuffix(noun, "ch"):
		return noun + "es"
	}
	return noun + "s"
}

// counts says "1 agent instance runs", "2 agent instances run".
func counts(n int, noun, verb string) string {
	if n == 1 {
		return count(n, noun) + " " + verb + "s"
	}
	return count(n, noun) + " " + verb
}

func when(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	return "at " + t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "an unknown time"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// age says how long before the run t was: "45 seconds", "3 hours 10 minutes", "2 days".
func age(d time.Duration) string {
	switch {
	case d < 0:
		return "0 seconds"
	case d < 2*time.Minute:
		return count(int(d.Seconds()), "second")
	case d < 2*time.Hour:
		return count(int(d.Minutes()), "minute")
	case d < 48*time.Hour:
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			return count(h, "hour")
		}
		return count(h, "hour") + " " + count(m, "minute")
	}
	return count(int(d.Hours()/24), "day")
}

// ago says when t was, relative to the run: "2026-11-28 09:00:00 UTC (3 hours before opadiag ran)".
func (in *input) ago(t time.Time) string {
	if t.IsZero() {
		return "an unknown time"
	}
	d := in.now.Sub(t)
	if d < 0 {
		return stamp(t) + " (after opadiag ran, by this machine's clock)"
	}
	return stamp(t) + " (" + age(d) + " before opadiag ran)"
}

// before says when t was, relative to the run: "at 2026-11-28 09:00:00 UTC, 3 hours before opadiag ran".
func (in *input) before(t time.Time) string {
	if t.IsZero() {
		return "at a time the line does not give (no timestamp, or one too far from the run to be right)"
	}
	d := in.now.Sub(t)
	if d < 0 {
		return when(t) + ", after opadiag ran by this machine's clock"
	}
	return when(t) + ", " + age(d) + " before opadiag ran"
}

const (
	remedyElevate = "Run opadiag again as administrator (Windows: right-click, Run as administrator) or with sudo (Linux), " +
		"or pass --agent-dir with the folder that holds the agent's Settings file " +
		`(Windows: C:\Users\<user>\AppData\Roaming\Agent, Linux: /root/.config/agent).`
	remedyNetwork = "From this server, check that https://api.integrator.io answers (curl -I https://api.integrator.io), " +
		"that the firewall allows outbound HTTPS (port 443) and SSH (port 22) to integrator.io, and, behind a proxy, " +
		"that HTTP_PROXY/HTTPS_PROXY (Linux) or the Windows proxy settings are right."
)

func checkHomes(in *input) []manifest.Finding {
	m := in.m
	switch {
	case len(m.Agents) == 0:
		detail := "No agent home was found. Looked in: " + listSome(m.Discovery.Searched, ", ") + "."
		if len(m.Discovery.Problems) > 0 {
			detail += " Could not look in: " + listSome(m.Discovery.Problems, "; ") + "."
		}
		remedy := "If the agent is installed, it may run under another account: " + remedyElevate +
			" If it is not installed, install it as Celigo's guide describes."
		return []manifest.Finding{finding("agent.not_found", manifest.SeverityFail, "No on-premise agent found on this machine", detail, remedy)}
	case len(m.Agents) > 1:
		var homes []string
		var ev []manifest.Evidence
		for _, a := range m.Agents {
			homes = append(homes, a.Home)
			for _, s := range a.Settings {
				ev = append(ev, manifest.Evidence{Path: s.Path})
			}
		}
		return []manifest.Finding{finding("agent.several_homes", manifest.SeverityWarn,
			fmt.Sprintf("%d agent homes on this machine", len(m.Agents)),
			"Agent homes: "+listSome(homes, ", ")+". Only one instance of the agent can run on a machine.",
			"Make sure only one agent runs (as the service, in the background or with its window open, not several); "+
				"stop and uninstall the others. Each home's files are in its own folder of the bundle (agent/1, agent/2…).", ev...)}
	}
	if len(m.Discovery.Problems) > 0 && !m.Invocation.Elevated {
		return []manifest.Finding{finding("discovery.not_elevated", manifest.SeverityInfo,
			"Some places could not be searched without more rights",
			listSome(m.Discovery.Problems, "; ")+".", remedyElevate)}
	}
	return nil
}

// settingsTmp reports whether a Settings file's path on disk (Windows or Unix) names a
// Settings-tmp file, left by an interrupted save.
func settingsTmp(source string) bool {
	base := strings.ToLower(anyBase(source))
	return strings.HasPrefix(base, "settings") && strings.Contains(base[len("settings"):], "tmp")
}

// Why a Settings file was not read, as the manifest records it: SettingsFile.Error, or the
// reason of its Omitted entry.
const (
	settingsDamaged = iota // read, but not valid JSON or not decodable
	settingsStalled        // the read did not return within the stall timeout
	settingsReadErr        // the read failed (permission, gone)
	settingsLeftOut        // left out unread or unused: over the size limit, not a regular file, a symlink out of the home
)

// settingsWhy classifies a Settings file's error or omission reason.
func settingsWhy(reason string) int {
	switch {
	case strings.Contains(reason, "made no progress") || strings.Contains(reason, "reading stalled"):
		return settingsStalled
	case strings.HasPrefix(reason, "read settings "):
		return settingsReadErr
	case strings.HasPrefix(reason, "left out") || strings.HasPrefix(reason, "not a regular file") ||
		strings.HasPrefix(reason, "symlink") || strings.Contains(reason, "outside the agent home"):
		return settingsLeftOut
	}
	return settingsDamaged
}

// settingsNotRead is the finding for a Settings file whose content the checks do not have, told
// by why (settingsWhy): never "damaged" for a file that was not read.
func settingsNotRead(source, reason string, ev []manifest.Evidence) manifest.Finding {
	const tokenUnchecked = " Its token could not be checked."
	source, reason = cutItem(source), cutItem(reason)
	switch settingsWhy(reason) {
	case settingsStalled:
		return finding("settings.stalled", manifest.SeverityWarn, "The agent's Settings file could not be read: reading it did not return",
			source+": "+reason+". Reading the file hung: it is on a network share or drive that does not answer, or an antivirus "+
				"scan or another process holds it locked. The agent may hang reading it too."+tokenUnchecked,
			"Check that the file opens on this server (type it, or open it in Notepad). If it is on a network share, move the agent's "+
				"folder to a local disk; if an antivirus holds it, exclude the agent's folder from scanning. Then run opadiag again.", ev...)
	case settingsReadErr:
		return finding("settings.not_read", manifest.SeverityWarn, "opadiag could not read the agent's Settings file",
			source+": "+reason+"."+tokenUnchecked,
			"If the reason is a permission, "+strings.ToLower(remedyElevate[:1])+remedyElevate[1:], ev...)
	case settingsLeftOut:
		return finding("settings.left_out", manifest.SeverityWarn, "The agent's Settings file was left out of the bundle",
			source+": "+reason+"."+tokenUnchecked,
			"Check what the file is: the agent needs a regular file of a few kilobytes named Settings in its own folder. "+
				"If it is a link, a pipe or a device, or is very large, stop the agent, replace it with a copy of the real file "+
				"(or re-enter the token in the agent) and start it again.", ev...)
	}
	return finding("settings.unreadable", manifest.SeverityFail, "The agent's Settings file is damaged",
		source+": "+reason+".",
		"The agent cannot read its configuration. Stop the agent, restore the file from a Settings-tmp or a backup, "+
			"or reinstall the agent and enter its token again.", ev...)
}

// inHome reports whether a path on disk (Windows or Unix) is inside the agent home.
func inHome(p, home string) bool {
	home = strings.TrimRight(home, `/\`)
	return len(p) > len(home) && strings.HasPrefix(p, home) && (p[len(home)] == '/' || p[len(home)] == '\\')
}

func checkSettings(in *input) []manifest.Finding {
	var out []manifest.Finding
	for _, a := range in.m.Agents {
		// Settings files the settings collector left out unread (a FIFO, a device, a symlink out
		// of the home): the manifest lists them as omitted, not among the agent's Settings.
		listed := map[string]bool{}
		for _, s := range a.Settings {
			listed[s.Source] = true
		}
		var omitted []manifest.Finding
		for _, o := range in.omitted {
			if o.Collector == "settings" && !listed[o.Source] && inHome(o.Source, a.Home) {
				listed[o.Source] = true
				omitted = append(omitted, settingsNotRead(o.Source, o.Reason, nil))
			}
		}
		out = append(out, omitted...)
		if len(a.Settings) == 0 {
			if len(omitted) == 0 {
				out = append(out, finding("settings.missing", manifest.SeverityFail, "The agent's Settings file is missing",
					"No Settings file in "+a.Home+".",
					"The agent keeps its token in Settings; without it, it cannot connect. Reinstall the agent and enter "+
						"the token shown in integrator.io, or point --agent-dir at the right folder."))
			}
			continue
		}
		var hashes []string
		for _, s := range a.Settings {
			tmp := settingsTmp(s.Source)
			ev := []manifest.Evidence{{Path: s.Path}}
			if tmp {
				out = append(out, finding("settings.tmp_left", manifest.SeverityWarn, "A Settings-tmp file was left by an interrupted save",
					s.Source+" exists: the agent was stopped while saving its settings.",
					"Compare it with Settings in the bundle; if Settings is damaged or incomplete, stop the agent, "+
						"restore Settings (or re-enter the token in the agent) and start it again.", ev...))
			}
			if !s.Parsed && s.Error != "" && (!tmp || settingsWhy(s.Error) != settingsDamaged) {
				out = append(out, settingsNotRead(s.Source, s.Error, ev))
			}
			if s.Token != nil {
				hashes = append(hashes, ShowToken(s.Token))
			}
		}
		if len(hashes) > 1 && hashes[0] != hashes[len(hashes)-1] {
			out = append(out, finding("settings.tokens_differ", manifest.SeverityWarn, "Settings and Settings-tmp hold different tokens",
				"Tokens: "+listSome(hashes, ", ")+".",
				"Find which one integrator.io shows (opadiag hash-token TOKEN prints its hash) and make sure Settings holds it."))
		}
	}
	return out
}

// emptyTokenHash is the hash of the empty string as bundles write it: an empty token hides
// nothing, and its hash would only look like a token.
const emptyTokenHash = "sha256:e3b0c44298fc1c14"

// ShowToken is how a stored token is shown to people: its hash, or "" (two quote characters)
// when it is empty.
func ShowToken(t *manifest.Token) string {
	if t == nil {
		return ""
	}
	if t.Length == 0 {
		return `""`
	}
	return ShowTokenHash(t.Hash)
}

// ShowTokenHash is how a token hash is shown to people: "" (two quote characters) for the
// hash of an empty token.
func ShowTokenHash(hash string) string {
	if hash == emptyTokenHash {
		return `""`
	}
	return hash
}

func checkToken(in *input) []manifest.Finding {
	var out []manifest.Finding
	for _, a := range in.m.Agents {
		for _, s := range a.Settings {
			if settingsTmp(s.Source) || (!s.Parsed && s.Token == nil) {
				continue
			}
			ev := []manifest.Evidence{{Path: s.Path}}
			t := s.Token
			switch {
			case t == nil:
				out = append(out, finding("token.missing", manifest.SeverityFail, "The agent has no token",
					s.Source+" has no token, accessToken or agentToken key.",
					"Open the agent, paste the token shown for it in integrator.io (Resources → Agents) and save.", ev...))
			case t.Length == 0:
				out = append(out, finding("token.empty", manifest.SeverityFail, "The agent's token is empty",
					"The "+t.Key+` key of `+s.Source+` is "" (empty).`,
					"Open the agent, paste the token shown for it in integrator.io (Resources → Agents) and save.", ev...))
			case t.LeadingWhitespace || t.TrailingWhitespace || t.Quoted:
				var what []string
				if t.LeadingWhitespace {
					what = append(what, "leading whitespace")
				}
				if t.TrailingWhitespace {
					what = append(what, "trailing whitespace")
				}
				if t.Quoted {
					what = append(what, "quote characters")
				}
				out = append(out, finding("token.malformed", manifest.SeverityFail, "The agent's token has "+strings.Join(what, " and "),
					fmt.Sprintf("The stored token (%d characters, hash %s) has %s, so it cannot match the token in integrator.io.", t.Length, t.Hash, strings.Join(what, " and ")),
					"Paste the token again without spaces or quotes, exactly as integrator.io shows it.", ev...))
			default:
				out = append(out, finding("token.hash", manifest.SeverityInfo, "Token hash to compare with integrator.io",
					fmt.Sprintf("The agent's token (%s, %d characters) has hash %s.", t.Key, t.Length, t.Hash),
					"Copy the agent's token from integrator.io (Resources → Agents) and run: opadiag hash-token TOKEN. "+
						"The same hash means the tokens are identical; a different one means the agent has the wrong token.", ev...))
			}
		}
	}
	return append(out, checkTokenRejected(in)...)
}

// crashFiles returns the agent's uncaughtException files in the bundle.
func crashFiles(in *input) []manifest.File {
	var out []manifest.File
	for _, f := range in.files {
		if sourceOf(f.Path) == srcCrash && (f.Collector == "crash" || strings.HasPrefix(f.Path, "agent/")) {
			out = append(out, f)
		}
	}
	return out
}

func checkCrash(in *input) []manifest.Finding {
	var out []manifest.Finding
	files := crashFiles(in)
	flagged := false
	var flagEv []manifest.Evidence
	for _, a := range in.m.Agents {
		for _, s := range a.Settings {
			if s.UncaughtExceptionHappenedOnService != nil && *s.UncaughtExceptionHappenedOnService {
				flagged = true
				flagEv = append(flagEv, manifest.Evidence{Path: s.Path})
			}
		}
	}
	var ev []manifest.Evidence
	var written []string
	recent := false
	for _, f := range files {
		ev = append(ev, manifest.Evidence{Path: f.Path})
		if f.Mtime != nil {
			written = append(written, "the file "+f.Path+" was written "+in.before(*f.Mtime))
			if in.now.Sub(*f.Mtime) < 7*24*time.Hour {
				recent = true
			}
		}
	}
	if e := in.logs.Event(EvUncaught); e != nil {
		w := count(e.Count, "uncaught exception") + " recorded in the logs and crash files"
		if !e.Last.Time.IsZero() {
			w += ", the last " + in.before(e.Last.Time)
		}
		written = append(written, w)
		ev = append(ev, refs(e.Last)...)
	}
	remedy := "Read the uncaughtException file in the bundle for the stack trace: it shows the file and line, the function, " +
		"and whether it happened during startup, token validation or request forwarding. Common causes: file descriptor or " +
		"memory limits, out of memory, missing environment variables. If it is not self-explanatory, or the agent crashes " +
		"right after starting, open a ticket with Celigo Support and attach this bundle."
	switch {
	case flagged:
		detail := "Settings has uncaughtExceptionHappenedOnService set to true: the agent's service crashed."
		if len(written) > 0 {
			detail += " " + upperFirst(listSome(written, "; ")) + "."
		} else {
			detail += " No uncaughtException file was found."
		}
		out = append(out, finding("crash.service", manifest.SeverityFail, "The agent's service crashed with an uncaught exception",
			detail, remedy, append(flagEv, ev...)...))
	case len(files) > 0:
		sev := manifest.SeverityInfo
		if recent || len(written) > len(files) {
			sev = manifest.SeverityWarn
		}
		detail := "The agent crashed at some point."
		if len(written) > 0 {
			detail += " " + upperFirst(listSome(written, "; ")) + "."
		}
		out = append(out, finding("crash.file", sev, "The agent has an uncaughtException file", detail, remedy, ev...))
	}
	return out
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// logFiles returns the agent's logs in the bundle.
func logFiles(in *input) []manifest.File {
	var out []manifest.File
	for _, f := range in.files {
		if isAgentLog(f) {
			out = append(out, f)
		}
	}
	return out
}

func checkLogsPresent(in *input) []manifest.Finding {
	if len(in.m.Agents) == 0 {
		return nil
	}
	logs := logFiles(in)
	old := 0
	for _, o := range in.omitted {
		if o.Collector == "logs" {
			old++
		}
	}
	remedy := "The agent may run with incorrect permissions, or its log path is misconfigured or inaccessible. Check that " +
		"server-<date>.log files exist in the agent's folder (Windows: C:\\Users\\<user>\\AppData\\Roaming\\Agent, Linux: " +
		"/root/.config/agent; sudo find / -type f -name \"*.log\"); if the logs are missing entirely, delete and reinstall the agent."
	if len(logs) == 0 {
		detail := "No log file was found in the agent's folder."
		if old > 0 {
			detail = fmt.Sprintf("No log within --since %s; %d older or skipped log files were left out (see the manifest's omitted list).", in.m.Options.Since, old)
		}
		if j := in.lf.newest; j.Path != "" && sourceOf(j.Path) == srcJournal {
			// The agent writes to the service's journal (the guide's journalctl -u celigoagent.service):
			// its logs are there, not missing.
			return []manifest.Finding{finding("logs.missing", manifest.SeverityInfo, "No log file in the agent's folder; its journal has its lines",
				detail+" The service's journal holds the agent's lines, the newest "+in.before(j.Time)+": "+j.Text,
				"Nothing to do while the journal has the agent's lines (journalctl -u celigoagent.service). "+remedy, refs(j)...)}
		}
		return []manifest.Finding{finding("logs.missing", manifest.SeverityWarn, "No recent agent logs", detail,
			remedy+" To include older logs, run opadiag with a longer --since (for example --since 720h).")}
	}
	var total int64
	var ev []manifest.Evidence
	for _, f := range logs {
		total += f.OriginalSize
		ev = append(ev, manifest.Evidence{Path: f.Path})
	}
	if total == 0 {
		return []manifest.Finding{finding("logs.empty", manifest.SeverityWarn, "The agent's log files are empty",
			count(len(logs), "log file")+", all empty.", remedy, ev...)}
	}
	return nil
}

// checkCollectors has one collector.<name> finding for each of the first maxCollectorFindings
// collectors that failed, timed out or collected part of what they sought, and one
// collector.more that counts and names the rest.
func checkCollectors(in *input) []manifest.Finding {
	var out []manifest.Finding
	var more []string
	moreSev := manifest.SeverityInfo
	for _, c := range in.m.Collectors {
		switch c.Status {
		case manifest.StatusFailed, manifest.StatusTimeout, manifest.StatusPartial:
		default:
			continue
		}
		name := cutItem(c.Name)
		if len(out) == maxCollectorFindings {
			more = append(more, name+" "+c.Status)
			if c.Status != manifest.StatusPartial {
				moreSev = manifest.SeverityWarn
			}
			continue
		}
		switch c.Status {
		case manifest.StatusFailed, manifest.StatusTimeout:
			out = append(out, finding("collector."+name, manifest.SeverityWarn, "opadiag could not collect "+name,
				name+" "+c.Status+": "+cutItem(firstLine(c.Error))+".",
				"The rest of the bundle is complete. If the reason is a permission, "+strings.ToLower(remedyElevate[:1])+remedyElevate[1:]))
		case manifest.StatusPartial:
			out = append(out, finding("collector."+name, manifest.SeverityInfo, "Part of "+name+" could not be collected",
				listSome(c.Problems, "; ")+".",
				"The rest of the bundle is complete. If a reason is a permission, "+strings.ToLower(remedyElevate[:1])+remedyElevate[1:]))
		}
	}
	if len(more) > 0 {
		out = append(out, finding("collector.more", moreSev, fmt.Sprintf("%s more did not collect everything", count(len(more), "collector")),
			"Beyond the "+count(maxCollectorFindings, "collector")+" above: "+listSome(more, ", ")+". The manifest lists each with its error.",
			"The rest of the bundle is complete. If a reason is a permission, "+strings.ToLower(remedyElevate[:1])+remedyElevate[1:]))
	}
	return out
}

// checkUnread reports bundle entries the checks could not read.
func checkUnread(in *input) []manifest.Finding {
	if len(in.unread) == 0 {
		return nil
	}
	var ev []manifest.Evidence
	for _, u := range in.unread {
		p, _, _ := strings.Cut(u, ": ")
		ev = append(ev, manifest.Evidence{Path: p})
	}
	return []manifest.Finding{finding("bundle.unreadable", manifest.SeverityWarn, count(len(in.unread), "file")+" of the bundle could not be read",
		listSome(in.unread, "; ")+". The findings leave them out.",
		"Check the bundle with opadiag inspect: a damaged or incomplete zip loses the files after the damage. Ask for a new bundle if these matter.", ev...)}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
