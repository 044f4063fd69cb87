package bot

import (
	"fmt"
	"strings"
	"unicode"

	"travelbot/faq"
)

// Kind says what a Reply is, so adapters can render and log it.
type Kind string

// The kinds of reply.
const (
	KindAnswer      Kind = "answer"       // an FAQ entry
	KindClarify     Kind = "clarify"      // "did you mean" suggestions
	KindNone        Kind = "none"         // out of scope: the honest fallback
	KindHelp        Kind = "help"         // /start, /help, an empty question
	KindTopics      Kind = "topics"       // /topics
	KindReload      Kind = "reload"       // an admin's reload result
	KindRefused     Kind = "refused"      // an admin command from a non-admin
	KindRateLimited Kind = "rate_limited" // too many questions too fast
)

// EmergencyLine leads every reply to a message that reads like an emergency
// when the FAQ has no entry tagged "emergency" to answer it with.
const EmergencyLine = "EMERGENCY? Call 112 now: police, ambulance and fire in Italy, free from any phone. Then contact the U.S. Consulate when you are safe."

// Reply is what the bot says, before any platform renders it. The JSON form
// of an FAQ reply (answer, clarify, none) is the object `travelbot ask
// --json` prints and POST /v1/ask returns.
type Reply struct {
	Kind        Kind       `json:"-"`
	Outcome     string     `json:"outcome"` // answer, clarify, none
	ID          string     `json:"id"`
	Confidence  float64    `json:"confidence"`
	Question    string     `json:"question"`
	Answer      string     `json:"answer"`
	Citations   []Citation `json:"citations"`
	Suggestions []Choice   `json:"suggestions"`
	FollowUps   []Choice   `json:"follow_ups"`
	Emergency   bool       `json:"emergency"`
	// Urgency is the message's emergency level: "urgent", "possible" or
	// "none" (faq.Urgency); Emergency is true exactly when it is urgent.
	Urgency string `json:"urgency,omitempty"`
	// Language is the ISO 639-1 code of the message's language.
	Language string `json:"language,omitempty"`
	// QuestionID identifies the question this reply answers, for feedback
	// (👍/👎, "none of these") recorded against it later. Empty when the
	// question is not recorded.
	QuestionID string `json:"question_id,omitempty"`
	// Urgent is a line to show before anything else (EmergencyLine), set
	// when the reply is to an emergency but is not itself the FAQ's
	// emergency entry.
	Urgent string `json:"urgent,omitempty"`
	// Text is the body of replies that are not an FAQ entry (fallback,
	// help, topics, reload, refusals).
	Text string `json:"text,omitempty"`
	// Note is a short aside shown after the body ("I read only the
	// beginning of your message").
	Note string `json:"note,omitempty"`
	// Choices are buttons for help and topics replies.
	Choices []Choice `json:"-"`
}

// Citation is a resolved citation: the source's details and the quote.
type Citation struct {
	Publisher string `json:"publisher"`
	Title     string `json:"title"`
	Date      string `json:"date"`
	URL       string `json:"url,omitempty"`
	Quote     string `json:"quote"`
}

// Choice is an entry offered to press: a suggestion, a follow-up, a topic.
type Choice struct {
	ID         string  `json:"id"`
	Question   string  `json:"question"`
	Confidence float64 `json:"confidence,omitempty"`
}

// fromResult turns a match of question q into a reply.
func fromResult(t *faq.Table, q string, res faq.Result) Reply {
	switch res.Outcome {
	case faq.Answer:
		return answerReply(t, res.Entry, res.Confidence, res.Emergency)
	case faq.Clarify:
		r := Reply{
			Kind:       KindClarify,
			Outcome:    string(faq.Clarify),
			Confidence: res.Confidence,
			Emergency:  res.Emergency,
			Text:       "I'm not sure I understood. Did you mean one of these?",
		}
		for _, s := range res.Suggestions {
			r.Suggestions = append(r.Suggestions, Choice{ID: s.Entry.ID, Question: s.Entry.Question, Confidence: s.Confidence})
		}
		if res.Emergency {
			r.Urgent = EmergencyLine
		}
		return r
	default:
		r := fallback(t, res.Confidence)
		if opener := smallTalk(q); opener != "" {
			// "hi", "thanks", "what can you do": not a question the FAQ
			// lacks, so say hello instead of sorry.
			r.Text = opener + " " + coverage(t) + " Ask me anything about that, or use /topics.\nIn an emergency, call 112."
		}
		if res.Emergency {
			r.Emergency = true
			r.Urgent = EmergencyLine
		}
		return r
	}
}

func answerReply(t *faq.Table, e *faq.Entry, conf float64, emergency bool) Reply {
	r := Reply{
		Kind:       KindAnswer,
		Outcome:    string(faq.Answer),
		ID:         e.ID,
		Confidence: conf,
		Question:   e.Question,
		Answer:     strings.TrimSpace(e.Answer),
		Emergency:  emergency,
		Citations:  []Citation{},
		FollowUps:  []Choice{},
	}
	if emergency && !e.HasTag(faq.TagEmergency) {
		r.Urgent = EmergencyLine
	}
	for _, c := range e.Citations {
		s := t.Source(c.Source)
		if s == nil {
			continue // validation rejects this; a table built by hand may not
		}
		r.Citations = append(r.Citations, Citation{Publisher: s.Publisher, Title: s.Title, Date: s.Date, URL: s.URL, Quote: c.Quote})
	}
	for _, id := range e.FollowUps {
		if f := t.Entry(id); f != nil {
			r.FollowUps = append(r.FollowUps, Choice{ID: f.ID, Question: f.Question})
		}
	}
	return r
}

// smallTalk recognises greetings, thanks and questions about the bot itself
// and returns how to open the reply to them, or "".
func smallTalk(q string) string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\''
	})
	if len(words) == 0 || len(words) > 6 {
		return ""
	}
	switch words[0] {
	case "hi", "hello", "hey", "hiya", "ciao", "buongiorno", "buonasera", "yo", "howdy", "greetings":
		return "Hello!"
	case "thanks", "thank", "thx", "ty", "grazie", "cheers":
		return "You're welcome!"
	}
	joined := strings.Join(words, " ")
	for _, meta := range []string{"what can you do", "who are you", "what are you", "how does this work", "what do you know", "what can i ask", "how do i use"} {
		if strings.Contains(joined, meta) {
			return "I'm travelbot."
		}
	}
	if words[0] == "good" && len(words) > 1 && (words[1] == "morning" || words[1] == "afternoon" || words[1] == "evening") {
		return "Hello!"
	}
	return ""
}

// fallback is the honest "I don't know": what the bot covers, and 112.
func fallback(t *faq.Table, conf float64) Reply {
	var sb strings.Builder
	sb.WriteString("Sorry, I don't have an answer to that. ")
	sb.WriteString(coverage(t))
	sb.WriteString(" Try rephrasing, or use /topics to see everything I cover.\nIn an emergency, call 112.")
	return Reply{Kind: KindNone, Outcome: string(faq.None), Confidence: conf, Text: sb.String(), Choices: examples(t, 3)}
}

// coverage says in one sentence what the FAQ covers.
func coverage(t *faq.Table) string {
	if a := strings.TrimSpace(t.About()); a != "" {
		return a
	}
	var qs []string
	for _, c := range examples(t, 3) {
		qs = append(qs, fmt.Sprintf("%q", c.Question))
	}
	return "I can answer questions such as " + strings.Join(qs, ", ") + "."
}

// examples picks n entries to offer as example questions: the first entries
// in file order, which FAQ authors put first because they matter most.
func examples(t *faq.Table, n int) []Choice {
	var out []Choice
	for _, e := range t.Entries() {
		if len(out) == n {
			break
		}
		out = append(out, Choice{ID: e.ID, Question: e.Question})
	}
	return out
}

// Help explains what the bot covers, with example questions as choices.
func (b *Bot) Help() Reply {
	t := b.tables.Current()
	text := "Hi! I answer practical questions for U.S. travelers at the Milan-Cortina 2026 Winter Olympics and Paralympics. " +
		coverage(t) +
		"\n\nJust type your question, or use /ask <question> in a group. /topics lists everything I cover." +
		"\nIn an emergency, call 112 first."
	return Reply{Kind: KindHelp, Text: text, Choices: examples(t, 4)}
}

// Topics lists every entry as a choice.
func (b *Bot) Topics() Reply {
	t := b.tables.Current()
	var cs []Choice
	for _, e := range t.Entries() {
		cs = append(cs, Choice{ID: e.ID, Question: e.Question})
	}
	return Reply{Kind: KindTopics, Text: "Here is everything I can answer. Pick a topic:", Choices: cs}
}

func (b *Bot) emptyQuestion(t *faq.Table) Reply {
	// Outcome none: as JSON this is an out-of-scope reply like any other.
	return Reply{Kind: KindHelp, Outcome: string(faq.None), Text: "What would you like to know? " + coverage(t) + "\nIn an emergency, call 112.", Choices: examples(t, 4)}
}

// reloadReply phrases a reload result for an admin: it starts with
// "Reloaded" or "Reload failed".
func reloadReply(res faq.ReloadResult) Reply {
	var sb strings.Builder
	switch {
	case res.OK && res.Changed:
		fmt.Fprintf(&sb, "Reloaded: version %s, %d entries, in %d ms.", res.Version, res.Entries, res.Duration.Milliseconds())
	case res.OK:
		fmt.Fprintf(&sb, "Reloaded: no change (version %s, %d entries).", res.Version, res.Entries)
	default:
		fmt.Fprintf(&sb, "Reload failed; still serving version %s (%d entries).", res.Version, res.Entries)
		if res.Err != nil {
			sb.WriteString("\n" + res.Err.Error())
		}
		const maxShown = 20
		for i, p := range res.Problems {
			if i == maxShown {
				fmt.Fprintf(&sb, "\n... and %d more", len(res.Problems)-maxShown)
				break
			}
			sb.WriteString("\n" + p.String())
		}
	}
	return Reply{Kind: KindReload, Text: sb.String()}
}

// Suggest returns up to n entries for a partly typed question (Discord
// autocomplete, Telegram inline mode), best first.
func (b *Bot) Suggest(prefix string, n int) []Choice {
	q, _ := cleanQuestion(prefix)
	var out []Choice
	for _, s := range b.tables.Current().Suggest(q, n) {
		out = append(out, Choice{ID: s.Entry.ID, Question: s.Entry.Question, Confidence: s.Confidence})
	}
	return out
}
