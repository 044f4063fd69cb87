package telegram

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"travelbot/bot"
	"travelbot/bot/telegram/telegramtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenReplies are the five replies whose rendering is pinned: the
// emergency answer, the consulate, an answer citing several sources more
// than once each, a "did you mean", and the fallback.
var goldenReplies = map[string]bot.Reply{
	"emergency": {
		Kind: bot.KindAnswer, Outcome: "answer", ID: "emergency-112", Confidence: 1, Emergency: true,
		Urgency: "urgent", Language: "es", Urgent: bot.Line112("es"), QuestionID: "q-0001",
		Question: "What do I do in an emergency?",
		Answer:   bot.Text(bot.KeyEmergencyLead, "es") + "\nCall 112 for police, ambulance and fire. Then call the U.S. Consulate General in Milan.",
		Citations: []bot.Citation{
			{Publisher: "U.S. Department of State", Title: "Italy International Travel Information", Date: "2025-06-01", URL: "https://travel.state.gov/italy", Quote: "Dial 112 for emergency assistance."},
			{Publisher: "U.S. Embassy & Consulates in Italy", Title: "U.S. Embassy & Consulates in Italy", URL: "https://it.usembassy.gov/"},
			{Publisher: "U.S. Department of State", Title: "Italy International Travel Information", Date: "2025-06-01", URL: "https://travel.state.gov/italy", Quote: "112 works from any phone, free of charge."},
		},
		FollowUps: []bot.Choice{{ID: "consulate", Question: "Where is the U.S. consulate in Milan?"}},
	},
	"consulate": {
		Kind: bot.KindAnswer, Outcome: "answer", ID: "consulate", Confidence: 0.8, Urgency: "none", Language: "en", QuestionID: "q-0002",
		Question: "Where is the U.S. consulate in Milan?",
		Answer:   "Via Principe Amedeo 2/10, 20121 Milan. Appointments only; bring your passport.",
		Citations: []bot.Citation{
			{Publisher: "U.S. Consulate General Milan", Title: "Contact us", Date: "2025-03-02", URL: "https://it.usconsulate.gov/milan/", Quote: "Via Principe Amedeo, 2/10 – 20121 Milano."},
			{Publisher: "U.S. Embassy & Consulates in Italy", Title: "U.S. Embassy & Consulates in Italy", URL: "https://it.usembassy.gov/"},
		},
		FollowUps: []bot.Choice{{ID: "lost-passport", Question: "I lost my passport. What now?"}, {ID: "emergency-112", Question: "What do I do in an emergency?"}},
	},
	"multi-source": {
		Kind: bot.KindAnswer, Outcome: "answer", ID: "italian-reaction", Confidence: 0.6, Urgency: "none", Language: "en", QuestionID: "q-0003",
		Question: "How have Italians reacted to the Games?",
		Answer:   "Opinion is mixed: pride in hosting, worries about cost <and> the environment & traffic.",
		Citations: []bot.Citation{
			{Publisher: "Corriere della Sera", Title: "Sondaggio: gli italiani e le Olimpiadi", Date: "2025-11-20", URL: "https://www.corriere.it/olimpiadi", Quote: "Il 61% è favorevole."},
			{Publisher: "Reuters", Title: "Cortina residents weigh cost of Games", Date: "2025-10", DateApprox: true, Quote: "Locals worry about traffic."},
			{Publisher: "Corriere della Sera", Title: "Sondaggio: gli italiani e le Olimpiadi", Date: "2025-11-20", URL: "https://www.corriere.it/olimpiadi", Quote: "Il 29% teme i costi."},
			{Publisher: "Reuters", Title: "Cortina residents weigh cost of Games", Date: "2025-10", DateApprox: true, Quote: "Locals worry about traffic."},
			{Publisher: "Reuters", Title: "Cortina residents weigh cost of Games", Date: "2025-10", DateApprox: true, Quote: "Hotels are booked out 😀."},
			{Publisher: "Legambiente", Title: "Olimpiadi e ambiente", Date: "2025-09-01", URL: "https://www.legambiente.it/olimpiadi?a=1&b=2", Quote: "Nuove piste, vecchi problemi."},
		},
		FollowUps: []bot.Choice{},
	},
	"clarify": {
		Kind: bot.KindClarify, Outcome: "clarify", Confidence: 0.12, Urgency: "possible", Language: "en", QuestionID: "q-0004",
		Urgent: bot.DangerLine("en"), Text: bot.Text(bot.KeyClarify, "en"),
		Suggestions: []bot.Choice{
			{ID: "lost-passport", Question: "I lost my passport. What now?", Confidence: 0.12},
			{ID: "consulate", Question: "Where is the U.S. consulate in Milan?", Confidence: 0.1},
			{ID: "parking-near-the-olympic-venues-in-milan-and-cortina-during-the-games-2026", Question: "Is there parking near the venues?", Confidence: 0.08},
		},
	},
	"fallback": {
		Kind: bot.KindNone, Outcome: "none", Urgency: "none", Language: "en", QuestionID: "q-0005",
		Text: bot.Text(bot.KeyFallbackFinal, "en") + " " + bot.Text(bot.KeyAbout, "en") + "\n" + bot.Text(bot.KeyConsulatePage, "en") + "\n" + bot.DangerLine("en"),
		Choices: []bot.Choice{
			{ID: "emergency-112", Question: "What do I do in an emergency?"},
			{ID: "consulate", Question: "Where is the U.S. consulate in Milan?"},
			{ID: "lost-passport", Question: "I lost my passport. What now?"},
		},
	},
}

// TestRenderGolden pins what each of the five replies looks like on
// Telegram: the HTML of each message, then each row of buttons with its
// callback data. Run with -update to rewrite testdata/render/*.golden after
// a deliberate change, and read the diff.
func TestRenderGolden(t *testing.T) {
	for name, r := range goldenReplies {
		t.Run(name, func(t *testing.T) {
			a := testAdapter(t, nil)
			var sb strings.Builder
			for i, m := range a.render(r) {
				if _, err := telegramtest.CheckHTML(m.html); err != nil {
					t.Errorf("message %d: %v", i, err)
				}
				sb.WriteString("--- message " + string(rune('1'+i)) + "\n" + m.html + "\n")
				if m.keyboard == nil {
					continue
				}
				sb.WriteString("--- buttons\n")
				for _, row := range m.keyboard.InlineKeyboard {
					for j, b := range row {
						if j > 0 {
							sb.WriteString("  ")
						}
						sb.WriteString("[" + b.Text + " → " + *b.CallbackData + "]")
					}
					sb.WriteString("\n")
				}
			}
			got := sb.String()
			path := filepath.Join("testdata", "render", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestRenderGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s rendered differently from %s:\n%s", name, path, got)
			}
		})
	}
}

// TestRenderListsEachSourceOnce: every source once, with all its quotes and
// its link; an estimated date marked; the lead line first.
func TestRenderListsEachSourceOnce(t *testing.T) {
	cases := []struct {
		name  string
		reply bot.Reply
		first string   // prefix of the visible text
		once  []string // each exactly once in the visible text
		links []string // each exactly once in the HTML
	}{
		{"multi-source", goldenReplies["multi-source"], "How have Italians reacted",
			[]string{"Corriere della Sera", "Reuters", "Legambiente", "“Locals worry about traffic.”", "“Il 61% è favorevole.”", "“Il 29% teme i costi.”", "approx. 2025-10"},
			[]string{`href="https://www.corriere.it/olimpiadi"`, `href="https://www.legambiente.it/olimpiadi?a=1&amp;b=2"`}},
		{"emergency in Spanish", goldenReplies["emergency"], "🚨 " + bot.Line112("es"),
			[]string{"U.S. Department of State", "“Dial 112 for emergency assistance.”", "“112 works from any phone, free of charge.”"},
			[]string{`href="https://travel.state.gov/italy"`, `href="https://it.usembassy.gov/"`}},
		{"possible-level banner over a clarify", goldenReplies["clarify"], "⚠️ " + bot.DangerLine("en"), nil, nil},
	}
	for _, tc := range cases {
		d, _ := compose(tc.reply)
		vis, html := d.plain(), d.html(0, len(d.plain()))
		if !strings.HasPrefix(vis, tc.first) {
			t.Errorf("%s: starts %q, want %q", tc.name, vis[:min(len(vis), 60)], tc.first)
		}
		for _, s := range tc.once {
			if n := strings.Count(vis, s); n != 1 {
				t.Errorf("%s: %q shown %d times, want once:\n%s", tc.name, s, n, vis)
			}
		}
		for _, s := range tc.links {
			if n := strings.Count(html, s); n != 1 {
				t.Errorf("%s: link %s %d times, want once:\n%s", tc.name, s, n, html)
			}
		}
	}
}
