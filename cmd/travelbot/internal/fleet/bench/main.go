// Command bench measures travelbot's webhook throughput and latency on 1
// and 3 replicas sharing one PostgreSQL, on this machine: for each fleet
// size it starts a throwaway PostgreSQL cluster (pgtest), the replicas
// behind a round-robin proxy and a fake Telegram (fleet), delivers
// -updates webhook updates from -concurrency senders, and prints updates
// per second and the latency of a delivery (from the POST to its 200, which
// travelbot sends once the reply is delivered) at p50 and p99.
//
//	go run ./cmd/travelbot/internal/fleet/bench [-updates 1000] [-concurrency 16] [-replicas 1,3]
//
// It is a benchmark, not a test: the figures go in the README.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"travelbot/bot/store/pgtest"
	"travelbot/cmd/travelbot/internal/fleet"
)

func main() {
	updates := flag.Int("updates", 1000, "webhook updates per fleet size")
	concurrency := flag.Int("concurrency", 16, "senders delivering at once")
	sizes := flag.String("replicas", "1,3", "fleet sizes to measure, comma-separated")
	flag.Parse()
	if err := run(*updates, *concurrency, *sizes); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(updates, concurrency int, sizes string) error {
	dir, err := os.MkdirTemp("", "travelbot-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := fleet.Build(dir)
	if err != nil {
		return err
	}
	pg, err := pgtest.New()
	if err != nil {
		return err
	}
	defer pg.Close()
	fmt.Printf("%d updates from %d senders per run, on %s\n", updates, concurrency, machine())
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-replicas: %q is not a fleet size", s)
		}
		if err := measure(bin, pg, dir, n, updates, concurrency); err != nil {
			return err
		}
	}
	return nil
}

func measure(bin string, pg *pgtest.Cluster, dir string, replicas, updates, concurrency int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dsn, err := pg.NewDatabase(ctx)
	if err != nil {
		return err
	}
	f, err := fleet.Start(ctx, fleet.Options{Binary: bin, DSN: dsn, Dir: fmt.Sprintf("%s/run-%d", dir, replicas), Replicas: replicas})
	if err != nil {
		return err
	}
	defer f.Close()
	// One warm-up update per replica.
	for i := range replicas {
		if _, _, err := f.Deliver(ctx, i, fleet.Update(1+i, int64(1+i), "where is the US consulate in Milan?"), 20*time.Millisecond); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, updates)
	jobs := make(chan int)
	errs := make(chan error, concurrency)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for i := range jobs {
				t0 := time.Now()
				if _, _, err := f.Deliver(ctx, -1, fleet.Update(100+i, 1_000_000+int64(i), "where is the US consulate in Milan?"), 20*time.Millisecond); err != nil {
					errs <- err
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	start := time.Now()
	for i := range updates {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	took := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("replicas=%d  updates/s=%.0f  p50=%v  p99=%v  (replies sent: %d)\n",
		replicas, float64(updates)/took.Seconds(), q(0.50).Round(time.Millisecond), q(0.99).Round(time.Millisecond), f.Telegram.Total())
	return nil
}

func machine() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return fmt.Sprintf("%d CPUs (%s)", strings.Count(string(b), "processor\t:"), strings.TrimSpace(firstLine(b, "model name")))
}

func firstLine(b []byte, key string) string {
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == key {
			return v
		}
	}
	return "unknown CPU"
}
