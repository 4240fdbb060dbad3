package report

import (
	"bytes"
	"encoding/base64"
	"html"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
	"github.com/opadiag/opadiag/redact"
)

// The secrets of the leak test, as the agent's home holds them.
const (
	rawToken    = "tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	rawPassword = "Hunter2-Correct-Horse"
	rawProxyPw  = "Pr0xy-S3cret!"
	rawBearer   = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJlLXNlY3JldA"
)

// leakFixture is a bundle made as a run makes one: every text read from the machine went through
// the redactor before it reached the files, the manifest and the findings.
func leakFixture(t *testing.T) (fixture, *redact.Redactor) {
	t.Helper()
	red := redact.New()
	red.AddToken(rawToken)
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	rawLines := []string{
		at.Format("2006-01-02T15:04:05.000Z") + ": level=info, logName=heartbeat, message=Heartbeat sent successfully",
		at.Add(time.Minute).Format("2006-01-02T15:04:05.000Z") + ": level=error, logName=heartbeatFailed, err=401 invalid token " + rawToken + ", Authorization: Bearer " + rawBearer,
		at.Add(2*time.Minute).Format("2006-01-02T15:04:05.000Z") + ": level=debug, logName=forwardIn, connection=jdbc:sqlserver://db01:1433;user=svc;password=" + rawPassword + ";",
		at.Add(3*time.Minute).Format("2006-01-02T15:04:05.000Z") + ": level=error, logName=noInternet, proxy=https://agent:" + rawProxyPw + "@proxy.corp.invalid:8080 <script>alert('x')</script>",
	}
	redLog, _ := red.Bytes([]byte(strings.Join(rawLines, "\n") + "\n"))
	lines := strings.Split(strings.TrimSuffix(string(redLog), "\n"), "\n")
	settings, _, err := red.JSON([]byte(`{"token": "` + rawToken + `", "dbPassword": "` + rawPassword + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	f := failingFixture()
	f.fs = fstest.MapFS{
		"agent/logs/server-2026-11-28.log": {Data: redLog},
		"agent/settings.json":              {Data: settings},
	}
	proxy := red.String("https://agent:" + rawProxyPw + "@proxy.corp.invalid:8080")
	f.m.Host.Network.Proxy, f.m.Host.Network.Route, f.m.Host.Network.Reachable = proxy, manifest.RouteProxy, true
	f.m.Host.Network.Text = red.String("api.integrator.io answers through " + "https://agent:" + rawProxyPw + "@proxy.corp.invalid:8080")
	f.m.Invocation.Args = []string{"collect", red.String("--endpoint=https://u:" + rawPassword + "@api.integrator.io")}
	f.m.Collectors[4].Problems = []string{red.String("journalctl: password=" + rawPassword + " refused"), red.String("curl: Authorization: Bearer " + rawBearer)}
	f.m.Files[0].Note = red.String("read through Authorization: Bearer " + rawBearer)
	f.m.Invocation.Denied = []manifest.Denied{{Collector: "system", What: "/var/log/syslog", Error: red.String("Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("agent:"+rawProxyPw)))}}
	f.m.Omitted = append(f.m.Omitted, manifest.Omitted{Source: "/root/.config/agent/x.log", Collector: "logs",
		Reason: red.String("symlink to /mnt/" + rawToken + "/x, outside the agent home")})
	f.m.Redaction.TokenHash = redact.HashToken(rawToken)
	f.r.Findings = []manifest.Finding{
		{ID: "token.rejected", Severity: manifest.SeverityFail, Title: "integrator.io rejected the agent's token",
			Detail:   red.String("The log says: 401 invalid token " + rawToken),
			Remedy:   "Copy the token again from integrator.io.",
			Evidence: []manifest.Evidence{{Path: "agent/logs/server-2026-11-28.log", Line: 2}, {Path: "agent/settings.json", Line: 1}}},
		{ID: "proxy.auth", Severity: manifest.SeverityWarn, Title: "The proxy asks for credentials",
			Detail:   red.String("Proxy https://agent:" + rawProxyPw + "@proxy.corp.invalid:8080 answered 407 to Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("agent:"+rawProxyPw))),
			Remedy:   red.String("Check the header Authorization: Bearer " + rawBearer),
			Evidence: []manifest.Evidence{{Path: "agent/logs/server-2026-11-28.log", Line: 3}, {Path: "agent/logs/server-2026-11-28.log", Line: 4}}},
	}
	f.r.Timeline.Events = nil
	for i, l := range lines {
		kind := []string{diagnose.TLHeartbeatOK, diagnose.TLHeartbeatFailed, diagnose.TLBindFailed, diagnose.TLNoInternet}[i]
		f.r.Timeline.Events = append(f.r.Timeline.Events, diagnose.TimelineEvent{Kind: kind, Time: at.Add(time.Duration(i) * time.Minute),
			Count: 1, Path: "agent/logs/server-2026-11-28.log", Line: i + 1, Text: l})
	}
	f.m.Findings = f.r.Findings
	f.name = "leak"
	return f, red
}

// TestNoLeak: the page of a bundle whose files, manifest and findings carry redacted secrets holds
// no secret in any form; it shows the markers; a log line with markup shows as text.
func TestNoLeak(t *testing.T) {
	f, _ := leakFixture(t)
	page := render(t, f)
	s := string(page)
	for _, secret := range []string{rawToken, rawPassword, rawProxyPw, rawBearer, "Hunter2", "S3cret"} {
		for _, form := range []string{secret, html.EscapeString(secret), url.QueryEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret)),
			base64.StdEncoding.EncodeToString([]byte("agent:" + secret))} {
			if strings.Contains(s, form) {
				t.Errorf("the page holds the secret %q (as %q)", secret, form)
			}
		}
	}
	for _, marker := range []string{redact.HashToken(rawToken), "[REDACTED]"} {
		if !strings.Contains(s, marker) {
			t.Errorf("the page lacks the marker %s", marker)
		}
	}
	if strings.Contains(s, "<script>alert") || !strings.Contains(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") {
		t.Errorf("the log line with <script> is not shown as text")
	}
	if strings.Contains(s, "<script") {
		t.Errorf("the page has a script element")
	}
}

// TestPageThroughSecretRules: the bundle passes report.html through the secret rules at Finish;
// they must find nothing to replace in a page built from redacted data, so the page stays whole.
func TestPageThroughSecretRules(t *testing.T) {
	leak, red := leakFixture(t)
	for _, f := range append(fixtures(), leak) {
		t.Run(f.name, func(t *testing.T) {
			page := render(t, f)
			out, counts := red.Bytes(page)
			if counts.Total() != 0 || !bytes.Equal(out, page) {
				t.Errorf("the secret rules replace %v in the page:\n%s", counts, firstDiff(string(page), string(out)))
			}
		})
	}
}
