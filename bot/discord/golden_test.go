package discord

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"travelbot/bot"
	"travelbot/bot/discord/discordtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenReplies are the five replies whose rendering is pinned, the same
// five the Telegram adapter and the terminal pin: the emergency answer, the consulate, an answer citing several sources more
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
// Discord: each message's content, embeds (title, description, one field
// per source, footer) and rows of buttons with their custom ids. Each
// message must also pass the fake's checks and Discord's OpenAPI schema.
// Run with -update to rewrite testdata/render/*.golden after a deliberate
// change, and read the diff.
func TestRenderGolden(t *testing.T) {
	sp := discordtest.RequireSpec(t)
	for name, r := range goldenReplies {
		t.Run(name, func(t *testing.T) {
			var sb strings.Builder
			for i, m := range render(r) {
				body, err := json.Marshal(callbackBody{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: callbackData{
					Content: m.Content, Embeds: nonNil(m.Embeds), Components: nonNil(m.Components), AllowedMentions: noMentions(),
				}})
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range sp.Check("POST", "/interactions/1/tok/callback", body) {
					t.Errorf("message %d: %s", i+1, p)
				}
				for _, p := range discordtest.CheckMessage(wire(t, m)) {
					t.Errorf("message %d: %s", i+1, p)
				}
				fmt.Fprintf(&sb, "--- message %d\n", i+1)
				if m.Content != "" {
					sb.WriteString(m.Content + "\n")
				}
				for _, e := range m.Embeds {
					if e.Title != "" {
						sb.WriteString("# " + e.Title + "\n")
					}
					if e.Description != "" {
						sb.WriteString(e.Description + "\n")
					}
					for _, f := range e.Fields {
						sb.WriteString("## " + f.Name + "\n" + f.Value + "\n")
					}
					if e.Footer != nil {
						sb.WriteString("_" + e.Footer.Text + "_\n")
					}
				}
				for _, c := range m.Components {
					row := c.(discordgo.ActionsRow)
					var bs []string
					for _, x := range row.Components {
						b := x.(discordgo.Button)
						bs = append(bs, "["+b.Label+" → "+b.CustomID+"]")
					}
					sb.WriteString(strings.Join(bs, "  ") + "\n")
				}
			}
			got := sb.String()
			path := filepath.Join("testdata", "render", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./bot/discord -run TestRenderGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("render(%s) differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
			}
		})
	}
}
