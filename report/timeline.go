package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
)

// The timeline is drawn in a fixed coordinate system (the SVG's viewBox) that the browser
// scales to the page's width.
const (
	tlWidth   = 1000.0
	tlPlotX0  = 118.0 // left of the plot; lane labels before it
	tlPlotX1  = 988.0
	tlTipY    = 4.0  // the band where a hovered or focused mark's time and line show
	tlTipH    = 44.0 //
	tlLanesY  = 56.0 // top of the first lane
	tlLaneH   = 30.0
	tlTickLen = 5.0
)

// Bounds of the timeline, whatever the logs hold.
const (
	maxMarks      = 250 // marks drawn in a view; close marks of a kind are merged until they fit
	mergeDistance = 6.0 // marks of a kind closer than this (viewBox units) are one mark
	maxEventRows  = 150 // rows of the events table
	maxTipText    = 140 // bytes of the place and the line shown in the tip band
	maxRowText    = 160 // bytes of a line shown in the events table
)

// kindInfo says how a timeline event kind is drawn.
type kindInfo struct {
	label string // for people: "heartbeat failed"
	lane  int    // index in lanes
	shape string // span, tick, circle, diamond, square, triangle, cross, flag
}

// lanes are the timeline's rows, top to bottom.
var lanes = []string{"Heartbeats", "Agent log", "Tunnel", "Internet", "Port 7017", "Service", "Other"}

const otherLane = 6

// kinds lists the event kinds diagnose draws, in legend order.
var kinds = []string{
	diagnose.TLHeartbeatOK, diagnose.TLHeartbeatFailed, diagnose.TLGap, diagnose.TLSilence,
	diagnose.TLTunnelCreated, diagnose.TLTunnelReady, diagnose.TLTunnelFailed, diagnose.TLNoInternet,
	diagnose.TLBindFailed, diagnose.TLServiceRestart, diagnose.TLCrash, diagnose.TLRun,
}

var kindInfos = map[string]kindInfo{
	diagnose.TLHeartbeatOK:     {"heartbeats sent", 0, "span"},
	diagnose.TLGap:             {"gap in heartbeats", 0, "span"},
	diagnose.TLHeartbeatFailed: {"heartbeat failed", 0, "tick"},
	diagnose.TLSilence:         {"agent silent (nothing logged)", 1, "span"},
	diagnose.TLTunnelCreated:   {"tunnel created", 2, "circle"},
	diagnose.TLTunnelReady:     {"tunnel ready", 2, "square"},
	diagnose.TLTunnelFailed:    {"tunnel failed", 2, "cross"},
	diagnose.TLNoInternet:      {"no internet", 3, "diamond"},
	diagnose.TLBindFailed:      {"cannot bind port 7017", 4, "square"},
	diagnose.TLServiceRestart:  {"service or agent (re)started", 5, "triangle"},
	diagnose.TLCrash:           {"crash", 5, "cross"},
	diagnose.TLRun:             {"opadiag ran", 5, "flag"},
}

// info returns how kind is drawn; an unknown kind (from a newer diagnose) goes to the Other lane.
func info(kind string) kindInfo {
	if k, ok := kindInfos[kind]; ok {
		return k
	}
	return kindInfo{label: kind, lane: otherLane, shape: "circle"}
}

// timelineView is the timeline as the template draws it: the whole window, a close-up of the
// trouble when it is short, the legend and the events in a table.
type timelineView struct {
	Window   svgView
	CloseUp  *svgView // nil when the trouble is not short against the window, or there is none
	Start    string   // the window, for people
	End      string
	Span     string // its length: "7 days"
	Legend   []legendView
	Rows     []markView // the events table: every mark of the window but heartbeat spans and the run
	RowsMore int
	Dropped  []string // what the diagnosis left out past its bound, per kind
	Empty    bool     // no event but the run
}

// svgView is one drawing of the timeline over a stretch of time.
type svgView struct {
	View          string // "window" or "close-up"
	Aria          string
	Start, End    string
	Width, Height float64
	PlotX0        float64
	PlotX1        float64
	LanesTop      float64
	LanesBottom   float64
	TickLabelY    float64
	TipY          float64
	TipH          float64
	HintY         float64
	Lanes         []laneView
	Ticks         []tickView
	Marks         []markView
	Merged        bool // close events were merged into one mark
}

type laneView struct {
	Label     string
	Y, Mid, H float64 // top, middle and height
	LabelY    float64
	Odd       bool
}

type tickView struct {
	X      float64
	Label  string
	Anchor string // text-anchor of the label: start, middle or end, so that it stays in view
}

// markView is one mark: one event, or close events of a kind merged.
type markView struct {
	ID    string
	Kind  string
	Class string // k-<kind>, or k-other for a kind this page does not know
	Label string // the kind, for people
	Shape string
	Count int
	X, Y  float64 // a span's left and top, or a point's centre
	W, H  float64 // a span's size
	D     string  // a point's path
	// HX, HY, HW, HH: the area that reacts to the pointer, larger than a small mark.
	Hit            bool
	HX, HY, HW, HH float64
	Time           string // RFC 3339, for scripts and tests
	When           string // for people: "2026-11-28 11:00:00 UTC", or a range
	Aria           string
	Where          string // "agent/logs/server-2026-11-28.log line 30"
	Text           string // the line, cut for the tip band
	RowText        string // the line, cut for the events table
	TipY           float64
	TipH           float64
	Line1Y         float64
	Line2Y         float64
}

type legendView struct {
	Kind, Class, Label, Shape string
	Count, Marks              int
	MarksText                 string // "24 marks", when events were merged
	D                         string // the swatch's path (points)
}

// buildTimeline lays r's timeline out over the collected window, and over a close-up of the
// trouble when there is some and it is short against the window.
func buildTimeline(m *manifest.Manifest, t diagnose.Timeline) *timelineView {
	end := t.End
	if end.IsZero() {
		end = m.Created
	}
	start := t.Start
	if start.IsZero() || !start.Before(end) {
		since, err := time.ParseDuration(m.Options.Since)
		if err != nil || since <= 0 {
			since = 168 * time.Hour
		}
		start = end.Add(-since)
	}
	start, end = start.UTC(), end.UTC()
	events := slices.Clone(t.Events)
	if !slices.ContainsFunc(events, func(e diagnose.TimelineEvent) bool { return e.Kind == diagnose.TLRun }) {
		events = append(events, diagnose.TimelineEvent{Kind: diagnose.TLRun, Time: end, Count: 1})
	}
	slices.SortStableFunc(events, func(a, b diagnose.TimelineEvent) int { return a.Time.Compare(b.Time) })
	// Lanes: all but Other, which shows only when an unknown kind is drawn.
	nLanes := otherLane
	if slices.ContainsFunc(events, func(e diagnose.TimelineEvent) bool { return info(e.Kind).lane == otherLane }) {
		nLanes++
	}
	v := &timelineView{Start: start.Format(timeLayout), End: end.Format(timeLayout), Span: roundDuration(end.Sub(start)), Empty: len(events) == 1}
	v.Window = drawView("window", "w", start, end, events, nLanes)
	if a, b, ok := closeUp(events, start, end); ok {
		var in []diagnose.TimelineEvent
		for _, e := range events {
			if !e.Time.After(b) && !spanEnd(e).Before(a) {
				in = append(in, e)
			}
		}
		c := drawView("close-up", "c", a, b, in, nLanes)
		v.CloseUp = &c
	}

	counts := map[string][2]int{} // kind: events (summed counts), marks
	for _, mk := range v.Window.Marks {
		c := counts[mk.Kind]
		counts[mk.Kind] = [2]int{c[0] + mk.Count, c[1] + 1}
	}
	rows := slices.Clone(v.Window.Marks)
	slices.SortStableFunc(rows, func(a, b markView) int { return cmp.Compare(a.Time, b.Time) })
	for _, mk := range rows {
		if mk.Kind == diagnose.TLHeartbeatOK || mk.Kind == diagnose.TLRun {
			continue
		}
		if len(v.Rows) == maxEventRows {
			v.RowsMore++
			continue
		}
		v.Rows = append(v.Rows, mk)
	}
	legendKinds := slices.Clone(kinds)
	for _, e := range events {
		if !slices.Contains(legendKinds, e.Kind) {
			legendKinds = append(legendKinds, e.Kind)
		}
	}
	for _, k := range legendKinds {
		in := info(k)
		c := counts[k]
		lv := legendView{Kind: k, Class: kindClass(k), Label: in.label, Shape: in.shape, Count: c[0], Marks: c[1]}
		if c[1] != c[0] {
			lv.MarksText = plural(c[1], "mark")
			if in.shape == "span" {
				lv.MarksText = plural(c[1], "span")
			}
		}
		if in.shape != "span" {
			lv.D = shapePath(in.shape, 8, 8, 0.8)
		}
		v.Legend = append(v.Legend, lv)
	}
	for _, k := range sortedKeys(t.Dropped) {
		if n := t.Dropped[k]; n > 0 {
			v.Dropped = append(v.Dropped, fmt.Sprintf("%d %s", n, info(k).label))
		}
	}
	return v
}

// troubleKinds are the events a close-up shows the time of.
var troubleKinds = map[string]bool{
	diagnose.TLHeartbeatFailed: true, diagnose.TLGap: true, diagnose.TLSilence: true, diagnose.TLTunnelFailed: true,
	diagnose.TLNoInternet: true, diagnose.TLBindFailed: true, diagnose.TLCrash: true,
}

// closeUp returns the stretch of time the trouble took, with some time around it, when it is
// short enough against the window [start, end] for a close-up to show more.
func closeUp(events []diagnose.TimelineEvent, start, end time.Time) (time.Time, time.Time, bool) {
	var first, last time.Time
	for _, e := range events {
		if !troubleKinds[e.Kind] {
			continue
		}
		if first.IsZero() || e.Time.Before(first) {
			first = e.Time
		}
		if t := spanEnd(e); t.After(last) {
			last = t
		}
	}
	if first.IsZero() {
		return time.Time{}, time.Time{}, false
	}
	pad := max(last.Sub(first)/8, 30*time.Minute)
	// On quarter hours, for ticks and people.
	a, b := first.Add(-pad).Truncate(15*time.Minute), last.Add(pad+15*time.Minute-1).Truncate(15*time.Minute)
	if a.Before(start) {
		a = start
	}
	if b.After(end) {
		b = end
	}
	if !a.Before(b) || b.Sub(a) > end.Sub(start)*2/5 {
		return time.Time{}, time.Time{}, false
	}
	return a.UTC(), b.UTC(), true
}

// spanEnd is when an event ends: its End for a span, its Time for a point.
func spanEnd(e diagnose.TimelineEvent) time.Time {
	if e.End.After(e.Time) {
		return e.End
	}
	return e.Time
}

// drawView lays events out over [start, end]; ids of its marks start with prefix.
func drawView(view, prefix string, start, end time.Time, events []diagnose.TimelineEvent, nLanes int) svgView {
	v := svgView{
		View: view, Start: start.Format(timeLayout), End: end.Format(timeLayout),
		Width: tlWidth, PlotX0: tlPlotX0, PlotX1: tlPlotX1, TipY: tlTipY, TipH: tlTipH, LanesTop: tlLanesY,
	}
	v.Aria = "Timeline from " + v.Start + " to " + v.End + ": each mark can be reached with Tab and shows its time and log line"
	if view == "close-up" {
		v.Aria = "Close-up of the timeline from " + v.Start + " to " + v.End + ", the stretch with trouble"
	}
	for i := range nLanes {
		y := tlLanesY + float64(i)*tlLaneH
		v.Lanes = append(v.Lanes, laneView{Label: lanes[i], Y: y, Mid: y + tlLaneH/2, H: tlLaneH, LabelY: y + tlLaneH/2 + 4, Odd: i%2 == 1})
	}
	v.LanesBottom = tlLanesY + float64(nLanes)*tlLaneH
	v.TickLabelY = v.LanesBottom + 15
	v.HintY = tlTipY + tlTipH/2 + 4
	v.Height = v.LanesBottom + 24
	v.Ticks = ticks(start, end)

	x := func(ts time.Time) float64 {
		f := float64(ts.Sub(start)) / float64(end.Sub(start))
		return tlPlotX0 + (tlPlotX1-tlPlotX0)*min(max(f, 0), 1)
	}
	// Merge close events of a kind, more coarsely until the marks fit.
	var groups [][]diagnose.TimelineEvent
	for dist := mergeDistance; ; dist *= 2 {
		groups = mergeEvents(events, x, dist)
		v.Merged = len(groups) < len(events)
		if len(groups) <= maxMarks || dist > tlWidth {
			break
		}
	}
	for i, g := range groups {
		v.Marks = append(v.Marks, layoutMark(prefix+strconv.Itoa(i), g, x, v.Lanes))
	}
	narrowHits(v.Marks)
	// Spans first, so that points are drawn over them.
	slices.SortStableFunc(v.Marks, func(a, b markView) int {
		return cmp.Compare(btoi(a.Shape != "span"), btoi(b.Shape != "span"))
	})
	return v
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// mergeEvents groups events (in time order) that are drawn as one mark: of the same kind, and
// within dist of the group's first (points) or overlapping (spans).
func mergeEvents(events []diagnose.TimelineEvent, x func(time.Time) float64, dist float64) [][]diagnose.TimelineEvent {
	var groups [][]diagnose.TimelineEvent
	open := map[string]int{} // kind: its last group
	for _, e := range events {
		isSpan := info(e.Kind).shape == "span"
		if i, ok := open[e.Kind]; ok {
			g := groups[i]
			first := g[0]
			var near bool
			if isSpan {
				near = x(e.Time) <= x(groupEnd(g))+dist/3
			} else {
				near = x(e.Time)-x(first.Time) < dist
			}
			if near && e.Kind != diagnose.TLRun {
				groups[i] = append(g, e)
				continue
			}
		}
		open[e.Kind] = len(groups)
		groups = append(groups, []diagnose.TimelineEvent{e})
	}
	return groups
}

// groupEnd is the latest moment of a group of events.
func groupEnd(g []diagnose.TimelineEvent) time.Time {
	var end time.Time
	for _, e := range g {
		t := e.End
		if t.IsZero() || t.Before(e.Time) {
			t = e.Time
		}
		if t.After(end) {
			end = t
		}
	}
	return end
}

// layoutMark places the mark of a group of events of one kind.
func layoutMark(id string, g []diagnose.TimelineEvent, x func(time.Time) float64, lanes []laneView) markView {
	first := g[0]
	in := info(first.Kind)
	lane := lanes[min(in.lane, len(lanes)-1)]
	count := 0
	for _, e := range g {
		count += max(e.Count, 1)
	}
	end := groupEnd(g)
	mk := markView{
		ID: id, Kind: first.Kind, Class: kindClass(first.Kind), Label: in.label, Shape: in.shape, Count: count,
		Time: first.Time.UTC().Format(time.RFC3339), When: first.Time.UTC().Format(timeLayout),
		TipY: tlTipY, TipH: tlTipH, Line1Y: tlTipY + 18, Line2Y: tlTipY + 36,
	}
	if end.After(first.Time) {
		mk.When += " to " + end.UTC().Format(laterLayout(first.Time, end))
	}
	if first.Path != "" {
		mk.Where = cutText(first.Path, maxPathText)
		if first.Line > 0 {
			mk.Where += " line " + strconv.Itoa(first.Line)
		}
		text := printable(first.Text)
		// The tip's second line holds the place and the line in about maxTipText characters.
		mk.Text = cutText(text, max(maxTipText-len(mk.Where)-2, 40))
		mk.RowText = cutText(text, maxRowText)
	}
	what := in.label
	if count > 1 {
		what += fmt.Sprintf(" ×%d", count)
	}
	mk.Aria = what + ", " + mk.When
	if mk.Where != "" {
		mk.Aria += ", " + mk.Where
	}
	x0 := x(first.Time)
	switch in.shape {
	case "span":
		// In the heartbeats' lane, a gap is a band under the heartbeats and their failures.
		x1 := max(x(end), x0+2)
		mk.X, mk.Y, mk.W, mk.H = x0, lane.Mid-7, x1-x0, 12
		switch first.Kind {
		case diagnose.TLGap:
			mk.Y, mk.H = lane.Y+lane.H-7, 5
		case diagnose.TLSilence:
			mk.Y, mk.H = lane.Mid-8, 16
		}
	case "tick":
		mk.X, mk.Y, mk.W, mk.H = x0-1, lane.Y+4, 2.5, lane.H-13
	case "flag":
		mk.X, mk.Y = x0, lane.Mid
		mk.D = fmt.Sprintf("M%.1f %.1fV%.1fM%.1f %.1fl-9 4l9 4z", x0, tlLanesY-6, lane.Y+tlLaneH-2, x0, tlLanesY-6)
	default:
		mk.X, mk.Y = x0, lane.Mid
		mk.D = shapePath(in.shape, x0, lane.Mid, 1)
	}
	// The hit area of a point or a narrow span: the lane's height, at least 8 units wide.
	mk.Hit = in.shape != "span" || mk.W < 8
	mk.HX, mk.HW = mk.X-4, 8.0
	if in.shape == "span" || in.shape == "tick" {
		mk.HX, mk.HW = mk.X-3, mk.W+6
	}
	mk.HY, mk.HH = lane.Y+2, tlLaneH-4
	return mk
}

// narrowHits keeps the hit areas of a lane's point marks from covering each other: each reaches
// at most halfway to its neighbours.
func narrowHits(marks []markView) {
	byLane := map[float64][]int{}
	for i, mk := range marks {
		if mk.Shape != "span" {
			byLane[mk.HY] = append(byLane[mk.HY], i)
		}
	}
	for _, idx := range byLane {
		slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(marks[a].X, marks[b].X) })
		for j, i := range idx {
			left, right := marks[i].HX, marks[i].HX+marks[i].HW
			if j > 0 {
				left = max(left, (marks[idx[j-1]].X+marks[i].X)/2)
			}
			if j < len(idx)-1 {
				right = min(right, (marks[i].X+marks[idx[j+1]].X)/2)
			}
			marks[i].HX, marks[i].HW = left, max(right-left, 0)
		}
	}
}

// kindClass is the CSS class of a kind's marks.
func kindClass(kind string) string {
	if _, ok := kindInfos[kind]; ok {
		return "k-" + kind
	}
	return "k-other"
}

// shapePath is the SVG path of a point mark centred on (x, y), scale 1 being about 12 units.
func shapePath(shape string, x, y, s float64) string {
	r := 6 * s
	switch shape {
	case "diamond":
		return fmt.Sprintf("M%.1f %.1fl%.1f %.1fl%.1f %.1fl%.1f %.1fz", x, y-r, r, r, -r, r, -r, -r)
	case "square":
		return fmt.Sprintf("M%.1f %.1fh%.1fv%.1fh%.1fz", x-r*0.8, y-r*0.8, 1.6*r, 1.6*r, -1.6*r)
	case "triangle":
		return fmt.Sprintf("M%.1f %.1fl%.1f %.1fh%.1fz", x, y-r, r, 1.7*r, -2*r)
	case "cross":
		return fmt.Sprintf("M%.1f %.1fl%.1f %.1fm0 %.1fl%.1f %.1f", x-r, y-r, 2*r, 2*r, -2*r, -2*r, 2*r)
	case "flag":
		return fmt.Sprintf("M%.1f %.1fv%.1fM%.1f %.1fl%.1f %.1fl%.1f %.1fz", x-r/2, y-r, 2*r, x-r/2, y-r, r, r/2, -r, r/2)
	default: // circle
		return fmt.Sprintf("M%.1f %.1fa%.1f %.1f 0 1 0 %.1f 0a%.1f %.1f 0 1 0 %.1f 0z", x-r*0.8, y, r*0.8, r*0.8, 1.6*r, r*0.8, r*0.8, -1.6*r)
	}
}

// ticks returns the axis's ticks: at most about 8, on round UTC times.
func ticks(start, end time.Time) []tickView {
	span := end.Sub(start)
	steps := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour,
		12 * time.Hour, 24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 30 * 24 * time.Hour,
		91 * 24 * time.Hour, 365 * 24 * time.Hour}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if span/s <= 8 {
			step = s
			break
		}
	}
	layout := "Jan 2"
	if step < 24*time.Hour {
		layout = "Jan 2 15:04"
	}
	var out []tickView
	first := start.Truncate(step)
	if first.Before(start) {
		first = first.Add(step)
	}
	for t := first; !t.After(end) && len(out) < 20; t = t.Add(step) {
		f := float64(t.Sub(start)) / float64(span)
		tv := tickView{X: tlPlotX0 + (tlPlotX1-tlPlotX0)*f, Label: t.Format(layout), Anchor: "middle"}
		if tv.X > tlWidth-45 {
			tv.Anchor = "end"
		}
		out = append(out, tv)
	}
	return out
}

// timeLayout is how the page writes a moment.
const timeLayout = "2006-01-02 15:04:05 UTC"

// laterLayout is how the end of a range starting at a is written: its time alone on the same day.
func laterLayout(a, b time.Time) string {
	if a.UTC().Format(time.DateOnly) == b.UTC().Format(time.DateOnly) {
		return "15:04:05 UTC"
	}
	return timeLayout
}

// roundDuration says a window's length in a person's words: "7 days", "36 hours", "90 minutes".
func roundDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return plural(int((d+12*time.Hour)/(24*time.Hour)), "day")
	case d >= 2*time.Hour:
		return plural(int((d+30*time.Minute)/time.Hour), "hour")
	default:
		return plural(int((d+30*time.Second)/time.Minute), "minute")
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
