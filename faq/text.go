package faq

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/unicode/norm"
)

// maxQueryTokens bounds the work one question can cause: a pasted essay is
// matched on its first maxQueryTokens words.
const maxQueryTokens = 64

// fold lower-cases s, strips diacritics, turns punctuation into spaces and
// drops apostrophes inside words ("what's" -> "whats", "U.S." -> "us"), so
// that "Cortina d’Ampezzo", "CORTINA D'AMPEZZO" and "cortina dampezzo" read
// the same. The result holds only [a-z0-9] and single spaces.
func fold(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	space := true // no leading space
	var prev rune // last rune written, 0 after a space
	for i, w := 0, 0; i < len(s); i += w {
		r, width := utf8.DecodeRuneInString(s[i:])
		w = width
		switch {
		case r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if r <= 'Z' && r >= 'A' {
				r += 'a' - 'A'
			}
			// "hellooo", "heyyy": a letter typed three times or more
			// counts twice, which typo correction then handles.
			if r == prev && r >= 'a' && elongated(sb.String(), r) {
				continue
			}
			sb.WriteRune(r)
			space, prev = false, r
		case r == '\'' || r == '’' || r == '‘' || r == '`' || r == '´':
			// An English contraction joins ("what's" -> "whats"); any other
			// apostrophe separates, as Italian elision does ("un'ambulanza",
			// "d'Ampezzo").
			if !contraction(s[i+w:]) && !space {
				sb.WriteByte(' ')
				space, prev = true, 0
			}
		case r == '.' && prev != 0 && isAlnum(prev) && i+w < len(s) && isAlnumByte(s[i+w]) && !isDigit(prev):
			// "u.s.a" -> "usa"; "3.5" stays "3 5"
		case r < utf8.RuneSelf:
			if !space {
				sb.WriteByte(' ')
				space, prev = true, 0
			}
		default:
			n := foldRune(r, &sb)
			if n {
				space, prev = false, 'a'
			} else if !space {
				sb.WriteByte(' ')
				space, prev = true, 0
			}
		}
	}
	return strings.TrimRight(sb.String(), " ")
}

// elongated reports whether folded text already ends with r twice.
func elongated(folded string, r rune) bool {
	n := len(folded)
	return n >= 2 && rune(folded[n-1]) == r && rune(folded[n-2]) == r
}

// contraction reports whether the text after an apostrophe is the tail of
// an English contraction: 's, 't, 'm, 're, 've, 'll, 'd.
func contraction(rest string) bool {
	n := 0
	for n < len(rest) && (rest[n] >= 'a' && rest[n] <= 'z' || rest[n] >= 'A' && rest[n] <= 'Z') {
		n++
	}
	switch strings.ToLower(rest[:n]) {
	case "s", "t", "m", "re", "ve", "ll", "d":
		return true
	}
	return false
}

func isAlnum(r rune) bool { return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' }
func isDigit(r rune) bool { return r >= '0' && r <= '9' }
func isAlnumByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// special folds that Unicode decomposition does not give.
var foldSpecial = map[rune]string{
	'ß': "ss", 'æ': "ae", 'Æ': "ae", 'ø': "o", 'Ø': "o", 'œ': "oe", 'Œ': "oe",
	'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'þ': "th", 'ı': "i",
}

// foldRune writes the folded letters and digits of a non-ASCII rune and
// reports whether it wrote any.
func foldRune(r rune, sb *strings.Builder) bool {
	if s, ok := foldSpecial[r]; ok {
		sb.WriteString(s)
		return true
	}
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		return false
	}
	wrote := false
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	d := norm.NFKD.Bytes(buf[:n])
	for len(d) > 0 {
		c, w := utf8.DecodeRune(d)
		d = d[w:]
		if unicode.Is(unicode.Mn, c) {
			continue // a diacritic
		}
		c = unicode.ToLower(c)
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			sb.WriteRune(c)
			wrote = true
		case unicode.IsLetter(c) || unicode.IsDigit(c):
			// letters of other scripts stay as they are: they are still
			// words, just ones the FAQ will not know.
			sb.WriteRune(c)
			wrote = true
		}
	}
	return wrote
}

// phrasingKey is what makes two phrasings "the same", for the validator's
// duplicate check and the matcher's exact-phrase map alike: the words fold
// gives (case, diacritics and punctuation do not count), as many as a
// question is matched on.
func phrasingKey(s string) string { return strings.Join(tokens(fold(s), maxQueryTokens), " ") }

// tokens splits folded text into at most max words.
func tokens(folded string, max int) []string {
	out := make([]string, 0, 16)
	for len(folded) > 0 && len(out) < max {
		i := strings.IndexByte(folded, ' ')
		if i < 0 {
			out = append(out, folded)
			break
		}
		if i > 0 {
			out = append(out, folded[:i])
		}
		folded = folded[i+1:]
	}
	return out
}

// chatFillers are words chat users add that say nothing about the topic, on
// top of the standard English stop words.
var chatFillers = map[string]bool{
	"pls": true, "plz": true, "please": true, "hi": true, "hey": true, "hello": true,
	"thanks": true, "thx": true, "thank": true, "u": true, "ur": true, "im": true,
	"ive": true, "id": true, "youre": true, "whats": true, "wheres": true, "whos": true,
	"hows": true, "dont": true, "doesnt": true, "cant": true, "wont": true, "isnt": true,
	"arent": true, "didnt": true, "lol": true, "ok": true, "okay": true, "yeah": true,
	"yes": true, "no": true, "also": true, "just": true, "really": true, "gonna": true,
	"wanna": true, "gotta": true, "know": true, "tell": true, "need": true, "want": true,
	"like": true, "get": true, "got": true, "one": true, "thing": true, "things": true,
	"question": true, "ask": true, "anyone": true, "someone": true, "guys": true,
	"can": true, "could": true, "would": true, "should": true, "will": true, "may": true,
	"might": true, "must": true, "r": true, "y": true, "wat": true, "wut": true, "wht": true,
	"abt": true, "bout": true, "tho": true, "btw": true, "cuz": true, "coz": true,
	"hmm": true, "um": true, "uh": true, "any": true, "info": true, "information": true,
	"do": true, "does": true, "did": true, "is": true, "are": true, "was": true, "were": true,
	"there": true, "theres": true, "much": true, "many": true,
}

// isStopWord reports whether a folded word carries no topic of its own.
func isStopWord(w string) bool {
	return chatFillers[w] || english.IsStopWord(w)
}

// stem reduces a folded word to its English stem ("enrolling" -> "enrol").
func stem(w string) string {
	if len(w) <= 3 {
		return w
	}
	return english.Stem(w, true)
}
