package emergency

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxBytes bounds what Detect reads of a message: far more than any chat
// message (Telegram's limit is 4,096 characters, Discord's 2,000), so that
// the whole of a real message is read and the cost of a pasted book stays
// bounded.
const MaxBytes = 16 << 10

// token is one unit of a message: a folded Latin-script word, one Chinese or
// Japanese character, or one emoji. Its text is buf[start:end].
type token struct {
	start, end int32
	kind       uint8
	// joined: a CJK character that directly follows another one, so that
	// the two form a bigram.
	joined bool
	bang   bool // followed by "!"
	ask    bool // followed by "?"
	// cut: followed by punctuation other than an apostrophe or a hyphen
	// (a comma, a full stop, "!" or "?"), which no fixed phrase spans:
	// "Fire, exit now" is no "fire exit".
	cut bool
	// plain: a word read in its ordinary sense (see falseFriends), the
	// salt of its features; 0 for every other token.
	plain uint8
	// caps: a word of at least minCaps letters, all of them upper case
	// ("FIRE"): shouted, not an acronym like "US" or "OK".
	caps bool
}

// minCaps is how many upper-case letters, and no lower-case one, make a
// word shouted.
const minCaps = 3

// Token kinds.
const (
	kindWord uint8 = iota
	kindCJK
	kindEmoji
)

// scratch is the working memory of one Detect call.
type scratch struct {
	buf  []byte
	toks []token
	// langOnly are the hashed features that only language identification
	// uses: the accented letters that folding removes.
	langOnly []uint32
	kana     int
	han      int
	latin    int
	feats    []feature
	tokStats []tokStat
	masks    []uint64 // per token: its concepts and flags
	pairs    []uint64
}

// tokenize folds text into tokens: lower case, diacritics removed,
// apostrophes of English contractions joined ("can't" -> "cant"), other
// punctuation a separator, a letter typed three times or more kept twice
// ("heeeelp" -> "heelp"). It reads at most MaxBytes of text.
func (s *scratch) tokenize(text string) {
	if len(text) > MaxBytes {
		text = text[:MaxBytes] // a cut rune decodes as RuneError: a separator
	}
	s.buf, s.toks, s.langOnly = s.buf[:0], s.toks[:0], s.langOnly[:0]
	s.kana, s.han, s.latin = 0, 0, 0
	inWord := false
	lastCJK := false     // the previous rune was a CJK character
	upper, lower := 0, 0 // letters of the word being read, by case
	end := func() {
		if inWord {
			t := &s.toks[len(s.toks)-1]
			t.end = int32(len(s.buf))
			t.caps = upper >= minCaps && lower == 0
			inWord = false
		}
	}
	begin := func() {
		if !inWord {
			s.toks = append(s.toks, token{start: int32(len(s.buf)), kind: kindWord})
			inWord = true
			upper, lower = 0, 0
		}
	}
	mark := func(bang bool) {
		if n := len(s.toks); n > 0 {
			s.toks[n-1].cut = true
			if bang {
				s.toks[n-1].bang = true
			} else {
				s.toks[n-1].ask = true
			}
		}
	}
	for i := 0; i < len(text); {
		r, w := utf8.DecodeRuneInString(text[i:])
		i += w
		cjk := false
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			begin()
			switch {
			case r <= 'Z' && r >= 'A':
				r += 'a' - 'A'
				upper++
			case r >= 'a':
				lower++
			}
			s.latin++
			if r >= 'a' && s.elongated(byte(r)) {
				break
			}
			s.buf = append(s.buf, byte(r))
		case r == '\'' || r == '’' || r == '‘' || r == '`' || r == '´':
			if !(inWord && contraction(text[i:])) {
				end()
			}
		case r == '!' || r == '！' || r == '¡':
			end()
			if r != '¡' {
				mark(true)
			}
		case r == '?' || r == '？' || r == '¿':
			end()
			if r != '¿' {
				mark(false)
			}
		case r < utf8.RuneSelf:
			end()
			if n := len(s.toks); n > 0 && r != '-' && !unicode.IsSpace(r) {
				s.toks[n-1].cut = true
			}
		case isCJK(r):
			end()
			if unicode.Is(unicode.Han, r) {
				s.han++
			} else {
				s.kana++
			}
			t := token{start: int32(len(s.buf)), kind: kindCJK, joined: lastCJK}
			s.buf = utf8.AppendRune(s.buf, r)
			t.end = int32(len(s.buf))
			s.toks = append(s.toks, t)
			cjk = true
		case r == 0xFE0F || r == 0x200D || r >= 0x1F3FB && r <= 0x1F3FF:
			// emoji presentation, joiners and skin tones: part of the
			// emoji before them
			cjk = lastCJK
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			begin()
			if unicode.IsUpper(r) {
				upper++
			} else if unicode.IsLower(r) {
				lower++
			}
			s.latin++
			s.foldRune(r)
		case r >= 0x2000 && unicode.Is(unicode.So, r): // emoji and pictographs, not ° or ©
			end()
			t := token{start: int32(len(s.buf)), kind: kindEmoji}
			s.buf = utf8.AppendRune(s.buf, r)
			t.end = int32(len(s.buf))
			s.toks = append(s.toks, t)
		default:
			end()
		}
		lastCJK = cjk
	}
	end()
}

// elongated reports whether the word being written already ends with c
// twice.
func (s *scratch) elongated(c byte) bool {
	n := len(s.buf)
	if n < 2 || s.buf[n-1] != c || s.buf[n-2] != c {
		return false
	}
	t := s.toks[len(s.toks)-1]
	return int(t.start) <= n-2
}

// foldRune appends the folded letters of a non-ASCII letter or digit and
// records the accented letter for language identification.
func (s *scratch) foldRune(r rune) {
	switch r {
	case 'ß':
		s.buf = append(s.buf, 's', 's')
		s.langOnly = append(s.langOnly, hashRune(r))
		return
	case 'æ', 'Æ':
		s.buf = append(s.buf, 'a', 'e')
		return
	case 'œ', 'Œ':
		s.buf = append(s.buf, 'o', 'e')
		return
	case 'ø', 'Ø':
		s.buf = append(s.buf, 'o')
		return
	}
	lower := unicode.ToLower(r)
	if lower != r || unicode.IsLower(r) {
		s.langOnly = append(s.langOnly, hashRune(lower))
	}
	var b [utf8.UTFMax]byte
	n := utf8.EncodeRune(b[:], lower)
	d := norm.NFKD.Bytes(b[:n])
	for len(d) > 0 {
		c, w := utf8.DecodeRune(d)
		d = d[w:]
		if unicode.Is(unicode.Mn, c) {
			continue
		}
		c = unicode.ToLower(c)
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			s.buf = utf8.AppendRune(s.buf, c)
		}
	}
}

// isCJK reports whether r is a Chinese character or Japanese kana.
func isCJK(r rune) bool {
	switch {
	case r >= 0x3040 && r <= 0x30FF, r >= 0x31F0 && r <= 0x31FF, r >= 0xFF66 && r <= 0xFF9F:
		return true // kana, including the long vowel mark and half-width forms
	case r >= 0x4E00 && r <= 0x9FFF, r >= 0x3400 && r <= 0x4DBF, r >= 0xF900 && r <= 0xFAFF:
		return true
	}
	return unicode.Is(unicode.Han, r)
}

// contraction reports whether the text after an apostrophe is the tail of
// an English contraction: 's, 't, 'm, 're, 've, 'll, 'd. Any other
// apostrophe separates, as the elisions of Italian and French do
// ("c'è", "l'ambulance").
func contraction(rest string) bool {
	n := 0
	for n < len(rest) && n < 3 && (rest[n] >= 'a' && rest[n] <= 'z' || rest[n] >= 'A' && rest[n] <= 'Z') {
		n++
	}
	if n < len(rest) && isLetterByte(rest[n]) {
		return false
	}
	switch lowerASCII(rest[:n]) {
	case "s", "t", "m", "re", "ve", "ll", "d":
		return true
	}
	return false
}

func isLetterByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// text returns a token's folded text.
func (s *scratch) text(t token) []byte { return s.buf[t.start:t.end] }
