package diagnose

import (
	"bytes"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// Target is what a log entry is about: integrator.io's API (heartbeats, requests to it), the
// agent's tunnel, a database the agent serves, another API, or a host the entry does not name.
type Target uint8

// Targets, by what the agent talks to.
const (
	TargetUnknown    Target = iota // no host named and no context that tells
	TargetIntegrator               // integrator.io's API: heartbeats, api.integrator.io
	TargetTunnel                   // the agent's tunnel: requestTunnel, agent-extension servers
	TargetDatabase                 // a database the agent connects to for integrator.io's flows
	TargetOther                    // another host: an on-premise API, a file server…
)

// String names the target for findings.
func (t Target) String() string {
	switch t {
	case TargetIntegrator:
		return "integrator.io"
	case TargetTunnel:
		return "the agent's tunnel"
	case TargetDatabase:
		return "a database"
	case TargetOther:
		return "another host"
	}
	return "an unnamed host"
}

// Host is the host an entry is about and what it is.
type Host struct {
	Name   string // host name or address as the entry gives it, lowercase; "" when not named
	Port   int    // 0 when not named
	Target Target
}

// String gives the host as findings name it: "sqlserver01.corp.local", "72.44.45.92:443".
func (h Host) String() string {
	if h.Name == "" {
		return ""
	}
	if h.Port == 0 {
		return h.Name
	}
	return net.JoinHostPort(h.Name, strconv.Itoa(h.Port))
}

// Entry contexts, from the entry's logName or words: they say what the agent was doing.
const (
	ctxNone = iota
	ctxHeartbeat
	ctxTunnel
	ctxDatabase
)

var (
	// An address the resolver could not find: "getaddrinfo ENOTFOUND sqlserver01.corp.local".
	reNotFound = regexp.MustCompile(`(?:enotfound|eai_again|eai_fail|eai_nodata)\s+([a-z0-9][a-z0-9._-]*)`)
	// Node's error objects, one line or spread over several: "hostname: 'api.integrator.io'",
	// "\"hostname\":\"api.integrator.io\"".
	reHostname = regexp.MustCompile(`["']?hostname["']?\s*[:=]\s*["']?([a-z0-9][a-z0-9._-]*)`)
	// "connect ETIMEDOUT 72.44.45.92:443", "connect ECONNREFUSED ::1:5432".
	reConnect = regexp.MustCompile(`connect\s+e[a-z]+\s+\[?([0-9a-f.:]*[0-9a-f])\]?:(\d{1,5})`)
	reAddress = regexp.MustCompile(`["']?address["']?\s*[:=]\s*["']?([0-9a-f.:]*[0-9a-f])`)
	rePort    = regexp.MustCompile(`["']?port["']?\s*[:=]\s*["']?(\d{1,5})\b`)
	// URLs, JDBC URLs included: "https://api.integrator.io/v1", "jdbc:sqlserver://db01:1433;…".
	reURL = regexp.MustCompile(`\b([a-z][a-z0-9+.-]*):(?:[a-z0-9+.-]*:)?//(?:[^/@\s"']*@)?(\[[0-9a-f:]+\]|[a-z0-9][a-z0-9._-]*)(?::(\d{1,5}))?`)
	// Connection-string and log fields: "host=erp.corp.local", "Server=db01,1433", "Data Source=…".
	reHostField = regexp.MustCompile(`\b(?:host|server|data source|datasource|addr)\s*[=:]\s*["']?(?:tcp:)?([a-z0-9][a-z0-9._-]*)(?:[,:](\d{1,5}))?`)
	// Oracle descriptors: "(HOST=ora01)(PORT=1521)".
	reOracleHost = regexp.MustCompile(`\(host\s*=\s*([a-z0-9][a-z0-9._-]*)\)(?:\s*\(port\s*=\s*(\d{1,5})\))?`)
)

// dbSchemes are URL schemes and JDBC sub-protocols of databases.
var dbSchemes = map[string]bool{
	"jdbc": true, "sqlserver": true, "mssql": true, "mysql": true, "mariadb": true, "postgres": true, "postgresql": true,
	"oracle": true, "db2": true, "mongodb": true, "mongodb+srv": true, "redis": true, "snowflake": true, "odbc": true,
	"sybase": true, "jtds": true, "hana": true, "sap": true, "as400": true, "informix-sqli": true,
}

// dbPorts are the usual ports of databases.
var dbPorts = map[int]bool{
	1433: true, 1434: true, 1521: true, 1522: true, 3306: true, 5432: true, 50000: true, 27017: true,
	6379: true, 5000: true, 30015: true, 9088: true, 446: true, 8471: true, 2638: true,
}

// dbWords in an entry say it is about a database.
var dbWords = []string{
	"logname=query", "jdbc", "odbc", "database", "sqlserver", "sql server", "mssql", "mysql", "postgres",
	"oracle", "ora-", "tns:", "mongodb", "db2", "snowflake", "sqlstate", "login failed for user",
}

// classify tells what an entry (lowercased text, first line first) is about: its context and
// the host it names. Heartbeats go to integrator.io whatever address the line shows; a
// requestTunnel entry is the tunnel; a host of integrator.io or celigo.com is Celigo's; other
// hosts are databases (by scheme, port, name or the entry's words) or other hosts.
func classify(low []byte) Host {
	ctx := entryContext(low)
	h := entryHost(low)
	ip := h.Name != "" && net.ParseIP(h.Name) != nil
	switch {
	case ctx == ctxHeartbeat:
		h.Target = TargetIntegrator
	case h.Name != "" && celigoHost(h.Name):
		h.Target = TargetIntegrator
		if ctx == ctxTunnel || h.Port == 22 || strings.Contains(h.Name, "extension") || strings.Contains(h.Name, "tunnel") {
			h.Target = TargetTunnel
		}
	case ctx == ctxTunnel && (h.Name == "" || ip && (h.Port == 443 || h.Port == 22 || h.Port == 0)):
		h.Target = TargetTunnel
	case h.Name != "" && (ctx == ctxDatabase || dbPorts[h.Port] || dbName(h.Name)):
		h.Target = TargetDatabase
	case ip && (h.Port == 443 || h.Port == 0) && mentionsCeligo(low):
		// A request to integrator.io's API whose error names the address it resolved to.
		h.Target = TargetIntegrator
	case h.Name != "":
		h.Target = TargetOther
	case ctx == ctxDatabase:
		h.Target = TargetDatabase
	case ctx == ctxTunnel:
		h.Target = TargetTunnel
	case mentionsCeligo(low):
		h.Target = TargetIntegrator
	}
	return h
}

// entryContext reads what the agent was doing from the entry's logName, else its words.
func entryContext(low []byte) int {
	if i := bytes.Index(low, []byte("logname=")); i >= 0 {
		name := low[i+len("logname="):]
		if j := bytes.IndexAny(name, ", \t\r\n"); j >= 0 {
			name = name[:j]
		}
		switch {
		case bytes.HasPrefix(name, []byte("heartbeat")):
			return ctxHeartbeat
		case bytes.Contains(name, []byte("tunnel")):
			return ctxTunnel
		}
	}
	switch {
	case bytes.Contains(low, []byte("heartbeat")):
		return ctxHeartbeat
	case bytes.Contains(low, []byte("requesting tunnel")) || bytes.Contains(low, []byte("requesttunnel")):
		return ctxTunnel
	}
	for _, w := range dbWords {
		if bytes.Contains(low, []byte(w)) {
			return ctxDatabase
		}
	}
	return ctxNone
}

// entryHost finds the host an entry's error is about, most specific first: the name a lookup
// failed for, the address a connection failed to, Node's hostname and address fields, then
// URLs and connection-string fields. schemes of URLs that name a database set the port hint.
func entryHost(low []byte) Host {
	// A host is named in an error's first lines; a long stack trace below it names none, and
	// regular expressions over all of it would cost more than the rest of the scan.
	if len(low) > maxClassified {
		low = low[:maxClassified]
	}
	// sub returns the n-th group of the first match of re, nil when none. A regular
	// expression runs only where the literal it needs is in the text.
	var m []int
	find := func(re *regexp.Regexp) bool {
		if lit := hostLiterals[re]; lit != nil && !containsAny(low, lit...) {
			return false
		}
		m = re.FindSubmatchIndex(low)
		return m != nil
	}
	sub := func(n int) []byte {
		if 2*n+1 >= len(m) || m[2*n] < 0 {
			return nil
		}
		return low[m[2*n]:m[2*n+1]]
	}
	port := func() int {
		if !bytes.Contains(low, []byte("port")) {
			return 0
		}
		if p := rePort.FindSubmatchIndex(low); p != nil {
			return atoiPort(low[p[2]:p[3]])
		}
		return 0
	}
	switch {
	case find(reNotFound):
		return Host{Name: cleanHost(sub(1))}
	case find(reConnect):
		return Host{Name: cleanHost(sub(1)), Port: atoiPort(sub(2))}
	case find(reHostname):
		return Host{Name: cleanHost(sub(1)), Port: port()}
	case find(reAddress) && net.ParseIP(string(sub(1))) != nil:
		return Host{Name: cleanHost(sub(1)), Port: port()}
	case find(reURL):
		h := Host{Name: cleanHost(bytes.Trim(sub(2), "[]")), Port: atoiPort(sub(3))}
		if scheme := string(sub(1)); dbSchemes[scheme] && h.Port == 0 {
			h.Port = schemePort(scheme)
		}
		return h
	case find(reOracleHost):
		return Host{Name: cleanHost(sub(1)), Port: atoiPort(sub(2))}
	case find(reHostField):
		return Host{Name: cleanHost(sub(1)), Port: atoiPort(sub(2))}
	}
	return Host{}
}

// schemePort is the default port of a database scheme, so that a JDBC URL without a port still
// reads as a database.
// maxClassified is how much of an entry's text is searched for the host it is about.
const maxClassified = 4 << 10

// hostLiterals are, for each regular expression of entryHost, literals one of which the text
// must hold for it to match.
var hostLiterals = map[*regexp.Regexp][]string{
	reNotFound:   {"enotfound", "eai_"},
	reConnect:    {"connect"},
	reHostname:   {"hostname"},
	reAddress:    {"address"},
	reURL:        {"://"},
	reOracleHost: {"(host"},
	reHostField:  {"host", "server", "source", "addr"},
}

func schemePort(scheme string) int {
	switch scheme {
	case "sqlserver", "mssql", "jtds":
		return 1433
	case "mysql", "mariadb":
		return 3306
	case "postgres", "postgresql":
		return 5432
	case "oracle":
		return 1521
	case "mongodb", "mongodb+srv":
		return 27017
	}
	return 0
}

func atoiPort(b []byte) int {
	n, err := strconv.Atoi(string(b))
	if err != nil || n <= 0 || n > 65535 {
		return 0
	}
	return n
}

// maxHostLen bounds a host name kept from a line (DNS names are at most 253 characters).
const maxHostLen = 253

func cleanHost(b []byte) string {
	b = bytes.TrimRight(b, ".-_")
	if len(b) > maxHostLen {
		b = b[:maxHostLen]
	}
	return string(b)
}

// mentionsCeligo reports an entry naming integrator.io's or Celigo's hosts.
func mentionsCeligo(low []byte) bool {
	return bytes.Contains(low, []byte("integrator.io")) || bytes.Contains(low, []byte("celigo.com"))
}

// celigoHost reports integrator.io's and Celigo's own names.
func celigoHost(h string) bool {
	for _, d := range []string{"integrator.io", "celigo.com"} {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

// dbName reports host names that read as a database server's: sqlserver01, db01, erp-db,
// ora-prod, pg2.
func dbName(h string) bool {
	if net.ParseIP(h) != nil {
		return false
	}
	label, _, _ := strings.Cut(h, ".")
	if strings.Contains(label, "sql") || strings.HasPrefix(label, "db") || strings.HasSuffix(label, "db") ||
		strings.Contains(label, "-db") || strings.Contains(label, "db-") {
		return true
	}
	for _, w := range []string{"oracle", "postgres", "mongo", "maria", "hana", "redis"} {
		if strings.HasPrefix(label, w) {
			return true
		}
	}
	for _, w := range []string{"ora", "pg"} {
		if rest, ok := strings.CutPrefix(label, w); ok && rest != "" && (rest[0] == '-' || rest[0] >= '0' && rest[0] <= '9') {
			return true
		}
	}
	return false
}
