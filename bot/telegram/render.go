package telegram

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf16"
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

// utf16Len counts how Telegram counts.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// splitPlain cuts s into ranges of at most limit UTF-16 units each, cutting
// at the last paragraph break that keeps the part at least a third full,
// else a line break, else a space, else between two runes. Ranges exclude
// the whitespace around the cuts; empty parts are dropped.
func splitPlain(s string, limit int) [][2]int {
	var parts [][2]int
	start := skipSpace(s, 0)
	for start < len(s) {
		end, units := start, 0
		for end < len(s) {
			r, size := utf8.DecodeRuneInString(s[end:])
			u := utf16.RuneLen(r)
			if u < 0 {
				u = 2
			}
			if units+u > limit {
				break
			}
			units += u
			end += size
		}
		cut := end
		if end < len(s) {
			window := s[start:end]
			cut = end
			for _, sep := range []string{"\n\n", "\n", " "} {
				// A separator may start right at the end of the window.
				ext := s[start:min(len(s), end+len(sep))]
				if i := strings.LastIndex(ext, sep); i > 0 && i >= len(window)/3 {
					cut = start + i
					break
				}
			}
		}
		if e := trimSpaceEnd(s, start, cut); e > start {
			parts = append(parts, [2]int{start, e})
		}
		start = skipSpace(s, cut)
	}
	return parts
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t') {
		i++
	}
	return i
}

func trimSpaceEnd(s string, start, end int) int {
	for end > start && (s[end-1] == ' ' || s[end-1] == '\n' || s[end-1] == '\t') {
		end--
	}
	return end
}

// outMsg is one message to send: HTML text, its plain version (for a
// fallback send without parse mode), and buttons.
type outMsg struct {
	html     string
	plain    string
	keyboard *tgbotapi.InlineKeyboardMarkup
}

// render turns a reply into one or more messages: each within Telegram's
// length limit, each valid HTML, the buttons on the last one (and, past 100
// buttons, on follow-up messages).
func (a *Adapter) render(r bot.Reply) []outMsg {
	d, choices := compose(r)
	p := d.plain()
	var msgs []outMsg
	for _, rg := range splitPlain(p, maxVisible) {
		msgs = append(msgs, outMsg{html: d.html(rg[0], rg[1]), plain: p[rg[0]:rg[1]]})
	}
	if len(msgs) == 0 {
		msgs = append(msgs, outMsg{html: "…", plain: "…"})
	}
	for i := 0; i < len(choices); i += maxButtons {
		kb := a.keyboard(choices[i:min(i+maxButtons, len(choices))])
		if i == 0 {
			msgs[len(msgs)-1].keyboard = kb
			continue
		}
		msgs = append(msgs, outMsg{html: "More:", plain: "More:", keyboard: kb})
	}
	return msgs
}

// compose lays a reply out as a doc, and returns the choices to offer as
// buttons. An emergency reply's first line always tells the user to call
// 112, whatever else the reply says.
func compose(r bot.Reply) (doc, []bot.Choice) {
	var d doc
	if h := emergencyHeader(r); h != "" {
		d.bold("🚨 " + h)
		d.text("\n\n")
	}
	var choices []bot.Choice
	switch {
	case r.Kind == bot.KindAnswer || r.Answer != "":
		if q := strings.TrimSpace(r.Question); q != "" {
			d.bold(q)
			d.text("\n")
		}
		d.text(strings.TrimSpace(r.Answer))
		if len(r.Citations) > 0 {
			d.text("\n\nSources:")
			for _, c := range r.Citations {
				d.text("\n• ")
				citation(&d, c)
			}
		}
		choices = r.FollowUps
	case len(r.Suggestions) > 0:
		d.text(strings.TrimSpace(r.Text))
		choices = r.Suggestions
	default:
		d.text(strings.TrimSpace(r.Text))
		choices = r.Choices
	}
	if n := strings.TrimSpace(r.Note); n != "" {
		d.text("\n\n")
		d.italic(n)
	}
	if strings.TrimSpace(d.plain()) == "" {
		d = nil
		d.text("Sorry, I have no answer to that. Use /topics to see what I can answer. In an emergency, call 112.")
	}
	return d, choices
}

// emergencyHeader is the first line of an emergency reply ("" otherwise).
func emergencyHeader(r bot.Reply) string {
	urgent := strings.TrimSpace(r.Urgent)
	if !r.Emergency && urgent == "" {
		return ""
	}
	if strings.Contains(urgent, "112") && !strings.Contains(urgent, "\n") {
		return urgent
	}
	h := "Emergency? Call 112 now: police, ambulance and fire in Italy."
	if urgent != "" {
		h += " " + strings.Join(strings.Fields(urgent), " ")
	}
	return h
}

func citation(d *doc, c bot.Citation) {
	var parts []func()
	if p := strings.TrimSpace(c.Publisher); p != "" {
		parts = append(parts, func() { d.text(p) })
	}
	if t := strings.TrimSpace(c.Title); t != "" {
		if u := safeURL(c.URL); u != "" {
			parts = append(parts, func() { d.link(t, u) })
		} else {
			parts = append(parts, func() { d.text(t) })
		}
	} else if u := safeURL(c.URL); u != "" {
		parts = append(parts, func() { d.link(u, u) })
	}
	if dt := strings.TrimSpace(c.Date); dt != "" {
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

// keyboard makes one button per row, one row per choice.
func (a *Adapter) keyboard(choices []bot.Choice) *tgbotapi.InlineKeyboardMarkup {
	if len(choices) == 0 {
		return nil
	}
	rows := make([][]tgbotapi.InlineKeyboardButton, 0, len(choices))
	for _, c := range choices {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(label(c.Question, c.ID), a.callbackData(c.ID))))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
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

// truncateUnits cuts s to at most n UTF-16 code units, the unit Telegram
// counts lengths in, ending it with "…" when it was cut.
func truncateUnits(s string, n int) string {
	if utf16Len(s) <= n {
		return s
	}
	units, end := 0, 0
	for i, r := range s {
		u := utf16.RuneLen(r)
		if u < 0 {
			u = 2
		}
		if units+u > n-1 { // one unit for the "…"
			break
		}
		units += u
		end = i + utf8.RuneLen(r)
	}
	return strings.TrimSpace(s[:end]) + "…"
}

// Callback data: "e:<id>" when it fits in Telegram's 64 bytes, else
// "h:<hash of id>", resolved through a.keys (or, after a restart, by
// hashing the ids of all entries).
const (
	entryPrefix = "e:"
	hashPrefix  = "h:"
)

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

// resolve turns callback data back into an entry id.
func (a *Adapter) resolve(data string) (string, bool) {
	switch {
	case strings.HasPrefix(data, entryPrefix) && len(data) > len(entryPrefix):
		return data[len(entryPrefix):], true
	case strings.HasPrefix(data, hashPrefix):
		if id, ok := a.keys.get(data); ok {
			return id, true
		}
		for _, c := range a.conv.Suggest("", 100000) {
			if hashID(c.ID) == data {
				a.keys.put(data, c.ID)
				return c.ID, true
			}
		}
	}
	return "", false
}
