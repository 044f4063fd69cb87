package faq

import "testing"

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"What's the U.S. Consulate's number?", "whats the us consulates number"},
		{"Cortina d’Ampezzo", "cortina d ampezzo"},
		{"chiamate un'ambulanza!", "chiamate un ambulanza"},
		{"CAFÉ Ñandú naïve", "cafe nandu naive"},
		{"Straße Øresund Łódź", "strasse oresund lodz"},
		{"24/7   ops\tcenter", "24 7 ops center"},
		{"3.5 km", "3 5 km"},
		{"hellooo heyyy", "helloo heyy"},
		{"<b>bold</b> &amp;", "b bold b amp"},
		{"", ""},
		{"   ...!!!   ", ""},
		{"漢字", "漢字"},
		{"\xff\xfebad utf8", "bad utf8"},
	}
	for _, tt := range tests {
		if got := fold(tt.in); got != tt.want {
			t.Errorf("fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCorrect(t *testing.T) {
	a := newAnalyzer(nil)
	for _, p := range []string{"emergency number", "consulate in milan", "passport replacement", "from here"} {
		a.learn(p)
	}
	a.freeze()
	tests := []struct{ in, want string }{
		{"emergancy", "emergency"},  // substitution
		{"emergncy", "emergency"},   // deletion
		{"emmergency", "emergency"}, // insertion
		{"consluate", "consulate"},  // transposition
		{"pasport", "passport"},
		{"zzzzzz", ""},   // nothing close
		{"form", "from"}, // transposition of a short word
		{"abc", ""},      // too short to correct
	}
	for _, tt := range tests {
		if got := a.correct(tt.in); got != tt.want {
			t.Errorf("correct(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
