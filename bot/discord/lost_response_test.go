package discord_test

import (
	"strings"
	"testing"

	"travelbot/bot"
	"travelbot/bot/discord/discordtest"
)

// TestLostCallbackResponseIsNotAFailure: the connection breaks after
// Discord took a vote's interaction response but before its answer came
// back. The adapter retries (a second response is refused, so retrying is
// safe), Discord refuses the retry as a second response, and the adapter
// takes that as the first having landed: the 👎 still gets its private
// "what were you looking for?" instead of a "vote not acknowledged".
func TestLostCallbackResponseIsNotAFailure(t *testing.T) {
	t.Parallel()
	rec := &memRecorder{}
	h := start(t, e2eBot(t, bot.Options{Recorder: rec}))
	rs := h.interact(h.srv.Command("7", true, "ask", "question", "When do the Winter Games start?"), 1)
	_, answer := callback(t, rs[0])

	ix := h.srv.ButtonOn("7", true, "v:d:q1", answer.Components)
	callbackPath := "/api/v9/interactions/" + ix.ID + "/" + ix.Token + "/callback"
	h.srv.DropResponse(func(method, path string) bool { return method == "POST" && path == callbackPath }, 1)
	h.srv.ExpectRejected(func(r discordtest.Request) bool { return r.Path == callbackPath })
	rs = h.interact(ix, 3) // the callback, its refused retry, the follow-up
	if rs[0].Path != callbackPath || rs[0].Status >= 300 {
		t.Fatalf("first request %s, want the vote's callback, taken", rs[0])
	}
	if rs[1].Path != callbackPath || rs[1].Status != 400 {
		t.Fatalf("second request %s, want the retried callback, refused as a second response", rs[1])
	}
	if m := message(t, rs[2]); !strings.Contains(content(m), "?") || m.Flags != 64 {
		t.Errorf("after the lost response: %s, want the private question what the user was looking for", rs[2])
	}
}
