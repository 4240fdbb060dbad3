package diagnose

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

// This file holds the checks over the agent's logs: is it alive now (recency), do its
// heartbeats and tunnel work, which host each error is about, and the messages the guide
// names.

// Time thresholds of the log checks.
const (
	// silentAfter: with heartbeats logged about every minute, this long without any line
	// means the agent stopped, crashed or hung.
	silentAfter = 15 * time.Minute
	// staleAfter: for logs without heartbeat lines, this long without any line.
	staleAfter = 24 * time.Hour
	// aroundSameTime is the guide's "around the same time" for noInternet and heartbeatFailed.
	aroundSameTime = 5 * time.Minute
	// normalTunnelRetries: "You can expect to see this log error approximately three times before
	// the OPA connects to the tunnel."
	normalTunnelRetries = 3
	// recentTarget: another host's error this close to the newest line still matters.
	recentTarget = time.Hour
	// targetRun: another host's errors that began longer than this before their last are its
	// usual noise, not an outage that is starting.
	targetRun = 6 * time.Hour
)

const (
	remedyHeartbeat = "Heartbeats fail when the agent's process is not running, its access token is expired or invalid, the " +
		"network has connectivity issues, a firewall or proxy blocks it, it crashed or hung, or its clock is skewed from the " +
		"server's. The findings above this one name the cause this bundle shows. "
	remedyGlitch = "Short failures (a few seconds to a minute) are usually passing network glitches and fix themselves. If they " +
		"recur, check the network: "
	remedySmallInstance = " On small cloud instances (t2.micro, t3.micro, t3.small) network bandwidth limits, packets-per-second " +
		"caps and CPU credit exhaustion cause them: use a larger instance."
	remedyStopped = "Check that the Celigo Agent service is running and set to start automatically (Windows: services.msc; " +
		"Linux: systemctl status celigo-agent), that only one instance runs, and read the uncaughtException file and the " +
		"system logs of that time (Windows Event Viewer, System log; Linux: /var/log/syslog or /var/log/messages, dmesg). " +
		"Restart the service; if it stops again, send this bundle to Celigo Support."
)

// hostSays is what the machine itself said about the agent, for findings that set the logs
// against it.
func hostSays(in *input) string {
	m := in.m
	var parts []string
	svc := m.Service
	switch {
	case svc.Manager == "":
		parts = append(parts, "the agent's service was not looked at")
	case !svc.Available:
		d := svc.Detail
		if d == "" {
			d = "no reason given"
		}
		parts = append(parts, "the service manager could not be queried ("+d+")")
	default:
		var found []string
		for _, s := range svc.Services {
			if s.Found {
				st := "the service " + s.Name + " is " + orUnknown(s.State)
				if s.PID > 0 {
					st += fmt.Sprintf(" (PID %d)", s.PID)
				}
				found = append(found, st)
			}
		}
		if len(found) == 0 {
			found = append(found, "no agent service is installed")
		}
		parts = append(parts, listSome(found, "; "))
	}
	switch ps := m.System.Processes; {
	case !processesListed(m):
		parts = append(parts, "its processes could not be listed")
	case ps.Instances == 0:
		parts = append(parts, "no agent process runs")
	default:
		parts = append(parts, counts(ps.Instances, "agent instance", "run"))
	}
	return "On this machine, " + strings.Join(parts, "; ") + "."
}

// processesListed reports whether the system collector listed the machine's processes.
func processesListed(m *manifest.Manifest) bool {
	ps := m.System.Processes
	return ps.Total > 0 || ps.Instances > 0 || len(ps.Agent) > 0
}

// logsAlive reports whether the logs show the agent alive when opadiag ran: a successful
// heartbeat, or any line, within a few minutes before it.
func (in *input) logsAlive() (bool, Ref) {
	lf := in.lf
	if lf.lastOK != nil && !lf.lastOK.Last.Time.IsZero() {
		if d := in.now.Sub(lf.lastOK.Last.Time); d <= heartbeatGap && d >= -heartbeatGap {
			return true, lf.lastOK.Last
		}
	}
	if n := lf.newest; n.Path != "" && !n.Time.IsZero() {
		if d := in.now.Sub(n.Time); d <= heartbeatGap && d >= -heartbeatGap {
			return true, n
		}
	}
	return false, Ref{}
}

// heartbeatsFailing reports whether the logs end with failed heartbeats.
func (in *input) heartbeatsFailing() bool {
	bad := in.logs.Event(EvHeartbeatFailed)
	return bad != nil && (in.lf.lastOK == nil || later(bad.Last, in.lf.lastOK.Last))
}

// checkRecency compares the newest log line with the run: a log that stops is an agent that
// stopped, crashed or hung, whatever its last lines said.
func checkRecency(in *input) []manifest.Finding {
	lf := in.lf
	n := lf.newest
	early := false
	if n.Path == "" {
		// Every line is older than the collected window (a log copied with --agent-dir, an
		// undated log modified lately): its newest time still tells when the agent last logged.
		n, early = in.logs.NewestEarly(), true
	}
	if n.Path == "" || n.Time.IsZero() {
		return nil
	}
	d := in.now.Sub(n.Time)
	thr, sev := staleAfter, manifest.SeverityWarn
	if lf.okCount > 0 {
		thr, sev = silentAfter, manifest.SeverityFail
	}
	if d <= thr {
		return nil
	}
	detail := "The newest line of the agent's logs is " + in.before(n.Time) + ": " + n.Text + "."
	if early {
		detail = "Every timestamped line of the agent's logs is older than the --since window (" + in.m.Options.Since + "); the newest is " + in.before(n.Time) + "."
	}
	ev := refs(n)
	if lf.lastOK != nil {
		detail += " Its last successful heartbeat was " + in.before(lf.lastOK.Last.Time) + "."
		ev = append(ev, refs(lf.lastOK.Last)...)
	} else {
		detail += " The logs hold no successful heartbeat."
	}
	detail += " " + hostSays(in)
	if in.m.Discovery.Method == "agent-dir" {
		detail += " The logs were read from --agent-dir: if they were copied from another machine, compare these times with the time of the copy."
	}
	return []manifest.Finding{finding("logs.silent", sev, "The agent has logged nothing for "+age(d), detail,
		"The agent stopped, crashed or hung "+when(n.Time)+". "+remedyStopped, ev...)}
}

func checkHeartbeat(in *input) []manifest.Finding {
	lf := in.lf
	ok, bad := lf.lastOK, in.logs.Event(EvHeartbeatFailed)
	var out []manifest.Finding
	switch {
	case in.heartbeatsFailing():
		out = append(out, heartbeatFailing(in, ok, bad))
	case ok != nil && ok.Last.Time.IsZero():
		out = append(out, finding("heartbeat.ok", manifest.SeverityInfo, "Heartbeats succeed, at times the logs do not say",
			count(ok.Count, "successful heartbeat")+"; the lines have no timestamp, so how recent they are is unknown.", "", refs(ok.Last)...))
	case ok != nil:
		hbAge := in.now.Sub(ok.Last.Time)
		logged := lf.newest.Time.Sub(ok.Last.Time)
		switch {
		case hbAge <= heartbeatGap:
			out = append(out, finding("heartbeat.ok", manifest.SeverityPass, "Heartbeats succeed",
				fmt.Sprintf("%s; the last %s.", count(ok.Count, "successful heartbeat"), in.before(ok.Last.Time)), "", refs(ok.Last)...))
		case logged > heartbeatGap || hbAge <= silentAfter:
			sev := manifest.SeverityFail
			if hbAge <= silentAfter {
				sev = manifest.SeverityWarn
			}
			detail := "The last successful heartbeat was " + in.before(ok.Last.Time) + "; heartbeats are sent about every 60 seconds."
			ev := refs(ok.Last)
			if logged > heartbeatGap {
				detail += fmt.Sprintf(" The agent kept logging until %s (%s later) without a successful or a failed heartbeat: its heartbeat "+
					"stopped or hangs while the rest of it runs.", stamp(lf.newest.Time), age(logged))
				ev = append(ev, refs(lf.newest)...)
			}
			out = append(out, finding("heartbeat.stopped", sev, "No heartbeat for "+age(hbAge), detail,
				"A hung agent stops sending heartbeats without logging an error. Restart the agent's service (Windows: services.msc; "+
					"Linux: sudo systemctl restart celigo-agent). If it happens again, send this bundle to Celigo Support.", ev...))
		}
	}
	return append(out, heartbeatRecovered(in)...)
}

func heartbeatFailing(in *input, ok, bad *Event) manifest.Finding {
	open := openRun(in.lf.hbRuns)
	first, n := bad.First[0], bad.Count
	if open != nil {
		first, n = open.First, open.Count
	}
	var detail string
	sev := manifest.SeverityFail
	ev := refs(first, bad.Last)
	if ok != nil {
		detail = fmt.Sprintf("No successful heartbeat since %s; %s since then, from %s to %s.",
			in.ago(ok.Last.Time), count(n, "failed heartbeat"), stamp(first.Time), stamp(bad.Last.Time))
		if !ok.Last.Time.IsZero() && in.now.Sub(ok.Last.Time) <= silentAfter && n < 3 {
			sev = manifest.SeverityWarn // it has just begun
		}
		ev = append(ev, refs(ok.Last)...)
	} else {
		detail = fmt.Sprintf("%s from %s to %s, and no successful heartbeat in the collected logs.",
			count(n, "failed heartbeat"), stamp(first.Time), in.before(bad.Last.Time))
	}
	detail += " The last: " + bad.Last.Text
	return finding("heartbeat.failing", sev, "The agent's heartbeats to integrator.io fail", detail, remedyHeartbeat+remedyNetwork, ev...)
}

// heartbeatRecovered reports the past episodes of failed heartbeats that successful ones ended.
func heartbeatRecovered(in *input) []manifest.Finding {
	var eps []failRun
	failures := in.lf.hbOlder.failures
	for _, r := range in.lf.hbRuns {
		if r.Ended {
			eps = append(eps, r)
			failures += r.Count
		}
	}
	if len(eps) == 0 {
		return nil
	}
	episodes := len(eps) + in.lf.hbOlder.ended
	longest := eps[0]
	outage := func(r failRun) time.Duration {
		if r.OK.IsZero() || r.Start.IsZero() {
			return 0
		}
		return r.OK.Sub(r.Start)
	}
	for _, r := range eps {
		if outage(r) > outage(longest) {
			longest = r
		}
	}
	last := eps[len(eps)-1]
	sev := manifest.SeverityInfo
	if episodes >= 3 || outage(longest) >= heartbeatGap {
		sev = manifest.SeverityWarn
	}
	detail := fmt.Sprintf("%s in %s, each followed by successful ones. The longest: from %s until %s (%s, %s). The last ended %s.",
		count(failures, "failed heartbeat"), count(episodes, "episode"), stamp(longest.Start), stamp(longest.OK), age(outage(longest)),
		count(longest.Count, "failure"), in.before(last.OK))
	if episodes == 1 {
		detail = fmt.Sprintf("%s from %s until a successful one %s (%s).", count(failures, "failed heartbeat"), stamp(longest.Start),
			in.before(longest.OK), age(outage(longest)))
	}
	ev := append(refs(longest.First), lineRefs(longest.OKRef)...)
	ev = append(ev, refs(last.First)...)
	return []manifest.Finding{finding("heartbeat.recovered", sev, "Heartbeats failed "+count(episodes, "time")+", then recovered", detail,
		remedyGlitch+remedyNetwork+remedySmallInstance, ev...)}
}

// checkGaps reports the stretches in which the agent logged nothing (silences), and those in
// which it logged but sent no successful heartbeat and logged no failed one (gaps). Both
// matter only for an agent that logs its heartbeats: a quiet agent may log nothing for hours.
func checkGaps(in *input) []manifest.Finding {
	lf := in.lf
	if lf.okCount == 0 {
		return nil
	}
	var out []manifest.Finding
	if sl := longestFirst(lf.silences); len(sl) > 0 {
		var parts []string
		var ev []manifest.Evidence
		starts := lf.points[TLServiceRestart]
		for i, s := range sl[:min(3, len(sl))] {
			p := fmt.Sprintf("from %s to %s (%s)", stamp(s.From), stamp(s.To), age(s.To.Sub(s.From)))
			if _, ok := near(starts, s.To, 2*time.Minute); ok && i == 0 {
				p += ", when the agent started again"
			}
			parts = append(parts, p)
			ev = append(ev, lineRefs(s.FromRef, s.ToRef)...)
		}
		if len(sl) > 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(sl)-3))
		}
		out = append(out, finding("logs.silences", manifest.SeverityWarn,
			fmt.Sprintf("The agent logged nothing %s (the longest %s)", count(len(sl), "time"), age(sl[0].To.Sub(sl[0].From))),
			"No line at all "+strings.Join(parts, "; ")+". The agent logs its heartbeat about every minute: a stretch without any "+
				"line means it (or the machine) stopped or hung then.",
			"Compare with the service's restarts, the uncaughtException file and the system logs of those times (Windows Event "+
				"Viewer; Linux: /var/log/syslog or /var/log/messages, dmesg). Keep the machine from sleeping or shutting down; on small "+
				"cloud instances (t2.micro, t3.micro, t3.small) CPU credit limits can stall it.", ev...))
	}
	// Gaps in which heartbeats failed are the failures' findings.
	fails := lf.points[TLHeartbeatFailed]
	var gaps []span
	for _, g := range lf.gaps {
		mid := g.From.Add(g.To.Sub(g.From) / 2)
		if _, ok := near(fails, mid, g.To.Sub(g.From)/2); !ok {
			gaps = append(gaps, g)
		}
	}
	if gaps = longestFirst(gaps); len(gaps) > 0 {
		g := gaps[0]
		ev := lineRefs(g.FromRef, g.ToRef)
		for _, o := range gaps[1:min(3, len(gaps))] {
			ev = append(ev, lineRefs(o.FromRef, o.ToRef)...)
		}
		out = append(out, finding("heartbeat.gaps", manifest.SeverityWarn,
			fmt.Sprintf("%s of more than %d minutes without a heartbeat while the agent logged", count(len(gaps), "gap"), int(heartbeatGap.Minutes())),
			fmt.Sprintf("The longest: no successful heartbeat from %s to %s (%s), and no failed one, while other lines went on. "+
				"Heartbeats are sent about every 60 seconds.", stamp(g.From), stamp(g.To), age(g.To.Sub(g.From))),
			"Long gaps between heartbeat logs mean the agent lost connectivity or hung then. Read the lines of those times, and "+
				"compare with the service's restarts and the system logs.", ev...))
	}
	return out
}

func longestFirst(s []span) []span {
	out := append([]span(nil), s...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].To.Sub(out[i].From) > out[j].To.Sub(out[j].From) })
	return out
}

// merged sums events of several hosts into one; its Host is theirs when there is one.
func merged(evs []Event) *Event {
	if len(evs) == 0 {
		return nil
	}
	out := Event{}
	if len(evs) == 1 {
		out.Host = evs[0].Host
	}
	var firsts []Ref
	for _, e := range evs {
		out.Count += e.Count
		firsts = append(firsts, e.First...)
		if out.Last.Path == "" || later(e.Last, out.Last) {
			out.Last = e.Last
		}
		if !e.Earliest.IsZero() && (out.Earliest.IsZero() || e.Earliest.Before(out.Earliest)) {
			out.Earliest = e.Earliest
		}
	}
	sort.SliceStable(firsts, func(i, j int) bool { return earlier(firsts[i], firsts[j]) })
	out.First = firsts[:min(len(firsts), maxRefs)]
	return &out
}

// byTarget returns the events of kind about the given targets.
func byTarget(in *input, kind string, targets ...Target) []Event {
	var out []Event
	for _, e := range in.logs.Events(kind) {
		for _, t := range targets {
			if e.Host.Target == t {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// hostNames lists the hosts of events: "api.integrator.io, 72.44.45.92:443".
func hostNames(evs []Event, max int) string {
	var names []string
	for _, e := range evs {
		if n := e.Host.String(); n != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) > max {
		names = append(names[:max], fmt.Sprintf("%d more", len(names)-max))
	}
	return strings.Join(names, ", ")
}

// ongoing reports whether an event's last occurrence came after the last successful heartbeat
// (or there was none): it is what the agent was living with when the logs end.
func (in *input) ongoing(e *Event) bool {
	ok := in.lf.lastOK
	return ok == nil || later(e.Last, ok.Last) || e.Last.Time.Equal(ok.Last.Time) && !e.Last.Time.IsZero()
}

// severityOf grades an integrator.io error: failing now, recurring, or a passing one.
func (in *input) severityOf(e *Event) string {
	switch {
	case in.ongoing(e):
		return manifest.SeverityFail
	case e.Count >= 3:
		return manifest.SeverityWarn
	}
	return manifest.SeverityInfo
}

// integratorKinds are the network errors of heartbeats and requests to integrator.io; the
// tunnel's are read with the tunnel's runs.
var integratorKinds = []struct {
	kind, id string
	title    func(hosts string) string
	remedy   string
}{
	{EvDNS, "network.dns", func(h string) string { return "integrator.io's name could not be resolved (ENOTFOUND " + h + ")" },
		"This server's DNS does not resolve integrator.io's names. Check its DNS servers (nslookup api.integrator.io; Windows: " +
			"ipconfig /all, Linux: /etc/resolv.conf or resolvectl status) and, if outbound traffic goes through a proxy, the proxy settings."},
	{EvTimeout, "network.timeout", func(h string) string { return "Connections to integrator.io timed out (" + h + ")" },
		"A firewall or proxy probably drops the agent's outbound connections to integrator.io. " + remedyNetwork},
	{EvRefused, "network.refused", func(h string) string { return "Connections to integrator.io were refused (" + h + ")" },
		"Something between this server and integrator.io refuses the connection: a proxy that must be used, or a firewall. " + remedyNetwork},
	{EvTLS, "network.tls", func(h string) string {
		return "TLS certificate errors on connections to integrator.io: a proxy may intercept HTTPS"
	},
		"A corporate proxy that inspects HTTPS replaces integrator.io's certificate with its own. Ask the network team to exempt " +
			"*.integrator.io from inspection, or give the agent that CA (the NODE_EXTRA_CA_CERTS environment variable)."},
}

// checkIntegratorErrors reports the network errors of the agent's own traffic to integrator.io:
// heartbeats and requests to its API. Errors of other hosts are checkTargets'; the tunnel's are
// checkTunnel's.
func checkIntegratorErrors(in *input) []manifest.Finding {
	var out []manifest.Finding
	for _, k := range integratorKinds {
		evs := byTarget(in, k.kind, TargetIntegrator)
		e := merged(evs)
		if e == nil {
			continue
		}
		hosts := hostNames(evs, 3)
		if hosts == "" {
			hosts = "integrator.io"
		}
		detail := fmt.Sprintf("%s in heartbeats and requests to integrator.io (%s); the first at %s, the last %s: %s",
			count(e.Count, "error"), hosts, stamp(e.Earliest), in.before(e.Last.Time), e.Last.Text)
		if !in.ongoing(e) {
			detail += " Heartbeats succeeded after it, the last " + in.before(in.lf.lastOKTime()) + "."
		}
		out = append(out, finding(k.id, in.severityOf(e), k.title(hosts), detail, k.remedy, evidence(e)...))
	}
	if evs := in.logs.Events(EvProxyAuth); len(evs) > 0 {
		e := merged(evs)
		sev := manifest.SeverityWarn
		if in.ongoing(e) && in.heartbeatsFailing() {
			sev = manifest.SeverityFail
		}
		out = append(out, finding("network.proxy_auth", sev, "The proxy asks for authentication (407)",
			fmt.Sprintf("%s; the last %s: %s", count(e.Count, "log line"), in.before(e.Last.Time), e.Last.Text),
			"Give the agent the proxy's user name and password, or have the proxy let this server reach *.integrator.io without them.", evidence(e)...))
	}
	return out
}

// checkTokenRejected reports integrator.io rejecting the agent's token: authentication failures
// of heartbeats, of the tunnel or of integrator.io's API. Other hosts' are checkTargets'.
func checkTokenRejected(in *input) []manifest.Finding {
	e := merged(byTarget(in, EvAuthFailed, TargetIntegrator, TargetTunnel))
	if e == nil {
		return nil
	}
	sev := manifest.SeverityFail
	if !in.ongoing(e) {
		sev = manifest.SeverityWarn
	}
	detail := fmt.Sprintf("%s of heartbeats or requests to integrator.io say the token is invalid or expired; the first at %s, the last %s: %s",
		count(e.Count, "log entry"), stamp(e.Earliest), in.before(e.Last.Time), e.Last.Text)
	if sev == manifest.SeverityWarn {
		detail += " Heartbeats succeeded after it, the last " + in.before(in.lf.lastOKTime()) + "."
	}
	return []manifest.Finding{finding("token.rejected", sev, "integrator.io rejected the agent's token", detail,
		"The token in Settings differs from the one in integrator.io, or the agent was deleted or its token regenerated there. "+
			"Compare the token hash in this bundle with opadiag hash-token TOKEN, and paste the current token into the agent.", evidence(e)...)}
}

// targetKinds are the errors of the other hosts the agent reaches for integrator.io's flows.
var targetKinds = []struct {
	kind, id string
	title    func(hosts string) string
	remedy   string
}{
	{EvDNS, "target.dns", func(h string) string { return "The agent could not resolve " + h },
		"In integrator.io, open the connections that use this agent and check their host names; from this server, check that each " +
			"resolves (nslookup NAME). The agent's own link to integrator.io does not depend on it."},
	{EvTimeout, "target.timeout", func(h string) string { return "Connections to " + h + " timed out" },
		"Check in the connection that the host and port are right and reachable from the agent's host (the guide: the Base URI " +
			"must be reachable from the OPA host), that the system runs, and that no firewall between them drops the port."},
	{EvRefused, "target.refused", func(h string) string { return "Connections to " + h + " were refused" },
		"The host answered but nothing listens on that port: check that the database or service runs and listens on the host " +
			"and port the connection uses."},
	{EvTLS, "target.tls", func(h string) string { return "TLS certificate errors from " + h },
		"The host's certificate is not trusted by the agent: renew it, or give the agent its CA (NODE_EXTRA_CA_CERTS)."},
	{EvAuthFailed, "target.auth", func(h string) string { return "Authentication failed at " + h },
		"The credentials (user, password or access token) of the integrator.io connection that reaches this host are wrong or " +
			"expired: update them in that connection. This is not the agent's token."},
}

// checkTargets reports the errors of hosts other than integrator.io, naming each: they stop
// the flows that use them, not the agent.
func checkTargets(in *input) []manifest.Finding {
	var out []manifest.Finding
	newest := in.lf.newest.Time
	for _, k := range targetKinds {
		evs := byTarget(in, k.kind, TargetDatabase, TargetOther, TargetUnknown)
		if len(evs) == 0 {
			continue
		}
		// A named host that began failing lately and still fails matters: errors repeated, the
		// last of them close to the newest line and the first within hours of it. Errors now and
		// then all day long (one integration's usual noise), or long over, are a flow's business
		// and information; so are an unnamed host's.
		sev := manifest.SeverityInfo
		var parts []string
		var ev []manifest.Evidence
		for _, e := range evs {
			if e.Host.Name == "" {
				continue
			}
			if e.Count >= 2 && !newest.IsZero() && !e.Last.Time.IsZero() && newest.Sub(e.Last.Time) <= recentTarget &&
				!e.Earliest.IsZero() && e.Last.Time.Sub(e.Earliest) <= targetRun {
				sev = manifest.SeverityWarn
			}
		}
		var titles []string
		for i, e := range evs {
			who := e.Host.String()
			if who == "" {
				who = "a host the log does not name"
			} else {
				who += " (" + e.Host.Target.String() + ")"
			}
			if i < 3 {
				titles = append(titles, who)
				ev = append(ev, refs(e.First[0], e.Last)...)
			}
			if i < 5 {
				parts = append(parts, fmt.Sprintf("%s: %s, the last %s: %s", who, count(e.Count, "time"), stamp(e.Last.Time), e.Last.Text))
			}
		}
		title := strings.Join(titles, ", ")
		if len(evs) > 3 {
			title += fmt.Sprintf(" and %d more", len(evs)-3)
		}
		detail := strings.Join(parts, ". ")
		if len(evs) > 5 {
			detail += fmt.Sprintf(". And %d more hosts", len(evs)-5)
		}
		detail += ". These are not integrator.io: they are systems the agent reaches for integrator.io's flows."
		out = append(out, finding(k.id, sev, k.title(title), detail, k.remedy, ev...))
	}
	return out
}

// checkNoInternet sets noInternet against failed heartbeats: both around the same time point to
// the server's network; noInternet alone, to brief losses.
func checkNoInternet(in *input) []manifest.Finding {
	ni := in.logs.Event(EvNoInternet)
	if ni == nil {
		return nil
	}
	lf := in.lf
	hbs := lf.points[TLHeartbeatFailed]
	var corr []point
	var nearest point
	for _, p := range lf.points[TLNoInternet] {
		if h, ok := near(hbs, p.Time, aroundSameTime); ok {
			if len(corr) == 0 {
				nearest = h
			}
			corr = append(corr, p)
		}
	}
	remedy := "Temporary network glitches (a few seconds to a minute) fix themselves. Repeated ones come from the server's " +
		"network connectivity, or on small cloud instances (t2.micro, t3.micro, t3.small) from network bandwidth limits, " +
		"packets-per-second caps or CPU credit exhaustion. " + remedyNetwork
	if len(corr) == 0 {
		return []manifest.Finding{finding("network.no_internet", manifest.SeverityInfo, "The agent reported no internet connection now and then",
			fmt.Sprintf("%s, the last %s; no heartbeat failed within %d minutes of any of them, so the agent's link to integrator.io held.",
				count(ni.Count, "noInternet log line"), in.before(ni.Last.Time), int(aroundSameTime.Minutes())),
			remedy, evidence(ni)...)}
	}
	last := corr[len(corr)-1]
	sev := manifest.SeverityWarn
	if ok := lf.lastOK; ok == nil || !ok.Last.Time.After(last.Last) {
		sev = manifest.SeverityFail
	}
	n := 0
	for _, p := range corr {
		n += p.Count
	}
	detail := fmt.Sprintf("%s with failed heartbeats within %d minutes (the first at %s, the last %s): both around the same time point "+
		"to a network connectivity issue on this server.", count(n, "noInternet line"), int(aroundSameTime.Minutes()),
		stamp(corr[0].Time), in.before(last.Last))
	if sev == manifest.SeverityWarn {
		detail += " Heartbeats succeeded after it, the last " + in.before(lf.lastOKTime()) + "."
	}
	if ni.Count > n {
		detail += fmt.Sprintf(" %s had no failed heartbeat near it.", count(ni.Count-n, "other noInternet line"))
	}
	return []manifest.Finding{finding("network.no_internet", sev, "The server lost its internet connection: noInternet and failed heartbeats",
		detail, remedy, append(refs(corr[0].Ref, nearest.Ref), refs(last.Ref)...)...)}
}

// tunnelCause names what the tunnel requests failed with: the most frequent error of the
// tunnel's entries, and its host.
func tunnelCause(in *input) string {
	best, bestN := "", 0
	for _, k := range []struct{ kind, what string }{
		{EvDNS, "ENOTFOUND (the name does not resolve)"}, {EvTimeout, "ETIMEDOUT (no answer)"},
		{EvRefused, "ECONNREFUSED"}, {EvTLS, "certificate errors"}, {EvAuthFailed, "an invalid token"},
	} {
		evs := byTarget(in, k.kind, TargetTunnel)
		if e := merged(evs); e != nil && e.Count > bestN {
			best, bestN = k.what, e.Count
			if h := hostNames(evs, 2); h != "" {
				best += " for " + h
			}
		}
	}
	if best == "" {
		return ""
	}
	return " They fail with " + best + "."
}

// checkTunnel counts the tunnel's retries as the guide does: about three failed requests before
// it connects are normal; runs of more, often, or without a tunnel at the end are not.
func checkTunnel(in *input) []manifest.Finding {
	lf := in.lf
	okEv := merged(append(in.logs.Events(EvTunnelCreated), in.logs.Events(EvTunnelReady)...))
	runs := lf.tuRuns
	open := openRun(runs)
	var out []manifest.Finding
	remedy := "About three failed requests before the tunnel connects are normal: the agent tries other ports to find a free " +
		"one. Failures that happen often and in continuous intervals keep the agent Offline (red) in integrator.io. They come " +
		"from temporary network instability, server load, stale connections or ports not freed quickly; check outbound SSH " +
		"(port 22) to integrator.io's agent-extension servers and HTTPS (443) to integrator.io, and if the network is fine, " +
		"contact Celigo Support: it may be an issue with Celigo's infrastructure."
	lastTunnel := "No tunnel was created in the collected logs."
	if okEv != nil {
		lastTunnel = "The last tunnel was created " + in.before(okEv.Last.Time) + "."
	}
	if open != nil && open.Count > normalTunnelRetries {
		out = append(out, finding("tunnel.failing", manifest.SeverityFail, "The agent cannot open its tunnel to integrator.io",
			fmt.Sprintf("%d tunnel requests failed from %s to %s, with no tunnel since.%s %s", open.Count, stamp(open.Start),
				in.ago(open.End), tunnelCause(in), lastTunnel),
			remedy, append(refs(open.First), lineRefs(open.LastRef)...)...))
	}
	var abnormal []failRun
	normal := lf.tuOlder.ended - lf.tuOlder.long
	for _, r := range runs {
		if !r.Ended {
			continue
		}
		if r.Count > normalTunnelRetries {
			abnormal = append(abnormal, r)
		} else {
			normal++
		}
	}
	if nAbnormal := len(abnormal) + lf.tuOlder.long; len(abnormal) > 0 {
		sev := manifest.SeverityInfo
		if nAbnormal >= 3 {
			sev = manifest.SeverityWarn
		}
		longest := abnormal[0]
		for _, r := range abnormal {
			if r.Count > longest.Count {
				longest = r
			}
		}
		var ev []manifest.Evidence
		for _, r := range abnormal[:min(3, len(abnormal))] {
			ev = append(ev, refs(r.First)...)
			ev = append(ev, lineRefs(r.OKRef)...)
		}
		out = append(out, finding("tunnel.retries", sev,
			fmt.Sprintf("Tunnel requests failed more than three times before connecting, %s", count(nAbnormal, "time")),
			fmt.Sprintf("%s of more than %d failed requests before the tunnel connected; the longest: %d failures from %s until "+
				"it connected at %s.%s", count(nAbnormal, "run"), normalTunnelRetries, longest.Count,
				stamp(longest.Start), stamp(longest.OK), normalRuns(normal)),
			remedy, ev...))
	}
	created := okEv != nil
	switch {
	case !created && in.heartbeatsFailing() && (open == nil || open.Count <= normalTunnelRetries):
		ev := []manifest.Evidence{}
		if bad := in.logs.Event(EvHeartbeatFailed); bad != nil {
			ev = refs(bad.First[0], bad.Last)
		}
		out = append(out, finding("tunnel.none", manifest.SeverityFail, "The heartbeats fail and the agent never connected a tunnel",
			"No tunnelCreated or tunnelReadyForUse line in the collected logs, while heartbeats fail: the server probably cannot "+
				"establish a connection to the Internet.",
			"Look for noInternet in the logs (its finding, if any, is above) and check this server's network: "+remedyNetwork, ev...))
	case created && open == nil && len(abnormal)+lf.tuOlder.long < 3:
		detail := lastTunnel + normalRuns(normal)
		out = append(out, finding("tunnel.ok", manifest.SeverityPass, "The agent opened its tunnel", detail, "", refs(okEv.Last)...))
	case created && open != nil && open.Count <= normalTunnelRetries:
		out = append(out, finding("tunnel.ok", manifest.SeverityInfo, "The agent is reconnecting its tunnel",
			fmt.Sprintf("%s %s failed since %s, within the usual three before it connects.", lastTunnel, count(open.Count, "request"), stamp(open.Start)),
			"Nothing to do unless the failures go on; then "+remedy, append(refs(okEv.Last, open.First), lineRefs(open.LastRef)...)...))
	}
	return out
}

// normalRuns says how many runs of retries stayed within the guide's usual three.
func normalRuns(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" %s of at most three failed requests before connecting, which is normal.", count(n, "run"))
}

func checkBind(in *input) []manifest.Finding {
	e := in.logs.Event(EvBind)
	if e == nil {
		return nil
	}
	sev := manifest.SeverityFail
	if !in.ongoing(e) {
		sev = manifest.SeverityWarn
	}
	return []manifest.Finding{finding("port.bind", sev, "The agent could not bind its local port",
		fmt.Sprintf("%s; the last %s: %s", count(e.Count, "log entry"), in.before(e.Last.Time), e.Last.Text),
		"Another process (often a second agent instance) holds the port, e.g. 0.0.0.0:7017. Make sure only one agent runs. "+
			"The guide: if you see this logged error, contact Celigo Support; attach this bundle.", evidence(e)...)}
}

func checkEPERM(in *input) []manifest.Finding {
	e := in.logs.Event(EvEPERMUnlink)
	if e == nil {
		return nil
	}
	return []manifest.Finding{finding("service.uninstall_eperm", manifest.SeverityWarn, "Uninstalling the service failed with EPERM (unlink)",
		fmt.Sprintf("%s with \"Error: EPERM: operation not permitted, unlink\"; the last %s.", count(e.Count, "log entry"), in.before(e.Last.Time)),
		"After uninstalling the agent's service it may crash with this error. To uninstall the service properly, click "+
			"Uninstall service again in the agent's window.", evidence(e)...)}
}

func checkUpdateUninstall(in *input) []manifest.Finding {
	e := in.logs.Event(EvUpdateUninstall)
	if e == nil {
		return nil
	}
	detail := fmt.Sprintf("%s \"Failed to uninstall old application files\"; the last %s: %s", counts(e.Count, "entry", "say"),
		in.before(e.Last.Time), e.Last.Text)
	if p := in.m.System.OS.Path; p != nil && len(p.Machine.Entries) > 0 && !p.Machine.HasSystem32 {
		detail += " The machine's PATH lacks System32 too (see that finding)."
	}
	return []manifest.Finding{finding("update.uninstall_failed", manifest.SeverityWarn, "The agent's update failed to uninstall the old files",
		detail+" The guide: this follows an automatic update when the Windows system PATH environment variable is corrupted or inconsistent.",
		"Restart the system: a full Windows restart lets the operating system repair and reload critical environment variables "+
			"such as PATH. Then run the installer again if the agent did not update.", evidence(e)...)}
}

func checkEnv(in *input) []manifest.Finding {
	e := in.logs.Event(EvEnvMissing)
	if e == nil {
		return nil
	}
	return []manifest.Finding{finding("env.missing", manifest.SeverityWarn, "The agent reports a missing environment variable",
		fmt.Sprintf("%s; the last %s: %s", count(e.Count, "log entry"), in.before(e.Last.Time), e.Last.Text),
		"Missing environment variables are among the causes of uncaught exceptions the guide names. Set the variable for the "+
			"account the agent runs as (a service does not get a user's variables: set it system-wide or in the service's "+
			"environment), then restart the agent's service. For PATH or other system variables after an automatic update, "+
			"restart Windows.", evidence(e)...)}
}

// checkRestarts finds the agent's starts that no clean stop came before: crashes, kills,
// reboots. The guide asks to look for unexpected restarts and shutdowns in the logs.
func checkRestarts(in *input) []manifest.Finding {
	lf := in.lf
	starts := lf.points[TLServiceRestart]
	if len(starts) == 0 || len(lf.logSpans) == 0 {
		return nil
	}
	stops, crashes := lf.points[tlStop], lf.points[TLCrash]
	first := lf.logSpans[0].From
	var unexpected []point
	crashed := 0
	for _, s := range starts {
		if !s.Time.After(first.Add(time.Minute)) {
			continue // the logs begin with this start
		}
		if _, ok := near(stops, s.Time.Add(-5*time.Minute), 5*time.Minute); ok {
			continue // a clean stop came just before
		}
		unexpected = append(unexpected, s)
		if _, ok := near(crashes, s.Time.Add(-5*time.Minute), 5*time.Minute); ok {
			crashed++
		}
	}
	if len(unexpected) == 0 {
		return nil
	}
	sev := manifest.SeverityInfo
	if len(unexpected) >= 2 || crashed > 0 {
		sev = manifest.SeverityWarn
	}
	var times []string
	var ev []manifest.Evidence
	for _, p := range unexpected[max(0, len(unexpected)-5):] {
		times = append(times, stamp(p.Time))
		ev = append(ev, refs(p.Ref)...)
	}
	detail := fmt.Sprintf("The agent started %s with no clean shutdown logged before: %s.", count(len(unexpected), "time"), strings.Join(times, ", "))
	if crashed > 0 {
		detail += fmt.Sprintf(" %s followed an uncaught exception or a crash of the service.", count(crashed, "start"))
	}
	return []manifest.Finding{finding("agent.restarts", sev, "The agent restarted unexpectedly "+count(len(unexpected), "time"),
		detail+" It crashed, was killed, or the machine restarted.",
		"Read the lines just before each start, the uncaughtException file and the system logs of those times. If the agent "+
			"crashes right after starting, contact Celigo Support with this bundle.", ev...)}
}

func checkExceptions(in *input) []manifest.Finding {
	e := in.logs.Event(EvException)
	if e == nil {
		return nil
	}
	sev, what := manifest.SeverityInfo, "handled errors the agent logged"
	if u := in.logs.Event(EvUncaught); u != nil {
		sev, what = manifest.SeverityWarn, fmt.Sprintf("%s among them", count(u.Count, "uncaught exception"))
	}
	return []manifest.Finding{finding("logs.exceptions", sev, count(e.Count, "exception")+" in the logs",
		fmt.Sprintf("Entries with Uncaught Exception, UnhandledPromiseRejection, TypeError, ReferenceError or SocketTimeoutException (%s); "+
			"the last %s: %s", what, in.before(e.Last.Time), e.Last.Text),
		"Read the stack traces of these entries: they show the file and line, the function, and whether it happened during "+
			"startup, token validation or request forwarding. If they are not self-explanatory, send this bundle to Celigo Support.",
		evidence(e)...)}
}

func checkResources(in *input) []manifest.Finding {
	var out []manifest.Finding
	if e := in.logs.Event(EvOOM); e != nil {
		out = append(out, finding("resources.memory", manifest.SeverityWarn, "The agent ran out of memory",
			fmt.Sprintf("%s; the last %s: %s", count(e.Count, "log entry"), in.before(e.Last.Time), e.Last.Text),
			"Out of memory makes processes fail or be killed. Give the server more memory, or stop other programs on it: Celigo "+
				"recommends a small server dedicated to the agent.", evidence(e)...))
	}
	if e := in.logs.Event(EvFileLimit); e != nil {
		out = append(out, finding("resources.files", manifest.SeverityWarn, "The agent hit the open-files limit (EMFILE)",
			fmt.Sprintf("%s; the last %s.", count(e.Count, "log entry"), in.before(e.Last.Time)),
			"File descriptor limits are among the causes of uncaught exceptions the guide names. Raise the agent's limit "+
				"(Linux: LimitNOFILE= in the service unit) and restart it.", evidence(e)...))
	}
	return out
}
