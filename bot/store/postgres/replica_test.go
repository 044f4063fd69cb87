package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"travelbot/bot/store/postgres"
)

func TestClaimOnceAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	dsn := database(t)
	a, b := openDSN(t, dsn), openDSN(t, dsn)
	ca, cb := a.Claims("a", 5*time.Second, nil), b.Claims("b", 5*time.Second, nil)

	finish, err := ca.Claim(ctx, "telegram:1")
	if err != nil || finish == nil {
		t.Fatalf("first claim = %v, %v; want it", finish != nil, err)
	}
	// b asks while a holds it: b waits until a is done, then leaves it.
	got := make(chan error, 1)
	go func() {
		f, err := cb.Claim(ctx, "telegram:1")
		if err == nil && f != nil {
			err = fmt.Errorf("b got a key a is handling")
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("b's claim returned while a held the key: %v", err)
	case <-time.After(300 * time.Millisecond): // b is still waiting: the point of the test
	}
	finish(true)
	if err := <-got; err != nil {
		t.Error(err)
	}
	if f, err := ca.Claim(ctx, "telegram:1"); f != nil || err != nil {
		t.Errorf("a claimed a done key again: %v, %v", f != nil, err)
	}

	// Given up (handled false), the key goes to the next claimer at once.
	finish, _ = ca.Claim(ctx, "telegram:2")
	finish(false)
	if f, err := cb.Claim(ctx, "telegram:2"); f == nil || err != nil {
		t.Errorf("b could not take a key a gave up: %v", err)
	} else {
		f(true)
	}
}

func TestClaimOfADeadReplicaExpires(t *testing.T) {
	ctx := context.Background()
	dsn := database(t)
	dead, alive := openDSN(t, dsn), openDSN(t, dsn)
	if f, err := dead.Claims("dead", time.Second, nil).Claim(ctx, "discord:9"); f == nil || err != nil {
		t.Fatalf("claim: %v", err)
	}
	dead.Close() // its renewals fail from now on, as if it had died
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	start := time.Now()
	f, err := alive.Claims("alive", time.Second, nil).Claim(cctx, "discord:9")
	if err != nil || f == nil {
		t.Fatalf("the key of a dead replica was not taken over: %v", err)
	}
	f(true)
	t.Logf("taken over after %v", time.Since(start))
}

func TestClaimsConcurrentOnePerKey(t *testing.T) {
	ctx := context.Background()
	dsn := database(t)
	var handled [50]atomic.Int32
	var wg sync.WaitGroup
	for r := range 3 {
		db := openDSN(t, dsn)
		c := db.Claims(fmt.Sprintf("r%d", r), 5*time.Second, nil)
		for k := range handled {
			wg.Go(func() {
				f, err := c.Claim(ctx, fmt.Sprint("k", k))
				if err != nil {
					t.Error(err)
					return
				}
				if f != nil {
					handled[k].Add(1)
					f(true)
				}
			})
		}
	}
	wg.Wait()
	for k := range handled {
		if n := handled[k].Load(); n != 1 {
			t.Errorf("key %d handled %d times", k, n)
		}
	}
}

func TestElectorOneLeaderAndTakeover(t *testing.T) {
	dsn := database(t)
	type replica struct {
		e      *postgres.Elector
		cancel context.CancelFunc
		done   chan struct{}
	}
	leads := make(chan int, 10)
	var rs []*replica
	for i := range 3 {
		db := openDSN(t, dsn)
		ctx, cancel := context.WithCancel(context.Background())
		r := &replica{e: db.Elector("gateway", 100*time.Millisecond, nil), cancel: cancel, done: make(chan struct{})}
		rs = append(rs, r)
		go func() {
			defer close(r.done)
			r.e.Run(ctx, func(ctx context.Context) {
				leads <- i
				<-ctx.Done()
			})
		}()
	}
	t.Cleanup(func() {
		for _, r := range rs {
			r.cancel()
			<-r.done
		}
	})
	first := <-leads
	if !rs[first].e.Leading() {
		t.Errorf("replica %d leads but Leading() is false", first)
	}
	rs[first].cancel()
	<-rs[first].done
	select {
	case second := <-leads:
		if second == first {
			t.Errorf("the stopped replica led again")
		}
		for i, r := range rs {
			if i != second && r.e.Leading() {
				t.Errorf("replicas %d and %d both lead", second, i)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no replica took over within 10s")
	}
}

func TestFAQVersionsNotify(t *testing.T) {
	dsn := database(t)
	a, b := openDSN(t, dsn), openDSN(t, dsn)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := make(chan string, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.WatchFAQ(ctx, time.Minute, func(ctx context.Context) {
			v, ok, err := b.LatestFAQ(ctx)
			if err == nil && ok {
				seen <- v.Version
			} else {
				seen <- ""
			}
		})
	}()
	if v := <-seen; v != "" { // the call after connecting: nothing yet
		t.Errorf("latest before any publication = %q", v)
	}
	if known, err := a.KnowsFAQ(ctx, "v1"); known || err != nil {
		t.Errorf("KnowsFAQ(v1) before = %v, %v", known, err)
	}
	if _, err := a.PublishFAQ(ctx, postgres.FAQVersion{Version: "v1", Name: "faq.yaml", YAML: []byte("entries: []"), Source: "start"}); err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-seen:
		if v != "v1" {
			t.Errorf("notified, latest = %q, want v1", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no notification within 5s")
	}
	v, ok, err := b.LatestFAQ(ctx)
	if !ok || err != nil || string(v.YAML) != "entries: []" || v.Name != "faq.yaml" || v.Source != "start" {
		t.Errorf("LatestFAQ = %+v, %v, %v", v, ok, err)
	}
	if known, err := a.KnowsFAQ(ctx, "v1"); !known || err != nil {
		t.Errorf("KnowsFAQ(v1) after = %v, %v", known, err)
	}
	cancel()
	<-done
}

func openDSN(t *testing.T, dsn string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestPaceSpacesActionsAcrossReplicas(t *testing.T) {
	dsn := database(t)
	const spacing = 300 * time.Millisecond
	var mu sync.Mutex
	var at []time.Time
	var wg sync.WaitGroup
	for range 3 {
		db := openDSN(t, dsn)
		wg.Go(func() {
			if err := db.Pace(context.Background(), "identify", spacing); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			at = append(at, time.Now())
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(at) != 3 {
		t.Fatalf("%d of 3 went", len(at))
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < spacing-20*time.Millisecond {
			t.Errorf("actions %d and %d were %v apart, want at least %v", i-1, i, gap, spacing)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := openDSN(t, dsn).Pace(ctx, "identify", time.Hour); err == nil {
		t.Error("Pace with an ended context returned nil")
	}
}

func TestPublishFAQAfterRefusesAnEditOfAnOlderVersion(t *testing.T) {
	ctx := context.Background()
	dsn := database(t)
	a, b := openDSN(t, dsn), openDSN(t, dsn)
	v := func(name string) postgres.FAQVersion {
		return postgres.FAQVersion{Version: name, Name: "faq.yaml", YAML: []byte("# " + name), Source: "promote"}
	}
	if _, err := a.PublishFAQAfter(ctx, v("v0"), 1); !errors.Is(err, postgres.ErrFAQChanged) {
		t.Errorf("publishing after seq 1 on an empty table = %v, want ErrFAQChanged", err)
	}
	first, err := a.PublishFAQAfter(ctx, v("v1"), 0)
	if err != nil {
		t.Fatal(err)
	}
	// Two replicas edit v1 at once: one publishes, the other is refused.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, db := range []*postgres.DB{a, b} {
		wg.Go(func() { _, errs[i] = db.PublishFAQAfter(ctx, v(fmt.Sprintf("v2-%d", i)), first) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, postgres.ErrFAQChanged):
			t.Errorf("concurrent edit: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of two concurrent edits of one version published, want 1 (%v)", ok, errs)
	}
	// A plain publication (a file import) is never refused.
	if _, err := b.PublishFAQ(ctx, v("v3")); err != nil {
		t.Error(err)
	}
	if latest, _, err := a.LatestFAQ(ctx); err != nil || latest.Version != "v3" {
		t.Errorf("latest = %q, %v; want v3", latest.Version, err)
	}
}
