package bot

import (
	"fmt"
	"strings"
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
		if len(r.Citations) > 0 {
			sb.WriteString("\nSources:\n")
			// one line per source, with each of its quotes under it
			for i, c := range r.Citations {
				if i == 0 || !sameSource(c, r.Citations[i-1]) {
					fmt.Fprintf(&sb, "  - %s, %q (%s)", c.Publisher, c.Title, c.Date)
					if c.URL != "" {
						sb.WriteString(" " + c.URL)
					}
					sb.WriteByte('\n')
				}
				if c.Quote != "" {
					fmt.Fprintf(&sb, "    %q\n", c.Quote)
				}
			}
		}
		if len(r.FollowUps) > 0 {
			sb.WriteString("\nRelated:\n")
		}
	case KindClarify:
		sb.WriteString(r.Text + "\n")
	default:
		sb.WriteString(r.Text + "\n")
		if len(r.Choices) > 0 && r.Kind != KindTopics {
			sb.WriteString("\nFor example:\n")
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

func sameSource(a, b Citation) bool {
	return a.Publisher == b.Publisher && a.Title == b.Title && a.Date == b.Date && a.URL == b.URL
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
