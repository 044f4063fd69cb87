package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"travelbot/bot/discord/discordtest"
)

// noConv is a Conversation for tests that never reach one.
type noConv struct{ Conversation }

// A *RESTError from a real discordgo call, whose text (status and body)
// is clean, still comes out of call() without the bot token (the
// request's Authorization header) or the interaction token (the webhook
// URL) in any field errors.As hands a caller, in the request or the
// response's; the response keeps what the retry logic and callers read.
func TestRESTErrorKeepsNoTokenInItsRequest(t *testing.T) {
	t.Parallel()
	const itok = "aW50ZXJhY3Rpb24tdG9rZW4tc2VjcmV0"
	srv := discordtest.New(t)
	a, err := New(Options{Token: discordtest.Token, APIBase: srv.URL, Conversation: noConv{}})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailWithHeader(func(method, path string) bool { return strings.Contains(path, "/webhooks/") }, 1, http.StatusNotFound,
		http.Header{"X-Ratelimit-Bucket": {"b1"}, "Retry-After": {"1"}}, `{"message":"Unknown Webhook","code":10015}`)
	content := "edited"
	err = a.call(context.Background(), "edit", true, func(opts ...discordgo.RequestOption) error {
		_, err := a.rest.WebhookMessageEdit(discordtest.AppID, itok, "@original", &discordgo.WebhookEdit{Content: &content}, opts...)
		return err
	})
	re, ok := errors.AsType[*discordgo.RESTError](err)
	if !ok {
		t.Fatalf("call = %v, want a *RESTError in its chain", err)
	}
	if re.Response == nil || re.Response.StatusCode != http.StatusNotFound || re.Message == nil || re.Message.Code != 10015 {
		t.Errorf("the rebuilt error lost its status or message: %+v", re)
	}
	if h := re.Response.Header; h.Get("X-RateLimit-Bucket") != "b1" || h.Get("Retry-After") != "1" {
		t.Errorf("the response lost its headers: %v", h)
	}
	if re.Request == nil || re.Request.Method != http.MethodPatch || !strings.Contains(re.Request.URL.Path, "/webhooks/"+discordtest.AppID+"/") {
		t.Errorf("the request lost its method or route: %+v", re.Request)
	}
	dump := fmt.Sprintf("%+v %+v %+v %+v", re, *re.Response, re.Response.Header, string(re.ResponseBody))
	for _, req := range []*http.Request{re.Request, re.Response.Request} {
		if req != nil {
			dump += fmt.Sprintf(" %+v %v %s", *req, req.Header, req.URL)
			if req.URL != nil {
				dump += fmt.Sprintf(" %+v", *req.URL)
			}
		}
	}
	for _, tok := range []string{discordtest.Token, itok} {
		if strings.Contains(dump, tok) {
			t.Errorf("a token is still in the *RESTError callers get: %s", a.redact(dump))
		}
	}
}
