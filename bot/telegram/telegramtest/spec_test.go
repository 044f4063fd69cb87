package telegramtest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"travelbot/bot/telegram/telegramtest"
)

// post sends one raw form request to the fake and returns its description
// ("" when it succeeded).
func post(t *testing.T, s *telegramtest.Server, method string, form url.Values) string {
	t.Helper()
	resp, err := http.PostForm(s.URL+"/bot"+telegramtest.Token+"/"+method, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		OK          bool   `json:"ok"`
		Description string `json:"description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.OK {
		return ""
	}
	return body.Description
}

func keyboard(data string) string {
	return `{"inline_keyboard":[[{"text":"Go","callback_data":"` + data + `"}]]}`
}

// TestFakeRefusesWhatTheBotAPIDoesNotDocument: every request the bot
// sends is checked against the Bot API description and its prose rules,
// and a violation names the method and the field. The first cases are what
// telegram-bot-api v5.5.1 sends by default (issue 13).
func TestFakeRefusesWhatTheBotAPIDoesNotDocument(t *testing.T) {
	telegramtest.RequireSpec(t)
	ok := url.Values{"chat_id": {"100"}, "text": {"hello"}, "link_preview_options": {`{"is_disabled":true}`}}
	with := func(kv ...string) url.Values {
		f := url.Values{}
		for k, v := range ok {
			f[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				f.Del(kv[i])
			} else {
				f.Set(kv[i], kv[i+1])
			}
		}
		return f
	}
	article := func(content string) string {
		return `[{"type":"article","id":"a1","title":"T","input_message_content":` + content + `}]`
	}
	cases := []struct {
		name   string
		method string
		form   url.Values
		want   string // in the violation; "" for a valid request
	}{
		{"valid message", "sendMessage", ok, ""},
		{"valid reply", "sendMessage", with("reply_parameters", `{"message_id":7,"allow_sending_without_reply":true}`), ""},
		{"removed disable_web_page_preview", "sendMessage", with("disable_web_page_preview", "true"), `sendMessage: unknown parameter "disable_web_page_preview"`},
		{"removed reply_to_message_id", "sendMessage", with("reply_to_message_id", "7"), `sendMessage: unknown parameter "reply_to_message_id"`},
		{"removed allow_sending_without_reply", "sendMessage", with("allow_sending_without_reply", "true"), `sendMessage: unknown parameter "allow_sending_without_reply"`},
		{"entities=null", "sendMessage", with("entities", "null"), "sendMessage: entities: null"},
		{"required text missing", "sendMessage", with("text", ""), `sendMessage: required parameter "text" missing`},
		{"not a Boolean", "sendMessage", with("disable_notification", "yes"), `disable_notification: "yes" is not a Boolean`},
		{"nested unknown field", "sendMessage", with("link_preview_options", `{"disabled":true}`), `link_preview_options: LinkPreviewOptions has no field "disabled"`},
		{"nested wrong type", "sendMessage", with("reply_parameters", `{"message_id":"seven"}`), "reply_parameters.message_id: a String where an Integer is expected"},
		{"nested required field", "sendMessage", with("reply_parameters", `{"allow_sending_without_reply":true}`), `ReplyParameters requires field "message_id"`},
		{"callback_data over 64 bytes", "sendMessage", with("reply_markup", keyboard(strings.Repeat("x", 65))), "callback_data: 65 bytes"},
		{"button field unknown", "sendMessage", with("reply_markup", `{"inline_keyboard":[[{"text":"Go","data":"x"}]]}`), `InlineKeyboardButton has no field "data"`},
		{"HTML outside the subset", "sendMessage", with("parse_mode", "HTML", "text", "<p>hi</p>"), "unsupported tag <p>"},
		{"4,097 UTF-16 units", "sendMessage", with("text", strings.Repeat("😀", 2048)+"x"), "4097 UTF-16 code units"},
		{"4,096 UTF-16 units", "sendMessage", with("text", strings.Repeat("😀", 2048)), ""},
		{"short polling", "getUpdates", url.Values{"offset": {"5"}}, "getUpdates: timeout"},
		{"long polling", "getUpdates", url.Values{"offset": {"5"}, "timeout": {"1"}}, ""},
		{"inline disable_web_page_preview", "answerInlineQuery", url.Values{"inline_query_id": {"q"},
			"results": {article(`{"message_text":"hi","disable_web_page_preview":true}`)}},
			`results[0].input_message_content: InputTextMessageContent has no field "disable_web_page_preview"`},
		{"inline link_preview_options", "answerInlineQuery", url.Values{"inline_query_id": {"q"},
			"results": {article(`{"message_text":"hi","link_preview_options":{"is_disabled":true}}`)}}, ""},
		{"inline result kind unknown", "answerInlineQuery", url.Values{"inline_query_id": {"q"},
			"results": {`[{"type":"article","id":"a1","title":"T","input_message_content":{"text":"hi"}}]`}}, "results[0].input_message_content"},
		{"callback notification over 200", "answerCallbackQuery", url.Values{"callback_query_id": {"c"}, "text": {strings.Repeat("é", 201)}}, "0-200 characters"},
		{"no such method", "sendMesage", ok, "sendMesage: no such method"},
		{"command with capitals", "setMyCommands", url.Values{"commands": {`[{"command":"Help","description":"d"}]`}}, "lowercase"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := telegramtest.New(t)
			s.ExpectViolations()
			desc := post(t, s, tc.method, tc.form)
			got := strings.Join(s.Violations(), "\n")
			if tc.want == "" {
				if got != "" || desc != "" {
					t.Errorf("a valid request was refused: %s (%s)", got, desc)
				}
				return
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("violations %q, want one containing %q", got, tc.want)
			}
			if !strings.HasPrefix(desc, "Bad Request: ") {
				t.Errorf("answered %q, want a 400", desc)
			}
		})
	}
}

// TestFakeCatchesTheLibraryDefaults drives the real client library the way
// the adapter used to: its MessageConfig and InputTextMessageContent
// carry parameters Bot API 7.0 removed.
func TestFakeCatchesTheLibraryDefaults(t *testing.T) {
	telegramtest.RequireSpec(t)
	s := telegramtest.New(t)
	s.ExpectViolations()
	api, err := tgbotapi.NewBotAPIWithClient(telegramtest.Token, s.URL+"/bot%s/%s", http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	msg := tgbotapi.NewMessage(100, "hello")
	msg.DisableWebPagePreview = true
	msg.ReplyToMessageID = 7
	msg.AllowSendingWithoutReply = true
	if _, err := api.Request(msg); err == nil {
		t.Error("the library's sendMessage was accepted")
	}
	art := tgbotapi.NewInlineQueryResultArticleHTML("a1", "T", "hi")
	art.InputMessageContent = tgbotapi.InputTextMessageContent{Text: "hi", DisableWebPagePreview: true}
	if _, err := api.Request(tgbotapi.InlineConfig{InlineQueryID: "q", Results: []any{art}}); err == nil {
		t.Error("the library's inline article was accepted")
	}
	got := strings.Join(s.Violations(), "\n")
	for _, want := range []string{
		`sendMessage: unknown parameter "disable_web_page_preview"`,
		`sendMessage: unknown parameter "reply_to_message_id"`,
		`sendMessage: unknown parameter "allow_sending_without_reply"`,
		"sendMessage: entities: null",
		`answerInlineQuery: results[0].input_message_content: InputTextMessageContent has no field "disable_web_page_preview"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no violation %q in:\n%s", want, got)
		}
	}
}
