package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
)

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestHTMLErrors(t *testing.T) {
	if err := HTML(&bytes.Buffer{}, nil, diagnose.Result{}, nil); err == nil {
		t.Errorf("no manifest, no error")
	}
	f := crashFixture()
	err := HTML(&failingWriter{n: 1000}, f.m, f.r, f.fs)
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.HasPrefix(err.Error(), "write report.html") {
		t.Errorf("a failing writer gives %v", err)
	}
	// An empty manifest and result still make a page.
	var b bytes.Buffer
	if err := HTML(&b, &manifest.Manifest{}, diagnose.Result{}, nil); err != nil || !strings.Contains(b.String(), "Nothing wrong found") {
		t.Errorf("empty: %v", err)
	}
}

func TestFindingsShown(t *testing.T) {
	f := failingFixture()
	// Today's checks over an older bundle: the stored findings differ.
	f.m.Findings = f.m.Findings[:2]
	page := string(render(t, f))
	if !strings.Contains(page, "when it was made, opadiag recorded 2 findings") {
		t.Errorf("the page does not say the findings are today's")
	}
	// Unsorted findings are shown most serious first; past the bound, the rest is counted.
	f.r.Findings = nil
	for i := range maxFindings + 3 {
		sev := manifest.SeverityInfo
		if i == maxFindings+2 {
			sev = manifest.SeverityFail
		}
		f.r.Findings = append(f.r.Findings, manifest.Finding{ID: "x.y", Severity: sev, Title: "t"})
	}
	p := build(f.m, f.r, f.fs)
	if len(p.Findings) != maxFindings || p.FindingsMore != 3 || p.Findings[0].Severity != manifest.SeverityFail || p.Verdict != "fail" {
		t.Errorf("%d findings shown, %d more, first %s", len(p.Findings), p.FindingsMore, p.Findings[0].Severity)
	}
	if p.Findings[0].Anchor != "f-x.y" || p.Findings[1].Anchor != "f-x.y-2" {
		t.Errorf("anchors %s %s", p.Findings[0].Anchor, p.Findings[1].Anchor)
	}
	if a := anchor(`a"b <c>`, map[string]int{}); a != "f-a-b--c-" {
		t.Errorf("anchor %q", a)
	}
}

func TestTimelineEdges(t *testing.T) {
	m := baseManifest()
	t.Run("no window given", func(t *testing.T) {
		v := buildTimeline(m, diagnose.Timeline{})
		if v.Start != "2026-11-21 12:00:00 UTC" || v.End != "2026-11-28 12:00:00 UTC" || !v.Empty || v.CloseUp != nil {
			t.Errorf("window %s to %s, empty %v", v.Start, v.End, v.Empty)
		}
		if len(v.Window.Marks) != 1 || v.Window.Marks[0].Kind != diagnose.TLRun {
			t.Errorf("marks %+v", v.Window.Marks)
		}
	})
	t.Run("unknown kind, outside the window, dropped", func(t *testing.T) {
		tl := diagnose.Timeline{Start: runAt.Add(-24 * time.Hour), End: runAt, Dropped: map[string]int{diagnose.TLHeartbeatFailed: 40}, Events: []diagnose.TimelineEvent{
			{Kind: "disk_full", Time: runAt.Add(-2 * time.Hour), Count: 1},
			{Kind: diagnose.TLCrash, Time: runAt.Add(-48 * time.Hour), Count: 1},
			{Kind: diagnose.TLSilence, Time: runAt.Add(-30 * time.Hour), End: runAt.Add(-20 * time.Hour), Count: 1},
		}}
		v := buildTimeline(m, tl)
		if n := len(v.Window.Lanes); n != 7 || v.Window.Lanes[6].Label != "Other" {
			t.Errorf("%d lanes", n)
		}
		for _, mk := range v.Window.Marks {
			if mk.X < tlPlotX0 || mk.X+mk.W > tlPlotX1+0.01 {
				t.Errorf("%s drawn at %.1f..%.1f, outside the plot", mk.Kind, mk.X, mk.X+mk.W)
			}
			if mk.Kind == "disk_full" && (mk.Class != "k-other" || mk.Label != "disk_full") {
				t.Errorf("an unknown kind: %+v", mk)
			}
		}
		if len(v.Dropped) != 1 || v.Dropped[0] != "40 heartbeat failed" {
			t.Errorf("dropped %v", v.Dropped)
		}
	})
	t.Run("many events merge to the bound", func(t *testing.T) {
		tl := diagnose.Timeline{Start: runAt.Add(-168 * time.Hour), End: runAt}
		for i := range diagnose.MaxTimelineEvents {
			tl.Events = append(tl.Events, diagnose.TimelineEvent{Kind: kinds[i%len(kinds)], Time: tl.Start.Add(time.Duration(i) * 5 * time.Minute), Count: 2})
		}
		v := buildTimeline(m, tl)
		if n := len(v.Window.Marks); n > maxMarks || !v.Window.Merged {
			t.Errorf("%d marks", n)
		}
		sum := 0
		for _, mk := range v.Window.Marks {
			sum += mk.Count
		}
		if sum != 2*diagnose.MaxTimelineEvents {
			t.Errorf("the marks stand for %d events, want %d", sum, 2*diagnose.MaxTimelineEvents)
		}
		if len(v.Rows) > maxEventRows || v.RowsMore == 0 && len(v.Rows) == maxEventRows {
			t.Errorf("%d rows, %d more", len(v.Rows), v.RowsMore)
		}
	})
	t.Run("close-up of a short trouble", func(t *testing.T) {
		v := buildTimeline(crashFixture().m, crashFixture().r.Timeline)
		if v.CloseUp == nil || v.CloseUp.Start != "2026-11-26 02:15:00 UTC" || v.CloseUp.End != "2026-11-26 10:45:00 UTC" {
			t.Fatalf("close-up %+v", v.CloseUp)
		}
		for _, mk := range v.CloseUp.Marks {
			if mk.ID[0] != 'c' {
				t.Errorf("a close-up mark's id %s", mk.ID)
			}
		}
	})
}

func TestTicks(t *testing.T) {
	tests := []struct {
		name  string
		span  time.Duration
		first string
		n     int
	}{
		{"a week", 168 * time.Hour, "Nov 22", 7},
		{"a day", 24 * time.Hour, "Nov 27 12:00", 9},
		{"an hour", time.Hour, "Nov 28 11:00", 5},
		{"ten years", 10 * 365 * 24 * time.Hour, "", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := ticks(runAt.Add(-tt.span), runAt)
			if len(ts) == 0 || len(ts) > 20 {
				t.Fatalf("%d ticks", len(ts))
			}
			if tt.first != "" && (ts[0].Label != tt.first || len(ts) != tt.n) {
				t.Errorf("first %q of %d, want %q of %d", ts[0].Label, len(ts), tt.first, tt.n)
			}
		})
	}
}
