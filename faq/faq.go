// Package faq is travelbot's domain: the FAQ file format, its strict loading
// and validation with file:line:col problems, the compilation of an FAQ into
// an immutable intent table, matching free-text questions against that table,
// as-you-type suggestions, and the live table that reloads atomically.
//
// The package knows nothing of chat platforms. Everything here is safe for
// concurrent use unless a comment says otherwise.
package faq

import "fmt"

// Document is a parsed FAQ file. It is plain data: Compile turns it into a Table,
// which is what answers questions. A FAQ returned by Parse or Load has passed
// validation; its Warnings list problems that do not stop it from serving.
//
// The yaml tags of Document and the types it holds are the file's schema,
// read by internal/yamlx: a new key is a new tagged field (plus a rule in
// validate if it needs one). check:"phrasing" marks what Compile trains on.
type Document struct {
	Version    int         `yaml:"version"`
	About      string      `yaml:"about"` // optional: one sentence on what this FAQ covers, shown in help and the fallback
	Sources    []Source    `yaml:"sources"`
	Entries    []Entry     `yaml:"entries"`
	Synonyms   [][]string  `yaml:"synonyms"`
	Negatives  []string    `yaml:"negatives" check:"phrasing"`
	Thresholds *Thresholds `yaml:"thresholds"`

	// File is the name the FAQ was loaded from, used in problems and logs.
	File string `yaml:"-"`
	// Warnings are non-fatal problems found while loading (an entry without
	// citations, say), in file order.
	Warnings []Problem `yaml:"-"`
}

// Source is a document that answers cite.
type Source struct {
	ID        string `yaml:"id"`
	Publisher string `yaml:"publisher"`
	Title     string `yaml:"title"`
	Date      string `yaml:"date"` // YYYY-MM-DD; optional for an official page with a url
	// DateApprox marks Date as an estimate (a summary that carries no
	// date of its own): it is shown as approximate wherever it is shown.
	DateApprox bool   `yaml:"date_approx"`
	URL        string `yaml:"url"` // optional; https only
}

// Entry is one question the FAQ answers.
type Entry struct {
	ID         string     `yaml:"id"`
	Question   string     `yaml:"question" check:"phrasing"`
	Alternates []string   `yaml:"alternates" check:"phrasing"`
	Answer     string     `yaml:"answer"`
	Citations  []Citation `yaml:"citations"`
	Tags       []string   `yaml:"tags"`
	FollowUps  []string   `yaml:"follow_ups"`
}

// Citation ties an answer to a source with a verbatim quote from it. A
// citation of an official page (a source with a url) may have no quote: it
// sends the traveler to the page.
type Citation struct {
	Source string `yaml:"source"`
	Quote  string `yaml:"quote"`
}

// Thresholds decide between the three outcomes of a match. A confidence at or
// above Answer answers; at or above Clarify offers suggestions; below that the
// question is out of scope. Zero fields take the defaults.
type Thresholds struct {
	Answer  float64 `yaml:"answer"`
	Clarify float64 `yaml:"clarify"`
}

// TagEmergency marks the entry that emergencies are routed to.
const TagEmergency = "emergency"

// HasTag reports whether the entry carries tag.
func (e *Entry) HasTag(tag string) bool {
	for _, t := range e.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// Problem is one thing wrong (or worth a warning) in an FAQ file, located by
// line and column (1-based; 0 when unknown).
type Problem struct {
	File    string
	Line    int
	Col     int
	Msg     string
	Warning bool
}

// String formats the problem as FILE:LINE:COL: message, the form editors and
// CI annotators understand.
func (p Problem) String() string {
	kind := ""
	if p.Warning {
		kind = "warning: "
	}
	return fmt.Sprintf("%s:%d:%d: %s%s", p.File, p.Line, p.Col, kind, p.Msg)
}
