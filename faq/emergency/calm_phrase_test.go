package emergency

import "testing"

// TestCalmPhraseOnlyItsWords: a calm phrase neutralises its own words and
// nothing else; the rest of the message still raises the alarm. None of
// these messages is in the corpus.
func TestCalmPhraseOnlyItsWords(t *testing.T) {
	d := Default()
	tests := []struct {
		text string
		want Level
	}{
		{"the help desk says there is a fire on floor 3", Urgent},
		{"the lady at the help desk just collapsed and is not breathing", Urgent},
		{"FIRE, exit now, the hotel is burning", Urgent},
		{"Feuer! Alle raus aus dem Haus", Urgent},
		{"the fire exit is locked and there is smoke everywhere", Urgent},
		// the phrases stay calm when nothing else alarms
		{"where is the help desk please", None},
		{"the fire drill is at 10", None},
		{"HELP DESK CLOSED TODAY", None},
		{"is the fire exit on the right?", None},
	}
	for _, tt := range tests {
		a := d.Detect(tt.text)
		if tt.want == None && a.Level != None || tt.want != None && a.Level < tt.want {
			t.Errorf("Detect(%q) = %s (score %.2f, floor %s), want %s", tt.text, a.Level, a.Score, a.Floor, tt.want)
		}
	}
}

// TestImperativeCall: telling someone to call the emergency services in a
// message that names a danger to a person is an alarm, in every language;
// asking how to call them, or calling them alone, is not.
func TestImperativeCall(t *testing.T) {
	d := Default()
	tests := []struct {
		text string
		want Level
	}{
		{"he is going to die, call 112", Urgent},
		{"call 911 my dad fell and hit his head", Urgent},
		{"please call 112 she is bleeding a lot", Urgent},
		{"è caduto dalle scale, chiama il 118", Urgent},
		{"se cayó por las escaleras, llama al 112", Urgent},
		{"il saigne beaucoup, appelle le 15", Urgent},
		{"er stirbt, ruf die 112", Urgent},
		{"ele caiu e bateu a cabeça, liga para o 112", Urgent},
		{"can i call 112 if my friend fell on the slope?", None},      // supposes
		{"should we call 112 for a sprained ankle that hurts?", None}, // asks: the model decides
	}
	for _, tt := range tests {
		a := d.Detect(tt.text)
		if a.Floor != tt.want {
			t.Errorf("Detect(%q): floor %s (level %s, score %.2f), want %s", tt.text, a.Floor, a.Level, a.Score, tt.want)
		}
	}
}

// TestAskWordsLead: the verbs that ask by leading a sentence ("is",
// "can") do not make an alarm a question elsewhere.
func TestAskWordsLead(t *testing.T) {
	s := new(scratch)
	for _, tt := range []struct {
		text string
		asks bool
	}{
		{"there is a fire in the kitchen", false},
		{"is there a fire drill today", true},
		{"my son is hurt, what do i do", true},
		{"ok, can someone call the police", true},
	} {
		s.tokenize(tt.text)
		s.extract()
		if got := s.asks(); got != tt.asks {
			t.Errorf("asks(%q) = %v, want %v", tt.text, got, tt.asks)
		}
	}
}
