package emergency

import "slices"

// False friends are spellings that are an emergency word in one language
// and an everyday word in another: German "Brand" is a fire and English
// "brand" a make, French "sang" is blood and English "sang" a song, Italian
// "male" hurts and English "male" is a sex, French "hier" is yesterday (a
// story) and German "hier" is here (often an emergency). Folded, the
// features cannot tell them apart: "we sang karaoke all night" read as
// blood, "la carta di credito non funziona" as a farewell note, "I got a
// brand new phone" as a fire, and "Hilfe, hier ist ein Mann bewusstlos" as
// a story, which silenced the lexicon.
//
// A false friend stands for its ordinary sense when the message is written
// in a language where the word is ordinary, as the rest of the message
// tells (see ordinarySense): its concepts are dropped and its word and
// character features are its own, tagged with that language, so the model
// learns "brand" in English apart from "Brand" in German. Its lexicon
// entry, if any, does not count either. Alone, the word keeps its
// emergency sense ("Brand!" is a cry whatever language the identifier
// guesses for one word).
type falseFriend struct {
	// home: the languages in which the word is the emergency word (a
	// concept or lexicon entry, or what the corpus taught); ordinary:
	// those in which it is an everyday word. Bit i is Languages[i].
	home, ordinary uint8
}

// falseFriendList gives, for each folded spelling, the languages in which
// it is an emergency word and those in which it is an ordinary one.
var falseFriendList = []struct{ word, home, ordinary string }{
	// German emergency words that are English words
	{"brand", "de", "en"}, // fire / a make
	{"gift", "de", "en"},  // poison / a present
	{"kind", "de", "en"},  // child / sort, nice
	{"falls", "de", "en"}, // if / falls
	{"was", "de", "en"},   // what / was
	{"stock", "de", "en"}, // floor / stock
	{"gut", "de", "en"},   // fine / belly
	{"arme", "fr", "de"},  // weapon / arms, poor
	{"hier", "fr", "de"},  // yesterday / here
	{"die", "en", "de"},   // die / the
	{"ja", "pt", "de"},    // already / yes
	{"hut", "en", "de"},   // a hut / a hat
	// French emergency words that are English words
	{"sang", "fr", "en"},   // blood / sang
	{"type", "fr", "en"},   // guy / type
	{"suit", "fr", "en"},   // follows / suit
	{"but", "fr", "en"},    // goal / but
	{"course", "fr", "en"}, // race / course
	{"bras", "fr", "en"},   // arm / bras
	{"gorge", "fr", "en"},  // throat / gorge
	{"mere", "fr", "en"},   // mother / mere
	{"plus", "fr", "en"},   // no more / plus
	{"aide", "fr", "en"},   // help / an aide
	{"chute", "fr", "en"},  // fall / chute
	{"frappe", "fr", "en"}, // hit / a frappe
	{"file", "fr", "en"},   // queue / a file
	{"ne", "fr", "it"},     // not / of it
	{"pain", "en", "fr"},   // pain / bread
	{"face", "en", "fr"},   // face / en face (opposite)
	{"son", "en", "fr es"}, // son / his, sound; they are
	// Italian emergency words that are English words
	{"male", "it", "en"},   // hurts / male
	{"come", "it", "en"},   // how / come
	{"fate", "it", "en"},   // do (hurry) / fate
	{"camera", "it", "en"}, // room / camera
	{"piano", "it", "en"},  // floor / piano
	{"scale", "it", "en"},  // stairs / scale
	// Spanish and Portuguese emergency words that are ordinary elsewhere
	{"pies", "es", "en"},     // feet / pies
	{"time", "pt", "en"},     // team / time
	{"preso", "pt", "it"},    // trapped / taken ("ho preso il treno")
	{"torta", "pt", "it es"}, // crooked (a stroke) / cake
	{"carta", "pt", "it es"}, // a farewell letter / card, paper, menu
	{"mala", "pt", "es"},     // suitcase / bad
	{"queda", "pt", "es"},    // fall / remains
	{"cara", "es pt", "it"},  // face, guy / dear
	{"fumo", "it", "pt"},     // smoke / I smoke
	{"andar", "pt", "es"},    // floor / walk
	{"bloque", "fr", "es"},   // stuck / block
	{"tipo", "it es", "pt"},  // guy / kind of
	{"llamas", "es", "en"},   // flames / llamas
	// Chinese and Japanese words that read as Latin-script words
	{"120", "zh", "en it es fr de pt"}, // China's ambulance number / a price
	{"w", "ja", "en it es fr de pt"},   // laughter / with ("w/")
	{"www", "ja", "en it es fr de pt"}, // laughter / the web
}

// calmPhrases are fixed phrases in which an emergency word means nothing
// of the kind: "feu d'artifice" (fireworks), "brand new", "fire exit". Their
// words get features of their own, as a false friend in its ordinary sense
// does, and no lexicon entry: "au feu d'artifice" is no "au feu!". Words
// are folded, apostrophes a space.
var calmPhrases = []string{
	// en
	"brand new", "brand name", "brand names", "brand store", "fire exit", "fire exits", "fire sale", "fire drill",
	"fire pit", "fireworks", "firework", "campfire", "flu shot", "flu shots", "booster shot", "espresso shot",
	"shot of espresso", "help desk", "help center", "help centre", "pain au chocolat", "killer deal",
	// fr
	"feu d artifice", "feux d artifice", "feu rouge", "feu vert", "feux rouges", "coin du feu", "feu doux", "feu vif",
	"coup de foudre", "pain perdu",
	// it
	"fuochi d artificio", "fuoco d artificio", "fuochi artificiali", "fuoco lento", "fuoco basso", "fuoco vivo",
	"carta di credito", "carta d identita",
	// es
	"fuegos artificiales", "fuego lento", "te llamas", "me llamas", "lo llamas", "la llamas",
	// de
	"feuerwerk", "brandneu", "hals und beinbruch",
	// pt
	"fogos de artificio", "fogo de artificio", "fogo brando", "fogo baixo",
}

// Salts tag the features of a word read in its ordinary sense: saltPhrase
// for a word of a calm phrase, saltLang+i for a false friend in
// Languages[i].
const (
	saltPhrase = 1
	saltLang   = 2
)

var (
	falseFriends = map[uint64]falseFriend{}
	// phraseStarts maps the hash of a calm phrase's first word to the
	// phrases starting with it, each as the hashes of its words.
	phraseStarts = map[uint64][][]uint64{}
)

func init() {
	bits := func(langs string) uint8 {
		var b uint8
		s := new(scratch)
		s.tokenize(langs)
		for _, t := range s.toks {
			i := slices.Index(Languages, string(s.text(t)))
			if i < 0 {
				panic("emergency: false friend of unknown language " + string(s.text(t)))
			}
			b |= 1 << i
		}
		return b
	}
	for _, f := range falseFriendList {
		h := wordHash([]byte(f.word))
		if _, dup := falseFriends[h]; dup {
			panic("emergency: false friend listed twice: " + f.word)
		}
		falseFriends[h] = falseFriend{home: bits(f.home), ordinary: bits(f.ordinary)}
	}
	s := new(scratch)
	for _, p := range calmPhrases {
		s.tokenize(p)
		hs := make([]uint64, len(s.toks))
		for i, t := range s.toks {
			hs[i] = wordHash(s.text(t))
		}
		phraseStarts[hs[0]] = append(phraseStarts[hs[0]], hs)
	}
}

// tokenWordHash is the word hash of token t (cut as extract cuts it).
func (s *scratch) tokenWordHash(t token) uint64 {
	b := s.text(t)
	if len(b) > maxWord {
		b = b[:maxWord]
	}
	return wordHash(b)
}

// hasFriends reports whether the tokenised message holds a false friend or
// the first word of a calm phrase, so that readOrdinary may change it.
func (s *scratch) hasFriends() bool {
	for _, t := range s.toks {
		if t.kind != kindWord {
			continue
		}
		h := s.tokenWordHash(t)
		if _, ok := falseFriends[h]; ok {
			return true
		}
		if _, ok := phraseStarts[h]; ok {
			return true
		}
	}
	return false
}

// readOrdinary marks the tokens read in their ordinary sense (token.plain)
// given the message's language, and reports whether it marked any;
// extract must then run again.
func (d *Detector) readOrdinary(s *scratch, lang string) bool {
	words := 0
	for _, t := range s.toks {
		if t.kind == kindWord {
			words++
		}
	}
	li := slices.Index(Languages, lang)
	var ctx context
	haveCtx := false
	marked := false
	for i := range s.toks {
		t := &s.toks[i]
		if t.kind != kindWord {
			continue
		}
		h := s.tokenWordHash(*t)
		for _, p := range phraseStarts[h] {
			if s.phraseAt(i, p) {
				for j := range p {
					s.toks[i+j].plain = saltPhrase
				}
				marked = true
			}
		}
		f, ok := falseFriends[h]
		if t.plain != 0 || words < 2 || !ok {
			continue
		}
		if !haveCtx {
			d.context(s, &ctx)
			haveCtx = true
		}
		if f.ordinarySense(li, &ctx) {
			t.plain = saltLang + uint8(li)
			marked = true
		}
	}
	return marked
}

// context is what the words of a message other than its false friends say
// of its language: the language model's scores, and the languages whose
// function words it shows.
type context struct {
	sc       [nLatin]float64
	function uint8 // bit l: a function word of latinLangs[l]
}

// context scores, into c, the message's language without its false friends: a
// word cannot vouch for its own sense, and "Brand" is as English as it is
// German once English messages speak of brands.
func (d *Detector) context(s *scratch, c *context) {
	lp := d.lang.logp
	// a token's features are consecutive: hash each token once
	last, friend := -1, false
	for _, f := range s.feats {
		if f.tok >= langTokens {
			break
		}
		t := s.toks[f.tok]
		if t.kind != kindWord {
			continue
		}
		if int(f.tok) != last {
			_, friend = falseFriends[s.tokenWordHash(t)]
			last = int(f.tok)
		}
		if friend {
			continue
		}
		row := lp[int(langIndex(f.h))*nLatin:][:nLatin]
		for l := range c.sc {
			c.sc[l] += float64(row[l])
		}
	}
	for _, a := range s.langOnly {
		row := lp[int(a&(1<<langBits-1))*nLatin:][:nLatin]
		for l := range c.sc {
			c.sc[l] += float64(row[l])
		}
	}
	for i, t := range s.toks {
		if i >= langTokens {
			break
		}
		if t.kind == kindWord {
			h := s.tokenWordHash(t)
			if _, ff := falseFriends[h]; !ff {
				c.function |= functionWords[h]
			}
		}
	}
}

// phraseAt reports whether the words of phrase p stand at token i onwards,
// with no punctuation between them but an apostrophe or a hyphen.
func (s *scratch) phraseAt(i int, p []uint64) bool {
	if i+len(p) > len(s.toks) {
		return false
	}
	for j, h := range p {
		t := s.toks[i+j]
		if t.kind != kindWord || s.tokenWordHash(t) != h || j < len(p)-1 && t.cut {
			return false
		}
	}
	return true
}

// ordinarySense reports whether a false friend in a message identified as
// Languages[li] stands for its ordinary sense: the word is ordinary in
// that language, the rest of the message is more of that language than of
// any in which the word is an emergency word, and it shows no function
// word of one of those that is not one of its own ("Brand im Hotel" keeps
// its fire, whatever the identifier made of three words).
func (f falseFriend) ordinarySense(li int, c *context) bool {
	if li < 0 || li >= nLatin || f.ordinary&(1<<li) == 0 || f.home&(1<<li) != 0 {
		return false
	}
	own := uint8(1) << li
	for h := range nLatin {
		if f.home&(1<<h) == 0 {
			continue
		}
		if c.sc[h] >= c.sc[li] || c.function&(1<<h) != 0 && c.function&own == 0 {
			return false
		}
	}
	return true
}

// saltHash tags a feature hash of a word read in its ordinary sense.
func saltHash(h uint64, salt uint8) uint64 {
	if salt == 0 {
		return h
	}
	return mix(h ^ uint64(salt)<<48 ^ 0x9e3779b97f4a7c15)
}

// urgentConcepts are the concepts that, outside a calm phrase, are
// evidence of an emergency: danger to a body or a life, a cry for help, a
// call for the emergency services. Urgency alone ("now", "please", a "!",
// capitals) is not: "fire drill right now, everyone outside", "the help
// desk on the right", "HELP DESK CLOSED TODAY" and "feu d'artifice
// maintenant !" are calm, and read with "fire" and "help" in their
// emergency sense the model would call them urgent.
var urgentConcepts = conceptBits("blood", "breath", "faint", "die", "weapon", "fire", "missing", "police",
	"ambulance", "help", "pain", "trapped", "fall", "attack", "quake", "device", "cold", "burn", "choke",
	"neuro")

// phraseScore is the model's score of the tokenised, extracted and
// prepared message, its calm phrases read as calm only where the rest of
// the message says nothing of an emergency. A calm phrase neutralises its
// own words: "the help desk" is no cry for help. It must not calm the rest
// of the message: in "the help desk says there is a fire on floor 3" the
// fire is real, and read without "help" the model heard no emergency. So
// when the words outside the calm phrases carry evidence of one (see
// phraseEvidence), the message is also scored with the phrases' words read
// as plain words, and the more alarming score stands. floor is the
// lexicon's level of the message.
func (d *Detector) phraseScore(s *scratch, floor Level) float64 {
	sc := d.score(s)
	if !s.hasCalmPhrase() || !s.phraseEvidence(floor) {
		return sc
	}
	for i := range s.toks {
		if s.toks[i].plain == saltPhrase {
			s.toks[i].plain = 0
		}
	}
	s.extract()
	return max(sc, d.score(s))
}

// hasCalmPhrase reports whether a word of the message was read as part of
// a calm phrase.
func (s *scratch) hasCalmPhrase() bool {
	for _, t := range s.toks {
		if t.plain == saltPhrase {
			return true
		}
	}
	return false
}

// phraseEvidence reports whether the message outside its calm phrases
// carries evidence of an emergency: a lexicon entry (floor above none) or a
// word of an urgent concept.
func (s *scratch) phraseEvidence(floor Level) bool {
	if floor > None {
		return true
	}
	for i, t := range s.toks {
		if t.plain != saltPhrase && s.masks[i]&urgentConcepts != 0 {
			return true
		}
	}
	return false
}
