package emergency

import "testing"

// TestFalseFriends: a word that is an emergency in one language and an
// everyday word in another is read in the sense of the message's language.
// None of these messages is in the corpus.
func TestFalseFriends(t *testing.T) {
	d := Default()
	calm := []string{
		"brand new",
		"I got a brand new phone",
		"is this sim brand new?",
		"feu d'artifice tonight",
		"the fire exit sign",
		"we sang songs on the bus to cortina",
		"a pain au chocolat and an espresso",
		"la carta non passa, posso pagare in contanti?",
		"una fetta di torta e un caffè",
		"what kind of pass do I need for the slopes",
		"on regarde le feu d'artifice depuis le pont ?",
	}
	for _, m := range calm {
		if a := d.Detect(m); a.Level != None {
			t.Errorf("Detect(%q) = %s (score %.2f, floor %s, %s), want none", m, a.Level, a.Score, a.Floor, a.Language)
		}
	}
	// the emergency senses stay
	caught := []string{
		"Brand!",
		"Brand im Hotel, alles voller Rauch",
		"mein Kind hat etwas Gift getrunken",
		"il y a du sang partout dans la salle de bain",
		"mi fa male il petto, non respiro bene",
		"hier brennt es, schnell",
		// a calm phrase's words across punctuation are no phrase
		"FIRE, exit now, the hotel is burning",
		"Fire! Exit!",
	}
	for _, m := range caught {
		if a := d.Detect(m); a.Level < Possible {
			t.Errorf("Detect(%q) = %s (score %.2f, %s), want it caught", m, a.Level, a.Score, a.Language)
		}
	}
}

// TestFalseFriendsAddNoAlarm: a false friend in its ordinary sense makes a
// message no more alarming than the same message without it or with a
// plain word in its place. The messages' other words may still worry the
// model (the banner noise of calm messages is its own matter); the false
// friend must not add to it, as German "Gift" (poison) and Italian "male"
// (it hurts) did.
func TestFalseFriendsAddNoAlarm(t *testing.T) {
	d := Default()
	for _, p := range [][2]string{
		{"she bought a gift for her brother", "she bought a present for her brother"},
		{"is the male changing room downstairs", "is the changing room downstairs"},
		{"si può pagare con la carta al rifugio?", "si può pagare con il bancomat al rifugio?"},
		{"we sang all the way to the hotel", "we talked all the way to the hotel"},
		{"what type of ticket for the shuttle", "what sort of ticket for the shuttle"},
		{"that's kind of you to ask", "that's nice of you to ask"},
	} {
		with, without := d.Detect(p[0]), d.Detect(p[1])
		if with.Level > without.Level || with.Score > without.Score+0.1 {
			t.Errorf("Detect(%q) = %s (%.2f), Detect(%q) = %s (%.2f): the false friend adds alarm",
				p[0], with.Level, with.Score, p[1], without.Level, without.Score)
		}
	}
}

// TestFalseFriendsFloor: the lexicon's context words are false friends
// too. German "hier" (here) is not French "hier" (yesterday), English
// "come" and "was" are not Italian "come" and German "was" (how, what), and
// "au feu d'artifice" is no "au feu!".
func TestFalseFriendsFloor(t *testing.T) {
	d := Default()
	tests := []struct {
		text string
		want Level
	}{
		{"Hilfe, hier ist ein Mann bewusstlos", Possible},
		{"there's a fire in the lobby, come quick!", Urgent},
		{"call an ambulance, she was hit by a bus", Urgent},
		{"on va au feu d'artifice ce soir", None},
		{"hier il était inconscient, aujourd'hui ça va", None}, // French: yesterday
	}
	s := new(scratch)
	for _, tt := range tests {
		s.tokenize(tt.text)
		s.extract()
		d.prepare(s)
		if got := s.floor(); got != tt.want {
			t.Errorf("floor(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// TestFalseFriendList: each false friend is an emergency word somewhere and
// an ordinary one elsewhere, never both in one language.
func TestFalseFriendList(t *testing.T) {
	for _, f := range falseFriendList {
		ff := falseFriends[wordHash([]byte(f.word))]
		if ff.home == 0 || ff.ordinary == 0 || ff.home&ff.ordinary != 0 {
			t.Errorf("%q: home %b, ordinary %b: want both, apart", f.word, ff.home, ff.ordinary)
		}
	}
}
