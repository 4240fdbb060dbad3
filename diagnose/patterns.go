package diagnose

// Event kinds the log scan recognises, from the messages Celigo's troubleshooting guide quotes
// and the ones the agent's runtime (Node.js, Electron) writes.
const (
	EvHeartbeatOK     = "heartbeat_ok"
	EvHeartbeatFailed = "heartbeat_failed"
	EvAuthFailed      = "auth_failed" // an authentication failure: integrator.io's token, or another host's credentials
	EvDNS             = "dns_not_found"
	EvTimeout         = "connect_timeout"
	EvRefused         = "connection_refused"
	EvNoInternet      = "no_internet"
	EvTunnelCreated   = "tunnel_created"
	EvTunnelReady     = "tunnel_ready"
	EvTunnelFailed    = "tunnel_failed"
	EvBind            = "bind_failed"
	EvEPERMUnlink     = "eperm_unlink"
	EvException       = "exception"          // any of the guide's exception keywords
	EvUncaught        = "uncaught_exception" // an uncaught exception: the agent crashed
	EvTLS             = "tls_error"
	EvProxyAuth       = "proxy_auth"
	EvOOM             = "out_of_memory"
	EvFileLimit       = "file_limit"
	EvVersion         = "version"
	EvStart           = "agent_start"
	EvStop            = "agent_stop"
	EvUpdateUninstall = "update_uninstall_failed"
	EvEnvMissing      = "env_missing"
)

// pattern recognises one kind of event by case-insensitive substrings of a line: every string of
// one of the alternatives must occur.
type pattern struct {
	kind string
	any  [][]string
}

var patterns = []pattern{
	{EvHeartbeatOK, [][]string{{"heartbeat sent successfully"}, {"heartbeat acknowledged"}}},
	{EvHeartbeatFailed, [][]string{{"failed to send heartbeat"}, {"logname=heartbeatfailed"}, {"while sending heartbeat"},
		{"during heartbeat"}, {"unable to reach https://api", "integrator.io"}}},
	{EvAuthFailed, [][]string{{"invalid token"}, {"invalid access token"}, {"token is invalid"}, {"token expired"}, {"expired token"},
		{"jwt expired"}, {"401 unauthorized"}, {"status=401"}, {"statuscode=401"}, {"status code 401"}, {"statuscode: 401"},
		{"status: 401"}, {"token", "401"}, {"login failed for user"}, {"ora-01017"}, {"password authentication failed"},
		{"access denied for user"}}},
	{EvDNS, [][]string{{"enotfound"}, {"eai_again"}}},
	{EvTimeout, [][]string{{"etimedout"}, {"esockettimedout"}, {"connection timeout"}, {"connect timeout"}, {"socket timeout"}}},
	{EvRefused, [][]string{{"econnrefused"}}},
	{EvNoInternet, [][]string{{"logname=nointernet"}}},
	{EvTunnelCreated, [][]string{{"logname=tunnelcreated"}}},
	{EvTunnelReady, [][]string{{"logname=tunnelreadyforuse"}}},
	{EvTunnelFailed, [][]string{{"logname=requesttunnel", "fail"}, {"requesting tunnel failed"}}},
	{EvBind, [][]string{{"unable to bind to"}, {"eaddrinuse"}}},
	{EvEPERMUnlink, [][]string{{"eperm", "unlink"}}},
	{EvException, [][]string{{"uncaught exception"}, {"uncaughtexception"}, {"unhandledpromiserejection"},
		{"unhandled promise rejection"}, {"typeerror"}, {"referenceerror"}, {"sockettimeoutexception"}}},
	{EvUncaught, [][]string{{"uncaught exception"}, {"uncaughtexception"}}},
	{EvTLS, [][]string{{"self signed certificate"}, {"self-signed certificate"}, {"unable to verify the first certificate"},
		{"unable_to_get_issuer_cert"}, {"cert_has_expired"}, {"unable to get local issuer certificate"}}},
	{EvProxyAuth, [][]string{{"407", "proxy"}, {"proxy authentication required"}}},
	{EvOOM, [][]string{{"heap out of memory"}, {"enomem"}, {"out of memory"}}},
	{EvFileLimit, [][]string{{"emfile"}, {"too many open files"}}},
	{EvVersion, [][]string{{"latest version"}, {"update for version"}, {"current version"}, {"running version"},
		{"app version"}, {"agent version"}, {"found version"}, {"new version"}}},
	{EvStart, [][]string{{"logname=appstart"}, {"logname=agentstart"}, {"logname=serverstart"}, {"logname=startup"},
		{"agent started"}, {"starting agent"}, {"agent is starting"}, {"starting celigo"}, {"starting on-premise agent"}}},
	{EvStop, [][]string{{"logname=appquit"}, {"logname=shutdown"}, {"shutting down"}, {"agent stopped"}, {"stopping agent"},
		{"received sigterm"}, {"received sigint"}, {"before-quit"}, {"quitandinstall"}}},
	{EvUpdateUninstall, [][]string{{"failed to uninstall old application files"}}},
	{EvEnvMissing, [][]string{{"missing environment variable"}, {"environment variable", "not set"},
		{"environment variable", "missing"}, {"environment variable", "undefined"}, {"environment variable", "is required"},
		{"environment variable", "not defined"}, {"env var", "not set"}, {"env var", "missing"},
		{"java_home is not set"}, {"java_home is not defined"}}},
}

// kindBit is a set of kinds by their index in patterns.
type kindBit uint32

var kindIndex = func() map[string]int {
	if len(patterns) > 32 {
		panic("diagnose: more than 32 event kinds")
	}
	m := map[string]int{}
	for i, p := range patterns {
		m[p.kind] = i
	}
	return m
}()

func bitOf(kind string) kindBit { return 1 << kindIndex[kind] }

// Kinds by index, for the scan's inner loops.
var (
	kHeartbeatOK     = kindIndex[EvHeartbeatOK]
	kHeartbeatFailed = kindIndex[EvHeartbeatFailed]
	kTunnelCreated   = kindIndex[EvTunnelCreated]
	kTunnelReady     = kindIndex[EvTunnelReady]
	kTunnelFailed    = kindIndex[EvTunnelFailed]
	kNoInternet      = kindIndex[EvNoInternet]
	kBind            = kindIndex[EvBind]
	kUncaught        = kindIndex[EvUncaught]
	kStart           = kindIndex[EvStart]
	kStop            = kindIndex[EvStop]
	kVersion         = kindIndex[EvVersion]
	kUpdateUninstall = kindIndex[EvUpdateUninstall]

	exceptionKinds = bitOf(EvException) | bitOf(EvUncaught)
	authKind       = bitOf(EvAuthFailed)
)

// key is the first string of one alternative of a pattern: finding it leads to checking the
// alternative's other strings on that line.
type key struct {
	str     string
	pattern int
	alt     int
}

var keys, keyMatcher = func() ([]key, *matcher) {
	var ks []key
	var strs []string
	for i, p := range patterns {
		for j, alt := range p.any {
			ks = append(ks, key{alt[0], i, j})
			strs = append(strs, alt[0])
		}
	}
	return ks, newMatcher(strs)
}()

// hostKinds are the kinds whose entries are classified by host: failures that may concern
// integrator.io or another host.
var hostKinds = bitOf(EvHeartbeatFailed) | bitOf(EvAuthFailed) | bitOf(EvDNS) | bitOf(EvTimeout) |
	bitOf(EvRefused) | bitOf(EvTunnelFailed) | bitOf(EvTLS) | bitOf(EvProxyAuth)
