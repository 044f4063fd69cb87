// Package storetest is the contract every store.Store must pass: the
// embedded SQLite store runs it, and so must any other (PostgreSQL). Call
// Run from a test with a function that opens a fresh, empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"travelbot/bot/store"
)

// base is the time the contract's records are made around.
var base = time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)

// Run runs the contract against stores made by open, one per subtest. open
// should register the store's cleanup with t.Cleanup; Run closes each store
// itself too, and a second Close must be harmless.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"DuplicatesIgnored", testDuplicates},
		{"OneVotePerUser", testOneVote},
		{"FilterBounds", testFilter},
		{"EventsOfUnknownQuestions", testOrphanEvents},
		{"Counts", testCounts},
		{"TopEntriesAndVotes", testTopEntries},
		{"Purge", testPurge},
		{"Marks", testMarks},
		{"ActionsAndReloads", testAudit},
		{"ConcurrentWrites", testConcurrent},
		{"Closed", testClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tt.fn(t, s)
		})
	}
}

func question(id string, at time.Time, outcome, entry string) store.Question {
	q := store.Question{
		ID: id, Time: at, Channel: "telegram", ChatKind: "private", UserHash: "u-" + id,
		Text: "question " + id, Outcome: outcome, Entry: entry, Confidence: 0.5,
		Urgency: "none", Language: "en", FAQVersion: "v1",
	}
	if entry != "" {
		q.Candidates = []store.Candidate{{Entry: entry, Confidence: 0.5}}
	}
	return q
}

func write(t *testing.T, s store.Store, b store.Batch) {
	t.Helper()
	if err := s.Write(context.Background(), b); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func records(t *testing.T, s store.Store, f store.Filter) []store.Record {
	t.Helper()
	rs, err := s.Records(context.Background(), f)
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	return rs
}

func testRoundTrip(t *testing.T, s store.Store) {
	q := store.Question{
		ID: "q1", Time: base.Add(1234 * time.Millisecond), Channel: "discord", ChatKind: "group", UserHash: "abc",
		Text: "is the metro open at night? call [phone]", Outcome: "clarify", Entry: "", Confidence: 0.42,
		Candidates: []store.Candidate{{Entry: "metro", Confidence: 0.42}, {Entry: "night", Confidence: 0.3}, {Entry: "taxi", Confidence: 0.1}},
		Urgency:    "possible", Language: "it", FAQVersion: "abc123",
	}
	events := []store.Event{
		{QuestionID: "q1", Time: base.Add(2 * time.Second), Kind: store.EventPick, UserHash: "abc", Entry: "metro"},
		{QuestionID: "q1", Time: base.Add(3 * time.Second), Kind: store.EventVote, UserHash: "abc", Vote: store.VoteDown},
		{QuestionID: "q1", Time: base.Add(4 * time.Second), Kind: store.EventNote, UserHash: "abc", Text: "the night bus"},
	}
	write(t, s, store.Batch{Questions: []store.Question{q}, Events: events})
	rs := records(t, s, store.Filter{})
	if len(rs) != 1 {
		t.Fatalf("Records = %d records, want 1", len(rs))
	}
	if !reflect.DeepEqual(rs[0].Question, q) {
		t.Errorf("question came back as\n%+v\nwant\n%+v", rs[0].Question, q)
	}
	if !reflect.DeepEqual(rs[0].Events, events) {
		t.Errorf("events came back as\n%+v\nwant\n%+v", rs[0].Events, events)
	}
	if loc := rs[0].Time.Location(); loc != time.UTC {
		t.Errorf("time in %v, want UTC", loc)
	}
	// An empty batch is fine.
	write(t, s, store.Batch{})
}

func testDuplicates(t *testing.T, s store.Store) {
	q := question("q1", base, "none", "")
	write(t, s, store.Batch{Questions: []store.Question{q}})
	changed := q
	changed.Text = "something else"
	write(t, s, store.Batch{Questions: []store.Question{changed, question("q2", base.Add(time.Second), "none", "")}})
	rs := records(t, s, store.Filter{})
	if len(rs) != 2 || rs[0].ID != "q1" || rs[0].Text != q.Text || rs[1].ID != "q2" {
		t.Errorf("after a duplicate id: %+v", rs)
	}
}

func testOneVote(t *testing.T, s store.Store) {
	write(t, s, store.Batch{
		Questions: []store.Question{question("q1", base, "answer", "water")},
		Events: []store.Event{
			{QuestionID: "q1", Time: base.Add(time.Second), Kind: store.EventVote, UserHash: "alice", Vote: store.VoteUp},
			{QuestionID: "q1", Time: base.Add(2 * time.Second), Kind: store.EventVote, UserHash: "alice", Vote: store.VoteDown},
			{QuestionID: "q1", Time: base.Add(3 * time.Second), Kind: store.EventVote, UserHash: "bob", Vote: store.VoteDown},
		},
	})
	// again, in a later batch
	write(t, s, store.Batch{Events: []store.Event{{QuestionID: "q1", Time: base.Add(4 * time.Second), Kind: store.EventVote, UserHash: "alice", Vote: store.VoteDown}}})
	// notes and picks are not limited
	write(t, s, store.Batch{Events: []store.Event{
		{QuestionID: "q1", Time: base.Add(5 * time.Second), Kind: store.EventNote, UserHash: "alice", Text: "a"},
		{QuestionID: "q1", Time: base.Add(6 * time.Second), Kind: store.EventNote, UserHash: "alice", Text: "b"},
	}})
	rs := records(t, s, store.Filter{})
	var votes, notes []string
	for _, e := range rs[0].Events {
		switch e.Kind {
		case store.EventVote:
			votes = append(votes, e.UserHash+":"+e.Vote)
		case store.EventNote:
			notes = append(notes, e.Text)
		}
	}
	if want := []string{"alice:up", "bob:down"}; !reflect.DeepEqual(votes, want) {
		t.Errorf("votes = %v, want %v (the first vote of each user)", votes, want)
	}
	if len(notes) != 2 {
		t.Errorf("notes = %v, want both", notes)
	}
	v, err := s.Votes(context.Background(), store.Filter{})
	if err != nil || v != (store.Votes{Up: 1, Down: 1}) {
		t.Errorf("Votes = %+v, %v; want 1 up, 1 down", v, err)
	}
}

func testFilter(t *testing.T, s store.Store) {
	var qs []store.Question
	for i := range 5 {
		qs = append(qs, question(fmt.Sprintf("q%d", i), base.Add(time.Duration(i)*time.Hour), "none", ""))
	}
	write(t, s, store.Batch{Questions: qs})
	tests := []struct {
		name string
		f    store.Filter
		want []string
	}{
		{"open", store.Filter{}, []string{"q0", "q1", "q2", "q3", "q4"}},
		{"since is inclusive", store.Filter{Since: base.Add(2 * time.Hour)}, []string{"q2", "q3", "q4"}},
		{"until is exclusive", store.Filter{Until: base.Add(2 * time.Hour)}, []string{"q0", "q1"}},
		{"both", store.Filter{Since: base.Add(time.Hour), Until: base.Add(3 * time.Hour)}, []string{"q1", "q2"}},
		{"none", store.Filter{Since: base.Add(10 * time.Hour)}, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range records(t, s, tt.f) {
			got = append(got, r.ID)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func testOrphanEvents(t *testing.T, s store.Store) {
	write(t, s, store.Batch{Events: []store.Event{{QuestionID: "nope", Time: base, Kind: store.EventVote, UserHash: "x", Vote: store.VoteDown}}})
	if rs := records(t, s, store.Filter{}); len(rs) != 0 {
		t.Errorf("Records = %+v, want none", rs)
	}
	if v, err := s.Votes(context.Background(), store.Filter{}); err != nil || v != (store.Votes{}) {
		t.Errorf("Votes = %+v, %v; want none", v, err)
	}
}

func testCounts(t *testing.T, s store.Store) {
	at := func(h, m int) time.Time { return base.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	qs := []store.Question{
		question("a", at(0, 1), "answer", "water"),
		question("b", at(0, 59), "answer", "water"),
		question("c", at(0, 30), "none", ""),
		question("d", at(2, 0), "answer", "water"),
	}
	em := question("e", at(2, 10), "answer", "emergency")
	em.Urgency = "urgent"
	qs = append(qs, em)
	write(t, s, store.Batch{Questions: qs})
	got, err := s.Counts(context.Background(), store.Filter{Since: base, Until: base.Add(24 * time.Hour)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Count{
		{Start: at(0, 0), Outcome: "answer", Urgency: "none", N: 2},
		{Start: at(0, 0), Outcome: "none", Urgency: "none", N: 1},
		{Start: at(2, 0), Outcome: "answer", Urgency: "none", N: 1},
		{Start: at(2, 0), Outcome: "answer", Urgency: "urgent", N: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Counts =\n%+v\nwant\n%+v", got, want)
	}
	if _, err := s.Counts(context.Background(), store.Filter{}, time.Millisecond); err == nil {
		t.Errorf("Counts with a 1ms bucket: no error")
	}
}

func testTopEntries(t *testing.T, s store.Store) {
	var qs []store.Question
	var evs []store.Event
	for i := range 3 {
		qs = append(qs, question(fmt.Sprintf("w%d", i), base.Add(time.Duration(i)*time.Second), "answer", "water"))
	}
	qs = append(qs, question("a0", base, "answer", "airport"), question("a1", base, "answer", "airport"), question("n0", base, "none", ""))
	qs = append(qs, question("t0", base, "answer", "taxi"))
	evs = append(evs,
		store.Event{QuestionID: "w0", Time: base, Kind: store.EventVote, UserHash: "x", Vote: store.VoteUp},
		store.Event{QuestionID: "w1", Time: base, Kind: store.EventVote, UserHash: "x", Vote: store.VoteDown},
		store.Event{QuestionID: "w1", Time: base, Kind: store.EventVote, UserHash: "y", Vote: store.VoteDown},
		store.Event{QuestionID: "n0", Time: base, Kind: store.EventVote, UserHash: "y", Vote: store.VoteDown},
	)
	write(t, s, store.Batch{Questions: qs, Events: evs})
	got, err := s.TopEntries(context.Background(), store.Filter{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.EntryStats{{Entry: "water", Answers: 3, Up: 1, Down: 2}, {Entry: "airport", Answers: 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TopEntries = %+v, want %+v", got, want)
	}
	v, err := s.Votes(context.Background(), store.Filter{})
	if err != nil || v != (store.Votes{Up: 1, Down: 3}) {
		t.Errorf("Votes = %+v, %v; want 1 up, 3 down", v, err)
	}
}

func testPurge(t *testing.T, s store.Store) {
	ctx := context.Background()
	old, fresh := base.Add(-40*24*time.Hour), base.Add(-24*time.Hour)
	write(t, s, store.Batch{
		Questions: []store.Question{question("old", old, "none", ""), question("fresh", fresh, "none", "")},
		Events: []store.Event{
			{QuestionID: "old", Time: old, Kind: store.EventVote, UserHash: "x", Vote: store.VoteDown},
			{QuestionID: "fresh", Time: fresh, Kind: store.EventVote, UserHash: "x", Vote: store.VoteDown},
		},
	})
	if err := s.RecordAction(ctx, store.Action{Time: old, Session: "s", Action: "reload"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordReload(ctx, store.Reload{Time: old, Trigger: "file", OK: true}); err != nil {
		t.Fatal(err)
	}
	n, err := s.Purge(ctx, base.Add(-30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("Purge removed %d rows, want 4 (question, event, action, reload)", n)
	}
	rs := records(t, s, store.Filter{})
	if len(rs) != 1 || rs[0].ID != "fresh" || len(rs[0].Events) != 1 {
		t.Errorf("after purge: %+v", rs)
	}
	if as, _ := s.Actions(ctx, 10); len(as) != 0 {
		t.Errorf("actions after purge: %+v", as)
	}
	if rl, _ := s.Reloads(ctx, 10); len(rl) != 0 {
		t.Errorf("reloads after purge: %+v", rl)
	}
}

func testMarks(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.Mark(ctx, store.Mark{ClusterID: "c1", State: store.MarkDismissed, Time: base}); err != nil {
		t.Fatal(err)
	}
	if err := s.Mark(ctx, store.Mark{ClusterID: "c2", State: store.MarkPromoted, Entry: "water", Text: "is the water ok", Time: base.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	// Promoting c1 replaces its dismissal.
	if err := s.Mark(ctx, store.Mark{ClusterID: "c1", State: store.MarkPromoted, Negative: true, Text: "weather", Time: base.Add(2 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Mark(ctx, store.Mark{ClusterID: "c3", State: "maybe"}); err == nil {
		t.Errorf("a mark with an unknown state was taken")
	}
	got, err := s.Marks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Mark{
		{ClusterID: "c2", State: store.MarkPromoted, Entry: "water", Text: "is the water ok", Time: base.Add(time.Second)},
		{ClusterID: "c1", State: store.MarkPromoted, Negative: true, Text: "weather", Time: base.Add(2 * time.Second)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Marks =\n%+v\nwant\n%+v", got, want)
	}
}

func testAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i, a := range []string{"login", "reload", "promote"} {
		if err := s.RecordAction(ctx, store.Action{Time: base.Add(time.Duration(i) * time.Second), Session: "s1", Action: a, Detail: "d" + a}); err != nil {
			t.Fatal(err)
		}
	}
	as, err := s.Actions(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 || as[0].Action != "promote" || as[1].Action != "reload" || as[0].Session != "s1" || as[0].Detail != "dpromote" || !as[0].Time.Equal(base.Add(2*time.Second)) {
		t.Errorf("Actions = %+v, want promote then reload", as)
	}
	r1 := store.Reload{Time: base, Trigger: "file", OK: false, Version: "v1", Entries: 3, Duration: 12 * time.Millisecond, Problems: []string{"faq.yaml:3:1: bad", "faq.yaml:9:2: worse"}}
	r2 := store.Reload{Time: base.Add(time.Minute), Trigger: "http", OK: true, Changed: true, Version: "v2", Entries: 4, Duration: time.Millisecond}
	for _, r := range []store.Reload{r1, r2} {
		if err := s.RecordReload(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	rl, err := s.Reloads(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rl, []store.Reload{r2, r1}) {
		t.Errorf("Reloads =\n%+v\nwant\n%+v", rl, []store.Reload{r2, r1})
	}
}

func testConcurrent(t *testing.T, s store.Store) {
	const writers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				b := store.Batch{
					Questions: []store.Question{question(id, base.Add(time.Duration(i)*time.Millisecond), "none", "")},
					Events:    []store.Event{{QuestionID: id, Time: base, Kind: store.EventVote, UserHash: "x", Vote: store.VoteDown}},
				}
				if err := s.Write(context.Background(), b); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Write: %v", err)
	}
	if rs := records(t, s, store.Filter{}); len(rs) != writers*each {
		t.Errorf("Records = %d, want %d", len(rs), writers*each)
	}
	if v, _ := s.Votes(context.Background(), store.Filter{}); v.Down != writers*each {
		t.Errorf("votes = %+v, want %d down", v, writers*each)
	}
}

func testClosed(t *testing.T, s store.Store) {
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Write(context.Background(), store.Batch{Questions: []store.Question{question("q", base, "none", "")}}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Records(context.Background(), store.Filter{}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Records after Close = %v, want ErrClosed", err)
	}
}
