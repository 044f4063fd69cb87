package discordtest

import (
	"strings"
	"testing"
)

// The spec check is only as good as what it refuses: each body here breaks
// one rule of Discord's OpenAPI description and must be refused naming the
// route and the field.
func TestSpecCheck(t *testing.T) {
	sp := RequireSpec(t)
	none := `"allowed_mentions":{"parse":[]}`
	cases := []struct {
		name   string
		method string
		path   string
		body   string
		want   []string // substrings of the problems; nil for none
	}{
		{"message ok", "POST", "/api/v9/channels/1/messages", `{"content":"hi",` + none + `}`, nil},
		{"title too long", "POST", "/api/v9/channels/1/messages", `{"embeds":[{"title":"` + strings.Repeat("t", 257) + `"}],` + none + `}`,
			[]string{"POST /channels/{channel_id}/messages", "/embeds/0/title", "256"}},
		{"unknown field", "POST", "/api/v9/channels/1/messages", `{"content":"hi","disable_web_page_preview":true,` + none + `}`,
			[]string{"disable_web_page_preview"}},
		{"mention type unknown", "POST", "/api/v9/channels/1/messages", `{"content":"hi","allowed_mentions":{"parse":["all"]}}`,
			[]string{"/allowed_mentions/parse/0"}},
		{"custom id too long", "POST", "/api/v9/interactions/1/tok/callback",
			`{"type":4,"data":{"content":"c","components":[{"type":1,"components":[{"type":2,"style":2,"label":"l","custom_id":"` + strings.Repeat("x", 101) + `"}]}]}}`,
			[]string{"/interactions/{interaction_id}/{interaction_token}/callback", "custom_id"}},
		{"callback type unknown", "POST", "/api/v9/interactions/1/tok/callback", `{"type":3}`, []string{"/type"}},
		{"autocomplete ok", "POST", "/api/v9/interactions/1/tok/callback", `{"type":8,"data":{"choices":[{"name":"n","value":"v"}]}}`, nil},
		{"edit ok", "PATCH", "/api/v9/webhooks/1/tok/messages/@original", `{"content":"c","embeds":[],"components":[],` + none + `}`, nil},
		{"command name too long", "PUT", "/api/v9/applications/1/commands", `[{"name":"` + strings.Repeat("a", 33) + `","description":"d","type":1}]`,
			[]string{"PUT /applications/{application_id}/commands", "/0/name"}},
		{"no such route", "POST", "/api/v9/channels/1/messagez", `{}`, []string{"no such route"}},
		{"wrong method", "DELETE", "/api/v9/gateway", ``, []string{"does not take DELETE"}},
		{"gateway ok", "GET", "/api/v9/gateway", ``, nil},
	}
	for _, c := range cases {
		got := sp.Check(c.method, c.path, []byte(c.body))
		if c.want == nil {
			if len(got) > 0 {
				t.Errorf("%s: problems %q, want none", c.name, got)
			}
			continue
		}
		all := strings.Join(got, "\n")
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: problems %q, want one naming %q", c.name, got, w)
			}
		}
	}
}
