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
	// alarms are what people shout or type when it is happening: urgent
	// wherever they stand, unless the message jokes, tells of the past or
	// the news, or supposes; possible when it asks ("should I call an
	// ambulance?").
	alarms = []string{
		"theres a fire", "there is a fire", "call an ambulance", "call the police",
		"c e un incendio", "al fuoco", "chiamate un ambulanza", "chiamate l ambulanza", "chiamate la polizia", "chiamate il 112",
		"hay un incendio", "llamen a una ambulancia", "llamen a la policia", "llamen al 112", "llamad a una ambulancia",
		"au feu", "il y a le feu", "appelez une ambulance", "appelez la police", "appelez le 112", "appelez les pompiers",
		"es brennt", "ruft einen krankenwagen", "ruft die polizei", "ruft den notarzt", "ruft die feuerwehr", "ruf die 112",
		"esta pegando fogo", "chamem uma ambulancia", "chamem a policia", "chamem os bombeiros", "liguem para o 112",
		"着火了", "失火了", "快叫救护车", "快报警", "快打120", "快打110", "快打119",
		"火事だ", "救急車を呼んで", "警察を呼んで", "救急車呼んで", "警察呼んで",
	}
	// seizures are first-person (and present) accounts of the medical
	// emergencies people name themselves: urgent wherever they stand,
	// even in a question ("am i having a heart attack?" is asked by
	// someone frightened), unless the message jokes, tells of the past or
	// the news, or supposes ("this espresso will give me a heart attack
	// lol"). The model reads them as possible at best: the corpus holds
	// "heart attack" in figures of speech as often as in emergencies.
	seizures = []string{
		// en
		"im having a heart attack", "i am having a heart attack", "am i having a heart attack", "am i having a stroke", "having a heart attack rn", "i think im having a heart attack",
		"im having a stroke", "i am having a stroke", "my throat is closing", "my throat is closing up", "my throat is swelling",
		"my throat is swelling shut", "my throat feels like its closing", "im having an allergic reaction", "i am having an allergic reaction",
		"im going into anaphylactic shock", "im having a seizure", "im in anaphylactic shock",
		// it
		"sto avendo un infarto", "sto avendo un attacco di cuore", "sto avendo un ictus", "mi si chiude la gola",
		"mi si sta chiudendo la gola", "mi si gonfia la gola", "sto avendo una reazione allergica", "sto avendo una crisi epilettica",
		// es
		"estoy teniendo un infarto", "me esta dando un infarto", "estoy teniendo un ataque al corazon", "me esta dando un ataque al corazon",
		"estoy teniendo un derrame", "me esta dando un derrame", "estoy teniendo un ictus", "se me cierra la garganta",
		"se me esta cerrando la garganta", "se me hincha la garganta", "estoy teniendo una reaccion alergica",
		// fr
		"je fais une crise cardiaque", "je fais un infarctus", "je fais un avc", "ma gorge se ferme", "j ai la gorge qui se ferme",
		"ma gorge gonfle", "je fais une reaction allergique", "je fais un choc anaphylactique",
		// de
		"ich habe einen herzinfarkt", "ich hab einen herzinfarkt", "ich habe einen schlaganfall", "ich hab einen schlaganfall",
		"mein hals schwillt zu", "meine kehle schwillt zu", "mein hals schliesst sich", "ich habe eine allergische reaktion",
		"ich habe einen anaphylaktischen schock",
		// pt
		"estou tendo um infarto", "estou tendo um ataque cardiaco", "estou tendo um avc", "estou tendo um derrame",
		"minha garganta esta fechando", "minha garganta ta fechando", "minha garganta esta inchando", "estou tendo uma reacao alergica",
		// zh
		"我心脏病发作", "我好像心脏病发作", "我心梗", "我中风了", "我好像中风了", "我喉咙肿", "我的喉咙肿", "我喉咙在收紧", "我过敏性休克",
		// ja
		"心臓発作を起こして", "心臓発作が起き", "心臓発作かもしれない", "脳卒中かもしれない", "脳梗塞かもしれない", "喉が腫れて息", "喉が閉じ",
		"アナフィラキシー",
	}
	// calls send for the emergency services. Said in the imperative (at
	// the start of a sentence, or after "please", "someone", "quick") in a
	// message with a danger to a person ("he is going to die, call 112"),
	// a call is an alarm; alone, "call 112" is as often a question of how
	// to, and the model decides.
	calls = []string{
		"call 112", "call 911", "call 118", "call 999", "call an ambulance", "call the ambulance", "call the police",
		"call the paramedics", "call the fire brigade", "call the fire department", "call emergency services",
		"chiama il 112", "chiama il 118", "chiamate il 112", "chiamate il 118", "chiama un ambulanza", "chiama l ambulanza",
		"chiama la polizia", "chiama i carabinieri", "chiamate i carabinieri", "chiama i vigili del fuoco", "chiamate i vigili del fuoco",
		"llama al 112", "llamad al 112", "llamen al 112", "llama a una ambulancia", "llama a la policia", "llama a los bomberos",
		"llamen a los bomberos", "llamad a la policia",
		"appelle le 112", "appelez le 112", "appelle le 15", "appelez le 15", "appelle le 18", "appelez le 18", "appelle le samu",
		"appelez le samu", "appelle une ambulance", "appelle la police", "appelle les pompiers",
		"ruf die 112", "ruft die 112", "rufen sie die 112", "ruf den notruf", "ruft den notruf", "ruf einen krankenwagen",
		"ruf den notarzt", "ruf die polizei", "ruf die feuerwehr", "rufen sie einen krankenwagen", "rufen sie die polizei",
		"liga para o 112", "ligue para o 112", "liga pro 112", "ligue 112", "liga 112", "chama uma ambulancia",
		"chame uma ambulancia", "chama a policia", "chame a policia", "chama os bombeiros", "chame os bombeiros",
		"叫救护车", "打急救电话", "叫警察", "救急車を呼べ", "警察を呼べ", "救急車を呼ぼう",
	}
	// callLeads may stand before an imperative call: "please call 112".
	callLeads = []string{
		"please", "pls", "plz", "someone", "somebody", "anyone", "now", "quick", "quickly", "just", "hurry",
		"favore", "qualcuno", "subito", "presto", "favor", "alguien", "rapido", "ya", "plait", "svp", "vite",
		"quelqu", "un", "bitte", "schnell", "jemand", "sofort", "alguem", "agora", "depressa",
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
	// figurative. They make a message at least possible, unless it jokes,
	// tells of the past or the news, or supposes ("lol", "yesterday", "on
	// TV", "what if"); the model decides whether it is urgent.
	possibleAnywhere = []string{
		// en
		"not breathing", "stopped breathing", "cant breathe", "cannot breathe", "unconscious",
		"unresponsive", "overdosed", "overdosing", "stabbed", "kidnapped", "kill myself",
		"end my life", "want to die", "bleeding", "seizure", "gunman", "shooter", "shots fired",
		"doing cpr", "giving cpr", "no pulse", "explosion", "explosions", "gunshots", "gunshot", "gunfire",
		"stabbing", "overdose", "collapsed", "choking", "gas leak", "smell gas", "carbon monoxide",
		// it
		"non respira", "svenuto", "svenuta", "incosciente", "sanguina", "perde sangue",
		"accoltellato", "accoltellata", "rapito", "rapita", "uccidermi", "ammazzarmi",
		"voglio morire", "farla finita", "massaggio cardiaco", "non ha polso", "esplosione", "spari",
		"convulsioni", "soffoca", "fuga di gas", "puzza di gas", "odore di gas", "monossido",
		// es
		"no respira", "inconsciente", "desmayado", "desmayada", "sangrando", "apunalado",
		"apunalada", "acuchillado", "secuestrado", "secuestrada", "matarme", "sobredosis",
		"quiero morir", "quiero morirme", "haciendo rcp", "no tiene pulso", "disparos",
		"convulsiones", "ahogando", "fuga de gas", "huele a gas", "monoxido de carbono",
		// fr
		"respire pas", "respire plus", "inconscient", "saigne", "poignarde", "poignardee",
		"kidnappe", "vais me tuer", "veux me tuer", "envie de mourir", "veux mourir", "massage cardiaque", "pas de pouls",
		"coups de feu", "evanoui", "evanouie", "convulsions", "etouffe", "fuite de gaz", "odeur de gaz", "monoxyde de carbone",
		// de
		"atmet nicht", "atmet nicht mehr", "bewusstlos", "blutet", "erstochen", "niedergestochen",
		"entfuhrt", "umbringen", "uberdosis", "will sterben", "herzdruckmassage", "kein puls",
		"schusse", "krampfanfall", "erstickt", "ertrinkt", "gasleck", "gasgeruch", "riecht nach gas", "kohlenmonoxid",
		// pt
		"nao respira", "desmaiado", "desmaiada", "sangrando", "esfaqueado", "esfaqueada",
		"sequestrado", "sequestrada", "me matar", "overdose", "quero morrer", "sem pulso",
		"explosao", "tiros", "desmaiou", "convulsao", "engasgado", "afogando", "vazamento de gas", "cheiro de gas", "monoxido de carbono",
		// zh
		"没有呼吸", "没呼吸", "不呼吸", "昏迷", "不省人事", "流血", "被刺", "被捅", "自杀", "绑架", "想死", "不想活", "心肺复苏",
		"枪声", "开枪", "抽搐", "噎住", "煤气泄漏", "燃气泄漏", "一氧化碳",
		// ja
		"息をしていない", "息してない", "息をしてない", "意識がない", "意識が無い", "血が止まらない",
		"刺された", "自殺", "誘拐", "死にたい", "心臓マッサージ",
		"銃声", "発砲", "痙攣", "けいれん", "ガス漏れ", "一酸化炭素",
	}
)

// lexicon is the compiled form of the lists above.
type lexicon struct {
	// words maps the squashed hash of a word, or of a word sequence, to
	// what it is (lexCry, lexFiller, lexDanger) and whether a longer
	// danger phrase starts with it (lexPrefix).
	words       map[uint64]uint8
	possibleCJK [][]byte
	alarmCJK    [][]byte
	seizureCJK  [][]byte
	cryCJK      [][]byte
	callCJK     [][]byte
}

const (
	lexCry uint8 = 1 << iota
	lexFiller
	lexDanger
	lexAlarm
	lexSeizure
	lexPrefix
	lexCall
	lexCallLead
)

var lex = buildLexicon()

func buildLexicon() *lexicon {
	l := &lexicon{words: map[uint64]uint8{}}
	s := new(scratch)
	add := func(phrases []string, bit uint8, cjk *[][]byte) {
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
					l.words[h] |= lexPrefix
					h = pairHash(h, squashHash(s.text(t)))
				}
			}
			l.words[h] |= bit
		}
	}
	var none [][]byte
	add(possibleAnywhere, lexDanger, &l.possibleCJK)
	add(alarms, lexAlarm, &l.alarmCJK)
	add(seizures, lexSeizure, &l.seizureCJK)
	add(cries, lexCry, &l.cryCJK)
	add(fillers, lexFiller, &none)
	add(calls, lexCall, &l.callCJK)
	add(callLeads, lexCallLead, &none)
	return l
}

// floor is the lexicon's level for the tokenised and extracted message:
// urgent for a message of cries alone, with an alarm or with a seizure,
// possible for one with a sign of danger to a person, none otherwise. A
// fire word shouted or exclaimed alone ("FIRE, exit now", "Feuer!") is an
// alarm, and so is an imperative call for the emergency services in a
// message that names a danger to a person (see calls).
func (s *scratch) floor() Level {
	danger, alarm, seizure, call := false, false, false, false
	cries, others := 0, 0
	bang, ask := false, false
	// the sequences ending at the previous word that longer danger
	// phrases start with, and the token each starts at
	var active, next [4]uint64
	var activeAt, nextAt [4]int
	na := 0
	runStart := -1 // first token of the current CJK run
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
			danger = danger || containsAny(run, lex.possibleCJK)
			alarm = alarm || containsAny(run, lex.alarmCJK)
			seizure = seizure || containsAny(run, lex.seizureCJK)
			call = call || containsAny(run, lex.callCJK)
			na = 0
		case kindEmoji, kindWord:
			h := squashHash(s.text(t))
			bits := lex.words[h]
			if t.plain != 0 {
				// a false friend in its ordinary sense, a word of a calm
				// phrase: no entry of its own. No phrase goes through a
				// calm phrase; one goes through a false friend read in its
				// language's sense, which is the sense of the phrases of
				// that language ("ruf die 112": German "die", the)
				bits = 0
				if t.plain == saltPhrase {
					na = 0
				}
			}
			switch {
			case bits&lexCry != 0:
				cries++
			case bits&lexFiller != 0, t.kind == kindEmoji:
			default:
				others++
			}
			danger = danger || bits&lexDanger != 0
			alarm = alarm || bits&lexAlarm != 0 || t.plain == 0 && s.shoutedFire(i)
			seizure = seizure || bits&lexSeizure != 0
			nn := 0
			if bits&lexPrefix != 0 {
				next[nn], nextAt[nn] = h, i
				nn++
			}
			for k, p := range active[:na] {
				c := pairHash(p, h)
				b := lex.words[c]
				danger = danger || b&lexDanger != 0
				alarm = alarm || b&lexAlarm != 0
				seizure = seizure || b&lexSeizure != 0
				call = call || b&lexCall != 0 && s.imperative(activeAt[k])
				if b&lexPrefix != 0 && nn < len(next) {
					next[nn], nextAt[nn] = c, activeAt[k]
					nn++
				}
			}
			active, activeAt, na = next, nextAt, nn
		}
	}
	if cries > 0 && others == 0 && (!ask || bang) {
		return Urgent
	}
	var mask uint64
	for _, m := range s.masks {
		mask |= m
	}
	alarm = alarm || call && (danger || mask&injuryConcepts != 0)
	if !danger && !alarm && !seizure {
		return None
	}
	switch {
	case mask&calmContext != 0:
		return None
	case seizure:
		return Urgent
	case alarm && (!ask || bang) && !s.asks():
		return Urgent
	}
	return Possible
}

// containsAny reports whether run holds one of the phrases.
func containsAny(run []byte, phrases [][]byte) bool {
	for _, p := range phrases {
		if bytes.Contains(run, p) {
			return true
		}
	}
	return false
}

// sentenceStart reports whether token i begins a sentence or a clause:
// the message's first token, or one after punctuation.
func (s *scratch) sentenceStart(i int) bool {
	return i == 0 || s.toks[i-1].cut
}

// imperative reports whether a call starting at token i is said in the
// imperative: it begins a sentence, or follows a word that leads one
// ("please call 112", "someone call an ambulance").
func (s *scratch) imperative(i int) bool {
	if s.sentenceStart(i) {
		return true
	}
	p := s.toks[i-1]
	return p.kind == kindWord && p.plain == 0 && lex.words[squashHash(s.text(p))]&lexCallLead != 0
}

// fireWords are the words of the fire concept: shouted alone, each is the
// alarm ("FIRE!", "FEUER,").
var fireWords = conceptBits("fire")

// shoutedFire reports whether word token i is a fire word standing alone
// between punctuation (or the message's ends) and shouted: in capitals or
// followed by "!". "FIRE, exit now, the hotel is burning" and "Fire!
// Exit!" cry fire; "the fans were on fire!" and "fire exit" do not.
func (s *scratch) shoutedFire(i int) bool {
	t := s.toks[i]
	if s.masks[i]&fireWords == 0 || !(t.caps || t.bang) || !s.sentenceStart(i) {
		return false
	}
	return t.cut || i == len(s.toks)-1
}

// asks reports whether the message is a question by its words: a question
// word anywhere ("what do i do, call an ambulance?") or a verb that asks
// only by leading a sentence ("is there a fire", "can i call the police
// for a stolen bag"); "there is a fire" asks nothing.
func (s *scratch) asks() bool {
	for i, m := range s.masks {
		if m&askWords == 0 {
			continue
		}
		t := s.toks[i]
		if t.kind != kindWord || !leadingAskWords[wordHash(s.text(t))] || s.sentenceStart(i) {
			return true
		}
	}
	return false
}

// leadingAskWords are the words of the ask concept that ask only at the
// start of a sentence, where the question inverts them: elsewhere they are
// the verbs of a statement.
var leadingAskWords = func() map[uint64]bool {
	m := map[uint64]bool{}
	for _, w := range strings.Fields("is are can should does do est peut kann posso puedo") {
		m[wordHash([]byte(w))] = true
	}
	return m
}()

// injuryConcepts are the dangers to a person that make an imperative call
// an alarm.
var injuryConcepts = conceptBits("blood", "breath", "faint", "die", "weapon", "fire", "pain", "trapped",
	"fall", "attack", "burn", "choke", "neuro", "cold")

// calmContext are the concepts that make a danger word a story, a joke or
// a supposition.
var calmContext = conceptBits("jest", "past", "media", "hypo")

// askWords make an alarm a question: "do i call an ambulance for a sprain".
var askWords = conceptBits("ask")

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
