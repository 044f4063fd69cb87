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

// OutcomeName is the outcome a reply is recorded and shown in JSON with:
// Outcome for the FAQ's replies (answer, clarify, none), else the reply's
// kind (help, topics, reload, refused, rate_limited), so that no reply,
// a command's included, has an empty outcome.
func (r Reply) OutcomeName() string {
	if r.Outcome != "" {
		return r.Outcome
	}
	return string(r.Kind)
}

// Reply is what the bot says, before any platform renders it. The JSON form
// of an FAQ reply (answer, clarify, none) is the object `travelbot ask
// --json` prints and POST /v1/ask returns.
type Reply struct {
	Kind Kind `json:"-"`
	// Outcome is answer, clarify or none for the FAQ's replies; "" for the
	// others, whose outcome is their kind (see OutcomeName).
	Outcome     string     `json:"outcome"`
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
	// Choices are buttons for help and topics replies, and the example
	// questions of the fallback (in JSON as "examples").
	Choices []Choice `json:"examples,omitempty"`
}

// Citation is a resolved citation: the source's details and the quote.
type Citation struct {
	Publisher string `json:"publisher"`
	Title     string `json:"title"`
	Date      string `json:"date"`
	// DateApprox marks Date as an estimate (a summary with no date of its
	// own), to be shown as such wherever the date is.
	DateApprox bool   `json:"date_approx,omitempty"`
	URL        string `json:"url,omitempty"`
	// Quote is the verbatim passage cited; empty for an official page
	// cited as a whole for its link.
	Quote string `json:"quote,omitempty"`
}

// Choice is an entry offered to press: a suggestion, a follow-up, a topic.
type Choice struct {
	ID         string  `json:"id"`
	Question   string  `json:"question"`
	Confidence float64 `json:"confidence,omitempty"`
}

// voice is how the replies to one message speak: in the message's
// language where the catalog has it, and pointing at /topics only on a
// chat platform (the terminal's `ask` and the HTTP API have no commands).
type voice struct {
	lang   string
	topics bool
}

func voiceFor(m Message, lang string) voice {
	if lang == "" {
		lang = "en"
	}
	return voice{lang: lang, topics: m.Channel != "cli" && m.Channel != "http"}
}

// fromResult turns a match of question q into a reply, before the urgency
// level is applied.
func fromResult(t *faq.Table, q string, res faq.Result, v voice) Reply {
	switch res.Outcome {
	case faq.Answer:
		return answerReply(t, res.Entry, res.Confidence)
	case faq.Clarify:
		r := Reply{
			Kind:       KindClarify,
			Outcome:    string(faq.Clarify),
			Confidence: res.Confidence,
			Text:       Text(KeyClarify, v.lang),
		}
		for _, s := range res.Suggestions {
			r.Suggestions = append(r.Suggestions, Choice{ID: s.Entry.ID, Question: s.Entry.Question, Confidence: s.Confidence})
		}
		return r
	default:
		r := fallback(t, res.Confidence, v)
		if opener := smallTalk(q); opener != "" {
			// "hi", "thanks", "what can you do": not a question the FAQ
			// lacks, so say hello instead of sorry.
			r.Text = joinLines(joinSentences(opener, coverage(t), Text(KeyAskAway, v.lang), topicsHint(v)), DangerLine(v.lang))
		}
		return r
	}
}

// withUrgency applies the message's emergency level to its reply. Urgent:
// the 112 line in the message's language comes first, and the emergency
// entry's answer opens with its first sentence in that language. Possible:
// the reply stands, under the one-line danger banner. The fallback's own
// closing 112 line gives way to the banner, so it is said once.
func withUrgency(t *faq.Table, r Reply, u faq.Urgency, v voice) Reply {
	switch u {
	case faq.UrgencyUrgent:
		r.Emergency = true
		r.Urgent = Line112(v.lang)
		if e := t.Entry(r.ID); r.Kind == KindAnswer && e != nil && e.HasTag(faq.TagEmergency) && v.lang != "en" {
			if lead := Text(KeyEmergencyLead, v.lang); lead != Text(KeyEmergencyLead, "en") {
				r.Answer = lead + "\n" + r.Answer
			}
		}
	case faq.UrgencyPossible:
		r.Urgent = DangerLine(v.lang)
	}
	if r.Urgent != "" {
		r.Text = strings.TrimSuffix(r.Text, "\n"+DangerLine(v.lang))
	}
	return r
}

// urgencyOf is the result's level; a Result built without one (an older
// matcher, a test) is urgent exactly when it is routed as an emergency.
func urgencyOf(res faq.Result) faq.Urgency {
	switch {
	case res.Urgency != "":
		return res.Urgency
	case res.Emergency:
		return faq.UrgencyUrgent
	}
	return faq.UrgencyNone
}

func answerReply(t *faq.Table, e *faq.Entry, conf float64) Reply {
	r := Reply{
		Kind:       KindAnswer,
		Outcome:    string(faq.Answer),
		ID:         e.ID,
		Confidence: conf,
		Question:   e.Question,
		Answer:     strings.TrimSpace(e.Answer),
		Citations:  []Citation{},
		FollowUps:  []Choice{},
	}
	for _, c := range e.Citations {
		s := t.Source(c.Source)
		if s == nil {
			continue // validation rejects this; a table built by hand may not
		}
		r.Citations = append(r.Citations, Citation{Publisher: s.Publisher, Title: s.Title, Date: s.Date, DateApprox: s.DateApprox, URL: s.URL, Quote: c.Quote})
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
		return Text(KeyHello, "en")
	case "thanks", "thank", "thx", "ty", "grazie", "cheers":
		return Text(KeyWelcome, "en")
	}
	joined := strings.Join(words, " ")
	for _, meta := range []string{"what can you do", "who are you", "what are you", "how does this work", "what do you know", "what can i ask", "how do i use"} {
		if strings.Contains(joined, meta) {
			return Text(KeyIntro, "en")
		}
	}
	if words[0] == "good" && len(words) > 1 && (words[1] == "morning" || words[1] == "afternoon" || words[1] == "evening") {
		return Text(KeyHello, "en")
	}
	return ""
}

// fallback is the honest "I don't know": what the bot covers, where the
// topics are, and the 112 line.
func fallback(t *faq.Table, conf float64, v voice) Reply {
	text := joinLines(joinSentences(Text(KeyFallback, v.lang), coverage(t), topicsHint(v)), DangerLine(v.lang))
	return Reply{Kind: KindNone, Outcome: string(faq.None), Confidence: conf, Text: text, Choices: examples(t, 3)}
}

// topicsHint points at /topics where the channel has it.
func topicsHint(v voice) string {
	if !v.topics {
		return ""
	}
	return Text(KeyTopicsHint, v.lang)
}

// coverage says what the FAQ covers: its own about line, or the catalog's
// with example questions when the FAQ has none.
func coverage(t *faq.Table) string {
	if a := strings.TrimSpace(t.About()); a != "" {
		return a
	}
	var qs []string
	for _, c := range examples(t, 3) {
		qs = append(qs, quoted(c.Question))
	}
	if len(qs) == 0 {
		return Text(KeyAbout, "en")
	}
	return Text(KeyAbout, "en") + " For example: " + strings.Join(qs, ", ") + "."
}

// joinSentences joins the non-empty sentences with a space.
func joinSentences(ss ...string) string {
	out := ss[:0:0]
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// joinLines joins the non-empty lines with a newline.
func joinLines(ss ...string) string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n")
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

// Chat kinds a Message can come from (Message.ChatKind).
const (
	ChatPrivate = "private"
	ChatGroup   = "group"
)

// Help explains what the bot covers and how to ask, with example questions
// as choices, worded for a private chat.
func (b *Bot) Help() Reply { return b.HelpFor(false) }

// HelpFor is Help worded for a group (use /ask there) or a private chat
// (just type).
func (b *Bot) HelpFor(group bool) Reply {
	return b.greet(group, KeyStartPrivate, KeyStartGroup)
}

// greet is /start and /help: the opener, what the bot covers, how to ask
// here, where the topics are, and the 112 line.
func (b *Bot) greet(group bool, private, inGroup Key) Reply {
	t := b.tables.Current()
	opener, how := Text(private, "en"), Text(KeyHelpPrivate, "en")
	if group {
		opener, how = Text(inGroup, "en"), Text(KeyHelpGroup, "en")
	}
	text := joinSentences(opener, coverage(t)) + "\n\n" +
		joinLines(joinSentences(how, Text(KeyTopicsHint, "en")), b.privacy, DangerLine("en"))
	return Reply{Kind: KindHelp, Text: text, Choices: examples(t, 4)}
}

// Topics lists every entry as a choice.
func (b *Bot) Topics() Reply {
	t := b.tables.Current()
	var cs []Choice
	for _, e := range t.Entries() {
		cs = append(cs, Choice{ID: e.ID, Question: e.Question})
	}
	return Reply{Kind: KindTopics, Text: Text(KeyTopics, "en"), Choices: cs}
}

func (b *Bot) emptyQuestion(t *faq.Table) Reply {
	// Outcome none: as JSON this is an out-of-scope reply like any other.
	return Reply{Kind: KindHelp, Outcome: string(faq.None), Text: joinLines(joinSentences(Text(KeyEmpty, "en"), coverage(t)), DangerLine("en")), Choices: examples(t, 4)}
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
