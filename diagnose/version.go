package diagnose

import (
	"regexp"
	"strings"
)

// VersionMention is a log line naming the agent's version: electron-updater's "Update for
// version 4.5.1 is not available (latest version: 4.5.1, …)" names the running version and the
// latest one; "Found version 4.6.0" and "latest version: 4.6.0" name only the latest available,
// which is not the running one.
type VersionMention struct {
	Current string // the running version, "" when the line does not say
	Latest  string // the latest available version, "" when the line does not say
	Ref     Ref
}

// Version returns the running version the line names; ok is false when it names only the
// latest available one.
func (m VersionMention) Version() (string, bool) {
	return m.Current, m.Current != ""
}

var (
	currentVersion = regexp.MustCompile(`(?i)(?:update for version|current version(?: is)?:?|running version:?|app version:?|agent version:?)\s*v?(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)`)
	latestVersion  = regexp.MustCompile(`(?i)(?:latest version(?: is)?:?|found version|new version(?: is)?(?: available)?:?)\s*v?(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)`)
)

// versionMentions is what the logs say of the agent's version: the newest line naming the
// running version, and the newest naming the latest available one.
type versionMentions struct {
	current, latest VersionMention
}

// AgentVersion returns the newest line naming the agent's running version (by its timestamp,
// else the last seen), else the newest naming the latest available version; ok is false when
// no line named a version.
func (s *LogScan) AgentVersion() (VersionMention, bool) {
	s.replay()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.versions.current.Ref.Path != "" {
		return s.versions.current, true
	}
	return s.versions.latest, s.versions.latest.Ref.Path != ""
}

func (s *LogScan) mentions() versionMentions {
	s.replay()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.versions
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
	newer := func(old VersionMention) bool {
		return old.Ref.Path == "" || r.Time.IsZero() || !r.Time.Before(old.Ref.Time)
	}
	if vm.Current != "" && newer(s.versions.current) {
		s.versions.current = vm
	}
	if vm.Latest != "" && newer(s.versions.latest) {
		s.versions.latest = vm
	}
}
