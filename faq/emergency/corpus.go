package emergency

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// The training corpus: lines of `lang<TAB>label<TAB>kind<TAB>text`, label
// one of urgent, possible, calm. Blank lines and lines starting with # are
// skipped.
//
//go:embed train/*.tsv
var trainFS embed.FS

// Example is one labelled message of the corpus.
type Example struct {
	Lang  string // ISO 639-1
	Label string // urgent, possible or calm
	Kind  string // what it is about: medical, crime, question-112, figurative, ...
	Text  string
	File  string
	Line  int
}

// Languages are the languages the corpus must cover, and the only ones
// Language returns.
var Languages = []string{"en", "it", "es", "fr", "de", "pt", "zh", "ja"}

// ParseCorpus reads one corpus file. It returns the examples of every good
// line, and an error listing every bad one (file:line: problem).
func ParseCorpus(name string, data []byte) ([]Example, error) {
	var out []Example
	var errs []error
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 4)
		if len(f) < 4 {
			errs = append(errs, fmt.Errorf("%s:%d: want lang, label, kind and text separated by tabs", name, i+1))
			continue
		}
		e := Example{Lang: f[0], Label: f[1], Kind: f[2], Text: f[3], File: name, Line: i + 1}
		switch {
		case !slices.Contains(Languages, e.Lang):
			errs = append(errs, fmt.Errorf("%s:%d: language %q is not one of %v", name, i+1, e.Lang, Languages))
		case e.Label != LabelUrgent && e.Label != LabelPossible && e.Label != LabelCalm:
			errs = append(errs, fmt.Errorf("%s:%d: label %q is not urgent, possible or calm", name, i+1, e.Label))
		case strings.TrimSpace(e.Text) == "":
			errs = append(errs, fmt.Errorf("%s:%d: no text", name, i+1))
		default:
			out = append(out, e)
		}
	}
	return out, errors.Join(errs...)
}

// Corpus returns the embedded training corpus, files in name order. The
// error lists the lines that do not parse; the examples are the good ones.
func Corpus() ([]Example, error) {
	names, err := fs.Glob(trainFS, "train/*.tsv")
	if err != nil {
		return nil, fmt.Errorf("emergency: corpus: %w", err)
	}
	slices.Sort(names)
	var out []Example
	var errs []error
	for _, n := range names {
		data, err := trainFS.ReadFile(n)
		if err != nil {
			errs = append(errs, fmt.Errorf("emergency: corpus: %w", err))
			continue
		}
		ex, err := ParseCorpus(path.Join("faq/emergency", n), data)
		out = append(out, ex...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}
