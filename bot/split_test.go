package bot

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func pieces(s string, limit int, units func(rune) int) []string {
	var out []string
	for _, r := range Split(s, limit, units) {
		out = append(out, s[r[0]:r[1]])
	}
	return out
}

func TestSplitBreaksWhereItReadsBest(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		limit int
		units func(rune) int
		want  []string
	}{
		{"fits", "hello\n\nworld", 100, Runes, []string{"hello\n\nworld"}},
		{"only whitespace", " \n\t ", 3, Runes, nil},
		{"paragraph before line", "aaaa\nbb\n\ncc dd", 12, Runes, []string{"aaaa\nbb", "cc dd"}},
		{"sentence keeps its stop", "Aaa bbb. Ccc ddd eee", 15, Runes, []string{"Aaa bbb.", "Ccc ddd eee"}},
		{"a question too", "Is it far? It is not", 14, Runes, []string{"Is it far?", "It is not"}},
		{"a space right after what fits", "aaaa bbbb cccc", 9, Runes, []string{"aaaa bbbb", "cccc"}},
		{"a stop right after what fits stays out", "aaaa bbbb. cc", 9, Runes, []string{"aaaa", "bbbb. cc"}},
		{"an early break is passed over", "a\n" + strings.Repeat("x", 20), 12, Runes, []string{"a\nxxxxxxxxxx", "xxxxxxxxxx"}},
		{"no break: between runes", "abcdefghijk", 4, Runes, []string{"abcd", "efgh", "ijk"}},
		{"astral runes count two in UTF-16", "😀😀😀😀😀", 4, UTF16, []string{"😀😀", "😀😀", "😀"}},
		{"and one as runes", "😀😀😀😀😀", 4, Runes, []string{"😀😀😀😀", "😀"}},
		{"a rune wider than the limit still progresses", "😀😀", 1, UTF16, []string{"😀", "😀"}},
	}
	for _, tc := range cases {
		got := pieces(tc.in, tc.limit, tc.units)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("%s: Split = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestSplitKeepsEveryWordWithinTheLimit splits random text of words,
// sentences, lines and emoji: every piece within the limit (in both
// units), none empty or padded, and together the words of the text.
func TestSplitKeepsEveryWordWithinTheLimit(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	bits := []string{"word", "é", "😀", " ", " ", ". ", "? ", "\n", "\n\n", "verylongwordwithoutanyspace"}
	for range 300 {
		var sb strings.Builder
		for range r.IntN(200) {
			sb.WriteString(bits[r.IntN(len(bits))])
		}
		s := sb.String()
		for _, units := range []func(rune) int{Runes, UTF16} {
			limit := 2 + r.IntN(40)
			got := pieces(s, limit, units)
			for _, p := range got {
				if Len(p, units) > limit || p == "" || strings.TrimSpace(p) != p {
					t.Fatalf("Split(%q, %d): piece %q is empty, padded or over the limit", s, limit, p)
				}
			}
			if strings.Join(strings.Fields(strings.Join(got, "")), "") != strings.Join(strings.Fields(s), "") {
				t.Fatalf("Split(%q, %d) = %q: the pieces lose or add text", s, limit, got)
			}
		}
	}
}

func TestTruncate(t *testing.T) {
	cases := []struct {
		in    string
		n     int
		units func(rune) int
		want  string
	}{
		{"short", 80, Runes, "short"},
		{"abcdef", 4, Runes, "abc…"},
		{"ab    cdef", 5, Runes, "ab…"},
		{"Where do I pick up my tickets", 20, Runes, "Where do I pick up…"},
		{"Trains, buses", 8, Runes, "Trains…"},
		{strings.Repeat("é", 5), 3, Runes, "éé…"},
		{"😀😀😀", 4, UTF16, "😀…"},
		{"😀😀😀", 4, Runes, "😀😀😀"},
	}
	for _, c := range cases {
		got := Truncate(c.in, c.n, c.units)
		if got != c.want || Len(got, c.units) > c.n {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
