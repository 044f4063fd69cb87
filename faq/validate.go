package faq

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
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
// f and l come from the same walk, so their slices line up index for index.
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
	switch {
	case l.version.absent():
		v.ps.errorf(l.root, `missing required key "version" (want version: 1)`)
	case l.version.ok() && f.Version != 1:
		v.ps.errorf(l.version, "unsupported version %d (want 1)", f.Version)
	}
	switch {
	case l.entries.absent():
		v.ps.errorf(l.root, `missing required key "entries"`)
	case l.entries.ok() && l.entryItems == 0:
		v.ps.errorf(l.entries, "entries must not be empty")
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
	inRange := true
	for _, t := range []struct {
		name  string
		value float64
		at    mark
	}{{"answer", th.Answer, l.answer}, {"clarify", th.Clarify, l.clarify}} {
		if t.at.ok() && !(t.value >= 0 && t.value <= 1) {
			v.ps.errorf(t.at, "thresholds.%s must be between 0 and 1 (got %g)", t.name, t.value)
			inRange = false
		}
	}
	if !inRange || l.answer.bad || l.clarify.bad {
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
		at := l.clarify
		if at.absent() {
			at = l.answer
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
	for i, s := range v.f.Sources {
		sl := v.l.sourceAt[i]
		name := named("source", s.ID)
		if v.required("source", sl.at, "id", s.ID, sl.id) {
			if first, dup := byID[s.ID]; dup {
				v.ps.errorf(sl.id, "duplicate source id %q (first at line %d)", s.ID, v.l.sourceAt[first].id.line)
			} else {
				byID[s.ID] = i
			}
		}
		v.required(name, sl.at, "publisher", s.Publisher, sl.publisher)
		v.required(name, sl.at, "title", s.Title, sl.title)
		// An official page cited for its link (a url, no date) is
		// dated by nobody; everything else needs its date.
		undated := s.URL != "" && sl.date.absent()
		if !undated && v.required(name, sl.at, "date", s.Date, sl.date) && !validDate(s.Date) {
			v.ps.errorf(sl.date, "%s has a bad date %s (want a real date as YYYY-MM-DD)", name, quoteShort(s.Date))
		}
		switch {
		case !sl.url.ok() || s.URL == "":
		case !validURL(s.URL):
			v.ps.errorf(sl.url, "%s has a bad url %s (want an absolute https:// URL with a host)", name, quoteShort(s.URL))
		case !strings.HasPrefix(strings.ToLower(s.URL), "https://"):
			v.ps.errorf(sl.url, "%s has a url that is not https: %s (travelers' links must be https://)", name, quoteShort(s.URL))
		}
	}
	return byID
}

// entries checks each entry's own fields and returns the index of each id's
// first use.
func (v *validator) entries() map[string]int {
	byID := make(map[string]int, len(v.f.Entries))
	emergency := -1
	for i, e := range v.f.Entries {
		el := v.l.entryAt[i]
		name := named("entry", e.ID)
		if e.HasTag(TagEmergency) {
			if emergency >= 0 {
				v.ps.warnf(el.at, "%s is tagged emergency too; emergencies go to the first, entry %q (line %d)",
					name, v.f.Entries[emergency].ID, v.l.entryAt[emergency].at.line)
			} else {
				emergency = i
			}
		}
		if v.required("entry", el.at, "id", e.ID, el.id) {
			if !entryIDPattern.MatchString(e.ID) {
				v.ps.errorf(el.id, `entry id %s must use only lowercase letters, digits, "-" and "_"`, quoteShort(e.ID))
			}
			if first, dup := byID[e.ID]; dup {
				v.ps.errorf(el.id, "duplicate entry id %q (first at line %d)", e.ID, v.l.entryAt[first].id.line)
			} else {
				byID[e.ID] = i
			}
		}
		v.required(name, el.at, "question", e.Question, el.question)
		v.required(name, el.at, "answer", e.Answer, el.answer)
		if len(e.Citations) == 0 {
			at := el.id
			if !at.ok() {
				at = el.at
			}
			v.ps.warnf(at, "%s has no citations", name)
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
	for i, e := range v.f.Entries {
		el := v.l.entryAt[i]
		for j, c := range e.Citations {
			cl := el.citations[j]
			owner := named("entry", e.ID) + " citation"
			if v.required(owner, cl.at, "source", c.Source, cl.source) {
				if k, ok := sources[c.Source]; ok {
					cited[k] = true
				} else {
					v.ps.errorf(cl.source, "%s cites unknown source %s%s", named("entry", e.ID), quoteShort(c.Source), v.hint(c.Source, ids))
				}
			}
			// A citation of an official page (a source with a url)
			// may send the traveler there without quoting it.
			if k, ok := sources[c.Source]; !ok || v.f.Sources[k].URL == "" || !cl.quote.absent() {
				v.required(owner, cl.at, "quote", c.Quote, cl.quote)
			}
		}
	}
	for i, s := range v.f.Sources {
		if first, ok := sources[s.ID]; ok && first == i && !cited[i] {
			v.ps.warnf(v.l.sourceAt[i].id, "source %q is never cited", s.ID)
		}
	}
}

// followUps checks that follow-ups name other, existing entries.
func (v *validator) followUps(entries map[string]int) {
	ids := make([]string, len(v.f.Entries))
	for i, e := range v.f.Entries {
		ids[i] = e.ID
	}
	for i, e := range v.f.Entries {
		name := named("entry", e.ID)
		seen := make(map[string]bool, len(e.FollowUps))
		for j, id := range e.FollowUps {
			at := v.l.entryAt[i].followUps[j]
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
	for i, e := range v.f.Entries {
		el := v.l.entryAt[i]
		name := named("entry", e.ID)
		texts := append([]string{e.Question}, e.Alternates...)
		marks := append([]mark{el.question}, el.alternates...)
		for j, text := range texts {
			at := marks[j]
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
		at := v.l.negatives[i]
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
		gl := v.l.synonymAt[i]
		words := 0
		for j, w := range group {
			if strings.TrimSpace(w) == "" {
				v.ps.errorf(gl.words[j], "synonym is empty")
				continue
			}
			words++
		}
		if words < 2 {
			v.ps.errorf(gl.at, "synonym group must have at least 2 words (got %d)", words)
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
	const longest = 64 // names longer than this are not typos of ids
	a := []rune(strings.ToLower(name))
	if len(a) > longest {
		return "", false
	}
	best, bestDist := "", -1
	for _, c := range candidates {
		// Looking at a candidate costs one unit, comparing it a unit a cell.
		if ps.spell--; ps.spell < 0 {
			return "", false
		}
		if n := utf8.RuneCountInString(c); n == 0 || n > longest || len(a)-n > 1+n/3 || n-len(a) > 1+n/3 {
			continue
		}
		b := []rune(strings.ToLower(c))
		limit := 1 + len(b)/3
		cost := len(a) * len(b)
		if cost > ps.spell {
			return "", false
		}
		ps.spell -= cost
		if d := typoDistance(a, b); d <= limit && d < len(b) && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best, bestDist >= 0
}

// typoDistance is the Levenshtein distance between a and b.
func typoDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
