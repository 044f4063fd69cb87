package console

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"travelbot/bot"
	"travelbot/bot/store"
	"travelbot/faq"
	"travelbot/seeds"
)

var funcs = template.FuncMap{
	"pct": func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"conf": func(f float64) string {
		return fmt.Sprintf("%.2f", f)
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"ms":      func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) },
	"hundred": func(f float64) string { return fmt.Sprintf("%.1f", f*100) },
	"inc":     func(i int) int { return i + 1 },
	"first": func(ss []string) string {
		if len(ss) == 0 {
			return "(no example kept)"
		}
		return ss[0]
	},
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12]
		}
		return s
	},
}

// ---- overview

type overviewData struct {
	Version, File string
	Entries       int
	LastReload    *reloadView
	Reloads       []reloadView
	Adapters      []AdapterState
	Chart         *chart
	Series        any
	TopEntries    []topEntry
	Votes         *voteShare
	Clusters      []Cluster
	ReviewOn      bool
	Actions       []store.Action
	Problems      []string // what could not be read
}

type reloadView struct {
	Time     time.Time
	Trigger  string
	Result   string // ok, unchanged, error
	Version  string
	Entries  int
	Duration time.Duration
	Problems []string
}

type topEntry struct {
	ID, Question   string
	Answers        int
	Up, Down       int
	UpShare, Share float64
}

type voteShare struct {
	Up, Down         int
	UpShare, DnShare float64
}

func resultName(ok, changed bool) string {
	switch {
	case !ok:
		return "error"
	case changed:
		return "ok"
	}
	return "unchanged"
}

func (c *Console) overview(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	t := c.o.Tables.Current()
	d := overviewData{Version: t.Version(), File: t.File(), Entries: t.Len(), ReviewOn: c.o.Review != nil, Series: series}
	problem := func(what string, err error) {
		c.log.Error("console: overview", "what", what, "err", err)
		d.Problems = append(d.Problems, what+": "+err.Error())
	}
	if c.o.LastReload != nil {
		res, at := c.o.LastReload()
		d.LastReload = &reloadView{Time: at, Trigger: res.Trigger, Result: resultName(res.OK, res.Changed), Version: res.Version, Entries: res.Entries, Duration: res.Duration, Problems: problemStrings(res)}
	}
	if c.o.Adapters != nil {
		d.Adapters = c.o.Adapters()
		slices.SortFunc(d.Adapters, func(a, b AdapterState) int { return cmp.Compare(a.Name, b.Name) })
	}
	if st := c.o.Store; st != nil {
		now := c.now()
		if rs, err := st.Reloads(ctx, 20); err != nil {
			problem("reload history", err)
		} else {
			for _, x := range rs {
				d.Reloads = append(d.Reloads, reloadView{Time: x.Time, Trigger: x.Trigger, Result: resultName(x.OK, x.Changed), Version: x.Version, Entries: x.Entries, Duration: x.Duration, Problems: x.Problems})
			}
		}
		since := now.UTC().Truncate(time.Hour).Add(-23 * time.Hour)
		if counts, err := st.Counts(ctx, store.Filter{Since: since}, time.Hour); err != nil {
			problem("questions per hour", err)
		} else {
			ch := hourlyChart(counts, now)
			d.Chart = &ch
		}
		if top, err := st.TopEntries(ctx, store.Filter{}, 10); err != nil {
			problem("top entries", err)
		} else {
			d.TopEntries = topEntries(t, top)
		}
		if v, err := st.Votes(ctx, store.Filter{}); err != nil {
			problem("votes", err)
		} else if v.Up+v.Down > 0 {
			n := float64(v.Up + v.Down)
			d.Votes = &voteShare{Up: v.Up, Down: v.Down, UpShare: float64(v.Up) / n, DnShare: float64(v.Down) / n}
		} else {
			d.Votes = &voteShare{}
		}
	}
	if c.o.Review != nil {
		if cl, err := c.o.Review.Clusters(ctx); err != nil {
			problem("review clusters", err)
		} else {
			d.Clusters = cl[:min(5, len(cl))]
		}
	}
	acts, err := c.recentActions(ctx, 20)
	if err != nil {
		problem("admin actions", err)
	}
	d.Actions = acts
	c.render(w, http.StatusOK, "overview", page{Title: "Overview", Active: "overview", CSRF: s.csrf, Flash: c.sessions.takeFlash(s), Data: d})
}

func topEntries(t *faq.Table, stats []store.EntryStats) []topEntry {
	total := 0
	for _, s := range stats {
		total += s.Answers
	}
	var out []topEntry
	for _, s := range stats {
		te := topEntry{ID: s.Entry, Answers: s.Answers, Up: s.Up, Down: s.Down}
		if e := t.Entry(s.Entry); e != nil {
			te.Question = e.Question
		}
		if total > 0 {
			te.Share = float64(s.Answers) / float64(total)
		}
		if s.Up+s.Down > 0 {
			te.UpShare = float64(s.Up) / float64(s.Up+s.Down)
		}
		out = append(out, te)
	}
	return out
}

func problemStrings(res faq.ReloadResult) []string {
	var out []string
	for _, p := range res.Problems {
		out = append(out, p.String())
	}
	if res.Err != nil {
		out = append(out, res.Err.Error())
	}
	return out
}

// ---- reload

// reload reloads the FAQ through the one reload path and shows the result
// on the page the button was on.
func (c *Console) reload(w http.ResponseWriter, r *http.Request, s *session) {
	res := c.o.Reloader.Reload(r.Context(), "console")
	c.record(r.Context(), s, "reload", fmt.Sprintf("%s, version %s", resultName(res.OK, res.Changed), short(res.Version)))
	c.sessions.setFlash(s, reloadFlash(res, "Reloaded"))
	seeOther(w, r, back(r))
}

func reloadFlash(res faq.ReloadResult, what string) *flash {
	if !res.OK {
		return &flash{Text: "The reload failed; the previous FAQ is still serving (version " + short(res.Version) + ").", Problems: problemStrings(res)}
	}
	if !res.Changed {
		return &flash{OK: true, Text: fmt.Sprintf("%s: the FAQ is unchanged (version %s, %d entries).", what, short(res.Version), res.Entries)}
	}
	return &flash{OK: true, Text: fmt.Sprintf("%s: now serving version %s, %d entries.", what, short(res.Version), res.Entries)}
}

func short(v string) string {
	if len(v) > 12 {
		return v[:12]
	}
	return v
}

// back is the console page to return to after a POST: the form's "back"
// field when it names one, else the overview.
func back(r *http.Request) string {
	switch p := r.FormValue("back"); p {
	case "/admin/", "/admin/test", "/admin/review", "/admin/entries":
		return p
	}
	return "/admin/"
}

// ---- test pane

// maxQuestion bounds a test question, as the bot bounds a message.
const maxQuestion = bot.MaxMessageBytes

type testData struct {
	Question string
	Result   *testResult
	Draft    *draftResult
	DraftIn  string
	CasesIn  string
	Error    string
}

type testResult struct {
	Outcome    string
	Entry      string
	Confidence float64
	Urgency    string
	Language   string
	Emergency  bool
	Candidates []candidateView
	Unknown    []string
	Telegram   telegramView
	Discord    discordView
}

type candidateView struct {
	ID, Question string
	Confidence   float64
	Nearest      string
	Overlap      float64
	Chosen       bool
}

func (c *Console) testPane(w http.ResponseWriter, r *http.Request, s *session) {
	c.render(w, http.StatusOK, "test", page{Title: "Test", Active: "test", CSRF: s.csrf, Flash: c.sessions.takeFlash(s), Data: testData{}})
}

// test runs one question through the live table and the bot, nothing
// recorded, and shows why. The question travels in the POST body only.
func (c *Console) test(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.FormValue("question")
	d := testData{Question: q}
	switch {
	case bot.IsBlank(q):
		d.Error = "Type a question to test."
	case len(q) > maxQuestion || !utf8.ValidString(q):
		d.Error = fmt.Sprintf("The question is over %d bytes (or not text).", maxQuestion)
	default:
		res := c.explain(r.Context(), q)
		d.Result = &res
		c.record(r.Context(), s, "test", "outcome "+res.Outcome) // never the question: it is not redacted
	}
	c.render(w, http.StatusOK, "test", page{Title: "Test", Active: "test", CSRF: s.csrf, Data: d})
}

func (c *Console) explain(ctx context.Context, q string) testResult {
	t := c.o.Tables.Current()
	ex := t.Explain(q, 5)
	tr := testResult{
		Outcome:    string(ex.Result.Outcome),
		Confidence: ex.Result.Confidence,
		Urgency:    string(ex.Result.Urgency),
		Language:   ex.Result.Language,
		Emergency:  ex.Result.Emergency,
		Unknown:    ex.Unknown,
	}
	if ex.Result.Entry != nil {
		tr.Entry = ex.Result.Entry.ID
	}
	for _, cd := range ex.Candidates {
		tr.Candidates = append(tr.Candidates, candidateView{ID: cd.Entry.ID, Question: cd.Entry.Question, Confidence: cd.Confidence, Nearest: cd.Nearest, Overlap: cd.Overlap, Chosen: cd.Entry.ID == tr.Entry})
	}
	// The same conversation the adapters run, once per platform, since the
	// bot words a reply for the channel it goes to.
	tr.Telegram = telegramPreview(c.preview.Ask(ctx, bot.Message{Channel: "telegram", ChatKind: "private", Text: q}))
	tr.Discord = discordPreview(c.preview.Ask(ctx, bot.Message{Channel: "discord", ChatKind: "private", Text: q}))
	return tr
}

// ---- draft FAQ

type draftResult struct {
	Name     string
	OK       bool
	Version  string
	Entries  int
	Problems []string
	Warnings []string
	Cases    string // the cases file used, or ""
	Report   *faq.Report
	Live     *faq.Report // the serving FAQ on the same cases
	CaseErrs []faq.CaseError
	Error    string
}

// draft validates a pasted or uploaded FAQ and evaluates it against its
// cases (pasted or uploaded, else the serving FAQ's own), next to the FAQ
// serving now. Nothing is saved or served.
func (c *Console) draft(w http.ResponseWriter, r *http.Request, s *session) {
	d := testData{DraftIn: r.FormValue("draft"), CasesIn: r.FormValue("cases")}
	name, data, err := formFile(r, "file", "draft", "draft.yaml")
	if err != nil {
		d.Error = err.Error()
		c.render(w, http.StatusOK, "test", page{Title: "Test", Active: "test", CSRF: s.csrf, Data: d})
		return
	}
	casesName, cases, err := formFile(r, "cases_file", "cases", "cases.yaml")
	if err != nil {
		d.Error = err.Error()
		c.render(w, http.StatusOK, "test", page{Title: "Test", Active: "test", CSRF: s.csrf, Data: d})
		return
	}
	if len(data) == 0 {
		d.Error = "Paste a draft FAQ or pick its file."
		c.render(w, http.StatusOK, "test", page{Title: "Test", Active: "test", CSRF: s.csrf, Data: d})
		return
	}
	if len(cases) == 0 {
		casesName, cases = c.defaultCases()
	}
	dr := c.checkDraft(name, data, casesName, cases)
	d.Draft = &dr
	c.record(r.Context(), s, "draft check", fmt.Sprintf("%s: %d problem(s)", name, len(dr.Problems)))
	c.render(w, http.StatusOK, "test", page{Title: "Test", Active: "test", CSRF: s.csrf, Data: d})
}

// formFile reads an uploaded file, or else a pasted text field.
func formFile(r *http.Request, fileField, textField, defaultName string) (string, []byte, error) {
	if r.MultipartForm != nil {
		if f, h, err := r.FormFile(fileField); err == nil {
			defer f.Close()
			data, err := io.ReadAll(io.LimitReader(f, maxForm))
			if err != nil {
				return "", nil, fmt.Errorf("the file could not be read: %w", err)
			}
			if len(data) > 0 {
				return safeName(h.Filename, defaultName), data, nil
			}
		}
	}
	return defaultName, []byte(r.FormValue(textField)), nil
}

// safeName is an uploaded file's base name, for problems; never a path.
func safeName(name, def string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == "" || !utf8.ValidString(name) || len(name) > 100 {
		return def
	}
	return name
}

// defaultCases are the serving FAQ's own cases: the embedded ones for the
// embedded FAQ, else cases.yaml next to the FAQ file, when there is one.
func (c *Console) defaultCases() (string, []byte) {
	file := c.o.Tables.Current().File()
	if file == seeds.Name {
		return "cases.yaml (embedded)", seeds.Cases
	}
	p := filepath.Join(filepath.Dir(file), "cases.yaml")
	data, err := os.ReadFile(p)
	if err != nil {
		return "", nil
	}
	return p, data
}

func (c *Console) checkDraft(name string, data []byte, casesName string, cases []byte) draftResult {
	dr := draftResult{Name: name}
	f, err := faq.Parse(name, data)
	if err != nil {
		var ve *faq.ValidationError
		if !errors.As(err, &ve) {
			dr.Error = err.Error()
			return dr
		}
		for _, p := range ve.Problems {
			if p.Warning {
				dr.Warnings = append(dr.Warnings, p.String())
			} else {
				dr.Problems = append(dr.Problems, p.String())
			}
		}
		return dr
	}
	for _, p := range f.Warnings {
		dr.Warnings = append(dr.Warnings, p.String())
	}
	live := c.o.Tables.Current()
	t, err := faq.Compile(f, faq.WithThresholds(live.Thresholds()))
	if err != nil {
		dr.Error = err.Error()
		return dr
	}
	dr.OK, dr.Version, dr.Entries = true, t.Version(), t.Len()
	if len(cases) == 0 {
		return dr
	}
	dr.Cases = casesName
	cs, err := faq.ParseCases(casesName, cases)
	if err != nil {
		var ve *faq.ValidationError
		if errors.As(err, &ve) {
			for _, p := range ve.Problems {
				dr.Problems = append(dr.Problems, p.String())
			}
		} else {
			dr.Error = err.Error()
		}
		dr.OK = false
		return dr
	}
	if dr.Report, err = faq.Evaluate(t, cs); err != nil {
		dr.Error = "the cases do not fit the draft: " + err.Error()
		dr.OK = false
		return dr
	}
	dr.CaseErrs = dr.Report.Errors[:min(10, len(dr.Report.Errors))]
	if rep, err := faq.Evaluate(live, cs); err == nil {
		dr.Live = rep
	}
	return dr
}

// ---- review queue

type reviewData struct {
	On       bool
	Clusters []Cluster
	Entries  []*faq.Entry
	Error    string
}

func (c *Console) reviewQueue(w http.ResponseWriter, r *http.Request, s *session) {
	d := reviewData{On: c.o.Review != nil, Entries: c.o.Tables.Current().Entries()}
	if d.On {
		cl, err := c.o.Review.Clusters(r.Context())
		if err != nil {
			c.log.Error("console: review clusters", "err", err)
			d.Error = err.Error()
		}
		d.Clusters = cl
	}
	c.render(w, http.StatusOK, "review", page{Title: "Review", Active: "review", CSRF: s.csrf, Flash: c.sessions.takeFlash(s), Data: d})
}

// promote adds a cluster's phrasing to an entry's alternates or to the
// negatives, then reloads through the one reload path; the file's problems
// or the reload's are shown with file:line.
func (c *Console) promote(w http.ResponseWriter, r *http.Request, s *session) {
	if c.o.Review == nil {
		c.fail(w, r, s, http.StatusNotFound, "The review queue is off: no store.")
		return
	}
	p := Promotion{ClusterID: r.FormValue("cluster"), Entry: r.FormValue("entry"), Negative: r.FormValue("as") == "negative", Text: strings.TrimSpace(r.FormValue("text"))}
	switch {
	case p.ClusterID == "":
		c.sessions.setFlash(s, &flash{Text: "Which cluster? The form named none."})
	case p.Text == "":
		c.sessions.setFlash(s, &flash{Text: "The phrasing to add is empty."})
	case !p.Negative && p.Entry == "":
		c.sessions.setFlash(s, &flash{Text: "Choose the entry to add the phrasing to."})
	case !p.Negative && c.o.Tables.Current().Entry(p.Entry) == nil:
		c.sessions.setFlash(s, &flash{Text: fmt.Sprintf("There is no entry %q.", p.Entry)})
	default:
		c.doPromote(r.Context(), s, p)
	}
	seeOther(w, r, "/admin/review")
}

func (c *Console) doPromote(ctx context.Context, s *session, p Promotion) {
	what := "an alternate of " + p.Entry
	if p.Negative {
		p.Entry, what = "", "a negative"
	}
	if err := c.o.Review.Promote(ctx, p); err != nil {
		f := &flash{Text: "The FAQ was not changed: " + err.Error()}
		var ve *faq.ValidationError
		if errors.As(err, &ve) {
			f.Text = "The FAQ was not changed: the edit would make it invalid."
			for _, pr := range ve.Problems {
				f.Problems = append(f.Problems, pr.String())
			}
		}
		c.record(ctx, s, "promote refused", "cluster "+p.ClusterID+" as "+what)
		c.sessions.setFlash(s, f)
		return
	}
	res := c.o.Reloader.Reload(ctx, "console")
	c.record(ctx, s, "promote", fmt.Sprintf("cluster %s as %s; reload %s, version %s", p.ClusterID, what, resultName(res.OK, res.Changed), short(res.Version)))
	c.sessions.setFlash(s, reloadFlash(res, "Added as "+what))
}

func (c *Console) dismiss(w http.ResponseWriter, r *http.Request, s *session) {
	if c.o.Review == nil {
		c.fail(w, r, s, http.StatusNotFound, "The review queue is off: no store.")
		return
	}
	id := r.FormValue("cluster")
	if err := c.o.Review.Dismiss(r.Context(), id); err != nil {
		c.sessions.setFlash(s, &flash{Text: "The cluster could not be dismissed: " + err.Error()})
	} else {
		c.record(r.Context(), s, "dismiss", "cluster "+id)
		c.sessions.setFlash(s, &flash{OK: true, Text: "Dismissed: it leaves the queue."})
	}
	seeOther(w, r, "/admin/review")
}

// ---- entries

type entriesData struct {
	Query   string
	Total   int
	Entries []entryView
	Stats   bool
	Error   string
}

type entryView struct {
	ID, Question, Answer string
	Alternates           []string
	Tags                 []string
	Citations            []citationView
	FollowUps            []followUp
	Answers, Up, Down    int
}

type citationView struct {
	Publisher, Title, Date, URL, Quote string
	Approx                             bool
}

type followUp struct {
	ID, Question string
}

// entries lists the entries matching the search (id, question, alternates,
// tags, answer), with their hits and votes over the store's retention.
func (c *Console) entries(w http.ResponseWriter, r *http.Request, s *session) {
	t := c.o.Tables.Current()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := entriesData{Query: q, Total: t.Len(), Stats: c.o.Store != nil}
	stats := map[string]store.EntryStats{}
	if c.o.Store != nil {
		top, err := c.o.Store.TopEntries(r.Context(), store.Filter{}, max(1, t.Len()))
		if err != nil {
			d.Error = err.Error()
		}
		for _, st := range top {
			stats[st.Entry] = st
		}
	}
	needle := strings.ToLower(q)
	for _, e := range t.Entries() {
		if needle != "" && !entryMatches(e, needle) {
			continue
		}
		v := entryView{ID: e.ID, Question: e.Question, Answer: e.Answer, Alternates: e.Alternates, Tags: e.Tags}
		st := stats[e.ID]
		v.Answers, v.Up, v.Down = st.Answers, st.Up, st.Down
		for _, ci := range e.Citations {
			cv := citationView{Quote: ci.Quote}
			if src := t.Source(ci.Source); src != nil {
				cv.Publisher, cv.Title, cv.Date, cv.Approx = src.Publisher, src.Title, src.Date, src.DateApprox
				if strings.HasPrefix(src.URL, "https://") {
					cv.URL = src.URL
				}
			} else {
				cv.Title = ci.Source
			}
			v.Citations = append(v.Citations, cv)
		}
		for _, id := range e.FollowUps {
			fu := followUp{ID: id, Question: id}
			if fe := t.Entry(id); fe != nil {
				fu.Question = fe.Question
			}
			v.FollowUps = append(v.FollowUps, fu)
		}
		d.Entries = append(d.Entries, v)
	}
	c.render(w, http.StatusOK, "entries", page{Title: "Entries", Active: "entries", CSRF: s.csrf, Flash: c.sessions.takeFlash(s), Data: d})
}

func entryMatches(e *faq.Entry, needle string) bool {
	if strings.Contains(strings.ToLower(e.ID), needle) || strings.Contains(strings.ToLower(e.Question), needle) || strings.Contains(strings.ToLower(e.Answer), needle) {
		return true
	}
	for _, list := range [][]string{e.Alternates, e.Tags} {
		for _, a := range list {
			if strings.Contains(strings.ToLower(a), needle) {
				return true
			}
		}
	}
	return false
}
