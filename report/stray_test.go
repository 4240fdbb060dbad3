package report

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/opadiag/opadiag/diagnose"
	"github.com/opadiag/opadiag/manifest"
)

// TestTimelineStrayTimes: report.html's timeline is diagnose's, so a 1999 or a 2099 line inside a
// current log draws no mark, no silence and does not stretch the window.
func TestTimelineStrayTimes(t *testing.T) {
	tests := []struct {
		name  string
		stray []string
	}{
		{"1999 and 2099", []string{"1999-03-01T10:00:00.000Z: level=info, logName=heartbeat, message=Heartbeat sent successfully",
			"2099-03-01T10:00:00.000Z: level=info, logName=tunnelCreated"}},
		{"2099 only", []string{"2099-03-01T10:00:00.000Z: level=info, logName=tunnelCreated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			from := runAt.Add(-2 * time.Hour)
			for at := from; at.Before(runAt); at = at.Add(time.Minute) {
				if at.Equal(from.Add(time.Hour)) {
					for _, s := range tt.stray {
						b.WriteString(s + "\n")
					}
				}
				b.WriteString(at.Format("2006-01-02T15:04:05.000Z") + ": level=info, logName=heartbeat, message=Heartbeat sent successfully\n")
			}
			const p = "agent/logs/server-2026-11-28.log"
			fsys := fstest.MapFS{p: &fstest.MapFile{Data: []byte(b.String())}}
			m := baseManifest()
			m.Files = []manifest.File{{Path: p, Collector: "logs", Size: int64(b.Len()), OriginalSize: int64(b.Len())}}
			r := diagnose.Run(m, fsys)
			v := buildTimeline(m, r.Timeline)
			if strings.Contains(v.Start+v.End, "1999") || strings.Contains(v.Start+v.End, "2099") {
				t.Errorf("the window is %s – %s", v.Start, v.End)
			}
			for _, mk := range v.Window.Marks {
				if strings.Contains(mk.Time, "1999") || strings.Contains(mk.Time, "2099") || strings.Contains(mk.When, "2099") || mk.Kind == diagnose.TLSilence {
					t.Errorf("a %s mark at %s (%s)", mk.Kind, mk.Time, mk.When)
				}
			}
		})
	}
}
