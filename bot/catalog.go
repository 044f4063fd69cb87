package bot

import "strings"

// This file is the one catalog of what travelers read: every sentence the
// bot or an adapter shows that does not come from the FAQ file is here,
// keyed by message and language. Adapters render these strings; they do not
// write copy of their own (a test in this package holds them to that).

// EventName is how the bot names the Games, written once.
const EventName = "Milan-Cortina 2026 Winter Olympics and Paralympics"

// EmergencyNumber is Italy's (and Europe's) emergency number.
const EmergencyNumber = "112"

// ConsulatePageURL is the U.S. Embassy & Consulates in Italy website, which
// the source documents name as the place that lists the consulate's
// emergency number and contact details for U.S. citizens.
const ConsulatePageURL = "https://it.usembassy.gov/"

// EmergencyLine is the English 112 line that leads every reply to an
// emergency in progress; Line112 gives it in the message's language.
const EmergencyLine = "EMERGENCY? Call " + EmergencyNumber + " now: police, ambulance and fire in Italy, free from any phone."

// Languages are the languages the catalog speaks for the 112 line, the
// danger banner and the emergency answer's first sentence, as ISO 639-1
// codes. Everything else is in English.
var Languages = []string{"en", "it", "es", "fr", "de", "pt", "zh", "ja"}

// Key names one message of the catalog.
type Key string

// The messages of the catalog.
const (
	// KeyEmergency is the 112 line that comes first in a reply to an
	// emergency in progress (Reply.Urgent of an urgent reply).
	KeyEmergency Key = "emergency"
	// KeyDanger is the one-line banner over a reply to a message with a
	// possible emergency in it, and the closing line of every fallback.
	KeyDanger Key = "danger"
	// KeyEmergencyLead is the emergency answer's first sentence, put in
	// front of the (English) emergency entry when the message is in
	// another language.
	KeyEmergencyLead Key = "emergency_lead"

	KeyAbout          Key = "about"           // what the bot is, in one sentence
	KeyStartPrivate   Key = "start_private"   // /start in a private chat
	KeyStartGroup     Key = "start_group"     // /start in a group
	KeyHelpPrivate    Key = "help_private"    // how to ask, in a private chat
	KeyHelpGroup      Key = "help_group"      // how to ask, in a group
	KeyTopicsHint     Key = "topics_hint"     // where the list of topics is
	KeyFallback       Key = "fallback"        // the honest "I don't know"
	KeyRephrase       Key = "rephrase"        // after "None of these": ask again once
	KeyFallbackFinal  Key = "fallback_final"  // after a second miss
	KeyConsulatePage  Key = "consulate_page"  // where to go for anything else
	KeyClarify        Key = "clarify"         // over "did you mean" suggestions
	KeyEmpty          Key = "empty"           // an empty question
	KeyHello          Key = "hello"           // reply to a greeting
	KeyWelcome        Key = "welcome"         // reply to thanks
	KeyIntro          Key = "intro"           // reply to "who are you"
	KeyAskAway        Key = "ask_away"        // after the small-talk opener
	KeyTopics         Key = "topics"          // over the list of topics
	KeyExamples       Key = "examples"        // over example questions
	KeyRelated        Key = "related"         // over follow-ups
	KeySources        Key = "sources"         // over the citations
	KeyDateApprox     Key = "date_approx"     // marks an estimated date: "approx."
	KeyLongMessage    Key = "long_message"    // note on a message over MaxQuestionRunes
	KeyRateLimited    Key = "rate_limited"    // too many questions too fast
	KeyRefused        Key = "refused"         // an admin command from a non-admin
	KeyNoReload       Key = "no_reload"       // reloading is not configured
	KeySorry          Key = "sorry"           // something went wrong on our side
	KeyTextOnly       Key = "text_only"       // a photo, sticker or voice message
	KeyUseAsk         Key = "use_ask"         // Discord: a mention without a question
	KeyChatIntro      Key = "chat_intro"      // first line of `travelbot chat`
	KeyPickRange      Key = "pick_range"      // chat: a number outside the list (one %d)
	KeyExpired        Key = "expired"         // a button from before a restart or long ago
	KeyButtonUp       Key = "button_up"       // 👍
	KeyButtonDown     Key = "button_down"     // 👎
	KeyButtonNone     Key = "button_none"     // "None of these" under suggestions
	KeyButtonMore     Key = "button_more"     // next page of a list
	KeyButtonPrevious Key = "button_previous" // previous page of a list
)

var catalog = map[Key]map[string]string{
	KeyEmergency: {
		"en": EmergencyLine,
		"it": "EMERGENZA? Chiama subito il " + EmergencyNumber + ": polizia, ambulanza e vigili del fuoco in Italia, gratis da qualsiasi telefono.",
		"es": "¿EMERGENCIA? Llama ya al " + EmergencyNumber + ": policía, ambulancia y bomberos en Italia, gratis desde cualquier teléfono.",
		"fr": "URGENCE ? Appelez le " + EmergencyNumber + " maintenant : police, ambulance et pompiers en Italie, gratuit depuis n'importe quel téléphone.",
		"de": "NOTFALL? Rufen Sie jetzt die " + EmergencyNumber + " an: Polizei, Rettungsdienst und Feuerwehr in Italien, kostenlos von jedem Telefon.",
		"pt": "EMERGÊNCIA? Ligue já para o " + EmergencyNumber + ": polícia, ambulância e bombeiros na Itália, grátis de qualquer telefone.",
		"zh": "紧急情况？立即拨打" + EmergencyNumber + "：意大利的警察、救护车和消防，任何电话均可免费拨打。",
		"ja": "緊急事態ですか？今すぐ" + EmergencyNumber + "に電話してください。イタリアの警察・救急・消防につながり、どの電話からも無料です。",
	},
	KeyDanger: {
		"en": "If you or someone is in danger, call " + EmergencyNumber + ".",
		"it": "Se tu o qualcuno siete in pericolo, chiama il " + EmergencyNumber + ".",
		"es": "Si tú o alguien está en peligro, llama al " + EmergencyNumber + ".",
		"fr": "Si vous ou quelqu'un êtes en danger, appelez le " + EmergencyNumber + ".",
		"de": "Wenn Sie oder jemand anderes in Gefahr sind, rufen Sie die " + EmergencyNumber + " an.",
		"pt": "Se você ou alguém estiver em perigo, ligue para o " + EmergencyNumber + ".",
		"zh": "如果您或他人身处危险，请拨打" + EmergencyNumber + "。",
		"ja": "あなたや誰かが危険な状態なら、" + EmergencyNumber + "に電話してください。",
	},
	KeyEmergencyLead: {
		"en": "Call " + EmergencyNumber + " now: it is Italy's emergency number for police, ambulance and fire.",
		"it": "Chiama subito il " + EmergencyNumber + ": è il numero di emergenza italiano per polizia, ambulanza e vigili del fuoco.",
		"es": "Llama ya al " + EmergencyNumber + ": es el número de emergencias de Italia para policía, ambulancia y bomberos.",
		"fr": "Appelez le " + EmergencyNumber + " maintenant : c'est le numéro d'urgence de l'Italie pour la police, l'ambulance et les pompiers.",
		"de": "Rufen Sie jetzt die " + EmergencyNumber + " an: die italienische Notrufnummer für Polizei, Rettungsdienst und Feuerwehr.",
		"pt": "Ligue já para o " + EmergencyNumber + ": é o número de emergência da Itália para polícia, ambulância e bombeiros.",
		"zh": "立即拨打" + EmergencyNumber + "：这是意大利报警、急救和消防的紧急电话号码。",
		"ja": "今すぐ" + EmergencyNumber + "に電話してください。イタリアの警察・救急・消防の緊急番号です。",
	},
	KeyAbout:          {"en": "I answer practical questions for U.S. travelers at the " + EventName + ", citing my sources."},
	KeyStartPrivate:   {"en": "Hi! I'm travelbot."},
	KeyStartGroup:     {"en": "Hi everyone! I'm travelbot."},
	KeyHelpPrivate:    {"en": "Just type your question here."},
	KeyHelpGroup:      {"en": "In this group, use /ask followed by your question; or message me privately and just type it."},
	KeyTopicsHint:     {"en": "/topics lists everything I cover."},
	KeyFallback:       {"en": "Sorry, I don't have an answer to that."},
	KeyRephrase:       {"en": "Sorry, those didn't fit. Could you say it another way, in a few words? For example: \"where is the U.S. consulate?\""},
	KeyFallbackFinal:  {"en": "Sorry, I still can't find an answer to that in what I know."},
	KeyConsulatePage:  {"en": "For anything else, the U.S. Embassy & Consulates in Italy website has contact details and help for U.S. citizens: " + ConsulatePageURL},
	KeyClarify:        {"en": "I'm not sure I understood. Did you mean one of these?"},
	KeyEmpty:          {"en": "What would you like to know?"},
	KeyHello:          {"en": "Hello!"},
	KeyWelcome:        {"en": "You're welcome!"},
	KeyIntro:          {"en": "I'm travelbot."},
	KeyAskAway:        {"en": "Ask me anything about that."},
	KeyTopics:         {"en": "Here is everything I can answer. Pick a topic:"},
	KeyExamples:       {"en": "For example:"},
	KeyRelated:        {"en": "Related:"},
	KeySources:        {"en": "Sources:"},
	KeyDateApprox:     {"en": "approx."},
	KeyLongMessage:    {"en": "Your message was long, so I read only its beginning."},
	KeyRateLimited:    {"en": "You're asking faster than I can keep up. Please wait a few seconds and ask again."},
	KeyRefused:        {"en": "Sorry, only admins can reload the FAQ."},
	KeyNoReload:       {"en": "Reload failed: reloading is not configured."},
	KeySorry:          {"en": "Sorry, something went wrong while answering. Please try again in a moment."},
	KeyTextOnly:       {"en": "I can only read text messages. Please type your question in words, for example \"Where is the U.S. consulate?\"."},
	KeyUseAsk:         {"en": "Use /ask to ask me a question: type `/ask`, then your question."},
	KeyChatIntro:      {"en": "Ask me about the " + EventName + ". /topics lists what I cover; a number picks from the last list; quit or Ctrl-D ends."},
	KeyPickRange:      {"en": "Pick 1-%d from the list, or type a question."},
	KeyExpired:        {"en": "That button has expired. Please ask your question again."},
	KeyButtonUp:       {"en": "👍"},
	KeyButtonDown:     {"en": "👎"},
	KeyButtonNone:     {"en": "None of these"},
	KeyButtonMore:     {"en": "More"},
	KeyButtonPrevious: {"en": "Previous"},
}

// Text returns message k in language lang (an ISO 639-1 code, any case,
// "pt-BR" read as "pt"), or in English when the catalog has no translation.
// An unknown key gives "".
func Text(k Key, lang string) string {
	msgs := catalog[k]
	lang = strings.ToLower(lang)
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	if s, ok := msgs[lang]; ok {
		return s
	}
	return msgs["en"]
}

// Line112 is the 112 line for an emergency in progress, in lang.
func Line112(lang string) string { return Text(KeyEmergency, lang) }

// DangerLine is "If you or someone is in danger, call 112." in lang: the
// banner over a possible emergency and the last line of every fallback.
func DangerLine(lang string) string { return Text(KeyDanger, lang) }

// TextWith112 is message k followed by DangerLine, the way every message
// that is not an answer ends (the sorry, text-only and use-/ask notes).
func TextWith112(k Key, lang string) string {
	return joinSentences(Text(k, lang), DangerLine(lang))
}

// Command is a command both chat platforms register, from this one list.
type Command struct {
	// Name is the command without the slash, lowercase.
	Name string
	// Description is the one line the platform shows next to it.
	Description string
	// Argument names the free-text argument the command takes ("" for
	// none), with ArgumentDescription for platforms that describe it.
	Argument            string
	ArgumentDescription string
	// AdminOnly commands are hidden from ordinary users where the
	// platform allows; the bot checks its admin list either way.
	AdminOnly bool
	// Greeting marks the platform's first-contact command (/start):
	// platforms without one (Discord) skip it.
	Greeting bool
}

var commands = []Command{
	{Name: "start", Description: "What I can help with", Greeting: true},
	{Name: "ask", Description: "Ask a question about traveling to the " + EventName, Argument: "question", ArgumentDescription: "Your question: pick a suggestion or type your own"},
	{Name: "topics", Description: "List everything I can answer"},
	{Name: "help", Description: "How to ask me a question"},
	{Name: "reload", Description: "Reload the FAQ (bot admins only)", AdminOnly: true},
}

// Commands returns the commands the bot understands, in the order the
// platforms should list them. The slice is the caller's to keep.
func Commands() []Command {
	return append([]Command(nil), commands...)
}
