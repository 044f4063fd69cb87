// Package bot is travelbot's conversation, independent of any chat platform:
// it turns an incoming message into a Reply (an answer with citations and
// follow-ups, "did you mean" suggestions, the honest fallback, help, topics,
// an admin's reload) and applies the admin checks and per-user rate limits.
// Adapters (bot/telegram, bot/discord) turn platform events into Messages and
// render Replies; nothing here knows how.
package bot

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"travelbot/faq"
)

// Tables gives the table serving now. *faq.Live satisfies it.
type Tables interface {
	Current() *faq.Table
}

// Reloader reloads the FAQ through the one reload path every trigger uses.
type Reloader interface {
	Reload(ctx context.Context, trigger string) faq.ReloadResult
}

// Observer is told about every question answered, after the reply is built.
// It is the seam for metrics and, later, an unanswered-question log. It must
// be safe for concurrent use and should not block.
type Observer interface {
	Observe(m Message, r Reply, took time.Duration)
}

// Limiter decides whether a user may ask another question now. It is an
// interface so several replicas can later share one budget.
type Limiter interface {
	Allow(key string) bool
}

// Message is one incoming message, already unwrapped from its platform.
type Message struct {
	Channel string // "telegram", "discord", "http", "cli"
	UserID  string // platform user id: for admin checks and rate limits; logged only hashed
	Text    string
	// Chat is the platform's chat or channel id the message came from
	// (Telegram chat id, Discord channel id); empty over HTTP. With UserID
	// it says where a 👎's "What were you looking for?" expects its answer.
	Chat string
	// ChatKind is the kind of chat: "private", "group", "inline" or "http".
	ChatKind string
	// QuestionID is, for a button press under a reply (a picked
	// suggestion, "None of these"), the Reply.QuestionID of that reply, so
	// that what happened next is recorded against the question.
	QuestionID string
}

// Options configure a Bot. Tables is required; the rest have defaults.
type Options struct {
	Tables   Tables
	Reloader Reloader // nil: /reload says reloading is not available
	// Admins lists, per channel, the user ids that may reload.
	Admins  map[string][]string
	Limiter Limiter // nil: no rate limit
	// ChannelLimiters replace Limiter for the channels they name (the
	// HTTP API has its own, larger budget); a nil value means no limit
	// on that channel.
	ChannelLimiters map[string]Limiter
	Observer        Observer // nil: nothing observed
	// Recorder keeps questions and feedback for the learning loop; nil:
	// nothing is recorded and replies carry no QuestionID.
	Recorder Recorder
	// Retention is how long the Recorder keeps question texts, for the
	// sentence /start and /help say about it (PrivacyNote); zero with a
	// Recorder means texts are not kept (log_questions: false).
	Retention time.Duration
	Logger    *slog.Logger
	Now       func() time.Time
}

// Bot is the conversation. It holds no per-conversation state, so one Bot
// serves every adapter and goroutine at once.
type Bot struct {
	tables   Tables
	reloader Reloader
	admins   map[string]bool
	limiter  Limiter
	limiters map[string]Limiter // per channel, over limiter
	observer Observer
	recorder Recorder
	privacy  string         // PrivacyNote for /start and /help; "" without a recorder
	feedback *feedbackState // nil without a recorder
	log      *slog.Logger
	now      func() time.Time
	// match is (*faq.Table).Match; tests of the emergency levels replace
	// it to choose the level a message gets.
	match func(*faq.Table, string) faq.Result
	// misses remembers who was asked to rephrase after "None of these".
	misses *rephrasing
}

// New returns a Bot.
func New(o Options) *Bot {
	b := &Bot{
		tables:   o.Tables,
		reloader: o.Reloader,
		admins:   make(map[string]bool),
		limiter:  o.Limiter,
		limiters: o.ChannelLimiters,
		observer: o.Observer,
		recorder: o.Recorder,
		log:      o.Logger,
		now:      o.Now,
		match:    (*faq.Table).Match,
		misses:   newRephrasing(),
	}
	for ch, ids := range o.Admins {
		for _, id := range ids {
			if id = strings.TrimSpace(id); id != "" {
				b.admins[ch+":"+id] = true
			}
		}
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.recorder != nil {
		b.feedback = newFeedbackState()
		b.privacy = PrivacyNote(o.Retention)
	}
	return b
}

// MaxQuestionRunes is how much of a message is read for what it asks.
// Longer messages are answered on their first MaxQuestionRunes runes and the
// reply says so; they are still read whole (up to MaxMessageBytes) for
// signs of an emergency.
const MaxQuestionRunes = 1000

// MaxMessageBytes bounds the message handed to the matcher, so the cost of
// one message stays bounded whatever a client sends.
const MaxMessageBytes = 16 << 10

// IsAdmin reports whether the user may run admin commands on the channel.
func (b *Bot) IsAdmin(channel, userID string) bool {
	return userID != "" && b.admins[channel+":"+userID]
}

// Handle turns one message into a reply. Text commands (/start, /help,
// /topics, /ask, /reload, with or without a Telegram-style @botname suffix)
// are understood; anything else is a question. Handle never panics on any
// input and always returns a reply worth sending.
func (b *Bot) Handle(ctx context.Context, m Message) Reply {
	cmd, rest := SplitCommand(m.Text)
	switch cmd {
	case "":
		return b.Ask(ctx, m)
	case "start", "help":
		return b.HelpFor(m.ChatKind == ChatGroup)
	case "topics":
		return b.Topics()
	case "ask":
		m.Text = rest
		return b.Ask(ctx, m)
	case "reload":
		return b.Reload(ctx, m)
	default:
		return b.HelpFor(m.ChatKind == ChatGroup)
	}
}

// SplitCommand splits "/cmd@botname rest" into ("cmd", "rest"). For text
// that is not a command it returns ("", text).
func SplitCommand(text string) (cmd, rest string) {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "/") {
		return "", text
	}
	word, rest, _ := strings.Cut(t[1:], " ")
	if at := strings.IndexByte(word, '@'); at >= 0 {
		word = word[:at]
	}
	if word == "" {
		return "", text
	}
	return strings.ToLower(word), strings.TrimSpace(rest)
}

// Ask answers a question at its emergency level. Urgent: the 112 line in
// the message's language, then the emergency entry. Possible: the usual
// answer, suggestions or fallback under the danger banner, so a message
// with any sign of danger never gets a bare "I don't know". Neither level,
// nor an answer with the emergency entry, is ever held back by the rate
// limit.
func (b *Bot) Ask(ctx context.Context, m Message) Reply {
	start := b.now()
	t := b.tables.Current()
	q, long := cleanQuestion(m.Text)
	if q == "" {
		return b.emptyQuestion(t)
	}
	short := q
	if long {
		short = string([]rune(q)[:MaxQuestionRunes])
	}
	b.takeNote(m, short)
	res := b.match(t, q) // the whole message: the matcher reads all of it for danger
	level := urgencyOf(res)
	v := voiceFor(m, res.Language)
	if lim := b.limiterFor(m.Channel); level == faq.UrgencyNone && !isEmergencyEntry(res) && lim != nil && !lim.Allow(m.Channel+":"+m.UserID) {
		r := Reply{Kind: KindRateLimited, Text: joinSentences(Text(KeyRateLimited, v.lang), DangerLine(v.lang)), Urgency: string(level), Language: v.lang}
		r.QuestionID = b.recordQuestion(m, short, r, start, t.Version())
		b.observe(m, r, b.now().Sub(start))
		return r
	}
	r := fromResult(t, q, res, v)
	r = withUrgency(t, b.afterRephrase(t, m, q, res, r, v.lang), level, v)
	r.Urgency, r.Language = string(level), v.lang
	if long {
		r.Note = Text(KeyLongMessage, v.lang)
	}
	r.QuestionID = b.recordQuestion(m, short, r, start, t.Version())
	b.observe(m, r, b.now().Sub(start))
	return r
}

// isEmergencyEntry reports whether res answers with the FAQ's emergency
// entry: whatever level the detector gave the message, that answer is
// never held back by the rate limit.
func isEmergencyEntry(res faq.Result) bool {
	return res.Outcome == faq.Answer && res.Entry != nil && res.Entry.HasTag(faq.TagEmergency)
}

// limiterFor is the rate limit of a channel, nil for none.
func (b *Bot) limiterFor(channel string) Limiter {
	if l, ok := b.limiters[channel]; ok {
		return l
	}
	return b.limiter
}

// EntryReply answers one entry directly (a pressed button, an autocomplete
// choice). An unknown id (a button from before a reload) gets the fallback.
func (b *Bot) EntryReply(id string) Reply {
	t := b.tables.Current()
	e := t.Entry(id)
	if e == nil {
		return fallback(t, 0, voice{lang: "en", topics: true})
	}
	return answerReply(t, e, 1)
}

// Pick answers an entry a user chose (a pressed button, an autocomplete
// choice) and observes it like a question, so logs and metrics count it.
// m.Text should be the entry id.
func (b *Bot) Pick(ctx context.Context, m Message, id string) Reply {
	start := b.now()
	r := b.EntryReply(id)
	if r.Kind == KindAnswer && m.UserID != "" {
		b.misses.state.Remove(missKey(m)) // found it: the second stage is over
	}
	b.record(Event{Time: start, QuestionID: m.QuestionID, Kind: EventPick, Channel: m.Channel, UserID: m.UserID, Entry: id})
	if b.recorder != nil {
		r.QuestionID = m.QuestionID // a vote on the picked answer is on the question
	}
	b.observe(m, r, b.now().Sub(start))
	return r
}

// observe logs a reply and hands it to the observer. The log line names no
// user, not even by a hash: a stable pseudonym would link every question a
// traveler asks in a log kept and shipped apart from the store (which keeps
// a keyed hash only while recording is on, and purges it on schedule).
func (b *Bot) observe(m Message, r Reply, took time.Duration) {
	b.log.Info("question",
		"channel", m.Channel,
		"outcome", string(r.Kind),
		"entry", r.ID,
		"confidence", r.Confidence,
		"emergency", r.Emergency,
		"latency_us", took.Microseconds())
	if b.observer != nil {
		b.observer.Observe(m, r, took)
	}
}

// IsBlank reports whether a message has nothing to match once cleaned: only
// spaces, control characters or invalid UTF-8. Ask answers such a message
// with help; an API may prefer to refuse it.
func IsBlank(text string) bool {
	q, _ := cleanQuestion(text)
	return q == ""
}

// cleanQuestion makes any bytes safe to match: invalid UTF-8 and control
// characters become spaces, and the text is cut to MaxMessageBytes (at a
// rune boundary). long reports a question of over MaxQuestionRunes runes,
// of which only the beginning is read for intent.
func cleanQuestion(s string) (q string, long bool) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	var sb strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			r = ' '
		}
		if sb.Len()+utf8.RuneLen(r) > MaxMessageBytes {
			break
		}
		sb.WriteRune(r)
	}
	q = strings.TrimSpace(sb.String())
	return q, utf8.RuneCountInString(q) > MaxQuestionRunes
}

// Reload runs an admin's reload. Non-admins are refused politely.
func (b *Bot) Reload(ctx context.Context, m Message) Reply {
	if !b.IsAdmin(m.Channel, m.UserID) {
		return Reply{Kind: KindRefused, Text: Text(KeyRefused, "en")}
	}
	if b.reloader == nil {
		return Reply{Kind: KindReload, Text: Text(KeyNoReload, "en")}
	}
	res := b.reloader.Reload(ctx, m.Channel)
	return reloadReply(res)
}
