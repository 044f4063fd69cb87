package discord

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
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

// Rows of buttons: a list of entries shows 20 a page, leaving the fifth
// row for Previous/More; an answer's follow-ups 15 a page, leaving a row
// for 👍/👎 too.
const (
	topicsPerPage    = (maxRows - 1) * maxButtonsPerRow
	followUpsPerPage = (maxRows - 2) * maxButtonsPerRow
)

// Custom ids of our buttons, each at most maxCustomID characters:
//
//	e:<entry>[|<question id>]         answer an entry (topic, follow-up, suggestion)
//	t:<page>                          a page of /topics
//	f:<page>:<entry>[|<question id>]  a page of an answer's follow-ups
//	v:u:<question id>, v:d:<...>      👍, 👎 on an answer
//	n:[<question id>]                 "None of these" under suggestions
//
// <entry> is the entry id, or "#" and a hash of it when the id is long or
// holds a character of the scheme; a hash is resolved against the FAQ's
// entries when pressed, so every entry is reachable by a button whatever
// the length of its id. The question id is dropped when it would not fit:
// the entry still answers, only the record of the pick is lost.
const (
	entryPrefix    = "e:"
	pagePrefix     = "t:"
	followUpPrefix = "f:"
	voteUp         = "v:u:"
	voteDown       = "v:d:"
	nonePrefix     = "n:"
	hashMark       = "#"
	qidSep         = "|"
	// maxEntryRef is the longest entry id used as it is; longer ids are
	// hashed, so a question id still fits beside them.
	maxEntryRef = 40
)

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
// what does not fit in one embed or message continues in the next. The
// reply's Urgent line (the 112 line, or the possible-emergency banner) is
// always the first thing shown.
func render(r bot.Reply) []outgoing {
	switch r.Kind {
	case bot.KindAnswer:
		return renderAnswer(r)
	case bot.KindTopics:
		return renderTopics(r, 0)
	case bot.KindClarify:
		buttons := entryButtons(r.Suggestions, r.QuestionID)
		none := discordgo.Button{Label: bot.Text(bot.KeyButtonNone, r.Language), Style: discordgo.PrimaryButton, CustomID: nonePrefix + r.QuestionID}
		if runeLen(none.CustomID) > maxCustomID {
			none.CustomID = nonePrefix
		}
		msgs := renderText(joinLines(urgentLine(r), r.Text, noteLine(r.Note)), nil)
		comps := rows(buttons, maxRows-1)
		msgs[len(msgs)-1].Components = append(comps, discordgo.ActionsRow{Components: []discordgo.MessageComponent{none}})
		return msgs
	default:
		return renderText(joinLines(urgentLine(r), r.Text, noteLine(r.Note)), entryButtons(r.Choices, r.QuestionID))
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

// urgentLine is the line that must come first, or "": the bot's Urgent
// line, marked so it stands out.
func urgentLine(r bot.Reply) string {
	if u := strings.TrimSpace(r.Urgent); u != "" {
		return "🚨 " + u
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
func renderText(text string, buttons []discordgo.Button) []outgoing {
	var msgs []outgoing
	for _, chunk := range splitText(text, maxContent) {
		msgs = append(msgs, outgoing{Content: chunk})
	}
	if len(msgs) == 0 {
		msgs = []outgoing{{Content: "…"}}
	}
	msgs[len(msgs)-1].Components = rows(buttons, maxRows)
	return msgs
}

// renderAnswer says an FAQ entry: the urgent line first (as content, above
// the embed), then the question as title and the answer as description,
// each source once with its quotes and link as a field, the note as
// footer; under the last message 👍/👎 and the follow-ups as buttons.
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
	msgs[len(msgs)-1].Components = answerComponents(r, 0)
	return msgs
}

// answerComponents are the buttons under an answer: 👍/👎 when the
// question is recorded, then one page of follow-ups, with Previous/More
// when they do not fit on one.
func answerComponents(r bot.Reply, page int) []discordgo.MessageComponent {
	out := []discordgo.MessageComponent{}
	if v := voteRow(r.QuestionID, r.Language); v != nil {
		out = append(out, *v)
	}
	buttons := entryButtons(r.FollowUps, r.QuestionID)
	free := maxRows - len(out)
	if len(buttons) <= free*maxButtonsPerRow {
		return append(out, rows(buttons, free)...)
	}
	ref := followUpPrefix + "%d:" + withQID(entryRef(r.ID), r.QuestionID)
	if runeLen(fmt.Sprintf(ref, 99)) > maxCustomID {
		ref = followUpPrefix + "%d:" + entryRef(r.ID)
	}
	shown, nav := paginate(buttons, page, followUpsPerPage, ref, r.Language)
	return append(append(out, rows(shown, maxRows-2)...), nav)
}

// voteRow is 👍/👎 for the question qid, or nil when the question is not
// recorded (there is nothing to vote on) or its id cannot fit.
func voteRow(qid, lang string) *discordgo.ActionsRow {
	if qid == "" || runeLen(voteUp+qid) > maxCustomID {
		return nil
	}
	return &discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: bot.Text(bot.KeyButtonUp, lang), Style: discordgo.SecondaryButton, CustomID: voteUp + qid},
		discordgo.Button{Label: bot.Text(bot.KeyButtonDown, lang), Style: discordgo.SecondaryButton, CustomID: voteDown + qid},
	}}
}

// paginate cuts buttons into pages of per and returns the page asked for
// (clamped) with its Previous/More row; ref is the custom id of a page,
// with a %d for its number.
func paginate(buttons []discordgo.Button, page, per int, ref, lang string) ([]discordgo.Button, discordgo.ActionsRow) {
	pages := (len(buttons) + per - 1) / per
	page = max(0, min(page, pages-1))
	shown := buttons[page*per : min((page+1)*per, len(buttons))]
	nav := discordgo.ActionsRow{}
	if page > 0 {
		nav.Components = append(nav.Components, discordgo.Button{Label: "◀ " + bot.Text(bot.KeyButtonPrevious, lang), Style: discordgo.PrimaryButton, CustomID: fmt.Sprintf(ref, page-1)})
	}
	if page < pages-1 {
		nav.Components = append(nav.Components, discordgo.Button{Label: bot.Text(bot.KeyButtonMore, lang) + " ▶", Style: discordgo.PrimaryButton, CustomID: fmt.Sprintf(ref, page+1)})
	}
	return shown, nav
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
	for _, f := range sourceFields(bot.GroupCitations(r)) {
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

// sourceFields renders each source once, as a field: publisher and date
// (marked when it is an estimate) as the name; the title, linked, and
// every quote the answer takes from it as the value. A value too long for
// one field continues in the next, under the same name marked "…".
func sourceFields(groups []bot.SourceGroup) []*discordgo.MessageEmbedField {
	var out []*discordgo.MessageEmbedField
	for _, g := range groups {
		name := strings.TrimSpace(g.Publisher)
		if d := g.DateText(); d != "" {
			name = strings.TrimSpace(name + " · " + d)
		}
		if name == "" {
			name = "—"
		}
		name = truncate(name, maxFieldName)
		title := strings.TrimSpace(g.Title)
		if title == "" {
			title = g.URL
		}
		value := escapeLinkText(title)
		if g.URL != "" {
			value = "[" + value + "](" + escapeURL(g.URL) + ")"
		}
		for _, q := range g.Quotes {
			if q = strings.TrimSpace(q); q != "" {
				value += "\n> " + strings.ReplaceAll(q, "\n", "\n> ")
			}
		}
		if strings.TrimSpace(value) == "" {
			value = "—"
		}
		for i, part := range splitText(value, maxFieldValue) {
			n := name
			if i > 0 {
				n = truncate("… "+name, maxFieldName)
			}
			out = append(out, &discordgo.MessageEmbedField{Name: n, Value: part})
		}
	}
	return out
}

// entryRef is how a custom id names an entry: its id, or a hash of it.
func entryRef(id string) string {
	if runeLen(id) <= maxEntryRef && !strings.ContainsAny(id, hashMark+qidSep+":") {
		return id
	}
	return hashMark + entryHash(id)
}

// entryHash is 96 bits of SHA-256 of an entry id, URL-safe: unique among
// any FAQ's entries in practice, and resolved against them when pressed.
func entryHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// withQID appends a question id to an entry reference when it fits in a
// custom id with the longest prefix.
func withQID(ref, qid string) string {
	if qid == "" || runeLen(followUpPrefix+"99:"+ref+qidSep+qid) > maxCustomID {
		return ref
	}
	return ref + qidSep + qid
}

// entryButtons turns choices into buttons that answer their entry,
// carrying the question the choice was offered for (qid, "" for none).
// Repeats and choices without an id are left out; every other choice gets
// its button.
func entryButtons(cs []bot.Choice, qid string) []discordgo.Button {
	var out []discordgo.Button
	seen := make(map[string]bool)
	for _, c := range cs {
		if c.ID == "" || seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		label := strings.TrimSpace(c.Question)
		if label == "" {
			label = c.ID
		}
		out = append(out, discordgo.Button{
			Label:    truncate(label, maxButtonLabel),
			Style:    discordgo.SecondaryButton,
			CustomID: entryPrefix + withQID(entryRef(c.ID), qid),
		})
	}
	return out
}

// rows lays buttons out five to a row, at most max rows; callers paginate
// so that nothing is left over.
func rows(buttons []discordgo.Button, max int) []discordgo.MessageComponent {
	out := []discordgo.MessageComponent{}
	for i := 0; i < len(buttons) && len(out) < max; i += maxButtonsPerRow {
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
	buttons := entryButtons(r.Choices, "")
	if len(buttons) <= maxRows*maxButtonsPerRow {
		return renderText(joinLines(urgentLine(r), r.Text), buttons)
	}
	shown, nav := paginate(buttons, page, topicsPerPage, pagePrefix+"%d", r.Language)
	pages := (len(buttons) + topicsPerPage - 1) / topicsPerPage
	page = max(0, min(page, pages-1))
	msgs := renderText(fmt.Sprintf("%s · %d/%d", joinLines(urgentLine(r), r.Text), page+1, pages), nil)
	msgs[len(msgs)-1].Components = append(rows(shown, maxRows-1), nav)
	return msgs
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

// splitText splits s into pieces of at most limit characters, each ending
// where bot.Cut says (between paragraphs, else lines, else sentences, else
// words, where one is not too far back; the one splitter of the adapters).
// Only the whitespace at a break is dropped: no word is ever lost. A
// break inside a code block closes the block at the end of its piece and
// opens it again at the start of the next, so that neither piece renders
// the text around the block as code or the code as text.
func splitText(s string, limit int) []string {
	s = strings.TrimSpace(s)
	var out []string
	for runeLen(s) > limit {
		piece, rest := cutAt(s, bot.Cut(s, limit, bot.Runes))
		if limit > 4*len(codeFence) && strings.Count(piece, codeFence)%2 == 1 {
			p, r := cutAt(s, bot.Cut(s, limit-len(closeFence), bot.Runes))
			if strings.Count(p, codeFence)%2 == 1 {
				if after, ok := strings.CutPrefix(r, codeFence); ok {
					// The block ends right at the break.
					p, r = p+closeFence, strings.TrimLeftFunc(after, unicode.IsSpace)
				} else {
					p, r = p+closeFence, codeFence+"\n"+r
				}
			}
			if runeLen(r) < runeLen(s) { // always progress
				piece, rest = p, r
			}
		}
		if piece != "" {
			out = append(out, piece)
		}
		s = rest
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// codeFence opens and closes a Markdown code block; closeFence ends one
// on a line of its own.
const (
	codeFence  = "```"
	closeFence = "\n" + codeFence
)

// cutAt splits s at byte offset cut, dropping the whitespace around it.
func cutAt(s string, cut int) (piece, rest string) {
	return strings.TrimRightFunc(s[:cut], unicode.IsSpace), strings.TrimLeftFunc(s[cut:], unicode.IsSpace)
}

// truncate cuts s to at most n characters, marking the cut with an
// ellipsis (bot.Truncate, in Discord's unit). Only labels and titles are
// ever truncated.
func truncate(s string, n int) string { return bot.Truncate(s, n, bot.Runes) }

func runeLen(s string) int { return utf8.RuneCountInString(s) }
