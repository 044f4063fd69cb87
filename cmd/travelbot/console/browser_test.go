package console

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"travelbot/bot/store"
)

// The browser tests drive the console in a real headless Chromium. They
// skip when Chromium is absent, except on CI, where they must run.

var screenshots = flag.String("screenshots", "", "write PNGs of the overview and the test pane into `DIR` (TestScreenshots)")

// browserTimeout bounds what one browser test does in its tab.
const browserTimeout = 45 * time.Second

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed, and CI is set: the browser tests must run (apt-get install chromium)")
	}
	t.Skip("chromium is not installed: apt-get install chromium to run the browser tests")
	return ""
}

// chromium is the one headless Chromium the package's browser tests share:
// started by the first test that needs it (a second or more, several under
// the race detector), stopped by TestMain. Each test gets a browser
// context of its own in it (browser), as isolated as a browser of its own:
// its own cookies, storage and cache.
var chromium struct {
	once sync.Once
	ctx  context.Context // the browser's first tab, which the browser lives as long as
	stop func()          // closes the browser and removes its profile
	err  error
}

// stopChromium stops the shared browser, if a test started it (TestMain).
func stopChromium() {
	if chromium.stop != nil {
		chromium.stop()
	}
}

// startChromium starts the shared browser at path.
func startChromium(path string) {
	profile, err := os.MkdirTemp("", "console-chromium-")
	if err != nil {
		chromium.err = err
		return
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelCtx := chromedp.NewContext(alloc)
	chromium.stop = func() { cancelCtx(); cancelAlloc(); os.RemoveAll(profile) }
	// The first run starts the browser, which lives as long as bctx.
	if err := chromedp.Do(bctx); err != nil {
		chromium.err = fmt.Errorf("starting chromium: %w", err)
		return
	}
	chromium.ctx = bctx
}

// browser opens a tab for one test, in a browser context of its own in the
// shared Chromium, closed when the test ends. When the test fails it saves
// a screenshot and the page's HTML in the test's artifact directory (a
// temp dir; kept with go test -artifacts) and logs their names.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	chromium.once.Do(func() { startChromium(path) })
	if chromium.err != nil {
		t.Fatal(chromium.err)
	}
	bctx, closeTab := chromedp.NewContext(chromium.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(closeTab)
	// The first run opens the tab: no timeout on it, only on what the
	// test does after.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(bctx, browserTimeout)
	t.Cleanup(cancelTimeout)
	t.Cleanup(func() { // runs first: the tab is still open
		if !t.Failed() {
			return
		}
		dir := t.ArtifactDir()
		sctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Logf("could not capture the page: %v", err)
			return
		}
		html, err := chromedp.Run(sctx, chromedp.OuterHTML(chromedp.CSS("html")))
		if err != nil {
			t.Logf("could not read the page: %v", err)
		}
		shot, page := filepath.Join(dir, "failure.png"), filepath.Join(dir, "failure.html")
		if err := os.WriteFile(shot, png, 0o644); err != nil {
			t.Log(err)
		}
		if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
			t.Log(err)
		}
		t.Logf("the page at the failure: screenshot %s, HTML %s", shot, page)
	})
	return ctx
}

// run runs browser steps, failing the test with what was being done.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action that returns a value.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// text is the visible text of the element sel (a CSS selector) selects.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return get(t, ctx, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// logIn logs in through the form, as an admin would.
func logIn(t *testing.T, ctx context.Context, h *harness) {
	t.Helper()
	run(t, ctx, "log in",
		chromedp.Navigate(h.srv.URL+"/admin/"), // no session: sent to the login form
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), testToken),
		chromedp.Submit(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#faq-version")),
	)
}

func TestBrowserLogIn(t *testing.T) {
	h := newHarness(t, nil)
	ctx := browser(t)
	run(t, ctx, "a wrong token",
		chromedp.Navigate(h.srv.URL+"/admin/login"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), "wrong"),
		chromedp.Submit(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#login-error")),
	)
	if got := text(t, ctx, "#login-error"); !strings.Contains(got, "not the admin token") {
		t.Errorf("the error says %q", got)
	}
	h.clock.Advance(2 * time.Second) // past the back-off
	logIn(t, ctx, h)
	if got, want := text(t, ctx, "#faq-version"), h.live.Current().Version(); got != want {
		t.Errorf("the overview shows version %q, want %q", got, want)
	}
	if got := text(t, ctx, "#actions"); !strings.Contains(got, "login failed") || !strings.Contains(strings.ReplaceAll(got, "login failed", ""), "login") {
		t.Errorf("the admin actions do not show the failed and the good login: %q", got)
	}
}

func TestBrowserTestPane(t *testing.T) {
	h := newHarness(t, nil)
	ctx := browser(t)
	logIn(t, ctx, h)
	tests := []struct {
		name, question          string
		outcome, urgency, lang  string
		telegramHas, discordHas string
		answered                bool
	}{
		{"an emergency in Italian", "Aiuto! Il mio amico non respira, chiamate un'ambulanza!", "answer: emergency-112", "urgent", "it", "112", "112", true},
		{"out of scope", "What's the best pizza recipe in Naples?", "none", "none", "en", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run(t, ctx, "run the test pane",
				chromedp.Navigate(h.srv.URL+"/admin/test"),
				chromedp.WaitVisible(chromedp.CSS("#question")),
				chromedp.SetValue(chromedp.CSS("#question"), tc.question),
				chromedp.Click(chromedp.CSS("#test-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#outcome")),
			)
			outcome, urgency, lang := text(t, ctx, "#outcome"), text(t, ctx, "#urgency"), text(t, ctx, "#language")
			if strings.TrimSpace(outcome) != tc.outcome || strings.TrimSpace(urgency) != tc.urgency || strings.TrimSpace(lang) != tc.lang {
				t.Errorf("outcome %q, urgency %q, language %q; want %q, %q, %q", outcome, urgency, lang, tc.outcome, tc.urgency, tc.lang)
			}
			if rows := get(t, ctx, "count candidates", chromedp.Evaluate[int](`document.querySelectorAll("#candidates tbody tr").length`)); rows != 5 {
				t.Errorf("%d candidate rows, want the five best", rows)
			}
			chosen := get(t, ctx, "count the answered row", chromedp.Evaluate[int](`document.querySelectorAll("#candidates tbody tr.chosen").length`))
			if (chosen == 1) != tc.answered {
				t.Errorf("%d candidate rows marked as the answer; answered: %v", chosen, tc.answered)
			}
			if got := text(t, ctx, "#unknown"); strings.Contains(got, "None:") || got == "" {
				t.Errorf("no unknown words shown: %q", got)
			}
			tg, dc := text(t, ctx, ".tg-message"), text(t, ctx, ".dc-message")
			if tg == "" || dc == "" || !strings.Contains(tg, tc.telegramHas) || !strings.Contains(dc, tc.discordHas) {
				t.Errorf("previews lack %q / %q:\nTelegram: %s\nDiscord: %s", tc.telegramHas, tc.discordHas, tg, dc)
			}
		})
	}
}

func TestBrowserPromoteShowsTheNewVersion(t *testing.T) {
	h := newHarness(t, nil)
	ctx := browser(t)
	logIn(t, ctx, h)
	before := text(t, ctx, "#faq-version")
	run(t, ctx, "promote a cluster",
		chromedp.Navigate(h.srv.URL+"/admin/review"),
		chromedp.WaitVisible(chromedp.CSS("#cluster-c1")),
		chromedp.SetValue(chromedp.CSS("#entry-c1"), "consulate-milan"),
		chromedp.Click(chromedp.CSS(`#cluster-c1 button[value="alternate"]`)),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if got := text(t, ctx, "#flash"); !strings.Contains(got, "now serving version") {
		t.Errorf("the review page said %q", got)
	}
	run(t, ctx, "open the overview",
		chromedp.Navigate(h.srv.URL+"/admin/"),
		chromedp.WaitVisible(chromedp.CSS("#faq-version")),
	)
	if after := text(t, ctx, "#faq-version"); after == before || after != h.live.Current().Version() {
		t.Errorf("the overview shows version %q after the promote (before %q); serving %q", after, before, h.live.Current().Version())
	}
	if p := h.review.promotions(); len(p) != 1 || p[0].Entry != "consulate-milan" || p[0].ClusterID != "c1" {
		t.Errorf("promotions %+v", p)
	}
}

func TestBrowserBadDraftShowsProblems(t *testing.T) {
	h := newHarness(t, nil)
	ctx := browser(t)
	logIn(t, ctx, h)
	draft := "version: 1\nentries:\n  - id: passport\n    question: \"Lost passport?\"\n    answer: \"Call the consulate.\"\n    follow_ups: [nowhere]\n    colour: blue\n"
	run(t, ctx, "check a bad draft",
		chromedp.Navigate(h.srv.URL+"/admin/test"),
		chromedp.WaitVisible(chromedp.CSS("#draft")),
		chromedp.SetValue(chromedp.CSS("#draft"), draft),
		chromedp.Click(chromedp.CSS("#draft-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#draft-problems")),
	)
	problems := text(t, ctx, "#draft-problems")
	for _, want := range []string{"draft.yaml:7:", "draft.yaml:6:"} {
		if !strings.Contains(problems, want) {
			t.Errorf("the problems lack %q:\n%s", want, problems)
		}
	}
}

// TestScreenshots writes the README's screenshots when -screenshots is
// given: go test ./cmd/travelbot/console -run TestScreenshots -screenshots docs.
func TestScreenshots(t *testing.T) {
	if *screenshots == "" {
		t.Skip("no -screenshots DIR")
	}
	h := newHarness(t, nil)
	seedTraffic(t, h)
	ctx := browser(t)
	logIn(t, ctx, h)
	run(t, ctx, "open the overview",
		chromedp.Navigate(h.srv.URL+"/admin/"),
		chromedp.WaitVisible(chromedp.CSS("#faq-version")),
	)
	overview := get(t, ctx, "screenshot the overview", chromedp.FullScreenshot(100))
	run(t, ctx, "run the test pane",
		chromedp.Navigate(h.srv.URL+"/admin/test"),
		chromedp.WaitVisible(chromedp.CSS("#question")),
		chromedp.SetValue(chromedp.CSS("#question"), "Aiuto! Il mio amico non respira, chiamate un'ambulanza!"),
		chromedp.Click(chromedp.CSS("#test-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#outcome")),
	)
	pane := get(t, ctx, "screenshot the test pane", chromedp.FullScreenshot(100))
	if err := os.MkdirAll(*screenshots, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, png := range map[string][]byte{"console-overview.png": overview, "console-test-pane.png": pane} {
		p := filepath.Join(*screenshots, name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", p, len(png))
	}
}

// seedTraffic records a plausible day of questions and votes, and a failed
// reload, for the screenshots.
func seedTraffic(t testing.TB, h *harness) {
	t.Helper()
	now := h.clock.Now()
	entries := []string{"consulate-milan", "emergency-112", "step-enrollment", "citizen-services", "games-dates"}
	var b store.Batch
	n := 0
	for hour := range 24 {
		for i := range 3 + (hour*7)%11 {
			n++
			outcome, entry, urgency := "answer", entries[(i+hour)%len(entries)], "none"
			switch {
			case i%7 == 3:
				outcome, entry = "clarify", ""
			case i%5 == 4:
				outcome, entry = "none", ""
			case hour%9 == 2 && i == 0:
				entry, urgency = "emergency-112", "urgent"
			}
			id := fmt.Sprintf("q%d", n)
			b.Questions = append(b.Questions, store.Question{ID: id, Time: now.Add(-time.Duration(hour)*time.Hour - time.Duration(i)*time.Minute), Channel: "telegram", ChatKind: "private", Outcome: outcome, Entry: entry, Urgency: urgency, Language: "en"})
			if outcome == "answer" && i%2 == 0 {
				vote := store.VoteUp
				if i%4 == 2 {
					vote = store.VoteDown
				}
				b.Events = append(b.Events, store.Event{QuestionID: id, Time: now, Kind: store.EventVote, UserHash: "u" + id, Vote: vote})
			}
		}
	}
	if err := h.db.Write(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	good := string(mustRead(t, h.faqPath))
	writeFileT(t, h.faqPath, strings.Replace(good, "version: 1\n", "version: 1\ncolour: blue\n", 1))
	h.reloader.Reload(context.Background(), "file")
	writeFileT(t, h.faqPath, good)
	h.reloader.Reload(context.Background(), "file")
}
