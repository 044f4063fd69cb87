package discord_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"travelbot/bot/discord"
)

// lineWriter hands each log line to a channel: a slog handler writes one
// record per Write.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	select {
	case w <- string(p):
	default: // a test that has what it wanted stops reading
	}
	return len(p), nil
}

// TestRetryLogNamesTheConfiguredBase is issue 15's point on Discord's
// retry lines: with APIBase set to a proxy that is down, the line logged
// before a retry says the call went to that origin, not only the
// discord.com URL that discordgo's endpoints (and so http.Client's error)
// carry, or a proxy's failure reads as Discord's.
func TestRetryLogNamesTheConfiguredBase(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	l.Close() // nothing listens there now: every call fails in transport
	lines := make(lineWriter, 64)
	o := discord.Options{Token: "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB", APIBase: base,
		Conversation: &fakeConv{}, Logger: slog.New(slog.NewTextHandler(lines, nil))}
	discord.SetBackoffs(&o, reconnectBackoff, restBackoff)
	a, err := discord.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	timeout := time.After(wait)
	for {
		select {
		case line := <-lines:
			if !strings.Contains(line, "discord: retrying") {
				continue
			}
			if !strings.Contains(line, "via "+base+":") {
				t.Errorf("the retry line does not name the configured base %s:\n%s", base, line)
			}
			return
		case err := <-done:
			done <- err
			t.Fatalf("Run ended (%v) before any retry was logged", err)
		case <-timeout:
			t.Fatal("no retry logged")
		}
	}
}
