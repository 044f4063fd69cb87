package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"travelbot/bot/redact"
	"travelbot/bot/store"
	"travelbot/bot/store/postgres"
	"travelbot/bot/store/sqlite"
	"travelbot/config"
	"travelbot/faq"
)

// The kinds of review cluster: what went wrong for its questions.
const (
	kindUnanswered = "unanswered" // the fallback, or "None of these"
	kindAbandoned  = "abandoned"  // "did you mean" offered, nothing picked
	kindDownvoted  = "downvoted"  // answered, and the answer got a 👎
)

// A question joins the cluster it is most like (faq.Similarity): to the
// cluster's centroid at least clusterSimilarity, or to one of its questions
// at least memberSimilarity (a cluster's phrasings can spread out, but one
// close neighbour is not enough to chain unrelated questions together).
const (
	clusterSimilarity = 0.45
	memberSimilarity  = 0.55
)

// redactionMarks are the placeholders as they appear in a redacted text,
// from bot/redact's one list, so that a kind redaction learns is ignored
// here too.
var redactionMarks = redact.Placeholders()

// placeholders blanks the redaction marks out of a text: they say nothing
// about what a question is about ("[tax code]" is not a question about
// taxes), so clustering and suggesting ignore them.
var placeholders = func() *strings.Replacer {
	var pairs []string
	for _, m := range redactionMarks {
		pairs = append(pairs, m, " ")
	}
	return strings.NewReplacer(pairs...)
}()

func hasRedactionMark(s string) bool {
	for _, m := range redactionMarks {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// promotable is a redacted question as a phrasing for the FAQ. Redaction
// leaves placeholders where the contact details were, which no traveler
// types and which must not become an alternate: the clauses holding them go
// ("where can I rent skis, call [phone]" gives "where can I rent skis");
// when every clause holds one, the placeholders alone go. Texts without
// placeholders come back as they are, trimmed; "" when no word is left.
func promotable(text string) string {
	if !hasWord(text) {
		return ""
	}
	if !hasRedactionMark(text) {
		return strings.TrimSpace(text)
	}
	var kept strings.Builder
	start := 0
	for i, r := range text {
		end := -1
		switch r {
		case ',', ';':
			end = i + 1
		case '.', '!', '?', ':':
			if next := i + 1; next == len(text) || text[next] == ' ' || text[next] == '\t' || text[next] == '\n' {
				end = next
			}
		}
		if end < 0 && i+utf8.RuneLen(r) == len(text) {
			end = len(text)
		}
		if end < 0 {
			continue
		}
		if clause := text[start:end]; !hasRedactionMark(clause) {
			kept.WriteString(clause)
		}
		start = end
	}
	out := strings.TrimRight(strings.TrimSpace(kept.String()), ",;: ")
	if !hasWord(out) {
		out = text
		for _, m := range redactionMarks {
			out = strings.ReplaceAll(out, m, " ")
		}
		out = strings.TrimRight(strings.Join(strings.Fields(out), " "), ",;: ")
	}
	if !hasWord(out) {
		return ""
	}
	return out
}

// hasWord reports whether s has a letter or a digit: punctuation alone is
// no phrasing.
func hasWord(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// maxExamples is how many distinct texts a cluster shows.
const maxExamples = 5

// reviewCluster is a group of similar questions the FAQ served badly.
type reviewCluster struct {
	// ID is stable: a hash of the representative's normalised text.
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Count int    `json:"count"`
	// Question is the representative: the most frequent phrasing, with
	// the clauses that held redacted personal data left out
	// (promotable), as review promote adds it.
	Question string   `json:"question"`
	Examples []string `json:"examples"`
	Notes    []string `json:"notes"`
	// Suggested is absent when no entry is close (see suggest).
	Suggested suggestedEntry `json:"suggested,omitzero"`
	// DownShare is the share of the cluster's questions that got a 👎.
	DownShare float64 `json:"down_share"`
	// NoneOfThese is how many of its questions got "did you mean" and
	// the traveler pressed "None of these" (they count as unanswered).
	NoneOfThese int            `json:"none_of_these"`
	Kinds       map[string]int `json:"kinds"`
	LastSeen    time.Time      `json:"last_seen"`

	feats   []faq.Features
	members []reviewItem
}

// suggestedEntry is the entry the matcher would pick now for a cluster's
// representative, and its confidence; the zero value when none is close.
type suggestedEntry struct {
	ID         string  `json:"id"`
	Confidence float64 `json:"confidence"`
}

// reviewReport is what `travelbot review --json` prints.
type reviewReport struct {
	Since     time.Time       `json:"since"`
	Questions int             `json:"questions"` // questions in the window
	Flagged   int             `json:"flagged"`   // of those, the ones clustered
	Clusters  []reviewCluster `json:"clusters"`
}

// reviewItem is one question worth reviewing.
type reviewItem struct {
	rec   store.Record
	kind  string
	down  bool
	none  bool // "None of these" pressed
	notes []string
	feat  faq.Features
}

// classify says why a recorded question deserves review, or "" when it
// does not: it was answered and nobody objected.
func classify(r store.Record) (kind string, down bool, notes []string) {
	picked, none := false, false
	for _, e := range r.Events {
		switch e.Kind {
		case store.EventPick:
			picked = true
		case store.EventNoneOfThese:
			none = true
		case store.EventVote:
			down = down || e.Vote == store.VoteDown
		case store.EventNote:
			if e.Text != "" {
				notes = append(notes, e.Text)
			}
		}
	}
	switch {
	case r.Outcome == "none" || none:
		kind = kindUnanswered
	case r.Outcome == "clarify" && !picked:
		kind = kindAbandoned
	case down:
		kind = kindDownvoted
	}
	return kind, down, notes
}

// pressedNoneOfThese says whether the traveler answered a question's "did
// you mean" with "None of these".
func pressedNoneOfThese(r store.Record) bool {
	for _, e := range r.Events {
		if e.Kind == store.EventNoneOfThese {
			return true
		}
	}
	return false
}

// buildReview clusters the questions recorded in [since, until) that were
// unanswered, clarified then abandoned, or voted down, largest cluster
// first. Clusters marked promoted or dismissed are left out.
func buildReview(ctx context.Context, st store.Store, t *faq.Table, since, until time.Time) (*reviewReport, error) {
	recs, err := st.Records(ctx, store.Filter{Since: since, Until: until})
	if err != nil {
		return nil, err
	}
	marks, err := st.Marks(ctx)
	if err != nil {
		return nil, err
	}
	marked := make(map[string]bool)
	for _, m := range marks {
		marked[m.ClusterID] = true
		if m.Text != "" {
			marked["text:"+faq.NormalizeQuestion(m.Text)] = true
		}
	}
	rep := &reviewReport{Since: since.UTC(), Questions: len(recs), Clusters: []reviewCluster{}}
	var clusters []*reviewCluster
	for _, r := range recs {
		if r.Text == "" || r.Outcome == "rate_limited" {
			continue
		}
		kind, down, notes := classify(r)
		if kind == "" {
			continue
		}
		it := reviewItem{rec: r, kind: kind, down: down, none: pressedNoneOfThese(r), notes: notes, feat: t.Features(placeholders.Replace(r.Text))}
		if it.feat.Empty() {
			continue
		}
		var best *reviewCluster
		bestSim := 0.0
		for _, c := range clusters {
			s := faq.Similarity(it.feat, faq.Centroid(c.feats))
			if s < clusterSimilarity {
				near := 0.0
				for _, f := range c.feats {
					near = max(near, faq.Similarity(it.feat, f))
				}
				if near < memberSimilarity {
					continue
				}
				s = max(s, clusterSimilarity)
			}
			if s > bestSim {
				best, bestSim = c, s
			}
		}
		if best == nil {
			best = &reviewCluster{}
			clusters = append(clusters, best)
		}
		best.feats = append(best.feats, it.feat)
		best.members = append(best.members, it)
	}
	for _, c := range clusters {
		finishCluster(c, t)
		if marked[c.ID] || marked["text:"+faq.NormalizeQuestion(c.Question)] {
			continue
		}
		rep.Flagged += c.Count
		rep.Clusters = append(rep.Clusters, *c)
	}
	slices.SortStableFunc(rep.Clusters, func(a, b reviewCluster) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.ID, b.ID)
	})
	return rep, nil
}

// finishCluster picks the representative, the id, the examples and the
// figures of a cluster.
func finishCluster(c *reviewCluster, t *faq.Table) {
	byKey := map[string]*phrasing{}
	var order []string
	c.Kinds = map[string]int{}
	downs := 0
	for i, m := range c.members {
		key := faq.NormalizeQuestion(m.rec.Text)
		p, ok := byKey[key]
		if !ok {
			p = &phrasing{texts: map[string]int{}, first: i}
			byKey[key] = p
			order = append(order, key)
		}
		p.n++
		p.texts[m.rec.Text]++
		c.Kinds[m.kind]++
		if m.down {
			downs++
		}
		if m.none {
			c.NoneOfThese++
		}
		c.Notes = append(c.Notes, m.notes...)
		if m.rec.Time.After(c.LastSeen) {
			c.LastSeen = m.rec.Time
		}
	}
	// the most frequent phrasing; among equals, the first seen
	ranked := slices.Clone(order)
	slices.SortStableFunc(ranked, func(a, b string) int { return byKey[b].n - byKey[a].n })
	repKey := ranked[0]
	c.Question = promotable(byKey[repKey].text())
	sum := sha256.Sum256([]byte(repKey))
	c.ID = hex.EncodeToString(sum[:6])
	c.Count = len(c.members)
	c.DownShare = float64(downs) / float64(c.Count)
	for _, k := range ranked {
		if len(c.Examples) == maxExamples {
			break
		}
		c.Examples = append(c.Examples, byKey[k].text())
	}
	if len(c.Notes) > maxExamples {
		c.Notes = c.Notes[:maxExamples]
	}
	if c.Notes == nil {
		c.Notes = []string{}
	}
	// the cluster's kind is its most common one; ties go to the worst
	c.Kind = kindUnanswered
	for _, k := range []string{kindUnanswered, kindDownvoted, kindAbandoned} {
		if c.Kinds[k] > c.Kinds[c.Kind] {
			c.Kind = k
		}
	}
	c.Suggested = suggest(t, c.Question)
}

// suggest is the entry the matcher finds likeliest for a question, matched
// without its redaction placeholders; none (the zero suggestedEntry) when
// its confidence is under the table's clarify threshold, below which the
// matcher itself would offer the traveler nothing: a "suggestion" there is
// only the least unlikely entry, and promoting a question to it would teach
// the FAQ something false.
func suggest(t *faq.Table, question string) suggestedEntry {
	s := t.Rank(placeholders.Replace(question), 1)
	if len(s) == 0 || s[0].Confidence < t.Thresholds().Clarify {
		return suggestedEntry{}
	}
	return suggestedEntry{ID: s[0].Entry.ID, Confidence: s[0].Confidence}
}

// phrasing is the questions of a cluster that normalise to one text.
type phrasing struct {
	texts map[string]int // the exact texts, and how often each came
	n     int
	first int // the index of the first member with it
}

// text is a phrasing's most frequent exact text; among equals the
// shortest, then the first in byte order, so the choice does not depend on
// the order the questions came in.
func (p *phrasing) text() string {
	best := ""
	for t, n := range p.texts {
		if b := p.texts[best]; best == "" || n > b || n == b && (len(t) < len(best) || len(t) == len(best) && t < best) {
			best = t
		}
	}
	return best
}

// parseSince reads a look-back window: "7d", "36h", "90m".
func parseSince(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a number of days such as 7d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q is not a window such as 7d, 36h or 90m", s)
	}
	return v, nil
}

// reviewFlags are the flags review and review promote share.
type reviewFlags struct {
	data     *string
	faq      *string
	database *string
	since    *string
}

func (m *Main) reviewFlagSet(name string) (*flag.FlagSet, reviewFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	return fs, reviewFlags{
		data:     fs.String("data", "", "data `directory` of the store (default: TRAVELBOT_DATA_DIR, else $XDG_STATE_HOME/travelbot or ~/.local/state/travelbot)"),
		faq:      fs.String("faq", "", "FAQ `file` whose matcher groups and suggests (default: TRAVELBOT_FAQ, else the FAQ compiled in)"),
		database: fs.String("database-url", "", "the replicas' PostgreSQL `URL` (default: TRAVELBOT_DATABASE_URL): its store, and the FAQ version the replicas serve, instead of --data and --faq"),
		since:    fs.String("since", "7d", "look back this far: 7d, 36h, ..."),
	}
}

// reviewTarget is what review reads and review promote edits: the store
// and the FAQ's text.
type reviewTarget struct {
	st store.Store
	// faq is the FAQ file, or the database's latest version; nil for the
	// FAQ compiled in (which cannot be edited).
	faq   faqText
	close func() error
}

// openReviewTarget opens the store and names the FAQ. With a database
// (--database-url, else TRAVELBOT_DATABASE_URL, unless --faq names a file)
// both are the replicas': the PostgreSQL store and the FAQ version they
// serve; otherwise the store in the data directory and the FAQ file.
func (m *Main) openReviewTarget(ctx context.Context, name string, rf reviewFlags) (*reviewTarget, error) {
	url := strings.TrimSpace(*rf.database)
	switch {
	case url != "" && *rf.faq != "":
		return nil, &exitError{code: 2, msg: "travelbot " + name + ": give --database-url or --faq, not both: with a database, the FAQ is the version the replicas serve"}
	case url == "" && *rf.faq == "":
		url = strings.TrimSpace(m.Getenv("TRAVELBOT_DATABASE_URL"))
	}
	if url != "" {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			return nil, &exitError{code: 1, msg: "travelbot " + name + ": " + err.Error()}
		}
		return &reviewTarget{st: db, faq: &versionText{db: db, source: "promote"}, close: db.Close}, nil
	}
	db, _, err := m.openReviewStore(ctx, *rf.data)
	if err != nil {
		return nil, err
	}
	t := &reviewTarget{st: db, close: db.Close}
	if path := m.faqPath(*rf.faq); path != "" {
		t.faq = fileText(path)
	}
	return t, nil
}

// table compiles the FAQ the target names, with the default thresholds.
func (t *reviewTarget) table(ctx context.Context) (*faq.Table, error) {
	if t.faq == nil {
		return loadTable("")
	}
	name, data, err := t.faq.Read(ctx)
	if err != nil {
		return nil, err
	}
	return compileText(name, data)
}

// compileText parses and compiles a FAQ's YAML with the default thresholds.
func compileText(name string, data []byte) (*faq.Table, error) {
	f, err := faq.Parse(name, data)
	if err != nil {
		return nil, err
	}
	t, err := faq.Compile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// openReviewStore opens the store in the data directory for reading; it
// must exist already (serve makes it).
func (m *Main) openReviewStore(ctx context.Context, dir string) (*sqlite.DB, string, error) {
	if dir == "" {
		dir = dataDir(&config.Config{DataDir: m.Getenv("TRAVELBOT_DATA_DIR")}, m.Getenv)
	}
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
		return nil, dir, &exitError{code: 1, msg: fmt.Sprintf("travelbot review: no store in %s (run travelbot serve first, or pass --data DIR): %v", dir, errors.Unwrap(err))}
	}
	db, err := sqlite.OpenDir(ctx, dir)
	return db, dir, err
}

// review prints the clusters of questions the FAQ served badly; `review
// promote` turns one into an alternate or a negative.
func (m *Main) review(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "promote" {
		return m.promote(ctx, args[1:])
	}
	fs, rf := m.reviewFlagSet("review")
	since := rf.since
	asJSON := fs.Bool("json", false, "print JSON")
	if done, err := m.parseFlags(fs, args, "usage: travelbot review [--data DIR] [--faq FILE | --database-url URL] [--since 7d] [--json]\n       travelbot review promote [--data DIR] (--faq FILE | --database-url URL) --entry ENTRY [--negative] [--question TEXT] [--cases FILE] CLUSTER_ID"); done {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs)
	}
	window, err := parseSince(*since)
	if err != nil {
		return &exitError{code: 2, msg: "travelbot review: --since " + err.Error()}
	}
	target, err := m.openReviewTarget(ctx, "review", rf)
	if err != nil {
		return err
	}
	defer target.close()
	t, err := target.table(ctx)
	if err != nil {
		return faqError(err)
	}
	now := time.Now()
	rep, err := buildReview(ctx, target.st, t, now.Add(-window), time.Time{})
	if err != nil {
		return fmt.Errorf("review: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printReview(m.Stdout, rep, *since)
	return nil
}

func (m *Main) faqPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return m.Getenv("TRAVELBOT_FAQ")
}

func printReview(w io.Writer, rep *reviewReport, since string) {
	fmt.Fprintf(w, "%d questions in the last %s; %d in %d clusters to review\n", rep.Questions, since, rep.Flagged, len(rep.Clusters))
	for _, c := range rep.Clusters {
		suggested := "no close entry"
		if c.Suggested.ID != "" {
			suggested = fmt.Sprintf("%s (%.2f)", c.Suggested.ID, c.Suggested.Confidence)
		}
		fmt.Fprintf(w, "\n%s  %-10s  %3d question(s)  👎 %3.0f%%  suggested: %s\n", c.ID, c.Kind, c.Count, 100*c.DownShare, suggested)
		for _, ex := range c.Examples {
			fmt.Fprintf(w, "    %q\n", ex)
		}
		if c.NoneOfThese > 0 {
			fmt.Fprintf(w, "    \"None of these\" pressed: %d\n", c.NoneOfThese)
		}
		for _, n := range c.Notes {
			fmt.Fprintf(w, "    looking for: %q\n", n)
		}
	}
	if len(rep.Clusters) > 0 {
		fmt.Fprintln(w, "\nPromote one: travelbot review promote --faq FILE --entry ENTRY CLUSTER_ID (--negative for out-of-scope questions)")
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// promote adds a cluster's representative (or --question) to an entry's
// alternates or to the negatives, validates the edited file, runs the
// FAQ's cases, and writes the file only if nothing got worse.
func (m *Main) promote(ctx context.Context, args []string) error {
	fs, rf := m.reviewFlagSet("review promote")
	entry := fs.String("entry", "", "the entry to add the question to as an alternate")
	negative := fs.Bool("negative", false, "add the question to the FAQ's negatives (out of scope) instead")
	question := fs.String("question", "", "the phrasing to add (default: the cluster's representative question)")
	casesPath := fs.String("cases", "", "cases `file` that must not get worse (default: cases.yaml beside the FAQ, when present)")
	if done, err := m.parseFlags(fs, args, "usage: travelbot review promote [--data DIR] (--faq FILE | --database-url URL) --entry ENTRY [--negative] [--question TEXT] [--cases FILE] [--since 7d] CLUSTER_ID"); done {
		return err
	}
	switch {
	case fs.NArg() != 1:
		return usageError(fs)
	case (*entry == "") == !*negative:
		return &exitError{code: 2, msg: "travelbot review promote: give --entry ENTRY, or --negative"}
	}
	clusterID := fs.Arg(0)
	window, err := parseSince(*rf.since)
	if err != nil {
		return &exitError{code: 2, msg: "travelbot review promote: --since " + err.Error()}
	}

	target, err := m.openReviewTarget(ctx, "review promote", rf)
	if err != nil {
		return err
	}
	defer target.close()
	if target.faq == nil {
		return &exitError{code: 2, msg: "travelbot review promote: --faq FILE (or --database-url URL) is required: the embedded FAQ cannot be edited"}
	}
	db := target.st
	old, err := target.table(ctx)
	if err != nil {
		return faqError(err)
	}
	text := strings.TrimSpace(*question)
	if text == "" {
		rep, err := buildReview(ctx, db, old, time.Now().Add(-window), time.Time{})
		if err != nil {
			return fmt.Errorf("review: %w", err)
		}
		for _, c := range rep.Clusters {
			if c.ID == clusterID {
				text = c.Question
			}
		}
		if text == "" {
			return &exitError{code: 1, msg: fmt.Sprintf("travelbot review promote: no cluster %s to review (promoted or dismissed already, purged, or mistyped); see travelbot review", clusterID)}
		}
	}

	if text = promotable(text); text == "" {
		return &exitError{code: 2, msg: "travelbot review promote: --question: " + errNothingToPromote.Error()}
	}
	p := promotion{FAQ: target.faq, Cases: *casesPath, ClusterID: clusterID, Entry: *entry, Negative: *negative, Text: text, Session: "cli"}
	nt, err := applyPromotion(ctx, db, p)
	var ve *faq.ValidationError
	switch {
	case errors.As(err, &ve):
		return &exitError{code: 1, msg: "travelbot review promote: the edited FAQ would be invalid, nothing written:\n" + ve.Error()}
	case errors.Is(err, faq.ErrPhrasingExists):
		// The FAQ has it already: nothing to add, but the cluster is
		// dealt with and leaves the review.
		if merr := db.Mark(ctx, store.Mark{ClusterID: clusterID, State: store.MarkPromoted, Entry: *entry, Negative: *negative, Text: text, Time: time.Now()}); merr != nil {
			return fmt.Errorf("review promote: %w", merr)
		}
		fmt.Fprintf(m.Stdout, "nothing to add, %v; cluster %s marked promoted\n", strings.TrimPrefix(err.Error(), "faq: "), clusterID)
		return nil
	case errors.Is(err, errCasesWorse):
		return &exitError{code: 1, msg: "travelbot review promote: nothing written: " + err.Error()}
	case err != nil:
		return &exitError{code: 1, msg: "travelbot review promote: " + err.Error()}
	}
	then := "a running serve reloads it"
	if _, ok := target.faq.(*versionText); ok {
		then = "every replica serves it within moments"
	}
	fmt.Fprintf(m.Stdout, "added %q to %s as %s (version %s); %s\n", text, target.faq, p.what(), nt.Version(), then)
	return nil
}

// promotion is one cluster turned into an alternate or a negative.
type promotion struct {
	FAQ       faqText // where the FAQ is read and the edit goes
	Cases     string  // cases that must not get worse; "" = cases.yaml beside the FAQ's name, when present
	ClusterID string
	Entry     string // the entry whose alternates get Text; "" with Negative
	Negative  bool
	Text      string // made promotable (no redaction placeholders) before it is added
	// Session is who did it, for the audit log ("cli"); "" records no
	// action, for a caller that keeps the audit log itself (the console).
	Session string
	// Serving is the table serving now, which the cases compare against
	// and whose thresholds the edited FAQ is compiled with; nil means the
	// FAQ as read, with the default thresholds (the CLI's view).
	Serving *faq.Table
	// Now is the clock of the mark and the action; nil means time.Now.
	Now func() time.Time
}

func (p promotion) what() string {
	if p.Negative {
		return "a negative"
	}
	return "an alternate of " + p.Entry
}

// errCasesWorse is returned by applyPromotion when the FAQ's cases get
// worse with the change; the message names the cases by file:line.
var errCasesWorse = errors.New("the FAQ's cases get worse")

// errNothingToPromote is returned by applyPromotion when the phrasing is
// empty once the redacted personal data is left out.
var errNothingToPromote = errors.New("the phrasing is empty without its redacted personal data: give the phrasing to add")

// applyPromotion edits the FAQ's text (faq.AddPhrasing), read from p.FAQ,
// validates and compiles the result, runs the cases, writes it back to
// p.FAQ (the file atomically, or a new version in the database), marks the
// cluster promoted and records the action (when p.Session is set). It
// returns the new table (the caller reloads through the one reload path,
// or a running serve's watcher, or the replicas' notification, does).
// Nothing is written on any error: a *faq.ValidationError (wrapped) for an
// invalid result, faq.ErrPhrasingExists, errCasesWorse,
// errNothingToPromote, errFAQChanged. The review console and `travelbot
// review promote` share it.
func applyPromotion(ctx context.Context, st store.Store, p promotion) (*faq.Table, error) {
	if p.Text = promotable(p.Text); p.Text == "" {
		return nil, errNothingToPromote
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	name, data, err := p.FAQ.Read(ctx)
	if err != nil {
		return nil, err
	}
	old := p.Serving
	if old == nil {
		if old, err = compileText(name, data); err != nil {
			return nil, err
		}
	}
	edited, err := faq.AddPhrasing(data, name, p.Entry, p.Text, p.Negative)
	if err != nil {
		return nil, err
	}
	f, err := faq.Parse(name, edited)
	if err != nil {
		return nil, fmt.Errorf("the edited FAQ: %w", err)
	}
	nt, err := faq.Compile(f, faq.WithThresholds(old.Thresholds()))
	if err != nil {
		return nil, fmt.Errorf("the edited FAQ: %w", err)
	}
	cases := p.Cases
	if sibling := filepath.Join(filepath.Dir(name), "cases.yaml"); cases == "" && fileExists(sibling) {
		cases = sibling
	}
	if cases != "" {
		if err := notWorse(cases, old, nt); err != nil {
			return nil, err
		}
	}
	if err := p.FAQ.Write(ctx, edited, nt); err != nil {
		return nil, err
	}
	at := now()
	if err := st.Mark(ctx, store.Mark{ClusterID: p.ClusterID, State: store.MarkPromoted, Entry: p.Entry, Negative: p.Negative, Text: p.Text, Time: at}); err != nil {
		return nt, fmt.Errorf("the FAQ was edited, but marking cluster %s failed: %w", p.ClusterID, err)
	}
	if p.Session == "" {
		return nt, nil
	}
	if err := st.RecordAction(ctx, store.Action{Time: at, Session: p.Session, Action: "promote", Detail: p.ClusterID + " -> " + p.what()}); err != nil {
		return nt, fmt.Errorf("the FAQ was edited, but recording the action failed: %w", err)
	}
	return nt, nil
}

// faqText is where a promotion reads the FAQ's YAML and where the edit
// goes: the file (fileText), or with replicas the database's latest version
// (versionText), so that one applyPromotion serves both.
type faqText interface {
	// Read returns the YAML to edit and the name its problems are
	// reported against.
	Read(ctx context.Context) (name string, data []byte, err error)
	// Write stores the edited YAML, whose compiled table is t.
	Write(ctx context.Context, data []byte, t *faq.Table) error
	// String names it in messages.
	String() string
}

// fileText is a FAQ file, edited in place (atomically).
type fileText string

// Read implements faqText.
func (f fileText) Read(context.Context) (string, []byte, error) {
	data, err := faq.ReadFile(string(f))
	return string(f), data, err
}

// Write implements faqText.
func (f fileText) Write(_ context.Context, data []byte, _ *faq.Table) error {
	if err := writeFileAtomic(string(f), data); err != nil {
		return fmt.Errorf("writing %s: %w", string(f), err)
	}
	return nil
}

func (f fileText) String() string { return string(f) }

// faqVersions is the replicas' FAQ kept versioned in the database.
// *postgres.DB satisfies it.
type faqVersions interface {
	LatestFAQ(ctx context.Context) (postgres.FAQVersion, bool, error)
	PublishFAQAfter(ctx context.Context, v postgres.FAQVersion, after int64) (int64, error)
}

// errFAQChanged is returned by applyPromotion when another version was
// published between the read and the write (another promote, a file
// imported): nothing is written, and the promote can be tried again on the
// new version.
var errFAQChanged = errors.New("the FAQ changed on another replica meanwhile; nothing written, try again")

// versionText is the replicas' latest FAQ version: Read takes it, Write
// publishes the edit as the next version (every replica is notified and
// serves it), unless another was published after the one read. One
// versionText serves one promotion.
type versionText struct {
	db     faqVersions
	source string // the published version's Source: "promote"

	name string
	seq  int64 // of the version read
}

// Read implements faqText.
func (v *versionText) Read(ctx context.Context) (string, []byte, error) {
	latest, ok, err := v.db.LatestFAQ(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("faq versions: %w", err)
	}
	if !ok {
		return "", nil, errors.New("faq versions: the database has no FAQ yet: start travelbot serve on it first")
	}
	v.name, v.seq = latest.Name, latest.Seq
	return latest.Name, latest.YAML, nil
}

// Write implements faqText.
func (v *versionText) Write(ctx context.Context, data []byte, t *faq.Table) error {
	_, err := v.db.PublishFAQAfter(ctx, postgres.FAQVersion{Version: t.Version(), Name: v.name, YAML: data, Source: v.source}, v.seq)
	if errors.Is(err, postgres.ErrFAQChanged) {
		return errFAQChanged
	}
	if err != nil {
		return fmt.Errorf("faq versions: %w", err)
	}
	return nil
}

func (v *versionText) String() string { return "the replicas' FAQ (the database)" }

// problemsOf lists a validation error's problems, one per line.
func problemsOf(err error) string {
	var ve *faq.ValidationError
	if errors.As(err, &ve) {
		return ve.Error()
	}
	return err.Error()
}

// notWorse runs the cases on both tables and refuses the new one when it
// gets fewer in-scope answers right, declines fewer out-of-scope questions,
// or catches fewer emergencies.
func notWorse(casesPath string, old, nt *faq.Table) error {
	data, err := os.ReadFile(casesPath)
	if err != nil {
		return fmt.Errorf("cases: %w", err)
	}
	cases, err := faq.ParseCases(casesPath, data)
	if err != nil {
		return fmt.Errorf("cases: %s", problemsOf(err))
	}
	before, err := faq.Evaluate(old, cases)
	if err != nil {
		return fmt.Errorf("cases: %w", err)
	}
	after, err := faq.Evaluate(nt, cases)
	if err != nil {
		return fmt.Errorf("cases on the edited FAQ: %w", err)
	}
	const eps = 1e-9
	var worse []string
	for _, f := range []struct {
		name          string
		before, after float64
	}{
		{"in-scope accuracy", before.InScopeAccuracy, after.InScopeAccuracy},
		{"out-of-scope recall", before.OOSRecall, after.OOSRecall},
		{"emergency recall", before.EmergencyRecall, after.EmergencyRecall},
	} {
		if f.after < f.before-eps {
			worse = append(worse, fmt.Sprintf("%s drops from %.1f%% to %.1f%%", f.name, 100*f.before, 100*f.after))
		}
	}
	if len(worse) == 0 {
		return nil
	}
	msg := fmt.Sprintf("%s (%s): %s", errCasesWorse, casesPath, strings.Join(worse, "; "))
	// name the cases that now fail
	was := map[int]bool{}
	for _, e := range before.Errors {
		was[e.Line] = true
	}
	for _, e := range after.Errors {
		if !was[e.Line] {
			msg += fmt.Sprintf("\n%s:%d: %q now gets %s %s", casesPath, e.Line, e.Question, e.Outcome, orDash(e.Got))
		}
	}
	return fmt.Errorf("%w%s", errCasesWorse, strings.TrimPrefix(msg, errCasesWorse.Error()))
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// writeFileAtomic replaces path with data through a temporary file in the
// same directory and a rename, keeping the file's mode, so that a reader
// (serve's watcher) sees the old file or the new one, never half of one.
func writeFileAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
