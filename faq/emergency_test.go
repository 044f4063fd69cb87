package faq

import "testing"

// TestDetectEmergency pins the lexicon's grading: an emergency in any of its
// usual shapes is urgent; an ordinary question that mentions an emergency
// word is not.
func TestDetectEmergency(t *testing.T) {
	a := newAnalyzer(nil)
	a.learn("what should i do in an emergency in italy call the police ambulance")
	a.freeze()
	tests := []struct {
		q    string
		want urgency
	}{
		{"help", urgent},
		{"HELP ME!!!", urgent},
		{"heeelp pls", urgent},
		{"aiuto", urgent},
		{"chiamate un'ambulanza", urgent},
		{"i've been robbed", urgent},
		{"someone is following me", urgent},
		{"there's a fire in the hotel", urgent},
		{"my friend collapsed and is not breathing", urgent},
		{"this is an emergency", urgent},
		{"emergency!", urgent},
		{"allergic reaction, throat closing", urgent},
		{"my son is missing", urgent},
		{"my friend is hurt", urgent},
		{"my son disappeared at the stadium", likelyUrgent},
		{"my friend fell", likelyUrgent},
		{"someone stole my bag right now", likelyUrgent},
		{"how do I get an emergency passport", maybeUrgent},
		{"what is the consulate's emergency number", maybeUrgent},
		{"can you help me find a good restaurant", notUrgent},
		{"did HSI help at the paris olympics", notUrgent},
		{"what's the bag policy at the arena", notUrgent},
		{"lost my passport, what now", maybeUrgent},
		{"what do I do if I get hurt skiing", maybeUrgent},
		{"when do the games start", notUrgent},
	}
	for _, tt := range tests {
		if got := detectEmergency(tt.q, a.analyzeQuery(tt.q), a.stemOf); got != tt.want {
			t.Errorf("detectEmergency(%q) = %d, want %d", tt.q, got, tt.want)
		}
	}
}
