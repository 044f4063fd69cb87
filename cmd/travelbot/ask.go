package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"travelbot/bot"
	"travelbot/faq"
)

// ask answers one question, as a person would read it or as JSON. A slash
// command (/topics, /help) is run as chat runs it.
func (m *Main) ask(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	faqPath := fs.String("faq", "", "FAQ `file` (default: the embedded FAQ)")
	asJSON := fs.Bool("json", false, "print the reply as one JSON object")
	if done, err := m.parseFlags(fs, args, "usage: travelbot ask [--faq FILE] [--json] QUESTION..."); done {
		return err
	}
	question := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if bot.IsBlank(question) {
		return usageError(fs)
	}
	b, err := m.cliBot(*faqPath)
	if err != nil {
		return err
	}
	// Handle, not Ask: "/topics" or "/help" is the command, as in chat,
	// rather than a question matched against the FAQ.
	r := b.Handle(ctx, bot.Message{Channel: "cli", Text: question})
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(jsonReply(r))
	}
	text := bot.RenderText(r)
	if f, ok := m.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		text = bot.Wrap(text, m.terminalWidth()) // piped output stays one line per line
	}
	fmt.Fprint(m.Stdout, text)
	return nil
}

// jsonReply fills the slices the JSON form always has, so consumers see []
// rather than null, and the outcome of a command's reply (/topics: "topics",
// bot.Reply.OutcomeName), which would be "". ask --json and POST /v1/ask
// both print it.
func jsonReply(r bot.Reply) bot.Reply {
	r.Outcome = r.OutcomeName()
	if r.Citations == nil {
		r.Citations = []bot.Citation{}
	}
	if r.Suggestions == nil {
		r.Suggestions = []bot.Choice{}
	}
	if r.FollowUps == nil {
		r.FollowUps = []bot.Choice{}
	}
	return r
}

// cliBot builds a bot over the FAQ at path (or the embedded one) for the
// terminal commands. FAQ problems are printed one per line.
func (m *Main) cliBot(path string) (*bot.Bot, error) {
	t, err := loadTable(path)
	if err != nil {
		return nil, faqError(err)
	}
	return bot.New(bot.Options{Tables: faq.NewLive(t)}), nil
}

// faqError turns FAQ problems into a message for the terminal.
func faqError(err error) error {
	var ve *faq.ValidationError
	if errors.As(err, &ve) {
		return &exitError{code: 1, msg: ve.Error()}
	}
	return err
}
