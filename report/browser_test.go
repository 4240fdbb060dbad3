package report

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/opadiag/opadiag/bundle"
	"github.com/opadiag/opadiag/diagnose"
)

// The browser tests open report.html in Debian's Chromium, headless, from a file: it must load
// with no console error and no request but the file itself (or data:), show the timeline's
// events, react to focus and hover, follow light and dark mode, and print. They skip when
// Chromium is missing, unless OPADIAG_REQUIRE_BROWSER=1 (CI sets it).

// chromiumPath finds Chromium, or skips (fails when OPADIAG_REQUIRE_BROWSER=1).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the browser tests of report.html did not run")
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/lib/chromium/chromium"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "Chromium is not installed (apt-get install -y chromium): the browser tests of report.html did not run"
	if os.Getenv("OPADIAG_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + ", and OPADIAG_REQUIRE_BROWSER=1 requires them")
	}
	t.Skip(msg)
	return ""
}

// The browser the tests share: started by the first test that needs it, stopped by TestMain.
var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
	stopBrowser = func() {}
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

// newBrowser returns the shared headless Chromium, with a fresh profile, started on first use.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	browserOnce.Do(func() {
		profile, err := os.MkdirTemp("", "opadiag-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox, // the tests run as root
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.UserDataDir(profile),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("no-default-browser-check", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("hide-scrollbars", true),
			chromedp.WindowSize(1200, 900),
		)
		ctx, cancel := chromedp.NewContext(alloc)
		stopBrowser = func() {
			cancel()
			cancelAlloc()
			os.RemoveAll(profile)
		}
		// The first run starts the browser; it must not have a deadline (it would end it).
		if err := chromedp.Do(ctx); err != nil {
			browserErr = fmt.Errorf("start Chromium (%s): %w", path, err)
			return
		}
		browserCtx = ctx
	})
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	return browserCtx
}

// tab is a page opened in its own tab, with what the page asked of the network and what it said.
type tab struct {
	ctx      context.Context
	mu       sync.Mutex
	requests []string
	problems []string // console errors and warnings, exceptions, log entries of level error
}

func (tb *tab) add(list *[]string, s string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	*list = append(*list, s)
}

func (tb *tab) seen() (requests, problems []string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.requests...), append([]string(nil), tb.problems...)
}

// open loads the file at path in a new tab and returns it with the time the load took.
func open(t *testing.T, browser context.Context, path string) (*tab, time.Duration) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	tb := &tab{ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			tb.add(&tb.requests, e.Request.URL)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				tb.add(&tb.problems, "console."+string(e.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			tb.add(&tb.problems, "exception: "+e.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
				tb.add(&tb.problems, "log "+string(e.Entry.Source)+": "+e.Entry.Text)
			}
		}
	})
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable the network domain: %v", err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("enable the log domain: %v", err)
	}
	tctx, cancelT := context.WithTimeout(ctx, time.Minute)
	defer cancelT()
	start := time.Now()
	if err := chromedp.Do(tctx, chromedp.Navigate(fileURL(path))); err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return tb, time.Since(start)
}

func fileURL(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		panic(err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// eval runs a JavaScript expression in the tab and decodes its value.
func eval[T any](t *testing.T, tb *tab, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func do(t *testing.T, tb *tab, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// checkClean fails when the page asked for anything but itself and data:, or said something
// went wrong.
func checkClean(t *testing.T, tb *tab, path string) {
	t.Helper()
	requests, problems := tb.seen()
	self := fileURL(path)
	for _, r := range requests {
		if r != self && !strings.HasPrefix(r, "data:") {
			t.Errorf("the page made a request: %s", r)
		}
	}
	if len(requests) == 0 {
		t.Errorf("no request seen, not even the page itself: the network listener does not work")
	}
	for _, p := range problems {
		t.Errorf("the browser reported: %s", p)
	}
}

// marksJS counts the timeline's marks of each kind: {kind: [marks, events]}.
const marksJS = `(() => {
	const out = {};
	for (const g of document.querySelectorAll('svg.tl[data-view="window"] g.mk')) {
		const k = g.dataset.kind, c = out[k] || [0, 0];
		out[k] = [c[0] + 1, c[1] + Number(g.dataset.count)];
	}
	return out;
})()`

// previousRelease is the bundle an earlier release wrote (testdata/bundles), diagnosed today.
func previousRelease(t *testing.T) fixture {
	t.Helper()
	r, err := bundle.Open(filepath.Join("..", "testdata", "bundles", "previous-release.zip"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	m := r.Manifest()
	if m == nil {
		t.Fatal("previous-release.zip has no manifest")
	}
	fsys := fstest.MapFS{}
	err = fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(r.FS(), p)
		fsys[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{name: "previous-release", m: m, fs: fsys, r: diagnose.Run(m, fsys)}
}

// TestBrowser opens each fixture's page in Chromium, and the page of a bundle an earlier release
// wrote, diagnosed with today's checks.
func TestBrowser(t *testing.T) {
	browser := newBrowser(t)
	dir := t.TempDir()
	for _, f := range append(fixtures(), previousRelease(t)) {
		t.Run(f.name, func(t *testing.T) {
			page := render(t, f)
			path := filepath.Join(dir, f.name+".report.html")
			if err := os.WriteFile(path, page, 0o644); err != nil {
				t.Fatal(err)
			}
			tb, took := open(t, browser, path)
			timing := eval[map[string]float64](t, tb, `(() => { const n = performance.getEntriesByType('navigation')[0]; return {dom: n.domContentLoadedEventEnd, load: n.loadEventEnd}; })()`)
			t.Logf("%s: %d bytes, loaded in %v (DOMContentLoaded %.0f ms, load %.0f ms after the navigation started)", f.name, len(page), took.Round(time.Millisecond), timing["dom"], timing["load"])

			// The timeline holds every event of the Result, kind by kind, as the page was laid out.
			got := eval[map[string][2]int](t, tb, marksJS)
			want := kindCounts(f.r.Timeline)
			wantMarks := map[string]int{}
			for _, mk := range buildTimeline(f.m, f.r.Timeline).Window.Marks {
				wantMarks[mk.Kind]++
			}
			for k, n := range want {
				if got[k][1] != n || got[k][0] != wantMarks[k] {
					t.Errorf("kind %s: %d marks for %d events in the browser, want %d marks for %d", k, got[k][0], got[k][1], wantMarks[k], n)
				}
			}
			if len(got) != len(want) {
				t.Errorf("kinds drawn %v, want %v", got, want)
			}
			// Every mark is inside the drawing.
			outside := eval[int](t, tb, `(() => { let n = 0;
				for (const svg of document.querySelectorAll('svg.tl')) { const s = svg.getBoundingClientRect();
					for (const g of svg.querySelectorAll('g.mk .shape')) { const r = g.getBoundingClientRect();
						if (r.left < s.left - 1 || r.right > s.right + 1 || r.top < s.top - 1 || r.bottom > s.bottom + 1) n++; } } return n; })()`)
			if outside != 0 {
				t.Errorf("%d marks are drawn outside the timeline", outside)
			}
			// Each event is drawn at its time: the first mark of each kind is its first event's.
			firsts := eval[map[string]string](t, tb, `(() => { const out = {};
				for (const g of document.querySelectorAll('svg.tl[data-view="window"] g.mk')) { if (!(g.dataset.kind in out)) out[g.dataset.kind] = g.dataset.time; }
				return out; })()`)
			for _, e := range f.r.Timeline.Events {
				if got, ok := firsts[e.Kind]; ok {
					if want := e.Time.UTC().Format(time.RFC3339); got != want {
						t.Errorf("the first %s mark is at %s, its first event at %s", e.Kind, got, want)
					}
					delete(firsts, e.Kind)
				}
			}
			checkClean(t, tb, path)
		})
	}
}

// TestBrowserInteraction: on the page of a sick agent, Tab reaches the timeline's marks and shows
// the focused one's time and line; hovering shows another's; the planted outage is where it
// happened; dark mode and print change the page; the page prints; and a screenshot is written
// (with -update, to docs/report.png and docs/report-timeline.png for the README).
func TestBrowserInteraction(t *testing.T) {
	browser := newBrowser(t)
	f := failingFixture()
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, render(t, f), 0o644); err != nil {
		t.Fatal(err)
	}
	tb, _ := open(t, browser, path)

	// Keyboard: Tab until a mark has the focus; its tip shows its time and line.
	var focused string
	for range 40 {
		do(t, tb, "press Tab", chromedp.KeyEvent(kb.Tab))
		focused = eval[string](t, tb, `document.activeElement.matches('svg.tl g.mk') ? document.activeElement.id : ''`)
		if focused != "" {
			break
		}
	}
	if focused == "" {
		t.Fatalf("40 Tabs never reached a mark of the timeline")
	}
	tip := eval[map[string]string](t, tb, `(() => { const g = document.activeElement, tip = g.querySelector('.tip');
		return {display: getComputedStyle(tip).display, hint: getComputedStyle(g.closest('svg').querySelector('.hint')).display,
			text: Array.from(g.querySelectorAll('.tip')).map(e => e.textContent).join(' '), title: g.querySelector('title').textContent}; })()`)
	if tip["display"] == "none" || tip["hint"] != "none" || !strings.Contains(tip["text"], "UTC") || !strings.Contains(tip["title"], "UTC") {
		t.Errorf("the focused mark %s shows no time: %v", focused, tip)
	}

	// Hover: the first failed heartbeat shows its line.
	box := eval[map[string]float64](t, tb, `(() => { const g = document.querySelector('svg.tl g.mk[data-kind="heartbeat_failed"]');
		g.scrollIntoView({block: 'center'}); const r = g.querySelector('.shape').getBoundingClientRect();
		return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()`)
	// A pointer that enters the page from elsewhere, as a person's does.
	do(t, tb, "hover a failed heartbeat", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1, 1),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, box["x"], box["y"]))
	hoverJS := `document.querySelector('svg.tl g.mk[data-kind="heartbeat_failed"]').matches(':hover')`
	for deadline := time.Now().Add(5 * time.Second); !eval[bool](t, tb, hoverJS) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	hovered := eval[map[string]string](t, tb, `(() => { const g = document.querySelector('svg.tl g.mk[data-kind="heartbeat_failed"]'), tip = g.querySelector('.tip');
		return {display: getComputedStyle(tip).display, text: Array.from(g.querySelectorAll('.tip')).map(e => e.textContent).join(' '), time: g.dataset.time}; })()`)
	if hovered["display"] == "none" || !strings.Contains(hovered["text"], "ENOTFOUND") || !strings.Contains(hovered["text"], "2026-11-27 22:14:30 UTC") {
		t.Errorf("hovering the first failed heartbeat shows %v", hovered)
	}

	// The outage: the gap starts at 22:14 on Nov 27, and is drawn there.
	gap := eval[map[string]float64](t, tb, `(() => { const r = document.querySelector('svg.tl g.mk[data-kind="gap"] .shape'), s = document.querySelector('svg.tl');
		const vb = s.viewBox.baseVal, box = s.getBoundingClientRect(), rr = r.getBoundingClientRect();
		return {x: (rr.left - box.left) * vb.width / box.width, end: (rr.right - box.left) * vb.width / box.width}; })()`)
	tl := f.r.Timeline
	at := func(x float64) time.Time {
		return tl.Start.Add(time.Duration((x - tlPlotX0) / (tlPlotX1 - tlPlotX0) * float64(tl.End.Sub(tl.Start))))
	}
	outage := time.Date(2026, 11, 27, 22, 14, 0, 0, time.UTC)
	if d := at(gap["x"]).Sub(outage).Abs(); d > 15*time.Minute {
		t.Errorf("the outage is drawn at %s, %v from %s", at(gap["x"]), d, outage)
	}
	if d := at(gap["end"]).Sub(runAt).Abs(); d > 15*time.Minute {
		t.Errorf("the outage is drawn to end at %s, not at the run %s", at(gap["end"]), runAt)
	}

	// Light, dark, print.
	bg := func() string {
		return eval[string](t, tb, `getComputedStyle(document.documentElement).backgroundColor`)
	}
	media := func(m string, features ...*emulation.MediaFeature) {
		if _, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m, Features: features}); err != nil {
			t.Fatalf("emulate media %q: %v", m, err)
		}
	}
	media("", &emulation.MediaFeature{Name: "prefers-color-scheme", Value: "light"})
	if got := bg(); got != "rgb(255, 255, 255)" {
		t.Errorf("light mode background %s", got)
	}
	media("", &emulation.MediaFeature{Name: "prefers-color-scheme", Value: "dark"})
	if got := bg(); got != "rgb(21, 25, 30)" {
		t.Errorf("dark mode background %s", got)
	}
	if dir := os.Getenv("OPADIAG_SCREENSHOTS"); dir != "" {
		shot(t, tb, filepath.Join(dir, "report-dark.png"), "")
	}
	media("print", &emulation.MediaFeature{Name: "prefers-color-scheme", Value: "dark"})
	if got, nav := bg(), eval[string](t, tb, `getComputedStyle(document.querySelector('nav')).display`); got != "rgb(255, 255, 255)" || nav != "none" {
		t.Errorf("printed in dark mode: background %s, navigation %s", got, nav)
	}
	media("", &emulation.MediaFeature{Name: "prefers-color-scheme", Value: "light"})
	pdf, err := chromedp.Call(tb.ctx, cdppage.PrintToPDF, cdppage.PrintToPDFParams{})
	if err != nil || !strings.HasPrefix(string(pdf.Data), "%PDF") {
		t.Errorf("print to PDF: %v (%d bytes)", err, len(pdf.Data))
	} else {
		t.Logf("printed: %d bytes of PDF", len(pdf.Data))
	}

	// The screenshot, of the top of the page and of the timeline.
	out := t.TempDir()
	if *update {
		out = filepath.Join("..", "docs")
	}
	do(t, tb, "move the pointer away, scroll to the top", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1, 1), chromedp.Evaluate[chromedp.Void](`document.activeElement.blur(); window.scrollTo(0, 0)`))
	shot(t, tb, filepath.Join(out, "report.png"), "")
	shot(t, tb, filepath.Join(out, "report-timeline.png"), "#timeline")
	checkClean(t, tb, path)
}

// shot writes a PNG of the viewport, or of the element sel.
func shot(t *testing.T, tb *tab, path, sel string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	var png []byte
	var err error
	if sel == "" {
		png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	} else {
		png, err = chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	}
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

// TestBrowserCatchesRequests proves the checks above can fail: a page that loads an image from a
// loopback server is refused by the page's Content-Security-Policy, and the refusal is seen.
// (html/template escapes every value, so no input can add such an element to a real page.)
func TestBrowserCatchesRequests(t *testing.T) {
	browser := newBrowser(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	page := render(t, noAgentFixture())
	injected := strings.Replace(string(page), "</main>", `<img src="`+srv.URL+`/pixel.png" alt=""></main>`, 1)
	path := filepath.Join(t.TempDir(), "injected.html")
	if err := os.WriteFile(path, []byte(injected), 0o644); err != nil {
		t.Fatal(err)
	}
	tb, _ := open(t, browser, path)
	// Give a refused load time to be reported.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, problems := tb.seen(); len(problems) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, problems := tb.seen()
	if !strings.Contains(fmt.Sprint(problems), "Content Security Policy") {
		t.Errorf("the injected image was not reported as refused: %q", problems)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server got %d requests: the Content-Security-Policy did not hold", n)
	}
	var buf strings.Builder
	_ = json.NewEncoder(&buf).Encode(problems)
	t.Logf("reported: %s", buf.String())
}

// The timeline kinds the fixtures exercise, checked so that a fixture change does not silently
// drop one from the browser tests.
func TestFixturesCoverKinds(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range fixtures() {
		for k := range kindCounts(f.r.Timeline) {
			seen[k] = true
		}
	}
	for _, k := range kinds {
		if !seen[k] {
			t.Errorf("no fixture has a %s event", k)
		}
	}
}
