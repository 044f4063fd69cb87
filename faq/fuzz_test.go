package faq

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes. Whatever they are, it must not
// panic, must return a FAQ or a *ValidationError (never both, never
// neither), must locate every problem, and must give the same answer twice.
func FuzzParse(f *testing.F) {
	paths, err := filepath.Glob(loadDir + "/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, junk := range []string{
		"", "\x00", "\xff\xfe\x00v", "\xef\xbb\xbfversion: 1", "{", "[[[[[[", "- - - -", ": :", "? [a]\n: b",
		"&a [*a, *a]", "a: &a {b: *a}", "<<: {version: 1}", "%YAML 1.1\n---\nversion: 1", "--- |\n  text",
		"version: !!binary AAAA", "version: 0x1\nentries: [{id: a, question: q, answer: a}]",
		"version: 1\nentries: [{id: a, question: q, answer: a, follow_ups: [a, b, a]}]",
		"version: 1\nentries:\n - id: a\n   question: q\n   answer: x\n   citations: [{source: s}]\nthresholds: {clarify: .inf}",
		"version: 1\nentries: [*x]", "\t\tversion: 1", "version:\t1\r\nentries: []\r\n",
	} {
		f.Add([]byte(junk))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.yaml"
		got, err := Parse(name, data)
		problemsOf(t, name, got, err) // the invariants every result keeps
		if got != nil && (got.Version != 1 || len(got.Entries) == 0) {
			t.Errorf("accepted a FAQ with version %d and %d entries", got.Version, len(got.Entries))
		}
		var ve *ValidationError
		if err != nil && errors.As(err, &ve) && len(ve.Problems) == 0 {
			t.Error("a ValidationError with no problems")
		}
		again, err2 := Parse(name, data)
		if !reflect.DeepEqual(got, again) || (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Errorf("Parse is not deterministic:\n%v, %v\n%v, %v", got, err, again, err2)
		}
	})
}
