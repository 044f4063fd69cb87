package faq

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"travelbot/faq/emergency"
	"travelbot/seeds"
)

// genFAQ builds a synthetic FAQ shaped like a public intent benchmark:
// entries intents with phrasings each, sentences of 4-14 words mixing common
// words with a few topic words per intent. It is deterministic.
func genFAQ(entries, phrasings int) *Document {
	rng := rand.New(rand.NewPCG(42, 7))
	syl := []string{"ba", "ko", "ri", "tan", "mel", "so", "vu", "dra", "pel", "qui", "nor", "ste", "lo", "fa", "gri", "mon", "zu", "che", "ar", "pin"}
	word := func() string {
		n := 2 + rng.IntN(2)
		var sb strings.Builder
		for range n {
			sb.WriteString(syl[rng.IntN(len(syl))])
		}
		return sb.String()
	}
	common := strings.Fields("how do i what is my the a can you please tell me where when why is there any to for of in on with about need want help check find show set get")
	vocab := make([]string, 3000)
	for i := range vocab {
		vocab[i] = word()
	}
	f := &Document{Version: 1, File: "generated.yaml"}
	seen := map[string]bool{}
	for e := range entries {
		topic := make([]string, 8)
		for i := range topic {
			topic[i] = vocab[rng.IntN(len(vocab))]
		}
		sentence := func() string {
			n := 4 + rng.IntN(11)
			ws := make([]string, n)
			for i := range ws {
				switch r := rng.IntN(10); {
				case r < 5:
					ws[i] = common[rng.IntN(len(common))]
				case r < 9:
					ws[i] = topic[rng.IntN(len(topic))]
				default:
					ws[i] = vocab[rng.IntN(len(vocab))]
				}
			}
			return strings.Join(ws, " ")
		}
		en := Entry{ID: fmt.Sprintf("intent-%03d", e), Answer: "answer " + topic[0]}
		for len(en.Alternates) < phrasings-1 {
			s := sentence()
			if seen[s] {
				continue
			}
			seen[s] = true
			if en.Question == "" {
				en.Question = s
				continue
			}
			en.Alternates = append(en.Alternates, s)
		}
		f.Entries = append(f.Entries, en)
	}
	return f
}

var (
	bigOnce   sync.Once
	bigFAQ    *Document
	tableOnce sync.Once
	bigTable  *Table
)

func bigFixture() *Document {
	bigOnce.Do(func() { bigFAQ = genFAQ(150, 100) })
	return bigFAQ
}

func bigCompiled(b *testing.B) (*Document, *Table) {
	f := bigFixture()
	tableOnce.Do(func() {
		var err error
		if bigTable, err = Compile(f); err != nil {
			b.Fatal(err)
		}
	})
	return f, bigTable
}

// BenchmarkCompileLarge compiles a 150-entry, 100-phrasing FAQ (15,000
// phrasings): the target is under 5 s on the 2-core reference machine.
func BenchmarkCompileLarge(b *testing.B) {
	f := bigFixture()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchLarge matches held-out-like questions (phrasings with a word
// dropped) against the 15,000-phrasing table: target under 300 µs.
func BenchmarkMatchLarge(b *testing.B) {
	f, t := bigCompiled(b)
	var qs []string
	for _, e := range f.Entries {
		ws := strings.Fields(e.Alternates[0])
		qs = append(qs, strings.Join(ws[1:], " ")+" please")
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		t.Match(qs[i%len(qs)])
		i++
	}
}

// typicalQuestions are chat messages of the usual length.
var typicalQuestions = []string{
	"how do i reach the us consulate in milan",
	"is ICE going to be at the olympics",
	"my friend is hurt",
	"whats the weather in cortina",
	"wat is STEP",
}

func seedTable(b *testing.B) *Table {
	f, err := Parse(seeds.Name, seeds.FAQ)
	if err != nil {
		b.Fatal(err)
	}
	t, err := Compile(f)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkMatchTypical is Match on the default FAQ, emergency detection
// and language identification included. Against
// BenchmarkMatchTypicalWithoutDetection it gives what detection adds
// (target: at most 10 µs).
func BenchmarkMatchTypical(b *testing.B) {
	t := seedTable(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		t.Match(typicalQuestions[i%len(typicalQuestions)])
		i++
	}
}

// BenchmarkMatchTypicalWithoutDetection is what Match does but for the
// emergency detector.
func BenchmarkMatchTypicalWithoutDetection(b *testing.B) {
	t := seedTable(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		an, ranked, oos := t.m.classify(firstRunes(typicalQuestions[i%len(typicalQuestions)], maxClassifiedRunes))
		if len(an.raw) > 0 {
			t.decide(an, ranked, oos, emergency.None)
		}
		i++
	}
}

// BenchmarkMatch4096 is Match on a 4,096-character message whose last
// sentence is the emergency: the detector reads all of it, the classifier
// its first maxClassifiedRunes runes, so the cost is linear and bounded.
func BenchmarkMatch4096(b *testing.B) {
	t := seedTable(b)
	msg := strings.Repeat("we got to the stadium late and the queue was long, ", 100)[:4096-31] + " my friend fell and is bleeding"
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		t.Match(msg)
	}
}
