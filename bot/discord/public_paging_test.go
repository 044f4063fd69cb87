package discord_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"travelbot/bot"
	"travelbot/bot/discord/discordtest"
)

// TestPublicModePagingIsPrivateForOthers: in public mode, "More" under a
// public answer turns the page in place (type 7) only for the member it
// answered; another member gets that page as a private message of their own
// (type 4, flag 64), so the channel's message does not change under
// everyone's eyes, and paging on from that private message turns it in
// place. A DM is the asker's own; a message whose asker cannot be told is
// paged privately. TestFollowUpsPageInPlace is the default mode, where the
// answers are private and always turn in place.
func TestPublicModePagingIsPrivateForOthers(t *testing.T) {
	t.Parallel()
	r := bot.Reply{Kind: bot.KindAnswer, ID: "start", Question: "When do the Games start?", Answer: "On 6 February 2026.", Language: "en"}
	for i := range 40 {
		r.FollowUps = append(r.FollowUps, bot.Choice{ID: fmt.Sprintf("f%02d", i), Question: fmt.Sprintf("Follow-up %d?", i)})
	}
	conv := &fakeConv{
		ask:   func(context.Context, bot.Message) bot.Reply { return r },
		entry: func(string) bot.Reply { return r },
	}
	h := start(t, conv, publicMode)
	const asker, other = "7", "8"
	rs := h.interact(h.srv.Command(asker, true, "ask", "question", "when do the games start"), 1)
	typ, answer := callback(t, rs[0])
	if typ != 4 || answer.Flags != 0 || !slices.Contains(buttons(answer), "f:1:start") {
		t.Fatalf("answer: type %d flags %d buttons %v, want a public answer (4, 0) with More (f:1:start)", typ, answer.Flags, buttons(answer))
	}

	// What Discord sends with a press: the message it was on, which names
	// the member its interaction answered, or the message it replied to.
	answered := func(user string) map[string]any {
		return map[string]any{"interaction_metadata": map[string]any{"id": "900000000000000001", "type": 2, "user": wireUser(user)}}
	}
	repliedTo := func(user string) map[string]any {
		return map[string]any{"referenced_message": map[string]any{"id": "900000000000000002", "channel_id": "400000000000000001", "content": "@bot when?", "author": wireUser(user)}}
	}
	ephemeral := map[string]any{"flags": 64}
	cases := []struct {
		name    string
		user    string
		inGuild bool
		message map[string]any // fields of the message pressed on
		inPlace bool
	}{
		{"the asker", asker, true, answered(asker), true},
		{"another member", other, true, answered(asker), false},
		{"another member on the page sent to them", other, true, ephemeral, true},
		{"the author of the mention answered", other, true, repliedTo(other), true},
		{"another member under a mention's answer", asker, true, repliedTo(other), false},
		{"no asker to tell", other, true, map[string]any{}, false},
		{"a DM", other, false, map[string]any{}, true},
	}
	var presses []discordtest.Interaction
	for _, c := range cases {
		ix := h.srv.ButtonOn(c.user, c.inGuild, "f:1:start", answer.Components)
		for k, v := range c.message {
			ix.Payload["message"].(map[string]any)[k] = v
		}
		presses = append(presses, ix)
		rs := h.interact(ix, 1)
		typ, m := callback(t, rs[0])
		ids := buttons(m)
		page2 := len(ids) == 17 && ids[0] == "e:f15" && ids[15] == "f:0:start" && ids[16] == "f:2:start"
		switch {
		case c.inPlace && (typ != 7 || m.Content != nil || m.Embeds != nil || !page2):
			t.Errorf("%s: type %d flags %d buttons %v, want the buttons of page 2 updated in place (7)", c.name, typ, m.Flags, ids)
		case !c.inPlace && (typ != 4 || m.Flags != 64 || !page2):
			t.Errorf("%s: type %d flags %d buttons %v, want page 2 as a private message (4, flags 64)", c.name, typ, m.Flags, ids)
		case !c.inPlace && (!strings.Contains(content(m), r.Question) || !strings.Contains(content(m), bot.Text(bot.KeyRelated, "en"))):
			t.Errorf("%s: the private page says %q, want the question it follows up and %q", c.name, content(m), bot.Text(bot.KeyRelated, "en"))
		}
	}
	for i, ix := range presses {
		// One response each: no follow-up, no edit of the public message.
		if all := requestsFor(h, ix.Token); len(all) != 1 {
			t.Errorf("%s: %d requests for the press, want its one response: %v", cases[i].name, len(all), all)
		}
	}
}

// wireUser is a user object as Discord sends it.
func wireUser(id string) map[string]any {
	return map[string]any{"id": id, "username": "user" + id, "discriminator": "0"}
}
