package discord_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"travelbot/bot"
	"travelbot/bot/discord"
	"travelbot/bot/discord/discordtest"
	"travelbot/faq"
)

// Each test here shows the fake catching what discordgo v0.29 did on its
// own, and the adapter doing what Discord documents instead.

func TestIdentifyHasTheDocumentedShape(t *testing.T) {
	t.Parallel()
	h := start(t, &fakeConv{})
	ids := h.srv.Identifies()
	if len(ids) != 1 {
		t.Fatalf("%d IDENTIFYs, want 1", len(ids))
	}
	if p := discordtest.CheckIdentify(ids[0].Raw); len(p) > 0 {
		t.Errorf("IDENTIFY %s: %q", ids[0].Raw, p)
	}
	// What discordgo v0.29 sends is refused, property by property.
	old := `{"token":"Bot x","properties":{"$os":"linux","$browser":"DiscordGo","$device":"DiscordGo","$referer":"","$referring_domain":""},` +
		`"presence":{"since":0,"game":null,"status":"","afk":false},"compress":true,"large_threshold":250,"intents":513}`
	got := strings.Join(discordtest.CheckIdentify([]byte(old)), "\n")
	for _, want := range []string{"properties.os missing", "properties.$os", "presence.game", "presence.status", "presence.activities"} {
		if !strings.Contains(got, want) {
			t.Errorf("discordgo's IDENTIFY: problems %q, want one about %s", got, want)
		}
	}
}

func TestFirstHeartbeatWaitsIntervalTimesJitter(t *testing.T) {
	t.Parallel()
	const jitter, interval = 0.5, 200 // ms
	srv := discordtest.New(t)
	srv.SetHeartbeatInterval(interval)
	h := startOn(t, srv, &fakeConv{}, func(o *discord.Options) { discord.SetGatewayTiming(o, jitter, time.Second) })
	want := time.Duration(jitter * interval * float64(time.Millisecond))
	d, err := h.srv.WaitHeartbeats(wait, 1)
	if err != nil {
		t.Fatal(err)
	}
	// A timer never fires early, so this lower bound cannot flake; what
	// discordgo did (a heartbeat 2-5 ms after HELLO) fails it.
	if d[0] < want {
		t.Errorf("first heartbeat %v after HELLO, want at least heartbeat_interval × jitter = %v", d[0], want)
	}
}

func TestResumeGoesToResumeGatewayURL(t *testing.T) {
	t.Parallel()
	h := start(t, newBot(t, nil))
	if err := h.srv.Reconnect(); err != nil {
		t.Fatal(err)
	}
	rs := h.interact(h.srv.Command("7", true, "ask", "question", "consulate-milan"), 1)
	if _, m := callback(t, rs[0]); len(m.Embeds) != 1 {
		t.Errorf("after the resume: %s, want the answer", rs[0])
	}
	dials := h.srv.Dials()
	if len(dials) != 2 || dials[0].Path != "/gw/" || dials[1].Path != discordtest.ResumePath {
		t.Errorf("connections %+v, want the gateway URL, then READY's resume_gateway_url", dials)
	}
	if n, ids := h.srv.Resumes(), h.srv.Identifies(); n != 1 || len(ids) != 1 {
		t.Errorf("%d RESUMEs and %d IDENTIFYs, want 1 and 1", n, len(ids))
	}
}

func TestInvalidSessionStartsOverOnANewConnection(t *testing.T) {
	t.Parallel()
	// The docs allow 1-5 s (TestGatewayRandomWaits holds the adapter's
	// random wait to that); here the fake refuses anything under pause.
	const pause = 50 * time.Millisecond
	srv := discordtest.New(t)
	srv.SetInvalidSessionPause(pause)
	h := startOn(t, srv, newBot(t, nil), func(o *discord.Options) { discord.SetGatewayTiming(o, 0.1, pause) })
	if err := h.srv.InvalidateSession(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.srv.WaitIdentifies(wait, 2); err != nil {
		t.Fatal(err)
	}
	// The fake itself refuses an IDENTIFY on the old socket and a new
	// session sooner than pause after op 9 (GatewayProblems, checked at the
	// end of every test); here, the shape of what happened.
	dials := h.srv.Dials()
	if len(dials) != 2 || dials[1].Path != "/gw/" {
		t.Fatalf("connections %+v, want a second one at the gateway URL (not the resume URL: the session is over)", dials)
	}
	if n := h.srv.Resumes(); n != 0 {
		t.Errorf("%d RESUMEs of an invalidated session", n)
	}
	rs := h.interact(h.srv.Command("7", true, "ask", "question", "games-dates"), 1)
	if _, m := callback(t, rs[0]); len(m.Embeds) != 1 {
		t.Errorf("after the new session: %s, want the answer", rs[0])
	}
}

func TestGlobalRateLimitHoldsEveryRoute(t *testing.T) {
	t.Parallel()
	h := start(t, newBot(t, nil))
	const chA, chB = "500000000000000010", "500000000000000011"
	h.srv.GlobalRateLimit(func(method, path string) bool { return strings.HasSuffix(path, "/channels/"+chA+"/messages") }, 500*time.Millisecond)
	if _, err := h.srv.Send(discordtest.Message{ChannelID: chA, AuthorID: "7", Content: "When do the Winter Games start?"}); err != nil {
		t.Fatal(err)
	}
	// Once the adapter has seen the 429 (it schedules a retry)...
	if !h.events.waitRetries("channel_message", 1) {
		t.Fatal("the 429 was never retried")
	}
	// Inside the window, a reply in another channel: it must wait too.
	if _, err := h.srv.Send(discordtest.Message{ChannelID: chB, AuthorID: "8", Content: "When do the Winter Games start?"}); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{chA, chB} {
		if _, err := h.srv.Wait(wait, func(r discordtest.Request) bool {
			return r.Status == 200 && r.Path == "/api/v9/channels/"+ch+"/messages"
		}); err != nil {
			t.Errorf("channel %s: %v", ch, err)
		}
	}
	// Any request inside the window was refused by the fake with a problem,
	// which the harness reports; interactions are exempt, as documented.
	rs := h.interact(h.srv.Command("7", true, "help"), 1)
	if rs[0].Status != 204 {
		t.Errorf("interaction response %s", rs[0])
	}
}

// A global 429 is the fake's to enforce: a client that sends to another
// route inside the window is refused, which is what discordgo alone did.
func TestFakeRefusesRequestsInsideTheGlobalWindow(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	srv.ExpectRejected(func(discordtest.Request) bool { return true })
	srv.GlobalRateLimit(func(string, string) bool { return true }, time.Second)
	post := func(ch string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v9/channels/"+ch+"/messages", strings.NewReader(`{"content":"x","allowed_mentions":{"parse":[]}}`))
		req.Header.Set("Authorization", "Bot "+discordtest.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post("1"); c != 429 {
		t.Fatalf("first request: %d, want the global 429", c)
	}
	if c := post("2"); c != 429 {
		t.Errorf("another route inside the window: %d, want 429", c)
	}
	if rej := srv.Rejected(); len(rej) != 1 || !strings.Contains(rej[0].Problems[0], "global rate limit") {
		t.Errorf("rejected %v, want the second request, for the global window", rej)
	}
}

// faqWith builds a FAQ of n entries; entry 7's id is long enough that its
// custom id could not hold it.
func faqWith(t *testing.T, n int) (*bot.Bot, []string) {
	t.Helper()
	var sb strings.Builder
	sb.WriteString("version: 1\nsources:\n  - id: src\n    publisher: U.S. Department of State\n    title: Travel\n    date: 2026-01-27\n    url: https://travel.state.gov/\nentries:\n")
	var ids []string
	for i := range n {
		id := fmt.Sprintf("topic-%02d", i)
		if i == 7 {
			id = "a-very-long-entry-id-" + strings.Repeat("about-winter-travel-", 5) + "07"
		}
		ids = append(ids, id)
		fmt.Fprintf(&sb, "  - id: %s\n    question: What about subject %s number %d?\n    alternates: [tell me about subject %s %d]\n    answer: Subject %d is covered.\n    citations:\n      - source: src\n        quote: \"Subject %d.\"\n",
			id, words[i%len(words)], i, words[i%len(words)], i, i, i)
	}
	f, err := faq.Parse("many.yaml", []byte(sb.String()))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	tab, err := faq.Compile(f)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return bot.New(bot.Options{Tables: faq.NewLive(tab)}), ids
}

var words = []string{"trains", "skiing", "tickets", "weather", "money", "phones", "visas", "hotels", "food", "buses", "medicine"}

func TestTopicsReachEveryOneOf47Entries(t *testing.T) {
	t.Parallel()
	b, ids := faqWith(t, 47)
	h := start(t, b)
	reached := map[string]bool{}
	rs := h.interact(h.srv.Command("7", true, "topics"), 1)
	_, m := callback(t, rs[0])
	for pages := 1; ; pages++ {
		next := ""
		for _, id := range buttons(m) {
			switch {
			case strings.HasPrefix(id, "e:"):
				// Press it: the entry it answers is the one listed.
				rs := h.interact(h.srv.Button("7", true, id), 1)
				_, a := callback(t, rs[0])
				if len(a.Embeds) == 0 {
					t.Errorf("button %s answered %s, want an entry", id, rs[0])
					continue
				}
				reached[a.Embeds[0].Title] = true
			case strings.HasPrefix(id, "t:") && id > "t:"+fmt.Sprint(pages-1):
				next = id
			}
		}
		if next == "" || pages > 10 {
			break
		}
		rs := h.interact(h.srv.Button("7", true, next), 1)
		_, m = callback(t, rs[0])
	}
	for i, id := range ids {
		if want := fmt.Sprintf("What about subject %s number %d?", words[i%len(words)], i); !reached[want] {
			t.Errorf("entry %s (%q) not reachable from /topics", id, want)
		}
	}
	if len(reached) != 47 {
		t.Errorf("%d of 47 entries reachable", len(reached))
	}
}

func TestZombieConnectionIsResumedOnANewOne(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	srv.SetHeartbeatInterval(300) // ms: the zombie is found within two
	h := startOn(t, srv, newBot(t, nil), func(o *discord.Options) { discord.SetGatewayTiming(o, 0, time.Second) })
	if _, err := h.srv.WaitHeartbeats(wait, 1); err != nil {
		t.Fatal(err)
	}
	h.srv.StopAcks()
	dials, err := h.srv.WaitDials(wait, 2)
	if err != nil {
		t.Fatal(err)
	}
	if dials[1].Path != discordtest.ResumePath {
		t.Errorf("after unacknowledged heartbeats the client dialled %s, want the resume URL", dials[1].Path)
	}
	if err := h.srv.WaitResumes(wait, 1); err != nil {
		t.Fatal(err)
	}
	rs := h.interact(h.srv.Command("7", true, "ask", "question", "games-dates"), 1)
	if _, m := callback(t, rs[0]); len(m.Embeds) != 1 {
		t.Errorf("after the resume: %s", rs[0])
	}
	if n := h.srv.Resumes(); n != 1 {
		t.Errorf("%d RESUMEs, want 1", n)
	}
}

func TestFollowUpsPageInPlace(t *testing.T) {
	t.Parallel()
	r := bot.Reply{Kind: bot.KindAnswer, ID: "start", Question: "Q?", Answer: "A.", Urgent: bot.DangerLine("en")}
	for i := range 40 {
		r.FollowUps = append(r.FollowUps, bot.Choice{ID: fmt.Sprintf("f%02d", i), Question: fmt.Sprintf("Follow-up %d?", i)})
	}
	conv := &fakeConv{
		ask:   func(context.Context, bot.Message) bot.Reply { return r },
		entry: func(id string) bot.Reply { return r },
	}
	h := start(t, conv)
	rs := h.interact(h.srv.Command("7", true, "ask", "question", "anything"), 1)
	_, m := callback(t, rs[0])
	ids := buttons(m)
	if len(ids) != 16 || ids[15] != "f:1:start" {
		t.Fatalf("answer buttons %v, want 15 follow-ups and More (f:1:start)", ids)
	}
	rs = h.interact(h.srv.ButtonOn("7", true, "f:1:start", m.Components), 1)
	typ, upd := callback(t, rs[0])
	ids = buttons(upd)
	if typ != 7 || upd.Content != nil || upd.Embeds != nil || len(ids) != 17 || ids[0] != "e:f15" || ids[15] != "f:0:start" || ids[16] != "f:2:start" {
		t.Errorf("page 2: type %d, buttons %v, content %v; want an update of the buttons alone (the banner stays): f15..f29, Previous, More", typ, ids, upd.Content)
	}
}

func TestShardIsIdentified(t *testing.T) {
	t.Parallel()
	h := start(t, &fakeConv{}, func(o *discord.Options) { o.ShardID, o.ShardCount = 1, 3 })
	ids := h.srv.Identifies()
	if len(ids) != 1 || ids[0].Shard == nil || *ids[0].Shard != [2]int{1, 3} {
		t.Errorf("IDENTIFY %s, want shard [1, 3]", ids[0].Raw)
	}
	if _, err := discord.New(discord.Options{Token: "t", Conversation: &fakeConv{}, ShardID: 3, ShardCount: 3}); err == nil {
		t.Error("shard 3 of 3 accepted")
	}
}

// An entry whose id is too long for an autocomplete value is offered by its
// hash, and choosing it answers that entry.
func TestAutocompleteReachesAnEntryWithALongID(t *testing.T) {
	t.Parallel()
	b, ids := faqWith(t, 12)
	long := ids[7]
	h := start(t, b)
	rs := h.interact(h.srv.Autocomplete("7", true, "ask", "question", "subject hotels number 7"), 1)
	var cb struct {
		Data struct {
			Choices []struct{ Name, Value string } `json:"choices"`
		} `json:"data"`
	}
	if err := rs[0].Decode(&cb); err != nil {
		t.Fatal(err)
	}
	value := ""
	for _, c := range cb.Data.Choices {
		if strings.Contains(c.Name, "number 7?") {
			value = c.Value
		}
	}
	if !strings.HasPrefix(value, "#") || len(value) > 100 {
		t.Fatalf("choices %+v, want entry %s offered by its hash", cb.Data.Choices, long)
	}
	rs = h.interact(h.srv.Command("7", true, "ask", "question", value), 1)
	if _, m := callback(t, rs[0]); len(m.Embeds) == 0 || m.Embeds[0].Title != "What about subject hotels number 7?" {
		t.Errorf("choosing %s answered %s", value, rs[0])
	}
}
