package bot

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"travelbot/faq"
)

// KindRephrase is the reply to "None of these": a request to say it another
// way, once, with the 112 line.
const KindRephrase Kind = "rephrase"

// RephraseWindow is how long after "None of these" a second miss by the
// same user in the same chat gets the final fallback instead of another
// "did you mean".
const RephraseWindow = 30 * time.Minute

// maxRephrasing bounds the chats remembered between a "None of these" and
// what follows it.
const maxRephrasing = 10_000

// MinSuggestConfidence is the least confidence an as-you-type suggestion
// needs once three or more letters are typed: below it nothing is offered
// ("weather" suggests nothing rather than three unrelated entries). With one
// or two letters, suggestions are the questions containing those letters in
// order, and an empty prefix lists the first entries.
const MinSuggestConfidence = 0.1

// rephrasing remembers, per chat user, the language of the last "did you
// mean" and whether the bot has asked to rephrase. It is bounded and
// expires on its own, and safe for concurrent use.
type rephrasing struct {
	state *expirable.LRU[string, missState]
}

type missState struct {
	asked bool   // "None of these" was pressed once: the next miss is the second
	lang  string // the language of the question that got "did you mean"
}

func newRephrasing() *rephrasing {
	return &rephrasing{state: expirable.NewLRU[string, missState](maxRephrasing, nil, RephraseWindow)}
}

// clarified notes the language of a "did you mean" reply, so that what
// follows "None of these" speaks it too.
func (p *rephrasing) clarified(m Message, lang string) {
	if m.UserID == "" {
		return
	}
	st, _ := p.state.Get(missKey(m))
	st.lang = lang
	p.state.Add(missKey(m), st)
}

// asked reports whether the bot asked m's user to rephrase in m's chat.
func (p *rephrasing) asked(m Message) bool {
	st, ok := p.state.Peek(missKey(m))
	return ok && st.asked
}

// missKey is who missed where: one user in one chat of one channel.
func missKey(m Message) string {
	return m.Channel + "\x00" + m.Chat + "\x00" + m.UserID
}

// NoneOfThese is the second stage of the fallback, for the "None of these"
// button under "did you mean" suggestions: it records the miss against the
// question (when a Recorder is set) and asks the traveler to rephrase, once,
// with the 112 line. A second miss by the same user in the same chat within
// RephraseWindow (another "None of these", or a rephrased question the FAQ
// does not answer) gets the final fallback: what the bot covers, the
// consulate's page, and 112. It is safe for concurrent use.
func (b *Bot) NoneOfThese(ctx context.Context, m Message, questionID string) Reply {
	start := b.now()
	b.record(Event{Time: start, QuestionID: questionID, Kind: EventNoneOfThese, Channel: m.Channel, UserID: m.UserID})
	st, _ := b.misses.state.Peek(missKey(m))
	lang := st.lang
	if lang == "" {
		lang = "en"
	}
	var r Reply
	switch {
	case m.UserID == "":
		// Nobody to remember: ask to rephrase, every time.
		r = rephrase(m, lang)
	case st.asked:
		b.misses.state.Remove(missKey(m))
		r = finalFallback(b.tables.Current(), lang)
	default:
		b.misses.state.Add(missKey(m), missState{asked: true, lang: lang})
		r = rephrase(m, lang)
	}
	r.Language = lang
	r.QuestionID = questionID
	b.observe(m, r, b.now().Sub(start))
	return r
}

// rephrase asks to say it another way, with the 112 line. In a group it
// also says how to ask there (/ask, a mention or a reply): a plain message
// in a group is not read.
func rephrase(m Message, lang string) Reply {
	ask := Text(KeyRephrase, lang)
	if m.ChatKind == ChatGroup {
		ask = joinSentences(ask, Text(KeyHelpGroup, lang))
	}
	return Reply{Kind: KindRephrase, Outcome: string(faq.None), Text: joinLines(ask, DangerLine(lang))}
}

// afterRephrase turns the reply to a rephrased question into the final
// fallback when it misses again; an answer or a clarification ends the
// second stage (a clarification keeps its own "None of these").
func (b *Bot) afterRephrase(t *faq.Table, m Message, q string, res faq.Result, r Reply, lang string) Reply {
	if res.Outcome == faq.Clarify {
		b.misses.clarified(m, lang)
	}
	if m.UserID == "" || !b.misses.asked(m) {
		return r
	}
	if res.Outcome != faq.None || smallTalk(q) != "" {
		if res.Outcome == faq.Answer {
			b.misses.state.Remove(missKey(m))
		}
		return r
	}
	b.misses.state.Remove(missKey(m))
	final := finalFallback(t, lang)
	final.Confidence = r.Confidence
	return final
}

// finalFallback is what a traveler gets after missing twice: what the bot
// covers, the consulate's page for anything else, and 112.
func finalFallback(t *faq.Table, lang string) Reply {
	text := joinLines(joinSentences(Text(KeyFallbackFinal, lang), coverage(t)), Text(KeyConsulatePage, lang), DangerLine(lang))
	return Reply{Kind: KindNone, Outcome: string(faq.None), Text: text, Choices: examples(t, 3)}
}

// Suggest returns up to n entries for a partly typed question (Discord
// autocomplete, Telegram inline mode), best first. From three letters on,
// nothing below MinSuggestConfidence is offered, so the list may be empty.
func (b *Bot) Suggest(prefix string, n int) []Choice {
	q, _ := cleanQuestion(prefix)
	filter := utf8.RuneCountInString(strings.TrimSpace(q)) >= 3
	var out []Choice
	for _, s := range b.tables.Current().Suggest(q, n) {
		if filter && s.Confidence < MinSuggestConfidence {
			continue
		}
		out = append(out, Choice{ID: s.Entry.ID, Question: s.Entry.Question, Confidence: s.Confidence})
	}
	return out
}
