package osout

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// This file reads the Windows event log as `wevtutil qe` prints it (/f:RenderedXml, or /f:text)
// and builds the XPath queries opadiag gives it. It is untagged so Linux CI tests it.

// Event is one event log record.
type Event struct {
	Time     time.Time
	Log      string // System, Application
	Provider string // Service Control Manager, Application Error…
	ID       int
	Level    string // Critical, Error, Warning, Information
	Computer string
	Message  string   // the rendered message, when wevtutil rendered one
	Data     []string // the event's data values, for events without a message
}

// SCMEventIDs are the Service Control Manager events about a service the guide's checks need:
// 7000 failed to start, 7009 start timed out, 7023 terminated with an error, 7031 terminated
// unexpectedly (with the recovery action taken), 7034 terminated unexpectedly, 7036 entered a
// state.
var SCMEventIDs = []int{7000, 7009, 7023, 7031, 7034, 7036}

// SCMQuery returns the XPath query for the Service Control Manager events SCMEventIDs that name
// one of the services (by key or display name) within the last since.
func SCMQuery(names []string, since time.Duration) string {
	var ids []string
	for _, id := range SCMEventIDs {
		ids = append(ids, "EventID="+strconv.Itoa(id))
	}
	q := "*[System[Provider[@Name='Service Control Manager'] and (" + strings.Join(ids, " or ") + ") and " + timeDiff(since) + "]"
	var data []string
	for _, n := range names {
		if n != "" && !strings.ContainsAny(n, `'"`) {
			data = append(data, "Data='"+n+"'")
		}
	}
	if len(data) > 0 {
		q += " and EventData[" + strings.Join(data, " or ") + "]"
	}
	return q + "]"
}

// LevelQuery returns the XPath query for the events of the given levels (1 critical, 2 error,
// 3 warning) within the last since.
func LevelQuery(levels []int, since time.Duration) string {
	var ls []string
	for _, l := range levels {
		ls = append(ls, "Level="+strconv.Itoa(l))
	}
	return "*[System[(" + strings.Join(ls, " or ") + ") and " + timeDiff(since) + "]]"
}

func timeDiff(since time.Duration) string {
	ms := since.Milliseconds()
	if ms <= 0 {
		ms = 1
	}
	return "TimeCreated[timediff(@SystemTime) <= " + strconv.FormatInt(ms, 10) + "]"
}

// WevtutilArgs returns the arguments of `wevtutil qe LOG` for query, newest first, at most count
// events, rendered as XML with their messages.
func WevtutilArgs(log, query string, count int) []string {
	return []string{"qe", log, "/q:" + query, "/c:" + strconv.Itoa(count), "/rd:true", "/f:RenderedXml"}
}

type xmlEvent struct {
	System struct {
		Provider struct {
			Name            string `xml:"Name,attr"`
			EventSourceName string `xml:"EventSourceName,attr"`
		} `xml:"Provider"`
		EventID     string `xml:"EventID"`
		Level       string `xml:"Level"`
		TimeCreated struct {
			SystemTime string `xml:"SystemTime,attr"`
		} `xml:"TimeCreated"`
		Channel  string `xml:"Channel"`
		Computer string `xml:"Computer"`
	} `xml:"System"`
	EventData struct {
		Data []string `xml:"Data"`
	} `xml:"EventData"`
	UserData struct {
		Inner string `xml:",innerxml"`
	} `xml:"UserData"`
	RenderingInfo struct {
		Message string `xml:"Message"`
		Level   string `xml:"Level"`
	} `xml:"RenderingInfo"`
}

// ParseEventsXML reads the <Event> elements wevtutil prints with /f:xml or /f:RenderedXml (one
// after another, without a root element).
func ParseEventsXML(r io.Reader) ([]Event, error) {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	var out []Event
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("read event XML: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Event" {
			continue
		}
		var x xmlEvent
		if err := dec.DecodeElement(&x, &se); err != nil {
			return out, fmt.Errorf("read event XML: %w", err)
		}
		e := Event{
			Log: x.System.Channel, Provider: x.System.Provider.Name, Computer: x.System.Computer,
			Message: collapse(x.RenderingInfo.Message), Level: x.RenderingInfo.Level,
		}
		if e.Provider == "" {
			e.Provider = x.System.Provider.EventSourceName
		}
		e.ID, _ = strconv.Atoi(strings.TrimSpace(x.System.EventID))
		if e.Level == "" {
			e.Level = levelName(strings.TrimSpace(x.System.Level))
		}
		if t, err := time.Parse(time.RFC3339Nano, x.System.TimeCreated.SystemTime); err == nil {
			e.Time = t
		}
		for _, d := range x.EventData.Data {
			if d = collapse(d); d != "" {
				e.Data = append(e.Data, d)
			}
		}
		if len(e.Data) == 0 && strings.TrimSpace(x.UserData.Inner) != "" {
			e.Data = append(e.Data, collapse(stripTags(x.UserData.Inner)))
		}
		out = append(out, e)
	}
}

// ParseEventsText reads wevtutil's /f:text output: "Event[n]:" blocks of "  Key: value" lines
// ending with a Description whose text runs to the next block.
func ParseEventsText(r io.Reader) ([]Event, error) {
	var out []Event
	var cur *Event
	inDesc := false
	var desc []string
	flush := func() {
		if cur != nil {
			cur.Message = collapse(strings.Join(desc, " "))
			out = append(out, *cur)
		}
		cur, inDesc, desc = nil, false, nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		line = strings.TrimPrefix(line, "\ufeff")
		if strings.HasPrefix(line, "Event[") && strings.HasSuffix(strings.TrimSpace(line), "]:") {
			flush()
			cur = &Event{}
			continue
		}
		if cur == nil {
			continue
		}
		if inDesc {
			desc = append(desc, line)
			continue
		}
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Log Name":
			cur.Log = v
		case "Source":
			cur.Provider = v
		case "Date":
			cur.Time = parseEventDate(v)
		case "Event ID":
			cur.ID, _ = strconv.Atoi(v)
		case "Level":
			cur.Level = v
		case "Computer":
			cur.Computer = v
		case "Description":
			inDesc = true
			if v != "" {
				desc = append(desc, v)
			}
		}
	}
	flush()
	return out, sc.Err()
}

// parseEventDate reads wevtutil's text dates: 2025-07-29T10:15:32.123 (local time, without zone)
// or with a zone.
func parseEventDate(s string) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.Local); err == nil {
		return t
	}
	return time.Time{}
}

func levelName(n string) string {
	switch n {
	case "1":
		return "Critical"
	case "2":
		return "Error"
	case "3":
		return "Warning"
	case "0", "4":
		return "Information"
	case "5":
		return "Verbose"
	}
	return n
}

// Mentions reports whether the event names one of names (case-insensitive) in its message or
// data.
func (e Event) Mentions(names []string) bool {
	text := strings.ToLower(e.Message + "\x00" + strings.Join(e.Data, "\x00"))
	for _, n := range names {
		if n != "" && strings.Contains(text, strings.ToLower(n)) {
			return true
		}
	}
	return false
}

// Format renders an event on one line: time (UTC), level, provider, id, message.
func (e Event) Format() string {
	ts := "unknown-time"
	if !e.Time.IsZero() {
		ts = e.Time.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	msg := e.Message
	if msg == "" {
		msg = strings.Join(e.Data, " | ")
	}
	log := e.Log
	if log == "" {
		log = "-"
	}
	return fmt.Sprintf("%s  %-11s %s  %s  %d  %s", ts, e.Level, log, e.Provider, e.ID, msg)
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}
