package crash

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// task is the part of a task definition the tests read back.
type task struct {
	XMLName      xml.Name `xml:"http://schemas.microsoft.com/windows/2004/02/mit/task Task"`
	Version      string   `xml:"version,attr"`
	Subscription string   `xml:"Triggers>EventTrigger>Subscription"`
	UserID       string   `xml:"Principals>Principal>UserId"`
	Instances    string   `xml:"Settings>MultipleInstancesPolicy"`
	TimeLimit    string   `xml:"Settings>ExecutionTimeLimit"`
	Command      string   `xml:"Actions>Exec>Command"`
	Arguments    string   `xml:"Actions>Exec>Arguments"`
}

type queryList struct {
	XMLName xml.Name `xml:"QueryList"`
	Queries []struct {
		ID      string `xml:"Id,attr"`
		Path    string `xml:"Path,attr"`
		Selects []struct {
			Path  string `xml:"Path,attr"`
			XPath string `xml:",chardata"`
		} `xml:"Select"`
	} `xml:"Query"`
}

// parseTask reads a task definition strictly, as text (its declaration says UTF-16, the bytes
// given here are the UTF-8 the plan holds).
func parseTask(t *testing.T, def string) (task, string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(def))
	d.Strict = true
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) { return r, nil }
	var tk task
	if err := d.Decode(&tk); err != nil {
		t.Fatalf("the task definition is not well-formed XML: %v\n%s", err, def)
	}
	var ql queryList
	if err := xml.Unmarshal([]byte(tk.Subscription), &ql); err != nil {
		t.Fatalf("the subscription is not well-formed XML: %v\n%s", err, tk.Subscription)
	}
	if len(ql.Queries) != 1 || len(ql.Queries[0].Selects) != 1 || ql.Queries[0].Path != "System" || ql.Queries[0].Selects[0].Path != "System" {
		t.Fatalf("subscription %+v: want one query with one select on the System log", ql)
	}
	return tk, ql.Queries[0].Selects[0].XPath
}

// selectShape is the only shape of query the task may have: the Service Control Manager's 7031
// and 7034 events, filtered on their first parameter.
var selectShape = regexp.MustCompile(`^\*\[System\[Provider\[@Name='Service Control Manager'\] and \(EventID=7031 or EventID=7034\)\]\]` +
	` and \*\[EventData\[Data\[@Name='param1'\]=('[^']*'|"[^"]*")( or Data\[@Name='param1'\]=('[^']*'|"[^"]*"))*\]\]$`)

func TestTaskXML(t *testing.T) {
	for _, tc := range []struct {
		name     string
		services []AgentService
		names    []string // the names the query matches, in order
		skipped  []string
	}{
		{"display name and key", []AgentService{{Name: "CeligoAgent", DisplayName: "Celigo Agent"}}, []string{"Celigo Agent", "CeligoAgent"}, nil},
		{"same name twice is matched once", []AgentService{{Name: "celigo agent", DisplayName: "Celigo Agent"}}, []string{"Celigo Agent"}, nil},
		{"two services", []AgentService{{Name: "a-celigo", DisplayName: "Celigo Agent"}, {Name: "celigo2", DisplayName: "Celigo Agent 2"}},
			[]string{"Celigo Agent", "a-celigo", "Celigo Agent 2", "celigo2"}, nil},
		{"an apostrophe", []AgentService{{Name: "celigo", DisplayName: "Bob's Celigo Agent"}}, []string{"Bob's Celigo Agent", "celigo"}, nil},
		{"XML's own characters", []AgentService{{Name: "celigo", DisplayName: `Celigo <A&B> "x"`}}, []string{`Celigo <A&B> "x"`, "celigo"}, nil},
		{"both quotes cannot be matched", []AgentService{{Name: "celigo", DisplayName: `Bob's "Celigo"`}}, []string{"celigo"}, []string{`Bob's "Celigo"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def, skipped := taskXML(`C:\Program Files\opadiag\opadiag.exe`, `C:\ProgramData\opadiag\crash`, tc.services)
			if strings.Join(skipped, "|") != strings.Join(tc.skipped, "|") {
				t.Errorf("skipped %q, want %q", skipped, tc.skipped)
			}
			tk, sel := parseTask(t, def)
			if !selectShape.MatchString(sel) {
				t.Fatalf("query %q has not the expected shape", sel)
			}
			lits := regexp.MustCompile(`\]=('[^']*'|"[^"]*")`).FindAllStringSubmatch(sel[strings.Index(sel, "EventData"):], -1)
			var got []string
			for _, l := range lits {
				got = append(got, l[1][1:len(l[1])-1])
			}
			if strings.Join(got, "|") != strings.Join(tc.names, "|") {
				t.Errorf("matches %q, want %q", got, tc.names)
			}
			if tk.Version != "1.2" || tk.UserID != "S-1-5-18" || tk.Instances != "IgnoreNew" || tk.TimeLimit != "PT30M" {
				t.Errorf("task %+v", tk)
			}
			if tk.Command != `C:\Program Files\opadiag\opadiag.exe` || tk.Arguments != `collect --trigger crash --quiet --output C:\ProgramData\opadiag\crash` {
				t.Errorf("action %q %q", tk.Command, tk.Arguments)
			}
		})
	}
	// The golden definition (TestWindowsHook) is well-formed and of the same shape.
	def, err := os.ReadFile(filepath.Join("testdata", "golden", "task.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, sel := parseTask(t, string(def)); !selectShape.MatchString(sel) {
		t.Errorf("golden query %q", sel)
	}
}

// argvW splits a command line as CommandLineToArgvW does (for arguments after the program):
// 2n backslashes and a quote are n backslashes and a quote toggle, 2n+1 and a quote are n and a
// literal quote, other backslashes are literal.
func argvW(s string) []string {
	var out []string
	var cur strings.Builder
	in, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			n := 0
			for i < len(s) && s[i] == '\\' {
				n++
				i++
			}
			if i < len(s) && s[i] == '"' {
				cur.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					cur.WriteByte('"')
				} else {
					quoted = !quoted
				}
			} else {
				cur.WriteString(strings.Repeat(`\`, n))
				i--
			}
			in = true
		case c == '"':
			quoted, in = !quoted, true
		case (c == ' ' || c == '\t') && !quoted:
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

func TestWindowsCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--output", `C:\ProgramData\opadiag\crash`}, `--output C:\ProgramData\opadiag\crash`},
		{[]string{"--output", `D:\Program Data\opadiag\crash`}, `--output "D:\Program Data\opadiag\crash"`},
		{[]string{`C:\dir with space\`}, `"C:\dir with space\\"`},
		{[]string{`say "hi"`}, `"say \"hi\""`},
		{[]string{""}, `""`},
	} {
		got := windowsCommand(tc.args...)
		if got != tc.want {
			t.Errorf("%q: %s, want %s", tc.args, got, tc.want)
		}
		if back := argvW(got); strings.Join(back, "\x00") != strings.Join(tc.args, "\x00") {
			t.Errorf("%s reads back as %q, not %q", got, back, tc.args)
		}
	}
}

func FuzzWindowsCommand(f *testing.F) {
	for _, s := range []string{`C:\a b\`, `x"y`, `\\"`, "", "a\tb"} {
		f.Add(s, "--output")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if strings.ContainsAny(a+b, "\x00\n\r") {
			return
		}
		got := windowsCommand(a, b)
		if back := argvW(got); len(back) != 2 || back[0] != a || back[1] != b {
			t.Fatalf("%q %q -> %s -> %q", a, b, got, back)
		}
	})
}

func FuzzEventQuery(f *testing.F) {
	for _, s := range []string{"Celigo Agent", "Bob's", `a "b"`, "<&>", `'"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if name == "" || strings.ContainsRune(name, 0) || !isXMLText(name) {
			return
		}
		q, skipped := eventQuery([]AgentService{{Name: "celigo", DisplayName: name}})
		var ql queryList
		if err := xml.Unmarshal([]byte(q), &ql); err != nil {
			t.Fatalf("%q: %v\n%s", name, err, q)
		}
		sel := ql.Queries[0].Selects[0].XPath
		if !selectShape.MatchString(sel) {
			t.Fatalf("%q: query %q", name, sel)
		}
		quoted := strings.Contains(sel, "='"+name+"'") || strings.Contains(sel, `="`+name+`"`)
		if quoted == (len(skipped) > 0) && !strings.EqualFold(name, "celigo") {
			t.Fatalf("%q: in the query %v, skipped %q", name, quoted, skipped)
		}
	})
}

// isXMLText reports whether s holds only characters XML 1.0 allows, with the line breaks and
// spaces XML keeps as they are.
func isXMLText(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0xFFFE || r == 0xFFFF || r == '\uFFFD' || (r >= 0xD800 && r <= 0xDFFF) {
			return false
		}
	}
	return true
}
