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
			for _, f := range r.FollowUps {
				sb.WriteString("  - " + f.Question + "\n")
			}
		}
	case KindClarify:
		sb.WriteString(r.Text + "\n")
		for i, s := range r.Suggestions {
			fmt.Fprintf(&sb, "  %d. %s\n", i+1, s.Question)
		}
	default:
		sb.WriteString(r.Text + "\n")
		if len(r.Choices) > 0 && r.Kind != KindTopics {
			sb.WriteString("\nFor example:\n")
		}
		for _, c := range r.Choices {
			sb.WriteString("  - " + c.Question + "\n")
		}
	}
	if r.Note != "" {
		sb.WriteString("\n(" + r.Note + ")\n")
	}
	return sb.String()
}

func sameSource(a, b Citation) bool {
	return a.Publisher == b.Publisher && a.Title == b.Title && a.Date == b.Date && a.URL == b.URL
}
