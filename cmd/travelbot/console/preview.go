package console

import (
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"

	"travelbot/bot"
	"travelbot/bot/discord"
	"travelbot/bot/telegram"
)

// telegramView is a reply as Telegram shows it.
type telegramView struct {
	Messages []telegramMessage
	Buttons  []string
}

type telegramMessage struct {
	HTML   template.HTML // the adapter's HTML, reduced to Telegram's tags
	Source string        // the HTML as sent
}

// discordView is a reply as Discord shows it.
type discordView struct {
	Messages []discordMessage
}

type discordMessage struct {
	Content string
	Embeds  []embedView
	Buttons []string
}

type embedView struct {
	Title, Description, Footer string
	Fields                     []fieldView
}

type fieldView struct {
	Name, Value string
}

func telegramPreview(r bot.Reply) telegramView {
	msgs, buttons := telegram.RenderHTML(r)
	v := telegramView{Buttons: buttons}
	for _, m := range msgs {
		v.Messages = append(v.Messages, telegramMessage{HTML: telegramSafe(m), Source: m})
	}
	return v
}

func discordPreview(r bot.Reply) discordView {
	var v discordView
	for _, m := range discord.Render(r) {
		dm := discordMessage{Content: m.Content}
		for _, e := range m.Embeds {
			ev := embedView{Title: e.Title, Description: e.Description}
			if e.Footer != nil {
				ev.Footer = e.Footer.Text
			}
			for _, f := range e.Fields {
				ev.Fields = append(ev.Fields, fieldView{Name: f.Name, Value: f.Value})
			}
			dm.Embeds = append(dm.Embeds, ev)
		}
		for _, c := range m.Components {
			row, ok := c.(discordgo.ActionsRow)
			if !ok {
				continue
			}
			for _, b := range row.Components {
				if btn, ok := b.(discordgo.Button); ok {
					dm.Buttons = append(dm.Buttons, btn.Label)
				}
			}
		}
		v.Messages = append(v.Messages, dm)
	}
	return v
}

var (
	plainTag = regexp.MustCompile(`^</?(b|strong|i|em|u|ins|s|strike|del|code|pre|blockquote)>$`)
	openLink = regexp.MustCompile(`^<a href="([^"<>]*)">$`)
)

// telegramSafe keeps the tags of Telegram's HTML subset that the adapter
// writes (and links to http(s) only) and escapes every other "<", so that
// the preview shows the message as Telegram would and cannot inject
// anything into the page, whatever the FAQ says.
func telegramSafe(s string) template.HTML {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(escapeText(s))
			break
		}
		b.WriteString(escapeText(s[:i]))
		s = s[i:]
		j := strings.IndexByte(s, '>')
		if j < 0 {
			b.WriteString(escapeText(s))
			break
		}
		tag := s[:j+1]
		switch {
		case plainTag.MatchString(tag), tag == "</a>":
			b.WriteString(tag)
			s = s[j+1:]
			continue
		case openLink.MatchString(tag):
			href := html.UnescapeString(openLink.FindStringSubmatch(tag)[1])
			if u, err := url.Parse(href); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
				b.WriteString(`<a rel="noopener noreferrer" href="` + html.EscapeString(href) + `">`)
			} else {
				b.WriteString("<a>")
			}
			s = s[j+1:]
			continue
		}
		b.WriteString("&lt;")
		s = s[1:]
	}
	return template.HTML(b.String()) // every tag above is whitelisted, every other "<" escaped
}

// escapeText escapes what html.EscapeString does, except that the entities
// the adapter already wrote (&amp; &lt; &gt; &quot;) are kept as they are.
func escapeText(s string) string {
	return html.EscapeString(html.UnescapeString(s))
}
