package discord

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"travelbot/bot"
)

// Discord's limits, counted in characters (Unicode code points), as Discord
// counts them. Discord rejects a body over any of them with 400/50035, so
// every message is built within them here, never trimmed by Discord.
const (
	maxContent          = 2000
	maxEmbeds           = 10
	maxEmbedTitle       = 256
	maxEmbedDescription = 4096
	maxEmbedFields      = 25
	maxFieldName        = 256
	maxFieldValue       = 1024
	maxFooter           = 2048
	maxEmbedTotal       = 6000 // all the embeds of one message together
	maxChoices          = 25
	maxChoiceName       = 100
	maxChoiceValue      = 100
	maxButtonLabel      = 80
	maxCustomID         = 100
	maxButtonsPerRow    = 5
	maxRows             = 5
	// maxCommandDescription bounds a command's and an option's description.
	maxCommandDescription = 100
)

// topicsPerPage leaves the fifth row of buttons for Previous/More.
const topicsPerPage = (maxRows - 1) * maxButtonsPerRow

// Custom id prefixes of our buttons. An entry button is "e:<entry id>"; a
// topics page button is "t:<page>".
const (
	entryPrefix = "e:"
	pagePrefix  = "t:"
)

// emergencyLine leads the reply to an emergency when bot gives no Urgent
// line of its own (the reply is the FAQ's emergency entry itself).
const emergencyLine = "🚨 Call 112 now: police, ambulance and fire in Italy, free from any phone."

// embedColor is the accent of answer embeds (Milan-Cortina blue).
const embedColor = 0x1f5aa6

// outgoing is one Discord message, already within every limit: the first
// of a reply is the interaction response (or the reply to a message), the
// rest are follow-ups.
type outgoing struct {
	Content    string
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
}

// render turns a reply into the messages that say it. It never cuts text:
// what does not fit in one embed or message continues in the next.
func render(r bot.Reply) []outgoing {
	switch r.Kind {
	case bot.KindAnswer:
		return renderAnswer(r)
	case bot.KindTopics:
		return renderTopics(r, 0)
	case bot.KindClarify:
		return renderText(r, joinLines(urgentLine(r), r.Text, noteLine(r.Note)), entryButtons(r.Suggestions))
	default:
		return renderText(r, joinLines(urgentLine(r), r.Text, noteLine(r.Note)), entryButtons(r.Choices))
	}
}

// Rendered is one Discord message of a reply, as the adapter sends it.
type Rendered struct {
	Content    string
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
}

// Render renders a reply as the adapter sends it, one Rendered per
// message, for previews (the admin console's test pane): the same
// renderer, without sending anything.
func Render(r bot.Reply) []Rendered {
	var out []Rendered
	for _, m := range render(r) {
		out = append(out, Rendered(m))
	}
	return out
}

// urgentLine is the 112 line that must come first, or "".
func urgentLine(r bot.Reply) string {
	switch {
	case r.Urgent != "":
		return "🚨 " + r.Urgent
	case r.Emergency:
		return emergencyLine
	}
	return ""
}

func noteLine(note string) string {
	if note == "" {
		return ""
	}
	return "(" + note + ")"
}

func joinLines(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "\n\n")
}

// renderText says text as content, split across messages at 2000
// characters, with the buttons on the last message.
func renderText(r bot.Reply, text string, buttons []discordgo.Button) []outgoing {
	var msgs []outgoing
	for _, chunk := range splitText(text, maxContent) {
		msgs = append(msgs, outgoing{Content: chunk})
	}
	if len(msgs) == 0 {
		msgs = []outgoing{{Content: "…"}}
	}
	msgs[len(msgs)-1].Components = rows(buttons)
	return msgs
}

// renderAnswer says an FAQ entry: the 112 line first (as content, above the
// embed), then the question as title and the answer as description, the
// sources as fields, the note as footer, and the follow-ups as buttons.
func renderAnswer(r bot.Reply) []outgoing {
	embeds := answerEmbeds(r)
	msgs := packEmbeds(embeds)
	if lead := urgentLine(r); lead != "" {
		chunks := splitText(lead, maxContent)
		var lines []outgoing
		for _, c := range chunks[:len(chunks)-1] {
			lines = append(lines, outgoing{Content: c})
		}
		msgs[0].Content = chunks[len(chunks)-1]
		msgs = append(lines, msgs...)
	}
	msgs[len(msgs)-1].Components = rows(entryButtons(r.FollowUps))
	return msgs
}

// answerEmbeds builds the embeds of an answer, each within the per-embed
// limits and no larger than a whole message's embed budget.
func answerEmbeds(r bot.Reply) []*discordgo.MessageEmbed {
	title, desc := strings.TrimSpace(r.Question), r.Answer
	if runeLen(title) > maxEmbedTitle {
		// The title must be cut to fit; the description keeps it whole.
		desc = "**" + title + "**\n\n" + desc
		title = truncate(title, maxEmbedTitle)
	}
	chunks := splitText(desc, maxEmbedDescription)
	first := &discordgo.MessageEmbed{Title: title, Color: embedColor}
	if len(chunks) > 0 {
		first.Description = chunks[0]
	}
	embeds := []*discordgo.MessageEmbed{first}
	for _, c := range chunks[min(1, len(chunks)):] {
		embeds = append(embeds, &discordgo.MessageEmbed{Description: c, Color: embedColor})
	}
	for _, f := range citationFields(r.Citations) {
		last := embeds[len(embeds)-1]
		if len(last.Fields) >= maxEmbedFields || embedSize(last)+fieldSize(f) > maxEmbedTotal {
			last = &discordgo.MessageEmbed{Color: embedColor}
			embeds = append(embeds, last)
		}
		last.Fields = append(last.Fields, f)
	}
	if r.Note != "" {
		note := truncate(r.Note, maxFooter)
		last := embeds[len(embeds)-1]
		if embedSize(last)+runeLen(note) > maxEmbedTotal {
			last = &discordgo.MessageEmbed{Color: embedColor}
			embeds = append(embeds, last)
		}
		last.Footer = &discordgo.MessageEmbedFooter{Text: note}
	}
	return embeds
}

// citationFields renders each source as a field: publisher and date as the
// name, the linked title and the quote as the value. A value too long for
// one field continues in the next.
func citationFields(cs []bot.Citation) []*discordgo.MessageEmbedField {
	var out []*discordgo.MessageEmbedField
	for _, c := range cs {
		name := strings.TrimSpace(c.Publisher)
		if c.Date != "" {
			name = strings.TrimSpace(name + " · " + c.Date)
		}
		if name == "" {
			name = "Source"
		}
		name = truncate(name, maxFieldName)
		title := strings.TrimSpace(c.Title)
		if title == "" {
			title = "source"
		}
		value := escapeLinkText(title)
		if c.URL != "" {
			value = "[" + value + "](" + escapeURL(c.URL) + ")"
		}
		if q := strings.TrimSpace(c.Quote); q != "" {
			value += "\n> " + strings.ReplaceAll(q, "\n", "\n> ")
		}
		for i, part := range splitText(value, maxFieldValue) {
			n := name
			if i > 0 {
				n = "(continued)"
			}
			out = append(out, &discordgo.MessageEmbedField{Name: n, Value: part})
		}
	}
	return out
}

// escapeLinkText keeps brackets in a title from ending the link early.
func escapeLinkText(s string) string {
	return strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`).Replace(s)
}

// escapeURL keeps parentheses and spaces in a URL from ending the link.
func escapeURL(s string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20").Replace(s)
}

// packEmbeds puts embeds into as few messages as the limits allow: at most
// 10 embeds and 6000 characters of embeds per message. It returns at least
// one message.
func packEmbeds(embeds []*discordgo.MessageEmbed) []outgoing {
	msgs := []outgoing{{}}
	total := 0
	for _, e := range embeds {
		cur := &msgs[len(msgs)-1]
		size := embedSize(e)
		if len(cur.Embeds) > 0 && (len(cur.Embeds) == maxEmbeds || total+size > maxEmbedTotal) {
			msgs = append(msgs, outgoing{})
			cur, total = &msgs[len(msgs)-1], 0
		}
		cur.Embeds = append(cur.Embeds, e)
		total += size
	}
	return msgs
}

// embedSize counts an embed the way Discord's 6000-character limit does.
func embedSize(e *discordgo.MessageEmbed) int {
	n := runeLen(e.Title) + runeLen(e.Description)
	for _, f := range e.Fields {
		n += fieldSize(f)
	}
	if e.Footer != nil {
		n += runeLen(e.Footer.Text)
	}
	if e.Author != nil {
		n += runeLen(e.Author.Name)
	}
	return n
}

func fieldSize(f *discordgo.MessageEmbedField) int { return runeLen(f.Name) + runeLen(f.Value) }

// entryButtons turns choices into buttons that answer their entry. Choices
// whose id cannot fit a custom id, and repeats, are left out.
func entryButtons(cs []bot.Choice) []discordgo.Button {
	var out []discordgo.Button
	seen := make(map[string]bool)
	for _, c := range cs {
		id := entryPrefix + c.ID
		if c.ID == "" || runeLen(id) > maxCustomID || seen[id] {
			continue
		}
		seen[id] = true
		label := strings.TrimSpace(c.Question)
		if label == "" {
			label = c.ID
		}
		out = append(out, discordgo.Button{
			Label:    truncate(label, maxButtonLabel),
			Style:    discordgo.SecondaryButton,
			CustomID: id,
		})
	}
	return out
}

// rows lays buttons out five to a row, at most five rows; buttons beyond
// 25 are dropped (callers paginate before that).
func rows(buttons []discordgo.Button) []discordgo.MessageComponent {
	out := []discordgo.MessageComponent{}
	for i := 0; i < len(buttons) && len(out) < maxRows; i += maxButtonsPerRow {
		row := discordgo.ActionsRow{}
		for _, b := range buttons[i:min(i+maxButtonsPerRow, len(buttons))] {
			row.Components = append(row.Components, b)
		}
		out = append(out, row)
	}
	return out
}

// renderTopics shows one page of topics: all of them as buttons when they
// fit in 25, else 20 a page with Previous/More buttons.
func renderTopics(r bot.Reply, page int) []outgoing {
	buttons := entryButtons(r.Choices)
	if len(buttons) <= maxRows*maxButtonsPerRow {
		return renderText(r, r.Text, buttons)
	}
	pages := (len(buttons) + topicsPerPage - 1) / topicsPerPage
	page = max(0, min(page, pages-1))
	shown := buttons[page*topicsPerPage : min((page+1)*topicsPerPage, len(buttons))]
	var nav []discordgo.Button
	if page > 0 {
		nav = append(nav, discordgo.Button{Label: "◀ Previous", Style: discordgo.PrimaryButton, CustomID: pagePrefix + strconv.Itoa(page-1)})
	}
	if page < pages-1 {
		nav = append(nav, discordgo.Button{Label: "More topics ▶", Style: discordgo.PrimaryButton, CustomID: pagePrefix + strconv.Itoa(page+1)})
	}
	msgs := renderText(r, fmt.Sprintf("%s (page %d of %d)", r.Text, page+1, pages), nil)
	comps := rows(shown)
	row := discordgo.ActionsRow{}
	for _, b := range nav {
		row.Components = append(row.Components, b)
	}
	msgs[len(msgs)-1].Components = append(comps, row)
	return msgs
}

// splitText splits s into pieces of at most limit characters, preferring
// to break between paragraphs, then lines, then sentences, then words.
// Only the whitespace at a break is dropped: no word is ever lost.
func splitText(s string, limit int) []string {
	s = strings.TrimSpace(s)
	var out []string
	for runeLen(s) > limit {
		cut := cutPoint(s, limit)
		if piece := strings.TrimRightFunc(s[:cut], unicode.IsSpace); piece != "" {
			out = append(out, piece)
		}
		s = strings.TrimLeftFunc(s[cut:], unicode.IsSpace)
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// cutPoint returns the byte offset at which to end a piece of s of at most
// limit characters; it is always > 0 and on a rune boundary.
func cutPoint(s string, limit int) int {
	end := 0
	for i := 0; i < limit; i++ {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	window := s[:end]
	for _, sep := range []string{"\n\n", "\n", ". ", "? ", "! "} {
		if i := strings.LastIndex(window, sep); i >= end/2 {
			return i + len(sep)
		}
	}
	if i := strings.LastIndexFunc(window, unicode.IsSpace); i > 0 {
		return i
	}
	return end
}

// truncate cuts s to at most n characters on a rune boundary, marking the
// cut with an ellipsis. Only labels and titles are ever truncated.
func truncate(s string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:n-1]), unicode.IsSpace) + "…"
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
