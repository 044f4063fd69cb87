package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The adapters cut long replies into messages and shorten labels to fit
// their platform's limits. They count length differently (Telegram in
// UTF-16 code units, Discord in characters), so the one splitter and
// truncator below take the length of a rune as a function: UTF16 or Runes.

// Runes counts a rune as one, as Discord counts characters.
func Runes(rune) int { return 1 }

// UTF16 counts a rune in UTF-16 code units, as Telegram does: two for a
// rune beyond the Basic Multilingual Plane (most emoji), one for the rest.
func UTF16(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// Len is the length of s, each rune counted by units.
func Len(s string, units func(rune) int) int {
	n := 0
	for _, r := range s {
		n += units(r)
	}
	return n
}

// breaks are where a piece may end, most preferred first: a paragraph, a
// line, a sentence, a word. keep is how much of the break stays with the
// piece before it (a sentence's punctuation); the rest is whitespace,
// dropped at the cut.
var breaks = []struct {
	sep  string
	keep int
}{{"\n\n", 0}, {"\n", 0}, {". ", 1}, {"? ", 1}, {"! ", 1}, {" ", 0}}

// Split cuts s into pieces of at most limit units each (each rune counted
// by units), ending each where Cut says. It returns the pieces as byte
// ranges [start, end) of s, without the whitespace around the cuts; a text
// of only whitespace has none.
func Split(s string, limit int, units func(rune) int) [][2]int {
	var parts [][2]int
	start := skipSpace(s, 0)
	for start < len(s) {
		cut := start + Cut(s[start:], limit, units)
		if end := trimSpaceEnd(s, start, cut); end > start {
			parts = append(parts, [2]int{start, end})
		}
		start = skipSpace(s, cut)
	}
	return parts
}

// Cut returns the byte offset at which the first piece of s, at most limit
// units long, ends. All of s fits: len(s). Otherwise the piece ends at the
// last break of what fits, trying a paragraph break, then a line break,
// then a sentence's end (after its punctuation), then a space, the first
// of these that leaves the piece at least a third full; a break may begin
// right where what fits ends, since its whitespace is dropped. With none,
// it ends after the last rune that fits, and after the first rune if none
// does, so that splitting always progresses. The cut is on a rune boundary
// and, for a non-empty s, past 0.
func Cut(s string, limit int, units func(rune) int) int {
	end, n := 0, 0
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if n+units(r) > limit {
			break
		}
		n += units(r)
		end += size
	}
	if end == len(s) {
		return end
	}
	for _, b := range breaks {
		look := s[:min(len(s), end+len(b.sep)-b.keep)]
		if i := strings.LastIndex(look, b.sep); i > 0 && i >= end/3 {
			return i + b.keep
		}
	}
	if end == 0 {
		_, end = utf8.DecodeRuneInString(s)
	}
	return end
}

// Truncate shortens s to at most n units (each rune counted by units),
// ending it with "…" when it was cut. The cut falls between words where one
// is not too far back (the last space in the second half of what fits),
// else between two characters; whitespace and the punctuation that would
// dangle (",;:") before the "…" are dropped.
func Truncate(s string, n int, units func(rune) int) string {
	if Len(s, units) <= n {
		return s
	}
	used, end := 0, 0
	for i, r := range s {
		if used+units(r) > n-1 { // one unit for the "…"
			break
		}
		used += units(r)
		end = i + utf8.RuneLen(r)
	}
	before, _ := utf8.DecodeLastRuneInString(s[:end])
	after, _ := utf8.DecodeRuneInString(s[end:])
	if inWord(before) && inWord(after) {
		if sp := strings.LastIndexByte(s[:end], ' '); sp >= end/2 {
			end = sp
		}
	}
	return strings.TrimRightFunc(s[:end], func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(",;:", r) }) + "…"
}

// inWord reports whether r is part of a word: a cut beside it may split one.
func inWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func skipSpace(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return i
}

func trimSpaceEnd(s string, start, end int) int {
	return start + len(strings.TrimRightFunc(s[start:end], unicode.IsSpace))
}
