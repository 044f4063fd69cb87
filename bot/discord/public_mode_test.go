package discord_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"travelbot/bot"
	"travelbot/bot/discord"
	"travelbot/bot/discord/discordtest"
)

// Public mode (Options.Ephemeral false): answers are public in the channel,
// while help, topics, reload, errors, rate-limit notes and feedback stay
// with the one user. Discord keeps a message's privacy from its first
// response: a deferral (type 5) without flag 64 makes the reply edited into
// it public, whatever flags come after ("The ephemeral flag will be
// ignored, and the value you provided in the initial defer response will
// be preserved", receiving-and-responding).

func publicMode(o *discord.Options) { o.Ephemeral = false }

// TestPublicModeVoteIsPrivate: a vote on a public answer is acknowledged to
// the voter alone (type 4, flag 64): the message everyone sees keeps its
// buttons (no update, type 7, which would show the verdict and disable the
// buttons for the whole channel), and the 👎's "What were you looking
// for?" is that same private response. In the default mode the update in
// place stays (TestThumbsDownIsRecordedAndAcknowledgedInPlace).
func TestPublicModeVoteIsPrivate(t *testing.T) {
	t.Parallel()
	rec := &memRecorder{}
	h := start(t, e2eBot(t, bot.Options{Recorder: rec}), publicMode)
	rs := h.interact(h.srv.Command("7", true, "ask", "question", "When do the Winter Games start?"), 1)
	typ, answer := callback(t, rs[0])
	if typ != 4 || answer.Flags != 0 {
		t.Fatalf("answer: type %d flags %d, want a public response (4, 0)", typ, answer.Flags)
	}
	if got := buttons(answer); len(got) < 2 || got[0] != "v:u:q1" || got[1] != "v:d:q1" {
		t.Fatalf("answer buttons %v, want 👍/👎 for q1 first", got)
	}

	down := h.srv.ButtonOn("7", true, "v:d:q1", answer.Components)
	rs = h.interact(down, 1)
	typ, m := callback(t, rs[0])
	if typ != 4 || m.Flags != 64 || !strings.Contains(content(m), "What were you looking for?") {
		t.Errorf("👎 on a public answer: %s, want the note question as a private response (4, flags 64)", rs[0])
	}
	up := h.srv.ButtonOn("8", true, "v:u:q1", answer.Components)
	rs = h.interact(up, 1)
	if typ, m := callback(t, rs[0]); typ != 4 || m.Flags != 64 || content(m) == "" {
		t.Errorf("👍 by another member: %s, want a private thanks (4, flags 64)", rs[0])
	}
	for _, ix := range []discordtest.Interaction{down, up} {
		// Nothing more: no follow-up, no edit of the public message.
		if all := requestsFor(h, ix.Token); len(all) != 1 {
			t.Errorf("%d requests for the vote, want the one private response: %v", len(all), all)
		}
	}
	_, events := rec.snapshot()
	votes := 0
	for _, e := range events {
		if e.Kind == bot.EventVote && e.QuestionID == "q1" {
			votes++
		}
	}
	if votes != 2 {
		t.Errorf("%d votes on q1 recorded, want 2 (events %+v)", votes, events)
	}
}

// requestsFor lists what the adapter sent for an interaction so far, once
// the adapter has nothing in flight (its Run returned: the harness stops it).
func requestsFor(h *harness, token string) []discordtest.Request {
	h.t.Helper()
	if err := h.stop(); err != nil {
		h.t.Fatalf("stop: %v", err)
	}
	var out []discordtest.Request
	for _, r := range h.srv.Requests() {
		if discordtest.ForInteraction(token)(r) {
			out = append(out, r)
		}
	}
	return out
}

// TestPublicModeDeferredPrivateReplyStaysPrivate: when an answer is slow the
// adapter defers publicly; if what comes is private after all (the rate
// limit's note, an error, both with the 112 line), it is not edited into
// the public message: that says the reply went privately, and the reply
// follows as an ephemeral follow-up (flag 64).
func TestPublicModeDeferredPrivateReplyStaysPrivate(t *testing.T) {
	t.Parallel()
	limited := bot.Reply{Kind: bot.KindRateLimited, Text: bot.Text(bot.KeyRateLimited, "en")}
	cases := []struct {
		name  string
		reply func() bot.Reply
		want  string
	}{
		{"rate limited", func() bot.Reply { return limited }, limited.Text},
		{"error", func() bot.Reply { panic("boom after the deferral") }, "something went wrong"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			asked, release := make(chan struct{}), make(chan struct{})
			conv := &fakeConv{ask: func(context.Context, bot.Message) bot.Reply {
				close(asked)
				<-release
				return c.reply()
			}}
			h := start(t, conv, publicMode, func(o *discord.Options) { o.DeferAfter = 10 * time.Millisecond })
			ix := h.srv.Command("7", true, "ask", "question", "slow question")
			rs := h.interact(ix, 1)
			<-asked
			if typ, m := callback(t, rs[0]); typ != 5 || m.Flags != 0 {
				t.Fatalf("first response type %d flags %d, want a public deferral (5, 0)", typ, m.Flags)
			}
			close(release)
			rs, err := h.srv.WaitN(wait, 3, discordtest.ForInteraction(ix.Token))
			if err != nil {
				t.Fatal(err)
			}
			edit, follow := message(t, rs[1]), message(t, rs[2])
			if rs[1].Method != "PATCH" || strings.Contains(content(edit), c.want) || content(edit) == "" {
				t.Errorf("the public message became %s, want a note that the reply went privately", rs[1])
			}
			if rs[2].Method != "POST" || follow.Flags != 64 || !strings.Contains(content(follow), c.want) {
				t.Errorf("the reply went as %s, want a private follow-up (flags 64) with %q", rs[2], c.want)
			}
		})
	}
}
