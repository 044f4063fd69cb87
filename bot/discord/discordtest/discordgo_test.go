package discordtest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"travelbot/bot/discord/discordtest"
	"travelbot/internal/testutil"
)

// These tests point discordgo v0.29's own gateway client (Session.Open) at
// the fake and show the fake refusing each way it departs from Discord's
// documentation: the reason the adapter has a gateway client of its own.

type rewrite struct{ base *url.URL }

func (t rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, t.base.Host
	return http.DefaultTransport.RoundTrip(r)
}

func openDiscordgo(t *testing.T, srv *discordtest.Server) *discordgo.Session {
	t.Helper()
	if testutil.Race {
		// discordgo v0.29 races with itself when it reconnects (its
		// heartbeat and listen goroutines both call reconnect, which writes
		// the session unlocked): one more reason for our own client. These
		// tests are about the wire, so .ci/run runs them without -race.
		t.Skip("discordgo's own reconnect is racy; run without -race")
	}
	srv.ExpectGatewayProblems()
	base, _ := url.Parse(srv.URL)
	s, err := discordgo.New("Bot " + discordtest.Token)
	if err != nil {
		t.Fatal(err)
	}
	s.Client = &http.Client{Transport: rewrite{base}}
	s.LogLevel = -1
	if err := s.Open(); err != nil {
		t.Fatalf("discordgo Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// waitProblem waits for a gateway problem that contains want.
func waitProblem(t *testing.T, srv *discordtest.Server, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		changed := srv.Changed() // before looking, so no change is missed
		for _, p := range srv.GatewayProblems() {
			if strings.Contains(p, want) {
				return
			}
		}
		select {
		case <-deadline:
			t.Fatalf("the fake did not object %q; problems %q", want, srv.GatewayProblems())
		case <-changed:
		}
	}
}

func TestFakeRefusesDiscordgosIdentify(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	openDiscordgo(t, srv)
	waitProblem(t, srv, "properties.$os is not a documented connection property")
	waitProblem(t, srv, "presence.game is not a field of a presence update")
}

func TestFakeRefusesDiscordgosResumeOnTheFirstURL(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	openDiscordgo(t, srv)
	if err := srv.Reconnect(); err != nil {
		t.Fatal(err)
	}
	waitProblem(t, srv, "RESUME on /gw/, want READY's resume_gateway_url")
}

func TestFakeRefusesDiscordgosIdentifyOnAnInvalidatedSocket(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	openDiscordgo(t, srv)
	if err := srv.InvalidateSession(); err != nil {
		t.Fatal(err)
	}
	waitProblem(t, srv, "IDENTIFY on the connection that got op 9 d:false")
}
