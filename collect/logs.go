package collect

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/internal/stall"
)

// logsCollector adds the agent's recent logs: server-YYYY-MM-DD.log, logs/*.log and any other
// *.log (or rotated *.log.N) in the agent home, newest first, each cut to its newest
// --max-file-size bytes, until --max-total-size is used up. A log is recent when the date in its
// name, or else its modification time, falls within --since.
type logsCollector struct {
	open    opener
	stall   time.Duration
	since   time.Duration
	maxFile int64
	maxLogs int // 0: maxLogs
}

func (c *logsCollector) Name() string { return "logs" }

// Timeout gives large logs time: reading is bounded by the size caps, not by this deadline.
func (c *logsCollector) Timeout() time.Duration { return 5 * time.Minute }

// maxLogs is the most logs a run takes, newest first; maxCrashFiles the most uncaughtException
// files of a home.
const (
	maxLogs       = 1000
	maxCrashFiles = 50
)

var (
	logName  = regexp.MustCompile(`(?i)\.log(\.\d+)?$`)
	nameDate = regexp.MustCompile(`(\d{4})-(\d{2})-(\d{2})`)
)

// isLogFile reports whether a file of the agent home is a log: *.log or a rotated *.log.N.
// uncaughtException.log belongs to the crash collector.
func isLogFile(_, name string) bool {
	return logName.MatchString(name) && !strings.HasPrefix(strings.ToLower(name), "uncaughtexception")
}

// logFile is a log chosen for the bundle.
type logFile struct {
	found
	h      home
	dated  bool      // the name carries a date
	latest time.Time // the latest moment the log can hold entries of
}

func (c *logsCollector) Collect(ctx context.Context, facts Facts, b *bundle.Bundle) error {
	now := facts.Start
	cutoff := now.Add(-c.since)
	var logs []logFile
	for _, h := range facts.homes {
		h.reportWalk(b)
		for _, f := range h.files(b, isLogFile) {
			lf := logFile{found: f, h: h, latest: f.mtime}
			if d, ok := dateInName(path.Base(f.rel), now.Location()); ok {
				// Entries of a dated log belong to that day: it is recent if the day ends
				// after the cutoff, whatever its modification time says.
				lf.dated, lf.latest = true, d.AddDate(0, 0, 1)
			}
			if !lf.latest.After(cutoff) {
				why := "modified " + f.mtime.Format("2006-01-02")
				if lf.dated {
					why = "dated " + lf.latest.AddDate(0, 0, -1).Format("2006-01-02")
				}
				b.OmitFile(f.path, fmt.Sprintf("%s, before the --since window (%s)", why, c.since), f.size, f.mtime)
				continue
			}
			logs = append(logs, lf)
		}
	}
	// Newest first, so the size cap drops the oldest.
	sort.SliceStable(logs, func(i, j int) bool {
		if !logs[i].mtime.Equal(logs[j].mtime) {
			return logs[i].mtime.After(logs[j].mtime)
		}
		return logs[i].rel < logs[j].rel
	})
	// A folder of thousands of logs is an agent (or something else) gone wrong: the newest
	// maxLogs tell what happened, and the others would cost minutes and a manifest of MiBs.
	most := c.maxLogs
	if most <= 0 {
		most = maxLogs
	}
	logs = keepNewest(b, logs, most, fmt.Sprintf("one of more than %d recent logs: only the newest %d are taken", most, most))
	stallTimeout := c.stall
	for _, lf := range logs {
		if err := ctx.Err(); err != nil {
			return err
		}
		// The total cap, like the per-file one, keeps a log's newest bytes.
		name := path.Join(lf.h.folder, "logs", lf.rel)
		if err := addTail(ctx, b, c.open, stallTimeout, name, lf.path, c.maxFile, tail{}); err != nil {
			if ctx.Err() != nil {
				return err
			}
			stallTimeout = afterStall(c.stall, stallTimeout, err)
			b.Problem("read log %q: %v", lf.path, err)
		}
	}
	return nil
}

// dateInName returns the day a file name carries (server-2025-07-29.log), in loc.
func dateInName(name string, loc *time.Location) (time.Time, bool) {
	m := nameDate.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, false
	}
	d, err := time.ParseInLocation("2006-01-02", strings.Join(m[1:], "-"), loc)
	return d, err == nil
}

// crashCollector adds the agent's uncaughtException file(s), whatever their extension, with
// their modification time: the file the guide asks to attach to a ticket.
type crashCollector struct {
	open    opener
	stall   time.Duration
	maxFile int64
}

func (c *crashCollector) Name() string { return "crash" }

func (c *crashCollector) Collect(ctx context.Context, facts Facts, b *bundle.Bundle) error {
	for _, h := range facts.homes {
		files := h.files(b, func(rel, name string) bool {
			return strings.HasPrefix(strings.ToLower(name), "uncaughtexception") && strings.Count(rel, "/") <= 1
		})
		// The agent writes one; thousands are something else gone wrong, and must not take
		// the bundle's entries from the logs: the newest are taken.
		sort.SliceStable(files, func(i, j int) bool { return files[i].mtime.After(files[j].mtime) })
		files = keepNewest(b, files, maxCrashFiles,
			fmt.Sprintf("one of more than %d crash files: only the newest %d are taken", maxCrashFiles, maxCrashFiles))
		stallTimeout := c.stall
		for _, f := range files {
			name := path.Join(h.folder, f.rel)
			if err := addTail(ctx, b, c.open, stallTimeout, name, f.path, c.maxFile, tail{}); err != nil {
				stallTimeout = afterStall(c.stall, stallTimeout, err)
				b.Problem("read crash file %q: %v", f.path, err)
			}
		}
	}
	return ctx.Err()
}

// keepNewest returns the first n of files, sorted newest first, and names the others as left
// out, why: thousands of logs or crash files are something gone wrong, and must not cost minutes,
// a manifest of MiBs and the bundle's entries.
func keepNewest[T interface{ file() found }](b *bundle.Bundle, files []T, n int, why string) []T {
	if len(files) <= n {
		return files
	}
	for _, f := range files[n:] {
		ff := f.file()
		b.OmitFile(ff.path, why, ff.size, ff.mtime)
	}
	return files[:n]
}

// afterStall returns the stall timeout for the next file of a folder, err being the last one's
// error: once a file has stalled its share is likely dead, and the next get a fifth of full (at
// least a second), so that a folder of hung files costs seconds, not minutes.
func afterStall(full, cur time.Duration, err error) time.Duration {
	if errors.Is(err, stall.ErrStalled) {
		return max(full/5, time.Second)
	}
	return cur
}
