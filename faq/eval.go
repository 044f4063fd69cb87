package faq

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ExpectNone in a case means the question is out of scope.
const ExpectNone = "none"

// Case is one regression question: the entry it should get, or ExpectNone.
type Case struct {
	Question string `yaml:"question"`
	Expect   string `yaml:"expect"`
	Line     int    `yaml:"-"`
}

// ParseCases decodes a cases file (`cases: [{question, expect}]`), strictly.
// Problems are reported all at once as a *ValidationError.
func ParseCases(name string, data []byte) ([]Case, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p := syntaxProblem(err, data)
		p.File = name
		return nil, &ValidationError{Problems: []Problem{p}}
	}
	var probs []Problem
	bad := func(n *yaml.Node, format string, args ...any) {
		probs = append(probs, Problem{File: name, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)})
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &ValidationError{Problems: []Problem{{File: name, Line: 1, Col: 1, Msg: "a cases file is a mapping with a `cases:` list"}}}
	}
	root := doc.Content[0]
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "cases" {
			bad(k, "unknown key %q", k.Value)
			continue
		}
		list = v
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		bad(root, "`cases:` must be a list")
		return nil, &ValidationError{Problems: probs}
	}
	cases := make([]Case, 0, len(list.Content))
	for _, n := range list.Content {
		if n.Kind != yaml.MappingNode {
			bad(n, "a case is a mapping with question and expect")
			continue
		}
		c := Case{Line: n.Line}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch k.Value {
			case "question":
				c.Question = v.Value
			case "expect":
				c.Expect = v.Value
			default:
				bad(k, "unknown key %q (a case has question and expect)", k.Value)
			}
		}
		if strings.TrimSpace(c.Question) == "" {
			bad(n, "case has no question")
		}
		if c.Expect == "" {
			bad(n, "case has no expect (an entry id, or none)")
		}
		cases = append(cases, c)
	}
	if len(probs) > 0 {
		return nil, &ValidationError{Problems: probs}
	}
	return cases, nil
}

// Report is what Evaluate measured. Rates are in [0,1]; a rate with nothing
// to measure is 0.
type Report struct {
	Cases           int         `json:"cases"`
	InScope         int         `json:"in_scope"`
	OutOfScope      int         `json:"out_of_scope"`
	EmergencyCases  int         `json:"emergency_cases"`
	InScopeAccuracy float64     `json:"in_scope_accuracy"`
	OOSRecall       float64     `json:"oos_recall"`
	OOSPrecision    float64     `json:"oos_precision"`
	EmergencyRecall float64     `json:"emergency_recall"`
	ClarifyRate     float64     `json:"clarify_rate"`
	HitRate         float64     `json:"answer_or_suggested"` // in-scope: expected id answered or suggested
	P50us           float64     `json:"p50_us"`
	P99us           float64     `json:"p99_us"`
	MatchesPerSec   float64     `json:"matches_per_second"`
	Confusions      []Confusion `json:"confusions"`
	Errors          []CaseError `json:"errors"`
}

// Confusion counts cases that expected one thing and got another.
type Confusion struct {
	Expect string `json:"expect"`
	Got    string `json:"got"`
	Count  int    `json:"count"`
}

// CaseError is a failed case and what came back.
type CaseError struct {
	Line        int      `json:"line"`
	Question    string   `json:"question"`
	Expect      string   `json:"expect"`
	Outcome     Outcome  `json:"outcome"`
	Got         string   `json:"got,omitempty"`
	Confidence  float64  `json:"confidence"`
	Suggestions []string `json:"suggestions,omitempty"`
	Emergency   bool     `json:"emergency"`
}

// Evaluate runs every case against the table. A case whose expect names no
// entry is an error, reported before anything runs. Scoring: an in-scope case
// is correct only when the outcome is Answer with the expected entry; an
// out-of-scope case is declined when the outcome is None or Clarify.
// Emergency cases are those expecting the table's emergency entry; they pass
// when the reply leads with 112 (Result.Emergency).
func Evaluate(t *Table, cases []Case) (*Report, error) {
	var unknown []string
	for _, c := range cases {
		if c.Expect != ExpectNone && t.Entry(c.Expect) == nil {
			unknown = append(unknown, fmt.Sprintf("line %d: expect %q is not an entry id", c.Line, c.Expect))
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("evaluate: %s", strings.Join(unknown, "; "))
	}
	r := &Report{Cases: len(cases), Confusions: []Confusion{}, Errors: []CaseError{}}
	lat := make([]time.Duration, len(cases))
	var correct, declinedOOS, declinedAll, emergHits, clarify, hits int
	confusions := map[[2]string]int{}
	start := time.Now()
	for i, c := range cases {
		t0 := time.Now()
		res := t.Match(c.Question)
		lat[i] = time.Since(t0)
		got := ExpectNone
		if res.Outcome == Answer {
			got = res.Entry.ID
		}
		if res.Outcome == Clarify {
			clarify++
		}
		declined := res.Outcome != Answer
		if declined {
			declinedAll++
		}
		ok := false
		if c.Expect == ExpectNone {
			r.OutOfScope++
			if declined {
				declinedOOS++
				ok = true
			}
		} else {
			r.InScope++
			if res.Outcome == Answer && res.Entry.ID == c.Expect {
				correct++
				ok = true
			}
			if ok || slices.ContainsFunc(res.Suggestions, func(s Suggestion) bool { return s.Entry.ID == c.Expect }) {
				hits++
			}
			if t.emergency != nil && c.Expect == t.emergency.ID {
				r.EmergencyCases++
				if res.Emergency {
					emergHits++
				}
			}
		}
		if !ok {
			if res.Outcome == Clarify {
				got = "clarify"
			}
			confusions[[2]string{c.Expect, got}]++
			ce := CaseError{Line: c.Line, Question: c.Question, Expect: c.Expect, Outcome: res.Outcome, Confidence: res.Confidence, Emergency: res.Emergency}
			if res.Entry != nil {
				ce.Got = res.Entry.ID
			}
			for _, s := range res.Suggestions {
				ce.Suggestions = append(ce.Suggestions, s.Entry.ID)
			}
			r.Errors = append(r.Errors, ce)
		}
	}
	total := time.Since(start)
	r.InScopeAccuracy = ratio(correct, r.InScope)
	r.OOSRecall = ratio(declinedOOS, r.OutOfScope)
	r.OOSPrecision = ratio(declinedOOS, declinedAll)
	r.EmergencyRecall = ratio(emergHits, r.EmergencyCases)
	r.ClarifyRate = ratio(clarify, len(cases))
	r.HitRate = ratio(hits, r.InScope)
	if len(lat) > 0 {
		slices.Sort(lat)
		r.P50us = float64(lat[len(lat)/2].Nanoseconds()) / 1e3
		r.P99us = float64(lat[min(len(lat)-1, len(lat)*99/100)].Nanoseconds()) / 1e3
		r.MatchesPerSec = float64(len(cases)) / total.Seconds()
	}
	for k, n := range confusions {
		r.Confusions = append(r.Confusions, Confusion{Expect: k[0], Got: k[1], Count: n})
	}
	slices.SortFunc(r.Confusions, func(a, b Confusion) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Expect, b.Expect), cmp.Compare(a.Got, b.Got))
	})
	return r, nil
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}
