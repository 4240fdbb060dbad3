package diagnose

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"time"

	"github.com/opadiag/opadiag/manifest"
)

// Run draws findings from a bundle: its manifest and its files (the zip's entries as an fs.FS,
// forward-slash paths as in the manifest). It reads no clock: the run's time is m.Created.
//
// It scans the agent's logs, its uncaughtException files, the service's journal and event-log
// extracts, chosen from m.Files, each streamed through a bounded scanner, and reads
// network/probes.json (at most maxProbes bytes). An entry that is missing or cannot be read is
// skipped and named in a finding; the findings come from what could be read.
func Run(m *manifest.Manifest, fsys fs.FS) Result {
	in := &input{m: m, files: m.Files, omitted: m.Omitted, now: m.Created}
	scan := newLogScan(zoneOf(m))
	since, _ := time.ParseDuration(m.Options.Since)
	scan.setWindow(m.Created, since)
	buf := make([]byte, 512<<10)
	for _, f := range scanned(m.Files) {
		if err := scanEntry(fsys, f.Path, scan, buf); err != nil {
			in.unread = append(in.unread, f.Path+": "+err.Error())
		}
	}
	in.logs = scan
	in.probes, in.probErr = readProbes(fsys, m.Files)
	return run(in)
}

// scanned returns the bundle files the log scan reads, each once: the agent's logs and crash
// files, and the service's journals and event extracts.
func scanned(files []manifest.File) []manifest.File {
	var out []manifest.File
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.Path] || !fs.ValidPath(f.Path) {
			continue
		}
		switch sourceOf(f.Path) {
		case srcLog:
			if !isAgentLog(f) {
				continue
			}
		case srcCrash:
			if f.Collector != "crash" && !agentFile(f.Path) {
				continue
			}
		}
		seen[f.Path] = true
		out = append(out, f)
	}
	return out
}

// agentFile reports whether a bundle path is in an agent home's folder: agent/… or agent/<n>/….
func agentFile(p string) bool { return len(p) > 6 && p[:6] == "agent/" }

// scanEntry streams one bundle entry through the scan.
func scanEntry(fsys fs.FS, name string, scan *LogScan, buf []byte) error {
	f, err := fsys.Open(name)
	if err != nil {
		return fmt.Errorf("open: %w", unwrapPath(err))
	}
	defer f.Close()
	w := scan.File(name)
	err = copyAhead(w, f, buf)
	w.Close()
	if err != nil {
		return fmt.Errorf("read (what came before was scanned): %w", unwrapPath(err))
	}
	return nil
}

// copyAhead copies src to dst with src read one chunk ahead on its own goroutine: inflating a
// bundle's entry and scanning it then take both cores, not one after the other. buf is split
// into the two chunks in flight.
func copyAhead(dst io.Writer, src io.Reader, buf []byte) error {
	half := len(buf) / 2
	type chunk struct {
		b   []byte
		err error
	}
	full := make(chan chunk)
	free := make(chan []byte, 2)
	free <- buf[:half:half]
	free <- buf[half:]
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			var b []byte
			select {
			case b = <-free:
			case <-stop:
				return
			}
			n, err := io.ReadFull(src, b)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case full <- chunk{b[:n], err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range full {
		if len(c.b) > 0 {
			if _, err := dst.Write(c.b); err != nil {
				return err
			}
		}
		if c.err == io.EOF {
			return nil
		}
		if c.err != nil {
			return c.err
		}
		free <- c.b[:cap(c.b)]
	}
	return nil
}

// unwrapPath drops the *fs.PathError wrapper, whose path the caller names already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// maxProbes bounds network/probes.json read into memory.
const maxProbes = 16 << 20

// probesFile is where the network probes are in the bundle.
const probesFile = "network/probes.json"

// readProbes reads network/probes.json when the manifest lists it: nil and "" when the network
// was not probed, nil and the reason when the file cannot be read or decoded.
func readProbes(fsys fs.FS, files []manifest.File) (*manifest.Probes, string) {
	listed := false
	for _, f := range files {
		if f.Path == probesFile {
			listed = true
		}
	}
	if !listed {
		return nil, ""
	}
	f, err := fsys.Open(probesFile)
	if err != nil {
		return nil, "it cannot be opened: " + unwrapPath(err).Error()
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxProbes+1))
	if err != nil {
		return nil, "it cannot be read: " + unwrapPath(err).Error()
	}
	if len(data) > maxProbes {
		return nil, fmt.Sprintf("it is larger than %s", manifest.FormatSize(maxProbes))
	}
	var p manifest.Probes
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, "it is not valid: " + err.Error()
	}
	return &p, ""
}

// checkProbesFile reports network/probes.json listed but unreadable.
func checkProbesFile(in *input) []manifest.Finding {
	if in.probErr == "" {
		return nil
	}
	return []manifest.Finding{finding("network.probes_unreadable", manifest.SeverityWarn, "The network checks' results cannot be read",
		probesFile+" is in the bundle, but "+in.probErr+". The network findings are missing.",
		"Ask for a new bundle, or run opadiag on the agent's server to repeat the network checks.", manifest.Evidence{Path: probesFile})}
}

// zoneOf is the time zone of the machine the bundle was made on, for log lines without one:
// its offset as the system collector recorded it, else UTC.
func zoneOf(m *manifest.Manifest) *time.Location {
	os := m.System.OS
	if os.Type == "" && os.Timezone == "" && os.TimezoneOffsetS == 0 {
		return time.UTC
	}
	return time.FixedZone(os.Timezone, os.TimezoneOffsetS)
}

// timeline draws what happened when: heartbeat spans, gaps and silences, the points of the
// log's events and the service's, and the run, bounded to MaxTimelineEvents.
func timeline(in *input) Timeline {
	lf := in.lf
	tl := Timeline{End: in.now, Dropped: map[string]int{}}
	var evs []TimelineEvent
	span := func(kind string, s span, count int) {
		evs = append(evs, TimelineEvent{Kind: kind, Time: s.From, End: s.To, Count: max(count, 1), Path: s.FromRef.Path, Line: s.FromRef.Line})
	}
	for _, s := range lf.hbSpans {
		span(TLHeartbeatOK, s, s.Count)
	}
	for _, s := range lf.gaps {
		span(TLGap, s, 1)
	}
	if lf.okCount > 0 {
		for _, s := range lf.silences {
			span(TLSilence, s, 1)
		}
	}
	points := func(kind string, sets ...string) {
		byMin := map[int64]point{}
		for _, k := range sets {
			tl.Dropped[kind] += lf.dropped[k]
			for _, p := range lf.points[k] {
				m := p.Time.Unix() / 60
				if q, ok := byMin[m]; !ok || p.Count > q.Count {
					byMin[m] = p // the service's and the agent's own view of one event count once
				}
			}
		}
		for _, p := range byMin {
			evs = append(evs, TimelineEvent{Kind: kind, Time: p.Time, Count: p.Count, Path: p.Ref.Path, Line: p.Ref.Line, Text: p.Ref.Text})
		}
	}
	for _, k := range []string{TLHeartbeatFailed, TLTunnelCreated, TLTunnelReady, TLTunnelFailed, TLNoInternet, TLBindFailed} {
		points(k, k)
	}
	points(TLCrash, TLCrash, svcCrash)
	points(TLServiceRestart, TLServiceRestart, svcStart)
	for _, f := range crashFiles(in) {
		if f.Mtime != nil && !f.Mtime.After(in.now.Add(clockSkew)) { // a crash file written after the run is a wrong clock
			evs = append(evs, TimelineEvent{Kind: TLCrash, Time: *f.Mtime, Count: 1, Path: f.Path})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	if len(evs) > 0 {
		tl.Start = evs[0].Time
	}
	if since, err := time.ParseDuration(in.m.Options.Since); err == nil && since > 0 {
		if w := in.now.Add(-since); tl.Start.IsZero() || w.After(tl.Start) {
			tl.Start = w
		}
	}
	kept := evs[:0]
	for _, e := range evs {
		end := e.End
		if end.IsZero() {
			end = e.Time
		}
		if end.Before(tl.Start) {
			tl.Dropped[e.Kind] += e.Count
			continue
		}
		kept = append(kept, e)
	}
	evs = bound(kept, MaxTimelineEvents-1, tl.Dropped)
	evs = append(evs, TimelineEvent{Kind: TLRun, Time: in.now, Count: 1})
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	for k, n := range tl.Dropped {
		if n == 0 {
			delete(tl.Dropped, k)
		}
	}
	tl.Events = evs
	return tl
}

// bound keeps at most limit events (sorted by time): each kind keeps its newest, the most
// frequent kinds giving up the most. What is left out is counted in dropped.
func bound(evs []TimelineEvent, limit int, dropped map[string]int) []TimelineEvent {
	if len(evs) <= limit {
		return evs
	}
	n := map[string]int{}
	for _, e := range evs {
		n[e.Kind]++
	}
	// The largest per-kind quota whose total fits.
	lo, hi := 0, len(evs)
	for lo < hi {
		q := (lo + hi + 1) / 2
		total := 0
		for _, c := range n {
			total += min(c, q)
		}
		if total <= limit {
			lo = q
		} else {
			hi = q - 1
		}
	}
	skip := map[string]int{} // the oldest of each kind past the quota
	for k, c := range n {
		skip[k] = max(0, c-lo)
	}
	out := make([]TimelineEvent, 0, limit)
	for _, e := range evs {
		if skip[e.Kind] > 0 {
			skip[e.Kind]--
			dropped[e.Kind] += e.Count
			continue
		}
		out = append(out, e)
	}
	return out
}
