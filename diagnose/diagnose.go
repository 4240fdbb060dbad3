// Package diagnose draws findings from what a run collected: the manifest's records and the
// events a LogScan saw in the logs. Each finding has a severity, a plain title, the detail that
// supports it, evidence pointing into the bundle, and a remedy taken from Celigo's
// troubleshooting guide. Checks are pure: no I/O, no clock (the time of the run comes in).
package diagnose

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

// Input is what the checks look at.
type Input struct {
	Manifest *manifest.Manifest
	Files    []manifest.File
	Omitted  []manifest.Omitted
	Logs     *LogScan
	Probes   *manifest.Probes // network/probes.json; nil when the network was not probed
	Now      time.Time
}

// check draws zero or more findings.
type check func(in *Input) []manifest.Finding

var checks = []check{
	checkHomes,
	checkSettings,
	checkCrash,
	checkLogsPresent,
	checkLogsStale,
	checkHeartbeat,
	checkHeartbeatGaps,
	checkToken,
	checkNetworkEvents,
	checkNetworkProbes,
	checkTunnel,
	checkBind,
	checkEPERM,
	checkExceptions,
	checkResources,
	checkService,
	checkInstances,
	checkVersion,
	checkPath,
	checkPrerequisites,
	checkOOM,
	checkResourcesLow,
	checkInstanceType,
	checkDenied,
	checkCollectors,
}

// Run applies every check and returns the findings, most serious first.
func Run(in Input) []manifest.Finding {
	if in.Logs == nil {
		in.Logs = NewLogScan()
	}
	var out []manifest.Finding
	for _, c := range checks {
		out = append(out, c(&in)...)
	}
	rank := map[string]int{manifest.SeverityFail: 0, manifest.SeverityWarn: 1, manifest.SeverityInfo: 2, manifest.SeverityPass: 3}
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].Severity] < rank[out[j].Severity] })
	for i := range out {
		if out[i].Evidence == nil {
			out[i].Evidence = []manifest.Evidence{}
		}
	}
	return out
}

func finding(id, sev, title, detail, remedy string, ev ...manifest.Evidence) manifest.Finding {
	return manifest.Finding{ID: id, Severity: sev, Title: title, Detail: detail, Remedy: remedy, Evidence: ev}
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

// evidence returns the first occurrences of an event, and its last when that is not among them.
func evidence(e *Event) []manifest.Evidence {
	ev := refs(e.First...)
	for _, r := range e.First {
		if r == e.Last {
			return ev
		}
	}
	return append(ev, refs(e.Last)...)
}

// count says "1 line", "3 lines".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func when(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

const (
	remedyElevate = "Run opadiag again as administrator (Windows: right-click, Run as administrator) or with sudo (Linux), " +
		"or pass --agent-dir with the folder that holds the agent's Settings file " +
		`(Windows: C:\Users\<user>\AppData\Roaming\Agent, Linux: /root/.config/agent).`
	remedyNetwork = "From this server, check that https://api.integrator.io answers (curl -I https://api.integrator.io), " +
		"that the firewall allows outbound HTTPS (port 443) and SSH (port 22) to integrator.io, and, behind a proxy, " +
		"that HTTP_PROXY/HTTPS_PROXY (Linux) or the Windows proxy settings are right."
)

func checkHomes(in *Input) []manifest.Finding {
	m := in.Manifest
	switch {
	case len(m.Agents) == 0:
		detail := "No agent home was found. Looked in: " + strings.Join(m.Discovery.Searched, ", ") + "."
		if len(m.Discovery.Problems) > 0 {
			detail += " Could not look in: " + strings.Join(m.Discovery.Problems, "; ") + "."
		}
		remedy := "If the agent is installed, it may run under another account: " + remedyElevate +
			" If it is not installed, install it as Celigo's guide describes."
		return []manifest.Finding{finding("agent.not_found", manifest.SeverityFail, "No on-premise agent found on this machine", detail, remedy)}
	case len(m.Agents) > 1:
		var homes []string
		for _, a := range m.Agents {
			homes = append(homes, a.Home)
		}
		return []manifest.Finding{finding("agent.several_homes", manifest.SeverityWarn,
			fmt.Sprintf("%d agent homes on this machine", len(m.Agents)),
			"Agent homes: "+strings.Join(homes, ", ")+". Only one instance of the agent can run on a machine.",
			"Make sure only one agent runs (as the service, in the background or with its window open, not several); "+
				"stop and uninstall the others. Each home's files are in its own folder of the bundle (agent/1, agent/2…).")}
	}
	if len(m.Discovery.Problems) > 0 && !m.Invocation.Elevated {
		return []manifest.Finding{finding("discovery.not_elevated", manifest.SeverityInfo,
			"Some places could not be searched without more rights",
			strings.Join(m.Discovery.Problems, "; "), remedyElevate)}
	}
	return nil
}

func checkSettings(in *Input) []manifest.Finding {
	var out []manifest.Finding
	for _, a := range in.Manifest.Agents {
		if len(a.Settings) == 0 {
			out = append(out, finding("settings.missing", manifest.SeverityFail, "The agent's Settings file is missing",
				"No Settings file in "+a.Home+".",
				"The agent keeps its token in Settings; without it, it cannot connect. Reinstall the agent and enter "+
					"the token shown in integrator.io, or point --agent-dir at the right folder."))
			continue
		}
		var hashes []string
		for _, s := range a.Settings {
			tmp := strings.Contains(strings.ToLower(path.Base(s.Source)), "tmp")
			ev := []manifest.Evidence{}
			if s.Path != "" {
				ev = append(ev, manifest.Evidence{Path: s.Path})
			}
			if tmp {
				out = append(out, finding("settings.tmp_left", manifest.SeverityWarn, "A Settings-tmp file was left by an interrupted save",
					s.Source+" exists: the agent was stopped while saving its settings.",
					"Compare it with Settings in the bundle; if Settings is damaged or incomplete, stop the agent, "+
						"restore Settings (or re-enter the token in the agent) and start it again.", ev...))
			}
			if !s.Parsed && s.Error != "" && !tmp {
				out = append(out, finding("settings.unreadable", manifest.SeverityFail, "The agent's Settings file is damaged",
					s.Source+": "+s.Error+".",
					"The agent cannot read its configuration. Stop the agent, restore the file from a Settings-tmp or a backup, "+
						"or reinstall the agent and enter its token again.", ev...))
			}
			if s.Token != nil {
				hashes = append(hashes, s.Token.Hash)
			}
		}
		if len(hashes) > 1 && hashes[0] != hashes[len(hashes)-1] {
			out = append(out, finding("settings.tokens_differ", manifest.SeverityWarn, "Settings and Settings-tmp hold different tokens",
				"Token hashes: "+strings.Join(hashes, ", ")+".",
				"Find which one integrator.io shows (opadiag hash-token TOKEN prints its hash) and make sure Settings holds it."))
		}
	}
	return out
}

func checkToken(in *Input) []manifest.Finding {
	var out []manifest.Finding
	for _, a := range in.Manifest.Agents {
		for _, s := range a.Settings {
			if strings.Contains(strings.ToLower(path.Base(s.Source)), "tmp") || (!s.Parsed && s.Token == nil) {
				continue
			}
			ev := []manifest.Evidence{{Path: s.Path}}
			if s.Path == "" {
				ev = nil
			}
			t := s.Token
			switch {
			case t == nil:
				out = append(out, finding("token.missing", manifest.SeverityFail, "The agent has no token",
					s.Source+" has no token, accessToken or agentToken key.",
					"Open the agent, paste the token shown for it in integrator.io (Resources → Agents) and save.", ev...))
			case t.Length == 0:
				out = append(out, finding("token.empty", manifest.SeverityFail, "The agent's token is empty",
					"The "+t.Key+" key of "+s.Source+" is empty.",
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
	if e := in.Logs.Event(EvInvalidToken); e != nil {
		out = append(out, finding("token.rejected", manifest.SeverityFail, "integrator.io rejected the agent's token",
			fmt.Sprintf("%s the token is invalid; the last %s.", count(e.Count, "log line")+" say", when(e.Last.Time)),
			"The token in Settings differs from the one in integrator.io, or the agent was deleted or its token regenerated there. "+
				"Compare the token hash in this bundle with opadiag hash-token TOKEN, and paste the current token into the agent.", evidence(e)...))
	}
	return out
}

func checkCrash(in *Input) []manifest.Finding {
	var out []manifest.Finding
	var crashFiles []manifest.File
	for _, f := range in.Files {
		if strings.HasPrefix(strings.ToLower(path.Base(f.Path)), "uncaughtexception") {
			crashFiles = append(crashFiles, f)
		}
	}
	flagged := false
	for _, a := range in.Manifest.Agents {
		for _, s := range a.Settings {
			if s.UncaughtExceptionHappenedOnService != nil && *s.UncaughtExceptionHappenedOnService {
				flagged = true
			}
		}
	}
	var ev []manifest.Evidence
	var when []string
	for _, f := range crashFiles {
		ev = append(ev, manifest.Evidence{Path: f.Path})
		if f.Mtime != nil {
			when = append(when, f.Path+" written "+f.Mtime.UTC().Format("2006-01-02 15:04 UTC"))
		}
	}
	switch {
	case flagged:
		detail := "Settings has uncaughtExceptionHappenedOnService set to true: the agent's service crashed."
		if len(when) > 0 {
			detail += " " + strings.Join(when, "; ") + "."
		} else {
			detail += " No uncaughtException file was found."
		}
		out = append(out, finding("crash.service", manifest.SeverityFail, "The agent's service crashed with an uncaught exception", detail,
			"Read the uncaughtException file in the bundle for the stack trace. Common causes: file descriptor or memory limits, "+
				"out of memory, missing environment variables. If it is not self-explanatory, or the agent crashes right after "+
				"starting, open a ticket with Celigo Support and attach this bundle.", ev...))
	case len(crashFiles) > 0:
		out = append(out, finding("crash.file", manifest.SeverityWarn, "The agent has an uncaughtException file",
			strings.Join(when, "; ")+".",
			"The agent crashed at some point; read the file's stack trace. If the date is recent and the cause is not clear, "+
				"send this bundle to Celigo Support.", ev...))
	}
	return out
}

// logFiles returns the logs in the bundle.
func logFiles(in *Input) []manifest.File {
	var out []manifest.File
	for _, f := range in.Files {
		if f.Collector == "logs" {
			out = append(out, f)
		}
	}
	return out
}

func checkLogsPresent(in *Input) []manifest.Finding {
	if len(in.Manifest.Agents) == 0 {
		return nil
	}
	logs := logFiles(in)
	old := 0
	for _, o := range in.Omitted {
		if o.Collector == "logs" {
			old++
		}
	}
	remedy := "The agent may run with the wrong permissions or write its logs elsewhere. Check that server-<date>.log files " +
		"exist in the agent's folder (Windows: C:\\Users\\<user>\\AppData\\Roaming\\Agent, Linux: /root/.config/agent); " +
		"if the logs are missing entirely, delete and reinstall the agent."
	if len(logs) == 0 {
		detail := "No log file was found in the agent's folder."
		if old > 0 {
			detail = fmt.Sprintf("No log within --since %s; %d older or skipped log files were left out (see the manifest's omitted list).", in.Manifest.Options.Since, old)
		}
		return []manifest.Finding{finding("logs.missing", manifest.SeverityWarn, "No recent agent logs", detail,
			remedy+" To include older logs, run opadiag with a longer --since (for example --since 720h).")}
	}
	var total int64
	for _, f := range logs {
		total += f.OriginalSize
	}
	if total == 0 {
		var ev []manifest.Evidence
		for _, f := range logs {
			ev = append(ev, manifest.Evidence{Path: f.Path})
		}
		return []manifest.Finding{finding("logs.empty", manifest.SeverityWarn, "The agent's log files are empty",
			fmt.Sprintf("%d log files, all empty.", len(logs)), remedy, ev...)}
	}
	return nil
}

func checkLogsStale(in *Input) []manifest.Finding {
	n := in.Logs.Newest()
	if n.Path == "" || in.Now.IsZero() {
		return nil
	}
	age := in.Now.Sub(n.Time)
	if age < 24*time.Hour {
		return nil
	}
	return []manifest.Finding{finding("logs.stale", manifest.SeverityWarn, "The agent has not logged for "+roundAge(age),
		"The newest log line is from "+when(n.Time)+".",
		"The agent is probably not running. Check that the Celigo Agent service is running and set to start automatically "+
			"(Windows: services.msc; Linux: systemctl status celigo-agent), and that only one instance runs.", refs(n)...)}
}

func roundAge(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return fmt.Sprintf("%d hours", int(d.Hours()))
}

func checkHeartbeat(in *Input) []manifest.Finding {
	ok, bad := in.Logs.Event(EvHeartbeatOK), in.Logs.Event(EvHeartbeatFailed)
	switch {
	case bad != nil && (ok == nil || bad.Last.Time.After(ok.Last.Time)):
		detail := fmt.Sprintf("%s; the last %s.", count(bad.Count, "failed heartbeat"), when(bad.Last.Time))
		if ok != nil {
			detail += " The last successful one was " + when(ok.Last.Time) + "."
		} else {
			detail += " No successful heartbeat in the collected logs."
		}
		return []manifest.Finding{finding("heartbeat.failing", manifest.SeverityFail, "The agent cannot send its heartbeat to integrator.io",
			detail+" Last: "+bad.Last.Text,
			"Heartbeats fail when the agent is not running, its token is invalid, the network or a firewall or proxy blocks it, "+
				"it hung, or the clock is far off. "+remedyNetwork, evidence(bad)...)}
	case bad != nil:
		return []manifest.Finding{finding("heartbeat.recovered", manifest.SeverityWarn, "Heartbeats failed for a while, then recovered",
			fmt.Sprintf("%s, the last %s; the last successful one %s.", count(bad.Count, "failed heartbeat"), when(bad.Last.Time), when(ok.Last.Time)),
			"Short failures are usually passing network glitches. If they recur, "+remedyNetwork, evidence(bad)...)}
	case ok != nil:
		return []manifest.Finding{finding("heartbeat.ok", manifest.SeverityPass, "Heartbeats succeed",
			fmt.Sprintf("%s; the last %s.", count(ok.Count, "successful heartbeat"), when(ok.Last.Time)), "", refs(ok.Last)...)}
	}
	return nil
}

// heartbeatGap is the gap between heartbeats (sent about every 60 s) that counts as an outage.
const heartbeatGap = 5 * time.Minute

func checkHeartbeatGaps(in *Input) []manifest.Finding {
	gaps := in.Logs.HeartbeatGaps(heartbeatGap)
	if len(gaps) == 0 {
		return nil
	}
	g := gaps[0]
	return []manifest.Finding{finding("heartbeat.gaps", manifest.SeverityWarn,
		fmt.Sprintf("%s of more than %d minutes between heartbeats", count(len(gaps), "gap"), int(heartbeatGap.Minutes())),
		fmt.Sprintf("The longest: no heartbeat from %s to %s (%s). Heartbeats are sent about every 60 seconds.", when(g.From), when(g.To), g.To.Sub(g.From).Round(time.Second)),
		"Long gaps mean the agent stopped, hung or lost connectivity then. Compare with the service's restarts and the "+
			"system logs of that time; on small cloud instances (t2.micro, t3.micro, t3.small) network or CPU credit limits can cause it.")}
}

func checkNetworkEvents(in *Input) []manifest.Finding {
	var out []manifest.Finding
	if e := in.Logs.Event(EvDNS); e != nil {
		out = append(out, finding("network.dns", manifest.SeverityFail, "The agent could not resolve integrator.io's name (ENOTFOUND)",
			fmt.Sprintf("%s; the last %s: %s", count(e.Count, "log line"), when(e.Last.Time), e.Last.Text),
			"The server's DNS does not resolve api.integrator.io. Check the DNS servers of the machine (nslookup api.integrator.io) "+
				"and, if outbound traffic goes through a proxy, the proxy settings.", evidence(e)...))
	}
	if e := in.Logs.Event(EvTimeout); e != nil {
		out = append(out, finding("network.timeout", manifest.SeverityWarn, "Connections from the agent timed out (ETIMEDOUT)",
			fmt.Sprintf("%s; the last %s.", count(e.Count, "log line"), when(e.Last.Time)),
			"A firewall or proxy probably drops the agent's outbound connections. "+remedyNetwork, evidence(e)...))
	}
	if e := in.Logs.Event(EvRefused); e != nil {
		out = append(out, finding("network.refused", manifest.SeverityWarn, "Connections from the agent were refused (ECONNREFUSED)",
			fmt.Sprintf("%s; the last %s: %s", count(e.Count, "log line"), when(e.Last.Time), e.Last.Text),
			"The target refused the connection: for integrator.io, a proxy or firewall is in the way; for a database, "+
				"check that it runs and listens on the host and port the connection uses.", evidence(e)...))
	}
	if e := in.Logs.Event(EvNoInternet); e != nil {
		sev, extra := manifest.SeverityWarn, ""
		if in.Logs.Event(EvHeartbeatFailed) != nil {
			sev, extra = manifest.SeverityFail, " Heartbeats failed too, which points to the server's network connectivity."
		}
		out = append(out, finding("network.no_internet", sev, "The agent reported no internet connection",
			fmt.Sprintf("%s; the last %s.%s", count(e.Count, "noInternet log line"), when(e.Last.Time), extra),
			"Brief losses of connectivity fix themselves. Repeated ones come from the server's network, or on small cloud "+
				"instances (t2.micro, t3.micro, t3.small) from bandwidth, packets-per-second or CPU credit limits. "+remedyNetwork, evidence(e)...))
	}
	if e := in.Logs.Event(EvTLS); e != nil {
		out = append(out, finding("network.tls", manifest.SeverityWarn, "TLS certificate errors: a proxy may intercept HTTPS",
			fmt.Sprintf("%s; the last %s: %s", count(e.Count, "log line"), when(e.Last.Time), e.Last.Text),
			"A corporate proxy that inspects HTTPS replaces integrator.io's certificate with its own. Ask the network team to "+
				"exempt integrator.io from inspection.", evidence(e)...))
	}
	if e := in.Logs.Event(EvProxyAuth); e != nil {
		out = append(out, finding("network.proxy_auth", manifest.SeverityWarn, "The proxy asks for authentication (407)",
			fmt.Sprintf("%s; the last %s.", count(e.Count, "log line"), when(e.Last.Time)),
			"Give the agent proxy credentials, or have the proxy allow the server to reach integrator.io without them.", evidence(e)...))
	}
	return out
}

func checkTunnel(in *Input) []manifest.Finding {
	bad, ok := in.Logs.Event(EvTunnelFailed), in.Logs.Event(EvTunnelOK)
	switch {
	case bad != nil && bad.Count > 3 && (ok == nil || bad.Last.Time.After(ok.Last.Time)):
		return []manifest.Finding{finding("tunnel.failing", manifest.SeverityFail, "The agent cannot open its tunnel to integrator.io",
			fmt.Sprintf("%d failed tunnel requests, the last %s, and no tunnel since.", bad.Count, when(bad.Last.Time)),
			"A few failures before the tunnel connects are normal (the agent tries other ports). Continuous failures keep the "+
				"agent offline: check outbound SSH (port 22) to integrator.io's agent-extension servers and, if the network is fine, "+
				"contact Celigo Support.", evidence(bad)...)}
	case bad != nil && bad.Count > 3:
		return []manifest.Finding{finding("tunnel.retries", manifest.SeverityInfo, "Tunnel requests failed before connecting",
			fmt.Sprintf("%d failed tunnel requests; the last tunnel was created %s.", bad.Count, when(ok.Last.Time)),
			"About three failures before connecting are expected. If they come often and in runs, contact Celigo Support.", evidence(bad)...)}
	case ok != nil:
		return []manifest.Finding{finding("tunnel.ok", manifest.SeverityPass, "The agent opened its tunnel",
			"The last tunnel was created "+when(ok.Last.Time)+".", "", refs(ok.Last)...)}
	}
	return nil
}

func checkBind(in *Input) []manifest.Finding {
	e := in.Logs.Event(EvBind)
	if e == nil {
		return nil
	}
	return []manifest.Finding{finding("port.bind", manifest.SeverityFail, "The agent could not bind its local port",
		fmt.Sprintf("%s; the last %s: %s", count(e.Count, "log line"), when(e.Last.Time), e.Last.Text),
		"Another process (often a second agent instance) holds the port, e.g. 0.0.0.0:7017. Make sure only one agent runs; "+
			"if the error stays, contact Celigo Support with this bundle.", evidence(e)...)}
}

func checkEPERM(in *Input) []manifest.Finding {
	e := in.Logs.Event(EvEPERMUnlink)
	if e == nil {
		return nil
	}
	return []manifest.Finding{finding("service.uninstall_eperm", manifest.SeverityWarn, "Uninstalling the service failed with EPERM (unlink)",
		fmt.Sprintf("%s; the last %s.", count(e.Count, "log line"), when(e.Last.Time)),
		"The agent crashed while uninstalling its service. Click Uninstall service again in the agent's window.", evidence(e)...)}
}

func checkExceptions(in *Input) []manifest.Finding {
	e := in.Logs.Event(EvException)
	if e == nil {
		return nil
	}
	return []manifest.Finding{finding("logs.exceptions", manifest.SeverityWarn, count(e.Count, "exception line")+" in the logs",
		"Lines with uncaught exceptions, unhandled promise rejections, TypeError, ReferenceError or SocketTimeoutException; the last "+
			when(e.Last.Time)+": "+e.Last.Text,
		"Read the stack traces around these lines. If they are not self-explanatory, send this bundle to Celigo Support.", evidence(e)...)}
}

func checkResources(in *Input) []manifest.Finding {
	var out []manifest.Finding
	if e := in.Logs.Event(EvOOM); e != nil {
		out = append(out, finding("resources.memory", manifest.SeverityWarn, "The agent ran out of memory",
			fmt.Sprintf("%s; the last %s: %s", count(e.Count, "log line"), when(e.Last.Time), e.Last.Text),
			"Give the server more memory, or stop other programs on it: Celigo recommends a small server dedicated to the agent.", evidence(e)...))
	}
	if e := in.Logs.Event(EvFileLimit); e != nil {
		out = append(out, finding("resources.files", manifest.SeverityWarn, "The agent hit the open-files limit (EMFILE)",
			fmt.Sprintf("%s; the last %s.", count(e.Count, "log line"), when(e.Last.Time)),
			"Raise the agent's file-descriptor limit (Linux: LimitNOFILE= in the service unit) and restart it.", evidence(e)...))
	}
	return out
}

func checkCollectors(in *Input) []manifest.Finding {
	var out []manifest.Finding
	for _, c := range in.Manifest.Collectors {
		switch c.Status {
		case manifest.StatusFailed, manifest.StatusTimeout:
			out = append(out, finding("collector."+c.Name, manifest.SeverityWarn, "opadiag could not collect "+c.Name,
				c.Name+" "+c.Status+": "+firstLine(c.Error)+".",
				"The rest of the bundle is complete. If the reason is a permission, "+strings.ToLower(remedyElevate[:1])+remedyElevate[1:]))
		case manifest.StatusPartial:
			out = append(out, finding("collector."+c.Name, manifest.SeverityInfo, "Part of "+c.Name+" could not be collected",
				strings.Join(c.Problems, "; ")+".",
				"The rest of the bundle is complete. If a reason is a permission, "+strings.ToLower(remedyElevate[:1])+remedyElevate[1:]))
		}
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
