package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"unicode/utf8"
)

// Discord's documented limits, in characters (code points).
const (
	MaxContent          = 2000
	MaxEmbeds           = 10
	MaxEmbedTitle       = 256
	MaxEmbedDescription = 4096
	MaxEmbedFields      = 25
	MaxFieldName        = 256
	MaxFieldValue       = 1024
	MaxFooter           = 2048
	MaxAuthorName       = 256
	MaxEmbedTotal       = 6000
	MaxRows             = 5
	MaxButtonsPerRow    = 5
	MaxButtonLabel      = 80
	MaxCustomID         = 100
	MaxChoices          = 25
	MaxChoiceName       = 100
	MaxChoiceValue      = 100
)

func n(s string) int { return utf8.RuneCountInString(s) }

// WireMessage is a message body as Discord reads it.
type WireMessage struct {
	Content         *string          `json:"content"`
	Embeds          []WireEmbed      `json:"embeds"`
	Components      []WireComponent  `json:"components"`
	AllowedMentions *AllowedMentions `json:"allowed_mentions"`
	Flags           int              `json:"flags"`
	Reference       *struct {
		MessageID string `json:"message_id"`
	} `json:"message_reference"`
}

// AllowedMentions is the allowed_mentions object; Parse is nil when the
// field was missing or null.
type AllowedMentions struct {
	Parse       *[]string `json:"parse"`
	Roles       []string  `json:"roles"`
	Users       []string  `json:"users"`
	RepliedUser bool      `json:"replied_user"`
}

// WireEmbed is an embed.
type WireEmbed struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Fields      []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
	Footer *struct {
		Text string `json:"text"`
	} `json:"footer"`
	Author *struct {
		Name string `json:"name"`
	} `json:"author"`
}

// Size is what the embed counts towards the 6000-character total.
func (e WireEmbed) Size() int {
	t := n(e.Title) + n(e.Description)
	for _, f := range e.Fields {
		t += n(f.Name) + n(f.Value)
	}
	if e.Footer != nil {
		t += n(e.Footer.Text)
	}
	if e.Author != nil {
		t += n(e.Author.Name)
	}
	return t
}

// WireComponent is an action row or a button.
type WireComponent struct {
	Type       int             `json:"type"`
	Components []WireComponent `json:"components"`
	Label      string          `json:"label"`
	Style      int             `json:"style"`
	CustomID   string          `json:"custom_id,omitempty"`
	URL        string          `json:"url,omitempty"`
	Disabled   bool            `json:"disabled,omitempty"`
}

// WireCallback is an interaction response.
type WireCallback struct {
	Type int             `json:"type"`
	Data json.RawMessage `json:"data"`
}

// WireChoices is the data of an autocomplete response.
type WireChoices struct {
	Choices *[]struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
	} `json:"choices"`
}

// CheckMessage lists everything Discord would reject in a message body,
// plus a missing or non-empty allowed_mentions.parse (we never ping).
// create is true for new messages, which must not be empty.
func CheckMessage(body []byte) []string { return checkMessage(body, true) }

func checkMessage(body []byte, create bool) []string {
	var m WireMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return []string{"body is not a message: " + err.Error()}
	}
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	switch am := m.AllowedMentions; {
	case am == nil:
		add("allowed_mentions missing")
	case am.Parse == nil:
		add("allowed_mentions.parse missing or null, want []")
	case len(*am.Parse) > 0 || len(am.Roles) > 0 || len(am.Users) > 0 || am.RepliedUser:
		add("allowed_mentions allows pings: %+v", *am)
	}
	content := ""
	if m.Content != nil {
		content = *m.Content
	}
	if n(content) > MaxContent {
		add("content has %d characters, max %d", n(content), MaxContent)
	}
	if create && content == "" && len(m.Embeds) == 0 && len(m.Components) == 0 {
		add("cannot send an empty message")
	}
	if len(m.Embeds) > MaxEmbeds {
		add("%d embeds, max %d", len(m.Embeds), MaxEmbeds)
	}
	total := 0
	for i, e := range m.Embeds {
		total += e.Size()
		if n(e.Title) > MaxEmbedTitle {
			add("embeds[%d].title has %d characters, max %d", i, n(e.Title), MaxEmbedTitle)
		}
		if n(e.Description) > MaxEmbedDescription {
			add("embeds[%d].description has %d characters, max %d", i, n(e.Description), MaxEmbedDescription)
		}
		if len(e.Fields) > MaxEmbedFields {
			add("embeds[%d] has %d fields, max %d", i, len(e.Fields), MaxEmbedFields)
		}
		for j, f := range e.Fields {
			if f.Name == "" || n(f.Name) > MaxFieldName {
				add("embeds[%d].fields[%d].name has %d characters, want 1..%d", i, j, n(f.Name), MaxFieldName)
			}
			if f.Value == "" || n(f.Value) > MaxFieldValue {
				add("embeds[%d].fields[%d].value has %d characters, want 1..%d", i, j, n(f.Value), MaxFieldValue)
			}
		}
		if e.Footer != nil && n(e.Footer.Text) > MaxFooter {
			add("embeds[%d].footer has %d characters, max %d", i, n(e.Footer.Text), MaxFooter)
		}
		if e.Author != nil && n(e.Author.Name) > MaxAuthorName {
			add("embeds[%d].author has %d characters, max %d", i, n(e.Author.Name), MaxAuthorName)
		}
		if e.Size() == 0 {
			add("embeds[%d] is empty", i)
		}
	}
	// "The combined sum of characters in all title, description,
	// field.name, field.value, footer.text, and author.name fields across
	// all embeds attached to a message must not exceed 6000 characters."
	// (Discord's embed limits). The schema bounds each field alone; only
	// this check sees the sum. Characters are code points, as the
	// OpenAPI description's maxLength counts them (JSON Schema counts code
	// points), so an emoji outside the BMP is one character, not two.
	if total > MaxEmbedTotal {
		add("embeds total %d characters, max %d", total, MaxEmbedTotal)
	}
	p = append(p, checkComponents(m.Components)...)
	switch m.Flags &^ (64 | 4 | 4096) {
	case 0:
	default:
		add("flags %d not allowed", m.Flags)
	}
	return p
}

func checkComponents(rows []WireComponent) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if len(rows) > MaxRows {
		add("%d component rows, max %d", len(rows), MaxRows)
	}
	seen := map[string]bool{}
	for i, row := range rows {
		if row.Type != 1 {
			add("components[%d] is type %d, want an action row (1)", i, row.Type)
			continue
		}
		if len(row.Components) == 0 || len(row.Components) > MaxButtonsPerRow {
			add("components[%d] has %d buttons, want 1..%d", i, len(row.Components), MaxButtonsPerRow)
		}
		for j, b := range row.Components {
			if b.Type != 2 {
				add("components[%d][%d] is type %d, want a button (2)", i, j, b.Type)
				continue
			}
			if b.Label == "" || n(b.Label) > MaxButtonLabel {
				add("components[%d][%d].label has %d characters, want 1..%d", i, j, n(b.Label), MaxButtonLabel)
			}
			if b.Style == 5 {
				if b.URL == "" || b.CustomID != "" {
					add("components[%d][%d]: a link button needs a url and no custom_id", i, j)
				}
				continue
			}
			if b.CustomID == "" || n(b.CustomID) > MaxCustomID {
				add("components[%d][%d].custom_id has %d characters, want 1..%d", i, j, n(b.CustomID), MaxCustomID)
			}
			if seen[b.CustomID] {
				add("components[%d][%d].custom_id %q repeats", i, j, b.CustomID)
			}
			seen[b.CustomID] = true
		}
	}
	return p
}

// checkCallback checks an interaction response by type.
func checkCallback(body []byte) (*apiError, []string) {
	var cb WireCallback
	if err := json.Unmarshal(body, &cb); err != nil {
		p := []string{"body is not an interaction response: " + err.Error()}
		return invalid(p), p
	}
	var p []string
	switch cb.Type {
	case 4, 7: // message, update message
		if len(cb.Data) == 0 || string(cb.Data) == "null" {
			p = append(p, fmt.Sprintf("type %d needs data", cb.Type))
			break
		}
		p = checkMessage(cb.Data, cb.Type == 4)
	case 5, 6: // deferred
		if len(cb.Data) > 0 && string(cb.Data) != "null" {
			var d struct {
				Flags int `json:"flags"`
			}
			if err := json.Unmarshal(cb.Data, &d); err != nil || d.Flags&^64 != 0 {
				p = append(p, fmt.Sprintf("deferred response data %s", cb.Data))
			}
		}
	case 8: // autocomplete result
		var d WireChoices
		if err := json.Unmarshal(cb.Data, &d); err != nil || d.Choices == nil {
			p = append(p, "autocomplete result needs data.choices (an array)")
			break
		}
		if len(*d.Choices) > MaxChoices {
			p = append(p, fmt.Sprintf("%d choices, max %d", len(*d.Choices), MaxChoices))
		}
		for i, c := range *d.Choices {
			if c.Name == "" || n(c.Name) > MaxChoiceName {
				p = append(p, fmt.Sprintf("choices[%d].name has %d characters, want 1..%d", i, n(c.Name), MaxChoiceName))
			}
			if v, ok := c.Value.(string); !ok || v == "" || n(v) > MaxChoiceValue {
				p = append(p, fmt.Sprintf("choices[%d].value %v: want a string of 1..%d characters", i, c.Value, MaxChoiceValue))
			}
		}
	default:
		p = append(p, fmt.Sprintf("interaction response type %d not supported by the fake", cb.Type))
	}
	if len(p) > 0 {
		return &apiError{http.StatusBadRequest, 50035, "Invalid Form Body"}, p
	}
	return nil, nil
}

var commandName = regexp.MustCompile(`^[-_\p{Ll}\p{N}]{1,32}$`)

// checkCommands checks a bulk overwrite body and returns it decoded.
func checkCommands(body []byte) ([]map[string]any, []string) {
	var raw []map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, []string{"body is not an array of commands: " + err.Error()}
	}
	var cmds []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Type        int    `json:"type"`
		Options     []struct {
			Name         string `json:"name"`
			Description  string `json:"description"`
			Type         int    `json:"type"`
			Required     bool   `json:"required"`
			Autocomplete bool   `json:"autocomplete"`
			Choices      []any  `json:"choices"`
		} `json:"options"`
	}
	_ = json.Unmarshal(body, &cmds)
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if len(cmds) > 100 {
		add("%d commands, max 100", len(cmds))
	}
	names := map[string]bool{}
	for i, c := range cmds {
		if !commandName.MatchString(c.Name) {
			add("commands[%d].name %q is not 1-32 lowercase characters", i, c.Name)
		}
		if names[c.Name] {
			add("commands[%d].name %q repeats", i, c.Name)
		}
		names[c.Name] = true
		if (c.Type == 0 || c.Type == 1) && (c.Description == "" || n(c.Description) > 100) {
			add("commands[%d].description has %d characters, want 1..100", i, n(c.Description))
		}
		if len(c.Options) > 25 {
			add("commands[%d] has %d options, max 25", i, len(c.Options))
		}
		optional := false
		for j, o := range c.Options {
			if !commandName.MatchString(o.Name) {
				add("commands[%d].options[%d].name %q is not 1-32 lowercase characters", i, j, o.Name)
			}
			if o.Description == "" || n(o.Description) > 100 {
				add("commands[%d].options[%d].description has %d characters, want 1..100", i, j, n(o.Description))
			}
			if o.Autocomplete && len(o.Choices) > 0 {
				add("commands[%d].options[%d]: autocomplete and choices are exclusive", i, j)
			}
			if o.Required && optional {
				add("commands[%d].options[%d]: required options must come first", i, j)
			}
			optional = optional || !o.Required
		}
	}
	return raw, p
}
