package faq

import (
	"fmt"
	"runtime/metrics"
	"slices"
	"testing"
	"time"
)

// BenchmarkCompileSizes compiles synthetic FAQs of 1,000, 10,000 and
// 80,000 phrasings (80,000 is about what fits in MaxFileSize) and reports,
// besides the time, the peak heap during the compile (sampled every 5 ms)
// and the cost per 10,000 phrasings. The README's "Reload safety" figures
// come from:
//
//	go test ./faq -run XXX -bench CompileSizes -benchtime 1x
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
	if testing.Short() {
		t.Skip("parses an 8 MB file")
	}
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
// the seed-sized table, alone and while a 10,000-phrasing FAQ compiles
// beside it (a reload): what a reload costs the questions being asked.
//
//	go test ./faq -run XXX -bench MatchP99DuringCompile -benchtime 1x
func BenchmarkMatchP99DuringCompile(b *testing.B) {
	small := genFAQ(16, 10)
	tab, err := Compile(small)
	if err != nil {
		b.Fatal(err)
	}
	qs := make([]string, 0, len(small.Entries))
	for _, e := range small.Entries {
		qs = append(qs, e.Alternates[0]+" please")
	}
	p99 := func(while func(stop <-chan struct{})) time.Duration {
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() { defer close(done); while(stop) }()
		var lat []time.Duration
		for i := 0; i < 20_000; i++ {
			start := time.Now()
			tab.Match(qs[i%len(qs)])
			lat = append(lat, time.Since(start))
		}
		close(stop)
		<-done
		slices.Sort(lat)
		return lat[len(lat)*99/100]
	}
	big := genFAQ(100, 100)
	for b.Loop() {
		idle := p99(func(<-chan struct{}) {})
		busy := p99(func(stop <-chan struct{}) {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := Compile(big); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(idle.Microseconds()), "p99-idle-µs")
		b.ReportMetric(float64(busy.Microseconds()), "p99-compiling-µs")
	}
}
