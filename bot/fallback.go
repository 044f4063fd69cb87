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

// rephrasing remembers the chats where the bot asked to rephrase. It is
// bounded and expires on its own, and safe for concurrent use.
type rephrasing struct {
	asked *expirable.LRU[string, struct{}]
}

func newRephrasing() *rephrasing {
	return &rephrasing{asked: expirable.NewLRU[string, struct{}](maxRephrasing, nil, RephraseWindow)}
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
	var r Reply
	if b.secondMiss(m) {
		r = finalFallback(b.tables.Current(), "en")
	} else {
		b.misses.asked.Add(missKey(m), struct{}{})
		r = Reply{Kind: KindRephrase, Outcome: string(faq.None), Text: joinLines(Text(KeyRephrase, "en"), DangerLine("en"))}
	}
	r.QuestionID = questionID
	b.observe(m, r, b.now().Sub(start))
	return r
}

// secondMiss reports (and forgets) that the bot already asked m's user to
// rephrase in m's chat.
func (b *Bot) secondMiss(m Message) bool {
	return m.UserID != "" && b.misses.asked.Remove(missKey(m))
}

// afterRephrase turns the reply to a rephrased question into the final
// fallback when it misses again; an answer or a clarification ends the
// second stage (a clarification keeps its own "None of these").
func (b *Bot) afterRephrase(t *faq.Table, m Message, q string, res faq.Result, r Reply, lang string) Reply {
	if m.UserID == "" || !b.misses.asked.Contains(missKey(m)) {
		return r
	}
	if res.Outcome != faq.None || smallTalk(q) != "" {
		if res.Outcome == faq.Answer {
			b.misses.asked.Remove(missKey(m))
		}
		return r
	}
	b.misses.asked.Remove(missKey(m))
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
