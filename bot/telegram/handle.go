package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"travelbot/bot"
)

// chatInline is Message.ChatKind for what comes from inline mode.
const chatInline = "inline"

// maxInlineResults is how many suggestions an inline query shows.
const maxInlineResults = 20

// knownCommands are answered in groups; other commands there are for other
// bots. They are the bot's one command list.
var knownCommands = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range bot.Commands() {
		m[c.Name] = true
	}
	return m
}()

// handleUpdate handles one update completely: the reply is delivered or has
// definitively failed. It reports false only when ctx ended first, so the
// update must stay unconfirmed and be fetched again. It never panics.
func (a *Adapter) handleUpdate(ctx context.Context, u tgbotapi.Update) (done bool) {
	if a.recent.seen(u.UpdateID) {
		return true
	}
	var chatID int64
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("panic handling an update", "update", u.UpdateID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if chatID != 0 {
				a.sendPlain(ctx, chatID, bot.TextWith112(bot.KeySorry, ""))
			}
			done = ctx.Err() == nil
		}
		if done {
			a.recent.add(u.UpdateID)
		}
	}()
	switch {
	case u.Message != nil:
		if u.Message.Chat != nil {
			chatID = u.Message.Chat.ID
		}
		return a.onMessage(ctx, u.Message)
	case u.CallbackQuery != nil:
		if m := u.CallbackQuery.Message; m != nil && m.Chat != nil {
			chatID = m.Chat.ID
		}
		return a.onCallback(ctx, u.CallbackQuery)
	case u.InlineQuery != nil:
		return a.onInline(ctx, u.InlineQuery)
	default:
		// Edited messages are ignored on purpose: answering an edit would
		// send a second answer under the first, and most edits fix typos
		// in a question already answered. Channel posts, polls, member
		// updates: not for a FAQ bot.
		return true
	}
}

// target is where a reply goes.
type target struct {
	chatID  int64
	group   bool
	replyTo int // message to reply to (groups), 0 for none
}

func (a *Adapter) onMessage(ctx context.Context, m *tgbotapi.Message) bool {
	self := a.api.Load().Self
	switch {
	case m.Chat == nil:
		return true
	case m.From == nil && m.SenderChat == nil:
		return true
	case m.From != nil && m.From.IsBot && m.SenderChat == nil:
		return true // other bots (and ourselves); anonymous admins have a SenderChat
	case m.ViaBot != nil && m.ViaBot.ID == self.ID:
		return true // one of our own inline answers, posted by a user
	}
	private := m.Chat.Type == "private"
	group := m.Chat.Type == "group" || m.Chat.Type == "supergroup"
	if !private && !group {
		return true
	}
	if m.Text == "" {
		if private && a.textOnly.allow(m.Chat.ID) {
			return a.deliver(ctx, target{chatID: m.Chat.ID}, bot.Reply{Text: bot.TextWith112(bot.KeyTextOnly, "")})
		}
		return true
	}
	question, ok := addressed(m, self, private)
	if !ok {
		return true
	}
	userID := ""
	if m.From != nil && !m.From.IsBot {
		userID = strconv.FormatInt(m.From.ID, 10)
	}
	reply := a.converse(func() bot.Reply {
		return a.conv.Handle(ctx, bot.Message{Channel: Channel, UserID: userID, Text: question,
			Chat: strconv.FormatInt(m.Chat.ID, 10), ChatKind: chatKind(m.Chat)})
	})
	if reply.Kind == bot.KindRateLimited && !a.slowDown.allow(sender(m)) {
		// The user was told a moment ago. Answering every message of a
		// flood would spend the chat's 1 msg/s on notes, and the global
		// limit on everyone else.
		return true
	}
	t := target{chatID: m.Chat.ID, group: group}
	if group {
		t.replyTo = m.MessageID
	}
	return a.deliver(ctx, t, reply)
}

// sender is who the per-user "slow down" note is limited for: the user,
// or the chat for a message sent on behalf of one (anonymous admins).
func sender(m *tgbotapi.Message) int64 {
	if m.From != nil {
		return m.From.ID
	}
	return m.Chat.ID
}

// addressed decides whether a message is for the bot and returns the text
// to hand to the conversation. In a private chat everything is. In a group:
// our commands (bare or /cmd@ourbot), messages that mention the bot (the
// mention is removed), and replies to the bot's messages.
func addressed(m *tgbotapi.Message, self tgbotapi.User, private bool) (string, bool) {
	text := m.Text
	if strings.HasPrefix(strings.TrimSpace(text), "/") {
		word, _, _ := strings.Cut(strings.TrimSpace(text)[1:], " ")
		name, at, hasAt := strings.Cut(word, "@")
		if hasAt && !strings.EqualFold(at, self.UserName) {
			return "", false // a command for another bot
		}
		if private || knownCommands[strings.ToLower(name)] {
			return text, true
		}
		return "", false
	}
	if private {
		return text, true
	}
	for _, e := range m.Entities {
		start, end, ok := entityBytes(text, e)
		if !ok {
			continue
		}
		mention := (e.Type == "mention" && strings.EqualFold(text[start:end], "@"+self.UserName)) ||
			(e.Type == "text_mention" && e.User != nil && e.User.ID == self.ID)
		if mention {
			return strings.TrimSpace(text[:start] + " " + text[end:]), true
		}
	}
	if i := findMention(text, self.UserName); i >= 0 {
		return strings.TrimSpace(text[:i] + " " + text[i+1+len(self.UserName):]), true
	}
	if r := m.ReplyToMessage; r != nil && r.From != nil && r.From.ID == self.ID {
		return text, true
	}
	return "", false
}

// findMention finds "@username" (any case, not followed by more username
// characters) in text, for messages that arrive without entities. It
// returns the byte offset of the '@', or -1.
func findMention(text, username string) int {
	if username == "" {
		return -1
	}
	for i := 0; i < len(text); i++ {
		j := i + 1 + len(username)
		if text[i] != '@' || j > len(text) || !strings.EqualFold(text[i+1:j], username) {
			continue
		}
		if j < len(text) && isUsernameByte(text[j]) {
			continue
		}
		return i
	}
	return -1
}

func isUsernameByte(c byte) bool {
	return c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// entityBytes converts an entity's UTF-16 offset and length to byte offsets
// in s, checking they are in range (Telegram's are; a malformed update must
// not panic).
func entityBytes(s string, e tgbotapi.MessageEntity) (start, end int, ok bool) {
	if e.Offset < 0 || e.Length <= 0 {
		return 0, 0, false
	}
	units := 0
	start, end = -1, -1
	for i, r := range s {
		if units == e.Offset {
			start = i
		}
		if units == e.Offset+e.Length {
			end = i
			break
		}
		units += utf16.RuneLen(r)
	}
	if end < 0 && units == e.Offset+e.Length {
		end = len(s)
	}
	if start < 0 || end < start {
		return 0, 0, false
	}
	return start, end, true
}

// converse runs the conversation, turning a panic into an apology so the
// user still gets a reply.
func (a *Adapter) converse(f func() bot.Reply) (r bot.Reply) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("panic in the conversation", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			r = bot.Reply{Text: bot.TextWith112(bot.KeySorry, "")}
		}
	}()
	return f()
}

// chatKind is Message.ChatKind for a Telegram chat.
func chatKind(c *tgbotapi.Chat) string {
	if c.Type == "group" || c.Type == "supergroup" {
		return bot.ChatGroup
	}
	return bot.ChatPrivate
}

// onCallback handles a pressed button. Every press is acknowledged with
// answerCallbackQuery (it stops the button's spinner). A vote is only
// acknowledged, its thanks shown as a notification, no new message; a page
// of /topics edits the message's buttons in place; a pick or "None of
// these" is answered with a message.
func (a *Adapter) onCallback(ctx context.Context, q *tgbotapi.CallbackQuery) bool {
	c, ok := a.decode(q.Data)
	if !ok {
		// A button this process cannot resolve (made before a restart,
		// or forgotten).
		return a.answerCallback(ctx, q.ID, bot.Text(bot.KeyExpired, ""), false)
	}
	m := bot.Message{Channel: Channel, ChatKind: chatInline, QuestionID: c.question}
	if q.From != nil {
		m.UserID = strconv.FormatInt(q.From.ID, 10)
	}
	var chat *tgbotapi.Chat
	if q.Message != nil && q.Message.Chat != nil {
		chat = q.Message.Chat
		m.Chat, m.ChatKind = strconv.FormatInt(chat.ID, 10), chatKind(chat)
	}
	var reply bot.Reply
	switch c.prefix {
	case upPrefix, downPrefix:
		vote := bot.VoteUp
		if c.prefix == downPrefix {
			vote = bot.VoteDown
		}
		reply = a.converse(func() bot.Reply { return a.conv.Feedback(ctx, m, c.question, vote) })
		// "What were you looking for?" after a 👎 asks something: shown
		// as an alert the user dismisses, not a toast that fades.
		return a.answerCallback(ctx, q.ID, truncateUnits(strings.Join(strings.Fields(reply.Text), " "), maxCallbackText), reply.AwaitsNote())
	case pagePrefix:
		if !a.answerCallback(ctx, q.ID, "", false) {
			return false
		}
		if chat != nil {
			a.showTopicsPage(ctx, chat.ID, q.Message.MessageID, m, c.page)
		}
		return true
	case nonePrefix:
		reply = a.converse(func() bot.Reply { return a.conv.NoneOfThese(ctx, m, c.question) })
	default:
		m.Text = c.entry
		reply = a.converse(func() bot.Reply { return a.conv.Pick(ctx, m, c.entry) })
	}
	if chat == nil {
		// A button on a message too old for Telegram to tell us where it
		// is, or on an inline message: show the answer in the callback
		// alert (200 characters).
		d, _ := compose(reply)
		return a.answerCallback(ctx, q.ID, truncateUnits(strings.Join(strings.Fields(d.plain()), " "), maxCallbackText), true)
	}
	// Answer the callback first: it stops the button's spinner, and it
	// expires within seconds while the answer may wait on rate limits.
	if !a.answerCallback(ctx, q.ID, "", false) {
		return false
	}
	return a.deliver(ctx, target{chatID: chat.ID, group: m.ChatKind == bot.ChatGroup}, reply)
}

// maxCallbackText is answerCallbackQuery's limit: "Text of the
// notification ... 0-200 characters".
const maxCallbackText = 200

// showTopicsPage replaces the buttons of a /topics message with another
// page of them. The list is fetched again, so a reload since shows.
func (a *Adapter) showTopicsPage(ctx context.Context, chatID int64, messageID int, m bot.Message, page int) {
	m.Text = "/topics"
	topics := a.converse(func() bot.Reply { return a.conv.Handle(ctx, m) })
	kb := tgbotapi.NewInlineKeyboardMarkup(a.buttons(topics, page)...)
	edit := tgbotapi.NewEditMessageReplyMarkup(chatID, messageID, kb)
	err := a.call(ctx, "editMessageReplyMarkup", func(ctx context.Context) error {
		return a.out.wait(ctx, chatID, m.ChatKind == bot.ChatGroup, false)
	}, func(api *tgbotapi.BotAPI) error {
		_, err := api.Request(edit)
		return err
	})
	if err != nil && ctx.Err() == nil {
		a.log.Info("editMessageReplyMarkup failed", "err", err)
	}
}

// answerCallback goes through Request, never Send: answerCallbackQuery
// returns true, not a Message, and Send would report a decoding error for
// a call that succeeded.
func (a *Adapter) answerCallback(ctx context.Context, id, text string, alert bool) bool {
	if answeredAhead(ctx, id, text, alert) {
		return true
	}
	cfg := tgbotapi.NewCallback(id, text)
	cfg.ShowAlert = alert
	err := a.call(ctx, "answerCallbackQuery", nil, func(api *tgbotapi.BotAPI) error {
		_, err := api.Request(cfg)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		a.log.Info("answerCallbackQuery failed", "err", err)
	}
	return true
}

func (a *Adapter) onInline(ctx context.Context, q *tgbotapi.InlineQuery) bool {
	results := make([]any, 0, maxInlineResults)
	func() {
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("panic answering an inline query", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				results = results[:0]
			}
		}()
		seen := map[string]bool{}
		for _, c := range a.conv.Suggest(q.Query, maxInlineResults) {
			rid := a.callbackData(c.ID)
			if seen[rid] {
				continue
			}
			seen[rid] = true
			results = append(results, a.inlineArticle(rid, c, a.conv.EntryReply(c.ID)))
		}
	}()
	cfg := tgbotapi.InlineConfig{InlineQueryID: q.ID, Results: results, CacheTime: 10, IsPersonal: false}
	err := a.call(ctx, "answerInlineQuery", nil, func(api *tgbotapi.BotAPI) error {
		_, err := api.Request(cfg)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		a.log.Info("answerInlineQuery failed", "err", err)
	}
	return true
}

// inlineArticle is one inline result: the entry's whole answer as one HTML
// message (shortened if it would not fit in one).
func (a *Adapter) inlineArticle(id string, c bot.Choice, r bot.Reply) article {
	d, _ := compose(r)
	p := d.plain()
	parts := splitPlain(p, maxVisible-20)
	text := "…"
	if len(parts) > 0 {
		text = d.html(parts[0][0], parts[0][1])
		if len(parts) > 1 {
			text += "\n…"
		}
	}
	return article{
		Type:  "article",
		ID:    id,
		Title: truncateUnits(label(c.Question, c.ID), maxInlineTitle),
		Content: textContent{
			Text:        text,
			ParseMode:   tgbotapi.ModeHTML,
			LinkPreview: linkPreview{IsDisabled: true},
		},
		Description: truncateUnits(strings.Join(strings.Fields(clean(r.Answer+" "+r.Text)), " "), maxInlineDesc),
	}
}

// article is InlineQueryResultArticle as Bot API 10 documents it. The
// library's InlineQueryResultArticle is not used: its
// InputTextMessageContent only has disable_web_page_preview, which Bot API
// 7.0 replaced by link_preview_options. InlineConfig marshals whatever its
// Results hold, so this type goes through the library unchanged.
type article struct {
	Type        string      `json:"type"`
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Content     textContent `json:"input_message_content"`
	Description string      `json:"description,omitempty"`
}

// textContent is InputTextMessageContent.
type textContent struct {
	Text        string      `json:"message_text"`
	ParseMode   string      `json:"parse_mode,omitempty"`
	LinkPreview linkPreview `json:"link_preview_options"`
}

// linkPreview is LinkPreviewOptions.
type linkPreview struct {
	IsDisabled bool `json:"is_disabled"`
}

// deliver renders and sends a reply, part by part, in order. It reports
// false only when ctx ended before the reply was delivered; a definitive
// failure (the user blocked the bot, say) is logged and counts as done.
//
// A reply in several messages, handled under a claim (handleClaimed),
// claims each message on its own, so that a process killed between two of
// them leaves the next process only the ones not sent yet.
func (a *Adapter) deliver(ctx context.Context, t target, r bot.Reply) bool {
	urgent := r.Emergency || r.Urgent != ""
	parts := a.render(r)
	for i, m := range parts {
		o := outgoing{chatID: t.chatID, text: m.html, parseMode: tgbotapi.ModeHTML, keyboard: m.keyboard}
		if i == 0 {
			o.replyTo = t.replyTo
		}
		finish, sent := a.claimPart(ctx, i, len(parts))
		if sent {
			continue
		}
		err := a.send(ctx, t, o, m.plain, urgent)
		finish(err == nil || ctx.Err() == nil)
		if err != nil {
			if ctx.Err() != nil {
				return false
			}
			// No chat: a private chat's id is its traveler's (see
			// bot.Bot's question log line).
			a.log.Warn("reply not delivered", "err", err)
			return true
		}
	}
	return true
}

// outgoing is one sendMessage call.
//
// The library's MessageConfig is not used for it: telegram-bot-api v5.5.1
// knows Bot API 5.x, so it always sends disable_web_page_preview, and for a
// reply reply_to_message_id and allow_sending_without_reply, all three
// replaced in Bot API 7.0 by link_preview_options and reply_parameters
// (Telegram ignores what it no longer knows, so previews would come back and
// replies lose their quote); and it sends entities=null for a message
// without entities. The library cannot be configured otherwise, so the
// parameters are built here and sent verbatim with MakeRequest.
type outgoing struct {
	chatID    int64
	text      string
	parseMode string // "" for plain text
	keyboard  *tgbotapi.InlineKeyboardMarkup
	replyTo   int // message to reply to, 0 for none
}

// noPreview is link_preview_options for every message: the links are
// sources, and a preview card of the first one would bury the answer.
const noPreview = `{"is_disabled":true}`

func (o outgoing) params() (tgbotapi.Params, error) {
	p := tgbotapi.Params{
		"chat_id":              strconv.FormatInt(o.chatID, 10),
		"text":                 o.text,
		"link_preview_options": noPreview,
	}
	p.AddNonEmpty("parse_mode", o.parseMode)
	if o.replyTo != 0 {
		// allow_sending_without_reply: the answer still goes out if the
		// question was deleted meanwhile.
		rp, err := json.Marshal(struct {
			MessageID                int  `json:"message_id"`
			AllowSendingWithoutReply bool `json:"allow_sending_without_reply"`
		}{o.replyTo, true})
		if err != nil {
			return nil, fmt.Errorf("reply_parameters: %w", err)
		}
		p["reply_parameters"] = string(rp)
	}
	if err := p.AddInterface("reply_markup", o.keyboard); err != nil {
		return nil, fmt.Errorf("reply_markup: %w", err)
	}
	return p, nil
}

// send sends one message with retries. If Telegram cannot parse the HTML
// (it should never happen: everything is escaped) the part is sent once
// more as plain text rather than lost. A group that became a supergroup
// gets the message at its new id.
func (a *Adapter) send(ctx context.Context, t target, o outgoing, plain string, urgent bool) error {
	for range 3 {
		params, err := o.params()
		if err != nil {
			return fmt.Errorf("sendMessage: %w", err)
		}
		err = a.call(ctx, "sendMessage", func(ctx context.Context) error {
			return a.out.wait(ctx, o.chatID, t.group, urgent)
		}, func(api *tgbotapi.BotAPI) error {
			_, err := api.MakeRequest("sendMessage", params)
			return err
		})
		var te *tgbotapi.Error
		switch {
		case err == nil:
			return nil
		case !errors.As(err, &te):
			return err
		case te.MigrateToChatID != 0 && te.MigrateToChatID != o.chatID:
			o.chatID = te.MigrateToChatID
		case te.Code == 400 && strings.Contains(te.Message, "can't parse entities") && o.parseMode != "":
			a.log.Error("Telegram could not parse a reply; sending it as plain text", "err", err)
			o.text, o.parseMode = plain, ""
		default:
			return err
		}
	}
	return errors.New("sendMessage: gave up")
}

// sendPlain sends a fixed text, for the apology after a panic.
func (a *Adapter) sendPlain(ctx context.Context, chatID int64, text string) {
	defer func() { _ = recover() }()
	params, err := outgoing{chatID: chatID, text: text}.params()
	if err != nil {
		return
	}
	_ = a.call(ctx, "sendMessage", func(ctx context.Context) error {
		return a.out.wait(ctx, chatID, chatID < 0, false)
	}, func(api *tgbotapi.BotAPI) error {
		_, err := api.MakeRequest("sendMessage", params)
		return err
	})
}
