package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"travelbot/bot"
	"travelbot/bot/store"
	"travelbot/bot/store/sqlite"
	"travelbot/config"
)

// TestMain points the default data directory (XDG_STATE_HOME) at a
// temporary directory, so that no test's serve writes the learning loop's
// store into the real home directory, and stops the PostgreSQL cluster the
// replica tests share.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "travelbot-state-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_STATE_HOME", dir)
	code := m.Run()
	pg.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// askJSON posts a question to /v1/ask and returns the reply.
func askJSON(t *testing.T, url, q string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"question": q})
	code, got, _ := call(t, "POST", url+"/v1/ask", string(body), nil)
	if code != 200 {
		t.Fatalf("POST /v1/ask %q: %d %v", q, code, got)
	}
	return got
}

// runReview runs `travelbot review ...` in-process and returns its output.
func runReview(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), append([]string{"review"}, args...))
	var ee *exitError
	if errors.As(err, &ee) && ee.msg != "" {
		errb.WriteString(ee.msg)
	}
	if err != nil {
		return out.String() + errb.String(), err
	}
	return out.String(), nil
}

func reviewJSON(t *testing.T, dataDir, faqPath string) reviewReport {
	t.Helper()
	out, err := runReview(t, "--data", dataDir, "--faq", faqPath, "--json")
	if err != nil {
		t.Fatalf("review --json: %v\n%s", err, out)
	}
	var rep reviewReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("review --json printed %q: %v", out, err)
	}
	return rep
}

// The personal data the end-to-end test sends, and the forms of it that
// must not be found anywhere in the data directory.
const (
	testPhone = "+39 347 555 0101"
	testEmail = "luca.bianchi@example.it"
)

var personalTraces = []string{"347 555 0101", "3475550101", "555 0101", "luca.bianchi", "bianchi@", "example.it"}

// TestLearningLoopOverHTTP is the loop through the HTTP API: questions the
// FAQ cannot answer (one with a phone number and an e-mail address), a 👎
// with a note, review --json listing both, no byte of the personal data in
// the data directory, then review promote editing the FAQ, the running
// server reloading it, and the same question answered by the entry.
func TestLearningLoopOverHTTP(t *testing.T) {
	dataDir := t.TempDir()
	ts := startServer(t, func(c *config.Config, _ *server) {
		c.DataDir = dataDir
		c.Watch = true
		c.ReloadDebounce = 20 * time.Millisecond
	})
	const skis = "where can I rent skis in Cortina"
	for _, q := range []string{
		skis,
		skis + "?",
		"where can i rent skis in cortina, text " + testPhone + " or write " + testEmail,
		"ski rental in Cortina",
	} {
		r := askJSON(t, ts.url, q)
		if r["outcome"] == "answer" {
			t.Fatalf("%q was answered (%v): the test needs a question the FAQ cannot answer", q, r["id"])
		}
		if id, _ := r["question_id"].(string); id == "" {
			t.Fatalf("%q: no question_id in %v", q, r)
		}
	}
	water := askJSON(t, ts.url, "Is tap water safe to drink in Milan?")
	qid := water["question_id"].(string)
	fb := func(body string) (int, map[string]any) {
		code, got, _ := call(t, "POST", ts.url+"/v1/feedback", body, nil)
		return code, got
	}
	if code, got := fb(`{"question_id":"` + qid + `","vote":"down","note":"sparkling water, mail me at ` + testEmail + `"}`); code != 200 || got["ok"] != true {
		t.Fatalf("feedback: %d %v", code, got)
	}
	// once per user per question
	code, dup := fb(`{"question_id":"` + qid + `","vote":"up"}`)
	if code != 200 || !strings.Contains(fmt.Sprint(dup["message"]), "already") {
		t.Errorf("second vote: %d %v", code, dup)
	}
	for _, bad := range []string{`{"question_id":"` + qid + `","vote":"sideways"}`, `{"vote":"up"}`, `{"question_id":"../x","vote":"up"}`, `[]`, `{"question_id":"` + qid + `","vote":"up","extra":1}`} {
		if code, got := fb(bad); code != 400 {
			t.Errorf("feedback %s: %d %v, want 400", bad, code, got)
		}
	}
	if err := ts.learning.writer.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	rep := reviewJSON(t, dataDir, ts.faqPath)
	var skiCluster, waterCluster *reviewCluster
	for i, c := range rep.Clusters {
		switch {
		case strings.Contains(strings.ToLower(c.Question), "rent skis"):
			skiCluster = &rep.Clusters[i]
		case c.Kind == kindDownvoted:
			waterCluster = &rep.Clusters[i]
		}
	}
	if skiCluster == nil || skiCluster.Count < 3 || skiCluster.Kind != kindUnanswered || skiCluster.Question != skis {
		t.Fatalf("no unanswered ski cluster of at least 3 with %q as its representative in %+v", skis, rep.Clusters)
	}
	if waterCluster == nil || waterCluster.DownShare != 1 || len(waterCluster.Notes) != 1 || !strings.Contains(waterCluster.Notes[0], "[email]") {
		t.Fatalf("no downvoted water cluster with its redacted note in %+v", rep.Clusters)
	}
	if waterCluster.Suggested.ID != "water" {
		t.Errorf("water cluster suggests %+v", waterCluster.Suggested)
	}
	redacted := false
	for _, ex := range skiCluster.Examples {
		redacted = redacted || strings.Contains(ex, "[phone]") && strings.Contains(ex, "[email]")
	}
	if !redacted {
		t.Errorf("no redacted example in %q", skiCluster.Examples)
	}
	assertNoPersonalData(t, dataDir)

	// The metrics saw the vote and the answer.
	resp, err := http.Get(ts.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metricsText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`travelbot_feedback_total{channel="http",vote="down"} 1`, `travelbot_answers_total{entry="water"} 1`, "travelbot_store_dropped_total 0", "travelbot_store_write_duration_seconds_count"} {
		if !strings.Contains(string(metricsText), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// Promote the ski cluster to the airport entry's alternates.
	before, _ := os.ReadFile(ts.faqPath)
	from := ts.reloads.Len()
	out, err := runReview(t, "promote", "--data", dataDir, "--faq", ts.faqPath, "--entry", "airport", skiCluster.ID)
	if err != nil {
		t.Fatalf("promote: %v\n%s", err, out)
	}
	after, _ := os.ReadFile(ts.faqPath)
	if got := len(strings.Split(string(after), "\n")) - len(strings.Split(string(before), "\n")); got != 1 {
		t.Errorf("promote changed the line count by %d, want one added line:\n%s", got, after)
	}
	// The watcher reloads the promoted file.
	if res := ts.waitReload(t, from, "file"); !res.OK || !res.Changed {
		t.Errorf("the reload of the promoted file: %+v, want a change", res)
	}
	if r := askJSON(t, ts.url, skis); r["outcome"] != "answer" || r["id"] != "airport" {
		t.Errorf("after promote, %q = %v %v, want the airport entry", skis, r["outcome"], r["id"])
	}
	for _, c := range reviewJSON(t, dataDir, ts.faqPath).Clusters {
		if c.ID == skiCluster.ID {
			t.Errorf("the promoted cluster is still in the review: %+v", c)
		}
	}
	// Promoting it again finds nothing to promote.
	if out, err := runReview(t, "promote", "--data", dataDir, "--faq", ts.faqPath, "--entry", "airport", skiCluster.ID); err == nil {
		t.Errorf("a second promote of the same cluster succeeded: %s", out)
	}
}

// assertNoPersonalData reads every file in dir, byte for byte, for the
// test's phone number and e-mail address.
func assertNoPersonalData(t *testing.T, dir string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, s := range personalTraces {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds %q", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("no files in the data directory %s", dir)
	}
}

func TestPromoteRefusesWhenCasesGetWorse(t *testing.T) {
	dataDir := t.TempDir()
	ts := startServer(t, func(c *config.Config, _ *server) { c.DataDir = dataDir })
	const q = "where can I rent skis in Cortina"
	askJSON(t, ts.url, q)
	askJSON(t, ts.url, q)
	if err := ts.learning.writer.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep := reviewJSON(t, dataDir, ts.faqPath)
	if len(rep.Clusters) != 1 {
		t.Fatalf("clusters = %+v, want one", rep.Clusters)
	}
	cases := filepath.Join(filepath.Dir(ts.faqPath), "cases.yaml")
	writeFile(t, cases, "cases:\n  - question: Is tap water safe to drink in Milan?\n    expect: water\n  - question: "+q+"\n    expect: none\n")
	before, _ := os.ReadFile(ts.faqPath)
	out, err := runReview(t, "promote", "--data", dataDir, "--faq", ts.faqPath, "--entry", "airport", rep.Clusters[0].ID)
	if err == nil {
		t.Fatalf("promote made an out-of-scope case fail and was not refused: %s", out)
	}
	if !strings.Contains(out, "get worse") || !strings.Contains(out, cases+":4:") {
		t.Errorf("refusal %q does not name the case that fails by file:line", out)
	}
	if after, _ := os.ReadFile(ts.faqPath); !bytes.Equal(before, after) {
		t.Errorf("the FAQ was written although the change was refused")
	}
	// An invalid result is refused with file:line problems: the same
	// phrasing under two entries.
	out, err = runReview(t, "promote", "--data", dataDir, "--faq", ts.faqPath, "--entry", "water", "--question", "Which airport is closest to Cortina d'Ampezzo?", rep.Clusters[0].ID)
	if err == nil || !strings.Contains(out, ts.faqPath+":") {
		t.Errorf("promote of a duplicate phrasing = %v %q, want file:line problems", err, out)
	}
}

func TestParseSince(t *testing.T) {
	for in, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "36h": 36 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := parseSince(in); err != nil || got != want {
			t.Errorf("parseSince(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "0d", "-1d", "week", "7"} {
		if _, err := parseSince(bad); err == nil {
			t.Errorf("parseSince(%q): no error", bad)
		}
	}
}

// TestRecorderPrivacy: texts are redacted and ids hashed before they are
// queued; counts-only mode keeps no text, no note, and no hash that ties
// two questions to one user.
func TestRecorderPrivacy(t *testing.T) {
	for _, logText := range []bool{true, false} {
		rec, w, db := newBenchRecorder(t, 0)
		rec.logText = logText
		q := bot.QuestionRecord{Time: time.Now(), Channel: "telegram", ChatKind: "private", UserID: "424242", Chat: "424242",
			Text: "call " + testPhone + " or " + testEmail, Outcome: "none", Urgency: "none", Language: "en"}
		id1, id2 := rec.Question(q), rec.Question(q)
		if len(id1) != 16 || id1 == id2 {
			t.Fatalf("question ids %q and %q", id1, id2)
		}
		for _, id := range []string{id1, id2} {
			rec.Event(bot.Event{Time: time.Now(), QuestionID: id, Kind: bot.EventVote, Channel: "telegram", UserID: "424242", Vote: bot.VoteDown})
			rec.Event(bot.Event{Time: time.Now(), QuestionID: id, Kind: bot.EventNote, Channel: "telegram", UserID: "424242", Text: "mail " + testEmail})
		}
		w.Close()
		rs, err := db.Records(context.Background(), store.Filter{})
		if err != nil || len(rs) != 2 {
			t.Fatalf("logText=%v: records %+v, %v", logText, rs, err)
		}
		for _, r := range rs {
			raw := fmt.Sprintf("%+v", r)
			for _, s := range append(personalTraces, "424242") {
				if strings.Contains(raw, s) {
					t.Errorf("logText=%v: %q kept in %s", logText, s, raw)
				}
			}
			var votes, notes int
			for _, e := range r.Events {
				switch e.Kind {
				case store.EventVote:
					votes++
				case store.EventNote:
					notes++
				}
			}
			if votes != 1 {
				t.Errorf("logText=%v: %d votes on a question, want 1", logText, votes)
			}
			if logText {
				if r.Text != "call [phone] or [email]" || r.UserHash == "" || notes != 1 {
					t.Errorf("logText=true: text %q, user hash %q, %d notes", r.Text, r.UserHash, notes)
				}
			} else if r.Text != "" || r.UserHash != "" || notes != 0 {
				t.Errorf("logText=false: text %q, user hash %q, %d notes; want none", r.Text, r.UserHash, notes)
			}
		}
		if !logText && rs[0].Events[0].UserHash == rs[1].Events[0].UserHash {
			t.Errorf("counts only: the same user hash on two questions' votes")
		}
	}
}

func TestBuildReview(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.OpenDir(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tb, err := loadTable("")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 2, 12, 10, 0, 0, 0, time.UTC)
	n := 0
	q := func(text, outcome string, events ...store.Event) store.Record {
		n++
		id := fmt.Sprintf("q%02d", n)
		for i := range events {
			events[i].QuestionID, events[i].Time = id, now
		}
		return store.Record{Question: store.Question{ID: id, Time: now.Add(time.Duration(n) * time.Minute), Channel: "telegram", Text: text, Outcome: outcome}, Events: events}
	}
	pick := store.Event{Kind: store.EventPick, Entry: "x"}
	none := store.Event{Kind: store.EventNoneOfThese}
	down := store.Event{Kind: store.EventVote, Vote: store.VoteDown, UserHash: "u"}
	up := store.Event{Kind: store.EventVote, Vote: store.VoteUp, UserHash: "u"}
	recs := []store.Record{
		q("where can I rent skis in Cortina", "none"),
		q("where can i rent skis in cortina?", "none"),
		q("ski rental in cortina", "clarify", none),
		q("best pizza near the Duomo", "clarify"),
		q("best pizza near duomo", "clarify"),
		q("parking at the stadium", "clarify", pick),      // picked: fine
		q("is tap water safe", "answer", up),              // liked: fine
		q("is tap water safe in cortina", "answer", down), // disliked
		q("", "none"),                 // counts only
		q("too fast", "rate_limited"), // not matched
	}
	var b store.Batch
	for _, r := range recs {
		b.Questions = append(b.Questions, r.Question)
		b.Events = append(b.Events, r.Events...)
	}
	if err := db.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	rep, err := buildReview(ctx, db, tb, now.Add(-time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]reviewCluster{}
	for _, c := range rep.Clusters {
		got[c.Kind+":"+c.Question] = c
	}
	want := []struct {
		key   string
		count int
	}{
		{kindUnanswered + ":where can I rent skis in Cortina", 3},
		{kindAbandoned + ":best pizza near the Duomo", 2},
		{kindDownvoted + ":is tap water safe in cortina", 1},
	}
	for _, w := range want {
		if c, ok := got[w.key]; !ok || c.Count != w.count {
			t.Errorf("cluster %s: %+v, want count %d; all: %+v", w.key, c, w.count, rep.Clusters)
		}
	}
	if len(rep.Clusters) != len(want) || rep.Flagged != 6 || rep.Questions != len(recs) {
		t.Errorf("%d clusters, %d flagged of %d: %+v", len(rep.Clusters), rep.Flagged, rep.Questions, rep.Clusters)
	}
	if rep.Clusters[0].Question != "where can I rent skis in Cortina" {
		t.Errorf("largest cluster first: %+v", rep.Clusters[0])
	}
	// Ids are stable: the same questions give the same ids; a dismissed
	// cluster leaves the review.
	again, _ := buildReview(ctx, db, tb, now.Add(-time.Hour), time.Time{})
	for i := range rep.Clusters {
		if again.Clusters[i].ID != rep.Clusters[i].ID {
			t.Errorf("cluster ids changed between runs: %s, %s", rep.Clusters[i].ID, again.Clusters[i].ID)
		}
	}
	if err := db.Mark(ctx, store.Mark{ClusterID: rep.Clusters[1].ID, State: store.MarkDismissed, Time: now}); err != nil {
		t.Fatal(err)
	}
	after, _ := buildReview(ctx, db, tb, now.Add(-time.Hour), time.Time{})
	for _, c := range after.Clusters {
		if c.ID == rep.Clusters[1].ID {
			t.Errorf("dismissed cluster %s still listed", c.ID)
		}
	}
	if len(after.Clusters) != len(rep.Clusters)-1 {
		t.Errorf("%d clusters after a dismissal, want %d", len(after.Clusters), len(rep.Clusters)-1)
	}
}
