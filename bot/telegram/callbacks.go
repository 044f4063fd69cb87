package telegram

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"travelbot/bot"
)

// Callback data: what a button sends back when pressed, at most 64 bytes
// ("callback_data: Data to be sent in a callback query to the bot when the
// button is pressed, 1-64 bytes"). A kind, a colon, then its fields:
//
//	e:<entry>               pick an entry (follow-ups, topics, examples)
//	h:<hash of entry>       the same, for an entry id too long for e:
//	s:<question>|<entry>    pick a "did you mean" suggestion of a question
//	u:<question>            👍 on the answer to a question
//	d:<question>            👎 on it
//	n:<question>            "None of these" under a question's suggestions
//	t:<page>                a page of /topics
//
// A field that would not fit, or could be misread (a '|', a leading '#',
// invalid UTF-8), is replaced by "#" and a hash of it, remembered in a
// bounded map. Entry ids are found again after a restart by hashing every
// entry's id; a question id that was forgotten makes the button expired.
const (
	entryPrefix      = "e:"
	hashPrefix       = "h:"
	suggestionPrefix = "s:"
	upPrefix         = "u:"
	downPrefix       = "d:"
	nonePrefix       = "n:"
	pagePrefix       = "t:"
	hashField        = "#"
	fieldSep         = "|"
)

// callback is a decoded button press.
type callback struct {
	prefix   string // one of the prefixes above
	entry    string // e:, h:, s:
	question string // s:, u:, d:, n: ("" when forgotten or not recorded)
	page     int    // t:
}

func (a *Adapter) callbackData(id string) string {
	if d := entryPrefix + id; len(d) <= maxCallback && utf8.ValidString(id) {
		return d
	}
	key := hashID(id)
	a.keys.put(key, id)
	return key
}

func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hashPrefix + base64.RawURLEncoding.EncodeToString(sum[:15])
}

// field encodes v for callback data in at most max bytes.
func (a *Adapter) field(v string, max int) string {
	if len(v) <= max && utf8.ValidString(v) && !strings.Contains(v, fieldSep) && !strings.HasPrefix(v, hashField) {
		return v
	}
	key := fieldHash(v)
	a.keys.put(key, v)
	return key
}

// fieldHash is 17 bytes: "#" and 96 bits of SHA-256.
func fieldHash(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hashField + base64.RawURLEncoding.EncodeToString(sum[:12])
}

// maxQuestionField is the room a question id gets next to an entry id.
const maxQuestionField = 24

func (a *Adapter) suggestionData(questionID, entryID string) string {
	q := a.field(questionID, maxQuestionField)
	return suggestionPrefix + q + fieldSep + a.field(entryID, maxCallback-len(suggestionPrefix)-len(q)-len(fieldSep))
}

func (a *Adapter) voteData(v bot.Vote, questionID string) string {
	prefix := upPrefix
	if v == bot.VoteDown {
		prefix = downPrefix
	}
	return prefix + a.field(questionID, maxCallback-len(prefix))
}

func (a *Adapter) noneData(questionID string) string {
	if questionID == "" {
		return nonePrefix
	}
	return nonePrefix + a.field(questionID, maxCallback-len(nonePrefix))
}

func pageData(page int) string { return pagePrefix + strconv.Itoa(page) }

// decode reads callback data; ok is false for data this adapter did not
// make or can no longer resolve (a button from before a restart). A hashed
// entry id it no longer remembers is looked for among every entry of the
// FAQ, which takes time on a large one.
func (a *Adapter) decode(data string) (c callback, ok bool) {
	c, ok, _ = a.decodeWith(data, true)
	return c, ok
}

// decodeWith is decode; with scan false it never looks through the FAQ,
// and reports needScan (ok false) for data only such a look could resolve.
func (a *Adapter) decodeWith(data string, scan bool) (c callback, ok, needScan bool) {
	prefix, rest := data[:min(2, len(data))], data[min(2, len(data)):]
	c.prefix = prefix
	switch prefix {
	case entryPrefix, hashPrefix:
		c.entry, ok, needScan = a.resolveEntry(data, scan)
	case suggestionPrefix:
		q, e, found := strings.Cut(rest, fieldSep)
		if !found {
			return c, false, false
		}
		c.question, _ = a.unfield(q) // a forgotten question: still a pick
		c.entry, ok, needScan = a.unfieldEntry(e, scan)
	case upPrefix, downPrefix:
		c.question, ok = a.unfield(rest)
		ok = ok && c.question != ""
	case nonePrefix:
		c.question, ok = a.unfield(rest)
	case pagePrefix:
		p, err := strconv.Atoi(rest)
		c.page, ok = p, err == nil && p >= 0
	}
	return c, ok, needScan
}

func (a *Adapter) unfield(f string) (string, bool) {
	if !strings.HasPrefix(f, hashField) {
		return f, true
	}
	return a.keys.get(f)
}

// unfieldEntry turns an s: button's entry field back into an entry id;
// needScan as in decodeWith.
func (a *Adapter) unfieldEntry(f string, scan bool) (id string, ok, needScan bool) {
	if !strings.HasPrefix(f, hashField) {
		return f, f != "", false
	}
	return a.lookUp(f, fieldHash, scan)
}

// resolveEntry turns e: or h: callback data back into an entry id;
// needScan as in decodeWith.
func (a *Adapter) resolveEntry(data string, scan bool) (id string, ok, needScan bool) {
	switch {
	case strings.HasPrefix(data, entryPrefix) && len(data) > len(entryPrefix):
		return data[len(entryPrefix):], true, false
	case strings.HasPrefix(data, hashPrefix):
		return a.lookUp(data, hashID, scan)
	}
	return "", false, false
}

// lookUp finds the entry id whose hash is key: in the keys remembered,
// else, when scan allows, by hashing every entry's id (a key evicted, or
// made before a restart), remembering what it finds.
func (a *Adapter) lookUp(key string, hash func(string) string, scan bool) (id string, ok, needScan bool) {
	if id, ok := a.keys.get(key); ok {
		return id, true, false
	}
	if !scan {
		return "", false, true
	}
	for _, c := range a.conv.Suggest("", 100000) {
		if hash(c.ID) == key {
			a.keys.put(key, c.ID)
			return c.ID, true, false
		}
	}
	return "", false, false
}

// answersAhead answers, at once, the callback queries that long polling
// queues behind an earlier update of their chat, when what the answer says
// does not depend on handling them.
//
// Polling handles one chat's updates in order (chatQueues), and an update
// whose reply waits on the chat's 1 msg/s limit holds up the next one of
// that chat. answerCallbackQuery sends no message and is not under that
// limit, yet a press queued behind such a reply kept its button's spinner
// turning until the reply went out: a second per message ahead of it, and
// a query answered late expires. So a pick, a page of /topics or "None of
// these" is answered (with no text, as onCallback would) when it is
// queued, and handled in its turn, its reply still in order after the
// earlier ones. A vote is answered in its turn: its notification says what
// recording it did (thanks, already voted, what were you looking for?),
// and its order against the chat's messages decides which one is the note.
//
// Whether a press can be answered ahead depends on decoding it: an expired
// one is answered in its turn, saying so. A hashed entry id that is no
// longer remembered (evicted, or made before a restart) is decoded by
// hashing every FAQ entry, too slow for chatQueues' lock, so such a press
// is decoded on the goroutine that answers it, and its handling waits for
// that decision.
type answersAhead struct {
	a   *Adapter
	ctx context.Context // the handling context: answers survive cancel for the grace period
	wg  sync.WaitGroup

	mu    sync.Mutex
	ahead map[int]*aheadAnswer // update id -> its press, answered (or being decided) ahead, not yet handled
}

// aheadAnswer is a press queued behind its chat whose answer is decided
// ahead: at once when its data decodes without a scan, else on the
// goroutine that scans.
type aheadAnswer struct {
	id      string        // the callback query's id
	decided chan struct{} // closed once answered is set
	answer  bool          // it is (being) answered ahead: handling must not answer it again
}

// decidedNow is closed: the decision of a press that needed no scan.
var decidedNow = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (a *Adapter) newAnswersAhead(ctx context.Context) *answersAhead {
	return &answersAhead{a: a, ctx: ctx, ahead: make(map[int]*aheadAnswer)}
}

// queuedBehind is told of every update that waits behind an earlier update
// of its chat. It must not block (chatQueues calls it under its lock): it
// decodes only what needs no scan of the FAQ, and the answer, and any
// scan, run on a goroutine of their own.
func (s *answersAhead) queuedBehind(u tgbotapi.Update) {
	q := u.CallbackQuery
	if q == nil || q.Message == nil || q.Message.Chat == nil {
		return // not a press, or one answered with an alert that holds the reply
	}
	switch q.Data[:min(2, len(q.Data))] {
	case entryPrefix, hashPrefix, suggestionPrefix, nonePrefix, pagePrefix:
	default:
		return // a vote, or data this adapter did not make
	}
	_, ok, needScan := s.a.decodeWith(q.Data, false)
	if !ok && !needScan {
		return // expired: the answer says so, in turn
	}
	p := &aheadAnswer{id: q.ID, decided: decidedNow, answer: true}
	if needScan {
		p = &aheadAnswer{id: q.ID, decided: make(chan struct{})}
	}
	s.mu.Lock()
	s.ahead[u.UpdateID] = p
	s.mu.Unlock()
	s.wg.Go(func() {
		if needScan {
			_, p.answer = s.a.decode(q.Data) // remembers the key it finds, for the handling's decode
			close(p.decided)
		}
		if p.answer {
			s.a.answerCallback(s.ctx, q.ID, "", false)
		}
	})
}

// handling returns the context to handle u under: when its callback query
// was answered ahead, one that tells answerCallback not to answer it again
// (Telegram takes one answer per query). For a press still being decoded
// ahead it waits for the decision: the scan takes no longer than the one
// its own decode would have made, and whether to answer again depends on
// it.
func (s *answersAhead) handling(ctx context.Context, u tgbotapi.Update) context.Context {
	s.mu.Lock()
	p, ok := s.ahead[u.UpdateID]
	delete(s.ahead, u.UpdateID)
	s.mu.Unlock()
	if !ok {
		return ctx
	}
	<-p.decided
	if !p.answer {
		return ctx
	}
	return context.WithValue(ctx, answeredAheadKey{}, p.id)
}

// wait blocks until the answers sent ahead are done.
func (s *answersAhead) wait() { s.wg.Wait() }

// answeredAheadKey is the context key of the id of the callback query
// answered ahead (answersAhead) of the update being handled.
type answeredAheadKey struct{}

// answeredAhead reports whether the callback query id was answered ahead,
// with the answer onCallback would give it now: no text, no alert.
func answeredAhead(ctx context.Context, id, text string, alert bool) bool {
	ahead, _ := ctx.Value(answeredAheadKey{}).(string)
	return ahead != "" && ahead == id && text == "" && !alert
}
