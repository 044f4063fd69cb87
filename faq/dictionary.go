package faq

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"sync"
)

// englishGz is the SCOWL American English word list (wamerican, words of
// four letters or more; see words/README). Typo correction leaves real
// words alone: "policy" is not a typo of "police", it is a word the FAQ
// does not know, and that is a sign the question is out of scope.
//
//go:embed words/english.txt.gz
var englishGz []byte

var (
	englishOnce sync.Once
	dictionary  map[string]struct{}
)

// isEnglishWord reports whether w (folded) is a dictionary word.
func isEnglishWord(w string) bool {
	englishOnce.Do(loadEnglish)
	_, ok := dictionary[w]
	return ok
}

func loadEnglish() {
	dictionary = make(map[string]struct{}, 64000)
	zr, err := gzip.NewReader(bytes.NewReader(englishGz))
	if err != nil {
		panic("faq: embedded word list: " + err.Error()) // built into the binary: cannot fail
	}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		dictionary[sc.Text()] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		panic("faq: embedded word list: " + err.Error())
	}
}
