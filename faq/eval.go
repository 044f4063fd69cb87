package faq

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"travelbot/internal/yamlx"
)

// ExpectNone in a case means the question is out of scope.
const ExpectNone = "none"

// Case is one regression question: the entry it should get, or ExpectNone;
// and, for emergency corpora, the language it is written in and whether it
// describes an emergency in progress (UrgencyUrgent) or not (UrgencyNone).
// Expect is optional when Urgency is given. The yaml tags are the cases
// file's schema: yamlx decodes by them and refuses any other key.
type Case struct {
	Question string  `yaml:"question"`
	Expect   string  `yaml:"expect"`
	Lang     string  `yaml:"lang"`
	Urgency  Urgency `yaml:"urgency"`
	File     string  `yaml:"-"` // the cases file's name, as given to ParseCases
	Line     int     `yaml:"-"`
}

// casesFile is the top level of a cases file.
type casesFile struct {
	Cases []Case `yaml:"cases"`
}

// ParseCases decodes a cases file (`cases: [{question, expect, lang,
// urgency}]`), strictly, with the FAQ's decoder: unknown keys (with a "did
// you mean"), values of the wrong shape and syntax errors are located, and a
// case needs a question, and an expect or an urgency (urgent or none).
// Problems are reported all at once, in file order, as a *ValidationError.
func ParseCases(name string, data []byte) ([]Case, error) {
	ps := &problems{file: name, spell: spellBudget}
	cases := parseCases(data, ps)
	if ps.failed {
		return nil, &ValidationError{Problems: ps.sorted()}
	}
	for i := range cases {
		cases[i].File = name
	}
	return cases, nil
}

// parseCases decodes and checks a cases file; what it returns is meaningful
// only if ps has no errors.
func parseCases(data []byte, ps *problems) []Case {
	const shape = "a cases file is a mapping with a `cases:` list"
	root := parseRoot(data, ps, shape)
	if root == nil {
		return nil
	}
	dec := &yamlx.Decoder{MaxNodes: maxNodes, MaxText: MaxText, Report: ps.yaml, Suggest: ps.closest}
	var f casesFile
	l := &layout{root: nodeMark(root), pos: dec.Decode(root, &f)}
	if dec.Stopped() {
		return nil
	}
	if l.at(&f.Cases).absent() {
		ps.errorf(l.root, "missing required key \"cases\": %s", shape)
	}
	for i := range f.Cases {
		c := &f.Cases[i]
		at := l.at(c)
		c.Line = at.line
		// A value of the wrong shape was reported by the decoder: it is
		// not also missing.
		if strings.TrimSpace(c.Question) == "" && !l.at(&c.Question).bad {
			ps.errorf(at, "case has no question")
		}
		if c.Expect == "" && c.Urgency == "" && !l.at(&c.Expect).bad && !l.at(&c.Urgency).bad {
			ps.errorf(at, "case has no expect (an entry id, or %s) and no urgency (%s or %s)", ExpectNone, UrgencyUrgent, UrgencyNone)
		}
		if u := l.at(&c.Urgency); u.ok() && c.Urgency != UrgencyUrgent && c.Urgency != UrgencyNone {
			ps.errorf(u, "urgency %s is not %s or %s", quoteShort(string(c.Urgency)), UrgencyUrgent, UrgencyNone)
		}
		if lang := l.at(&c.Lang); lang.ok() && strings.TrimSpace(c.Lang) == "" {
			ps.errorf(lang, "lang is empty (want an ISO 639-1 code such as en, it, zh)")
		}
	}
	return f.Cases
}

// Report is what Evaluate measured. Rates are in [0,1]; a rate with nothing
// to measure is 0.
//
// Emergency cases are those with urgency urgent, and, in a file that gives
// no urgency, those expecting the table's emergency entry; every other case
// is non-urgent. An emergency is caught when its reply leads with 112: it is
// urgent, or possible (the caller shows the 112 line over the answer), or
// answered by the emergency entry. A false alarm is a non-urgent case routed
// as urgent; banner noise, a non-urgent case graded possible.
type Report struct {
	Cases            int         `json:"cases"`
	InScope          int         `json:"in_scope"`
	OutOfScope       int         `json:"out_of_scope"`
	EmergencyCases   int         `json:"emergency_cases"`
	NonUrgentCases   int         `json:"non_urgent_cases"`
	InScopeAccuracy  float64     `json:"in_scope_accuracy"`
	OOSRecall        float64     `json:"oos_recall"`
	OOSPrecision     float64     `json:"oos_precision"`
	EmergencyRecall  float64     `json:"emergency_recall"`
	FalseAlarms      float64     `json:"false_alarms"`
	BannerNoise      float64     `json:"banner_noise"`
	LanguageCases    int         `json:"language_cases"`    // cases that give their lang
	LanguageAccuracy float64     `json:"language_accuracy"` // of those, the share whose language was identified
	ByLanguage       []LangStats `json:"by_language"`
	ClarifyRate      float64     `json:"clarify_rate"`
	HitRate          float64     `json:"answer_or_suggested"` // in-scope: expected id answered or suggested
	P50us            float64     `json:"p50_us"`
	P99us            float64     `json:"p99_us"`
	MatchesPerSec    float64     `json:"matches_per_second"`
	Confusions       []Confusion `json:"confusions"`
	Errors           []CaseError `json:"errors"`
}

// LangStats are the emergency figures of the cases in one language: the
// case's lang, or the language Match identified when the case gives none.
type LangStats struct {
	Lang             string  `json:"lang"`
	Cases            int     `json:"cases"`
	EmergencyCases   int     `json:"emergency_cases"`
	NonUrgentCases   int     `json:"non_urgent_cases"`
	EmergencyRecall  float64 `json:"emergency_recall"`
	FalseAlarms      float64 `json:"false_alarms"`
	BannerNoise      float64 `json:"banner_noise"`
	LanguageAccuracy float64 `json:"language_accuracy"` // 0 when no case gives its lang
	caught, alarms   int
	noise, langOK    int
	langCases        int
}

// Confusion counts cases that expected one thing and got another.
type Confusion struct {
	Expect string `json:"expect"`
	Got    string `json:"got"`
	Count  int    `json:"count"`
}

// CaseError is a failed case and what came back: a wrong entry, an
// emergency whose reply does not lead with 112, or a false alarm.
type CaseError struct {
	File        string   `json:"file,omitempty"`
	Line        int      `json:"line"`
	Question    string   `json:"question"`
	Expect      string   `json:"expect,omitempty"`
	Outcome     Outcome  `json:"outcome"`
	Got         string   `json:"got,omitempty"`
	Confidence  float64  `json:"confidence"`
	Suggestions []string `json:"suggestions,omitempty"`
	Emergency   bool     `json:"emergency"`
	Urgency     Urgency  `json:"urgency,omitempty"` // what the case expects
	GotUrgency  Urgency  `json:"got_urgency"`
	Lang        string   `json:"lang,omitempty"`
	GotLang     string   `json:"got_lang"`
}

// Evaluate runs every case against the table. A case whose expect names no
// entry is an error, reported before anything runs. Scoring: an in-scope case
// is correct only when the outcome is Answer with the expected entry; an
// out-of-scope case is declined when the outcome is None or Clarify. See
// Report for the emergency figures.
func Evaluate(t *Table, cases []Case) (*Report, error) {
	var unknown []string
	for _, c := range cases {
		if c.Expect != "" && c.Expect != ExpectNone && t.Entry(c.Expect) == nil {
			unknown = append(unknown, fmt.Sprintf("line %d: expect %q is not an entry id", c.Line, c.Expect))
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("evaluate: %s", strings.Join(unknown, "; "))
	}
	r := &Report{Cases: len(cases), Confusions: []Confusion{}, Errors: []CaseError{}, ByLanguage: []LangStats{}}
	lat := make([]time.Duration, len(cases))
	var correct, declinedOOS, declinedAll, clarify, hits int
	var caught, alarms, noise, langOK int
	byLang := map[string]*LangStats{}
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
		ok := true
		switch c.Expect {
		case "":
		case ExpectNone:
			r.OutOfScope++
			if declined {
				declinedOOS++
			} else {
				ok = false
			}
		default:
			r.InScope++
			if res.Outcome == Answer && res.Entry.ID == c.Expect {
				correct++
			} else {
				ok = false
			}
			if ok || slices.ContainsFunc(res.Suggestions, func(s Suggestion) bool { return s.Entry.ID == c.Expect }) {
				hits++
			}
		}
		lang := cmp.Or(c.Lang, res.Language)
		ls := byLang[lang]
		if ls == nil {
			ls = &LangStats{Lang: lang}
			byLang[lang] = ls
		}
		ls.Cases++
		if c.Lang != "" {
			r.LanguageCases++
			ls.langCases++
			if res.Language == c.Lang {
				langOK++
				ls.langOK++
			}
		}
		urgentCase := c.Urgency == UrgencyUrgent ||
			c.Urgency == "" && t.emergency != nil && c.Expect == t.emergency.ID
		leads112 := res.Urgency != UrgencyNone || res.Outcome == Answer && res.Entry == t.emergency && t.emergency != nil
		urgencyOK := true
		if urgentCase {
			r.EmergencyCases++
			ls.EmergencyCases++
			if leads112 {
				caught++
				ls.caught++
			} else {
				urgencyOK = false
			}
		} else {
			r.NonUrgentCases++
			ls.NonUrgentCases++
			if res.Emergency {
				alarms++
				ls.alarms++
				urgencyOK = c.Urgency == "" // only emergency corpora say what is not urgent
			}
			if res.Urgency == UrgencyPossible {
				noise++
				ls.noise++
			}
		}
		if !ok && c.Expect != "" {
			g := got
			if res.Outcome == Clarify {
				g = "clarify"
			}
			confusions[[2]string{c.Expect, g}]++
		}
		if !ok || !urgencyOK {
			ce := CaseError{File: c.File, Line: c.Line, Question: c.Question, Expect: c.Expect, Outcome: res.Outcome, Confidence: res.Confidence,
				Emergency: res.Emergency, Urgency: c.Urgency, GotUrgency: res.Urgency, Lang: c.Lang, GotLang: res.Language}
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
	r.EmergencyRecall = ratio(caught, r.EmergencyCases)
	r.FalseAlarms = ratio(alarms, r.NonUrgentCases)
	r.BannerNoise = ratio(noise, r.NonUrgentCases)
	r.LanguageAccuracy = ratio(langOK, r.LanguageCases)
	r.ClarifyRate = ratio(clarify, len(cases))
	r.HitRate = ratio(hits, r.InScope)
	for _, ls := range byLang {
		ls.EmergencyRecall = ratio(ls.caught, ls.EmergencyCases)
		ls.FalseAlarms = ratio(ls.alarms, ls.NonUrgentCases)
		ls.BannerNoise = ratio(ls.noise, ls.NonUrgentCases)
		ls.LanguageAccuracy = ratio(ls.langOK, ls.langCases)
		r.ByLanguage = append(r.ByLanguage, *ls)
	}
	slices.SortFunc(r.ByLanguage, func(a, b LangStats) int { return cmp.Compare(a.Lang, b.Lang) })
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
