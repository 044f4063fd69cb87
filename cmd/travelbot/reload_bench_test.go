package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"travelbot/config"
)

// BenchmarkAskP99DuringReload measures issue 15's promise end to end: the
// 99th percentile of POST /v1/ask, through the real HTTP handler over
// loopback, while `travelbot serve` reloads a large FAQ (the Reloader's
// compile: low priority, ReloadWorkers), against the same with no reload.
// Two FAQs of the same size and phrasings, differing in their answers,
// take turns in the file, so a table of that size serves in both modes and
// every reload compiles. Questions come one a millisecond, a busy bot's
// load; an idle round lasts as long as the reload before it took.
//
//	go test ./cmd/travelbot -run XXX -bench AskP99DuringReload/10k -benchtime 1x -count 3
//	go test ./cmd/travelbot -run XXX -bench AskP99DuringReload/80k -benchtime 1x  # the largest accepted FAQ; minutes
func BenchmarkAskP99DuringReload(b *testing.B) {
	for _, size := range []struct {
		name               string
		entries, phrasings int
		rounds             int
	}{
		{"10k", 100, 100, 3},
		{"80k", 400, 200, 2},
	} {
		b.Run(size.name, func(b *testing.B) {
			faqs := [2]string{bigFAQYAML(size.entries, size.phrasings, "a"), bigFAQYAML(size.entries, size.phrasings, "b")}
			path := filepath.Join(b.TempDir(), "faq.yaml")
			writeFile(b, path, faqs[0])
			cfg := config.Default()
			cfg.FAQ, cfg.HTTPAddr, cfg.Watch = path, "127.0.0.1:0", false
			cfg.DataDir = b.TempDir()
			cfg.APIRateLimit = config.RateLimit{} // off: the benchmark asks from one address
			cfg.ShutdownTimeout = 5 * time.Second
			s := newServer(cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			s.signals = make(chan os.Signal)
			if err := s.Open(); err != nil {
				b.Fatalf("Open: %v", err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					b.Error(err)
				}
				s.Close()
			}()
			url := "http://" + s.Addr().String() + "/v1/ask"
			questions := make([]string, 0, size.entries)
			for e := range size.entries {
				questions = append(questions, strconv.Quote(genPhrasing(e, 1)+" please"))
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			// ask asks one question a millisecond until done is closed and
			// returns how long each took.
			ask := func(done <-chan struct{}) []time.Duration {
				var lat []time.Duration
				tick := time.NewTicker(time.Millisecond)
				defer tick.Stop()
				for i := 0; ; i++ {
					select {
					case <-done:
						return lat
					case <-tick.C:
					}
					body := `{"question": ` + questions[i%len(questions)] + `}`
					t0 := time.Now()
					resp, err := client.Post(url, "application/json", strings.NewReader(body))
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					lat = append(lat, time.Since(t0))
					if resp.StatusCode != http.StatusOK {
						b.Fatalf("/v1/ask: status %d", resp.StatusCode)
					}
				}
			}
			for b.Loop() {
				var idle, reloading []time.Duration
				var took time.Duration
				next := 1
				for range size.rounds {
					// reloading: the other FAQ, compiled beside the questions
					writeFile(b, path, faqs[next])
					next = 1 - next
					finished := make(chan struct{})
					start := time.Now()
					go func() {
						defer close(finished)
						if res := s.reloader.Reload(ctx, "http"); !res.OK || !res.Changed {
							b.Errorf("reload: %+v", res)
						}
					}()
					reloading = append(reloading, ask(finished)...)
					span := time.Since(start)
					took += span
					// idle, as long
					quiet := make(chan struct{})
					time.AfterFunc(span, func() { close(quiet) })
					idle = append(idle, ask(quiet)...)
				}
				slices.Sort(idle)
				slices.Sort(reloading)
				pi, pr := idle[len(idle)*99/100], reloading[len(reloading)*99/100]
				b.ReportMetric(float64(pi.Microseconds()), "p99-idle-µs")
				b.ReportMetric(float64(pr.Microseconds()), "p99-reloading-µs")
				b.ReportMetric(100*(float64(pr)/float64(pi)-1), "reload-p99-rise-%")
				b.ReportMetric((took / time.Duration(size.rounds)).Seconds(), "reload-s")
			}
		})
	}
}

// genWords is the made-up vocabulary of the benchmark's FAQs.
var genWords = func() []string {
	rng := rand.New(rand.NewPCG(15, 2026))
	syl := []string{"ba", "ko", "ri", "tan", "mel", "so", "vu", "dra", "pel", "qui", "nor", "ste", "lo", "fa", "gri", "mon", "zu", "che", "ar", "pin"}
	words := make([]string, 3000)
	for i := range words {
		var sb strings.Builder
		for range 2 + rng.IntN(2) {
			sb.WriteString(syl[rng.IntN(len(syl))])
		}
		words[i] = sb.String()
	}
	return words
}()

// genPhrasing is phrasing p of entry e: a few common words and a few of the
// entry's own topic words, the same in every run.
func genPhrasing(e, p int) string {
	rng := rand.New(rand.NewPCG(uint64(e), uint64(p)))
	topic := rand.New(rand.NewPCG(uint64(e), 0))
	own := make([]string, 8)
	for i := range own {
		own[i] = genWords[topic.IntN(len(genWords))]
	}
	common := strings.Fields("how do i what is my the a can you please tell me where when why is there any to for of in on with about need want help")
	ws := make([]string, 4+rng.IntN(9))
	for i := range ws {
		if rng.IntN(2) == 0 {
			ws[i] = common[rng.IntN(len(common))]
		} else {
			ws[i] = own[rng.IntN(len(own))]
		}
	}
	return strings.Join(ws, " ") + " " + strconv.Itoa(e) + "x" + strconv.Itoa(p)
}

// bigFAQYAML is an FAQ file of entries × phrasings phrasings; variant
// changes the answers only, so two variants cost the same to compile and
// are different versions.
func bigFAQYAML(entries, phrasings int, variant string) string {
	var b bytes.Buffer
	b.WriteString("version: 1\nentries:\n")
	for e := range entries {
		fmt.Fprintf(&b, "  - id: e%d\n    question: %q\n    answer: %q\n    alternates:\n", e, genPhrasing(e, 0), fmt.Sprintf("Answer %d, version %s.", e, variant))
		for p := 1; p < phrasings; p++ {
			fmt.Fprintf(&b, "      - %q\n", genPhrasing(e, p))
		}
	}
	return b.String()
}
