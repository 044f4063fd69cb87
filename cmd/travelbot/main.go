// Command travelbot answers U.S. travelers' questions about the Milan-Cortina
// 2026 Winter Games in Discord and Telegram, from an FAQ compiled into an
// intent table. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"travelbot/internal/hangup"
)

func main() { os.Exit(runMain(os.Args[1:])) }

// runMain is main without the exit, so its deferred calls run: it returns
// the exit status.
func runMain(args []string) int {
	// serve takes SIGHUP to mean "reload". Its default action ends the
	// process, so package hangup catches it from package initialisation
	// on, before a configuration is read or an FAQ compiled; serve ignores
	// what arrives while it starts. The other subcommands keep the default.
	var hup <-chan os.Signal
	if len(args) > 0 && args[0] == "serve" {
		hup = hangup.Take()
	} else {
		hangup.Release()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	m.Hangups = hup
	if err := m.Run(ctx, args); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(m.Stderr, ee.msg)
			}
			return ee.code
		}
		fmt.Fprintln(m.Stderr, "travelbot:", err)
		return 1
	}
	return 0
}

// Main is the program: its streams and environment are fields so tests run
// it in-process.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment (os.Getenv in production).
	Getenv func(string) string
	// Hangups delivers SIGHUP to serve, which reloads on it; nil makes
	// serve subscribe itself when it starts.
	Hangups <-chan os.Signal

	// opened, when set, is handed serve's server after Open, before Run:
	// the end-to-end tests take its address and follow its reloads from
	// there instead of reading them off the log.
	opened func(*server)
}

// NewMain returns a Main wired to the process's streams and environment.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// exitError ends the program with a status code other than 1 or with a
// message already formatted for the user.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return fmt.Sprintf("exit status %d", e.code)
}

const usage = `travelbot answers U.S. travelers' questions about the Milan-Cortina 2026 Games.

Usage:
  travelbot ask [--faq FILE] [--json] QUESTION...   answer one question
  travelbot chat [--faq FILE]                        ask questions interactively
  travelbot validate FILE...                         check FAQ files, FILE:LINE:COL per problem
  travelbot eval [--faq FILE] --cases FILE [--json] [--min-accuracy X]
                                                     measure matching quality and speed
  travelbot serve [--config FILE]                    run the chat adapters and the HTTP server
  travelbot review [--data DIR] [--since 7d] [--json]
                                                     cluster what the FAQ missed, from the question log
  travelbot review promote [--data DIR] --faq FILE --entry ENTRY [--negative] CLUSTER_ID
                                                     add a cluster's question to the FAQ file

Without --faq, the FAQ compiled into the binary is used.
`

// Run runs the subcommand named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return &exitError{code: 2}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "ask":
		return m.ask(ctx, rest)
	case "chat":
		return m.chat(ctx, rest)
	case "validate":
		return m.validate(ctx, rest)
	case "eval":
		return m.eval(ctx, rest)
	case "serve":
		return m.serve(ctx, rest)
	case "review":
		return m.review(ctx, rest)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	default:
		fmt.Fprintf(m.Stderr, "travelbot: unknown command %q\n\n%s", cmd, usage)
		return &exitError{code: 2}
	}
}
