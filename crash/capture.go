package crash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/opadiag/opadiag/collect"
	"github.com/opadiag/opadiag/platform"
	"github.com/opadiag/opadiag/redact"
)

// LockName is the lock file beside the crash bundles: whoever holds it is capturing.
const LockName = "capture.lock"

// clockSkew is how far in the future a last capture may lie before it is taken for a clock
// that was set back, and ignored by the rate limit.
const clockSkew = time.Minute

// CaptureOptions configure one crash-triggered run.
type CaptureOptions struct {
	// Dir is where crash bundles, capture.log and capture.lock go; empty: DefaultDir.
	Dir string
	// MinInterval is the least time between two captures; 0 turns the rate limit off.
	MinInterval time.Duration
	// Keep and KeepSize bound the crash bundles kept in Dir: the newest Keep, at most KeepSize
	// bytes in all (the newest is always kept).
	Keep     int
	KeepSize int64
	// IfCrashed captures only when the agent's files say it crashed since the last capture:
	// those of Collect.AgentDirs, else of the homes Homes finds, opened with Open.
	IfCrashed bool
	Homes     func() []string
	Open      Opener // nil: os.Open
	// Collect is the run to make; Capture sets its OutputDir and Trigger.
	Collect collect.Options
	// Run makes the bundle; nil: collect.Run.
	Run   func(context.Context, collect.Options) (*collect.Result, error)
	Clock Clock
	// GOOS and Getenv choose DefaultDir.
	GOOS   string
	Getenv func(string) string
}

// Outcome is what a crash-triggered run did. Only Captured wrote a bundle; the others are
// normal ends of a run (exit code 0).
type Outcome struct {
	Status Status
	Dir    string
	// Entry is the line appended to the capture log (its Detail says why for the others).
	Entry LogEntry
	// Result is the captured bundle's run.
	Result *collect.Result
	// Last is the last capture, when the run was rate-limited or found no crash.
	Last time.Time
	// Removed are the older crash bundles deleted to keep --keep and --keep-size.
	Removed []string
	// Warnings are problems that did not stop the run: a bundle that could not be removed or
	// read, a capture log that could not be written.
	Warnings []string
}

// Capture runs collect for a crash: rate-limited, one at a time, rotating old crash bundles,
// logging one line. It returns an error only when no bundle could be written for a reason other
// than the rate limit, the lock or --if-crashed; that reason is in the capture log too when the
// log could be written.
func Capture(ctx context.Context, o CaptureOptions) (*Outcome, error) {
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Run == nil {
		o.Run = collect.Run
	}
	dir := o.Dir
	if dir == "" {
		dir = DefaultDir(o.GOOS, o.Getenv)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("crash bundle folder %q: %w", dir, err)
	}
	dir = abs
	if _, err := platform.MkdirPrivate(dir); err != nil {
		return nil, fmt.Errorf("create the crash bundle folder %s: %w", dir, err)
	}
	out := &Outcome{Dir: dir}
	var logAt func(time.Time, Status, string)
	log := func(st Status, detail string) { logAt(o.Clock.Now(), st, detail) }
	logAt = func(t time.Time, st Status, detail string) {
		out.Status = st
		out.Entry = LogEntry{Time: t, Status: st, Detail: oneLine(detail)}
		if err := appendLog(dir, out.Entry); err != nil {
			out.Warnings = append(out.Warnings, err.Error())
		}
	}
	lock, err := platform.TryLock(filepath.Join(dir, LockName))
	if errors.Is(err, platform.ErrLocked) {
		log(Busy, "(another crash capture is running in "+dir+")")
		return out, nil
	}
	if err != nil {
		err = fmt.Errorf("take the capture lock: %w", err)
		log(Failed, err.Error())
		return out, err
	}
	defer lock.Unlock()

	entries, err := ReadLog(dir)
	if err != nil {
		out.Warnings = append(out.Warnings, err.Error())
	}
	bundles, problems, err := crashBundles(dir)
	out.Warnings = append(out.Warnings, problems...)
	if err != nil {
		out.Warnings = append(out.Warnings, err.Error())
	}
	lastCaptured, lastTried := lastCaptures(entries, bundles)
	now := o.Clock.Now()
	if lastTried.After(now.Add(clockSkew)) {
		out.Warnings = append(out.Warnings, fmt.Sprintf("the last capture is dated %s, after now: the clock was set back; the rate limit ignores it", stamp(lastTried)))
		lastTried, lastCaptured = time.Time{}, time.Time{}
	}

	if o.IfCrashed {
		homes := o.Collect.AgentDirs
		if len(homes) == 0 && o.Homes != nil {
			homes = o.Homes()
		}
		var open Opener = osOpener{}
		if o.Open != nil {
			open = o.Open
		}
		why, problems := crashEvidence(open, homes, lastCaptured)
		out.Warnings = append(out.Warnings, problems...)
		if why == "" {
			out.Last = lastCaptured
			detail := "(--if-crashed: no sign of a crash"
			switch {
			case len(homes) == 0:
				detail += ": no agent home found"
			case !lastCaptured.IsZero():
				detail += " since the last capture at " + stamp(lastCaptured)
			}
			log(NotCrashed, detail+")")
			return out, nil
		}
	}
	if o.MinInterval > 0 && !lastTried.IsZero() && now.Sub(lastTried) < o.MinInterval {
		out.Last = lastTried
		log(RateLimited, fmt.Sprintf("(last capture at %s, less than --min-interval %s ago)", stamp(lastTried), o.MinInterval))
		return out, nil
	}

	opts := o.Collect
	opts.OutputDir, opts.Trigger = dir, "crash"
	// A capture is logged at its start: what the agent wrote before is in the bundle, what it
	// writes after is a crash --if-crashed must not miss.
	started := o.Clock.Now()
	res, err := o.Run(ctx, opts)
	if err != nil {
		logAt(started, Failed, redact.New().String(err.Error()))
		return out, err
	}
	out.Result = res
	logAt(started, Captured, res.Path)

	bundles, _, err = crashBundles(dir)
	if err != nil {
		out.Warnings = append(out.Warnings, err.Error())
	}
	if !containsBundle(bundles, res.Path) {
		// The new bundle could not be read back: rotating by the others only could remove the
		// newest good one.
		out.Warnings = append(out.Warnings, "the new bundle could not be read back: old crash bundles were not rotated")
		return out, nil
	}
	bundles = newestLast(bundles, res.Path)
	for _, b := range toRemove(bundles, o.Keep, o.KeepSize) {
		if err := removeBundle(b); err != nil {
			out.Warnings = append(out.Warnings, err.Error())
			continue
		}
		out.Removed = append(out.Removed, b.Path)
	}
	return out, nil
}

// lastCaptures returns the time of the last capture that wrote a bundle, and of the last
// that tried to (captured or failed), from the capture log and the crash bundles' names: a log
// deleted or rotated away still leaves the bundles, and bundles removed by hand still leave
// the log.
func lastCaptures(entries []LogEntry, bundles []bundle) (captured, tried time.Time) {
	if e, ok := lastOf(entries, Captured); ok {
		captured = e.Time
	}
	if len(bundles) > 0 {
		if t := bundles[len(bundles)-1].Time; t.After(captured) {
			captured = t
		}
	}
	tried = captured
	if e, ok := lastOf(entries, Failed); ok && e.Time.After(tried) {
		tried = e.Time
	}
	return captured, tried
}

// newestLast moves the bundle at path, the one just written, to the end of bs: rotation always
// keeps it, whatever the others' names and times say.
func newestLast(bs []bundle, path string) []bundle {
	out := make([]bundle, 0, len(bs))
	var last []bundle
	for _, b := range bs {
		if b.Path == path {
			last = append(last, b)
		} else {
			out = append(out, b)
		}
	}
	return append(out, last...)
}

func containsBundle(bs []bundle, path string) bool {
	for _, b := range bs {
		if b.Path == path {
			return true
		}
	}
	return false
}

// Message says what a run that wrote no bundle did, for stderr: "no bundle written: " and its
// capture log line's status and reason. Empty for a captured bundle.
func (o *Outcome) Message() string {
	if o.Status == Captured || o.Status == "" {
		return ""
	}
	sep := " "
	if o.Status == Failed {
		sep = ": "
	}
	return "no bundle written: " + string(o.Status) + sep + o.Entry.Detail
}

// Hint says what to do about a run that wrote no bundle.
func (o *Outcome) Hint() string {
	switch o.Status {
	case RateLimited:
		return "pass --min-interval 0 to capture anyway"
	case Busy:
		return "the other capture's bundle will be in " + o.Dir
	case NotCrashed:
		return "run without --if-crashed to capture anyway"
	}
	return ""
}

// WriteJSON writes a run that made no bundle as the one JSON object of --json: its status, the
// reason, the bundle folder and its capture log.
func (o *Outcome) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Bundle     *string `json:"bundle"`
		Status     Status  `json:"status"`
		Detail     string  `json:"detail"`
		Folder     string  `json:"folder"`
		CaptureLog string  `json:"capture_log"`
	}{nil, o.Status, o.Entry.Detail, o.Dir, filepath.Join(o.Dir, LogName)})
}
