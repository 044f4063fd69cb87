package telegram

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"travelbot/bot"
	"travelbot/bot/telegram/telegramtest"
	"travelbot/internal/testutil"
)

func testAdapter(t *testing.T, conv Conversation) *Adapter {
	t.Helper()
	if conv == nil {
		conv = nopConv{}
	}
	a, err := New(Options{Token: "1:T", Conversation: conv})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

type nopConv struct{ Conversation }

func (nopConv) Suggest(string, int) []bot.Choice { return nil }

func TestSplitPlain(t *testing.T) {
	para := strings.Repeat("word ", 30) // 150 bytes
	cases := []struct {
		name  string
		in    string
		limit int
		want  []string
	}{
		{"fits", "hello\n\nworld", 100, []string{"hello\n\nworld"}},
		{"empty", "  \n ", 10, nil},
		{"paragraphs", "aaaa\n\nbbbb\n\ncccc", 10, []string{"aaaa\n\nbbbb", "cccc"}},
		{"lines when no paragraph", "aaaa\nbbbb\ncccc", 10, []string{"aaaa\nbbbb", "cccc"}},
		{"words when no line", "aaaa bbbb cccc", 10, []string{"aaaa bbbb", "cccc"}},
		{"runes when no space", "abcdefghijklmnop", 5, []string{"abcde", "fghij", "klmno", "p"}},
		{"astral runes count two", "😀😀😀😀😀", 4, []string{"😀😀", "😀😀", "😀"}},
		{"early paragraph ignored for a later line", "a\n\n" + para[:40] + "\n" + para[:40], 60, []string{"a\n\n" + strings.TrimSpace(para[:40]), strings.TrimSpace(para[:40])}},
	}
	for _, tc := range cases {
		var got []string
		for _, r := range splitPlain(tc.in, tc.limit) {
			got = append(got, tc.in[r[0]:r[1]])
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
		for _, p := range got {
			if n := bot.Len(p, bot.UTF16); n > tc.limit {
				t.Errorf("%s: part %q is %d units > %d", tc.name, p, n, tc.limit)
			}
		}
	}
}

// nastyText is text that breaks naive HTML: tags, entities, quotes,
// astral runes, invalid UTF-8 and control characters.
var nastyText = []string{"<b>", "</b>", "&", "&amp;", "</a>", `<a href="javascript:x">`, `"`, "'", "😀", "é", "\xff", "\x00", "\u2028", "\n", "\n\n", " ", "<", ">", "&#", ";", "x"}

func randomText(r *rand.Rand, n int) string {
	var sb strings.Builder
	for range n {
		sb.WriteString(nastyText[r.IntN(len(nastyText))])
	}
	return sb.String()
}

// TestRenderAlwaysValid renders random hostile replies and checks every
// message with the same strict parser the fake server uses. Under the race
// detector, which can find nothing in one goroutine rendering, it renders
// the first 60: every combination of size, emergency, urgent line and
// reply kind once.
func TestRenderAlwaysValid(t *testing.T) {
	a := testAdapter(t, nil)
	r := rand.New(rand.NewPCG(1, 2))
	n := 300
	if testutil.Race {
		n = 60
	}
	for i := range n {
		size := []int{3, 50, 2000, 9000}[i%4]
		reply := bot.Reply{
			Kind:      bot.KindAnswer,
			Question:  randomText(r, 5),
			Answer:    randomText(r, size),
			Emergency: i%5 == 0,
			Urgent:    randomText(r, i%3),
			Citations: []bot.Citation{{Publisher: randomText(r, 3), Title: randomText(r, 4), Date: randomText(r, 2), URL: "https://x.example/?a=" + randomText(r, 3)}},
			FollowUps: []bot.Choice{{ID: randomText(r, 40), Question: randomText(r, 30)}},
			Note:      randomText(r, 4),
		}
		if i%2 == 1 {
			reply = bot.Reply{Text: randomText(r, size), Choices: reply.FollowUps, Emergency: reply.Emergency}
		}
		msgs := a.render(reply)
		for j, m := range msgs {
			vis, err := telegramtest.CheckHTML(m.html)
			if err != nil {
				t.Fatalf("case %d part %d: %v\n%q", i, j, err, m.html)
			}
			if n := telegramtest.UTF16Len(vis); n > 4096 || n == 0 {
				t.Errorf("case %d part %d: %d visible units", i, j, n)
			}
			if vis != m.plain {
				t.Errorf("case %d part %d: plain fallback differs from the visible text", i, j)
			}
			if j == 0 && reply.Emergency && !strings.Contains(strings.SplitN(vis, "\n", 2)[0], "112") {
				t.Errorf("case %d: emergency first line %q", i, strings.SplitN(vis, "\n", 2)[0])
			}
			if m.keyboard != nil {
				if j != len(msgs)-1 {
					t.Errorf("case %d: buttons on part %d of %d", i, j, len(msgs))
				}
				for _, row := range m.keyboard.InlineKeyboard {
					for _, b := range row {
						if d := *b.CallbackData; len(d) > 64 || !utf8.ValidString(d) {
							t.Errorf("case %d: callback data %q", i, d)
						}
						if !utf8.ValidString(b.Text) || utf8.RuneCountInString(b.Text) > maxLabelRunes {
							t.Errorf("case %d: label %q", i, b.Text)
						}
					}
				}
			}
		}
	}
}

func TestRenderManyChoicesSpillIntoMoreMessages(t *testing.T) {
	a := testAdapter(t, nil)
	var cs []bot.Choice
	for i := range 250 {
		cs = append(cs, bot.Choice{ID: "e" + strings.Repeat("x", i%5) + string(rune('a'+i%26)), Question: "Q"})
	}
	msgs := a.render(bot.Reply{Kind: bot.KindHelp, Text: "Examples:", Choices: cs})
	total := 0
	for _, m := range msgs {
		if m.keyboard == nil {
			t.Fatalf("message %q without buttons", m.plain)
		}
		if n := len(m.keyboard.InlineKeyboard); n > maxButtons {
			t.Errorf("%d buttons in one message", n)
		}
		total += len(m.keyboard.InlineKeyboard)
	}
	if total != 250 || len(msgs) != 3 {
		t.Errorf("%d buttons in %d messages, want 250 in 3", total, len(msgs))
	}
}

// TestTopicsPagesReachEveryEntry: /topics on a 47-entry FAQ shows pages
// of buttons with "More" and "Previous"; following "More" reaches all 47,
// whatever the length of their ids, every button's data within 64 bytes.
func TestTopicsPagesReachEveryEntry(t *testing.T) {
	var ids []string
	var cs []bot.Choice
	for i := range 47 {
		id := fmt.Sprintf("topic-%02d", i)
		if i%3 == 0 {
			id += "-" + strings.Repeat("long-id-", 10+i) // far past 64 bytes
		}
		ids = append(ids, id)
		cs = append(cs, bot.Choice{ID: id, Question: "Question " + strconv.Itoa(i)})
	}
	a := testAdapter(t, listConv(ids))
	restarted := testAdapter(t, listConv(ids)) // has rendered nothing
	topics := bot.Reply{Kind: bot.KindTopics, Text: "Topics", Choices: cs}
	reached := map[string]bool{}
	page, pages := 0, 0
	for {
		pages++
		if pages > 10 {
			t.Fatal("More never ends")
		}
		next := -1
		for _, row := range a.buttons(topics, page) {
			for _, b := range row {
				d := *b.CallbackData
				if len(d) == 0 || len(d) > maxCallback {
					t.Errorf("page %d: data %q is %d bytes", page, d, len(d))
				}
				c, ok := restarted.decode(d)
				switch {
				case !ok:
					t.Errorf("page %d: %q does not decode", page, d)
				case c.prefix == pagePrefix && c.page > page:
					next = c.page
				case c.prefix == entryPrefix || c.prefix == hashPrefix:
					reached[c.entry] = true
				}
			}
		}
		if next < 0 {
			break
		}
		page = next
	}
	for _, id := range ids {
		if !reached[id] {
			t.Errorf("entry %q not reachable", id)
		}
	}
	if pages != 3 {
		t.Errorf("%d pages of %d, want 3", pages, topicsPage)
	}
}

// TestVoteAndSuggestionDataRoundTrip: the question id rides along in the
// callback data, compactly, whatever its length.
func TestVoteAndSuggestionDataRoundTrip(t *testing.T) {
	entries := []string{"consulate", strings.Repeat("e", 80), "a|b"}
	a := testAdapter(t, listConv(entries))
	for _, qid := range []string{"q1", "0192f7a4-1c2b-7d3e-9f00-aabbccddeeff", strings.Repeat("9", 100), "#odd", "x|y"} {
		for _, e := range entries {
			d := a.suggestionData(qid, e)
			c, ok := a.decode(d)
			if len(d) > maxCallback || !ok || c.prefix != suggestionPrefix || c.entry != e || c.question != qid {
				t.Errorf("suggestion %q/%q: data %q (%d bytes) decodes to %+v, %v", qid, e, d, len(d), c, ok)
			}
		}
		for _, v := range []bot.Vote{bot.VoteUp, bot.VoteDown} {
			d := a.voteData(v, qid)
			c, ok := a.decode(d)
			want := upPrefix
			if v == bot.VoteDown {
				want = downPrefix
			}
			if len(d) > maxCallback || !ok || c.prefix != want || c.question != qid {
				t.Errorf("vote %s on %q: data %q decodes to %+v, %v", v, qid, d, c, ok)
			}
		}
		if c, ok := a.decode(a.noneData(qid)); !ok || c.prefix != nonePrefix || c.question != qid {
			t.Errorf("none of these on %q: %+v, %v", qid, c, ok)
		}
	}
	// A vote whose long question id was forgotten (a restart) is expired,
	// not a vote on nothing.
	b := testAdapter(t, listConv(entries))
	if c, ok := b.decode(a.voteData(bot.VoteUp, strings.Repeat("9", 100))); ok {
		t.Errorf("forgotten question decoded as %+v", c)
	}
}

func TestCallbackDataRoundTrip(t *testing.T) {
	ids := []string{"consulate", strings.Repeat("x", 62), strings.Repeat("x", 63), strings.Repeat("é", 40), "bad\xffutf8"}
	conv := listConv(ids)
	a := testAdapter(t, conv)
	b := testAdapter(t, conv) // a restarted process: has rendered nothing
	for _, id := range ids {
		d := a.callbackData(id)
		if len(d) > 64 || len(d) == 0 {
			t.Errorf("%q: data %q is %d bytes", id, d, len(d))
		}
		for name, ad := range map[string]*Adapter{"same process": a, "restarted": b} {
			if got, ok := ad.resolve(d); !ok || got != id {
				t.Errorf("%s: resolve(%q) = %q, %v; want %q", name, d, got, ok, id)
			}
		}
	}
	for _, d := range []string{"", "e:", "h:", "h:unknown", "zzz"} {
		if id, ok := b.resolve(d); ok {
			t.Errorf("resolve(%q) = %q, want not found", d, id)
		}
	}
}

// listConv is a Conversation whose entries are ids.
type listConv []string

func (l listConv) Handle(context.Context, bot.Message) bot.Reply       { return bot.Reply{} }
func (l listConv) EntryReply(string) bot.Reply                         { return bot.Reply{} }
func (l listConv) Pick(context.Context, bot.Message, string) bot.Reply { return bot.Reply{} }
func (l listConv) Feedback(context.Context, bot.Message, string, bot.Vote) bot.Reply {
	return bot.Reply{}
}
func (l listConv) NoneOfThese(context.Context, bot.Message, string) bot.Reply { return bot.Reply{} }
func (l listConv) Suggest(_ string, n int) []bot.Choice {
	var out []bot.Choice
	for _, id := range l[:min(n, len(l))] {
		out = append(out, bot.Choice{ID: id})
	}
	return out
}
