package emergency

import (
	"bytes"
	"strings"
)

// The lexicon is a floor under the model, not a second detector: it holds
// only words that mean an emergency in progress wherever they appear, or
// that do so when a message is nothing else. Everything subtler is the
// model's. Words are compared folded and with doubled letters squashed
// ("HEEELP", "socorrooo").
var (
	// cries are an emergency when the message is only cries and fillers:
	// "help", "HELP ME!!!", "aiuto aiuto", "ayuda por favor", "this is an
	// emergency", "救命啊", but not "can you help me find a restaurant" nor
	// "sos i forgot my gloves".
	cries = []string{
		"help", "halp", "hlep", "helpme", "emergency", "emergancy", "urgent", "sos", "mayday",
		"112", "911", "🆘", "🚑", "🚨",
		"aiuto", "aiutatemi", "aiutami", "aiutateci", "soccorso", "emergenza", "urgente",
		"ayuda", "ayudame", "ayudenme", "ayudennos", "auxilio", "socorro", "emergencia",
		"secours", "aidez", "aide", "urgence",
		"hilfe", "notfall", "notruf",
		"ajuda", "ajudem", "ajudeme", "socorram",
		"救命", "救救我", "救救", "快来人", "快报警", "快叫救护车", "紧急",
		"助けて", "たすけて", "タスケテ", "救急車", "緊急",
	}
	// fillers may stand around cries in a plain cry for help.
	fillers = []string{
		// en
		"me", "us", "please", "pls", "plz", "now", "someone", "somebody", "anyone", "anybody", "pleasee",
		"quick", "quickly", "fast", "i", "we", "need", "my", "god", "oh", "omg", "this", "is",
		"an", "its", "it", "a", "asap", "here", "right", "hurry", "sos",
		// it
		"per", "favore", "piacere", "qualcuno", "presto", "subito", "vi", "prego", "mi", "ci",
		"serve", "e", "un", "una", "questa", "dio", "mio",
		// es
		"por", "favor", "alguien", "rapido", "ahora", "ya", "necesito", "es", "dios", "mio",
		// fr
		"s", "il", "vous", "plait", "svp", "moi", "nous", "vite", "quelqu", "c", "est", "une",
		"a", "l", "j", "ai", "besoin", "de", "mon", "dieu", "au",
		// de
		"bitte", "schnell", "jemand", "ich", "brauche", "das", "ist", "ein", "mir", "uns", "sofort",
		// pt
		"alguem", "agora", "preciso", "uma", "aqui", "deus", "meu", "socorro",
		// "i need 112 now", "mi serve il 112 adesso", "il me faut le 112"
		"adesso", "ora", "maintenant", "faut", "le", "el", "o", "call", "chiamate", "llamen",
		"appelez", "rufen", "sie", "liguem", "ligue",
	}
	// cjkFillers may stand around a Chinese or Japanese cry.
	cjkFillers = "啊呀吧我们了！快来人有谁请救命助けてくださいだれかお願い誰か"
	// possibleAnywhere: signs of danger to a person that are rarely
	// figurative. They make a message at least possible; the model decides
	// whether it is urgent.
	possibleAnywhere = []string{
		// en
		"not breathing", "stopped breathing", "cant breathe", "cannot breathe", "unconscious",
		"unresponsive", "overdosed", "overdosing", "stabbed", "kidnapped", "kill myself",
		"end my life", "want to die", "bleeding", "seizure", "gunman", "shooter", "shots fired",
		"doing cpr", "giving cpr", "no pulse",
		// it
		"non respira", "svenuto", "svenuta", "incosciente", "sanguina", "perde sangue",
		"accoltellato", "accoltellata", "rapito", "rapita", "uccidermi", "ammazzarmi",
		"voglio morire", "farla finita", "massaggio cardiaco", "non ha polso",
		// es
		"no respira", "inconsciente", "desmayado", "desmayada", "sangrando", "apunalado",
		"apunalada", "acuchillado", "secuestrado", "secuestrada", "matarme", "sobredosis",
		"quiero morir", "quiero morirme", "haciendo rcp", "no tiene pulso",
		// fr
		"respire pas", "respire plus", "inconscient", "saigne", "poignarde", "poignardee",
		"me tuer", "kidnappe", "envie de mourir", "veux mourir", "massage cardiaque", "pas de pouls",
		// de
		"atmet nicht", "atmet nicht mehr", "bewusstlos", "blutet", "erstochen", "niedergestochen",
		"entfuhrt", "umbringen", "uberdosis", "will sterben", "herzdruckmassage", "kein puls",
		// pt
		"nao respira", "desmaiado", "desmaiada", "sangrando", "esfaqueado", "esfaqueada",
		"sequestrado", "sequestrada", "me matar", "overdose", "quero morrer", "sem pulso",
		// zh
		"没有呼吸", "没呼吸", "不呼吸", "昏迷", "不省人事", "流血", "被刺", "被捅", "自杀", "绑架", "想死", "不想活", "心肺复苏",
		// ja
		"息をしていない", "息してない", "息をしてない", "意識がない", "意識が無い", "血が止まらない",
		"刺された", "自殺", "誘拐", "死にたい", "心臓マッサージ",
	}
)

// lexicon is the compiled form of the lists above.
type lexicon struct {
	possible    map[uint64]bool // squashed word sequences
	possibleCJK [][]byte
	cry, filler map[uint64]bool
	cryCJK      [][]byte
	longest     int // words in the longest sequence
}

var lex = buildLexicon()

func buildLexicon() *lexicon {
	l := &lexicon{possible: map[uint64]bool{}, cry: map[uint64]bool{}, filler: map[uint64]bool{}}
	s := new(scratch)
	add := func(phrases []string, seqs map[uint64]bool, cjk *[][]byte) {
		for _, p := range phrases {
			s.tokenize(p)
			if len(s.toks) > 0 && s.toks[0].kind == kindCJK {
				*cjk = append(*cjk, []byte(p))
				continue
			}
			var h uint64
			for i, t := range s.toks {
				if i == 0 {
					h = squashHash(s.text(t))
				} else {
					h = pairHash(h, squashHash(s.text(t)))
				}
			}
			seqs[h] = true
			l.longest = max(l.longest, len(s.toks))
		}
	}
	add(possibleAnywhere, l.possible, &l.possibleCJK)
	var none [][]byte
	add(cries, l.cry, &l.cryCJK)
	add(fillers, l.filler, &none)
	return l
}

// squashHash hashes a folded word with its doubled letters made single.
func squashHash(b []byte) uint64 {
	h := hashStart(fWord)
	for i, c := range b {
		if i > 0 && c == b[i-1] {
			continue
		}
		h = (h ^ uint64(c)) * fnvPrime
	}
	return mix(h)
}

// floor is the lexicon's level for the tokenised message: urgent for a
// message of cries alone, possible for one with a sign of danger to a
// person, none otherwise.
func (s *scratch) floor() Level {
	level := None
	cries, others := 0, 0
	bang, ask := false, false
	var hs [8]uint64 // squashed hashes of the last words, most recent last
	n := 0           // words in hs
	runStart := -1   // first token of the current CJK run
	for i, t := range s.toks {
		bang = bang || t.bang
		ask = ask || t.ask
		switch t.kind {
		case kindCJK:
			if !t.joined {
				runStart = i
			}
			if i+1 < len(s.toks) && s.toks[i+1].kind == kindCJK && s.toks[i+1].joined {
				continue // the run goes on
			}
			run := s.buf[s.toks[runStart].start:t.end]
			if cjkCry(run) {
				cries++
			} else {
				others++
			}
			for _, p := range lex.possibleCJK {
				if bytes.Contains(run, p) {
					level = Possible
				}
			}
			n = 0
		case kindEmoji, kindWord:
			h := squashHash(s.text(t))
			switch {
			case lex.cry[h]:
				cries++
			case lex.filler[h], t.kind == kindEmoji:
			default:
				others++
			}
			if n == len(hs) {
				copy(hs[:], hs[1:])
				n--
			}
			hs[n] = h
			n++
			// every sequence of up to lex.longest words ending here
			for k := 0; k < min(n, lex.longest); k++ {
				if lex.possible[seqHash(hs[n-1-k:n])] {
					level = Possible
				}
			}
		}
	}
	if cries > 0 && others == 0 && (!ask || bang) {
		return Urgent
	}
	return level
}

// cjkCry reports whether a run of Chinese or Japanese characters is a cry
// for help and nothing else: a cry, with only fillers around it ("救命啊",
// "誰か助けて").
func cjkCry(run []byte) bool {
	found := false
	for _, p := range lex.cryCJK {
		if bytes.Contains(run, p) {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	for _, r := range string(run) {
		if !strings.ContainsRune(cjkFillers, r) && !cryRune(r) {
			return false
		}
	}
	return true
}

// cryRune reports whether r is part of a CJK cry.
func cryRune(r rune) bool {
	for _, p := range lex.cryCJK {
		if bytes.ContainsRune(p, r) {
			return true
		}
	}
	return false
}

// seqHash is the hash of a word sequence as buildLexicon makes it.
func seqHash(hs []uint64) uint64 {
	h := hs[0]
	for _, x := range hs[1:] {
		h = pairHash(h, x)
	}
	return h
}
