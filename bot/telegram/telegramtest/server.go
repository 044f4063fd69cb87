// Package telegramtest is a fake Telegram Bot API server for tests. It
// speaks the wire format the real telegram-bot-api client uses (form-encoded
// POSTs to /bot<token>/<method>, JSON envelopes), keeps an update queue that
// honours getUpdates' offset and timeout, records every call, and can inject
// 429s, 5xx, dropped connections and slow responses.
//
// Every request is checked against the Bot API's own description (see Spec:
// the method exists, its parameters are known, required ones present, types
// right, JSON-serialized objects field by field) and against the rules the
// documentation states only in words (see rules.go: the HTML subset, 4,096
// characters after entity parsing counted in UTF-16 code units, 1-64 bytes of
// callback_data, long polling). A request that breaks either fails the test
// that started the server, naming the method and the field, and gets the 400
// Telegram would answer (or, for a parameter Telegram silently ignores,
// the 400 it should).
//
// All methods are safe for concurrent use.
package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Token is the bot token the fake accepts unless Options.Token says otherwise.
const Token = "123456:TEST-token-s3cr3t-abcdefghijklmnopq" // shaped as BotFather gives them: 35 characters after the colon

// Me is the bot user getMe returns.
var Me = tgbotapi.User{ID: 42, IsBot: true, FirstName: "FAQ", UserName: "faq_bot"}

// Fault is an injected failure for the next call of a method.
type Fault struct {
	// Delay holds the response back (or until the client gives up).
	Delay time.Duration
	// Code, when set, answers {"ok":false,"error_code":Code,...} with that
	// HTTP status instead of handling the call.
	Code int
	// Description is the error description ("Too Many Requests: retry
	// after 3" by default for 429).
	Description string
	// RetryAfter is parameters.retry_after, in seconds.
	RetryAfter int
	// Drop closes the connection without any response, after reading the
	// request: the client cannot know whether the call took effect. The
	// call is not performed.
	Drop bool
}

// Call is one recorded API call.
type Call struct {
	Method string
	Form   url.Values
	// Code is the error code the fake answered with (0: ok).
	Code int
	// Description is the error description when Code is set.
	Description string
	// Result is the JSON result of a successful call.
	Result json.RawMessage
	// At is when the fake finished the call.
	At time.Time
}

// Sent is a message the bot delivered with sendMessage.
type Sent struct {
	At        time.Time
	MessageID int
	ChatID    int64
	Text      string // as sent (HTML when ParseMode is HTML)
	ParseMode string
	Visible   string // the text as the user sees it
	Buttons   [][]tgbotapi.InlineKeyboardButton
	// ReplyTo is reply_parameters.message_id (0: not a reply).
	ReplyTo int
	// Previews reports whether link previews were left on (no
	// link_preview_options with is_disabled).
	Previews bool
}

// Server is the fake. Create it with New.
type Server struct {
	// URL is the server's origin, for the adapter's Options.APIBase.
	URL string

	token string
	srv   *httptest.Server
	tb    testing.TB
	spec  *Spec // nil: the spec file is not there; only the explicit rules apply

	mu         sync.Mutex
	queue      []queued
	nextUpdate int
	offset     int
	polling    int
	calls      []Call
	sent       []Sent
	faults     map[string][]Fault
	changed    chan struct{}
	nextMsg    int
	webhookURL string
	secret     string
	collect    bool     // violations are expected: record them, do not fail the test
	violations []string // every violation seen, in order
	shortPolls int      // getUpdates calls without a positive timeout
	cutPolls   int      // long polls the client abandoned before they ended
	second     time.Duration
}

type queued struct {
	id  int
	raw json.RawMessage
}

// New starts a fake server that is closed when the test ends. It checks
// every request against the Bot API spec (LoadSpec) and the rules the spec
// states only in prose.
func New(tb testing.TB) *Server {
	tb.Helper()
	spec := RequireSpec(tb)
	s := &Server{
		tb:         tb,
		spec:       spec,
		token:      Token,
		faults:     map[string][]Fault{},
		changed:    make(chan struct{}),
		nextUpdate: 1000,
		nextMsg:    5000,
		second:     time.Second,
	}
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	tb.Cleanup(s.Close)
	return s
}

// Close shuts the server down, cutting open long polls.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// SetLongPollSecond makes the fake hold a getUpdates that finds nothing
// for its timeout times d instead of times a second. Tests shorten it so
// that idle long polls, and the 1 s poll an adapter confirms its offset
// with at shutdown, end in milliseconds; what a poll returns is unchanged.
// Call it before the first getUpdates.
func (s *Server) SetLongPollSecond(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.second = d
}

// CutPolls is the number of long polls the client abandoned (cancelled or
// disconnected) before they found an update or timed out.
func (s *Server) CutPolls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cutPolls
}

// SetWebhook pretends a webhook is set, so getUpdates fails with 409 until
// deleteWebhook is called, as on Telegram.
func (s *Server) SetWebhook(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = u
}

// Webhook returns the webhook URL and secret_token last set ("" when none).
func (s *Server) Webhook() (u, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookURL, s.secret
}

// ExpectViolations makes protocol violations expected: they are still
// refused with 400 and recorded (see Violations), but no longer fail the
// test. Tests that show the fake catching a bad request use it.
func (s *Server) ExpectViolations() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.collect = true
}

// Violations returns every protocol violation seen so far, each naming the
// method and the parameter or field.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// Fail queues faults for the next calls of method, one per call, in order.
func (s *Server) Fail(method string, fs ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], fs...)
}

// Enqueue adds an update (a tgbotapi.Update or any JSON-marshalable value
// shaped like one) to the queue, giving it the next update_id, and wakes
// waiting long polls. It returns the update_id.
func (s *Server) Enqueue(u any) int {
	b, err := json.Marshal(u)
	if err != nil {
		panic("telegramtest: marshal update: " + err.Error())
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		panic("telegramtest: update is not an object: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUpdate++
	id := s.nextUpdate
	m["update_id"] = json.RawMessage(strconv.Itoa(id))
	raw, _ := json.Marshal(m)
	s.queue = append(s.queue, queued{id: id, raw: raw})
	s.notifyLocked()
	return id
}

// Pending is the number of updates not yet confirmed by an offset.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Offset is the highest offset the bot has confirmed with.
func (s *Server) Offset() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offset
}

// Polling is the number of getUpdates calls waiting right now.
func (s *Server) Polling() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polling
}

// Calls returns the recorded calls of the given methods (all calls when
// none are given), in order.
func (s *Server) Calls(methods ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if len(methods) == 0 || contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// Sent returns the messages delivered so far, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// SentTo returns the messages delivered to one chat, in order.
func (s *Server) SentTo(chatID int64) []Sent {
	var out []Sent
	for _, m := range s.Sent() {
		if m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out
}

// WaitUntil waits until cond (called with no lock held) is true, re-checking
// whenever the fake's state changes, and every few milliseconds for
// conditions on other state (the adapter's). It reports false after
// timeout.
func (s *Server) WaitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-deadline.C:
			return cond()
		}
	}
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// ServeHTTP implements the Bot API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || method == "" {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	if token != s.token {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: POST expected"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
		return
	}
	if problems := s.check(method, r.Form); len(problems) > 0 {
		desc := "Bad Request: " + problems[0]
		s.record(Call{Method: method, Form: r.Form, Code: 400, Description: desc})
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": desc})
		return
	}
	if f, ok := s.takeFault(method); ok {
		if s.applyFault(w, r, method, f) {
			return
		}
	}
	var result any
	switch method {
	case "getMe":
		result = Me
	case "getUpdates":
		var code int
		var desc string
		result, code, desc = s.getUpdates(r)
		if code != 0 {
			s.record(Call{Method: method, Form: r.Form, Code: code, Description: desc})
			writeJSON(w, code, map[string]any{"ok": false, "error_code": code, "description": desc})
			return
		}
	case "sendMessage":
		result = s.sendMessage(r.Form)
	case "setWebhook":
		s.mu.Lock()
		s.webhookURL, s.secret = r.Form.Get("url"), r.Form.Get("secret_token")
		s.mu.Unlock()
		result = true
	case "deleteWebhook":
		s.mu.Lock()
		s.webhookURL, s.secret = "", ""
		if r.Form.Get("drop_pending_updates") == "true" {
			s.queue = nil
		}
		s.mu.Unlock()
		result = true
	default:
		// answerCallbackQuery, answerInlineQuery, setMyCommands,
		// editMessageReplyMarkup and the rest: checked, recorded, true.
		result = true
	}
	raw, _ := json.Marshal(result)
	s.record(Call{Method: method, Form: r.Form, Result: raw})
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": json.RawMessage(raw)})
}

// check returns the request's protocol violations: against the spec, then
// the explicit rules. Unless they are expected, each fails the test.
func (s *Server) check(method string, form url.Values) []string {
	var problems []string
	if s.spec != nil {
		problems = s.spec.CheckRequest(method, form)
		if !s.spec.HasMethod(method) {
			return s.violate(problems)
		}
	}
	problems = append(problems, checkRules(method, form)...)
	return s.violate(problems)
}

func (s *Server) violate(problems []string) []string {
	if len(problems) == 0 {
		return nil
	}
	s.mu.Lock()
	s.violations = append(s.violations, problems...)
	collect := s.collect
	s.mu.Unlock()
	if !collect {
		for _, p := range problems {
			s.tb.Errorf("telegramtest: the bot broke the Bot API: %s", p)
		}
	}
	return problems
}

func (s *Server) takeFault(method string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fs := s.faults[method]
	if len(fs) == 0 {
		return Fault{}, false
	}
	s.faults[method] = fs[1:]
	return fs[0], true
}

// applyFault reports whether the fault replaced the normal handling.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, method string, f Fault) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			s.record(Call{Method: method, Form: r.Form, Code: -1, Description: "client gave up during delay"})
			return true
		}
	}
	switch {
	case f.Drop:
		s.record(Call{Method: method, Form: r.Form, Code: -1, Description: "connection dropped"})
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case f.Code != 0:
		desc := f.Description
		if desc == "" {
			desc = http.StatusText(f.Code)
			if f.Code == 429 {
				desc = fmt.Sprintf("Too Many Requests: retry after %d", f.RetryAfter)
			}
		}
		s.record(Call{Method: method, Form: r.Form, Code: f.Code, Description: desc})
		body := map[string]any{"ok": false, "error_code": f.Code, "description": desc}
		if f.RetryAfter > 0 {
			body["parameters"] = map[string]any{"retry_after": f.RetryAfter}
		}
		writeJSON(w, f.Code, body)
		return true
	}
	return false
}

func (s *Server) record(c Call) {
	c.At = time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.notifyLocked()
}

func (s *Server) getUpdates(r *http.Request) (any, int, string) {
	offset, _ := strconv.Atoi(r.Form.Get("offset"))
	limit, _ := strconv.Atoi(r.Form.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(r.Form.Get("timeout"))
	if timeout <= 0 {
		s.mu.Lock()
		s.shortPolls++
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	deadline := time.NewTimer(time.Duration(timeout) * s.second)
	defer deadline.Stop()
	if s.webhookURL != "" {
		return nil, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	}
	if offset > 0 {
		s.dropBelowLocked(offset)
	}
	for len(s.queue) == 0 && timeout > 0 {
		ch := s.changed
		s.polling++
		s.notifyLocked()
		s.mu.Unlock()
		done := false
		select {
		case <-ch:
		case <-deadline.C:
			done = true
		case <-r.Context().Done():
			done = true
		}
		s.mu.Lock()
		if done && r.Context().Err() != nil {
			s.cutPolls++
		}
		s.polling--
		s.notifyLocked()
		if done {
			break
		}
	}
	out := make([]json.RawMessage, 0, limit)
	for _, q := range s.queue {
		if len(out) == limit {
			break
		}
		out = append(out, q.raw)
	}
	return out, 0, ""
}

func (s *Server) dropBelowLocked(offset int) {
	if offset > s.offset {
		s.offset = offset
	}
	kept := s.queue[:0]
	for _, q := range s.queue {
		if q.id >= offset {
			kept = append(kept, q)
		}
	}
	s.queue = kept
}

func (s *Server) sendMessage(form url.Values) any {
	chatID, _ := strconv.ParseInt(form.Get("chat_id"), 10, 64)
	text := form.Get("text")
	mode := form.Get("parse_mode")
	visible := text
	if mode == "HTML" {
		visible, _ = CheckHTML(text) // checked by the rules already
	}
	var buttons [][]tgbotapi.InlineKeyboardButton
	if rm := form.Get("reply_markup"); rm != "" {
		var kb tgbotapi.InlineKeyboardMarkup
		if json.Unmarshal([]byte(rm), &kb) == nil {
			buttons = kb.InlineKeyboard
		}
	}
	var reply struct {
		MessageID int `json:"message_id"`
	}
	if rp := form.Get("reply_parameters"); rp != "" {
		_ = json.Unmarshal([]byte(rp), &reply)
	}
	var preview struct {
		IsDisabled bool `json:"is_disabled"`
	}
	if lp := form.Get("link_preview_options"); lp != "" {
		_ = json.Unmarshal([]byte(lp), &preview)
	}
	s.mu.Lock()
	s.nextMsg++
	id := s.nextMsg
	s.sent = append(s.sent, Sent{At: time.Now(), MessageID: id, ChatID: chatID, Text: text, ParseMode: mode, Visible: visible,
		Buttons: buttons, ReplyTo: reply.MessageID, Previews: !preview.IsDisabled})
	s.mu.Unlock()
	chatType := "private"
	if chatID < 0 {
		chatType = "supergroup"
	}
	me := Me
	return tgbotapi.Message{MessageID: id, From: &me, Date: int(time.Now().Unix()), Chat: &tgbotapi.Chat{ID: chatID, Type: chatType}, Text: visible}
}

// ShortPolls is the number of getUpdates calls made without a positive
// timeout (which the rules also report as violations).
func (s *Server) ShortPolls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shortPolls
}

// InlineResult is one article of an answerInlineQuery call, decoded.
type InlineResult struct {
	Type                string `json:"type"`
	ID                  string `json:"id"`
	Title               string `json:"title"`
	Description         string `json:"description"`
	InputMessageContent struct {
		Text               string `json:"message_text"`
		ParseMode          string `json:"parse_mode"`
		LinkPreviewOptions *struct {
			IsDisabled bool `json:"is_disabled"`
		} `json:"link_preview_options"`
	} `json:"input_message_content"`
}

// InlineResults decodes the results of a recorded answerInlineQuery call.
func InlineResults(c Call) ([]InlineResult, error) {
	var rs []InlineResult
	err := json.Unmarshal([]byte(c.Form.Get("results")), &rs)
	return rs, err
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Commands returns the command names of the last setMyCommands call.
func (s *Server) Commands() []string {
	calls := s.Calls("setMyCommands")
	if len(calls) == 0 {
		return nil
	}
	var cmds []tgbotapi.BotCommand
	_ = json.Unmarshal([]byte(calls[len(calls)-1].Form.Get("commands")), &cmds)
	var names []string
	for _, c := range cmds {
		names = append(names, c.Command)
	}
	sort.Strings(names)
	return names
}

// Builders for updates. Message ids are unique within the test binary.

var messageIDs atomic.Int64

func nextMessageID() int { return int(messageIDs.Add(1)) }

var mentionPattern = regexp.MustCompile(`@[A-Za-z0-9_]{3,}`)

// Entities returns the entities Telegram would attach to text: a
// bot_command at offset 0 and every @mention, with UTF-16 offsets.
func Entities(text string) []tgbotapi.MessageEntity {
	var es []tgbotapi.MessageEntity
	if strings.HasPrefix(text, "/") {
		word, _, _ := strings.Cut(text, " ")
		es = append(es, tgbotapi.MessageEntity{Type: "bot_command", Offset: 0, Length: UTF16Len(word)})
	}
	for _, loc := range mentionPattern.FindAllStringIndex(text, -1) {
		if loc[0] > 0 && text[loc[0]-1] != ' ' {
			continue // part of a command like /ask@faq_bot
		}
		es = append(es, tgbotapi.MessageEntity{Type: "mention", Offset: UTF16Len(text[:loc[0]]), Length: UTF16Len(text[loc[0]:loc[1]])})
	}
	return es
}

// User returns a human user with the given id.
func User(id int64) *tgbotapi.User {
	return &tgbotapi.User{ID: id, FirstName: "User" + strconv.FormatInt(id, 10)}
}

// PrivateText is a text message from user in their private chat with the bot.
func PrivateText(userID int64, text string) tgbotapi.Update {
	return tgbotapi.Update{Message: &tgbotapi.Message{
		MessageID: nextMessageID(),
		From:      User(userID),
		Date:      int(time.Now().Unix()),
		Chat:      &tgbotapi.Chat{ID: userID, Type: "private"},
		Text:      text,
		Entities:  Entities(text),
	}}
}

// GroupText is a text message from user in a supergroup (chatID < 0).
func GroupText(chatID, userID int64, text string) tgbotapi.Update {
	return tgbotapi.Update{Message: &tgbotapi.Message{
		MessageID: nextMessageID(),
		From:      User(userID),
		Date:      int(time.Now().Unix()),
		Chat:      &tgbotapi.Chat{ID: chatID, Type: "supergroup", Title: "Travelers"},
		Text:      text,
		Entities:  Entities(text),
	}}
}

// Callback is a press of an inline button carrying data, on a message the
// bot sent in chatID.
func Callback(userID, chatID int64, data string) tgbotapi.Update {
	chatType := "private"
	if chatID < 0 {
		chatType = "supergroup"
	}
	me := Me
	return tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{
		ID:           "cb" + strconv.Itoa(nextMessageID()),
		From:         User(userID),
		ChatInstance: "ci",
		Data:         data,
		Message: &tgbotapi.Message{
			MessageID: nextMessageID(),
			From:      &me,
			Date:      int(time.Now().Unix()),
			Chat:      &tgbotapi.Chat{ID: chatID, Type: chatType},
			Text:      "an earlier answer",
		},
	}}
}

// Inline is an inline query typed by user.
func Inline(userID int64, query string) tgbotapi.Update {
	return tgbotapi.Update{InlineQuery: &tgbotapi.InlineQuery{
		ID:    "iq" + strconv.Itoa(nextMessageID()),
		From:  User(userID),
		Query: query,
	}}
}

// Keyboard decodes the inline keyboard a recorded call sent as
// reply_markup (nil when it sent none).
func Keyboard(c Call) [][]tgbotapi.InlineKeyboardButton {
	var kb tgbotapi.InlineKeyboardMarkup
	if json.Unmarshal([]byte(c.Form.Get("reply_markup")), &kb) != nil {
		return nil
	}
	return kb.InlineKeyboard
}
