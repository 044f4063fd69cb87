package discord_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"travelbot/bot"
	"travelbot/bot/discord"
	"travelbot/bot/discord/discordtest"
	"travelbot/faq"
	"travelbot/internal/testutil"
)

// wait bounds every wait on the fake; nothing here should take long.
const wait = 10 * time.Second

const testFAQ = `version: 1
about: "I answer test questions about the Games."
sources:
  - id: embassy
    publisher: U.S. Embassy & Consulates in Italy
    title: "Consulate General Milan [contact]"
    date: 2026-01-27
    url: https://it.usembassy.gov/embassy-consulates/milan/
entries:
  - id: emergency-112
    question: What should I do in an emergency in Italy?
    alternates: [help me now, call the police]
    answer: Call 112 now. It is free from any phone.
    citations:
      - source: embassy
        quote: "Call 112 for police, ambulance and fire."
    tags: [emergency]
    follow_ups: [consulate-milan]
  - id: consulate-milan
    question: How do I contact the U.S. Consulate General in Milan?
    alternates: [consulate phone number, american consulate milano]
    answer: The Consulate General in Milan helps U.S. citizens. @everyone can call it.
    citations:
      - source: embassy
        quote: "The Consulate General in Milan provides services to U.S. citizens."
    follow_ups: [games-dates, emergency-112]
  - id: games-dates
    question: When do the Winter Games start?
    alternates: [opening ceremony date, olympics start date]
    answer: The Olympic Winter Games run from February 6 to February 22, 2026.
    citations:
      - source: embassy
        quote: "The Games open on February 6, 2026."
`

// testTable is testFAQ compiled once for the test binary, which most
// tests' bots share: a table is read-only once compiled.
var testTable = sync.OnceValues(func() (*faq.Table, error) {
	f, err := faq.Parse("test.yaml", []byte(testFAQ))
	if err != nil {
		return nil, fmt.Errorf("parse test FAQ: %w", err)
	}
	return faq.Compile(f)
})

// newBot builds the real conversation over testFAQ. Admin "42" may reload.
func newBot(t *testing.T, r bot.Reloader) *bot.Bot {
	t.Helper()
	tab, err := testTable()
	if err != nil {
		t.Fatalf("compile test FAQ: %v", err)
	}
	return bot.New(bot.Options{
		Tables:   faq.NewLive(tab),
		Reloader: r,
		Admins:   map[string][]string{"discord": {"42"}},
	})
}

// fakeConv is a Conversation whose behaviour each test sets; unset methods
// answer with a help reply.
type fakeConv struct {
	handle  func(context.Context, bot.Message) bot.Reply
	ask     func(context.Context, bot.Message) bot.Reply
	entry   func(string) bot.Reply
	suggest func(string, int) []bot.Choice
	topics  func() bot.Reply
	reload  func(context.Context, bot.Message) bot.Reply
	// feedback answers votes; nil thanks.
	feedback func(context.Context, bot.Message, string, bot.Vote) bot.Reply
}

var helpReply = bot.Reply{Kind: bot.KindHelp, Text: "fake help"}

func (f *fakeConv) Handle(ctx context.Context, m bot.Message) bot.Reply {
	if f.handle != nil {
		return f.handle(ctx, m)
	}
	return helpReply
}

func (f *fakeConv) Ask(ctx context.Context, m bot.Message) bot.Reply {
	if f.ask != nil {
		return f.ask(ctx, m)
	}
	return helpReply
}

func (f *fakeConv) EntryReply(id string) bot.Reply {
	if f.entry != nil {
		return f.entry(id)
	}
	return bot.Reply{Kind: bot.KindNone, Text: "unknown"}
}

func (f *fakeConv) Pick(_ context.Context, _ bot.Message, id string) bot.Reply {
	return f.EntryReply(id)
}

func (f *fakeConv) Suggest(p string, n int) []bot.Choice {
	if f.suggest != nil {
		return f.suggest(p, n)
	}
	return nil
}

func (f *fakeConv) HelpFor(bool) bot.Reply { return helpReply }

func (f *fakeConv) Feedback(ctx context.Context, m bot.Message, qid string, v bot.Vote) bot.Reply {
	if f.feedback != nil {
		return f.feedback(ctx, m, qid, v)
	}
	return bot.Reply{Kind: bot.KindFeedback, Text: "thanks"}
}

func (f *fakeConv) NoneOfThese(ctx context.Context, m bot.Message, qid string) bot.Reply {
	return bot.Reply{Kind: bot.KindNone, Text: "none of these: " + qid}
}

func (f *fakeConv) Topics() bot.Reply {
	if f.topics != nil {
		return f.topics()
	}
	return helpReply
}

func (f *fakeConv) Reload(ctx context.Context, m bot.Message) bot.Reply {
	if f.reload != nil {
		return f.reload(ctx, m)
	}
	return helpReply
}

// events counts API errors and retries by method.
type events struct {
	mu      sync.Mutex
	errors  map[string]int
	retries map[string]int
	changed chan struct{} // closed and replaced on every event
}

func newEvents() *events {
	return &events{errors: map[string]int{}, retries: map[string]int{}, changed: make(chan struct{})}
}

func (e *events) bump() {
	close(e.changed)
	e.changed = make(chan struct{})
}

func (e *events) APIError(_, method string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errors[method]++
	e.bump()
}

func (e *events) APIRetry(_, method string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.retries[method]++
	e.bump()
}

func (e *events) counts(method string) (errs, retries int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.errors[method], e.retries[method]
}

// waitRetries waits until method has been retried n times.
func (e *events) waitRetries(method string, n int) bool {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		e.mu.Lock()
		got, ch := e.retries[method], e.changed
		e.mu.Unlock()
		if got >= n {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}

// harness runs an Adapter against a fake Discord.
type harness struct {
	t      *testing.T
	srv    *discordtest.Server
	a      *discord.Adapter
	logs   *testutil.SyncBuffer
	events *events
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	runErr error
}

// start runs an adapter (ephemeral by default) against a new fake and
// waits until it has registered its commands. At the end of the test it
// stops the adapter and checks that the token was never logged; the fake
// itself fails the test for any request or gateway frame Discord would
// refuse.
func start(t *testing.T, conv discord.Conversation, mod ...func(*discord.Options)) *harness {
	t.Helper()
	return startOn(t, discordtest.New(t), conv, mod...)
}

// Fast timings every harness adapter runs with: retries and reconnects
// wait milliseconds where production waits 100 ms and 1 s, and a new
// session follows the last IDENTIFY after identifyGap, not 5 s. The fake
// refuses two IDENTIFYs closer than identifyWindow: half the gap, because
// the client times the gap from when it sent the first and the fake from
// when it read it, which on a loaded machine can be milliseconds later.
const (
	reconnectBackoff = 10 * time.Millisecond
	restBackoff      = 5 * time.Millisecond
	identifyGap      = 50 * time.Millisecond
	identifyWindow   = identifyGap / 2
)

// startOn is start against srv, which the test may have set up.
func startOn(t *testing.T, srv *discordtest.Server, conv discord.Conversation, mod ...func(*discord.Options)) *harness {
	t.Helper()
	h := &harness{t: t, srv: srv, logs: &testutil.SyncBuffer{}, events: newEvents()}
	o := discord.Options{
		Token:        discordtest.Token,
		APIBase:      h.srv.URL,
		Ephemeral:    true,
		Conversation: conv,
		Logger:       slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Events:       h.events,
	}
	discord.SetBackoffs(&o, reconnectBackoff, restBackoff)
	discord.SetIdentifyInterval(&o, identifyGap)
	srv.SetIdentifyWindow(identifyWindow)
	for _, m := range mod {
		m(&o)
	}
	a, err := discord.New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.a = a
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		if err := h.stop(); err != nil {
			t.Errorf("Run returned %v, want nil", err)
		}
		if strings.Contains(h.logs.String(), discordtest.Token) {
			t.Errorf("the token appears in the logs")
		}
		if t.Failed() {
			t.Logf("logs:\n%s", h.logs.String())
		}
	})
	if _, err := h.srv.Wait(wait, discordtest.Is("PUT", "/api/v9/applications/")); err != nil {
		t.Fatalf("commands never registered: %v", err)
	}
	return h
}

// stop cancels Run and waits for it to return.
func (h *harness) stop() error {
	h.once.Do(func() {
		h.cancel()
		select {
		case h.runErr = <-h.done:
		case <-time.After(wait):
			h.runErr = fmt.Errorf("Run did not return within %v of cancel", wait)
		}
	})
	return h.runErr
}

// interact dispatches ix and returns its first n responses (callback,
// edits, follow-ups), in order.
func (h *harness) interact(ix discordtest.Interaction, n int) []discordtest.Request {
	h.t.Helper()
	if err := h.srv.Interact(ix); err != nil {
		h.t.Fatalf("interact: %v", err)
	}
	rs, err := h.srv.WaitN(wait, n, discordtest.ForInteraction(ix.Token))
	if err != nil {
		h.t.Fatalf("waiting for %d responses: %v (got %v)", n, err, rs)
	}
	return rs
}

// callback decodes an interaction response and its message data.
func callback(t *testing.T, r discordtest.Request) (int, discordtest.WireMessage) {
	t.Helper()
	var cb discordtest.WireCallback
	if err := r.Decode(&cb); err != nil {
		t.Fatalf("decode callback %s: %v", r, err)
	}
	var m discordtest.WireMessage
	if len(cb.Data) > 0 && cb.Type != 8 {
		if err := json.Unmarshal(cb.Data, &m); err != nil {
			t.Fatalf("decode callback data %s: %v", r, err)
		}
	}
	return cb.Type, m
}

func message(t *testing.T, r discordtest.Request) discordtest.WireMessage {
	t.Helper()
	var m discordtest.WireMessage
	if err := r.Decode(&m); err != nil {
		t.Fatalf("decode message %s: %v", r, err)
	}
	return m
}

func content(m discordtest.WireMessage) string {
	if m.Content == nil {
		return ""
	}
	return *m.Content
}

// buttons lists the custom ids of a message's buttons, row by row.
func buttons(m discordtest.WireMessage) []string {
	var ids []string
	for _, row := range m.Components {
		for _, b := range row.Components {
			ids = append(ids, b.CustomID)
		}
	}
	return ids
}

func isCallback(r discordtest.Request) bool { return strings.HasSuffix(r.Path, "/callback") }

func TestStartRegistersCommandsAndIdentifies(t *testing.T) {
	t.Parallel()
	const base = 1 | 1<<9 | 1<<12 // guilds, guild messages, direct messages
	cases := []struct {
		name           string
		guild          string
		messageContent bool
		wantPath       string
		wantIntents    int
	}{
		{"global", "", false, "/api/v9/applications/" + discordtest.AppID + "/commands", base},
		{"guild with message content", discordtest.Guild, true, "/api/v9/applications/" + discordtest.AppID + "/guilds/" + discordtest.Guild + "/commands", base | 1<<15},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, &fakeConv{}, func(o *discord.Options) { o.Guild, o.MessageContent = c.guild, c.messageContent })
			put, _ := h.srv.Wait(wait, discordtest.Is("PUT", "/api/v9/applications/"))
			if put.Path != c.wantPath {
				t.Errorf("commands registered at %s, want %s", put.Path, c.wantPath)
			}
			var cmds []struct {
				Name        string `json:"name"`
				Description string `json:"description"`
				Perms       *int64 `json:"default_member_permissions"`
				DM          *bool  `json:"dm_permission"`
				Options     []struct {
					Name         string `json:"name"`
					Type         int    `json:"type"`
					Required     bool   `json:"required"`
					Autocomplete bool   `json:"autocomplete"`
				} `json:"options"`
			}
			if err := put.Decode(&cmds); err != nil {
				t.Fatalf("decode commands: %v", err)
			}
			byName := map[string]int{}
			for i, cmd := range cmds {
				byName[cmd.Name] = i
			}
			for _, want := range []string{"ask", "topics", "help", "reload"} {
				if _, ok := byName[want]; !ok {
					t.Errorf("command /%s not registered (got %+v)", want, cmds)
				}
			}
			if len(cmds) != 4 {
				t.Errorf("registered %d commands, want 4", len(cmds))
			}
			if i, ok := byName["ask"]; ok {
				o := cmds[i].Options
				if len(o) != 1 || o[0].Name != "question" || o[0].Type != 3 || !o[0].Required || !o[0].Autocomplete {
					t.Errorf("/ask options = %+v, want one required string option question with autocomplete", o)
				}
			}
			if i, ok := byName["reload"]; ok {
				r := cmds[i]
				if r.Perms == nil || *r.Perms != 32 {
					t.Errorf("/reload default_member_permissions = %v, want 32 (Manage Server)", r.Perms)
				}
				if r.DM == nil || *r.DM {
					t.Errorf("/reload dm_permission = %v, want false", r.DM)
				}
			}
			for _, name := range []string{"ask", "topics", "help"} {
				if i, ok := byName[name]; ok && cmds[i].Perms != nil {
					t.Errorf("/%s has default_member_permissions %d; everyone should see it", name, *cmds[i].Perms)
				}
			}
			ids := h.srv.Identifies()
			if len(ids) != 1 || ids[0].Intents != c.wantIntents {
				t.Errorf("IDENTIFY = %+v, want one with intents %d", ids, c.wantIntents)
			}
			if !h.a.Connected() {
				t.Errorf("Connected() = false after READY")
			}
			if err := h.stop(); err != nil {
				t.Errorf("Run: %v", err)
			}
			if h.a.Connected() {
				t.Errorf("Connected() = true after Run returned")
			}
		})
	}
}

func TestRejectedTokenFailsRunWithoutLeakingIt(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	const secret = "wrong-secret-token-123"
	logs := &testutil.SyncBuffer{}
	a, err := discord.New(discord.Options{Token: secret, APIBase: srv.URL, Conversation: &fakeConv{},
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(context.Background()) }()
	select {
	case err = <-done:
	case <-time.After(wait):
		t.Fatal("Run did not give up on a rejected token")
	}
	if err == nil {
		t.Fatal("Run returned nil for a rejected token")
	}
	t.Logf("Run: %v", err)
	if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
		t.Errorf("the token leaked: err %q, logs %q", err, logs.String())
	}
}

func TestAsk(t *testing.T) {
	t.Parallel()
	h := start(t, newBot(t, nil))
	cases := []struct {
		name        string
		question    string
		wantTitle   string
		wantContent string // prefix of the content above the embed
		wantButtons []string
	}{
		{"entry id from autocomplete", "consulate-milan", "How do I contact the U.S. Consulate General in Milan?", "", []string{"e:games-dates", "e:emergency-112"}},
		{"exact question", "When do the Winter Games start?", "When do the Winter Games start?", "", nil},
		{"emergency entry picked", "emergency-112", "What should I do in an emergency in Italy?", "", []string{"e:consulate-milan"}},
	}
	for _, c := range cases {
		rs := h.interact(h.srv.Command("7", true, "ask", "question", c.question), 1)
		typ, m := callback(t, rs[0])
		if typ != 4 || m.Flags != 64 {
			t.Errorf("%s: response type %d flags %d, want 4 and 64 (ephemeral)", c.name, typ, m.Flags)
		}
		if len(m.Embeds) != 1 || m.Embeds[0].Title != c.wantTitle {
			t.Errorf("%s: embeds %+v, want one titled %q", c.name, m.Embeds, c.wantTitle)
			continue
		}
		if !strings.HasPrefix(content(m), c.wantContent) || (c.wantContent == "" && content(m) != "") {
			t.Errorf("%s: content %q, want it to start with %q", c.name, content(m), c.wantContent)
		}
		e := m.Embeds[0]
		if e.Description == "" || len(e.Fields) != 1 {
			t.Errorf("%s: embed %+v, want the answer and one source field", c.name, e)
		} else {
			f := e.Fields[0]
			if f.Name != "U.S. Embassy & Consulates in Italy · 2026-01-27" ||
				!strings.HasPrefix(f.Value, `[Consulate General Milan \[contact\]](https://it.usembassy.gov/embassy-consulates/milan/)`) ||
				!strings.Contains(f.Value, "\n> ") {
				t.Errorf("%s: source field %+v, want publisher · date, then the linked title and the quote", c.name, f)
			}
		}
		if got := buttons(m); strings.Join(got, " ") != strings.Join(c.wantButtons, " ") {
			t.Errorf("%s: buttons %v, want %v", c.name, got, c.wantButtons)
		}
	}
}

func TestPublicModeKeepsHelpPrivate(t *testing.T) {
	t.Parallel()
	h := start(t, newBot(t, nil), func(o *discord.Options) { o.Ephemeral = false })
	cases := []struct {
		name      string
		ix        discordtest.Interaction
		wantFlags int
	}{
		{"answer is public", h.srv.Command("7", true, "ask", "question", "games-dates"), 0},
		{"help is private", h.srv.Command("7", true, "help"), 64},
		{"topics are private", h.srv.Command("7", true, "topics"), 64},
	}
	for _, c := range cases {
		rs := h.interact(c.ix, 1)
		if typ, m := callback(t, rs[0]); typ != 4 || m.Flags != c.wantFlags {
			t.Errorf("%s: type %d flags %d, want 4 and %d", c.name, typ, m.Flags, c.wantFlags)
		}
	}
}

func TestHelpAndTopics(t *testing.T) {
	t.Parallel()
	b := newBot(t, nil)
	h := start(t, b)
	rs := h.interact(h.srv.Command("7", false, "help"), 1)
	if _, m := callback(t, rs[0]); content(m) != b.Help().Text || len(buttons(m)) == 0 {
		t.Errorf("/help: content %q buttons %v, want the help text with example buttons", content(m), buttons(m))
	}
	rs = h.interact(h.srv.Command("7", false, "topics"), 1)
	_, m := callback(t, rs[0])
	if got := strings.Join(buttons(m), " "); got != "e:emergency-112 e:consulate-milan e:games-dates" {
		t.Errorf("/topics buttons %q, want every entry in file order", got)
	}
}

func TestTopicsPaginate(t *testing.T) {
	t.Parallel()
	var choices []bot.Choice
	for i := range 30 {
		choices = append(choices, bot.Choice{ID: fmt.Sprintf("entry-%02d", i), Question: fmt.Sprintf("Question %d?", i)})
	}
	conv := &fakeConv{topics: func() bot.Reply { return bot.Reply{Kind: bot.KindTopics, Text: "Pick a topic:", Choices: choices} }}
	h := start(t, conv)

	rs := h.interact(h.srv.Command("7", true, "topics"), 1)
	typ, m := callback(t, rs[0])
	ids := buttons(m)
	if typ != 4 || len(m.Components) != 5 || len(ids) != 21 || ids[0] != "e:entry-00" || ids[19] != "e:entry-19" || ids[20] != "t:1" {
		t.Fatalf("page 1: type %d, %d rows, buttons %v; want 20 topics then a More button (t:1)", typ, len(m.Components), ids)
	}
	rs = h.interact(h.srv.Button("7", true, "t:1"), 1)
	typ, m = callback(t, rs[0])
	ids = buttons(m)
	if typ != 7 || len(ids) != 11 || ids[0] != "e:entry-20" || ids[9] != "e:entry-29" || ids[10] != "t:0" {
		t.Errorf("page 2: type %d buttons %v; want the message updated (7) with the last 10 topics and a Previous button (t:0)", typ, ids)
	}
	if !strings.HasSuffix(content(m), "2/2") {
		t.Errorf("page 2 content %q, want it to say page 2/2", content(m))
	}
}

func TestButtonAnswersEntry(t *testing.T) {
	t.Parallel()
	h := start(t, newBot(t, nil))
	rs := h.interact(h.srv.Button("7", true, "e:games-dates"), 1)
	typ, m := callback(t, rs[0])
	if typ != 4 || len(m.Embeds) != 1 || m.Embeds[0].Title != "When do the Winter Games start?" {
		t.Errorf("button press: type %d embeds %+v, want a new message answering games-dates", typ, m.Embeds)
	}
	// A button from before a reload whose entry is gone gets the fallback.
	rs = h.interact(h.srv.Button("7", false, "e:no-such-entry"), 1)
	if _, m := callback(t, rs[0]); !strings.Contains(content(m), "112") || len(m.Embeds) != 0 {
		t.Errorf("stale button: content %q embeds %d, want the honest fallback with 112", content(m), len(m.Embeds))
	}
}

func TestAutocomplete(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 150) // 150 runes, 300 bytes
	var many []bot.Choice
	many = append(many, bot.Choice{ID: strings.Repeat("x", 101), Question: "id too long for a choice value"})
	for i := range 40 {
		many = append(many, bot.Choice{ID: fmt.Sprintf("e%d", i), Question: fmt.Sprintf("%d %s", i, long)})
	}
	var gotPrefix string
	var gotN int
	var mu sync.Mutex
	conv := &fakeConv{suggest: func(p string, n int) []bot.Choice {
		mu.Lock()
		gotPrefix, gotN = p, n
		mu.Unlock()
		if p == "nothing" {
			return nil
		}
		return many
	}}
	h := start(t, conv)

	type choices struct {
		Choices *[]struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"choices"`
	}
	decode := func(r discordtest.Request) []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} {
		var cb struct {
			Type int     `json:"type"`
			Data choices `json:"data"`
		}
		if err := r.Decode(&cb); err != nil || cb.Type != 8 || cb.Data.Choices == nil {
			t.Fatalf("autocomplete response %s: want type 8 with a choices array", r)
		}
		return *cb.Data.Choices
	}

	rs := h.interact(h.srv.Autocomplete("7", true, "ask", "question", "consul"), 1)
	cs := decode(rs[0])
	mu.Lock()
	if gotPrefix != "consul" || gotN != 25 {
		t.Errorf("Suggest(%q, %d), want Suggest(\"consul\", 25)", gotPrefix, gotN)
	}
	mu.Unlock()
	if len(cs) != 25 {
		t.Errorf("%d choices, want 25", len(cs))
	}
	if len(cs) > 0 && (!strings.HasPrefix(cs[0].Value, "#") || cs[0].Name != "id too long for a choice value") {
		t.Errorf("choice 0 %+v, want the entry whose id is too long for a value, by its hash", cs[0])
	}
	for i, c := range cs[min(1, len(cs)):] {
		if n := len([]rune(c.Name)); n > 100 || !strings.HasSuffix(c.Name, "…") {
			t.Errorf("choice %d name has %d runes (%q), want at most 100 ending in …", i+1, n, c.Name)
		}
		if want := fmt.Sprintf("e%d", i); c.Value != want {
			t.Errorf("choice %d value %q, want %q (the entry id)", i+1, c.Value, want)
		}
	}

	rs = h.interact(h.srv.Autocomplete("7", true, "ask", "question", "nothing"), 1)
	if cs := decode(rs[0]); len(cs) != 0 {
		t.Errorf("no suggestions: %d choices, want an empty array", len(cs))
	}
}

func TestAutocompleteWithRealBot(t *testing.T) {
	t.Parallel()
	h := start(t, newBot(t, nil))
	rs := h.interact(h.srv.Autocomplete("7", false, "ask", "question", "consulate"), 1)
	var cb struct {
		Data struct {
			Choices []struct{ Name, Value string } `json:"choices"`
		} `json:"data"`
	}
	if err := rs[0].Decode(&cb); err != nil {
		t.Fatal(err)
	}
	if len(cb.Data.Choices) == 0 || cb.Data.Choices[0].Value != "consulate-milan" {
		t.Errorf("choices for \"consulate\" = %+v, want consulate-milan first", cb.Data.Choices)
	}
}

// reloader counts reloads and answers with a fixed result.
type reloader struct {
	mu    sync.Mutex
	calls int
	res   faq.ReloadResult
}

func (r *reloader) Reload(context.Context, string) faq.ReloadResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	return r.res
}

func TestReload(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		user      string
		res       faq.ReloadResult
		wantStart string
		wantText  string
		wantCalls int
	}{
		{"admin", "42", faq.ReloadResult{OK: true, Changed: true, Version: "v2", Entries: 3}, "Reloaded", "version v2", 1},
		{"admin, broken file", "42", faq.ReloadResult{Version: "v1", Entries: 3, Problems: []faq.Problem{{File: "faq.yaml", Line: 12, Col: 3, Msg: "unknown key \"anwser\""}}}, "Reload failed", "faq.yaml:12:3: unknown key", 1},
		{"not an admin", "7", faq.ReloadResult{OK: true}, "Sorry, only admins can reload", "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rl := &reloader{res: c.res}
			h := start(t, newBot(t, rl))
			rs := h.interact(h.srv.Command(c.user, true, "reload"), 2)
			if typ, m := callback(t, rs[0]); typ != 5 || m.Flags != 64 {
				t.Errorf("first response type %d flags %d, want a private deferral (5, 64)", typ, m.Flags)
			}
			if rs[1].Method != "PATCH" || !strings.HasSuffix(rs[1].Path, "/messages/@original") {
				t.Fatalf("second request %s, want the edit of the original response", rs[1])
			}
			m := message(t, rs[1])
			if !strings.HasPrefix(content(m), c.wantStart) || !strings.Contains(content(m), c.wantText) {
				t.Errorf("reload reply %q, want it to start with %q and contain %q", content(m), c.wantStart, c.wantText)
			}
			rl.mu.Lock()
			if rl.calls != c.wantCalls {
				t.Errorf("reloaded %d times, want %d", rl.calls, c.wantCalls)
			}
			rl.mu.Unlock()
		})
	}
}

// longReply is an answer far over every Discord limit.
func longReply() bot.Reply {
	var para []string
	for i := range 60 {
		para = append(para, fmt.Sprintf("Paragraph %d: %s", i, strings.Repeat(fmt.Sprintf("word%d ", i), 45)))
	}
	r := bot.Reply{Kind: bot.KindAnswer, ID: "long", Question: strings.Repeat("Why so long? ", 30), Answer: strings.Join(para, "\n\n")}
	for i := range 30 {
		r.Citations = append(r.Citations, bot.Citation{Publisher: "Pub", Title: fmt.Sprintf("Title %d", i), Date: "2026-01-27",
			URL: "https://example.com/(x)", Quote: strings.Repeat(fmt.Sprintf("quote%d ", i), 150)})
	}
	for i := range 30 {
		r.FollowUps = append(r.FollowUps, bot.Choice{ID: fmt.Sprintf("f%d", i), Question: strings.Repeat("follow ", 20)})
	}
	return r
}

func TestLongAnswerIsSplitNeverCut(t *testing.T) {
	t.Parallel()
	want := longReply()
	h := start(t, &fakeConv{ask: func(context.Context, bot.Message) bot.Reply { return want }})
	ix := h.srv.Command("7", true, "ask", "question", "why so long")
	h.interact(ix, 1)
	if err := h.stop(); err != nil { // Run returns once every reply in flight is sent
		t.Fatal(err)
	}
	var text strings.Builder
	quotes := map[string]int{}
	var rows int
	var msgs int
	for _, r := range h.srv.Requests() {
		if !discordtest.ForInteraction(ix.Token)(r) {
			continue
		}
		if r.Status >= 300 {
			t.Errorf("request not accepted: %s", r)
		}
		var m discordtest.WireMessage
		if isCallback(r) {
			_, m = callback(t, r)
		} else {
			m = message(t, r)
			if m.Flags != 64 {
				t.Errorf("follow-up flags %d, want 64: a private answer stays private", m.Flags)
			}
		}
		msgs++
		for _, e := range m.Embeds {
			text.WriteString(e.Description + " ")
			for _, f := range e.Fields {
				for _, w := range strings.Fields(f.Value) {
					quotes[w]++
				}
			}
		}
		rows += len(m.Components)
	}
	if msgs < 3 {
		t.Errorf("%d messages, want the answer split over several", msgs)
	}
	// Every word of the question (bolded, as the title had to be cut) and
	// the answer arrives, in order.
	wantWords := strings.Fields("**" + strings.TrimSpace(want.Question) + "** " + want.Answer)
	if got := strings.Fields(text.String()); strings.Join(got, " ") != strings.Join(wantWords, " ") {
		t.Errorf("the answer arrived altered: %d words, want %d", len(got), len(wantWords))
	}
	for _, c := range want.Citations {
		if n := quotes[strings.Fields(c.Quote)[0]]; n != 150 {
			t.Errorf("citation %q: %d words of its quote arrived, want 150", c.Title, n)
		}
	}
	if rows != 4 {
		t.Errorf("%d rows of follow-up buttons, want 4: three of 15 follow-ups and Previous/More", rows)
	}
}

func TestSlowAnswerIsDeferredThenEdited(t *testing.T) {
	t.Parallel()
	asked, release := make(chan struct{}), make(chan struct{})
	conv := &fakeConv{ask: func(ctx context.Context, m bot.Message) bot.Reply {
		close(asked)
		<-release
		return bot.Reply{Kind: bot.KindAnswer, ID: "x", Question: "Slow?", Answer: "Eventually."}
	}}
	h := start(t, conv, func(o *discord.Options) { o.DeferAfter = 10 * time.Millisecond; o.Ephemeral = false })
	ix := h.srv.Command("7", true, "ask", "question", "slow question")
	rs := h.interact(ix, 1)
	<-asked
	if typ, m := callback(t, rs[0]); typ != 5 || m.Flags != 0 {
		t.Errorf("first response type %d flags %d, want a public deferral (5, 0)", typ, m.Flags)
	}
	close(release)
	rs, err := h.srv.WaitN(wait, 2, discordtest.ForInteraction(ix.Token))
	if err != nil {
		t.Fatal(err)
	}
	if m := message(t, rs[1]); rs[1].Method != "PATCH" || len(m.Embeds) != 1 || m.Embeds[0].Description != "Eventually." {
		t.Errorf("second request %s, want the answer edited into the original", rs[1])
	}
}

func TestPanicsAreRecoveredWithAnErrorReply(t *testing.T) {
	t.Parallel()
	conv := &fakeConv{
		ask:     func(context.Context, bot.Message) bot.Reply { panic("boom in ask") },
		suggest: func(string, int) []bot.Choice { panic("boom in suggest") },
		handle:  func(context.Context, bot.Message) bot.Reply { panic("boom in handle") },
	}
	h := start(t, conv)

	rs := h.interact(h.srv.Command("7", true, "ask", "question", "anything at all"), 1)
	if typ, m := callback(t, rs[0]); typ != 4 || m.Flags != 64 || !strings.Contains(content(m), "something went wrong") {
		t.Errorf("/ask: type %d flags %d content %q, want a private error reply", typ, m.Flags, content(m))
	}
	rs = h.interact(h.srv.Autocomplete("7", true, "ask", "question", "any"), 1)
	if typ, _ := callback(t, rs[0]); typ != 8 {
		t.Errorf("autocomplete: type %d, want 8 (an empty list of choices)", typ)
	}
	id, err := h.srv.Send(discordtest.Message{ChannelID: "500000000000000001", AuthorID: "7", Content: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.srv.Wait(wait, discordtest.Is("POST", "/api/v9/channels/500000000000000001/messages"))
	if err != nil {
		t.Fatal(err)
	}
	if m := message(t, r); !strings.Contains(content(m), "something went wrong") || m.Reference == nil || m.Reference.MessageID != id {
		t.Errorf("message: %s, want an error reply to the message", r)
	}
	for _, p := range []string{"boom in ask", "boom in suggest", "boom in handle"} {
		if !strings.Contains(h.logs.String(), p) {
			t.Errorf("the panic %q was not logged", p)
		}
	}
	// Still serving after three panics.
	rs = h.interact(h.srv.Command("7", true, "help"), 1)
	if _, m := callback(t, rs[0]); content(m) != "fake help" {
		t.Errorf("after the panics /help answered %q", content(m))
	}
}

func TestRateLimitThenSuccessRespondsOnce(t *testing.T) {
	t.Parallel()
	h := start(t, newBot(t, nil))
	h.srv.Fail(func(method, path string) bool { return method == "POST" && strings.HasSuffix(path, "/callback") },
		1, 429, `{"message":"You are being rate limited.","retry_after":0.05,"global":false}`)
	ix := h.srv.Command("7", true, "ask", "question", "games-dates")
	h.interact(ix, 2)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for _, r := range h.srv.Requests() {
		if discordtest.ForInteraction(ix.Token)(r) {
			statuses = append(statuses, r.Status)
		}
	}
	if fmt.Sprint(statuses) != "[429 204]" {
		t.Errorf("responses to the interaction got %v, want [429 204]: one retry, one response", statuses)
	}
	if errs, retries := h.events.counts("interaction_respond"); errs != 0 || retries != 1 {
		t.Errorf("events: %d errors, %d retries; want 0 and 1", errs, retries)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	t.Parallel()
	h := start(t, newBot(t, nil))
	h.srv.Fail(func(method, path string) bool {
		return method == "POST" && strings.HasPrefix(path, "/api/v9/channels/")
	},
		2, 500, `{"message":"500: Internal Server Error","code":0}`)
	if _, err := h.srv.Send(discordtest.Message{ChannelID: "500000000000000001", AuthorID: "7", Content: "When do the Winter Games start?"}); err != nil {
		t.Fatal(err)
	}
	rs, err := h.srv.WaitN(wait, 3, discordtest.Is("POST", "/api/v9/channels/500000000000000001/messages"))
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Status != 500 || rs[1].Status != 500 || rs[2].Status != 200 {
		t.Errorf("statuses %d %d %d, want 500 500 200", rs[0].Status, rs[1].Status, rs[2].Status)
	}
	if errs, retries := h.events.counts("channel_message"); errs != 0 || retries != 2 {
		t.Errorf("events: %d errors, %d retries; want 0 and 2", errs, retries)
	}
}

func TestMessages(t *testing.T) {
	t.Parallel()
	b := newBot(t, nil)
	h := start(t, b)
	self := "<@" + discordtest.BotID + ">"
	cases := []struct {
		name      string
		msg       discordtest.Message
		wantTitle string // "" when the reply is text
		wantText  string
	}{
		{"DM", discordtest.Message{ChannelID: "500000000000000002", AuthorID: "7", Content: "When do the Winter Games start?"}, "When do the Winter Games start?", ""},
		{"mention with a question", discordtest.Message{ChannelID: "500000000000000003", GuildID: discordtest.Guild, AuthorID: "7",
			Content: self + " When do the Winter Games start?", Mentions: []string{discordtest.BotID}}, "When do the Winter Games start?", ""},
		{"mention without content", discordtest.Message{ChannelID: "500000000000000004", GuildID: discordtest.Guild, AuthorID: "7",
			Content: "", Mentions: []string{discordtest.BotID}}, "", "Use /ask"},
		{"DM text command", discordtest.Message{ChannelID: "500000000000000005", AuthorID: "7", Content: "/help"}, "", b.HelpFor(false).Text},
	}
	for _, c := range cases {
		id, err := h.srv.Send(c.msg)
		if err != nil {
			t.Fatal(err)
		}
		r, err := h.srv.Wait(wait, discordtest.Is("POST", "/api/v9/channels/"+c.msg.ChannelID+"/messages"))
		if err != nil {
			t.Errorf("%s: no reply: %v", c.name, err)
			continue
		}
		m := message(t, r)
		if m.Reference == nil || m.Reference.MessageID != id {
			t.Errorf("%s: reply %s does not reference message %s", c.name, r, id)
		}
		if m.AllowedMentions == nil || m.AllowedMentions.RepliedUser {
			t.Errorf("%s: the reply pings its author", c.name)
		}
		switch {
		case c.wantTitle != "" && (len(m.Embeds) == 0 || m.Embeds[0].Title != c.wantTitle):
			t.Errorf("%s: embeds %+v, want the answer titled %q", c.name, m.Embeds, c.wantTitle)
		case c.wantText != "" && !strings.HasPrefix(content(m), c.wantText):
			t.Errorf("%s: content %q, want it to start with %q", c.name, content(m), c.wantText)
		}
	}

	// Messages the bot must ignore; then one it answers, in the same
	// channel, so that once Run has returned any reply would be recorded.
	ignored := []discordtest.Message{
		{ChannelID: "500000000000000006", GuildID: discordtest.Guild, AuthorID: "7", Content: "When do the Winter Games start?"},
		{ChannelID: "500000000000000006", AuthorID: "8", AuthorBot: true, Content: "When do the Winter Games start?"},
		{ChannelID: "500000000000000006", AuthorID: discordtest.BotID, Content: "When do the Winter Games start?"},
	}
	for _, m := range ignored {
		if _, err := h.srv.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.srv.Send(discordtest.Message{ChannelID: "500000000000000006", AuthorID: "7", Content: "/help"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.srv.Wait(wait, discordtest.Is("POST", "/api/v9/channels/500000000000000006/")); err != nil {
		t.Fatal(err)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if rs, _ := h.srv.WaitN(0, 2, discordtest.Is("POST", "/api/v9/channels/500000000000000006/")); len(rs) != 1 {
		t.Errorf("%d replies in c-ignore, want 1: a guild message without a mention, a bot's and our own are ignored", len(rs))
	}
}

func TestAnswersAfterReconnect(t *testing.T) {
	t.Parallel()
	h := start(t, newBot(t, nil))
	h.interact(h.srv.Command("7", true, "ask", "question", "games-dates"), 1)
	if err := h.srv.Reconnect(); err != nil {
		t.Fatal(err)
	}
	rs := h.interact(h.srv.Command("7", true, "ask", "question", "consulate-milan"), 1)
	if _, m := callback(t, rs[0]); len(m.Embeds) != 1 || m.Embeds[0].Title != "How do I contact the U.S. Consulate General in Milan?" {
		t.Errorf("after reconnect: embeds %+v, want the consulate answer", m.Embeds)
	}
	if n := h.srv.Resumes(); n != 1 {
		t.Errorf("%d RESUMEs, want 1", n)
	}
	if n := len(h.srv.Identifies()); n != 1 {
		t.Errorf("%d IDENTIFYs, want 1: the session resumes instead of starting over", n)
	}
	if !h.srv.WaitConnected(wait) || !h.a.Connected() {
		t.Errorf("Connected() = false after RESUMED")
	}
}

func TestShutdownFinishesRepliesInFlight(t *testing.T) {
	t.Parallel()
	asked, release := make(chan struct{}), make(chan struct{})
	conv := &fakeConv{ask: func(ctx context.Context, m bot.Message) bot.Reply {
		close(asked)
		<-release
		return bot.Reply{Kind: bot.KindAnswer, ID: "x", Question: "Late?", Answer: "Still delivered."}
	}}
	h := start(t, conv, func(o *discord.Options) { o.DeferAfter = time.Minute })
	ix := h.srv.Command("7", true, "ask", "question", "slow")
	if err := h.srv.Interact(ix); err != nil {
		t.Fatal(err)
	}
	<-asked
	h.cancel()
	close(release)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	rs, _ := h.srv.WaitN(0, 1, discordtest.ForInteraction(ix.Token))
	if len(rs) != 1 || rs[0].Status != 204 {
		t.Fatalf("after shutdown: responses %v, want the answer delivered before Run returned", rs)
	}
	if _, m := callback(t, rs[0]); len(m.Embeds) != 1 || m.Embeds[0].Description != "Still delivered." {
		t.Errorf("response %s, want the answer", rs[0])
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		o    discord.Options
	}{
		{"no token", discord.Options{Conversation: &fakeConv{}}},
		{"no conversation", discord.Options{Token: "t"}},
		{"base with a path", discord.Options{Token: "t", Conversation: &fakeConv{}, APIBase: "https://proxy.example/discord"}},
		{"base without scheme", discord.Options{Token: "t", Conversation: &fakeConv{}, APIBase: "proxy.example"}},
	}
	for _, c := range cases {
		if _, err := discord.New(c.o); err == nil {
			t.Errorf("%s: New accepted %+v", c.name, c.o)
		}
	}
	if a, err := discord.New(discord.Options{Token: "t", Conversation: &fakeConv{}}); err != nil || a.Name() != "discord" {
		t.Errorf("defaults: New = %v, %v", a, err)
	}
}

// The fake holds the adapter to Discord's 3-second deadline for the first
// response: a response that comes later is refused, as Discord refuses it.
func TestFakeRefusesAFirstResponseAfterTheDeadline(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	conv := &fakeConv{ask: func(context.Context, bot.Message) bot.Reply {
		mu.Lock()
		now = now.Add(discordtest.InteractionDeadline + time.Second) // the answer took 4 s
		mu.Unlock()
		return bot.Reply{Kind: bot.KindAnswer, ID: "x", Question: "Late?", Answer: "Too late."}
	}}
	h := start(t, conv, func(o *discord.Options) { o.DeferAfter = time.Minute })
	h.srv.SetClock(clock)
	h.srv.ExpectRejected(isCallback)
	rs := h.interact(h.srv.Command("7", true, "ask", "question", "slow"), 1)
	if rs[0].Status != 404 || !strings.Contains(strings.Join(rs[0].Problems, " "), "3-second") {
		t.Errorf("late first response got %s, want 404 for the 3-second deadline", rs[0])
	}
}
