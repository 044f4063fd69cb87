package faq

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"travelbot/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/load")

const loadDir = "testdata/load"

// TestParseGood checks that a file using every feature decodes to exactly
// the FAQ it describes, with no warnings.
func TestParseGood(t *testing.T) {
	path := loadDir + "/good.yaml"
	f, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	dss := Citation{Source: "state-dss", Quote: "First call the local Italian emergency number (112)"}
	want := &Document{
		Version: 1,
		About:   "U.S. travelers at the Milan-Cortina 2026 Winter Olympics.",
		Sources: []Source{
			{ID: "state-dss", Publisher: "U.S. Department of State", Title: "Italy International Travel Information", Date: "2026-01-15",
				URL: "https://travel.state.gov/content/travel/en/international-travel/International-Travel-Country-Information-Pages/Italy.html"},
			{ID: "ap-ice-role", Publisher: "Associated Press", Title: "ICE agents will have a security role at Milan-Cortina Olympics, US sources say", Date: "2026-01-27"},
			{ID: "milan-consulate", Publisher: "U.S. Consulate General Milan", Title: "Services for U.S. citizens", Date: "2025-12-01",
				URL: "https://it.usembassy.gov/embassy-consulates/milan/"},
		},
		Entries: []Entry{
			{
				ID:         "emergency-112",
				Question:   "What should I do in an emergency in Italy?",
				Alternates: []string{"what number do I call for an ambulance", "help, someone is hurt!", "112 or 911?"},
				Answer:     "Call 112, the European emergency number.\nThen tell the U.S. consulate.\n",
				Citations:  []Citation{dss},
				Tags:       []string{"emergency", "safety"},
				FollowUps:  []string{"consulate-milan"},
			},
			{
				ID:         "consulate-milan",
				Question:   "Where is the U.S. consulate in Milan?",
				Alternates: []string{"consulate address milan", "embassy in milan"},
				Answer:     "The U.S. Consulate General is at Via Principe Amedeo 2/10, Milan.\n",
				Citations:  []Citation{{Source: "milan-consulate", Quote: "Via Principe Amedeo, 2/10"}, dss},
				Tags:       []string{"consulate"},
				FollowUps:  []string{"emergency-112", "ice_at_games"},
			},
			{
				ID:        "ice_at_games",
				Question:  "Will ICE agents be at the Olympics?",
				Answer:    "U.S. officials told the AP that ICE agents would support security.",
				Citations: []Citation{{Source: "ap-ice-role", Quote: "ICE agents will have a security role"}},
			},
		},
		Synonyms:   [][]string{{"consulate", "embassy", "consular"}, {"ambulance", "paramedics"}},
		Negatives:  []string{"what's the weather in cortina", "who will win the downhill"},
		Thresholds: &Thresholds{Answer: 0.6, Clarify: 0.3},
		File:       path,
	}
	// Compare field by field so one run reports every difference.
	gotV, wantV := reflect.ValueOf(*f), reflect.ValueOf(*want)
	for i := range gotV.NumField() {
		name := gotV.Type().Field(i).Name
		if g, w := gotV.Field(i).Interface(), wantV.Field(i).Interface(); !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got %#v\nwant %#v", name, g, w)
		}
	}
}

// TestParseGolden parses every other file under testdata/load and compares
// its problems with the file's .golden twin. Run with -update to rewrite
// the golden files after an intended change, then review the diff.
func TestParseGolden(t *testing.T) {
	paths, err := filepath.Glob(loadDir + "/*.yaml")
	if err != nil || len(paths) < 10 {
		t.Fatalf("glob testdata: %d files, %v", len(paths), err)
	}
	for _, path := range paths {
		if filepath.Base(path) == "good.yaml" {
			continue
		}
		t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(path, data)
			got := problemsOf(t, path, f, err)
			golden := strings.TrimSuffix(path, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			raw, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./faq -run TestParseGolden -update to create it)", err)
			}
			want := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
			compareLines(t, got, want)
		})
	}
}

// problemsOf checks the invariants every Parse result keeps and returns its
// problems as lines: a FAQ or an error, never both; errors only in a
// failure; problems located, named after the file and in file order.
func problemsOf(t *testing.T, name string, f *Document, err error) []string {
	t.Helper()
	var list []Problem
	switch {
	case f == nil && err == nil:
		t.Fatal("Parse returned neither a FAQ nor an error")
	case f != nil && err != nil:
		t.Fatalf("Parse returned both a FAQ and an error: %v", err)
	case err != nil:
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("error is %T, want *ValidationError: %v", err, err)
		}
		list = ve.Problems
		if !hasError(list) {
			t.Errorf("failed with only warnings: %v", err)
		}
		if got, want := err.Error(), strings.Join(problemStrings(list), "\n"); got != want {
			t.Errorf("Error() = %q, want one problem per line %q", got, want)
		}
	default:
		list = f.Warnings
		if hasError(list) {
			t.Errorf("succeeded with errors among its warnings: %v", list)
		}
		if f.File != name {
			t.Errorf("File = %q, want %q", f.File, name)
		}
	}
	for i, p := range list {
		if p.File != name || p.Line < 1 || p.Col < 1 {
			t.Errorf("problem not located in %s: %s", name, p)
		}
		if i > 0 && (p.Line < list[i-1].Line || p.Line == list[i-1].Line && p.Col < list[i-1].Col) {
			t.Errorf("problems out of order: %s before %s", list[i-1], p)
		}
	}
	return problemStrings(list)
}

func hasError(list []Problem) bool {
	for _, p := range list {
		if !p.Warning {
			return true
		}
	}
	return false
}

func problemStrings(list []Problem) []string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p.String()
	}
	return out
}

// compareLines reports every line missing from got and every unexpected
// one, then any difference in order.
func compareLines(t *testing.T, got, want []string) {
	t.Helper()
	left := make(map[string]int) // wanted lines not yet seen
	for _, l := range want {
		left[l]++
	}
	for _, l := range got {
		if left[l] > 0 {
			left[l]--
		} else {
			t.Errorf("unexpected: %s", l)
		}
	}
	for _, l := range want {
		if left[l] > 0 {
			t.Errorf("missing:    %s", l)
			left[l]--
		}
	}
	if !t.Failed() && !reflect.DeepEqual(got, want) {
		t.Errorf("problems in the wrong order:\n got %q\nwant %q", got, want)
	}
}

// TestParseLimits covers inputs too big or too clever to keep in testdata.
func TestParseLimits(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want []string // exact problems
		// or, for results that are long, the count and the last message
		wantCount int
		wantLast  string
		heavy     string // why the case skips under -short and -race, if it does
	}{
		{
			name: "over the size limit",
			data: padTo("version: 1\n#", MaxFileSize+1),
			want: []string{"f.yaml:1:1: the file is over the 8 MiB limit"},
		},
		{
			name:      "alias fan-out past the node cap",
			data:      aliasFanOut(1200),
			wantCount: 1,
			wantLast:  fmt.Sprintf("the file is too complex: over %d YAML values, counting each use of an alias", maxNodes),
			heavy:     "walks 1.4 million YAML values",
		},
		{
			name:      "too many problems",
			data:      manyUnknownKeys(1500),
			wantCount: maxProblems + 1,
			wantLast:  "too many problems: 2000 more not shown", // 1500 unknown keys + 1500 warnings - 1000 kept
		},
		{
			name:  "just under the size limit is parsed",
			data:  padTo("version: 1\nentries: [{id: a, question: q, answer: x}]\n#", MaxFileSize),
			want:  []string{`f.yaml:2:16: warning: entry "a" has no citations`},
			heavy: "parses an 8 MiB file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.heavy != "" {
				testutil.SkipHeavy(t, tt.heavy)
			}
			f, err := Parse("f.yaml", tt.data)
			got := problemsOf(t, "f.yaml", f, err)
			if tt.want != nil {
				compareLines(t, got, tt.want)
				return
			}
			if len(got) != tt.wantCount {
				t.Errorf("got %d problems, want %d", len(got), tt.wantCount)
			}
			if len(got) > 0 && !strings.HasSuffix(got[len(got)-1], ": "+tt.wantLast) {
				t.Errorf("last problem = %q, want it to end %q", got[len(got)-1], tt.wantLast)
			}
		})
	}
}

// padTo pads prefix with a comment to exactly size bytes.
func padTo(prefix string, size int) []byte {
	return append([]byte(prefix), bytes.Repeat([]byte("x"), size-len(prefix))...)
}

// aliasFanOut is a small file whose anchors multiply: n entries, each an
// alias of one entry holding n aliased citations, n*n citations in all.
func aliasFanOut(n int) []byte {
	var b bytes.Buffer
	b.WriteString("version: 1\nsources: [{id: s, publisher: p, title: t, date: 2026-01-01}]\nentries:\n")
	b.WriteString("  - &e\n    id: a\n    question: q\n    answer: x\n    citations: [&c {source: s, quote: q}")
	b.WriteString(strings.Repeat(", *c", n))
	b.WriteString("]\n")
	b.WriteString(strings.Repeat("  - *e\n", n))
	return b.Bytes()
}

// manyUnknownKeys has n entries, each with an unknown key and no citation.
func manyUnknownKeys(n int) []byte {
	var b bytes.Buffer
	b.WriteString("version: 1\nentries:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: e%d, question: question %d, answer: a, bogus: 1}\n", i, i)
	}
	return b.Bytes()
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("#"), MaxFileSize+100), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.yaml")
	tests := []struct {
		name     string
		path     string
		wantIs   error  // the error wraps this
		wantText string // the error mentions this
		wantOK   bool
	}{
		{name: "good file", path: loadDir + "/good.yaml", wantOK: true},
		{name: "missing file", path: missing, wantIs: fs.ErrNotExist, wantText: missing},
		{name: "a directory", path: dir, wantText: dir},
		{name: "too big", path: big, wantText: big + ":1:1: the file is over the 8 MiB limit"},
		{name: "invalid file", path: loadDir + "/syntax-indent.yaml", wantText: loadDir + "/syntax-indent.yaml:5:4: YAML syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Load(tt.path)
			if tt.wantOK {
				if err != nil || f == nil || f.File != tt.path {
					t.Errorf("Load(%s) = %v, %v; want a FAQ named after the path", tt.path, f, err)
				}
				return
			}
			if err == nil || f != nil {
				t.Fatalf("Load(%s) = %v, %v; want an error", tt.path, f, err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v does not wrap %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not mention %q", err, tt.wantText)
			}
		})
	}
}

// TestPhrasingKey checks the one normalisation of phrasings that the
// validator's duplicate check and the matcher's exact-phrase map share.
func TestPhrasingKey(t *testing.T) {
	tests := []struct{ a, b string }{
		{"How do I buy tickets?", "how do i buy tickets"},
		{"  HOW   do\tI buy\ntickets!!", "how do i buy tickets"},
		{"What's the weather?", "whats the weather"},
		{"Où est l'ambassade ?", "ou est l ambassade"},
		{"Where is the café?", "where is the cafe"},
		{"???", ""},
	}
	for _, tt := range tests {
		if got := phrasingKey(tt.a); got != tt.b {
			t.Errorf("phrasingKey(%q) = %q, want %q", tt.a, got, tt.b)
		}
	}
}

// TestCafeIsADuplicate is issue 14's case: two phrasings the matcher reads
// as one, under two entries, are refused naming both lines.
func TestCafeIsADuplicate(t *testing.T) {
	data := []byte(`version: 1
entries:
  - id: a
    question: Where is the café?
    answer: x
  - id: b
    question: where is the cafe
    answer: y
`)
	_, err := Parse("f.yaml", data)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse = %v, want a *ValidationError", err)
	}
	want := `f.yaml:7:15: entry "b" has the phrasing "where is the cafe", already under entry "a" (line 4)`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("problems:\n%v\nwant one to be\n%s", err, want)
	}
}

func TestClosest(t *testing.T) {
	keys := []string{"id", "question", "alternates", "answer", "citations", "tags", "follow_ups"}
	tests := []struct {
		name, want string
	}{
		{"alternate", "alternates"},
		{"Question", "question"},
		{"followups", "follow_ups"},
		{"follow-ups", "follow_ups"},
		{"tag", "tags"},
		{"ID", "id"},
		{"colour", ""},
		{"x", ""},
		{strings.Repeat("alternates", 10), ""},
	}
	for _, tt := range tests {
		ps := &problems{spell: spellBudget}
		got, ok := ps.closest(tt.name, keys)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("closest(%q) = %q, %v; want %q", tt.name, got, ok, tt.want)
		}
	}
	// With the budget spent there are no more hints, however close.
	spent := &problems{spell: 10}
	if got, ok := spent.closest("alternate", keys); ok {
		t.Errorf("closest with no budget = %q, want no hint", got)
	}
}

// bigFAQYAML writes an FAQ of entries x phrasings (question plus
// alternates) in the YAML format, every entry cited.
func bigFAQYAML(entries, phrasings int) []byte {
	var b bytes.Buffer
	b.WriteString("version: 1\nsources:\n  - id: src\n    publisher: P\n    title: T\n    date: 2026-01-01\n    url: https://example.com/src\nentries:\n")
	for i := range entries {
		fmt.Fprintf(&b, "  - id: intent-%03d\n    question: how do I ask about topic %d\n    alternates:\n", i, i)
		for j := 1; j < phrasings; j++ {
			fmt.Fprintf(&b, "      - variant %d of a question about topic %d, with a few more words\n", j, i)
		}
		fmt.Fprintf(&b, "    answer: |\n      The answer for topic %d.\n    citations:\n      - source: src\n        quote: topic %d\n    tags: [t%d]\n", i, i, i%10)
		if i > 0 {
			fmt.Fprintf(&b, "    follow_ups: [intent-%03d]\n", i-1)
		}
	}
	b.WriteString("synonyms:\n  - [topic, subject]\nnegatives:\n  - what is the weather\n")
	return b.Bytes()
}

// TestParseBig checks that a benchmark-sized file (150 entries x 100
// phrasings) parses cleanly; BenchmarkParse measures how fast.
func TestParseBig(t *testing.T) {
	testutil.SkipHeavy(t, "parses a 15,000-phrasing file")
	f, err := Parse("big.yaml", bigFAQYAML(150, 100))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 150 || len(f.Entries[149].Alternates) != 99 || len(f.Warnings) != 0 {
		t.Errorf("got %d entries, %d alternates in the last, %d warnings; want 150, 99, 0",
			len(f.Entries), len(f.Entries[149].Alternates), len(f.Warnings))
	}
}

func BenchmarkParse(b *testing.B) {
	data := bigFAQYAML(150, 100)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("big.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// aliasBomb is issue 15's file: an about string of words words, aliased
// uses times as negatives. It is small on disk and huge once expanded.
func aliasBomb(words, uses int) []byte {
	var b bytes.Buffer
	b.WriteString("version: 1\nabout: &about ")
	for i := range words {
		fmt.Fprintf(&b, "w%d ", i%997)
	}
	b.WriteString("\nentries:\n  - {id: a, question: q, answer: x}\nnegatives:\n")
	b.WriteString(strings.Repeat("  - *about\n", uses))
	return b.Bytes()
}

// TestAliasBombRefusedCheaply checks that the bomb is refused by the walk,
// before validation or Compile read any of it, with little memory; the
// time it takes is BenchmarkAliasBomb's.
func TestAliasBombRefusedCheaply(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bomb.yaml")
	if err := os.WriteFile(path, aliasBomb(20_000, 5_000), 0o644); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f, err := Load(path)
	runtime.ReadMemStats(&after)
	var ve *ValidationError
	if f != nil || !errors.As(err, &ve) {
		t.Fatalf("Load = %v, %v; want a *ValidationError", f, err)
	}
	if !strings.Contains(err.Error(), "once its aliases are expanded") || !strings.HasPrefix(err.Error(), path+":") {
		t.Errorf("error = %v; want the expansion cap, at FILE:LINE:COL", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 50<<20 {
		t.Errorf("refusing it allocated %d MB, want under 50 MB", alloc>>20)
	}
	// The too-long phrasing is one mistake, however often it is aliased.
	if len(ve.Problems) != 2 {
		t.Errorf("%d problems, want 2 (the long phrasing once, the expansion):\n%v", len(ve.Problems), err)
	}
}

func BenchmarkAliasBomb(b *testing.B) {
	data := aliasBomb(20_000, 5_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bomb.yaml", data); err == nil {
			b.Fatal("the bomb parsed")
		}
	}
}

// TestParseCaps checks each cap on what a file expands to, at its place.
func TestParseCaps(t *testing.T) {
	long := strings.Repeat("word ", MaxPhrasingRunes/5+1)
	manyAliases := func(n int) []byte {
		return []byte("version: 1\nentries:\n  - {id: a, question: q, answer: x}\nnegatives:\n  - &n not this\n" +
			strings.Repeat("  - *n\n", n))
	}
	tests := []struct {
		name  string
		data  []byte
		want  string // a problem; "" for a file that parses
		heavy string // why the case skips under -short and -race, if it does
	}{
		{"a phrasing too long", []byte("version: 1\nentries:\n  - {id: a, question: q, answer: x, alternates: [" + long + "]}\n"),
			fmt.Sprintf("f.yaml:3:50: entries[0].alternates[0]: is over %d characters", MaxPhrasingRunes), ""},
		{"too many phrasings by alias", manyAliases(MaxPhrasings),
			fmt.Sprintf("f.yaml:%d:5: the file has too many phrasings: over %d", 5+MaxPhrasings-1, MaxPhrasings),
			"expands to the phrasing cap"},
		// just under the phrasing cap parses (and is refused by nothing else)
		{"just under the phrasing cap", manyAliases(MaxPhrasings - 2), "", "expands to the phrasing cap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.heavy != "" {
				testutil.SkipHeavy(t, tt.heavy)
			}
			_, err := Parse("f.yaml", tt.data)
			if tt.want == "" {
				if err != nil && !strings.Contains(err.Error(), "warning") {
					t.Errorf("Parse = %v, want no problem", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse = %v, want a problem %q", err, tt.want)
			}
		})
	}
}

// TestReadFileRefusesWhatIsNotAFile checks that a FIFO, a device behind a
// symlink and a sparse file far over the cap are refused without blocking
// and without reading them.
func TestReadFileRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	zero := filepath.Join(dir, "zero.yaml")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	sparse := filepath.Join(dir, "sparse.yaml")
	sf, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := sf.Truncate(2 << 30); err != nil {
		t.Fatal(err)
	}
	sf.Close()
	tests := []struct {
		name, path string
		wantIs     error
		wantText   string
	}{
		{"fifo", fifo, ErrNotRegular, "a FIFO"},
		{"symlink to /dev/zero", zero, ErrNotRegular, "a device"},
		{"2 GiB sparse file", sparse, nil, sparse + ":1:1: the file is over the 8 MiB limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			f, err := Load(tt.path) // blocks forever on the FIFO if it opens it for a plain read
			runtime.ReadMemStats(&after)
			if f != nil || err == nil {
				t.Fatalf("Load = %v, %v; want an error", f, err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v does not wrap %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not mention %q", err, tt.wantText)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("refusing it allocated %d KB, want under 1 MB", alloc>>10)
			}
		})
	}
}
