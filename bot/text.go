package bot

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// RenderText renders a reply as plain text for a terminal: what a person
// reads in `travelbot ask` and `travelbot chat`.
func RenderText(r Reply) string {
	var sb strings.Builder
	if r.Urgent != "" {
		sb.WriteString(r.Urgent + "\n\n")
	}
	switch r.Kind {
	case KindAnswer:
		sb.WriteString(r.Question + "\n\n")
		sb.WriteString(r.Answer + "\n")
		if groups := GroupCitations(r); len(groups) > 0 {
			sb.WriteString("\n" + Text(KeySources, "en") + "\n")
			// one line per source, with each of its quotes under it
			for _, g := range groups {
				sb.WriteString("  - " + g.Label())
				if g.URL != "" {
					sb.WriteString(" " + g.URL)
				}
				sb.WriteByte('\n')
				for _, q := range g.Quotes {
					sb.WriteString("    " + quoted(q) + "\n")
				}
			}
		}
		if len(r.FollowUps) > 0 {
			sb.WriteString("\n" + Text(KeyRelated, "en") + "\n")
		}
	case KindClarify:
		sb.WriteString(r.Text + "\n")
	default:
		sb.WriteString(r.Text + "\n")
		if len(r.Choices) > 0 && r.Kind != KindTopics {
			sb.WriteString("\n" + Text(KeyExamples, "en") + "\n")
		}
	}
	for i, c := range Offered(r) {
		fmt.Fprintf(&sb, "  %d. %s\n", i+1, c.Question)
	}
	if r.Note != "" {
		sb.WriteString("\n(" + r.Note + ")\n")
	}
	return sb.String()
}

// SourceGroup is one cited source with every quote an answer takes from
// it, in the order the answer cites them. A source cited only for its link
// (an official page) has no quotes.
type SourceGroup struct {
	Publisher  string
	Title      string
	Date       string
	DateApprox bool
	URL        string
	Quotes     []string
}

// GroupCitations lists each source an answer cites once, in order of first
// citation, with its quotes (duplicates dropped): what every renderer shows
// under "Sources".
func GroupCitations(r Reply) []SourceGroup {
	var out []SourceGroup
	at := make(map[[4]string]int)
	for _, c := range r.Citations {
		k := [4]string{c.Publisher, c.Title, c.Date, c.URL}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, SourceGroup{Publisher: c.Publisher, Title: c.Title, Date: c.Date, URL: c.URL})
		}
		g := &out[i]
		g.DateApprox = g.DateApprox || c.DateApprox
		if c.Quote != "" && !slices.Contains(g.Quotes, c.Quote) {
			g.Quotes = append(g.Quotes, c.Quote)
		}
	}
	return out
}

// Label names the source as one line of plain text: publisher, quoted
// title, and the date in brackets, marked "approx." when it is an estimate
// (no date for an undated official page). The URL is not part of it.
func (g SourceGroup) Label() string {
	s := g.Publisher
	if g.Title != "" {
		s += ", " + quoted(g.Title)
	}
	if d := g.DateText(); d != "" {
		s += " (" + d + ")"
	}
	return s
}

// quoted puts s in quotation marks as written: a terminal shows text, not
// a Go literal, so nothing inside is escaped (%q would show `\"`).
func quoted(s string) string { return `"` + s + `"` }

// DateText is the date as a traveler should read it: "approx. 2026-01-27"
// for an estimate, "" when the source has none.
func (g SourceGroup) DateText() string {
	if g.Date == "" || !g.DateApprox {
		return g.Date
	}
	return Text(KeyDateApprox, "en") + " " + g.Date
}

// Offered is what a reply offers to pick next, in the order shown: the
// follow-ups of an answer, the suggestions of a clarification, the choices
// of help and topics. A terminal numbers them; chat adapters make buttons.
func Offered(r Reply) []Choice {
	switch r.Kind {
	case KindAnswer:
		return r.FollowUps
	case KindClarify:
		return r.Suggestions
	default:
		return r.Choices
	}
}

// Wrap breaks each line of s at spaces so that no line is wider than width
// terminal columns. Chinese and Japanese characters take two columns each
// and, having no spaces between words, may break between any two of them.
// A word longer than width (a URL) is never broken: it gets a line of its
// own. Continuation lines keep the line's indent, and hang under the text
// of a list item ("  - ", "  1. "). A width below 20 leaves s as it is.
func Wrap(s string, width int) string {
	if width < 20 {
		return s
	}
	var sb strings.Builder
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			sb.WriteByte('\n')
		}
		wrapLine(&sb, line, width)
	}
	return sb.String()
}

func wrapLine(sb *strings.Builder, line string, width int) {
	if columns(line) <= width {
		sb.WriteString(line)
		return
	}
	body := strings.TrimLeft(line, " ")
	indent := len(line) - len(body)
	hang := indent + listMarker(body)
	col := indent
	sb.WriteString(line[:indent])
	first := true
	for _, w := range strings.Fields(body) {
		for j, piece := range breakWide(w) {
			n := columns(piece)
			space := !first && j == 0 // pieces of one word join without a space
			switch {
			case !first && col+btoi(space)+n > width:
				sb.WriteString("\n" + strings.Repeat(" ", hang))
				col = hang
			case space:
				sb.WriteByte(' ')
				col++
			}
			sb.WriteString(piece)
			col += n
			first = false
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isWide reports whether r takes two terminal columns.
func isWide(r rune) bool {
	k := width.LookupRune(r).Kind()
	return k == width.EastAsianWide || k == width.EastAsianFullwidth
}

// columns is how many terminal columns s takes.
func columns(s string) int {
	n := 0
	for _, r := range s {
		n += 1 + btoi(isWide(r))
	}
	return n
}

// breakWide splits a word where a line may break inside it: before and
// after every wide character. A word without one is returned whole.
func breakWide(w string) []string {
	if !strings.ContainsFunc(w, isWide) {
		return []string{w}
	}
	var out []string
	start := 0
	for i, r := range w {
		if isWide(r) {
			if i > start {
				out = append(out, w[start:i])
			}
			out = append(out, string(r))
			start = i + utf8.RuneLen(r)
		}
	}
	if start < len(w) {
		out = append(out, w[start:])
	}
	return out
}

// listMarker is the width of a list item's marker and its space ("- ",
// "12. "), or 0.
func listMarker(s string) int {
	if strings.HasPrefix(s, "- ") {
		return 2
	}
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits > 0 && strings.HasPrefix(s[digits:], ". ") {
		return digits + 2
	}
	return 0
}
