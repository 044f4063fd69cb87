package faq

import "strings"

// Emergency detection is deliberately a lexicon, not a learnt model: it must
// work on any FAQ, including one with no emergency entry and no phrasings to
// learn from, and it must never be talked out of an emergency by a
// classifier that has seen few of them. Words are compared with repeated
// letters squashed ("heeelp", "robed", "atacked").

// urgentWords read as an emergency on their own.
var urgentWords = squashSet(
	// English
	"robbed", "mugged", "mugging", "attacked", "assaulted", "stabbed", "bleeding",
	"unconscious", "collapsed", "overdose", "overdosed", "drowning", "kidnapped",
	"abducted", "raped", "burglar", "intruder", "avalanche", "explosion", "bomb",
	"shooting", "stabbing", "choking", "seizure", "fainted", "poisoned", "ambulance",
	"paramedic", "paramedics", "firefighters", "fire", "sos", "911", "112", "heartattack",
	"ambulence", "ambulanse", "bleed", "burning", "attacking", "gunshot",
	"stroke", "convulsing", "crushed", "stampede", "trampled", "drowning", "overdosing",
	"stabbing", "shooter", "gunman", "gunshot", "drowned", "suicide", "suicidal",
	"unresponsive", "anaphylaxis", "anaphylactic", "epipen", "hypothermia", "frostbite",
	"suffocating", "electrocuted", "hostage", "terrorist", "gunfire", "molested", "stranded",
	// Italian
	"aiuto", "aiutatemi", "aiutami", "soccorso", "ambulanza", "incendio", "fuoco",
	"rapina", "rapinato", "rapinata", "derubato", "derubata", "scippato", "scippata",
	"ladro", "ladri", "ferito", "ferita", "feriti", "pompieri", "malore",
	"scomparso", "scomparsa", "sangue", "infarto", "svenuto", "svenuta", "aggredito",
	"aggredita", "aggressione", "rubato", "rubata", "annegando", "soffoco",
)

// urgentPairs read as an emergency when they stand next to each other (two
// or three words).
var urgentPairs = squashSet(
	"heart attack", "not breathing", "cant breathe", "can t breathe", "stopped breathing",
	"hit by", "car accident", "call police", "call the", "being followed", "following me",
	"broke into", "broken into", "break in", "break into", "breaking into", "just stole",
	"gas leak", "smell gas", "of gas", "got robbed", "been robbed", "been attacked", "been hurt",
	"got hurt", "is hurt", "are hurt", "am hurt", "is injured", "got injured", "is missing",
	"are missing", "went missing", "gone missing", "is dying", "passed out", "fell down",
	"chest pain", "pronto soccorso", "al ladro", "al fuoco", "chiamate la",
	"allergic reaction", "not waking", "not responding", "wont wake", "beat up", "beaten up",
	"were lost", "are lost", "shots fired", "terror attack", "smell smoke", "see smoke",
	"theres smoke", "full of smoke", "smoke coming", "smoke everywhere", "smoke from",
	"fell through", "through the ice", "sto male",
	"al petto", "mi sento", "hanno rubato", "hanno derubato",
)

// conditionWords are emergencies when they concern a person or come with
// urgency ("my son is missing", "accident now"), and ordinary words
// otherwise ("missing documents", "accident insurance").
var conditionWords = squashSet(
	"hurt", "injured", "injury", "accident", "missing", "lost", "stolen", "stole",
	"steal", "snatched", "pickpocketed", "pickpocket", "polizia", "disappeared", "emergency", "danger", "dangerous", "threatened", "threat",
	"followed", "attack", "fight", "dying", "dead", "died", "fell", "falling", "broke",
	"broken", "crash", "crashed", "breathe", "breathing", "unsafe", "scared", "trapped",
)

var personWords = squashSet(
	"friend", "friends", "son", "daughter", "child", "children", "kid", "kids",
	"wife", "husband", "mom", "mum", "mother", "dad", "father", "boy", "girl",
	"brother", "sister", "someone", "somebody", "person", "man", "woman", "guy",
	"baby", "partner", "boyfriend", "girlfriend", "family", "grandma", "grandpa",
	"grandmother", "grandfather", "colleague", "teammate", "athlete", "me", "i",
	"we", "us", "he", "she", "they", "him", "her", "them", "mio", "mia", "figlio",
	"figlia", "amico", "amica",
)

var urgencyWords = squashSet(
	"asap", "urgent", "urgently", "quick", "quickly", "hurry", "immediately",
	"sos", "subito", "presto",
)

// nonUrgentAfterEmergency are nouns that make "emergency" a modifier, as in
// "emergency passport": a question about a thing, not an emergency.
var nonUrgentAfterEmergency = squashSet(
	"passport", "passports", "number", "numbers", "contact", "contacts", "phone",
	"line", "plan", "plans", "info", "document", "documents", "travel", "visa",
	"fund", "funds", "appointment", "services", "service", "card", "kit", "procedures",
)

// helpFillers may stand around "help" in a plain cry for help.
var helpFillers = squashSet(
	"help", "me", "us", "please", "pls", "plz", "now", "someone", "somebody",
	"quick", "need", "i", "we", "sos", "urgent", "asap", "hurry", "anyone", "aiuto",
	"my", "friend", "god", "oh", "omg",
)

// urgentStems holds the stems of urgentWords, so that "gunshots" and
// "overdosing" match "gunshot" and "overdose".
var urgentStems = func() map[string]bool {
	m := make(map[string]bool, len(urgentWords))
	for w := range urgentWords {
		if len(w) >= 5 {
			m[stem(w)] = true
		}
	}
	return m
}()

func squash(w string) string {
	if len(w) < 2 {
		return w
	}
	b := make([]byte, 0, len(w))
	for i := 0; i < len(w); i++ {
		if i > 0 && w[i] == w[i-1] {
			continue
		}
		b = append(b, w[i])
	}
	return string(b)
}

func squashSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		parts := strings.Fields(w)
		for i := range parts {
			parts[i] = squash(parts[i])
		}
		m[strings.Join(parts, " ")] = true
	}
	return m
}

// urgency grades how much a message reads like an emergency.
type urgency int

const (
	notUrgent    urgency = iota
	maybeUrgent          // an emergency word in an ordinary sentence
	likelyUrgent         // a condition that concerns a person, or with urgency
	urgent               // reads like an emergency, whatever else it says
)

// detectEmergency grades a message by its words as written and as corrected,
// and by exclamation marks in the original text. stemOf stems a word.
func detectEmergency(text string, an analysis, stemOf func(string) string) urgency {
	words := make([]string, len(an.raw))
	for i, w := range an.raw {
		words[i] = squash(w)
	}
	corrected := make([]string, len(an.words))
	for i, w := range an.words {
		corrected[i] = squash(w)
	}
	exclaim := strings.Count(text, "!") >= 1
	level := notUrgent
	var condition, person, hurry bool
	helpOnly := true
	helps := 0
	// Typo corrections feed only the unambiguous lexicon: a correction
	// can turn an ordinary word into a condition ("policy" -> "police").
	for _, ws := range [][]string{words, corrected} {
		for i, w := range ws {
			if urgentWords[w] || len(w) >= 5 && urgentStems[stemOf(w)] ||
				i > 0 && urgentPairs[ws[i-1]+" "+w] || i > 1 && urgentPairs[ws[i-2]+" "+ws[i-1]+" "+w] {
				level = urgent
			}
		}
	}
	need := hasAny(words, needWords)
	for i, w := range words {
		condition = condition || conditionWords[w]
		person = person || personWords[w]
		// "now" is urgent in "right now" and "need a doctor now", not in
		// "lost my passport, what now"
		hurry = hurry || urgencyWords[w] || w == "now" && (need || i > 0 && words[i-1] == "right")
	}
	for i, w := range words {
		if w == "help" || w == "aiuto" || w == "halp" || w == "hlep" {
			helps++
		} else if !helpFillers[w] {
			helpOnly = false
		}
		if w == "emergency" || w == "emergancy" || w == "emergenza" {
			next := ""
			if i+1 < len(words) {
				next = words[i+1]
			}
			if nonUrgentAfterEmergency[next] {
				continue
			}
			// "this is an emergency", "emergency!", "emergency help now"
			if len(words) <= 3 || exclaim || (i > 0 && (words[i-1] == "an" || words[i-1] == "a")) && hasAny(words[:i], haveWords) {
				level = urgent
			}
		}
	}
	if helps > 0 && (helpOnly || exclaim && len(words) <= 6) {
		level = urgent
	}
	if level == urgent {
		return urgent
	}
	hypothetical := hasAny(words, hypotheticalWords)
	if condition && hypothetical && !exclaim {
		return maybeUrgent // "what do I do if I get hurt skiing"
	}
	// "my friend is hurt", "lost my son", "someone is following me",
	// "accident, police, hurry". Plain "lost my passport" concerns no person
	// and has no urgency: an ordinary question. These are only likely
	// emergencies: the caller lets a confident classifier overrule them.
	if condition && (hurry || exclaim || person && conditionConcernsPerson(words)) {
		return likelyUrgent
	}
	if condition {
		return maybeUrgent
	}
	return notUrgent
}

// conditionConcernsPerson reports whether a condition word is about a
// person, not a thing: "my son is missing", "lost my kid", "someone is
// following me", "my friend is hurt", but not "I lost my passport".
func conditionConcernsPerson(words []string) bool {
	other := false // someone other than the speaker
	for _, w := range words {
		if personWords[w] && w != "i" && w != "me" && w != "we" && w != "us" {
			other = true
		}
	}
	things := hasAny(words, thingWords)
	for _, w := range words {
		if !conditionWords[w] {
			continue
		}
		switch w {
		case "hurt", "injured", "dying", "dead", "died", "fell", "breathe", "breathing", "scared", "trapped", "threatened", "followed", "sick", "unsafe":
			return true // these happen to people
		case "lost", "missing":
			if other {
				return true
			}
		case "stolen", "stole", "steal", "snatched", "pickpocketed":
			if hasAny(words, justNowWords) {
				return true
			}
		default:
			if other && !things {
				return true
			}
		}
	}
	return false
}

// Small word sets the rules above consult.
var (
	needWords         = squashSet("need", "needs")
	haveWords         = squashSet("is", "have", "having", "its", "theres", "got")
	hypotheticalWords = squashSet("if", "suppose", "hypothetically", "would", "incase")
	justNowWords      = squashSet("now", "just", "right")
	thingWords        = squashSet("passport", "pasport", "wallet", "bag", "phone", "luggage", "card",
		"documents", "document", "visa", "ticket", "tickets", "money", "keys", "camera", "laptop")
)

// hasAny reports whether any of words is in set.
func hasAny(words []string, set map[string]bool) bool {
	for _, w := range words {
		if set[w] {
			return true
		}
	}
	return false
}
