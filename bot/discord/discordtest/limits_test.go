package discordtest

import (
	"strings"
	"testing"
)

// The fake is only as good as its checks: each body here breaks one rule
// and must be refused for it.
func TestCheckMessage(t *testing.T) {
	none := `"allowed_mentions":{"parse":[]}`
	long := func(n int) string { return strings.Repeat("x", n) }
	cases := []struct {
		name string
		body string
		want string // substring of the one expected problem; "" for none
	}{
		{"ok", `{"content":"hi",` + none + `}`, ""},
		{"no allowed mentions", `{"content":"hi"}`, "allowed_mentions missing"},
		{"parse null", `{"content":"hi","allowed_mentions":{"parse":null}}`, "parse missing or null"},
		{"parse everyone", `{"content":"hi","allowed_mentions":{"parse":["everyone"]}}`, "allows pings"},
		{"replied user", `{"content":"hi","allowed_mentions":{"parse":[],"replied_user":true}}`, "allows pings"},
		{"content 2001", `{"content":"` + long(2001) + `",` + none + `}`, "content has 2001"},
		{"content 2000 runes", `{"content":"` + strings.Repeat("é", 2000) + `",` + none + `}`, ""},
		{"empty", `{"content":"",` + none + `}`, "empty message"},
		{"title", `{"embeds":[{"title":"` + long(257) + `"}],` + none + `}`, "title has 257"},
		{"description", `{"embeds":[{"description":"` + long(4097) + `"}],` + none + `}`, "description has 4097"},
		{"total", `{"embeds":[{"description":"` + long(4000) + `"},{"description":"` + long(2001) + `"}],` + none + `}`, "total 6001"},
		{"eleven embeds", `{"embeds":[` + strings.TrimSuffix(strings.Repeat(`{"description":"d"},`, 11), ",") + `],` + none + `}`, "11 embeds"},
		{"field value", `{"embeds":[{"fields":[{"name":"n","value":"` + long(1025) + `"}]}],` + none + `}`, "value has 1025"},
		{"empty field name", `{"embeds":[{"fields":[{"name":"","value":"v"}]}],` + none + `}`, "name has 0"},
		{"26 fields", `{"embeds":[{"fields":[` + strings.TrimSuffix(strings.Repeat(`{"name":"n","value":"v"},`, 26), ",") + `]}],` + none + `}`, "26 fields"},
		{"six buttons in a row", `{"content":"c","components":[{"type":1,"components":[` +
			strings.TrimSuffix(strings.Repeat(`{"type":2,"label":"l","custom_id":"ID","style":2},`, 6), ",") + `]}],` + none + `}`, "has 6 buttons"},
		{"label 81", `{"content":"c","components":[{"type":1,"components":[{"type":2,"label":"` + long(81) + `","custom_id":"a","style":2}]}],` + none + `}`, "label has 81"},
		{"custom id 101", `{"content":"c","components":[{"type":1,"components":[{"type":2,"label":"l","custom_id":"` + long(101) + `","style":2}]}],` + none + `}`, "custom_id has 101"},
		{"repeated custom id", `{"content":"c","components":[{"type":1,"components":[{"type":2,"label":"l","custom_id":"a","style":2},{"type":2,"label":"l","custom_id":"a","style":2}]}],` + none + `}`, "repeats"},
		{"six rows", `{"content":"c","components":[` + strings.TrimSuffix(strings.Repeat(`{"type":1,"components":[{"type":2,"label":"l","custom_id":"a","style":2}]},`, 6), ",") + `],` + none + `}`, "6 component rows"},
	}
	for _, c := range cases {
		got := CheckMessage([]byte(c.body))
		switch {
		case c.want == "" && len(got) > 0:
			t.Errorf("%s: problems %q, want none", c.name, got)
		case c.want != "" && (len(got) == 0 || !strings.Contains(strings.Join(got, "; "), c.want)):
			t.Errorf("%s: problems %q, want one about %q", c.name, got, c.want)
		}
	}
}

func TestCheckCallbackChoices(t *testing.T) {
	choice := `{"name":"n","value":"v"},`
	cases := []struct {
		name string
		body string
		ok   bool
	}{
		{"ok", `{"type":8,"data":{"choices":[` + strings.TrimSuffix(strings.Repeat(choice, 25), ",") + `]}}`, true},
		{"empty list", `{"type":8,"data":{"choices":[]}}`, true},
		{"no list", `{"type":8,"data":{}}`, false},
		{"26 choices", `{"type":8,"data":{"choices":[` + strings.TrimSuffix(strings.Repeat(choice, 26), ",") + `]}}`, false},
		{"name 101", `{"type":8,"data":{"choices":[{"name":"` + strings.Repeat("n", 101) + `","value":"v"}]}}`, false},
		{"deferred private", `{"type":5,"data":{"flags":64}}`, true},
		{"message without mentions", `{"type":4,"data":{"content":"hi"}}`, false},
	}
	for _, c := range cases {
		e, problems := checkCallback([]byte(c.body))
		if (e == nil) != c.ok {
			t.Errorf("%s: accepted=%v (%q), want %v", c.name, e == nil, problems, c.ok)
		}
	}
}
