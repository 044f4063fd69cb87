package telegram

import (
	"html"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"travelbot/bot"
)

// Telegram's limits. Message text is limited after entity parsing, in UTF-16
// code units; we stay a little under.
const (
	maxVisible     = 4000 // of Telegram's 4096
	maxCallback    = 64   // bytes of callback_data
	maxButtons     = 100  // per inline keyboard
	maxLabelRunes  = 60   // longer button labels are cut with "…"
	maxInlineTitle = 100
	maxInlineDesc  = 120
)

// style is how a span of text is shown.
type style uint8

const (
	plain style = iota
	bold
	italic
	link
)

// span is a run of plain text with one style. Text is kept unescaped until
// the very end, so splitting can never cut a tag or an entity.
type span struct {
	text  string
	style style
	href  string
}

// doc is a message being built: spans of plain text.
type doc []span

func (d *doc) add(s style, text, href string) {
	text = clean(text)
	if text != "" {
		*d = append(*d, span{text: text, style: s, href: clean(href)})
	}
}

func (d *doc) text(s string)         { d.add(plain, s, "") }
func (d *doc) bold(s string)         { d.add(bold, s, "") }
func (d *doc) italic(s string)       { d.add(italic, s, "") }
func (d *doc) link(s, target string) { d.add(link, s, target) }

func (d doc) plain() string {
	var sb strings.Builder
	for _, s := range d {
		sb.WriteString(s.text)
	}
	return sb.String()
}

// html renders the part of d between byte offsets from and to of its plain
// text, escaping every piece of text and attribute.
func (d doc) html(from, to int) string {
	var sb strings.Builder
	pos := 0
	for _, s := range d {
		start, end := pos, pos+len(s.text)
		pos = end
		lo, hi := max(start, from), min(end, to)
		if lo >= hi {
			continue
		}
		t := html.EscapeString(s.text[lo-start : hi-start])
		switch s.style {
		case bold:
			sb.WriteString("<b>" + t + "</b>")
		case italic:
			sb.WriteString("<i>" + t + "</i>")
		case link:
			sb.WriteString(`<a href="` + html.EscapeString(s.href) + `">` + t + "</a>")
		default:
			sb.WriteString(t)
		}
	}
	return sb.String()
}

// clean makes text safe to send: valid UTF-8, and no control characters
// but newlines and tabs.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexFunc(s, isBadControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isBadControl(r) {
			return -1
		}
		return r
	}, s)
}

func isBadControl(r rune) bool {
	return (unicode.IsControl(r) && r != '\n' && r != '\t') || r == '\u2028' || r == '\u2029'
}

// Telegram counts lengths in UTF-16 code units: splitPlain and
// truncateUnits are bot's one splitter and truncator (bot/split.go) in
// that unit.

// splitPlain cuts s into ranges of at most limit UTF-16 units each
// (bot.Split: at a paragraph, a line, a sentence or a word where one is
// not too far back), without the whitespace around the cuts.
func splitPlain(s string, limit int) [][2]int { return bot.Split(s, limit, bot.UTF16) }

// outMsg is one message to send: HTML text, its plain version (for a
// fallback send without parse mode), and buttons.
type outMsg struct {
	html     string
	plain    string
	keyboard *tgbotapi.InlineKeyboardMarkup
}

// topicsPage is how many topics one page of /topics shows; "More" and
// "Previous" buttons page through the rest by editing the message's
// keyboard in place.
const topicsPage = 20

// render turns a reply into one or more messages: each within Telegram's
// length limit, each valid HTML, the buttons on the last one (and, past 100
// buttons, on follow-up messages).
func (a *Adapter) render(r bot.Reply) []outMsg {
	d, _ := compose(r)
	p := d.plain()
	var msgs []outMsg
	for _, rg := range splitPlain(p, maxVisible) {
		msgs = append(msgs, outMsg{html: d.html(rg[0], rg[1]), plain: p[rg[0]:rg[1]]})
	}
	if len(msgs) == 0 {
		msgs = append(msgs, outMsg{html: "…", plain: "…"})
	}
	rows := a.buttons(r, 0)
	for i, n := 0, 0; i < len(rows); i += n {
		n = rowsFitting(rows[i:], maxButtons)
		kb := tgbotapi.NewInlineKeyboardMarkup(rows[i : i+n]...)
		if i == 0 {
			msgs[len(msgs)-1].keyboard = &kb
			continue
		}
		more := bot.Text(bot.KeyButtonMore, r.Language)
		msgs = append(msgs, outMsg{html: html.EscapeString(more), plain: more, keyboard: &kb})
	}
	return msgs
}

// rowsFitting is how many of rows fit in a keyboard of at most max buttons
// (at least one row).
func rowsFitting(rows [][]tgbotapi.InlineKeyboardButton, max int) int {
	n, buttons := 0, 0
	for _, row := range rows {
		if n > 0 && buttons+len(row) > max {
			break
		}
		n++
		buttons += len(row)
	}
	return n
}

// RenderHTML renders a reply as the adapter sends it: the HTML text
// (parse mode HTML) of each message, in order, and the labels of the
// buttons under them. It is for previews (the admin console's test pane):
// the same renderer, without sending anything.
func RenderHTML(r bot.Reply) (messages, buttons []string) {
	a := &Adapter{keys: newCallbackKeys(1000)}
	for _, m := range a.render(r) {
		messages = append(messages, m.html)
		if m.keyboard == nil {
			continue
		}
		for _, row := range m.keyboard.InlineKeyboard {
			for _, b := range row {
				buttons = append(buttons, b.Text)
			}
		}
	}
	return messages, buttons
}

// compose lays a reply out as a doc, and returns the choices to offer as
// buttons. The line the reply must lead with (Reply.Urgent: the 112 line of
// an emergency, the danger banner of a possible one) comes first, whatever
// else the reply says; an emergency reply's first line always says 112.
func compose(r bot.Reply) (doc, []bot.Choice) {
	lang := r.Language
	var d doc
	if h := leadLine(r); h != "" {
		if r.Emergency {
			d.bold("🚨 " + h)
		} else {
			d.bold("⚠️ " + h)
		}
		d.text("\n\n")
	}
	choices := bot.Offered(r)
	switch {
	case r.Kind == bot.KindAnswer || r.Answer != "":
		if q := strings.TrimSpace(r.Question); q != "" {
			d.bold(q)
			d.text("\n")
		}
		d.text(strings.TrimSpace(r.Answer))
		sources(&d, r, lang)
		choices = r.FollowUps
	default:
		d.text(strings.TrimSpace(r.Text))
	}
	if n := strings.TrimSpace(r.Note); n != "" {
		d.text("\n\n")
		d.italic(n)
	}
	if strings.TrimSpace(d.plain()) == "" {
		d = nil
		d.text(bot.TextWith112(bot.KeyFallback, lang))
	}
	return d, choices
}

// leadLine is the line a reply leads with ("" for none): Reply.Urgent, on
// one line. An emergency without one, or with one that does not say 112,
// gets the catalog's 112 line in the reply's language first.
func leadLine(r bot.Reply) string {
	urgent := strings.Join(strings.Fields(r.Urgent), " ")
	if r.Emergency && !strings.Contains(urgent, bot.EmergencyNumber) {
		return strings.TrimSpace(bot.Line112(r.Language) + " " + urgent)
	}
	return urgent
}

// sources lists each cited source once (bot.GroupCitations, the grouping
// every renderer shares), in the order first cited, with its link, its
// date (marked when it is an estimate), and all its quotes.
func sources(d *doc, r bot.Reply, lang string) {
	groups := bot.GroupCitations(r)
	if len(groups) == 0 {
		return
	}
	d.text("\n\n" + bot.Text(bot.KeySources, lang))
	for _, g := range groups {
		d.text("\n• ")
		citation(d, g, lang)
		for _, q := range g.Quotes {
			if q = strings.TrimSpace(q); q != "" {
				d.text("\n    ")
				d.italic("“" + q + "”")
			}
		}
	}
}

func citation(d *doc, g bot.SourceGroup, lang string) {
	var parts []func()
	// An official page cited as a whole is often published under its own
	// name: say it once.
	if p := strings.TrimSpace(g.Publisher); p != "" && p != strings.TrimSpace(g.Title) {
		parts = append(parts, func() { d.text(p) })
	}
	if t := strings.TrimSpace(g.Title); t != "" {
		if u := safeURL(g.URL); u != "" {
			parts = append(parts, func() { d.link(t, u) })
		} else {
			parts = append(parts, func() { d.text(t) })
		}
	} else if u := safeURL(g.URL); u != "" {
		parts = append(parts, func() { d.link(u, u) })
	}
	if dt := strings.TrimSpace(g.Date); dt != "" {
		if g.DateApprox {
			dt = bot.Text(bot.KeyDateApprox, lang) + " " + dt
		}
		parts = append(parts, func() { d.text(dt) })
	}
	for i, p := range parts {
		if i > 0 {
			d.text(", ")
		}
		p()
	}
}

// safeURL returns u if it is an absolute http(s) URL Telegram will link,
// else "".
func safeURL(u string) string {
	u = strings.TrimSpace(u)
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || !utf8.ValidString(u) || strings.IndexFunc(u, isBadControl) >= 0 || strings.ContainsAny(u, " \n\t") {
		return ""
	}
	return u
}

// buttons are the rows of buttons under a reply: one row per choice
// offered (for /topics, page number page of them, with "Previous" and
// "More"); under an answer to a recorded question, 👍 and 👎; under "did
// you mean" suggestions, "None of these".
func (a *Adapter) buttons(r bot.Reply, page int) [][]tgbotapi.InlineKeyboardButton {
	lang := r.Language
	choices := bot.Offered(r)
	var rows [][]tgbotapi.InlineKeyboardButton
	var nav []tgbotapi.InlineKeyboardButton
	if r.Kind == bot.KindTopics && len(choices) > topicsPage {
		pages := (len(choices) + topicsPage - 1) / topicsPage
		page = min(max(page, 0), pages-1)
		if page > 0 {
			nav = append(nav, tgbotapi.NewInlineKeyboardButtonData("‹ "+bot.Text(bot.KeyButtonPrevious, lang), pageData(page-1)))
		}
		if page < pages-1 {
			nav = append(nav, tgbotapi.NewInlineKeyboardButtonData(bot.Text(bot.KeyButtonMore, lang)+" ›", pageData(page+1)))
		}
		choices = choices[page*topicsPage : min((page+1)*topicsPage, len(choices))]
	}
	suggestions := r.Kind == bot.KindClarify
	for _, c := range choices {
		data := a.callbackData(c.ID)
		if suggestions && r.QuestionID != "" {
			data = a.suggestionData(r.QuestionID, c.ID)
		}
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(label(c.Question, c.ID), data)))
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	switch {
	case r.Kind == bot.KindAnswer && r.QuestionID != "":
		// Only a recorded question can take a vote: without a store
		// there is nothing to record it against.
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(bot.Text(bot.KeyButtonUp, lang), a.voteData(bot.VoteUp, r.QuestionID)),
			tgbotapi.NewInlineKeyboardButtonData(bot.Text(bot.KeyButtonDown, lang), a.voteData(bot.VoteDown, r.QuestionID))))
	case suggestions:
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(bot.Text(bot.KeyButtonNone, lang), a.noneData(r.QuestionID))))
	}
	return rows
}

// label is a one-line button caption of at most maxLabelRunes UTF-16 units.
func label(question, id string) string {
	s := strings.Join(strings.Fields(clean(question)), " ")
	if s == "" {
		s = strings.Join(strings.Fields(clean(id)), " ")
	}
	if s == "" {
		s = "?"
	}
	return truncateUnits(s, maxLabelRunes)
}

// truncateUnits cuts s to at most n UTF-16 code units, ending it with "…"
// when it was cut, between words where one is not too far back
// (bot.Truncate).
func truncateUnits(s string, n int) string { return bot.Truncate(s, n, bot.UTF16) }
