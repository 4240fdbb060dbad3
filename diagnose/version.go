package diagnose

import (
	"regexp"
	"strings"
)

// VersionMention is the newest log line naming the agent's version: electron-updater's "Update
// for version 4.5.1 is not available (latest version: 4.5.1, …)" names both the running and
// the latest version; other lines name one.
type VersionMention struct {
	Current string // the running version, "" when the line does not say
	Latest  string // the latest available version, "" when the line does not say
	Ref     Ref
}

// Version returns the running version the newest version line names, else the latest
// version it names, and the line; ok is false when no line named a version.
func (m VersionMention) Version() (string, bool) {
	if m.Current != "" {
		return m.Current, true
	}
	return m.Latest, m.Latest != ""
}

var (
	currentVersion = regexp.MustCompile(`(?i)(?:update for version|current version(?: is)?:?|running version:?|app version:?|agent version:?)\s*v?(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)`)
	latestVersion  = regexp.MustCompile(`(?i)latest version(?: is)?:?\s*v?(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)`)
)

// AgentVersion returns the newest line naming the agent's version (by its timestamp, else the
// last seen); ok is false when none did.
func (s *LogScan) AgentVersion() (VersionMention, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version, s.version.Ref.Path != ""
}

// noteVersion records a version line. The caller holds s.mu.
func (s *LogScan) noteVersion(r Ref, text string) {
	vm := VersionMention{Ref: r}
	if m := currentVersion.FindStringSubmatch(text); m != nil {
		vm.Current = strings.TrimRight(m[1], ".-+")
	}
	if m := latestVersion.FindStringSubmatch(text); m != nil {
		vm.Latest = strings.TrimRight(m[1], ".-+")
	}
	if vm.Current == "" && vm.Latest == "" {
		return
	}
	if s.version.Ref.Path == "" || r.Time.IsZero() || !r.Time.Before(s.version.Ref.Time) {
		s.version = vm
	}
}
