package telegram_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"travelbot/bot"
	"travelbot/bot/telegram"
	"travelbot/bot/telegram/telegramtest"
	"travelbot/faq"
	"travelbot/internal/testutil"
)

// The test FAQ. Questions share no words, so any matcher answers each one
// asked verbatim with its own entry. FAQ text carries HTML-looking text on
// purpose: it must reach the user as text.
var testFAQ = `version: 1
about: I answer questions about traveling to the Milan-Cortina 2026 Winter Games.
sources:
  - id: state
    publisher: U.S. Department of State
    title: Italy <Travel> & "Advisory"
    date: 2025-01-10
    url: https://travel.state.gov/italy?a=1&b=2
  - id: comune
    publisher: Comune di Milano
    title: Trams & buses
    date: 2025-02-01
entries:
  - id: emergency-112
    question: Emergency help
    answer: Call 112 for police, ambulance and fire. Then call the U.S. consulate.
    citations:
      - source: state
        quote: Dial 112.
    tags: [emergency]
  - id: consulate
    question: Where is the U.S. consulate?
    answer: 'Via Principe Amedeo 2/10, Milan. Bring <b>ID</b> & your </a> passport; "walk-ins" < appointments > none.'
    citations:
      - source: state
        quote: Consulate General Milan.
      - source: comune
        quote: Tram 1.
    follow_ups: [passport, emergency-112, ` + longID + `]
  - id: passport
    question: Lost passport
    answer: Report it to the police, then book an emergency passport appointment.
    citations:
      - source: state
        quote: Lost passports.
  - id: ` + longID + `
    question: Parking near venues
    answer: There is no public parking near the venues. Take the shuttle.
    citations:
      - source: comune
        quote: No parking.
  - id: transit-guide
    question: Full transit guide
    answer: |
` + longAnswer() + `
    citations:
      - source: comune
        quote: Trams.
`

// longID does not fit in 64 bytes of callback data.
const longID = "parking-near-the-olympic-venues-in-milan-and-cortina-during-the-games-2026"

const (
	consulateQ = "Where is the U.S. consulate?"
	transitQ   = "Full transit guide"
	adminID    = 7
)

// longAnswer is about 12,000 characters in 40 paragraphs, indented for a
// YAML block scalar; paragraph k starts with "Paragraph k:".
func longAnswer() string {
	var sb strings.Builder
	for k := 1; k <= 40; k++ {
		if k > 1 {
			sb.WriteString("\n")
		}
		fmt.Fprintf(&sb, "      Paragraph %d: %s\n", k, strings.Repeat("Trams & metro run <late>; buy tickets first. ", 6))
	}
	return strings.TrimRight(sb.String(), "\n")
}

// testTable is the test FAQ compiled once for the test binary: every
// adapter a test starts gets a bot, and compiling for each was a good part
// of the package's time under the race detector. A table is read-only once
// compiled, so the bots can share it.
var testTable = sync.OnceValues(func() (*faq.Table, error) {
	f, err := faq.Parse("test.yaml", []byte(testFAQ))
	if err != nil {
		return nil, fmt.Errorf("test FAQ: %w", err)
	}
	return faq.Compile(f)
})

func newBot(t *testing.T, reloader bot.Reloader) *bot.Bot {
	t.Helper()
	tbl, err := testTable()
	if err != nil {
		t.Fatalf("compile test FAQ: %v", err)
	}
	return bot.New(bot.Options{
		Tables:   faq.NewLive(tbl),
		Reloader: reloader,
		Admins:   map[string][]string{"telegram": {fmt.Sprint(adminID)}},
	})
}

// fakeConv is a Conversation with function fields; nil fields fall back to
// the real bot.
type fakeConv struct {
	real    *bot.Bot
	handle  func(ctx context.Context, m bot.Message) bot.Reply
	entry   func(id string) bot.Reply
	suggest func(prefix string, n int) []bot.Choice
}

func (c *fakeConv) Feedback(ctx context.Context, m bot.Message, questionID string, vote bot.Vote) bot.Reply {
	return c.real.Feedback(ctx, m, questionID, vote)
}

func (c *fakeConv) NoneOfThese(ctx context.Context, m bot.Message, questionID string) bot.Reply {
	return c.real.NoneOfThese(ctx, m, questionID)
}

func (c *fakeConv) Handle(ctx context.Context, m bot.Message) bot.Reply {
	if c.handle != nil {
		return c.handle(ctx, m)
	}
	return c.real.Handle(ctx, m)
}

func (c *fakeConv) EntryReply(id string) bot.Reply {
	if c.entry != nil {
		return c.entry(id)
	}
	return c.real.EntryReply(id)
}

func (c *fakeConv) Pick(_ context.Context, _ bot.Message, id string) bot.Reply {
	return c.EntryReply(id)
}

func (c *fakeConv) Suggest(prefix string, n int) []bot.Choice {
	if c.suggest != nil {
		return c.suggest(prefix, n)
	}
	return c.real.Suggest(prefix, n)
}

// events counts API errors and retries per method.
type events struct {
	mu      sync.Mutex
	errors  map[string]int
	retries map[string]int
}

func (e *events) APIError(_, method string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errors[method]++
}

func (e *events) APIRetry(_, method string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.retries[method]++
}

func (e *events) count(m map[string]int, method string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return m[method]
}

// env is one adapter running against one fake server.
type env struct {
	t       *testing.T
	fake    *telegramtest.Server
	bot     *bot.Bot
	adapter *telegram.Adapter
	events  *events
	sleeps  *testutil.Sleeps
	logs    *testutil.SyncBuffer
	cancel  context.CancelFunc
	done    chan error
}

// options returns fast test options against fake.
func options(fake *telegramtest.Server, conv telegram.Conversation, ev *events, sl *testutil.Sleeps, logs *testutil.SyncBuffer) telegram.Options {
	return telegram.Options{
		Token:        telegramtest.Token,
		APIBase:      fake.URL,
		Conversation: conv,
		Logger:       slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Events:       ev,
		PollTimeout:  time.Second,
		Limits:       telegram.Limits{Global: rate.Inf, Chat: rate.Inf, Group: rate.Inf},
		Sleep:        sl.Sleep,
		SendTimeout:  5 * time.Second,
	}
}

// pollSecond is how long a second of getUpdates' timeout lasts on the
// fakes tests run against (see newFake).
const pollSecond = 20 * time.Millisecond

// newFake returns a fake server on which a long poll that finds nothing
// lasts its timeout in units of pollSecond. Options' PollTimeout and the
// 1 s poll the adapter confirms its offset with at shutdown would
// otherwise cost every test a second of waiting on an idle poll; what each
// poll returns, and when it returns early, is the same.
func newFake(t *testing.T) *telegramtest.Server {
	t.Helper()
	fake := telegramtest.New(t)
	fake.SetLongPollSecond(pollSecond)
	return fake
}

// start runs an adapter against a new fake. conv nil: the real bot.
func start(t *testing.T, conv telegram.Conversation, tweak func(*telegram.Options)) *env {
	t.Helper()
	return startOn(t, newFake(t), conv, nil, tweak)
}

func startOn(t *testing.T, fake *telegramtest.Server, conv telegram.Conversation, reloader bot.Reloader, tweak func(*telegram.Options)) *env {
	t.Helper()
	return startWith(t, fake, conv, reloader, tweak, nil)
}

// startWith is startOn with a hook that sees the env, adapter made, before
// Run starts: for the export_test.go setters.
func startWith(t *testing.T, fake *telegramtest.Server, conv telegram.Conversation, reloader bot.Reloader, tweak func(*telegram.Options), prepare func(*env)) *env {
	t.Helper()
	e := &env{
		t:      t,
		fake:   fake,
		bot:    newBot(t, reloader),
		events: &events{errors: map[string]int{}, retries: map[string]int{}},
		sleeps: &testutil.Sleeps{},
		logs:   &testutil.SyncBuffer{},
		done:   make(chan error, 1),
	}
	if conv == nil {
		conv = e.bot
	}
	if fc, ok := conv.(*fakeConv); ok && fc.real == nil {
		fc.real = e.bot
	}
	o := options(fake, conv, e.events, e.sleeps, e.logs)
	if tweak != nil {
		tweak(&o)
	}
	a, err := telegram.New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// Updates in flight are re-polled after milliseconds, not 250 ms
	// doubling to 2 s: tests that wait for the loop to poll again, or for
	// another chat's update, wait that long.
	telegram.SetRepoll(a, time.Millisecond, 20*time.Millisecond)
	e.adapter = a
	if prepare != nil {
		prepare(e)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	go func() { e.done <- a.Run(ctx) }()
	t.Cleanup(func() { e.stop() })
	return e
}

// stop cancels Run and waits for it; it returns Run's error.
func (e *env) stop() error {
	e.t.Helper()
	e.cancel()
	select {
	case err, ok := <-e.done:
		if ok {
			close(e.done)
		}
		return err
	case <-time.After(10 * time.Second):
		e.t.Fatalf("Run did not return within 10s of cancel")
		return nil
	}
}

// waitTimeout bounds every wait on the fake: it is how long before a test
// gives up, not how long it waits (waits end as soon as their condition
// holds), so it is generous for a loaded machine and the race detector.
const waitTimeout = 30 * time.Second

// waitSent waits until chat has received at least n messages and returns
// them.
func (e *env) waitSent(chatID int64, n int) []telegramtest.Sent {
	e.t.Helper()
	if !e.fake.WaitUntil(waitTimeout, func() bool { return len(e.fake.SentTo(chatID)) >= n }) {
		e.t.Fatalf("chat %d: got %d messages, want %d; calls: %s", chatID, len(e.fake.SentTo(chatID)), n, summarize(e.fake.Calls()))
	}
	return e.fake.SentTo(chatID)
}

// settle waits until every queued update has been confirmed, then for one
// more poll, so anything the adapter would send has been sent.
func (e *env) settle() {
	e.t.Helper()
	if !e.fake.WaitUntil(waitTimeout, func() bool { return e.fake.Pending() == 0 && e.fake.Polling() > 0 }) {
		e.t.Fatalf("updates not confirmed within %v: %d pending", waitTimeout, e.fake.Pending())
	}
}

func summarize(calls []telegramtest.Call) string {
	var sb strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&sb, "\n  %s code=%d %s", c.Method, c.Code, c.Description)
	}
	return sb.String()
}

// firstLine is a message's first visible line.
func firstLine(s telegramtest.Sent) string {
	line, _, _ := strings.Cut(s.Visible, "\n")
	return line
}

// buttonData lists the callback data of a message's buttons.
func buttonData(s telegramtest.Sent) []string {
	var out []string
	for _, row := range s.Buttons {
		for _, b := range row {
			if b.CallbackData != nil {
				out = append(out, *b.CallbackData)
			}
		}
	}
	return out
}
