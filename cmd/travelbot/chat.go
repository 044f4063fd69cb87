package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"travelbot/bot"
)

// chat runs an interactive session: one question per line until EOF, quit
// or exit. A number ("2", "2.", "#2") picks from the list the last reply
// offered; output wraps to the terminal's width.
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
	width := m.terminalWidth()
	fmt.Fprintln(m.Stdout, bot.Wrap(bot.Text(bot.KeyChatIntro, "en"), width))
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
		if isQuit(line) {
			return nil
		}
		msg := bot.Message{Channel: "cli", UserID: "terminal", Text: line}
		var r bot.Reply
		n, isPick := pickNumber(line)
		switch {
		case isPick && len(offered) > 0 && (n < 1 || n > len(offered)):
			// Not on the list: say so and keep the list, rather than
			// asking "17" as a question.
			fmt.Fprintln(m.Stdout, bot.Wrap(fmt.Sprintf(bot.Text(bot.KeyPickRange, "en"), len(offered)), width)+"\n")
			continue
		case isPick && len(offered) > 0:
			r = b.Pick(ctx, msg, offered[n-1].ID)
		default:
			r = b.Handle(ctx, msg)
		}
		offered = bot.Offered(r)
		fmt.Fprintln(m.Stdout, bot.Wrap(bot.RenderText(r), width))
	}
}

// isQuit reports whether a chat line ends the session: quit or exit, with
// or without a slash.
func isQuit(line string) bool {
	switch strings.ToLower(strings.TrimPrefix(line, "/")) {
	case "quit", "exit":
		return true
	}
	return false
}

// pickNumber reads a pick from the last list: "3", "3.", "3)" or "#3".
func pickNumber(line string) (int, bool) {
	s := strings.TrimPrefix(line, "#")
	s = strings.TrimRight(s, ".)")
	if s == "" || strings.TrimLeft(s, "0123456789") != "" || len(s) > 6 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// terminalWidth is the width to wrap chat output at: the terminal's when
// stdout is one, else $COLUMNS, else 80.
func (m *Main) terminalWidth() int {
	if f, ok := m.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if m.Getenv != nil {
		if w, err := strconv.Atoi(m.Getenv("COLUMNS")); err == nil && w > 0 {
			return w
		}
	}
	return 80
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
