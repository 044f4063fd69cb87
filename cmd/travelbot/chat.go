package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
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
	fmt.Fprintln(m.Stdout, bot.Text(bot.KeyChatIntro, "en"))
	var offered []bot.Choice
	lines := readLines(ctx, m.Stdin)
	for {
		fmt.Fprint(m.Stdout, "> ")
		var line string
		select {
		case <-ctx.Done(): // Ctrl-C: the scanner may be blocked on a terminal
			fmt.Fprintln(m.Stdout)
			return nil
		case l, ok := <-lines:
			if !ok {
				fmt.Fprintln(m.Stdout)
				return nil
			}
			line = strings.TrimSpace(l)
		}
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

// readLines sends r's lines until EOF, a read error or ctx is done, then
// closes the channel. Reading happens in its own goroutine so that a caller
// waiting for a line can still notice ctx.
func readLines(ctx context.Context, r io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case ch <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}
