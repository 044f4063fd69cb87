package faq

import (
	"fmt"
	"runtime/metrics"
	"slices"
	"testing"
	"time"

	"travelbot/internal/testutil"
)

// BenchmarkCompileSizes compiles synthetic FAQs of 1,000, 10,000 and
// 80,000 phrasings (80,000 is about what fits in MaxFileSize) and reports,
// besides the time, the peak heap during the compile (sampled every 5 ms)
// and the cost per 10,000 phrasings. The README's "Reload safety" figures
// come from:
//
//	go test ./faq -run XXX -bench CompileSizes -benchtime 1x -benchmem
func BenchmarkCompileSizes(b *testing.B) {
	// The first compile also trains the emergency detector, once per
	// process: not part of any FAQ's cost.
	if _, err := Compile(genFAQ(2, 2)); err != nil {
		b.Fatal(err)
	}
	for _, size := range []struct {
		name               string
		entries, phrasings int
	}{
		{"1k", 50, 20},
		{"10k", 100, 100},
		{"80k", 400, 200},
	} {
		b.Run(size.name, func(b *testing.B) {
			f := genFAQ(size.entries, size.phrasings)
			n := size.entries * size.phrasings
			var peak uint64
			for b.Loop() {
				stop := sampleHeap(&peak)
				if _, err := Compile(f); err != nil {
					b.Fatal(err)
				}
				stop()
			}
			per := float64(b.Elapsed()) / float64(b.N) / float64(n) * 10_000
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(time.Duration(per).Seconds(), "s/10k-phrasings")
			b.ReportMetric(float64(peak)/(1<<20)/float64(n)*10_000, "MiB/10k-phrasings")
		})
	}
}

// sampleHeap records the largest heap seen (live objects and garbage not
// yet collected) into peak until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > *peak {
			*peak = v
		}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			read()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished; read() }
}

// TestLargestAcceptedFAQParses checks that the 80,000-phrasing FAQ of the
// benchmark, written as YAML, is within every cap Parse applies.
func TestLargestAcceptedFAQParses(t *testing.T) {
	testutil.SkipHeavy(t, "parses an 8 MB file")
	data := faqYAML(genFAQ(400, 200))
	if len(data) > MaxFileSize {
		t.Fatalf("the FAQ is %d bytes, over MaxFileSize", len(data))
	}
	f, err := Parse("big.yaml", data)
	if err != nil {
		t.Fatalf("Parse: %.500v", err)
	}
	if n := len(f.Entries) * (1 + len(f.Entries[0].Alternates)); n != 80_000 {
		t.Errorf("%d phrasings, want 80,000", n)
	}
	t.Logf("%d bytes", len(data))
}

// faqYAML writes f as an FAQ file, flow style, one phrasing per line.
func faqYAML(f *Document) []byte {
	var b []byte
	b = fmt.Appendf(b, "version: 1\nentries:\n")
	for _, e := range f.Entries {
		b = fmt.Appendf(b, "  - id: %s\n    question: %q\n    answer: %q\n    alternates:\n", e.ID, e.Question, e.Answer)
		for _, a := range e.Alternates {
			b = fmt.Appendf(b, "      - %q\n", a)
		}
	}
	return b
}

// BenchmarkMatchP99DuringCompile reports the 99th percentile of Match on
// the seed-sized table alone, while a 10,000-phrasing FAQ compiles beside
// it as a Reloader compiles (ReloadWorkers, WithLowPriority), and while it
// compiles on every core as at start-up: what a reload costs the questions
// being asked. Each round of a compiling mode asks questions for the whole
// of one compile, from the clone and feature extraction (which allocate)
// to the end of training (which computes), and an idle round for as long
// as a reload compile took, one question a millisecond; the three modes
// take turns, so that whatever
// else the machine does weighs on all three alike.
//
//	go test ./faq -run XXX -bench MatchP99DuringCompile -benchtime 1x -count 3
func BenchmarkMatchP99DuringCompile(b *testing.B) {
	small := genFAQ(16, 10)
	tab, err := Compile(small) // also the once-per-process emergency training
	if err != nil {
		b.Fatal(err)
	}
	qs := make([]string, 0, len(small.Entries))
	for _, e := range small.Entries {
		qs = append(qs, e.Alternates[0]+" please")
	}
	big := genFAQ(100, 100)
	reload := []Option{WithWorkers(ReloadWorkers()), WithLowPriority()}
	modes := []struct {
		name string
		opts []Option // nil: no compile
	}{
		{"idle", nil},
		{"reloading", reload},
		{"compiling-all-cores", []Option{WithWorkers(0)}},
	}
	// A question every askEvery is a busy bot's load (1,000 a second),
	// not a matcher that takes a whole core: what is measured is how long
	// a question waits and runs beside a compile, as in serving.
	const rounds, askEvery = 3, time.Millisecond
	for b.Loop() {
		lat := make([][]time.Duration, len(modes))
		took := make([]time.Duration, len(modes))
		span := time.Second // an idle round's length: the last reload compile's
		for r := range rounds {
			for mi := range modes {
				m := (mi + r) % len(modes)
				done := make(chan struct{})
				start := time.Now()
				if opts := modes[m].opts; opts == nil {
					time.AfterFunc(span, func() { close(done) })
				} else {
					go func() {
						defer close(done)
						if _, err := Compile(big, opts...); err != nil {
							b.Error(err)
						}
					}()
				}
				l := lat[m]
				tick := time.NewTicker(askEvery)
			ask:
				for i := 0; ; i++ {
					select {
					case <-done:
						break ask
					case <-tick.C:
					}
					t0 := time.Now()
					tab.Match(qs[i%len(qs)])
					l = append(l, time.Since(t0))
				}
				tick.Stop()
				lat[m] = l
				took[m] += time.Since(start)
				if modes[m].name == "reloading" {
					span = time.Since(start)
				}
			}
		}
		p99 := make([]time.Duration, len(modes))
		for mi, m := range modes {
			slices.Sort(lat[mi])
			p99[mi] = lat[mi][len(lat[mi])*99/100]
			b.ReportMetric(float64(p99[mi].Microseconds()), "p99-"+m.name+"-µs")
			if m.opts != nil {
				b.ReportMetric(100*(float64(p99[mi])/float64(p99[0])-1), m.name+"-p99-rise-%")
				b.ReportMetric((took[mi] / rounds).Seconds(), m.name+"-compile-s")
			}
		}
	}
}
