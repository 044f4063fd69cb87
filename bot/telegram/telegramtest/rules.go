package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The rules of the Bot API that its machine-readable description cannot
// hold: limits and formats stated only in the prose of
// https://core.telegram.org/bots/api. Each check quotes the documentation it
// enforces. They apply whether or not the spec file is there.

// checkRules returns the violations of the prose rules by one request.
func checkRules(method string, form url.Values) []string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, method+": "+fmt.Sprintf(format, args...))
	}
	switch method {
	case "getUpdates":
		// timeout: "Timeout in seconds for long polling. Defaults to 0,
		// i.e. usual short polling. Should be positive, short polling
		// should be used for testing purposes only."
		if t, err := strconv.Atoi(form.Get("timeout")); err != nil || t <= 0 {
			add("timeout %q: short polling; the timeout \"should be positive, short polling should be used for testing purposes only\"", form.Get("timeout"))
		}
		// limit: "Values between 1-100 are accepted."
		if l := form.Get("limit"); l != "" {
			if n, err := strconv.Atoi(l); err != nil || n < 1 || n > 100 {
				add("limit %q: values between 1-100 are accepted", l)
			}
		}
	case "sendMessage":
		// chat_id: "Unique identifier for the target chat or username of
		// the target channel (in the format @channelusername)".
		if c := form.Get("chat_id"); c != "" && !chatIDPattern.MatchString(c) && !strings.HasPrefix(c, "@") {
			add("chat_id %q is neither a chat id nor an @channelusername", c)
		}
		for _, p := range checkText("text", form.Get("text"), form.Get("parse_mode")) {
			add("%s", p)
		}
		if rm := form.Get("reply_markup"); rm != "" {
			for _, p := range checkKeyboard("reply_markup", rm) {
				add("%s", p)
			}
		}
	case "editMessageReplyMarkup":
		if rm := form.Get("reply_markup"); rm != "" {
			for _, p := range checkKeyboard("reply_markup", rm) {
				add("%s", p)
			}
		}
	case "answerCallbackQuery":
		// text: "Text of the notification. If not specified, nothing will
		// be shown to the user, 0-200 characters."
		if n := UTF16Len(form.Get("text")); n > 200 {
			add("text is %d characters; the notification is 0-200 characters", n)
		}
	case "answerInlineQuery":
		for _, p := range checkInlineResults(form.Get("results")) {
			add("%s", p)
		}
	case "setMyCommands":
		for _, p := range checkCommands(form.Get("commands")) {
			add("%s", p)
		}
	case "setWebhook":
		// secret_token: "1-256 characters. Only characters A-Z, a-z, 0-9,
		// _ and - are allowed."
		if st := form.Get("secret_token"); form.Has("secret_token") && !secretPattern.MatchString(st) {
			add("secret_token must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
		}
	}
	return problems
}

var (
	chatIDPattern  = regexp.MustCompile(`^-?[0-9]+$`)
	secretPattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	commandPattern = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
)

// checkText checks a message text in a parse mode.
func checkText(name, text, mode string) []string {
	visible := text
	switch mode {
	case "":
	case "HTML":
		// "Formatting options ... HTML style: ... All <, > and & symbols
		// that are not a part of a tag or an HTML entity must be replaced
		// with the corresponding HTML entities ... Only the tags mentioned
		// above are currently supported." (CheckHTML holds the subset.)
		v, err := CheckHTML(text)
		if err != nil {
			return []string{fmt.Sprintf("%s: can't parse entities: %v", name, err)}
		}
		visible = v
	default:
		return []string{fmt.Sprintf("parse_mode %q: the fake checks only HTML (the bot sends HTML)", mode)}
	}
	// "Text of the message to be sent, 1-4096 characters after entities
	// parsing". Telegram counts characters in UTF-16 code units, the unit
	// of its entity offsets: an emoji outside the BMP counts two.
	n := UTF16Len(visible)
	switch {
	case strings.TrimSpace(visible) == "":
		return []string{fmt.Sprintf("%s: message text is empty after entities parsing", name)}
	case n > 4096:
		return []string{fmt.Sprintf("%s: %d UTF-16 code units after entities parsing; the text is 1-4096 characters", name, n)}
	}
	return nil
}

// checkKeyboard checks an inline keyboard's buttons.
func checkKeyboard(name, raw string) []string {
	var kb struct {
		InlineKeyboard [][]map[string]json.RawMessage `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &kb); err != nil {
		return []string{fmt.Sprintf("%s: not an inline keyboard: %v", name, err)}
	}
	var problems []string
	n := 0
	for i, row := range kb.InlineKeyboard {
		for j, b := range row {
			n++
			path := fmt.Sprintf("%s.inline_keyboard[%d][%d]", name, i, j)
			var text string
			_ = json.Unmarshal(b["text"], &text)
			// InlineKeyboardButton.text: "Label text on the button";
			// Telegram refuses an empty one (BUTTON_TEXT_EMPTY).
			if strings.TrimSpace(text) == "" {
				problems = append(problems, path+".text: empty label")
			}
			// "Exactly one of the fields other than text,
			// icon_custom_emoji_id, and style must be used to specify the
			// type of the button."
			kinds := 0
			for k := range b {
				if k != "text" && k != "icon_custom_emoji_id" && k != "style" {
					kinds++
				}
			}
			if kinds != 1 {
				problems = append(problems, fmt.Sprintf("%s: %d button kinds; exactly one must be used", path, kinds))
			}
			// callback_data: "Data to be sent in a callback query to the
			// bot when the button is pressed, 1-64 bytes".
			if raw, ok := b["callback_data"]; ok {
				var d string
				if json.Unmarshal(raw, &d) != nil || len(d) < 1 || len(d) > 64 {
					problems = append(problems, fmt.Sprintf("%s.callback_data: %d bytes; it is 1-64 bytes", path, len(d)))
				}
			}
		}
	}
	// Not in the documentation, but what Telegram answers past it
	// ("reply markup is too long"): at most 100 buttons per keyboard.
	if n > 100 {
		problems = append(problems, fmt.Sprintf("%s: %d buttons; Telegram refuses more than 100", name, n))
	}
	return problems
}

// checkInlineResults checks answerInlineQuery's results.
func checkInlineResults(raw string) []string {
	var rs []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &rs); err != nil {
		return []string{"results: not an array of results: " + err.Error()}
	}
	var problems []string
	// "No more than 50 results per query are allowed."
	if len(rs) > 50 {
		problems = append(problems, fmt.Sprintf("results: %d results; no more than 50 per query are allowed", len(rs)))
	}
	seen := map[string]bool{}
	for i, r := range rs {
		path := fmt.Sprintf("results[%d]", i)
		var id string
		_ = json.Unmarshal(r["id"], &id)
		// id: "Unique identifier for this result, 1-64 Bytes".
		if len(id) < 1 || len(id) > 64 {
			problems = append(problems, fmt.Sprintf("%s.id: %d bytes; it is 1-64 bytes", path, len(id)))
		}
		if seen[id] {
			problems = append(problems, fmt.Sprintf("%s.id: %q is not unique", path, id))
		}
		seen[id] = true
		var content struct {
			Text      *string `json:"message_text"`
			ParseMode string  `json:"parse_mode"`
		}
		if c, ok := r["input_message_content"]; ok && json.Unmarshal(c, &content) == nil && content.Text != nil {
			// InputTextMessageContent.message_text: "Text of the
			// message to be sent, 1-4096 characters".
			problems = append(problems, checkText(path+".input_message_content.message_text", *content.Text, content.ParseMode)...)
		}
		if rm, ok := r["reply_markup"]; ok {
			problems = append(problems, checkKeyboard(path+".reply_markup", string(rm))...)
		}
	}
	return problems
}

// checkCommands checks setMyCommands' list.
func checkCommands(raw string) []string {
	var cmds []struct {
		Command     string `json:"command"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal([]byte(raw), &cmds); err != nil {
		return []string{"commands: not a list of commands: " + err.Error()}
	}
	var problems []string
	// "At most 100 commands can be specified."
	if len(cmds) > 100 {
		problems = append(problems, fmt.Sprintf("commands: %d; at most 100 can be specified", len(cmds)))
	}
	for i, c := range cmds {
		// command: "Text of the command; 1-32 characters. Can contain
		// only lowercase English letters, digits and underscores."
		if !commandPattern.MatchString(c.Command) {
			problems = append(problems, fmt.Sprintf("commands[%d].command %q: 1-32 lowercase English letters, digits and underscores", i, c.Command))
		}
		// description: "Description of the command; 1-256 characters".
		if n := utf8.RuneCountInString(c.Description); n < 1 || n > 256 {
			problems = append(problems, fmt.Sprintf("commands[%d].description: %d characters; it is 1-256", i, n))
		}
	}
	return problems
}
