package telegramtest

import "testing"

func TestCheckHTML(t *testing.T) {
	cases := []struct {
		in      string
		visible string
		ok      bool
	}{
		{"plain", "plain", true},
		{"<b>bold</b> &amp; <i>it</i>", "bold & it", true},
		{`<a href="https://x.example/?a=1&amp;b=2">t</a>`, "t", true},
		{"&lt;b&gt; &#34;q&#34; &#x1F600;", `<b> "q" 😀`, true},
		{"<b><i>x</i></b>", "x", true},
		{"<b>", "", false},
		{"</b>", "", false},
		{"<b><i>x</b></i>", "", false},
		{"<script>x</script>", "", false},
		{"<a>x</a>", "", false},
		{`<a href="u"><a href="v">x</a></a>`, "", false},
		{"a & b", "", false},
		{"a > b", "", false},
		{"a < b", "", false},
		{"&nbsp;", "", false},
		{"&#0;", "", false},
		{"\xff", "", false},
		{`<a href="x&y">t</a>`, "", false},
	}
	for _, tc := range cases {
		got, err := CheckHTML(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.visible) {
			t.Errorf("CheckHTML(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.visible, tc.ok)
		}
	}
}
