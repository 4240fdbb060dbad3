package diagnose

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

// probesPath is where the network probes are in the bundle.
const probesPath = "network/probes.json"

// Clock skew thresholds. Heartbeats and token checks compare timestamps; a few seconds do not
// matter, minutes do.
const (
	skewWarn = 30 * time.Second
	skewFail = 5 * time.Minute
)

func probesEvidence() []manifest.Evidence { return []manifest.Evidence{{Path: probesPath}} }

const (
	remedyFirewall443 = "Allow outbound HTTPS (TCP 443) from this server to integrator.io (the US or EU IP addresses Celigo " +
		"publishes), in the server's own firewall and in the network's. Test again with: curl -I https://%s"
	remedyFirewall22 = "Allow outbound SSH (TCP 22) from this server to Celigo's agent-extension servers (the US or EU IP " +
		"addresses Celigo publishes): the agent's tunnel uses it."
	remedyDNS = "This server cannot resolve integrator.io's names. Check its DNS servers (Windows: ipconfig /all, " +
		"Linux: /etc/resolv.conf or resolvectl status) and that they resolve public names; try nslookup %s."
	remedyInterception = "A proxy or firewall inspects HTTPS and replaces the server's certificate with its own. Ask the " +
		"network team to exempt *.integrator.io from TLS inspection. Otherwise the agent (Node.js, which does not use the " +
		"Windows certificate store) must be given that CA, e.g. with the NODE_EXTRA_CA_CERTS environment variable."
	remedyClock = "Set the server's clock right and keep it synchronised: Windows: w32tm /resync (and check the Windows Time " +
		"service); Linux: timedatectl set-ntp true, or chronyd/ntpd. Then restart the agent."
)

// checkNetworkProbes draws findings from network/probes.json: what could not be reached and why,
// proxies that refuse the agent, TLS interception, clock skew and the local port.
func checkNetworkProbes(in *input) []manifest.Finding {
	p := in.probes
	if p == nil {
		return nil
	}
	var out []manifest.Finding
	candidateOK := false
	for _, t := range p.Targets {
		if !t.Required && targetReached(t) {
			candidateOK = true
		}
	}
	for _, t := range p.Targets {
		out = append(out, targetFindings(t, candidateOK)...)
		out = append(out, proxyFindings(t)...)
		out = append(out, tlsFindings(t)...)
		out = append(out, httpFindings(t)...)
	}
	out = append(out, skewFindings(p)...)
	out = append(out, portFindings(p.LocalPort)...)
	for _, np := range p.Proxy.NotProbed {
		out = append(out, finding("network.proxy_not_probed", manifest.SeverityInfo, "A configured proxy was not probed",
			fmt.Sprintf("%s = %s: %s.", np.Source, np.Value, np.Reason),
			"If the agent uses this proxy, test it by hand from this server.", probesEvidence()...))
	}
	if len(out) == 0 && p.Summary.Reachable {
		out = append(out, finding("network.ok", manifest.SeverityPass, "integrator.io answers from this server",
			p.Summary.Text+".", "", probesEvidence()...))
	}
	return out
}

func targetReached(t manifest.ProbeTarget) bool {
	ok, _ := targetOK(t)
	return ok
}

// primary is the attempt that says most about a target that was not reached: the direct one.
func primary(t manifest.ProbeTarget) *manifest.ProbeAttempt {
	for i := range t.Attempts {
		if t.Attempts[i].Route == manifest.RouteDirect {
			return &t.Attempts[i]
		}
	}
	if len(t.Attempts) > 0 {
		return &t.Attempts[0]
	}
	return nil
}

// targetFindings says why a target was not reached at all, or that it was reached only through a
// proxy. A candidate region's API that fails while the other answers is only information.
func targetFindings(t manifest.ProbeTarget, candidateOK bool) []manifest.Finding {
	a := primary(t)
	if a == nil {
		return nil
	}
	if targetReached(t) {
		if !a.OK && a.Route == manifest.RouteDirect && len(t.Attempts) > 1 {
			return []manifest.Finding{finding("network.direct_blocked", manifest.SeverityInfo,
				t.Name+" is reachable only through the proxy",
				fmt.Sprintf("Direct: %s failed (%s): %s. Through the proxy it answered.", a.Stage, a.ErrorKind, a.Error),
				"The agent must use the proxy: make sure its settings (or the service's environment) name it.", probesEvidence()...)}
		}
		return nil
	}
	sev := manifest.SeverityFail
	if !t.Required && candidateOK {
		sev = manifest.SeverityInfo
	}
	note := ""
	if sev == manifest.SeverityInfo {
		note = " The other region's API answered: this matters only if the agent belongs to this region."
	}
	detail := fmt.Sprintf("%s (%s) failed at %s: %s.%s", t.URL, t.Reason, a.Stage, a.Error, note)
	port := t.Port
	switch a.Stage {
	case "dns":
		title := t.Host + " does not resolve"
		if a.ErrorKind != manifest.KindNotFound {
			title = "DNS does not answer for " + t.Host
		}
		return []manifest.Finding{finding("network.dns", sev, title, detail, fmt.Sprintf(remedyDNS, t.Host), probesEvidence()...)}
	case "connect":
		remedy := fmt.Sprintf(remedyFirewall443, t.Host)
		if t.Role == manifest.RoleTunnel || port == 22 {
			remedy = remedyFirewall22
		} else if t.Role == manifest.RoleEndpoint && port != 443 {
			remedy = fmt.Sprintf("Allow outbound TCP %d from this server to %s.", port, t.Host)
		}
		what := map[string]string{
			manifest.KindRefused:     "refused",
			manifest.KindTimeout:     "times out",
			manifest.KindUnreachable: "has no route",
		}[a.ErrorKind]
		if what == "" {
			what = "fails"
		}
		return []manifest.Finding{finding("network.firewall", sev, fmt.Sprintf("Outbound TCP %d to %s %s", port, t.Host, what),
			detail, remedy, probesEvidence()...)}
	case "tls":
		return []manifest.Finding{finding("network.tls_handshake", sev, "The TLS handshake with "+t.Host+" fails",
			detail, "Something between this server and integrator.io answers in place of it, or blocks TLS: a proxy that must be "+
				"used (set HTTPS_PROXY or the Windows proxy), a firewall that inspects traffic, or a captive portal. Ask the network team.",
			probesEvidence()...)}
	case "http":
		return []manifest.Finding{finding("network.http", sev, t.Host+" does not answer HTTPS requests",
			detail, "The connection works but the request gets no proper answer: a device in between may filter HTTP. Ask the network team.",
			probesEvidence()...)}
	}
	return nil
}

// proxyFindings reports CONNECT failures precisely: authentication required, refused, timeout,
// upstream errors. They fail the run when the target could not be reached any other way.
func proxyFindings(t manifest.ProbeTarget) []manifest.Finding {
	var out []manifest.Finding
	reached := targetReached(t)
	for _, a := range t.Attempts {
		if a.Route != manifest.RouteProxy || a.OK || a.Stage == "tls" || a.Stage == "http" {
			continue
		}
		sev := manifest.SeverityFail
		if reached {
			sev = manifest.SeverityWarn
		}
		src := listSome(a.ProxySources, ", ")
		detail := fmt.Sprintf("CONNECT %s through %s (from %s): %s.", t.Name, a.Proxy, src, a.Error)
		ev := probesEvidence()
		switch {
		case a.ErrorKind == manifest.KindProxyAuth:
			remedy := "Give the agent the proxy's user name and password (http://user:password@proxy:port in HTTPS_PROXY, or the " +
				"agent's proxy setting), or have the proxy let this server reach *.integrator.io without authentication."
			if a.ProxyConnect != nil && a.ProxyConnect.LoginSent {
				remedy = "The proxy rejected the user name and password in the setting: correct them, or have the proxy let this " +
					"server reach *.integrator.io without authentication."
			}
			if a.ProxyConnect != nil && len(a.ProxyConnect.Challenges) > 0 {
				detail += " The proxy offers: " + listSome(a.ProxyConnect.Challenges, ", ") + "."
				if !offersBasic(a.ProxyConnect.Challenges) {
					remedy += " It does not offer Basic authentication, which is what a user name and password in a proxy URL " +
						"send: an exception for this server is the likelier fix."
				}
			}
			out = append(out, finding("network.proxy_auth", sev, "The proxy "+a.Proxy+" requires authentication (407)", detail, remedy, ev...))
		case a.ErrorKind == manifest.KindProxyDenied:
			out = append(out, finding("network.proxy_forbidden", sev, "The proxy "+a.Proxy+" does not allow "+t.Name, detail,
				fmt.Sprintf("Ask the network team to allow CONNECT to %s through the proxy.", t.Name), ev...))
		case a.ErrorKind == manifest.KindProxyUpstream:
			out = append(out, finding("network.proxy_upstream", sev, "The proxy "+a.Proxy+" cannot reach "+t.Name, detail,
				"The proxy itself cannot reach integrator.io (its DNS or its own firewall): ask the network team.", ev...))
		case a.Stage == "dns" || a.Stage == "connect":
			out = append(out, finding("network.proxy_unreachable", sev, "The proxy "+a.Proxy+" cannot be reached", detail,
				"Check the proxy setting ("+src+"): the host and port must be those of a running proxy reachable from this server.", ev...))
		default:
			out = append(out, finding("network.proxy_error", sev, "The proxy "+a.Proxy+" fails for "+t.Name, detail,
				"Check the proxy setting ("+src+") with the network team.", ev...))
		}
	}
	return out
}

// tlsFindings reports chains that do not verify against the system roots: an intercepting proxy
// shows up by its issuer.
func tlsFindings(t manifest.ProbeTarget) []manifest.Finding {
	var out []manifest.Finding
	seen := map[string]bool{}
	for _, a := range t.Attempts {
		tp := a.TLS
		if tp == nil || !tp.OK || tp.Verified || seen[tp.VerifyErrorKind+tp.UntrustedIssuer] {
			continue
		}
		seen[tp.VerifyErrorKind+tp.UntrustedIssuer] = true
		how := "directly"
		if a.Route == manifest.RouteProxy {
			how = "through " + a.Proxy
		}
		detail := fmt.Sprintf("Connecting %s, %s presented a certificate chain that does not verify against this system's roots: %s.",
			how, t.Name, tp.VerifyError)
		switch tp.VerifyErrorKind {
		case manifest.VerifyUnknownAuthority:
			out = append(out, finding("network.tls_intercepted", manifest.SeverityFail,
				"HTTPS to "+t.Host+" is intercepted: the certificate is issued by "+tp.UntrustedIssuer,
				detail+" Issuer: "+tp.UntrustedIssuer+".", remedyInterception, probesEvidence()...))
		case manifest.VerifyExpired:
			out = append(out, finding("network.tls_expired", manifest.SeverityFail, "The certificate of "+t.Host+" is expired or not yet valid",
				detail, "If this server's clock is wrong, set it right ("+remedyClock+"); otherwise something in between presents an old certificate.",
				probesEvidence()...))
		default:
			out = append(out, finding("network.tls_untrusted", manifest.SeverityFail, "The certificate of "+t.Host+" is not valid for it",
				detail, remedyInterception, probesEvidence()...))
		}
	}
	return out
}

// httpFindings reports server errors of the API.
func httpFindings(t manifest.ProbeTarget) []manifest.Finding {
	for _, a := range t.Attempts {
		if a.HTTP != nil && a.HTTP.OK && a.HTTP.FinalStatus >= 500 {
			return []manifest.Finding{finding("network.http_status", manifest.SeverityWarn, t.Host+" answered "+a.HTTP.StatusText,
				fmt.Sprintf("HEAD %s: %d after %d redirects.", a.HTTP.URL, a.HTTP.FinalStatus, len(a.HTTP.Redirects)),
				"A server error: if it persists, check https://status.celigo.com or contact Celigo Support.", probesEvidence()...)}
		}
	}
	return nil
}

// skewFindings compares the local clock with integrator.io's.
func skewFindings(p *manifest.Probes) []manifest.Finding {
	ms := p.Summary.ClockSkewMS
	if ms == nil {
		return nil
	}
	d := time.Duration(*ms) * time.Millisecond
	abs := d
	if abs < 0 {
		abs = -abs
	}
	var sev string
	switch {
	case abs >= skewFail:
		sev = manifest.SeverityFail
	case abs >= skewWarn:
		sev = manifest.SeverityWarn
	default:
		return nil
	}
	dir := "behind"
	if d < 0 {
		dir = "ahead of"
	}
	return []manifest.Finding{finding("clock.skew", sev, "This server's clock is "+abs.Round(time.Second).String()+" "+dir+" integrator.io's",
		fmt.Sprintf("integrator.io's Date header minus the local time at the request's midpoint: %s. A skewed clock makes heartbeats fail.",
			d.Round(time.Millisecond)), remedyClock, probesEvidence()...)}
}

// portFindings says whether the agent can bind its local port, and who holds it.
func portFindings(lp *manifest.LocalPort) []manifest.Finding {
	if lp == nil || lp.Bindable {
		return nil
	}
	var agents, others []string
	for _, h := range lp.Holders {
		who := h.Name
		if who == "" {
			who = "an unidentified process"
		}
		if h.PID > 0 {
			who += fmt.Sprintf(" (PID %d)", h.PID)
		}
		if h.User != "" {
			who += " of " + h.User
		}
		if h.IsAgent {
			agents = append(agents, who)
		} else {
			others = append(others, who)
		}
	}
	detail := fmt.Sprintf("Binding %s failed: %s.", lp.Address, lp.Error)
	if lp.HolderNote != "" {
		detail += " " + lp.HolderNote + "."
	}
	switch {
	case len(others) > 0 && len(lp.Holders) > 0 && len(agents) == 0 && allUnidentified(lp.Holders):
		return []manifest.Finding{finding("port.in_use", manifest.SeverityWarn, "Port "+portOf(lp.Address)+" is in use by a process opadiag could not name",
			detail, "If the agent is not running, find what listens there (Windows: netstat -ano | findstr :7017; Linux: sudo ss -ltnp) "+
				"and stop it: the agent needs the port.", probesEvidence()...)}
	case len(others) > 0:
		return []manifest.Finding{finding("port.in_use", manifest.SeverityFail, "Port "+portOf(lp.Address)+" is held by another process: "+listSome(others, ", "),
			detail, "The agent cannot bind its port (\"Unable to bind to 0.0.0.0:7017\") while another program holds it. Stop that "+
				"program or move it to another port, then restart the agent.", probesEvidence()...)}
	case len(agents) > 0:
		return []manifest.Finding{finding("port.agent_running", manifest.SeverityInfo, "Port "+portOf(lp.Address)+" is held by the agent: it is running",
			detail+" Holder: "+listSome(agents, ", ")+".",
			"Nothing to do, unless a second instance fails to start: only one agent can run on a machine.", probesEvidence()...)}
	case lp.ErrorKind == "permission":
		return []manifest.Finding{finding("port.reserved", manifest.SeverityWarn, "Port "+portOf(lp.Address)+" may not be bound",
			detail, "On Windows the port may be in a range reserved by Hyper-V or WinNAT: check with "+
				"netsh int ipv4 show excludedportrange protocol=tcp.", probesEvidence()...)}
	}
	return []manifest.Finding{finding("port.in_use", manifest.SeverityWarn, "Port "+portOf(lp.Address)+" cannot be bound now",
		detail, "If the agent is not running, find what holds the port (Windows: netstat -ano | findstr :7017; Linux: sudo ss -ltnp).",
		probesEvidence()...)}
}

func offersBasic(challenges []string) bool {
	for _, c := range challenges {
		if strings.EqualFold(c, "basic") {
			return true
		}
	}
	return false
}

func allUnidentified(hs []manifest.PortHolder) bool {
	for _, h := range hs {
		if h.PID != 0 || h.Name != "" {
			return false
		}
	}
	return true
}

func portOf(addr string) string {
	if _, p, err := net.SplitHostPort(addr); err == nil {
		return p
	}
	return addr
}

// SummarizeProbes draws the headline of network/probes.json and of the manifest's host
// summary: whether integrator.io is reachable and how, the clock skew, the proxy, the local port.
func SummarizeProbes(p *manifest.Probes) manifest.NetworkSummary {
	s := manifest.NetworkSummary{Probed: true, Region: p.Region.Region}
	reachable := len(p.Targets) > 0
	var candidates, candidateOK bool
	var failures []string
	var directSkew, anySkew *int64
	for _, t := range p.Targets {
		ok, route := targetOK(t)
		if t.Required {
			reachable = reachable && ok
		} else {
			candidates = true
			candidateOK = candidateOK || ok
		}
		if !ok {
			failures = append(failures, t.Name+" ("+attemptFailures(t)+")")
		}
		if t.Role == manifest.RoleTunnel {
			continue
		}
		if s.API == "" || ok && s.Route == "" {
			s.API = t.Host
			if ok {
				s.Route = route
			}
		}
		for _, a := range t.Attempts {
			if a.Clock != nil && (directSkew == nil && a.Route == manifest.RouteDirect || anySkew == nil) {
				v := a.Clock.SkewMS
				if a.Route == manifest.RouteDirect && directSkew == nil {
					directSkew = &v
				}
				if anySkew == nil {
					anySkew = &v
				}
			}
			if a.Route == manifest.RouteProxy && !s.ProxyInUse {
				s.ProxyInUse, s.Proxy = true, a.Proxy
			}
			if a.TLS != nil && a.TLS.OK {
				v := a.TLS.Verified && (s.TLSVerified == nil || *s.TLSVerified)
				s.TLSVerified = &v
			}
		}
	}
	s.ClockSkewMS = directSkew
	if s.ClockSkewMS == nil {
		s.ClockSkewMS = anySkew
	}
	if candidates && !candidateOK {
		reachable = false
	}
	s.Reachable = reachable
	if p.LocalPort != nil {
		v := p.LocalPort.Bindable
		s.LocalPortFree = &v
	}

	var parts []string
	switch {
	case len(p.Targets) == 0:
		parts = append(parts, "nothing probed")
	case s.Reachable && s.Route != "":
		parts = append(parts, s.API+" reachable "+map[string]string{manifest.RouteDirect: "directly", manifest.RouteProxy: "through the proxy"}[s.Route])
	case s.Route != "":
		parts = append(parts, s.API+" reachable")
	}
	if !s.Reachable && len(failures) > 0 {
		parts = append(parts, "not reachable: "+listSome(failures, "; "))
	}
	if s.ClockSkewMS != nil {
		parts = append(parts, "clock skew "+formatSkew(*s.ClockSkewMS))
	}
	if s.TLSVerified != nil && !*s.TLSVerified {
		parts = append(parts, "TLS chain not verified")
	}
	if s.ProxyInUse {
		parts = append(parts, "proxy "+s.Proxy)
	} else {
		parts = append(parts, "no proxy")
	}
	if p.LocalPort != nil {
		if p.LocalPort.Bindable {
			parts = append(parts, "port "+portOf(p.LocalPort.Address)+" free")
		} else {
			parts = append(parts, "port "+portOf(p.LocalPort.Address)+" in use")
		}
	}
	s.Text = strings.Join(parts, "; ")
	return s
}

// targetOK reports whether some attempt reached t, and how (direct preferred).
func targetOK(t manifest.ProbeTarget) (bool, string) {
	route := ""
	for _, a := range t.Attempts {
		if a.OK && (route == "" || a.Route == manifest.RouteDirect) {
			route = a.Route
		}
	}
	return route != "", route
}

func attemptFailures(t manifest.ProbeTarget) string {
	var out []string
	for _, a := range t.Attempts {
		if a.OK {
			continue
		}
		how := "direct"
		if a.Route == manifest.RouteProxy {
			how = "via " + a.Proxy
		}
		out = append(out, how+": "+a.Stage+" "+a.ErrorKind)
	}
	return listSome(out, ", ")
}

func formatSkew(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	if d < time.Minute {
		return fmt.Sprintf("%s%.1fs", sign, d.Seconds())
	}
	return sign + d.Round(time.Second).String()
}
