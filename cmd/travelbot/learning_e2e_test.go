package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"travelbot/bot"
	"travelbot/bot/discord/discordtest"
	"travelbot/bot/telegram/telegramtest"
)

// The learning loop end to end, through each platform's fake: the real
// `travelbot serve` (watching its FAQ file, its store in a data directory
// of the test's own), the real adapters and client libraries, the buttons
// the bot really sent pressed through the fake, then `travelbot review`
// and `travelbot review promote` as an admin runs them.

// loopFAQ is the FAQ both tests serve. Nothing in it is about renting skis
// (so skisWithContacts gets the fallback); gear is where an admin puts that
// question; the two passport entries are close enough that vagueQuestion
// gets "did you mean".
const loopFAQ = `version: 1
entries:
  - id: water
    question: Is tap water safe to drink in Milan?
    answer: Yes, Milan's tap water is safe.
    tags: [health, milan]
  - id: airport
    question: Which airport is closest to Cortina d'Ampezzo?
    answer: Venice Marco Polo, about two hours by bus.
  - id: emergency
    question: What number do I call in an emergency?
    answer: Call 112.
    tags: [emergency]
  - id: passport-renew
    question: How do I renew my passport before the trip?
    answer: Renew by mail with form DS-82 at least ten weeks before you travel.
  - id: passport-lost
    question: I lost my passport, what do I do?
    answer: Report it to the police, then book an emergency appointment at the consulate.
  - id: gear
    question: Which shops hire out winter sports equipment?
    answer: Most sports shops in town hire out skis, boots and helmets by the day.
`

// The questions of the loop, and the answer of the entry the skis question
// is promoted to.
const (
	skisQuestion     = "where can I rent skis in Cortina"
	skisWithContacts = skisQuestion + ", call " + testPhone + " or write " + testEmail
	vagueQuestion    = "passport problem"
	downvoteNote     = "sparkling water, call me on " + testPhone
	gearAnswer       = "hire out skis, boots and helmets"
)

// loopServer is `travelbot serve` running for an end-to-end test of the
// learning loop.
type loopServer struct {
	url, faqPath, dataDir string
	logs                  *logLines
	sv                    *served
	stop                  func()
}

// startLoopServer writes loopFAQ and a config (watch on, a data directory
// in t.TempDir()) and runs serve with env. The tests talk to it through
// the platforms' fakes, which hold what is sent before the adapter
// connects.
func startLoopServer(t *testing.T, env map[string]string) *loopServer {
	t.Helper()
	dir := t.TempDir()
	ls := &loopServer{faqPath: filepath.Join(dir, "faq.yaml"), dataDir: filepath.Join(t.TempDir(), "data")}
	writeFile(t, ls.faqPath, loopFAQ)
	cfgPath := filepath.Join(dir, "travelbot.yaml")
	writeFile(t, cfgPath, "faq: faq.yaml\nhttp_addr: 127.0.0.1:0\nlog_format: json\nwatch: true\nreload_debounce: 20ms\nshutdown_timeout: 5s\n")
	env["TRAVELBOT_DATA_DIR"] = ls.dataDir
	sv := startServe(t, cfgPath, env)
	// Stopped once, by the test or at its end, before the temporary
	// directories go: serve writes into one of them until it returns.
	var once sync.Once
	ls.url, ls.logs, ls.sv, ls.stop = sv.url, sv.logs, sv, func() { once.Do(sv.stop) }
	t.Cleanup(ls.stop)
	return ls
}

// version is the FAQ version serving, as /readyz reports it.
func (ls *loopServer) version(t *testing.T) string {
	t.Helper()
	code, body, _ := call(t, "GET", ls.url+"/readyz", "", nil)
	faqStatus, _ := body["faq"].(map[string]any)
	v, _ := faqStatus["version"].(string)
	if code != 200 || v == "" {
		t.Fatalf("/readyz = %d %v: no FAQ version", code, body)
	}
	return v
}

// loopClusters are the clusters the loop must produce.
type loopClusters struct {
	skis, downvoted, noneOfThese *reviewCluster
}

func (c loopClusters) complete() bool {
	return c.skis != nil && c.downvoted != nil && c.noneOfThese != nil
}

func findLoopClusters(rep reviewReport) loopClusters {
	var c loopClusters
	for i, cl := range rep.Clusters {
		q := strings.ToLower(cl.Question)
		switch {
		case strings.Contains(q, "rent skis"):
			c.skis = &rep.Clusters[i]
		case strings.Contains(q, "water") && cl.Kind == kindDownvoted:
			c.downvoted = &rep.Clusters[i]
		case strings.Contains(q, "passport problem"):
			c.noneOfThese = &rep.Clusters[i]
		}
	}
	return c
}

// reviewAndPromote is the admin's half of the loop, the same for both
// platforms: once serve's writer has flushed what it queued (the bot
// queues a question's records before its reply goes out, and the test has
// seen every reply), `review --json` lists the three clusters; check them
// and the data directory's bytes, then promote the skis cluster to gear
// and wait for the running serve to reload the file. It returns the
// clusters.
func (ls *loopServer) reviewAndPromote(t *testing.T, channel string) loopClusters {
	t.Helper()
	if err := ls.sv.srv.learning.writer.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep := reviewJSON(t, ls.dataDir, ls.faqPath)
	got := findLoopClusters(rep)
	if !got.complete() || len(got.downvoted.Notes) == 0 {
		t.Fatalf("review --json does not list the skis, the 👎 and the None of these clusters (with the note): %+v", rep.Clusters)
	}
	if got.skis.Kind != kindUnanswered || got.skis.Kinds[kindUnanswered] < 1 {
		t.Errorf("skis cluster %+v, want unanswered", *got.skis)
	}
	redacted := false
	for _, ex := range got.skis.Examples {
		redacted = redacted || strings.Contains(ex, "[phone]") && strings.Contains(ex, "[email]")
	}
	if !redacted {
		t.Errorf("skis cluster examples %q: none shows the question with its contacts redacted", got.skis.Examples)
	}
	if d := got.downvoted; d.DownShare != 1 || d.Suggested.ID != "water" || len(d.Notes) != 1 || !strings.Contains(d.Notes[0], "[phone]") {
		t.Errorf("downvoted cluster %+v, want all 👎, suggesting water, with the redacted note", *d)
	}
	// "did you mean" alone would make it abandoned: None of these makes
	// it unanswered.
	if n := got.noneOfThese; n.Kind != kindUnanswered || n.Count != 1 || n.NoneOfThese != 1 {
		t.Errorf("None of these cluster %+v, want one unanswered question with None of these pressed", *n)
	}
	if s := got.skis; s.NoneOfThese != 0 {
		t.Errorf("skis cluster %+v: None of these counted on a question that got the fallback", *s)
	}
	assertNoPersonalData(t, ls.dataDir)

	before, err := os.ReadFile(ls.faqPath)
	if err != nil {
		t.Fatal(err)
	}
	oldVersion := ls.version(t)
	from := ls.sv.reloads.Len()
	out, err := runReview(t, "promote", "--data", ls.dataDir, "--faq", ls.faqPath, "--entry", "gear", got.skis.ID)
	if err != nil {
		t.Fatalf("%s: review promote: %v\n%s", channel, err, out)
	}
	after, err := os.ReadFile(ls.faqPath)
	if err != nil {
		t.Fatal(err)
	}
	if added := strings.Count(string(after), "\n") - strings.Count(string(before), "\n"); added != 1 {
		t.Errorf("promote changed the FAQ by %d lines, want one added line:\n%s", added, after)
	}
	if strings.Contains(string(after), "[phone]") || strings.Contains(string(after), "[email]") {
		t.Errorf("promote put a redaction placeholder into the FAQ:\n%s", after)
	}
	// The running serve's watcher reloads the file.
	if res := ls.sv.waitReload(t, from, "file"); !res.OK || res.Version == oldVersion {
		t.Fatalf("the reload after the promote: %+v, want a version other than %s; log:\n%s", res, oldVersion, ls.logs)
	}
	if v := ls.version(t); v == oldVersion {
		t.Fatalf("/readyz still shows version %s after the reload", oldVersion)
	}
	return got
}

// assertPromotedLeftTheReview checks that the promoted cluster is gone
// from the review and the others are still there.
func (ls *loopServer) assertPromotedLeftTheReview(t *testing.T, promoted loopClusters) {
	t.Helper()
	rep := reviewJSON(t, ls.dataDir, ls.faqPath)
	now := findLoopClusters(rep)
	for _, c := range rep.Clusters {
		if c.ID == promoted.skis.ID {
			t.Errorf("the promoted cluster is still in the review: %+v", c)
		}
	}
	if now.downvoted == nil || now.noneOfThese == nil {
		t.Errorf("the clusters not promoted left the review too: %+v", rep.Clusters)
	}
}

// TestLearningLoopThroughTelegram: the loop through the fake Telegram Bot
// API, with the buttons the bot sent pressed as callback queries.
func TestLearningLoopThroughTelegram(t *testing.T) {
	t.Parallel() // waits mostly on other processes or timers: beside the other parallel tests
	tg := telegramtest.New(t)
	ls := startLoopServer(t, map[string]string{
		"TRAVELBOT_TELEGRAM_TOKEN":    telegramtest.Token,
		"TRAVELBOT_TELEGRAM_API_BASE": tg.URL,
	})
	const asker, voter, vague = 8101, 8102, 8103

	// A question the FAQ cannot answer, with a phone number and an e-mail
	// address in it: the fallback.
	tg.Enqueue(telegramtest.PrivateText(asker, skisWithContacts))
	if got := tgWaitSent(t, tg, asker, 1)[0]; strings.Contains(got.Visible, gearAnswer) {
		t.Fatalf("the skis question was answered with the gear entry before the promote: %q", got.Visible)
	}

	// 👎 on an answer, pressed under it; the next message is the note.
	tg.Enqueue(telegramtest.PrivateText(voter, waterQuestion))
	answer := tgWaitSent(t, tg, voter, 1)[0]
	if !strings.Contains(answer.Visible, "safe") {
		t.Fatalf("water question answered %q", answer.Visible)
	}
	down := tgPress(t, tg, voter, answer, bot.Text(bot.KeyButtonDown, "en"))
	if c := tgAnswered(t, tg, down); !strings.Contains(c.Form.Get("text"), "?") {
		t.Errorf("👎 acknowledged with %q, want the question what the traveler was looking for", c.Form.Get("text"))
	}
	tg.Enqueue(telegramtest.PrivateText(voter, downvoteNote))
	tgWaitSent(t, tg, voter, 2) // the note is answered too

	// "None of these" under "did you mean", pressed: the request to
	// rephrase, with the 112 line.
	tg.Enqueue(telegramtest.PrivateText(vague, vagueQuestion))
	clarify := tgWaitSent(t, tg, vague, 1)[0]
	none := tgPress(t, tg, vague, clarify, bot.Text(bot.KeyButtonNone, "en"))
	tgAnswered(t, tg, none)
	if got := tgWaitSent(t, tg, vague, 2)[1]; !strings.Contains(got.Visible, bot.Text(bot.KeyRephrase, "en")) || !strings.Contains(got.Visible, "112") {
		t.Errorf("after None of these: %q, want the request to rephrase with 112", got.Visible)
	}

	promoted := ls.reviewAndPromote(t, "telegram")

	// The same question, through Telegram again: now the gear entry.
	tg.Enqueue(telegramtest.PrivateText(asker, skisWithContacts))
	if got := tgWaitSent(t, tg, asker, 2)[1]; !strings.Contains(got.Visible, gearAnswer) {
		t.Errorf("after the promote, the skis question got %q, want the gear entry", got.Visible)
	}
	ls.assertPromotedLeftTheReview(t, promoted)
	if v := tg.Violations(); len(v) > 0 {
		t.Errorf("the fake Telegram saw %d protocol violations, first: %s", len(v), v[0])
	}
	ls.stop()
	assertNoPersonalData(t, ls.dataDir) // after the last flush, too
}

// tgWaitSent waits until chat has n messages and returns them.
func tgWaitSent(t *testing.T, tg *telegramtest.Server, chat int64, n int) []telegramtest.Sent {
	t.Helper()
	if !tg.WaitUntil(waitTimeout, func() bool { return len(tg.SentTo(chat)) >= n }) {
		t.Fatalf("chat %d: %d messages within %v, want %d: %+v", chat, len(tg.SentTo(chat)), waitTimeout, n, tg.SentTo(chat))
	}
	return tg.SentTo(chat)
}

// tgPress presses, as user, the button labelled label under message m, and
// returns the callback query's id.
func tgPress(t *testing.T, tg *telegramtest.Server, user int64, m telegramtest.Sent, label string) string {
	t.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == label && b.CallbackData != nil {
				u := telegramtest.Callback(user, m.ChatID, *b.CallbackData)
				u.CallbackQuery.Message.MessageID = m.MessageID
				tg.Enqueue(u)
				return u.CallbackQuery.ID
			}
		}
	}
	t.Fatalf("no button %q under %q: %+v", label, m.Visible, m.Buttons)
	return ""
}

// tgAnswered waits for the answerCallbackQuery of a callback query.
func tgAnswered(t *testing.T, tg *telegramtest.Server, id string) telegramtest.Call {
	t.Helper()
	var call telegramtest.Call
	if !tg.WaitUntil(waitTimeout, func() bool {
		for _, c := range tg.Calls("answerCallbackQuery") {
			if c.Form.Get("callback_query_id") == id {
				call = c
				return true
			}
		}
		return false
	}) {
		t.Fatalf("callback query %s never answered", id)
	}
	return call
}

// TestLearningLoopThroughDiscord: the loop through the fake Discord
// gateway and REST API, with the buttons the bot sent pressed as component
// interactions on the message that carried them.
func TestLearningLoopThroughDiscord(t *testing.T) {
	t.Parallel() // waits mostly on other processes or timers: beside the other parallel tests
	dc := discordtest.New(t)
	ls := startLoopServer(t, map[string]string{
		"TRAVELBOT_DISCORD_TOKEN":    discordtest.Token,
		"TRAVELBOT_DISCORD_API_BASE": dc.URL,
	})
	if !dc.WaitConnected(waitTimeout) {
		t.Fatal("the Discord adapter did not connect to the fake gateway")
	}
	const asker, voter, vague = "300000000000000011", "300000000000000012", "300000000000000013"

	// A question the FAQ cannot answer, with a phone number and an e-mail
	// address in it: the fallback.
	if got := dcAsk(t, dc, asker, skisWithContacts); strings.Contains(dcText(got), gearAnswer) {
		t.Fatalf("the skis question was answered with the gear entry before the promote: %q", dcText(got))
	}

	// 👎 on an answer, pressed on it; the next question is the note.
	answer := dcAsk(t, dc, voter, waterQuestion)
	if !strings.Contains(dcText(answer), "safe") {
		t.Fatalf("water question answered %q", dcText(answer))
	}
	rs := dcPress(t, dc, voter, answer, bot.Text(bot.KeyButtonDown, "en"), 2)
	if typ, _ := dcCallback(t, rs[0]); typ != 7 {
		t.Errorf("👎 acknowledged with %s, want an update (7) of the message", rs[0])
	}
	dcAsk(t, dc, voter, downvoteNote) // the note is answered too

	// "None of these" under "did you mean", pressed: the request to
	// rephrase, with the 112 line.
	clarify := dcAsk(t, dc, vague, vagueQuestion)
	rs = dcPress(t, dc, vague, clarify, bot.Text(bot.KeyButtonNone, "en"), 1)
	if _, m := dcCallback(t, rs[0]); !strings.Contains(dcText(m), bot.Text(bot.KeyRephrase, "en")) || !strings.Contains(dcText(m), "112") {
		t.Errorf("after None of these: %q, want the request to rephrase with 112", dcText(m))
	}

	promoted := ls.reviewAndPromote(t, "discord")

	// The same question, through Discord again: now the gear entry.
	if got := dcAsk(t, dc, asker, skisWithContacts); !strings.Contains(dcText(got), gearAnswer) {
		t.Errorf("after the promote, the skis question got %q, want the gear entry", dcText(got))
	}
	ls.assertPromotedLeftTheReview(t, promoted)
	if rejected := dc.Rejected(); len(rejected) > 0 {
		t.Errorf("the fake Discord rejected %d requests, first: %v", len(rejected), rejected[0])
	}
	ls.stop()
	assertNoPersonalData(t, ls.dataDir)
}

// dcAsk sends /ask question as user in the guild and returns the message
// of the interaction's response.
func dcAsk(t *testing.T, dc *discordtest.Server, user, question string) discordtest.WireMessage {
	t.Helper()
	ix := dc.Command(user, true, "ask", "question", question)
	if err := dc.Interact(ix); err != nil {
		t.Fatal(err)
	}
	r, err := dc.Wait(waitTimeout, discordtest.ForInteraction(ix.Token))
	if err != nil {
		t.Fatalf("/ask %q: %v", question, err)
	}
	_, m := dcCallback(t, r)
	return m
}

// dcPress presses, as user, the button labelled label on message m, and
// returns the n responses to that interaction.
func dcPress(t *testing.T, dc *discordtest.Server, user string, m discordtest.WireMessage, label string, n int) []discordtest.Request {
	t.Helper()
	for _, row := range m.Components {
		for _, b := range row.Components {
			if b.Label == label && b.CustomID != "" {
				ix := dc.ButtonOn(user, true, b.CustomID, m.Components)
				if err := dc.Interact(ix); err != nil {
					t.Fatal(err)
				}
				rs, err := dc.WaitN(waitTimeout, n, discordtest.ForInteraction(ix.Token))
				if err != nil {
					t.Fatalf("pressing %q: %v (got %v)", label, err, rs)
				}
				return rs
			}
		}
	}
	t.Fatalf("no button %q on %q: %+v", label, dcText(m), m.Components)
	return nil
}

// dcCallback decodes an interaction response: its type and its message.
func dcCallback(t *testing.T, r discordtest.Request) (int, discordtest.WireMessage) {
	t.Helper()
	var cb discordtest.WireCallback
	if err := r.Decode(&cb); err != nil {
		t.Fatalf("decode interaction response %s: %v", r, err)
	}
	var m discordtest.WireMessage
	if len(cb.Data) > 0 {
		if err := r.Decode(&struct {
			Data *discordtest.WireMessage `json:"data"`
		}{&m}); err != nil {
			t.Fatalf("decode interaction response data %s: %v", r, err)
		}
	}
	return cb.Type, m
}

// dcText is what a message shows: its content and its embeds' text.
func dcText(m discordtest.WireMessage) string {
	var b strings.Builder
	if m.Content != nil {
		b.WriteString(*m.Content)
	}
	for _, e := range m.Embeds {
		b.WriteString("\n" + e.Title + "\n" + e.Description)
		for _, f := range e.Fields {
			b.WriteString("\n" + f.Name + "\n" + f.Value)
		}
	}
	return b.String()
}
