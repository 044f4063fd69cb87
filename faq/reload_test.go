package faq

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"travelbot/internal/testutil"
)

// questions are shared by every versioned FAQ, so the same question is
// answered by each version's own entry. They are short and share no words,
// so a verbatim question matches only its entry however the matcher scores,
// and a compile takes little time (the 1,000-reload test compiles 1,000
// times).
var questions = []string{
	"Cortina airport",
	"curling tickets",
	"tap water",
}

// versionedFAQ builds a small valid FAQ whose every id, source and answer
// carries the version prefix v, so a reply that mixes two tables shows.
func versionedFAQ(v string) *Document {
	f := &Document{
		Version: 1,
		File:    v + ".yaml",
		Sources: []Source{{ID: v + "-src", Publisher: v + " publisher", Title: v + " guide", Date: "2026-01-15"}},
	}
	for i, q := range questions {
		f.Entries = append(f.Entries, Entry{
			ID:        fmt.Sprintf("%s-e%d", v, i),
			Question:  q,
			Answer:    fmt.Sprintf("%s answer %d", v, i),
			Citations: []Citation{{Source: v + "-src", Quote: v + " quote"}},
			FollowUps: []string{fmt.Sprintf("%s-e%d", v, (i+1)%len(questions))},
		})
	}
	return f
}

func mustCompile(t testing.TB, f *Document) *Table {
	t.Helper()
	tab, err := Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// fixedLoad returns a load function that returns f, err.
func fixedLoad(f *Document, err error) func(context.Context) (*Document, error) {
	return func(context.Context) (*Document, error) { return f, err }
}

func TestReload(t *testing.T) {
	problems := []Problem{{File: "faq.yaml", Line: 3, Col: 7, Msg: "entry \"x\" has no answer"}}
	tests := []struct {
		name        string
		load        func(context.Context) (*Document, error)
		wantOK      bool
		wantChanged bool
		wantVersion string // prefix of the entries serving after
		wantProblem string
		wantErr     string
	}{
		{name: "new content swaps in", load: fixedLoad(versionedFAQ("b"), nil), wantOK: true, wantChanged: true, wantVersion: "b"},
		{name: "same content is a no-op", load: fixedLoad(versionedFAQ("a"), nil), wantOK: true, wantVersion: "a"},
		{name: "problems keep the old table", load: fixedLoad(nil, &ValidationError{Problems: problems}), wantVersion: "a", wantProblem: "faq.yaml:3:7: entry \"x\" has no answer"},
		{name: "a read error keeps the old table", load: fixedLoad(nil, fmt.Errorf("load faq: %w", os.ErrNotExist)), wantVersion: "a", wantErr: "file does not exist"},
		{name: "a compile error keeps the old table", load: fixedLoad(&Document{Version: 1, File: "empty.yaml"}, nil), wantVersion: "a", wantErr: "empty.yaml: compile: the FAQ has no entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := mustCompile(t, versionedFAQ("a"))
			live := NewLive(old)
			r := NewReloader(live, tt.load)
			var hooked []ReloadResult
			r.OnReload = func(res ReloadResult) { hooked = append(hooked, res) }

			res := r.Reload(context.Background(), "test")

			cur := live.Current()
			if res.OK != tt.wantOK || res.Changed != tt.wantChanged {
				t.Errorf("OK, Changed = %v, %v; want %v, %v", res.OK, res.Changed, tt.wantOK, tt.wantChanged)
			}
			if got := cur.Entries()[0].ID; !strings.HasPrefix(got, tt.wantVersion+"-") {
				t.Errorf("serving entry %q after the reload, want version %q", got, tt.wantVersion)
			}
			if !tt.wantChanged && cur != old {
				t.Errorf("the table was replaced, want the old one kept")
			}
			if res.Version != cur.Version() || res.Entries != cur.Len() || res.Trigger != "test" {
				t.Errorf("result says version %q, %d entries, trigger %q; serving %q, %d", res.Version, res.Entries, res.Trigger, cur.Version(), cur.Len())
			}
			if res.Duration <= 0 {
				t.Errorf("Duration = %v, want it measured", res.Duration)
			}
			var ps []string
			for _, p := range res.Problems {
				ps = append(ps, p.String())
			}
			if got := strings.Join(ps, "\n"); got != tt.wantProblem {
				t.Errorf("problems = %q, want %q", got, tt.wantProblem)
			}
			switch {
			case tt.wantErr == "" && res.Err != nil:
				t.Errorf("Err = %v, want none", res.Err)
			case tt.wantErr != "" && (res.Err == nil || !strings.Contains(res.Err.Error(), tt.wantErr)):
				t.Errorf("Err = %v, want it to contain %q", res.Err, tt.wantErr)
			}
			if len(hooked) != 1 || hooked[0].OK != res.OK || hooked[0].Version != res.Version {
				t.Errorf("OnReload saw %+v, want exactly the result %+v", hooked, res)
			}
		})
	}
}

// TestReloadSameContentSkipsCompile checks the no-op does not build a table:
// a load that returns the serving content with thresholds that would make
// Compile fail still succeeds.
func TestReloadSameContentSkipsCompile(t *testing.T) {
	f := versionedFAQ("a")
	live := NewLive(mustCompile(t, f))
	r := NewReloader(live, fixedLoad(versionedFAQ("a"), nil), WithThresholds(Thresholds{Answer: 0.1, Clarify: 0.9}))
	if res := r.Reload(context.Background(), "test"); !res.OK || res.Changed {
		t.Errorf("reload of the same content = %+v, want OK and unchanged without compiling", res)
	}
	r = NewReloader(live, fixedLoad(versionedFAQ("b"), nil), WithThresholds(Thresholds{Answer: 0.1, Clarify: 0.9}))
	if res := r.Reload(context.Background(), "test"); res.OK || res.Err == nil {
		t.Errorf("reload of new content with bad thresholds = %+v, want the compile error", res)
	}
}

func TestReloadsRunOneAtATime(t *testing.T) {
	var running, most atomic.Int32
	n := 0
	load := func(context.Context) (*Document, error) {
		now := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if now <= m || most.CompareAndSwap(m, now) {
				break
			}
		}
		n++ // unsynchronised on purpose: the race detector objects if reloads overlap
		return versionedFAQ(fmt.Sprintf("v%d", n%2)), nil
	}
	r := NewReloader(NewLive(mustCompile(t, versionedFAQ("v0"))), load)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if res := r.Reload(context.Background(), "test"); !res.OK {
					t.Errorf("reload failed: %+v", res)
				}
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d reloads ran at once, want 1", most.Load())
	}
}

func TestReloadGivesUpWaitingWhenTheContextEnds(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	load := func(context.Context) (*Document, error) {
		close(entered)
		<-release
		return versionedFAQ("b"), nil
	}
	r := NewReloader(NewLive(mustCompile(t, versionedFAQ("a"))), load)
	done := make(chan ReloadResult)
	go func() { done <- r.Reload(context.Background(), "first") }()
	<-entered

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := r.Reload(ctx, "second")
	if res.OK || !errors.Is(res.Err, context.Canceled) {
		t.Errorf("waiting reload with a cancelled context = %+v, want context.Canceled", res)
	}
	close(release)
	select {
	case res := <-done:
		if !res.OK || !res.Changed {
			t.Errorf("first reload = %+v", res)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first reload did not finish")
	}
}

// TestReloadFromBrokenFile goes through the real loader: a broken file keeps
// the old table serving and the problem names the file and line.
func TestReloadFromBrokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.yaml")
	good := "version: 1\nentries:\n  - id: water\n    question: Is tap water safe to drink in Milan?\n    answer: Yes.\n"
	broken := "version: 1\nentries:\n  - id: water: wrong\n    question: Is tap water safe to drink in Milan?\n    answer: Yes.\n"
	write(t, path, good)
	load := func(context.Context) (*Document, error) { return Load(path) }
	f, err := load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	live := NewLive(mustCompile(t, f))
	old := live.Current()
	r := NewReloader(live, load)

	write(t, path, broken)
	res := r.Reload(context.Background(), "test")
	if res.OK || len(res.Problems) == 0 {
		t.Fatalf("reload of a broken file = %+v, want problems", res)
	}
	if live.Current() != old {
		t.Errorf("the broken file replaced the serving table")
	}
	if got := res.Problems[0].String(); !strings.HasPrefix(got, path+":") || !mentionsLine(got, 3) {
		t.Errorf("problem %q, want it to name %s and line 3", got, path)
	}

	write(t, path, strings.Replace(good, "Yes.", "Yes, it is.", 1))
	if res := r.Reload(context.Background(), "test"); !res.OK || !res.Changed {
		t.Errorf("reload after the fix = %+v, want the new table", res)
	}
}

// mentionsLine reports whether a problem points at line n (FILE:N:COL: ...).
func mentionsLine(problem string, n int) bool {
	return regexp.MustCompile(fmt.Sprintf(`:%d:\d+: `, n)).MatchString(problem)
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestThousandReloadsWhileAsking swaps between two versions 1,000 times while
// several goroutines ask questions without pause, and checks every reply
// comes from one complete table: every id, follow-up and citation it
// refers to is of one version, and exists in the table that answered.
// Under the race detector 200 reloads do: it reports an unsynchronised
// swap whenever a reload and a question overlap, not only when a reply
// comes out mixed, and each reload is ten times slower there.
func TestThousandReloadsWhileAsking(t *testing.T) {
	reloads := 1000
	if testutil.Race {
		reloads = 200
	}
	versions := map[string]string{} // table version -> id prefix
	for _, v := range []string{"a", "b"} {
		versions[mustCompile(t, versionedFAQ(v)).Version()] = v
	}
	live := NewLive(mustCompile(t, versionedFAQ("a")))
	var n atomic.Int64
	r := NewReloader(live, func(context.Context) (*Document, error) {
		return versionedFAQ([]string{"a", "b"}[n.Add(1)%2]), nil
	})

	stop := make(chan struct{})
	var asked, referring atomic.Int64
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for i := g; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				tab := live.Current()
				res := tab.Match(questions[i%len(questions)])
				asked.Add(1)
				if bad := mixed(tab, versions[tab.Version()], res); bad != "" {
					t.Errorf("table %s: %s", tab.Version(), bad)
					return
				}
				if res.Entry != nil || len(res.Suggestions) > 0 {
					referring.Add(1)
				}
			}
		})
	}
	for i := range reloads {
		res := r.Reload(context.Background(), "test")
		if !res.OK || !res.Changed {
			t.Fatalf("reload %d = %+v, want a change", i, res)
		}
	}
	close(stop)
	wg.Wait()
	if referring.Load() == 0 {
		t.Errorf("none of %d questions matched an entry: the test proved nothing", asked.Load())
	}
	t.Logf("%d questions asked during %d reloads", asked.Load(), reloads)
}

// mixed describes how res mixes versions or refers to what tab lacks ("" if
// it does not).
func mixed(tab *Table, v string, res Result) string {
	if v == "" {
		return "unknown table version"
	}
	check := func(what, id string) string {
		if !strings.HasPrefix(id, v+"-") {
			return fmt.Sprintf("%s %q is not of version %s", what, id, v)
		}
		return ""
	}
	var es []*Entry
	if res.Entry != nil {
		es = append(es, res.Entry)
	}
	for _, s := range res.Suggestions {
		es = append(es, s.Entry)
	}
	for _, e := range es {
		if tab.Entry(e.ID) != e {
			return fmt.Sprintf("entry %q is not the table's own", e.ID)
		}
		if bad := check("entry", e.ID); bad != "" {
			return bad
		}
		for _, f := range e.FollowUps {
			if tab.Entry(f) == nil {
				return fmt.Sprintf("follow-up %q missing", f)
			}
			if bad := check("follow-up", f); bad != "" {
				return bad
			}
		}
		for _, c := range e.Citations {
			if tab.Source(c.Source) == nil {
				return fmt.Sprintf("source %q missing", c.Source)
			}
			if bad := check("source", c.Source); bad != "" {
				return bad
			}
		}
		if !strings.HasPrefix(e.Answer, v+" ") {
			return fmt.Sprintf("answer %q is not of version %s", e.Answer, v)
		}
	}
	return ""
}

// A failed reload reports why it failed: the errors, not the warnings that
// came with them.
func TestReloadReportsErrorsNotWarnings(t *testing.T) {
	good := "version: 1\nentries:\n  - id: a\n    question: Q?\n    answer: A.\n"
	bad := "version: 1\nentries:\n  - id: a\n    question: Q?\n    answer: A.\n    colour: red\n"
	f, err := Parse("faq.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	tb, err := Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	r := NewReloader(NewLive(tb), func(context.Context) (*Document, error) { return Parse("faq.yaml", []byte(bad)) })
	res := r.Reload(context.Background(), "test")
	if res.OK || len(res.Problems) != 1 || res.Problems[0].Warning || res.Problems[0].Line != 6 || res.Problems[0].Col != 5 || !strings.Contains(res.Problems[0].Msg, "unknown key") {
		t.Errorf("reload of a broken file = %+v, want exactly the unknown-key error", res)
	}
}

// TestReloadStuckLoadTimesOut checks the deadline: a load that never
// returns fails the reload at its deadline, the old table keeps serving,
// and the next reload runs (and succeeds) without waiting for it.
func TestReloadStuckLoadTimesOut(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	var calls atomic.Int32
	load := func(ctx context.Context) (*Document, error) {
		if calls.Add(1) == 1 {
			<-stuck // ignores ctx, as a read of a FIFO would
		}
		return versionedFAQ("b"), nil
	}
	old := mustCompile(t, versionedFAQ("a"))
	live := NewLive(old)
	r := NewReloader(live, load)
	r.Timeout = 50 * time.Millisecond
	res := r.Reload(context.Background(), "signal")
	if res.OK || !errors.Is(res.Err, context.DeadlineExceeded) || live.Current() != old {
		t.Fatalf("stuck reload = %+v, want a deadline failure with the old table serving", res)
	}
	r.Timeout = DefaultReloadTimeout
	if res := r.Reload(context.Background(), "signal"); !res.OK || !res.Changed || live.Current().Entry("b-e0") == nil {
		t.Errorf("the reload after a stuck one = %+v, want b serving", res)
	}
}

// TestReloadShrinkRule: a file change that loses half the entries is
// refused, with the problem at the file; an admin's reload loads it.
func TestReloadShrinkRule(t *testing.T) {
	big := versionedFAQ("a")
	for i := range 5 {
		big.Entries = append(big.Entries, Entry{ID: fmt.Sprintf("a-x%d", i), Question: fmt.Sprintf("extra question %c", 'k'+i), Answer: "x"})
	}
	small := versionedFAQ("b") // 3 entries, under half of 8
	live := NewLive(mustCompile(t, big))
	r := NewReloader(live, fixedLoad(small, nil))
	res := r.Reload(context.Background(), TriggerFile)
	if res.OK || len(res.Problems) != 1 || !strings.HasPrefix(res.Problems[0].String(), "b.yaml:1:1: the file has 3 entries, under half of the 8 serving") {
		t.Errorf("file reload of a halved FAQ = %+v, want the shrink problem", res)
	}
	if live.Current().Len() != 8 {
		t.Errorf("the halved FAQ is serving")
	}
	if res := r.Reload(context.Background(), "http"); !res.OK || live.Current().Len() != 3 {
		t.Errorf("admin reload of a halved FAQ = %+v, want it served", res)
	}
}

// TestReloadComparesWithWhatIsServing is issue 15's B -> A -> B: the file
// holds B, an admin loads A from elsewhere, the file is written with B
// again: B serves.
func TestReloadComparesWithWhatIsServing(t *testing.T) {
	dir := t.TempDir()
	path, other := filepath.Join(dir, "faq.yaml"), filepath.Join(dir, "a.yaml")
	b, a := sampleFAQ("b", 3), sampleFAQ("a", 3)
	write(t, path, b)
	write(t, other, a)
	var from atomic.Value
	from.Store(path)
	live := NewLive(mustCompile(t, mustLoad(t, path)))
	r := NewReloader(live, func(context.Context) (*Document, error) { return Load(from.Load().(string)) })
	results := make(chan ReloadResult, 10)
	r.OnReload = func(res ReloadResult) { results <- res }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wt, err := NewWatcher(path, 10*time.Millisecond, func(ctx context.Context) { r.Reload(ctx, TriggerFile) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	go wt.Run(ctx)

	from.Store(other)
	if res := r.Reload(ctx, "signal"); !res.OK || live.Current().Entry("a-e0") == nil {
		t.Fatalf("loading A = %+v", res)
	}
	<-results
	from.Store(path)
	write(t, path, b)
	select {
	case res := <-results:
		if !res.OK || !res.Changed || live.Current().Entry("b-e0") == nil {
			t.Errorf("B written again: %+v, want B serving", res)
		}
	case <-time.After(watchTimeout):
		t.Fatal("no reload after B was written again")
	}
}

// TestReloadRefusesAliasBombWithOldTableServing is the bomb as a live
// reload: refused at its line by the loader, the old table serving.
func TestReloadRefusesAliasBombWithOldTableServing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.yaml")
	if err := os.WriteFile(path, aliasBomb(20_000, 5_000), 0o644); err != nil {
		t.Fatal(err)
	}
	old := mustCompile(t, versionedFAQ("a"))
	live := NewLive(old)
	r := NewReloader(live, func(context.Context) (*Document, error) { return Load(path) })
	res := r.Reload(context.Background(), "http")
	if res.OK || len(res.Problems) == 0 || !strings.HasPrefix(res.Problems[0].String(), path+":") || live.Current() != old {
		t.Errorf("reload of the bomb = %+v, want its problem at FILE:LINE:COL and the old table serving", res)
	}
}

func mustLoad(t testing.TB, path string) *Document {
	t.Helper()
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
