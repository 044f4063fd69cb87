package emergency

import "slices"

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
		"现在", "马上", "刚才", "刚刚", "いま", "さっき",
	},
	// hurry and pleading
	"hurry": {
		"hurry", "quick", "quickly", "asap", "pls", "plz", "please", "fast", "presto", "fate", "prego", "rapido", "rapida", "rapidos", "vite",
		"schnell", "bitte", "depressa", "urgente", "urgent", "dringend", "快点", "赶紧", "早く", "急いで", "お願い",
	},
	// all is well: "nobody hurt", "she's fine now"
	"okay": {"fine", "ok", "okay", "safe", "alright", "nobody", "unhurt", "bene", "tranquillo", "nessuno", "illeso", "illesa", "bien", "tranquilo", "nadie", "ileso", "ilesa", "personne", "indemne", "gut", "niemand", "unverletzt", "bem", "ninguem", "tudo", "没事", "平安", "没有受伤", "大丈夫", "無事", "けがはない"},
	// food and drink, the usual target of "the bomb", "killer", "to die for"
	"food": {"pizza", "pasta", "coffee", "espresso", "cappuccino", "spritz", "wine", "beer", "cheese", "tiramisu", "gelato", "risotto", "food", "dessert", "caffe", "vino", "birra", "formaggio", "cibo", "cafe", "cerveza", "comida", "postre", "biere", "fromage", "repas", "kaffee", "bier", "wein", "kase", "essen", "cerveja", "comida", "sobremesa", "queijo", "咖啡", "披萨", "酒", "菜", "コーヒー", "ピザ", "ワイン", "料理"},
	// tiredness, the usual sense of "dying" and "dead" in chat
	"tired": {"tired", "exhausted", "sleepy", "hungover", "stanco", "stanca", "distrutto", "distrutta", "cansado", "cansada", "agotado", "agotada", "fatigue", "creve", "crevee", "epuise", "epuisee", "mude", "todmude", "kaputt", "cansado", "exausto", "exausta", "累", "困", "疲れ", "眠い"},
	// asking for information
	"ask": {"how", "what", "where", "when", "which", "can", "should", "does", "do", "is", "are", "come", "dove", "quando", "cosa", "quale", "posso", "como", "donde", "cuando", "que", "cual", "puedo", "comment", "ou", "quand", "quel", "quelle", "est", "peut", "wie", "wo", "wann", "was", "welche", "kann", "onde", "qual", "posso", "怎么", "哪里", "什么", "吗", "可以", "どこ", "どう", "ですか", "できますか"},
	// things and events, the subjects of hyperbole: "my phone is dying",
	// "this queue is killing me", "the fans were on fire"
	"thing": {"phone", "battery", "wifi", "data", "queue", "line", "traffic", "train", "bus", "tram", "price", "prices", "bill", "wallet", "bank", "account", "emails", "work", "view", "weather", "legs", "feet", "thighs",
		"telefono", "cellulare", "batteria", "coda", "fila", "traffico", "treno", "prezzo", "conto", "portafoglio", "vista", "gambe", "piedi",
		"telefono", "celular", "movil", "bateria", "cola", "trafico", "tren", "precio", "cuenta", "cartera", "vista", "piernas", "pies",
		"portable", "telephone", "batterie", "queue", "file", "trafic", "prix", "addition", "vue", "jambes", "pieds", "forfait",
		"handy", "akku", "schlange", "stau", "zug", "preis", "rechnung", "aussicht", "beine", "fusse", "oberschenkel",
		"bateria", "fila", "transito", "trem", "preco", "conta", "carteira", "pernas", "pes",
		"手机", "电池", "排队", "价格", "堵车", "スマホ", "電池", "バッテリー", "行列", "値段", "渋滞"},
	// buildings and rooms, where fires and gas leaks happen
	"building": {"hotel", "room", "apartment", "flat", "building", "house", "kitchen", "hallway", "stairs", "floor", "airbnb", "chalet", "hut", "cabin",
		"albergo", "camera", "appartamento", "palazzo", "casa", "cucina", "corridoio", "scale", "piano", "baita", "rifugio",
		"habitacion", "apartamento", "piso", "edificio", "cocina", "pasillo", "escaleras", "cabana", "refugio",
		"hotel", "chambre", "appartement", "immeuble", "maison", "cuisine", "couloir", "escalier", "etage", "chalet", "refuge",
		"zimmer", "wohnung", "gebaude", "haus", "kuche", "flur", "treppenhaus", "stock", "hutte",
		"quarto", "apartamento", "predio", "casa", "cozinha", "corredor", "escada", "andar", "cabana",
		"酒店", "房间", "公寓", "楼", "大楼", "厨房", "走廊", "楼梯", "ホテル", "部屋", "アパート", "建物", "台所", "廊下", "階段"},
	// the games themselves: athletes, races and teams on the screen
	"sport": {"team", "game", "match", "race", "final", "goal", "scored", "medal", "medals", "skater", "goalie", "luge", "slalom", "downhill", "hockey", "fans", "crowd", "athlete", "snowboarder", "skier",
		"squadra", "partita", "gara", "finale", "gol", "medaglia", "pattinatrice", "portiere", "slittino", "tifosi", "atleta", "sciatore",
		"equipo", "partido", "carrera", "final", "medalla", "patinadora", "portero", "aficion", "atleta", "esquiador",
		"equipe", "course", "finale", "but", "medaille", "patineuse", "gardien", "supporters", "athlete", "skieur",
		"mannschaft", "spiel", "rennen", "finale", "tor", "medaille", "eiskunstlauferin", "torwart", "fans", "athlet", "skifahrer",
		"time", "jogo", "corrida", "final", "gol", "medalha", "patinadora", "goleiro", "torcida", "atleta", "esquiador",
		"比赛", "球队", "决赛", "金牌", "运动员", "選手", "試合", "決勝", "金メダル"},
	// danger to a body or a life
	"blood":     {"blood", "bleeding", "bleed", "bleeds", "bloody", "sangue", "sanguina", "sangre", "sangrando", "sangra", "sang", "saigne", "blut", "blutet", "blutung", "sangrando", "sangramento", "血", "流血", "出血"},
	"breath":    {"breathe", "breathing", "breath", "respira", "respirare", "respiro", "respirar", "respire", "respirer", "atmet", "atmen", "luft", "atmung", "respirando", "呼吸", "喘不过气", "呼吸"},
	"faint":     {"unconscious", "fainted", "collapsed", "unresponsive", "passed", "svenuto", "svenuta", "svenuto", "incosciente", "desmayo", "desmayado", "desmayada", "inconsciente", "evanoui", "evanouie", "inconscient", "bewusstlos", "ohnmachtig", "umgekippt", "desmaiou", "desmaiado", "desmaiada", "昏迷", "晕倒", "晕", "倒れ", "意識"},
	"die":       {"die", "dying", "dead", "death", "kill", "killing", "morire", "muore", "morto", "morta", "uccidere", "morir", "muere", "muerto", "muerta", "matar", "mourir", "meurt", "mort", "morte", "tuer", "sterben", "stirbt", "tot", "toten", "morrer", "morrendo", "morreu", "死", "死了", "杀", "死ぬ", "殺"},
	"weapon":    {"gun", "guns", "knife", "knives", "pistol", "rifle", "weapon", "armed", "shooting", "shot", "shots", "coltello", "pistola", "arma", "armato", "spari", "sparato", "cuchillo", "navaja", "armado", "disparos", "couteau", "arme", "armes", "coups", "feu", "tirs", "messer", "waffe", "pistole", "schusse", "bewaffnet", "faca", "armado", "tiros", "刀", "枪", "ナイフ", "銃", "包丁"},
	"fire":      {"fire", "smoke", "flames", "burning", "fuoco", "incendio", "fumo", "fiamme", "fuego", "humo", "llamas", "feu", "fumee", "flammes", "incendie", "feuer", "rauch", "brennt", "brand", "fogo", "fumaca", "chamas", "incendio", "着火", "火灾", "失火", "冒烟", "火事", "煙"},
	"missing":   {"missing", "lost", "disappeared", "vanished", "scomparso", "scomparsa", "perso", "persa", "sparito", "sparita", "desaparecido", "desaparecida", "perdido", "perdida", "disparu", "disparue", "perdu", "perdue", "vermisst", "verschwunden", "verloren", "sumiu", "desaparecido", "不见了", "走丢", "失踪", "迷子", "いない", "行方不明"},
	"police":    {"police", "cops", "polizia", "carabinieri", "policia", "gendarmerie", "polizei", "policia", "警察", "报警", "警察"},
	"ambulance": {"ambulance", "paramedics", "ambulanza", "ambulancia", "ambulance", "krankenwagen", "rettungswagen", "notarzt", "ambulancia", "samu", "救护车", "120", "救急車"},
	"help":      {"help", "aiuto", "aiutatemi", "aiutami", "ayuda", "ayudame", "socorro", "aide", "aidez", "secours", "hilfe", "helft", "ajuda", "ajudem", "救命", "救", "助け", "助けて"},
	"pain":      {"pain", "pains", "hurts", "hurt", "hurting", "dolore", "male", "dolor", "duele", "douleur", "mal", "schmerzen", "schmerz", "weh", "dor", "doi", "疼", "痛", "痛い"},
	"trapped":   {"trapped", "stuck", "pinned", "buried", "intrappolato", "bloccato", "bloccati", "sepolto", "atrapado", "atrapada", "atrapados", "enterrado", "coince", "coinces", "bloque", "ensevelis", "eingeklemmt", "eingeschlossen", "verschuttet", "preso", "presos", "soterrado", "困住", "被困", "埋", "閉じ込め", "挟ま", "埋まっ"},
	// falling and crashing
	"fall": {"fell", "fall", "fallen", "falling", "slipped", "crashed", "crash", "tripped", "caduto", "caduta", "cadere", "scivolato", "scivolata", "cayo", "caido", "caida", "resbalo", "tombe", "tombee", "chute", "glisse", "gesturzt", "hingefallen", "gefallen", "sturz", "caiu", "caido", "queda", "escorregou", "摔", "摔倒", "跌倒", "倒", "転ん", "落ち", "転倒"},
	// a stranger
	"stranger": {"guy", "man", "men", "stranger", "someone", "somebody", "guys", "uomo", "tipo", "tizio", "qualcuno", "uomini", "hombre", "tipo", "alguien", "hombres", "homme", "type", "quelqu", "hommes", "mann", "typ", "jemand", "manner", "kerl", "homem", "cara", "alguem", "homens", "男", "男人", "有人", "陌生人", "知らない", "男の人"},
	// an attack or a theft
	"attack": {"attacked", "attacking", "robbed", "mugged", "grabbed", "stole", "stolen", "following", "followed", "punched", "hit", "threatening", "aggredito", "aggredita", "rapinato", "rapinata", "derubato", "seguendo", "segue", "minaccia", "robado", "robaron", "atacado", "atacada", "siguiendo", "sigue", "amenaza", "agresse", "agressee", "vole", "suit", "menace", "frappe", "angegriffen", "uberfallen", "verfolgt", "bestohlen", "geschlagen", "bedroht", "assaltado", "assaltada", "roubado", "roubaram", "seguindo", "ameacando", "抢", "偷", "跟踪", "襲われ", "盗ま", "つけられ", "殴ら"},
	// not, no, can't
	"not": {"not", "no", "cant", "wont", "doesnt", "isnt", "non", "ne", "pas", "plus", "nicht", "kein", "keine", "nao", "不", "没", "ない", "ません"},
	// a question about risk or safety
	"risk": {"risk", "safe", "safety", "dangerous", "danger", "allowed", "rischio", "sicuro", "sicurezza", "pericoloso", "riesgo", "seguro", "seguridad", "peligroso", "risque", "sur", "securite", "dangereux", "risiko", "sicher", "sicherheit", "gefahrlich", "risco", "seguranca", "perigoso", "危险", "安全", "風險", "危険"},
	// the means and words of self-harm
	"selfharm": {"pills", "tablets", "overdose", "tracks", "rails", "bridge", "jump", "rope", "tylenol", "paracetamol", "sleeping", "goodbye", "existing", "anymore",
		"pillole", "farmaci", "binari", "ponte", "corda", "buttarmi", "sonniferi", "addio",
		"pastillas", "vias", "puente", "cuerda", "tirarme", "pastillas", "adios", "acabe",
		"medicaments", "cachets", "comprimes", "rails", "pont", "corde", "sauter", "adieu", "doliprane",
		"tabletten", "pillen", "gleise", "brucke", "seil", "springen", "schlaftabletten", "abschied",
		"comprimidos", "remedios", "trilhos", "ponte", "corda", "pular", "adeus", "carta",
		"药", "安眠药", "跳楼", "桥", "遗书", "薬", "線路", "飛び降り", "橋", "遺書", "消えたい"},
	// the ground shaking
	"quake": {"earthquake", "quake", "shaking", "tremor", "terremoto", "scossa", "sismo", "temblor", "seisme", "tremblement", "erdbeben", "beben", "tremor", "地震", "摇晃", "揺れ"},
	// a device or an unattended bag
	"device": {"bomb", "device", "suspicious", "package", "unattended", "ticking", "backpack", "drone", "borsa", "zaino", "pacco", "sospetto", "sospetta", "bomba", "abbandonato", "maleta", "mochila", "paquete", "sospechoso", "sospechosa", "colis", "sac", "suspect", "bombe", "abandonne", "tasche", "rucksack", "paket", "verdachtig", "koffer", "mala", "pacote", "suspeito", "suspeita", "可疑", "炸弹", "无人机", "不審", "爆弾", "カバン", "荷物"},
	// looking for someone
	"find": {"find", "seen", "anywhere", "back", "trovo", "trovare", "trova", "visto", "tornato", "tornata", "encuentro", "encontrar", "visto", "volvio", "trouve", "trouver", "vu", "revenu", "revenue", "finde", "finden", "gesehen", "zuruck", "encontro", "encontrar", "voltou", "找不到", "没回来", "見つからない", "戻ってこない"},
	// off the piste, in the dark
	"dark": {"dark", "night", "bounds", "offpiste", "lost", "buio", "notte", "fuori", "oscuro", "noche", "oscureciendo", "nuit", "noir", "hors", "dunkel", "nacht", "abseits", "escuro", "noite", "fora", "天黑", "晚上", "暗", "夜"},
	// cold injuries
	"cold": {"freezing", "frostbite", "hypothermia", "frozen", "numb", "congelamento", "ipotermia", "congelato", "congelacion", "hipotermia", "congelado", "engelure", "hypothermie", "gele", "erfrierung", "unterkuhlung", "erfroren", "hipotermia", "congelado", "冻伤", "失温", "低体温", "凍傷"},
	// burns
	"burn": {"burned", "burnt", "burn", "burns", "scalded", "ustionato", "ustionata", "bruciato", "bruciata", "ustione", "quemado", "quemada", "quemadura", "brule", "brulee", "brulure", "verbrannt", "verbrennung", "verbruht", "queimado", "queimada", "queimadura", "烫伤", "烧伤", "やけど", "火傷"},
	// choking
	"choke": {"choking", "choked", "strozzando", "soffoca", "soffocando", "atragantado", "atragantada", "atragantando", "etouffe", "etouffer", "erstickt", "verschluckt", "engasgado", "engasgada", "engasgou", "噎", "卡住", "詰まら", "窒息"},
	// signs of a stroke
	"neuro": {"droopy", "drooping", "slurred", "slurring", "numb", "paralysed", "paralyzed", "storta", "storto", "intorpidito", "paralizzato", "paralizado", "torcida", "entumecido", "engourdi", "paralyse", "gelahmt", "taub", "hangt", "dormente", "paralisado", "torta", "歪", "しびれ", "麻痺", "ろれつ"},
	// the writer
	"self": {"i", "im", "me", "my", "myself", "we", "us", "our", "io", "mi", "mio", "mia", "sono", "noi", "ci", "yo", "estoy", "nos", "je", "moi", "suis", "nous", "ich", "mir", "mich", "mein", "meine", "wir", "uns", "eu", "estou", "nos", "我", "我们", "私", "俺", "僕"},
	// the body
	"body": {"chest", "head", "heart", "arm", "leg", "neck", "face", "lips", "throat", "stomach", "back", "petto", "testa", "cuore", "braccio", "gamba", "collo", "faccia", "labbra", "gola", "pancia", "pecho", "cabeza", "corazon", "brazo", "pierna", "cuello", "cara", "labios", "garganta", "poitrine", "tete", "coeur", "bras", "jambe", "cou", "visage", "levres", "gorge", "brust", "kopf", "herz", "arm", "bein", "hals", "gesicht", "lippen", "peito", "cabeca", "coracao", "braco", "perna", "pescoco", "rosto", "labios", "胸", "头", "心脏", "腿", "脖子", "脸", "頭", "心臓", "顔"},
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
// the mask of its concepts (bit i for conceptHash[i]).
var conceptOf, conceptHash = buildConcepts()

// Window flags take the two concept bits after the last concept.
var (
	bitBang = uint64(1) << len(conceptHash)
	bitAsk  = uint64(1) << (len(conceptHash) + 1)
)

func buildConcepts() (map[uint64]uint64, []uint64) {
	if len(concepts) > 62 {
		panic("emergency: more concepts than the 62 bits a mask leaves for them")
	}
	m := make(map[uint64]uint64)
	names := make([]string, 0, len(concepts))
	for name := range concepts {
		names = append(names, name)
	}
	slices.Sort(names)
	hashes := make([]uint64, len(names))
	s := new(scratch)
	for i, name := range names {
		hashes[i] = mix(hashBytes(hashStart(fConcept), []byte(name)))
		c := uint64(1) << i
		for _, w := range concepts[name] {
			s.tokenize(w)
			if len(s.toks) == 0 {
				continue
			}
			t := s.toks[0]
			switch {
			case t.kind == kindWord:
				m[wordHash(s.text(t))] |= c
			case t.kind == kindEmoji:
				m[mix(hashBytes(hashStart(fEmoji), s.text(t)))] |= c
			case len(s.toks) == 1:
				m[mix(hashBytes(hashStart(fCJK), s.text(t)))] |= c
			case len(s.toks) == 2:
				m[mix(hashBytes(hashStart(fCJK), s.buf[t.start:s.toks[1].end]))] |= c
			}
		}
	}
	return m, hashes
}

// conceptPairs appends to out the feature hashes of every pair of concepts
// (and flags) in mask: "blood" with "past" or "media" is a story, "blood"
// with "now" an emergency, which single features, added up, cannot say.
func conceptPairs(mask uint64, out []uint64) []uint64 {
	for i := 0; mask>>i != 0; i++ {
		if mask&(1<<i) == 0 {
			continue
		}
		for j := i + 1; mask>>j != 0; j++ {
			if mask&(1<<j) != 0 {
				out = append(out, mix(uint64(fConcept)<<56^uint64(i)<<8^uint64(j)))
			}
		}
	}
	return out
}

// conceptBits is the mask of the named concepts.
func conceptBits(names ...string) uint64 {
	var m uint64
	for _, n := range names {
		h := mix(hashBytes(hashStart(fConcept), []byte(n)))
		i := slices.Index(conceptHash, h)
		if i < 0 {
			panic("emergency: no concept " + n)
		}
		m |= 1 << i
	}
	return m
}
