package crash

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// TaskName is the Task Scheduler task the hook registers on Windows.
const TaskName = "opadiag-crash-capture"

// AgentService is the agent's Windows service, as the service control manager lists it.
type AgentService struct {
	Name        string // its key name (sc query NAME)
	DisplayName string
}

// eventQuery is the event log query of the task's trigger: the Service Control Manager's
// events 7031 ("terminated unexpectedly; the following corrective action will be taken") and
// 7034 ("terminated unexpectedly") whose first parameter names one of the services. The event
// names the service by its display name; the key name is matched too, for services without one.
// Names that cannot be written as an XPath literal (holding both kinds of quote) are left out
// and returned.
func eventQuery(services []AgentService) (string, []string) {
	var names, skipped []string
	seen := map[string]bool{}
	for _, s := range services {
		for _, n := range []string{s.DisplayName, s.Name} {
			if n == "" || seen[strings.ToLower(n)] {
				continue
			}
			seen[strings.ToLower(n)] = true
			lit, ok := xpathLiteral(n)
			if !ok {
				skipped = append(skipped, n)
				continue
			}
			names = append(names, "Data[@Name='param1']="+lit)
		}
	}
	sel := "*[System[Provider[@Name='Service Control Manager'] and (EventID=7031 or EventID=7034)]]" +
		" and *[EventData[" + strings.Join(names, " or ") + "]]"
	return `<QueryList><Query Id="0" Path="System"><Select Path="System">` + escapeXML(sel) + `</Select></Query></QueryList>`, skipped
}

// xpathLiteral quotes s as an XPath 1.0 string literal, which has no escapes: in single quotes,
// else in double quotes.
func xpathLiteral(s string) (string, bool) {
	switch {
	case !strings.Contains(s, "'"):
		return "'" + s + "'", true
	case !strings.Contains(s, `"`):
		return `"` + s + `"`, true
	}
	return "", false
}

// escapeXML escapes text for an XML element's content: &, < and >. Quotes need no escape
// there, and leaving them keeps the nested query readable, as Windows' own exports write it.
func escapeXML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// windowsCommand quotes a program's arguments as Windows' command-line parsing reads them back
// (CommandLineToArgvW): an argument with a space, a tab or a quote in double quotes, its quotes
// and the backslashes before them escaped.
func windowsCommand(args ...string) string {
	var out []string
	for _, a := range args {
		if a != "" && !strings.ContainsAny(a, " \t\"") {
			out = append(out, a)
			continue
		}
		var b strings.Builder
		b.WriteByte('"')
		slashes := 0
		for i := 0; i < len(a); i++ {
			r := a[i]
			switch r {
			case '\\':
				slashes++
				continue
			case '"':
				b.WriteString(strings.Repeat(`\`, 2*slashes+1))
			default:
				b.WriteString(strings.Repeat(`\`, slashes))
			}
			slashes = 0
			b.WriteByte(r)
		}
		b.WriteString(strings.Repeat(`\`, 2*slashes))
		b.WriteByte('"')
		out = append(out, b.String())
	}
	return strings.Join(out, " ")
}

// taskXML is the task's definition in Task Scheduler's schema (version 1.2, Windows Vista and
// later): run as SYSTEM (S-1-5-18) on the events of eventQuery, one instance at a time, at most
// 30 minutes, at below-normal priority, on battery too. The agent's service and its recovery
// actions are not touched: the task only watches the System log.
func taskXML(binary, output string, services []AgentService) (string, []string) {
	query, skipped := eventQuery(services)
	var names []string
	for _, s := range services {
		n := s.DisplayName
		if n == "" {
			n = s.Name
		}
		names = append(names, `"`+n+`"`)
	}
	desc := fmt.Sprintf("Writes a support bundle to %s when the service %s stops unexpectedly "+
		"(Service Control Manager events 7031 and 7034). Installed by 'opadiag crash-hook install'; "+
		"'opadiag crash-hook uninstall' removes it.", output, strings.Join(names, ", "))
	args := windowsCommand("collect", "--trigger", "crash", "--quiet", "--output", output)
	return `<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Author>opadiag</Author>
    <Description>` + escapeXML(desc) + `</Description>
  </RegistrationInfo>
  <Triggers>
    <EventTrigger>
      <Enabled>true</Enabled>
      <Subscription>` + escapeXML(query) + `</Subscription>
    </EventTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>S-1-5-18</UserId>
      <RunLevel>HighestAvailable</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>false</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <IdleSettings>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>
    <ExecutionTimeLimit>PT30M</ExecutionTimeLimit>
    <Priority>7</Priority>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>` + escapeXML(binary) + `</Command>
      <Arguments>` + escapeXML(args) + `</Arguments>
    </Exec>
  </Actions>
</Task>
`, skipped
}

// utf16File encodes text as schtasks /XML reads it: UTF-16LE with a byte-order mark, CRLF line
// endings.
func utf16File(text string) []byte {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\n", "\r\n")
	u := utf16.Encode([]rune(text))
	out := make([]byte, 2, 2+2*len(u))
	out[0], out[1] = 0xff, 0xfe
	for _, c := range u {
		out = append(out, byte(c), byte(c>>8))
	}
	return out
}
