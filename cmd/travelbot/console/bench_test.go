package console

import (
	"net/http"
	"net/url"
	"testing"
)

// BenchmarkTestPane is one run of the test pane, server side and over
// loopback HTTP: the explanation, the bot's reply for Telegram and for
// Discord, both renderings, and the page.
func BenchmarkTestPane(b *testing.B) {
	h := newHarness(b, nil)
	cl := h.client()
	cl.mustLogin()
	form := url.Values{"question": {"Aiuto! Il mio amico non respira, chiamate un'ambulanza!"}}
	for b.Loop() {
		if res, _ := cl.post("/admin/test", form); res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}

// BenchmarkOverview is one overview page over a day of traffic (about 200
// questions and their votes) in SQLite.
func BenchmarkOverview(b *testing.B) {
	h := newHarness(b, nil)
	seedTraffic(b, h)
	cl := h.client()
	cl.mustLogin()
	for b.Loop() {
		if res, _ := cl.get("/admin/"); res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}
