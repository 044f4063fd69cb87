package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/term"

	"travelbot/bot"
)

// chat runs an interactive session: one question per line until EOF, quit
// or exit. A number ("2", "2.", "#2") picks from the list the last reply
// offered; a "did you mean" list ends with "None of these" (also picked by
// typing "none"), the second stage of the fallback. Output wraps to the
// terminal's width.
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
	var last bot.Reply // the reply offered is from, for its QuestionID
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
		case isPick && len(offered) > 0 && offered[n-1].ID == noneOfThese,
			!isPick && slices.ContainsFunc(offered, isNone) && isNoneText(line):
			r = b.NoneOfThese(ctx, msg, last.QuestionID)
		case isPick && len(offered) > 0:
			r = b.Pick(ctx, msg, offered[n-1].ID)
		default:
			r = b.Handle(ctx, msg)
		}
		r = withNoneOfThese(r)
		last, offered = r, bot.Offered(r)
		fmt.Fprintln(m.Stdout, bot.Wrap(bot.RenderText(r), width))
	}
}

// noneOfThese is the id of the "None of these" choice that ends a "did you
// mean" list in chat; no FAQ entry id can be empty.
const noneOfThese = ""

func isNone(c bot.Choice) bool { return c.ID == noneOfThese }

// withNoneOfThese ends the suggestions of a "did you mean" reply with
// "None of these", the last number of the list, as the chat platforms end
// them with a button.
func withNoneOfThese(r bot.Reply) bot.Reply {
	if r.Kind != bot.KindClarify || len(r.Suggestions) == 0 {
		return r
	}
	r.Suggestions = append(slices.Clip(r.Suggestions), bot.Choice{ID: noneOfThese, Question: bot.Text(bot.KeyButtonNone, r.Language)})
	return r
}

// isNoneText reports whether a chat line says "None of these" in words.
func isNoneText(line string) bool {
	s := strings.ToLower(strings.Trim(line, " .!"))
	return s == "none" || s == strings.ToLower(bot.Text(bot.KeyButtonNone, "en"))
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

// maxLine is how much of one chat line is kept; the rest of a longer line
// is read and dropped (the bot reads far less of a question anyway).
const maxLine = 1 << 20

// readLines sends r's lines (without their line ends, each cut to maxLine
// bytes) until EOF, a read error or ctx is done, then closes the channel.
// Reading happens in its own goroutine so that a caller waiting for a line
// can still notice ctx.
func readLines(ctx context.Context, r io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		br := bufio.NewReaderSize(r, 64*1024)
		for {
			line, err := readLine(br)
			if err != nil && line == "" {
				return
			}
			select {
			case ch <- line:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

// readLine reads one line of at most maxLine bytes, dropping the rest of a
// longer one. It returns the last line before EOF with io.EOF, and "" with
// io.EOF at the end.
func readLine(br *bufio.Reader) (string, error) {
	var sb strings.Builder
	for {
		frag, err := br.ReadSlice('\n')
		if room := maxLine - sb.Len(); room > 0 {
			sb.Write(frag[:min(len(frag), room)])
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		line := strings.TrimSuffix(strings.TrimSuffix(sb.String(), "\n"), "\r")
		if err != nil && line == "" {
			return "", err
		}
		return line, err
	}
}
