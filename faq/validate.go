package faq

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"travelbot/internal/yamlx"
)

// spellBudget bounds the work spent on did-you-mean hints for one file
// (edit-distance cells), so a file full of unknown references stays fast.
// A few hundred typos in a 150-entry FAQ cost a fraction of it.
const spellBudget = 4_000_000

// entryIDPattern is the shape of an entry id: ids end up in commands, buttons and
// callback data, so they stay plain.
var entryIDPattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

// validate checks what the shape alone cannot: required values, formats,
// references between entries and sources, and repeated ids and phrasings.
// l holds where each of f's values was in the file, by its address.
func validate(f *Document, l *layout, ps *problems) {
	v := &validator{f: f, l: l, ps: ps}
	v.top()
	sources := v.sources()
	entries := v.entries()
	v.citations(sources)
	v.followUps(entries)
	v.phrasings()
	v.synonyms()
}

type validator struct {
	f  *Document
	l  *layout
	ps *problems
}

func (v *validator) top() {
	f, l := v.f, v.l
	switch version := l.at(&f.Version); {
	case version.absent():
		v.ps.errorf(l.root, `missing required key "version" (want version: 1)`)
	case version.ok() && f.Version != 1:
		v.ps.errorf(version, "unsupported version %d (want 1)", f.Version)
	}
	switch entries := l.at(&f.Entries); {
	case entries.absent():
		v.ps.errorf(l.root, `missing required key "entries"`)
	case entries.ok() && entries.items == 0:
		v.ps.errorf(entries, "entries must not be empty")
	}
	v.thresholds()
}

// thresholds checks each threshold's range and their order as Compile will
// see them: a zero or missing threshold takes its default.
func (v *validator) thresholds() {
	th, l := v.f.Thresholds, v.l
	if th == nil {
		return
	}
	answerAt, clarifyAt := l.at(&th.Answer), l.at(&th.Clarify)
	inRange := true
	for _, t := range []struct {
		name  string
		value float64
		at    mark
	}{{"answer", th.Answer, answerAt}, {"clarify", th.Clarify, clarifyAt}} {
		if t.at.ok() && !(t.value >= 0 && t.value <= 1) {
			v.ps.errorf(t.at, "thresholds.%s must be between 0 and 1 (got %g)", t.name, t.value)
			inRange = false
		}
	}
	if !inRange || answerAt.bad || clarifyAt.bad {
		return
	}
	answer, answerNote := th.Answer, ""
	if answer == 0 {
		answer, answerNote = DefaultAnswerThreshold, ", the default"
	}
	clarify, clarifyNote := th.Clarify, ""
	if clarify == 0 {
		clarify, clarifyNote = DefaultClarifyThreshold, ", the default"
	}
	if clarify > answer {
		at := clarifyAt
		if at.absent() {
			at = answerAt
		}
		v.ps.errorf(at, "thresholds.clarify (%g%s) must not be above thresholds.answer (%g%s)",
			clarify, clarifyNote, answer, answerNote)
	}
}

// required reports a required value that is missing (at the owner) or
// blank (at the value), and says whether the value can be checked further.
func (v *validator) required(owner string, ownerAt mark, key, value string, at mark) bool {
	switch {
	case at.absent():
		v.ps.errorf(ownerAt, "%s is missing %q", owner, key)
		return false
	case at.bad:
		return false
	case strings.TrimSpace(value) == "":
		v.ps.errorf(at, "%s has an empty %s", owner, key)
		return false
	}
	return true
}

// sources checks each source and returns the index of each id's first use.
func (v *validator) sources() map[string]int {
	byID := make(map[string]int, len(v.f.Sources))
	for i := range v.f.Sources {
		s, l := &v.f.Sources[i], v.l
		at, idAt, dateAt, urlAt := l.at(s), l.at(&s.ID), l.at(&s.Date), l.at(&s.URL)
		name := named("source", s.ID)
		if v.required("source", at, "id", s.ID, idAt) {
			if first, dup := byID[s.ID]; dup {
				v.ps.errorf(idAt, "duplicate source id %q (first at line %d)", s.ID, l.at(&v.f.Sources[first].ID).line)
			} else {
				byID[s.ID] = i
			}
		}
		v.required(name, at, "publisher", s.Publisher, l.at(&s.Publisher))
		v.required(name, at, "title", s.Title, l.at(&s.Title))
		// An official page cited for its link (a url, no date) is
		// dated by nobody; everything else needs its date.
		undated := s.URL != "" && dateAt.absent()
		if !undated && v.required(name, at, "date", s.Date, dateAt) && !validDate(s.Date) {
			v.ps.errorf(dateAt, "%s has a bad date %s (want a real date as YYYY-MM-DD)", name, quoteShort(s.Date))
		}
		switch {
		case !urlAt.ok() || s.URL == "":
		case !validURL(s.URL):
			v.ps.errorf(urlAt, "%s has a bad url %s (want an absolute https:// URL with a host)", name, quoteShort(s.URL))
		case !strings.HasPrefix(strings.ToLower(s.URL), "https://"):
			v.ps.errorf(urlAt, "%s has a url that is not https: %s (travelers' links must be https://)", name, quoteShort(s.URL))
		}
	}
	return byID
}

// entries checks each entry's own fields and returns the index of each id's
// first use.
func (v *validator) entries() map[string]int {
	byID := make(map[string]int, len(v.f.Entries))
	emergency := -1
	for i := range v.f.Entries {
		e, l := &v.f.Entries[i], v.l
		at, idAt := l.at(e), l.at(&e.ID)
		name := named("entry", e.ID)
		if e.HasTag(TagEmergency) {
			if emergency >= 0 {
				v.ps.warnf(at, "%s is tagged emergency too; emergencies go to the first, entry %q (line %d)",
					name, v.f.Entries[emergency].ID, l.at(&v.f.Entries[emergency]).line)
			} else {
				emergency = i
			}
		}
		if v.required("entry", at, "id", e.ID, idAt) {
			if !entryIDPattern.MatchString(e.ID) {
				v.ps.errorf(idAt, `entry id %s must use only lowercase letters, digits, "-" and "_"`, quoteShort(e.ID))
			}
			if first, dup := byID[e.ID]; dup {
				v.ps.errorf(idAt, "duplicate entry id %q (first at line %d)", e.ID, l.at(&v.f.Entries[first].ID).line)
			} else {
				byID[e.ID] = i
			}
		}
		v.required(name, at, "question", e.Question, l.at(&e.Question))
		v.required(name, at, "answer", e.Answer, l.at(&e.Answer))
		if len(e.Citations) == 0 {
			warnAt := idAt
			if !warnAt.ok() {
				warnAt = at
			}
			v.ps.warnf(warnAt, "%s has no citations", name)
		}
	}
	return byID
}

// citations checks that every citation names a known source and quotes it,
// then warns about sources nobody cites.
func (v *validator) citations(sources map[string]int) {
	ids := make([]string, len(v.f.Sources))
	for i, s := range v.f.Sources {
		ids[i] = s.ID
	}
	cited := make([]bool, len(v.f.Sources))
	for _, e := range v.f.Entries {
		for j := range e.Citations {
			c := &e.Citations[j]
			at, sourceAt, quoteAt := v.l.at(c), v.l.at(&c.Source), v.l.at(&c.Quote)
			owner := named("entry", e.ID) + " citation"
			if v.required(owner, at, "source", c.Source, sourceAt) {
				if k, ok := sources[c.Source]; ok {
					cited[k] = true
				} else {
					v.ps.errorf(sourceAt, "%s cites unknown source %s%s", named("entry", e.ID), quoteShort(c.Source), v.hint(c.Source, ids))
				}
			}
			// A citation of an official page (a source with a url)
			// may send the traveler there without quoting it.
			if k, ok := sources[c.Source]; !ok || v.f.Sources[k].URL == "" || !quoteAt.absent() {
				v.required(owner, at, "quote", c.Quote, quoteAt)
			}
		}
	}
	for i, s := range v.f.Sources {
		if first, ok := sources[s.ID]; ok && first == i && !cited[i] {
			v.ps.warnf(v.l.at(&v.f.Sources[i].ID), "source %q is never cited", s.ID)
		}
	}
}

// followUps checks that follow-ups name other, existing entries.
func (v *validator) followUps(entries map[string]int) {
	ids := make([]string, len(v.f.Entries))
	for i, e := range v.f.Entries {
		ids[i] = e.ID
	}
	for _, e := range v.f.Entries {
		name := named("entry", e.ID)
		seen := make(map[string]bool, len(e.FollowUps))
		for j, id := range e.FollowUps {
			at := v.l.at(&e.FollowUps[j])
			switch _, known := entries[id]; {
			case strings.TrimSpace(id) == "":
				v.ps.errorf(at, "%s has an empty follow-up", name)
			case id == e.ID:
				v.ps.errorf(at, "%s lists itself as a follow-up", name)
			case !known:
				v.ps.errorf(at, "%s has a follow-up to unknown entry %s%s", name, quoteShort(id), v.hint(id, ids))
			case seen[id]:
				v.ps.warnf(at, "%s lists the follow-up %q twice", name, id)
			}
			seen[id] = true
		}
	}
}

// firstPhrasing is where a normalised phrasing was first seen.
type firstPhrasing struct {
	entry int
	at    mark
}

// phrasings finds the same phrasing under two entries (an error: the
// matcher could not tell them apart), twice under one entry (a warning),
// and negatives that are phrasings (an error: the FAQ contradicts itself).
// "The same" is phrasingKey: what the matcher's exact-phrase map sees.
func (v *validator) phrasings() {
	seen := make(map[string]firstPhrasing)
	for i := range v.f.Entries {
		e := &v.f.Entries[i]
		name := named("entry", e.ID)
		texts := append([]*string{&e.Question}, ptrs(e.Alternates)...)
		for j, p := range texts {
			text, at := *p, v.l.at(p)
			if !at.ok() {
				continue
			}
			if j > 0 && strings.TrimSpace(text) == "" {
				v.ps.errorf(at, "%s has an empty alternate", name)
				continue
			}
			key := phrasingKey(text)
			if key == "" {
				continue
			}
			first, dup := seen[key]
			switch {
			case !dup:
				seen[key] = firstPhrasing{entry: i, at: at}
			case first.entry == i:
				v.ps.warnf(at, "%s repeats the phrasing %s (first at line %d)", name, quoteShort(text), first.at.line)
			default:
				v.ps.errorf(at, "%s has the phrasing %s, already under %s (line %d)",
					name, quoteShort(text), named("entry", v.f.Entries[first.entry].ID), first.at.line)
			}
		}
	}
	for i, text := range v.f.Negatives {
		at := v.l.at(&v.f.Negatives[i])
		if strings.TrimSpace(text) == "" {
			v.ps.errorf(at, "negative is empty")
			continue
		}
		if first, dup := seen[phrasingKey(text)]; dup {
			v.ps.errorf(at, "negative %s is a phrasing of %s (line %d)",
				quoteShort(text), named("entry", v.f.Entries[first.entry].ID), first.at.line)
		}
	}
}

func (v *validator) synonyms() {
	for i, group := range v.f.Synonyms {
		words := 0
		for j, w := range group {
			if strings.TrimSpace(w) == "" {
				v.ps.errorf(v.l.at(&group[j]), "synonym is empty")
				continue
			}
			words++
		}
		if words < 2 {
			v.ps.errorf(v.l.at(&v.f.Synonyms[i]), "synonym group must have at least 2 words (got %d)", words)
		}
	}
}

// hint is " (did you mean "x"?)" when a candidate is close to name.
func (v *validator) hint(name string, candidates []string) string {
	if best, ok := v.ps.closest(name, candidates); ok {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// named is `entry "x"`, or just `entry` when the id is missing: the
// problem's line and column say which.
func named(kind, id string) string {
	if strings.TrimSpace(id) == "" {
		return kind
	}
	return kind + " " + quoteShort(id)
}

// short quotes s for a message, cut to a readable length.
func quoteShort(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "..."
	}
	return fmt.Sprintf("%q", s)
}

// validDate reports whether s is a real calendar date written YYYY-MM-DD.
func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == len(time.DateOnly)
}

// validURL reports whether s is an absolute http or https URL with a host.
func validURL(s string) bool {
	if strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "" && u.Opaque == ""
}

// closest returns the candidate nearest to name by edit distance (ignoring
// case), if it is near enough to be a likely typo. Its work comes out of
// the file's spelling budget; with the budget spent it suggests nothing.
func (ps *problems) closest(name string, candidates []string) (string, bool) {
	return yamlx.Closest(name, candidates, &ps.spell)
}

// ptrs points at each item of list, so that its position can be looked up.
func ptrs(list []string) []*string {
	out := make([]*string, len(list))
	for i := range list {
		out[i] = &list[i]
	}
	return out
}
