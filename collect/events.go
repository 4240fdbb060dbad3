package collect

import (
	"context"
	"errors"
	"time"

	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/collect/osout"
	"github.com/opadiag/opadiag/manifest"
)

// eventsCollector adds what the operating system logged about the agent's services within
// --since: on Linux each service's journal (the agent logs to it when it runs as a service),
// summed up; on Windows the Service Control Manager events that name the services and the
// Application log's errors. It runs in phase 2, given the services phase 1 found.
type eventsCollector struct {
	os          SystemOS
	runner      CommandRunner
	since       time.Duration
	maxFile     int64
	paths       sysPaths
	slowTimeout time.Duration
}

func (c *eventsCollector) Name() string { return "events" }

// Timeout leaves room for journalctl and wevtutil, each bounded by its own deadline.
func (c *eventsCollector) Timeout() time.Duration { return 3 * time.Minute }

func (c *eventsCollector) Collect(ctx context.Context, facts Facts, b *bundle.Bundle) error {
	if c.os.OS() == "windows" {
		return c.windows(ctx, facts, b)
	}
	var svcs []manifest.AgentService
	available := false
	b.Update(func(m *manifest.Manifest) {
		svcs = append(svcs, m.Service.Services...)
		available = m.Service.Available
	})
	if !facts.serviceOK {
		b.Problem("the service collector did not finish: the services whose journal to read are unknown")
		return ctx.Err()
	}
	if !available {
		return ctx.Err() // no systemd: no journal of a unit
	}
	journalctl := c.paths.first(c.paths.journalctl)
	for _, s := range svcs {
		if !s.Found || s.AliasOf != "" {
			continue
		}
		rec := journalRecord{}
		if journalctl == "" {
			rec.errors = append(rec.errors, "journalctl is not installed: no journal extract")
		} else {
			rec = c.journal(ctx, b, journalctl, facts.Start, s.Name)
		}
		b.Update(func(m *manifest.Manifest) {
			for i := range m.Service.Services {
				if t := &m.Service.Services[i]; t.Name == s.Name {
					t.Errors = append(t.Errors, rec.errors...)
					if rec.summary != nil {
						t.Files = append(t.Files, rec.summary.Path)
						t.Journal = rec.summary
					}
				}
			}
		})
	}
	return ctx.Err()
}

// journalRecord is what reading a unit's journal adds to its service's record.
type journalRecord struct {
	errors  []string
	summary *manifest.JournalSummary
}

// journal adds the unit's journal within --since and sums it up.
func (c *eventsCollector) journal(ctx context.Context, b *bundle.Bundle, journalctl string, now time.Time, unit string) journalRecord {
	entry := "service/" + unit + "/journal.txt"
	var sum osout.JournalSummary
	lines := &lineFunc{fn: sum.Add}
	res, err := addJournal(ctx, b, c.runner, c.slowTimeout, journalctl, entry, min(c.maxFile, maxJournal), now.Add(-c.since), lines, "-u", unit)
	lines.Close()
	var rec journalRecord
	switch {
	case err != nil || res.ExitCode != 0:
		e := commandFailure("journalctl -u "+unit, res, err)
		rec.errors = append(rec.errors, e.Error())
		b.Problem("%v", e)
	case bundle.IsDenied(nil, res.Stderr):
		// journalctl succeeds but shows only the user's own messages.
		b.Denied("the journal of "+unit, errors.New(firstLineOf(res.Stderr)))
		rec.errors = append(rec.errors, "journal partly hidden: "+firstLineOf(res.Stderr))
	}
	j := &manifest.JournalSummary{Path: entry, Entries: sum.Entries, Starts: sum.Starts, Failures: sum.Failures, OOMKills: sum.OOMKills}
	if !sum.First.IsZero() {
		f, l := sum.First.UTC(), sum.Last.UTC()
		j.First, j.Last = &f, &l
	}
	rec.summary = j
	return rec
}

// windows adds the Service Control Manager events that name the agent's services and the
// Application log's errors.
func (c *eventsCollector) windows(ctx context.Context, facts Facts, b *bundle.Bundle) error {
	wevtutil := windowsTool(c.os, "wevtutil.exe")
	var counts []manifest.EventCount
	if names := uniq(facts.services, true); len(names) > 0 {
		got, _, err := addEvents(ctx, b, c.runner, c.slowTimeout, wevtutil, "service/events-scm.txt", "System",
			osout.SCMQuery(names, c.since), maxSCMEvents, func(e osout.Event) bool { return e.Mentions(names) }, c.since)
		if err != nil {
			b.Problem("%v", err)
		}
		counts = got
	} else if !facts.serviceOK {
		b.Problem("the service collector did not finish: the services whose events to read are unknown")
	}
	if _, _, err := addEvents(ctx, b, c.runner, c.slowTimeout, wevtutil, "service/events-application.txt", "Application",
		osout.LevelQuery([]int{1, 2}, c.since), maxAppEvents, nil, c.since); err != nil {
		b.Problem("%v", err)
	}
	if len(counts) > 0 {
		b.Update(func(m *manifest.Manifest) { m.Service.Events = append(m.Service.Events, counts...) })
	}
	return ctx.Err()
}
