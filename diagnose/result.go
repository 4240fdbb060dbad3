package diagnose

import (
	"time"

	"github.com/opadiag/opadiag/manifest"
)

// Result is what Run draws from a bundle: the findings, the agent's version as the most reliable
// source gives it, and the timeline of what the logs and the host say happened.
type Result struct {
	// Findings, most serious first (fail, warn, info, pass); within a severity, the most likely
	// cause first.
	Findings []manifest.Finding
	// AgentVersion is the agent's version and where it was read ("registry HKLM\…",
	// "package.json /opt/…", "log agent/logs/server-2026-11-27.log line 12"); empty when unknown.
	AgentVersion, AgentVersionSource string
	// Timeline is what happened when, for report.html.
	Timeline Timeline
}

// Timeline is what happened over the collected window, in time order, bounded in size whatever
// the logs hold.
type Timeline struct {
	Start time.Time // the window drawn: the run minus --since (or the first event, if later)
	End   time.Time // the moment of the run
	// Events in time order, at most MaxTimelineEvents; frequent events (successful heartbeats)
	// are folded into spans with a Count.
	Events []TimelineEvent
	// Dropped counts the events of each kind left out past MaxTimelineEvents.
	Dropped map[string]int
}

// MaxTimelineEvents bounds the events of a Timeline.
const MaxTimelineEvents = 2000

// Timeline event kinds.
const (
	TLHeartbeatOK     = "heartbeat_ok"     // a span of successful heartbeats (Count of them)
	TLHeartbeatFailed = "heartbeat_failed" // a failed heartbeat
	TLGap             = "gap"              // a span with no successful heartbeat while the agent logged
	TLSilence         = "silence"          // a span in which the agent logged nothing
	TLTunnelCreated   = "tunnel_created"
	TLTunnelReady     = "tunnel_ready"
	TLTunnelFailed    = "tunnel_failed"
	TLNoInternet      = "no_internet"
	TLBindFailed      = "bind_failed"
	TLCrash           = "crash"           // uncaughtException, a crash of the service
	TLServiceRestart  = "service_restart" // the service or the agent (re)started
	TLRun             = "run"             // the moment opadiag ran
)

// TimelineEvent is one point or span of the timeline.
type TimelineEvent struct {
	Kind  string    `json:"kind"`
	Time  time.Time `json:"time"`
	End   time.Time `json:"end,omitzero"` // for spans (heartbeat_ok, gap, silence); zero for points
	Count int       `json:"count"`        // occurrences folded into this event, at least 1
	// Evidence: the bundle file and line of the (first) occurrence, and that line, redacted
	// and cut. Empty for events not drawn from a file (the run).
	Path string `json:"path,omitempty"`
	Line int    `json:"line,omitempty"`
	Text string `json:"text,omitempty"`
}
