package discord

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"travelbot/bot"
	"travelbot/bot/discord/discordtest"
)

func TestSplitText(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		limit int
		want  []string // nil: only check the invariants
	}{
		{"fits", "short text", 20, []string{"short text"}},
		{"exactly the limit", "abcde", 5, []string{"abcde"}},
		{"empty", "   ", 5, nil},
		{"paragraphs first", "one two.\n\nthree four five", 16, []string{"one two.", "three four five"}},
		{"lines before words", "aaaa bbbb\ncccc dddd", 14, []string{"aaaa bbbb", "cccc dddd"}},
		{"sentences before words", "Aaa bbb. Ccc ddd eee", 15, []string{"Aaa bbb.", "Ccc ddd eee"}},
		{"words", "aaa bbb ccc ddd", 8, []string{"aaa bbb", "ccc ddd"}},
		{"no spaces: cut on a rune boundary", strings.Repeat("é", 10), 4, []string{"éééé", "éééé", "éé"}},
		{"long text", strings.Repeat("word ", 5000), 4096, nil},
		{"emoji", strings.Repeat("🚨 ", 3000), 2000, nil},
	}
	for _, c := range cases {
		got := splitText(c.in, c.limit)
		if c.want != nil && fmt.Sprintf("%q", got) != fmt.Sprintf("%q", c.want) {
			t.Errorf("%s: splitText = %q, want %q", c.name, got, c.want)
		}
		for i, p := range got {
			if n := utf8.RuneCountInString(p); n > c.limit || n == 0 || !utf8.ValidString(p) {
				t.Errorf("%s: piece %d has %d runes (valid UTF-8: %v), want 1..%d", c.name, i, n, utf8.ValidString(p), c.limit)
			}
		}
		if strings.Join(strings.Fields(strings.Join(got, " ")), " ") != strings.Join(strings.Fields(c.in), " ") &&
			strings.Join(got, "") != c.in {
			t.Errorf("%s: the pieces do not add up to the text", c.name)
		}
	}
}

func TestTruncate(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 80, "short"},
		{"abcdef", 4, "abc…"},
		{"ab    cdef", 5, "ab…"},
		{strings.Repeat("é", 5), 3, "éé…"},
	}
	for _, c := range cases {
		if got := truncate(c.in, c.n); got != c.want || utf8.RuneCountInString(got) > c.n {
			t.Errorf("truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// wire marshals an outgoing message the way the adapter sends it.
func wire(t *testing.T, o outgoing) []byte {
	t.Helper()
	b, err := json.Marshal(&discordgo.MessageSend{Content: o.Content, Embeds: o.Embeds, Components: o.Components, AllowedMentions: noMentions()})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRenderStaysWithinLimits(t *testing.T) {
	long := strings.Repeat("A sentence that goes on. ", 1200) // ~30k characters
	var cites []bot.Citation
	var choices []bot.Choice
	for i := range 60 {
		cites = append(cites, bot.Citation{Publisher: strings.Repeat("P", 300), Title: "T]" + fmt.Sprint(i), URL: "https://x.example/a b(c)", Quote: strings.Repeat("q ", 700)})
		choices = append(choices, bot.Choice{ID: fmt.Sprintf("id-%d", i%40), Question: strings.Repeat("Q", 200)})
	}
	choices = append(choices, bot.Choice{ID: strings.Repeat("z", 99), Question: "id too long"})
	cases := []struct {
		name string
		r    bot.Reply
	}{
		{"huge answer", bot.Reply{Kind: bot.KindAnswer, Question: strings.Repeat("Q", 400), Answer: long, Citations: cites, FollowUps: choices, Note: strings.Repeat("n", 3000), Urgent: strings.Repeat("U", 2500)}},
		{"plain answer", bot.Reply{Kind: bot.KindAnswer, Question: "Q?", Answer: "A."}},
		{"empty answer", bot.Reply{Kind: bot.KindAnswer, Question: "Q?"}},
		{"long reload report", bot.Reply{Kind: bot.KindReload, Text: "Reload failed\n" + strings.Repeat("faq.yaml:1:1: a problem with this line\n", 200)}},
		{"clarify", bot.Reply{Kind: bot.KindClarify, Text: "Did you mean?", Suggestions: choices, Urgent: bot.EmergencyLine}},
		{"topics", bot.Reply{Kind: bot.KindTopics, Text: "Pick one", Choices: choices}},
		{"fallback", bot.Reply{Kind: bot.KindNone, Text: "Sorry. In an emergency, call 112.", Choices: choices[:3]}},
	}
	for _, c := range cases {
		msgs := render(c.r)
		if len(msgs) == 0 {
			t.Errorf("%s: no messages", c.name)
		}
		for i, m := range msgs {
			for _, p := range discordtest.CheckMessage(wire(t, m)) {
				t.Errorf("%s: message %d: %s", c.name, i, p)
			}
		}
	}
	// Pages of topics stay within limits too.
	for page := range 3 {
		for i, m := range renderTopics(bot.Reply{Kind: bot.KindTopics, Text: "Pick", Choices: choices}, page) {
			for _, p := range discordtest.CheckMessage(wire(t, m)) {
				t.Errorf("topics page %d message %d: %s", page, i, p)
			}
		}
	}
}

func TestRenderLeadsWithTheUrgentLine(t *testing.T) {
	line, banner := bot.Line112("es"), bot.DangerLine("en")
	cases := []struct {
		name string
		r    bot.Reply
		want string
	}{
		{"the emergency entry itself", bot.Reply{Kind: bot.KindAnswer, Question: "Emergency?", Answer: "Call 112.", Emergency: true}, ""},
		{"urgent line on another answer", bot.Reply{Kind: bot.KindAnswer, Question: "Q?", Answer: "A.", Emergency: true, Urgent: line}, "🚨 " + line},
		{"banner on a possible emergency", bot.Reply{Kind: bot.KindAnswer, Question: "Q?", Answer: "A.", Urgency: "possible", Urgent: banner}, "🚨 " + banner},
		{"urgent line on a clarify", bot.Reply{Kind: bot.KindClarify, Text: "Did you mean?", Urgent: line}, "🚨 " + line + "\n\nDid you mean?"},
		{"urgent line on the fallback", bot.Reply{Kind: bot.KindNone, Text: "Sorry.", Emergency: true, Urgent: line}, "🚨 " + line + "\n\nSorry."},
		{"no emergency", bot.Reply{Kind: bot.KindAnswer, Question: "Q?", Answer: "A."}, ""},
	}
	for _, c := range cases {
		msgs := render(c.r)
		if got := msgs[0].Content; got != c.want {
			t.Errorf("%s: first content %q, want %q", c.name, got, c.want)
		}
	}
}

func TestEntryButtons(t *testing.T) {
	long := strings.Repeat("x", 99)
	cs := []bot.Choice{
		{ID: "a", Question: "Alpha?"},
		{ID: "a", Question: "Alpha again"},
		{ID: long, Question: "a long id"},
		{ID: "", Question: "no id"},
		{ID: "b", Question: ""},
		{ID: "c", Question: strings.Repeat("é", 100)},
		{ID: "d|e", Question: "an id with the separator"},
	}
	got := entryButtons(cs, "q1")
	var ids, labels []string
	for _, b := range got {
		ids = append(ids, b.CustomID)
		labels = append(labels, b.Label)
	}
	want := []string{"e:a|q1", "e:#" + entryHash(long) + "|q1", "e:b|q1", "e:c|q1", "e:#" + entryHash("d|e") + "|q1"}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("custom ids %v, want %v (repeats and empty ids dropped, long ids hashed)", ids, want)
	}
	for _, id := range ids {
		if n := utf8.RuneCountInString(id); n > maxCustomID {
			t.Errorf("custom id %q has %d characters", id, n)
		}
	}
	if len(labels) == 5 && (labels[2] != "b" || utf8.RuneCountInString(labels[3]) != 80) {
		t.Errorf("labels %q, want the id for an empty question and 80 runes for a long one", labels)
	}
	// A question id too long to fit beside the entry is dropped, never the button.
	if b := entryButtons([]bot.Choice{{ID: "a", Question: "A"}}, strings.Repeat("q", 120)); len(b) != 1 || b[0].CustomID != "e:a" {
		t.Errorf("with an over-long question id: %+v, want e:a", b)
	}
}

// Every follow-up of an answer is reachable, page by page.
func TestFollowUpsPaginate(t *testing.T) {
	r := bot.Reply{Kind: bot.KindAnswer, ID: "start", Question: "Q?", Answer: "A.", QuestionID: "q7"}
	for i := range 40 {
		r.FollowUps = append(r.FollowUps, bot.Choice{ID: fmt.Sprintf("f%02d", i), Question: fmt.Sprintf("Follow-up %d?", i)})
	}
	seen := map[string]bool{}
	for page := 0; page < 10; page++ {
		comps := answerComponents(r, page)
		b, err := json.Marshal(&discordgo.MessageSend{Content: "x", Components: comps, AllowedMentions: noMentions()})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range discordtest.CheckMessage(b) {
			t.Errorf("page %d: %s", page, p)
		}
		next := ""
		for _, c := range comps {
			for _, x := range c.(discordgo.ActionsRow).Components {
				id := x.(discordgo.Button).CustomID
				switch {
				case strings.HasPrefix(id, entryPrefix):
					seen[id] = true
				case strings.HasPrefix(id, followUpPrefix) && strings.HasPrefix(id, fmt.Sprintf("%s%d:", followUpPrefix, page+1)):
					next = id
				}
			}
		}
		if next == "" {
			break
		}
		if want := fmt.Sprintf("f:%d:start|q7", page+1); next != want {
			t.Errorf("page %d: More is %q, want %q", page, next, want)
		}
	}
	if len(seen) != 40 {
		t.Errorf("%d follow-ups reachable, want all 40", len(seen))
	}
}

func TestRedact(t *testing.T) {
	a := &Adapter{secret: newRedactor("s3cret")}
	cases := []struct{ in, want string }{
		{`Post "https://discord.com/api/v9/interactions/123/aW50ZXJhY3Rpb24/callback": EOF`, `Post "https://discord.com/api/v9/interactions/123/[redacted]/callback": EOF`},
		{"PATCH https://discord.com/api/v9/webhooks/77/tok.en-_1/messages/@original", "PATCH https://discord.com/api/v9/webhooks/77/[redacted]/messages/@original"},
		{"Rate limit exceeded on https://x/api/v9/webhooks/77/tok?wait=true, retry after 1s", "Rate limit exceeded on https://x/api/v9/webhooks/77/[redacted]?wait=true, retry after 1s"},
		{"identify with Bot s3cret failed", "identify with Bot [redacted] failed"},
		{"nothing secret", "nothing secret"},
	}
	for _, c := range cases {
		if got := a.redact(c.in); got != c.want {
			t.Errorf("redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A break inside a code block closes it in its piece and opens it again
// in the next: every piece has balanced fences, within the limit, and no
// word of the text or the code is lost.
func TestSplitTextKeepsCodeBlocksClosed(t *testing.T) {
	code := "```\n" + strings.Repeat("step one two three\n", 12) + "```"
	cases := []struct {
		name  string
		in    string
		limit int
	}{
		{"block across one break", "Before the block.\n\n" + code + "\n\nAfter the block.", 120},
		{"block across many breaks", code + " tail", 50},
		{"two blocks", "Intro.\n" + code + "\nMiddle.\n" + code, 90},
		{"block ends at the break", strings.Repeat("x", 30) + " ```\n" + strings.Repeat("y", 20) + "\n``` after", 60},
		{"an answer with ``` and no end", "Type ``` to start code. " + strings.Repeat("word ", 60), 100},
	}
	words := func(s string) string {
		return strings.Join(strings.Fields(strings.ReplaceAll(s, codeFence, " ")), " ")
	}
	for _, c := range cases {
		got := splitText(c.in, c.limit)
		for i, p := range got {
			if n := utf8.RuneCountInString(p); n > c.limit || n == 0 {
				t.Errorf("%s: piece %d has %d runes, want 1..%d", c.name, i, n, c.limit)
			}
			if strings.Count(c.in, codeFence)%2 == 0 && strings.Count(p, codeFence)%2 != 0 {
				t.Errorf("%s: piece %d leaves a code block open: %q", c.name, i, p)
			}
		}
		if words(strings.Join(got, " ")) != words(c.in) {
			t.Errorf("%s: the pieces %q do not add up to the text", c.name, got)
		}
	}
}
