package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"travelbot/bot"
)

// chat runs an interactive session: one question per line until EOF.
func (m *Main) chat(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	faqPath := fs.String("faq", "", "FAQ `file` (default: the embedded FAQ)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	b, err := m.cliBot(*faqPath)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, "Ask me about the Milan-Cortina 2026 Games. /topics lists what I cover; a number picks from the last list; Ctrl-D quits.")
	var offered []bot.Choice
	sc := bufio.NewScanner(m.Stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for {
		fmt.Fprint(m.Stdout, "> ")
		if !sc.Scan() {
			fmt.Fprintln(m.Stdout)
			return sc.Err()
		}
		if ctx.Err() != nil {
			return nil
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if line == "/quit" || line == "/exit" {
			return nil
		}
		msg := bot.Message{Channel: "cli", UserID: "terminal", Text: line}
		var r bot.Reply
		if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(offered) {
			r = b.Pick(ctx, msg, offered[n-1].ID)
		} else {
			r = b.Handle(ctx, msg)
		}
		offered = bot.Offered(r)
		fmt.Fprintln(m.Stdout, bot.RenderText(r))
	}
}
