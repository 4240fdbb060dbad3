package diagnose

import (
	"strings"
	"testing"
	"time"
)

// TestStrayTimestamps: lines whose times are implausible (years before the collected window,
// after the run) inside a current log keep their text but drive no silence, recency, tunnel
// time or timeline event.
func TestStrayTimestamps(t *testing.T) {
	y1999 := time.Date(1999, 3, 1, 10, 0, 0, 0, time.UTC)
	y2099 := time.Date(2099, 3, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		since string
		tz    int // the machine's offset, seconds; lines written without a zone use it
		stray []string
		// tunnels is how many tunnelCreated lines the scan counts (the healthy log has 1).
		tunnels int
	}{
		{"1999 and 2099 lines", "168h0m0s", 0, []string{ts(y1999) + ": " + lineHeartbeat, ts(y2099) + ": " + lineTunnelOK}, 2},
		{"2099 tunnel only", "168h0m0s", 0, []string{ts(y2099) + ": " + lineTunnelOK}, 2},
		{"1999 heartbeat only", "168h0m0s", 0, []string{ts(y1999) + ": " + lineHeartbeat}, 1},
		{"no since: 2099 still stray", "", 0, []string{ts(y2099) + ": " + lineTunnelOK, ts(y2099.Add(time.Hour)) + ": " + lineHeartbeat}, 2},
		{"two days ahead, no zone", "168h0m0s", 14 * 3600, []string{runAt.Add(48*time.Hour).Format("2006-01-02 15:04:05") + " " + lineTunnelOK}, 2},
		{"1999 without a zone", "168h0m0s", 0, []string{"1999-03-01 10:00:00 " + lineHeartbeat}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			f.m.Options.Since = tt.since
			f.m.System.OS.TimezoneOffsetS = tt.tz
			lines := strings.SplitAfter(f.log.String(), "\n")
			mid := len(lines) / 2
			var b strings.Builder
			for i, l := range lines {
				if i == mid {
					for _, s := range tt.stray {
						b.WriteString(s + "\n")
					}
				}
				b.WriteString(l)
			}
			files := map[string]string{"agent/settings.json": `{"token":"sha256:0123456789abcdef"}`, logPath: b.String()}
			m := f.m
			m.Files = nil
			res := Run(m, bundleOf(m, files))
			checkWellFormed(t, res.Findings)
			for _, id := range []string{"logs.silences", "heartbeat.recovered", "agent.not_running", "logs.silent", "heartbeat.stopped", "heartbeat.gaps", "clock.skew"} {
				if f := byID(res.Findings, id); f != nil {
					t.Errorf("%s (%s): %s", id, f.Severity, f.Detail)
				}
			}
			for _, f := range res.Findings {
				if strings.Contains(f.Detail, "1999") || strings.Contains(f.Detail, "2099") {
					t.Errorf("%s names a stray time: %s", f.ID, f.Detail)
				}
			}
			lo, hi := runAt.Add(-8*24*time.Hour), runAt.Add(clockSkew)
			for _, e := range res.Timeline.Events {
				if e.Time.Before(lo) || e.Time.After(hi) || !e.End.IsZero() && (e.End.Before(lo) || e.End.After(hi)) {
					t.Errorf("timeline draws %s at %v–%v", e.Kind, e.Time, e.End)
				}
				if e.Kind == TLSilence {
					t.Errorf("timeline draws a silence %v–%v", e.Time, e.End)
				}
			}
			if res.Timeline.Start.Before(lo) {
				t.Errorf("timeline starts %v", res.Timeline.Start)
			}
			// The stray lines are still matched, without a time.
			s := newLogScan(time.UTC)
			s.setWindow(runAt, 168*time.Hour)
			w := s.File(logPath)
			w.Write([]byte(b.String()))
			w.Close()
			if e := s.Event(EvTunnelCreated); e == nil || e.Count != tt.tunnels {
				t.Errorf("tunnelCreated events = %+v, want %d", e, tt.tunnels)
			} else if e.Last.Time.After(runAt) {
				t.Errorf("the last tunnel is at %v, after the run", e.Last.Time)
			}
		})
	}
}

// TestStrayCrashTime: a crash file whose mtime is after the run (plus the skew) is not drawn on
// the timeline; one written before the run is.
func TestStrayCrashTime(t *testing.T) {
	tests := []struct {
		name  string
		mtime time.Time
		drawn bool
	}{
		{"an hour before the run", runAt.Add(-time.Hour), true},
		{"in 2099", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			f.other["agent/uncaughtException.txt"] = "Error: boom\n"
			m := f.m
			files := map[string]string{logPath: f.log.String()}
			for k, v := range f.other {
				files[k] = v
			}
			m.Files = nil
			fsys := bundleOf(m, files)
			for i := range m.Files {
				if m.Files[i].Path == "agent/uncaughtException.txt" {
					m.Files[i].Mtime = &tt.mtime
				}
			}
			res := Run(m, fsys)
			drawn := false
			for _, e := range res.Timeline.Events {
				if e.Kind == TLCrash && e.Path == "agent/uncaughtException.txt" {
					drawn = true
				}
			}
			if drawn != tt.drawn {
				t.Errorf("crash drawn = %v, want %v", drawn, tt.drawn)
			}
		})
	}
}

// TestOldLogOnly: a log whose every line is older than the collected window (copied with
// --agent-dir, an undated log modified lately) still tells when the agent last logged.
func TestOldLogOnly(t *testing.T) {
	tests := []struct {
		name string
		ago  time.Duration
		want string // logs.silent's severity, "" for none
	}{
		{"60 days old", 60 * 24 * time.Hour, "fail"},
		{"within the window", time.Minute, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			f.log = &logb{}
			end := runAt.Add(-tt.ago)
			for at := end.Add(-time.Hour); !at.After(end); at = at.Add(time.Minute) {
				f.log.add(at, lineHeartbeat)
			}
			res := f.run()
			g := byID(res.Findings, "logs.silent")
			switch {
			case tt.want == "" && g != nil:
				t.Errorf("logs.silent: %s", g.Detail)
			case tt.want != "" && (g == nil || g.Severity != tt.want):
				t.Errorf("logs.silent = %+v, want %s", g, tt.want)
			case g != nil && !strings.Contains(g.Detail, "older than the --since window"):
				t.Errorf("logs.silent does not say the lines are older than the window: %s", g.Detail)
			}
		})
	}
}

// TestStrayOnlyTunnel: when the only tunnelCreated line has a stray time, tunnel.ok says the time
// cannot be right rather than naming it.
func TestStrayOnlyTunnel(t *testing.T) {
	tests := []struct {
		name, line string
	}{
		{"2099", ts(time.Date(2099, 3, 1, 10, 0, 0, 0, time.UTC)) + ": " + lineTunnelOK},
		{"1999", ts(time.Date(1999, 3, 1, 10, 0, 0, 0, time.UTC)) + ": " + lineTunnelOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			f.log.drop(at(-4*time.Hour), at(0), "tunnel")
			lines := strings.SplitAfter(f.log.String(), "\n")
			var b strings.Builder
			for i, l := range lines {
				if i == len(lines)/2 {
					b.WriteString(tt.line + "\n")
				}
				b.WriteString(l)
			}
			m := f.m
			m.Files = nil
			res := Run(m, bundleOf(m, map[string]string{logPath: b.String(), "agent/settings.json": f.other["agent/settings.json"]}))
			g := byID(res.Findings, "tunnel.ok")
			if g == nil || !strings.Contains(g.Detail, "too far from the run") || strings.Contains(g.Detail, tt.name) {
				t.Errorf("tunnel.ok = %+v", g)
			}
		})
	}
}
