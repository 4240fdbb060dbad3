package crash

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opadiag/opadiag/collect"
)

// capture runs Capture in dir with the fake collect and clock.
func capture(t *testing.T, dir string, fc *fakeCollect, mod func(*CaptureOptions)) *Outcome {
	t.Helper()
	o := CaptureOptions{Dir: dir, MinInterval: DefaultMinInterval, Keep: DefaultKeep, KeepSize: DefaultKeepSize,
		Run: fc.run, Clock: fc.clock}
	if mod != nil {
		mod(&o)
	}
	out, err := Capture(context.Background(), o)
	if err != nil && fc.err == nil {
		t.Fatalf("Capture: %v", err)
	}
	return out
}

func TestRateLimit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		interval time.Duration
		steps    []time.Duration // clock advance before each run
		want     []Status
	}{
		{"second run within the interval", 10 * time.Minute, []time.Duration{0, time.Minute}, []Status{Captured, RateLimited}},
		{"just before and at the interval", 10 * time.Minute, []time.Duration{0, 10*time.Minute - time.Second, time.Second}, []Status{Captured, RateLimited, Captured}},
		{"no limit", 0, []time.Duration{0, 0, time.Second}, []Status{Captured, Captured, Captured}},
		{"a rate-limited run does not move the window", 10 * time.Minute, []time.Duration{0, 9 * time.Minute, time.Minute}, []Status{Captured, RateLimited, Captured}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fc := &fakeCollect{t: t, clock: newClock()}
			var got []Status
			for _, d := range tc.steps {
				fc.clock.Add(d)
				out := capture(t, dir, fc, func(o *CaptureOptions) { o.MinInterval = tc.interval })
				got = append(got, out.Status)
				if out.Status == RateLimited {
					if out.Last.IsZero() || !strings.Contains(out.Entry.Detail, "last capture at") {
						t.Errorf("rate-limited run without the last capture: %+v", out)
					}
					if !strings.Contains(out.Message(), "rate-limited") {
						t.Errorf("message %q", out.Message())
					}
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("statuses %v, want %v", got, tc.want)
			}
			if !reflect.DeepEqual(statuses(logLines(t, dir)), tc.want) {
				t.Errorf("log %v, want %v", statuses(logLines(t, dir)), tc.want)
			}
			captured := 0
			for _, s := range tc.want {
				if s == Captured {
					captured++
				}
			}
			if fc.count() != captured || len(zips(t, dir)) != captured {
				t.Errorf("%d collect runs, %d bundles; want %d", fc.count(), len(zips(t, dir)), captured)
			}
		})
	}
}

// TestRateLimitFromBundles: without a capture log (deleted), the newest crash bundle's name
// still rate-limits.
func TestRateLimitFromBundles(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	writeBundle(t, dir, clock.Now().Add(-time.Minute), "crash", 0)
	fc := &fakeCollect{t: t, clock: clock}
	if out := capture(t, dir, fc, nil); out.Status != RateLimited {
		t.Fatalf("status %s, want rate-limited", out.Status)
	}
	// A manual bundle in the folder does not count.
	dir2 := t.TempDir()
	writeBundle(t, dir2, clock.Now().Add(-time.Minute), "manual", 0)
	if out := capture(t, dir2, fc, nil); out.Status != Captured {
		t.Fatalf("status %s, want captured", out.Status)
	}
}

// TestFailedCapture: a failed run is logged, returns the error, and counts for the rate limit.
func TestFailedCapture(t *testing.T) {
	dir := t.TempDir()
	fc := &fakeCollect{t: t, clock: newClock(), err: errors.New("output folder is full: no space left on device")}
	out, err := Capture(context.Background(), CaptureOptions{Dir: dir, MinInterval: time.Minute, Keep: 5, KeepSize: 1 << 30, Run: fc.run, Clock: fc.clock})
	if err == nil || out.Status != Failed {
		t.Fatalf("err %v, status %v", err, out.Status)
	}
	es := logLines(t, dir)
	if len(es) != 1 || es[0].Status != Failed || !strings.Contains(es[0].Detail, "no space left") {
		t.Fatalf("log %+v", es)
	}
	fc.err = nil
	fc.clock.Add(30 * time.Second)
	if out := capture(t, dir, fc, nil); out.Status != RateLimited {
		t.Errorf("after a failure: %s, want rate-limited", out.Status)
	}
	fc.clock.Add(time.Minute)
	if out := capture(t, dir, fc, func(o *CaptureOptions) { o.MinInterval = time.Minute }); out.Status != Captured {
		t.Errorf("after the interval: %s, want captured", out.Status)
	}
}

// TestClockSetBack: a last capture dated in the future does not block captures forever.
func TestClockSetBack(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	writeBundle(t, dir, clock.Now().Add(48*time.Hour), "crash", 0)
	fc := &fakeCollect{t: t, clock: clock}
	out := capture(t, dir, fc, nil)
	if out.Status != Captured {
		t.Fatalf("status %s, want captured", out.Status)
	}
	if len(out.Warnings) == 0 || !strings.Contains(strings.Join(out.Warnings, "\n"), "clock was set back") {
		t.Errorf("warnings %q", out.Warnings)
	}
}

func TestRetentionKeep(t *testing.T) {
	for _, keep := range []int{1, 3, 5} {
		t.Run("keep "+string(rune('0'+keep)), func(t *testing.T) {
			dir := t.TempDir()
			clock := newClock()
			manual := writeBundle(t, dir, clock.Now().Add(-time.Hour), "manual", 0)
			other := filepath.Join(dir, "notes.zip")
			os.WriteFile(other, []byte("not a bundle"), 0o600)
			fc := &fakeCollect{t: t, clock: clock}
			var made []string
			for i := 0; i < 8; i++ {
				clock.Add(time.Second)
				out := capture(t, dir, fc, func(o *CaptureOptions) { o.MinInterval, o.Keep = 0, keep })
				made = append(made, out.Result.Path)
				bs, _, err := crashBundles(dir)
				if err != nil {
					t.Fatal(err)
				}
				if len(bs) > keep {
					t.Fatalf("after run %d: %d crash bundles, keep %d", i+1, len(bs), keep)
				}
			}
			bs, _, _ := crashBundles(dir)
			var kept []string
			for _, b := range bs {
				kept = append(kept, b.Path)
			}
			if want := made[len(made)-keep:]; !reflect.DeepEqual(kept, want) {
				t.Errorf("kept %v, want the newest %v", kept, want)
			}
			for _, p := range []string{manual, other} {
				if _, err := os.Stat(p); err != nil {
					t.Errorf("%s, not a crash bundle, was touched: %v", p, err)
				}
			}
		})
	}
}

// TestRetentionSameSecond: captures within one second, rotated down to one bundle, each keep
// the bundle just written. The next bundle of a second takes back the name -1 freed, so the
// names' -N no longer tell which is newest: the capture told the user the path of a bundle it
// had just deleted.
func TestRetentionSameSecond(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	fc := &fakeCollect{t: t, clock: clock}
	for i := range 5 {
		out := capture(t, dir, fc, func(o *CaptureOptions) { o.MinInterval, o.Keep = 0, 1 })
		if _, err := os.Stat(out.Result.Path); err != nil {
			t.Fatalf("run %d: the bundle just written is gone: %v", i+1, err)
		}
		if z := zips(t, dir); len(z) != 1 {
			t.Fatalf("run %d: %d bundles kept, want 1", i+1, len(z))
		}
		time.Sleep(10 * time.Millisecond) // the bundles' modification times differ
	}
}

func TestRetentionSize(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	fc := &fakeCollect{t: t, clock: clock, size: 100 << 10}
	for i := 0; i < 6; i++ {
		clock.Add(time.Second)
		out := capture(t, dir, fc, func(o *CaptureOptions) { o.MinInterval, o.KeepSize = 0, 250<<10 })
		var total int64
		bs, _, _ := crashBundles(dir)
		for _, b := range bs {
			total += b.Size
		}
		if total > 250<<10 {
			t.Fatalf("run %d: %d bytes kept, cap %d", i+1, total, 250<<10)
		}
		if len(bs) == 0 || bs[len(bs)-1].Path != out.Result.Path {
			t.Fatalf("run %d: the new bundle was not kept", i+1)
		}
	}
	// One bundle larger than the cap: it is the newest, it stays, the others go.
	fc.size = 400 << 10
	clock.Add(time.Second)
	out := capture(t, dir, fc, func(o *CaptureOptions) { o.MinInterval, o.KeepSize = 0, 250<<10 })
	if z := zips(t, dir); len(z) != 1 || z[0] != out.Result.Path {
		t.Errorf("left %v, want only the new %s", z, out.Result.Path)
	}
}

func TestToRemove(t *testing.T) {
	b := func(n int, size int64) bundle {
		return bundle{Path: string(rune('a' + n)), Time: time.Unix(int64(n), 0), Size: size}
	}
	for _, tc := range []struct {
		name     string
		bs       []bundle
		keep     int
		keepSize int64
		want     int // how many of the oldest are removed
	}{
		{"none", nil, 5, 100, 0},
		{"under both", []bundle{b(1, 10), b(2, 10)}, 5, 100, 0},
		{"over count", []bundle{b(1, 10), b(2, 10), b(3, 10), b(4, 10)}, 3, 100, 1},
		{"over size", []bundle{b(1, 60), b(2, 30), b(3, 30)}, 5, 100, 1},
		{"newest alone over size", []bundle{b(1, 10), b(2, 500)}, 5, 100, 1},
		{"keep zero means one", []bundle{b(1, 10), b(2, 10)}, 0, 100, 1},
		{"exactly at both limits", []bundle{b(1, 50), b(2, 50)}, 2, 100, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := toRemove(tc.bs, tc.keep, tc.keepSize)
			if len(got) != tc.want {
				t.Fatalf("removes %d, want %d", len(got), tc.want)
			}
			for i := range got {
				if got[i].Path != tc.bs[i].Path {
					t.Errorf("removes %v, not the oldest", got)
				}
			}
		})
	}
}

// TestCrashBundlesProblems: a file named like a bundle that is not one is reported and left.
func TestCrashBundlesProblems(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "opadiag-host-20261128T110000Z.zip")
	os.WriteFile(bad, []byte("PK garbage"), 0o600)
	writeBundle(t, dir, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), "crash", 0)
	bs, problems, err := crashBundles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || len(problems) != 1 || !strings.Contains(problems[0], bad) {
		t.Fatalf("bundles %v problems %q", bs, problems)
	}
	if _, _, err := crashBundles(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing folder is not an error")
	}
}

// TestLockTwoTriggers: two captures at once make one bundle; the second logs busy and
// returns without error.
func TestLockTwoTriggers(t *testing.T) {
	dir := t.TempDir()
	fc := &fakeCollect{t: t, clock: newClock(), entered: make(chan struct{}), block: make(chan struct{})}
	var wg sync.WaitGroup
	var first *Outcome
	wg.Go(func() { first = capture(t, dir, fc, nil) })
	<-fc.entered // the first holds the lock and is collecting
	second := capture(t, dir, fc, nil)
	close(fc.block)
	wg.Wait()
	if first.Status != Captured || second.Status != Busy {
		t.Fatalf("statuses %s and %s, want captured and busy", first.Status, second.Status)
	}
	if second.Message() == "" || second.Hint() == "" {
		t.Error("busy run without a message or hint")
	}
	if z := zips(t, dir); len(z) != 1 {
		t.Errorf("%d bundles, want 1", len(z))
	}
	got := statuses(logLines(t, dir))
	if !reflect.DeepEqual(got, []Status{Busy, Captured}) {
		t.Errorf("log %v, want busy then captured", got)
	}
	// The lock is released: a third run is rate-limited, not busy.
	if out := capture(t, dir, fc, nil); out.Status != RateLimited {
		t.Errorf("third run %s, want rate-limited", out.Status)
	}
}

// TestCaptureLogBounded: a log past its limit is moved aside; the last capture is still found
// in the moved part.
func TestCaptureLogBounded(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	fc := &fakeCollect{t: t, clock: clock}
	if out := capture(t, dir, fc, nil); out.Status != Captured {
		t.Fatal(out.Status)
	}
	// Fill the log past its limit with rate-limited runs, as a crash loop would.
	for i := 0; ; i++ {
		st, err := os.Stat(filepath.Join(dir, LogName))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() >= maxLog {
			break
		}
		if err := appendLog(dir, LogEntry{Time: clock.Now(), Status: RateLimited, Detail: strings.Repeat("x", 900)}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Add(time.Second)
	if out := capture(t, dir, fc, nil); out.Status != RateLimited {
		t.Fatalf("status %s, want rate-limited (the capture is in the rotated log)", out.Status)
	}
	for i := 0; i < 3; i++ {
		for j := 0; j < 1200; j++ {
			appendLog(dir, LogEntry{Time: clock.Now(), Status: Busy, Detail: strings.Repeat("y", 900)})
		}
	}
	var total int64
	for _, n := range []string{LogName, LogName + ".1"} {
		st, err := os.Stat(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		total += st.Size()
	}
	if total > 2*maxLog+2*maxDetail {
		t.Errorf("capture logs hold %d bytes, bound %d", total, 2*maxLog)
	}
	if _, err := os.Stat(filepath.Join(dir, LogName+".2")); err == nil {
		t.Error("a third log file appeared")
	}
}

func TestIfCrashed(t *testing.T) {
	base := newClock().Now()
	old, recent := base.Add(-2*time.Hour), base.Add(-time.Minute)
	for _, tc := range []struct {
		name     string
		files    map[string]string    // name -> content, in the agent home
		mtimes   map[string]time.Time // default: recent
		captured time.Time            // a capture already made (zero: none)
		noHome   bool
		want     Status
	}{
		{"flag set, never captured", map[string]string{"Settings": `{"uncaughtExceptionHappenedOnService":true}`}, nil, time.Time{}, false, Captured},
		{"flag as a string, any case", map[string]string{"settings.json": `{"UncaughtExceptionHappenedOnService":" TRUE "}`}, nil, time.Time{}, false, Captured},
		{"flag false", map[string]string{"Settings": `{"uncaughtExceptionHappenedOnService":false}`}, nil, time.Time{}, false, NotCrashed},
		{"flag set, Settings older than the last capture", map[string]string{"Settings": `{"uncaughtExceptionHappenedOnService":true}`},
			map[string]time.Time{"Settings": old}, base.Add(-time.Hour), false, NotCrashed},
		{"flag set, Settings written since the last capture", map[string]string{"Settings": `{"uncaughtExceptionHappenedOnService":true}`},
			nil, base.Add(-time.Hour), false, Captured},
		{"crash file newer than the last capture", map[string]string{"Settings": `{}`, "uncaughtException.log": "TypeError"},
			nil, base.Add(-time.Hour), false, Captured},
		{"crash file older than the last capture", map[string]string{"Settings": `{}`, "uncaughtException": "TypeError"},
			map[string]time.Time{"uncaughtException": old}, base.Add(-time.Hour), false, NotCrashed},
		{"crash file in a folder of the home", map[string]string{"logs/uncaughtException.txt": "boom"}, nil, time.Time{}, false, Captured},
		{"damaged Settings, no crash file", map[string]string{"Settings": `{"uncaughtExceptionHappenedOnService":tr`}, nil, time.Time{}, false, NotCrashed},
		{"no agent home", nil, nil, time.Time{}, true, NotCrashed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "agent")
			os.MkdirAll(home, 0o755)
			for name, content := range tc.files {
				p := filepath.Join(home, filepath.FromSlash(name))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
				mt := recent
				if m, ok := tc.mtimes[name]; ok {
					mt = m
				}
				os.Chtimes(p, mt, mt)
			}
			dir := t.TempDir()
			clock := newClock()
			if !tc.captured.IsZero() {
				appendLog(dir, LogEntry{Time: tc.captured, Status: Captured, Detail: filepath.Join(dir, "opadiag-host-x.zip")})
			}
			homes := []string{home}
			if tc.noHome {
				homes = []string{filepath.Join(home, "missing")}
			}
			fc := &fakeCollect{t: t, clock: clock}
			out := capture(t, dir, fc, func(o *CaptureOptions) {
				o.IfCrashed = true
				o.Collect = collect.Options{AgentDirs: homes}
			})
			if out.Status != tc.want {
				t.Fatalf("status %s (%s), want %s; warnings %q", out.Status, out.Entry.Detail, tc.want, out.Warnings)
			}
			if tc.want == NotCrashed && (fc.count() != 0 || !strings.Contains(out.Entry.Detail, "--if-crashed")) {
				t.Errorf("%d runs, detail %q", fc.count(), out.Entry.Detail)
			}
		})
	}
}

// TestIfCrashedSameSecond: a crash file written in the second a capture started (just before
// it) is in that capture's bundle: the next run, a second later, is not-crashed. The capture log
// keeps the time to the second; the file's time has nanoseconds.
func TestIfCrashedSameSecond(t *testing.T) {
	home := t.TempDir()
	dir := t.TempDir()
	clock := newClock()
	fc := &fakeCollect{t: t, clock: clock}
	opt := func(o *CaptureOptions) {
		o.IfCrashed, o.MinInterval, o.Collect = true, 0, collect.Options{AgentDirs: []string{home}}
	}
	clock.Add(300 * time.Millisecond)
	crash := filepath.Join(home, "uncaughtException")
	os.WriteFile(crash, []byte("x"), 0o600)
	os.Chtimes(crash, clock.Now(), clock.Now())
	clock.Add(200 * time.Millisecond)
	if out := capture(t, dir, fc, opt); out.Status != Captured {
		t.Fatalf("after a crash: %s", out.Status)
	}
	clock.Add(time.Second)
	if out := capture(t, dir, fc, opt); out.Status != NotCrashed {
		t.Fatalf("the same crash a second later: %s (%s), want not-crashed", out.Status, out.Entry.Detail)
	}
	clock.Add(time.Second)
	os.Chtimes(crash, clock.Now(), clock.Now())
	clock.Add(time.Second)
	if out := capture(t, dir, fc, opt); out.Status != Captured {
		t.Fatalf("a new crash: %s, want captured", out.Status)
	}
}

// TestIfCrashedThenRateLimited: a crash within the interval of the last capture is still
// rate-limited.
func TestIfCrashedThenRateLimited(t *testing.T) {
	home := t.TempDir()
	dir := t.TempDir()
	clock := newClock()
	fc := &fakeCollect{t: t, clock: clock}
	opt := func(o *CaptureOptions) { o.IfCrashed, o.Collect = true, collect.Options{AgentDirs: []string{home}} }
	if out := capture(t, dir, fc, opt); out.Status != NotCrashed {
		t.Fatalf("empty home: %s", out.Status)
	}
	crash := filepath.Join(home, "uncaughtException")
	os.WriteFile(crash, []byte("x"), 0o600)
	os.Chtimes(crash, clock.Now(), clock.Now())
	clock.Add(time.Second)
	if out := capture(t, dir, fc, opt); out.Status != Captured {
		t.Fatalf("after a crash: %s", out.Status)
	}
	clock.Add(time.Minute)
	os.Chtimes(crash, clock.Now(), clock.Now())
	clock.Add(time.Second)
	if out := capture(t, dir, fc, opt); out.Status != RateLimited {
		t.Fatalf("second crash a minute later: %s, want rate-limited", out.Status)
	}
	clock.Add(time.Hour)
	if out := capture(t, dir, fc, opt); out.Status != Captured {
		t.Fatalf("the crash not yet captured, an hour later: %s, want captured", out.Status)
	}
	clock.Add(time.Hour)
	if out := capture(t, dir, fc, opt); out.Status != NotCrashed {
		t.Fatalf("nothing new: %s, want not-crashed", out.Status)
	}
}

// TestCaptureFolder: the folder is created private; a folder that cannot be made is an error
// before anything is logged.
func TestCaptureFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "crash")
	fc := &fakeCollect{t: t, clock: newClock()}
	capture(t, dir, fc, nil)
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v, want 0700", st.Mode().Perm())
	}
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, nil, 0o600)
	_, err = Capture(context.Background(), CaptureOptions{Dir: filepath.Join(blocker, "crash"), Run: fc.run, Clock: fc.clock, Keep: 1, KeepSize: 1})
	if err == nil {
		t.Error("no error for a folder under a file")
	}
}

func TestDefaultDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		goos string
		env  map[string]string
		want string
	}{
		{"linux", nil, "/var/lib/opadiag/crash"},
		{"windows", map[string]string{"ProgramData": `D:\ProgramData\`}, `D:\ProgramData\opadiag\crash`},
		{"windows", nil, `C:\ProgramData\opadiag\crash`},
	} {
		if got := DefaultDir(tc.goos, env(tc.env)); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.goos, tc.env, got, tc.want)
		}
	}
}

// TestIfCrashedDiscovery: without --agent-dir, --if-crashed looks in the homes discovery finds.
func TestIfCrashedDiscovery(t *testing.T) {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "uncaughtException"), []byte("boom"), 0o600)
	fc := &fakeCollect{t: t, clock: newClock()}
	out := capture(t, t.TempDir(), fc, func(o *CaptureOptions) {
		o.IfCrashed, o.Homes = true, func() []string { return []string{home} }
	})
	if out.Status != Captured {
		t.Errorf("discovered home with a crash file: %s", out.Status)
	}
	out = capture(t, t.TempDir(), fc, func(o *CaptureOptions) { o.IfCrashed = true })
	if out.Status != NotCrashed || !strings.Contains(out.Entry.Detail, "no agent home found") {
		t.Errorf("no home: %s %q", out.Status, out.Entry.Detail)
	}
}
