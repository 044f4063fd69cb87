package emergency

// Concepts are word classes shared by all languages: a feature for "lol" is
// learnt from English messages only, the JEST concept from "lol", "jaja",
// "mdr", "kkkk" and "哈哈" alike, so what the corpus teaches in one
// language carries to the others. A word's concept is a feature beside the
// word's own.
var concepts = map[string][]string{
	// laughter and jokes: figures of speech, not emergencies
	"jest": {
		"lol", "lool", "lmao", "lmfao", "rofl", "haha", "hahaha", "hehe", "jk", "xd", "😂", "🤣", "😅", "😆", "😜",
		"ahah", "ahahah", "ahaha", "ahahaha", "ahahahah", "ahahha", "hahah", "asd", "jaja", "jajaja", "jeje", "jajajaja", "xd",
		"mdr", "mdrr", "ptdr", "hihi", "kkk", "kkkk", "kkkkk", "rsrs", "rs", "kkkkkk", "hahahaha", "hihihi",
		"哈哈", "哈哈哈", "笑死", "呵呵", "草", "笑", "ｗ", "ｗｗ", "w", "ww", "www",
	},
	// the past: "yesterday", "last week", "two years ago"
	"past": {
		"yesterday", "ago", "last", "earlier", "ieri", "scorso", "scorsa", "ayer", "pasado", "pasada",
		"hier", "dernier", "derniere", "gestern", "letzte", "letzten", "vorgestern", "damals", "ontem", "passado", "passada", "atras",
		"昨天", "上周", "去年", "前天", "以前", "昨日", "先週", "去年", "前に", "おととい",
	},
	// the news, television, the race on screen
	"media": {
		"tv", "news", "watching", "watched", "broadcast", "stream", "tele", "telegiornale", "tg", "notizie", "giornale",
		"television", "noticias", "periodico", "tele", "journal", "infos", "actu", "fernsehen", "nachrichten", "zeitung",
		"noticia", "jornal", "televisao", "telejornal",
		"电视", "新闻", "直播", "报道", "テレビ", "ニュース", "中継", "報道",
	},
	// hypotheses and plans: "what if", "in case", "would"
	"hypo": {
		"if", "incase", "would", "hypothetically", "suppose", "caso", "qualora", "supongamos", "falls", "wenn", "ob", "hypothetiquement",
		"如果", "万一", "假如", "もし", "場合",
	},
	// right now
	"now": {
		"now", "rn", "right", "currently", "adesso", "ora", "subito", "ahora", "ya", "maintenant", "jetzt", "gerade", "sofort", "agora", "ja",
		"现在", "马上", "刚才", "刚刚", "今", "いま", "さっき",
	},
	// hurry and pleading
	"hurry": {
		"hurry", "quick", "quickly", "asap", "pls", "plz", "please", "fast", "presto", "fate", "prego", "rapido", "rapida", "rapidos", "vite",
		"schnell", "bitte", "depressa", "urgente", "urgent", "dringend", "快", "快点", "赶紧", "早く", "急いで", "お願い",
	},
	// danger to a body or a life
	"blood":     {"blood", "bleeding", "bleed", "bleeds", "bloody", "sangue", "sanguina", "sangre", "sangrando", "sangra", "sang", "saigne", "blut", "blutet", "blutung", "sangrando", "sangramento", "血", "流血", "出血"},
	"breath":    {"breathe", "breathing", "breath", "respira", "respirare", "respiro", "respirar", "respire", "respirer", "atmet", "atmen", "luft", "atmung", "respirando", "呼吸", "喘不过气", "息", "呼吸"},
	"faint":     {"unconscious", "fainted", "collapsed", "unresponsive", "passed", "svenuto", "svenuta", "svenuto", "incosciente", "desmayo", "desmayado", "desmayada", "inconsciente", "evanoui", "evanouie", "inconscient", "bewusstlos", "ohnmachtig", "umgekippt", "desmaiou", "desmaiado", "desmaiada", "昏迷", "晕倒", "晕", "倒れ", "意識"},
	"die":       {"die", "dying", "dead", "death", "kill", "killing", "morire", "muore", "morto", "morta", "uccidere", "morir", "muere", "muerto", "muerta", "matar", "mourir", "meurt", "mort", "morte", "tuer", "sterben", "stirbt", "tot", "toten", "morrer", "morrendo", "morreu", "死", "死了", "杀", "死ぬ", "殺"},
	"weapon":    {"gun", "guns", "knife", "knives", "pistol", "rifle", "weapon", "armed", "shooting", "shot", "shots", "coltello", "pistola", "arma", "armato", "spari", "sparato", "cuchillo", "navaja", "armado", "disparos", "couteau", "arme", "armes", "coups", "feu", "tirs", "messer", "waffe", "pistole", "schusse", "bewaffnet", "faca", "armado", "tiros", "刀", "枪", "ナイフ", "銃", "包丁"},
	"fire":      {"fire", "smoke", "flames", "burning", "fuoco", "incendio", "fumo", "fiamme", "fuego", "humo", "llamas", "feu", "fumee", "flammes", "incendie", "feuer", "rauch", "brennt", "brand", "fogo", "fumaca", "chamas", "incendio", "火", "着火", "烟", "火事", "煙"},
	"missing":   {"missing", "lost", "disappeared", "vanished", "scomparso", "scomparsa", "perso", "persa", "sparito", "sparita", "desaparecido", "desaparecida", "perdido", "perdida", "disparu", "disparue", "perdu", "perdue", "vermisst", "verschwunden", "verloren", "sumiu", "desaparecido", "不见了", "走丢", "失踪", "迷子", "いない", "行方不明"},
	"police":    {"police", "cops", "polizia", "carabinieri", "policia", "gendarmerie", "polizei", "policia", "警察", "报警", "警察"},
	"ambulance": {"ambulance", "paramedics", "ambulanza", "ambulancia", "ambulance", "krankenwagen", "rettungswagen", "notarzt", "ambulancia", "samu", "救护车", "120", "救急車"},
	"help":      {"help", "aiuto", "aiutatemi", "aiutami", "ayuda", "ayudame", "socorro", "aide", "aidez", "secours", "hilfe", "helft", "ajuda", "ajudem", "救命", "救", "助け", "助けて"},
	"pain":      {"pain", "pains", "hurts", "hurt", "hurting", "dolore", "male", "dolor", "duele", "douleur", "mal", "schmerzen", "schmerz", "weh", "dor", "doi", "疼", "痛", "痛い"},
	"trapped":   {"trapped", "stuck", "pinned", "buried", "intrappolato", "bloccato", "bloccati", "sepolto", "atrapado", "atrapada", "atrapados", "enterrado", "coince", "coinces", "bloque", "ensevelis", "eingeklemmt", "eingeschlossen", "verschuttet", "preso", "presos", "soterrado", "困住", "被困", "埋", "閉じ込め", "挟ま", "埋まっ"},
	// people close to the writer
	"kin": {
		"husband", "wife", "son", "daughter", "kid", "kids", "child", "baby", "mom", "mum", "dad", "friend", "boyfriend", "girlfriend", "brother", "sister",
		"marito", "moglie", "figlio", "figlia", "bambino", "bambina", "mamma", "papa", "amico", "amica", "fratello", "sorella",
		"esposo", "esposa", "marido", "hijo", "hija", "nino", "nina", "bebe", "mama", "amigo", "amiga", "hermano", "hermana", "novio", "novia",
		"mari", "femme", "fils", "fille", "enfant", "pere", "mere", "ami", "amie", "frere", "soeur", "copain", "copine",
		"mann", "frau", "sohn", "tochter", "kind", "vater", "mutter", "freund", "freundin", "bruder", "schwester", "mama",
		"mulher", "filho", "filha", "crianca", "pai", "mae", "namorado", "namorada", "irmao", "irma",
		"老公", "老婆", "丈夫", "妻子", "儿子", "女儿", "孩子", "妈妈", "爸爸", "朋友", "夫", "妻", "息子", "娘", "子供", "母", "父", "友達", "彼氏", "彼女",
	},
}

// conceptOf maps the feature hash of a word (or CJK unigram or bigram) to
// the feature hash of its concept.
var conceptOf = buildConcepts()

func buildConcepts() map[uint64]uint64 {
	m := make(map[uint64]uint64)
	s := new(scratch)
	for name, words := range concepts {
		ch := mix(hashBytes(hashStart(fConcept), []byte(name)))
		for _, w := range words {
			s.tokenize(w)
			if len(s.toks) == 0 {
				continue
			}
			t := s.toks[0]
			switch {
			case t.kind == kindWord:
				m[wordHash(s.text(t))] = ch
			case t.kind == kindEmoji:
				m[mix(hashBytes(hashStart(fEmoji), s.text(t)))] = ch
			case len(s.toks) == 1:
				m[mix(hashBytes(hashStart(fCJK), s.text(t)))] = ch
			case len(s.toks) == 2:
				m[mix(hashBytes(hashStart(fCJK), s.buf[t.start:s.toks[1].end]))] = ch
			}
		}
	}
	return m
}
