package faq

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// minGradient is the smallest class gradient applied in training: below it
// an update changes nothing that matters and costs as much as one that does.
const minGradient = 1e-3

// classifier is a multinomial logistic regression (softmax) over sparse
// word and character n-gram features. It is trained when a table is
// compiled and only read afterwards.
type classifier struct {
	k int       // classes
	w []float32 // weights, feature-major: w[f*k+c]
	b []float32 // biases, one per class
}

// trainParams are the knobs of training. The defaults suit FAQs from a
// dozen entries with a dozen phrasings each to 150 entries with 100 each.
type trainParams struct {
	lambda   float64 // L2 penalty per example
	rate     float64 // initial learning rate
	minEpoch int
	maxEpoch int
	updates  int // aim for about this many example updates in all
	seed     uint64
}

var defaultTrainParams = trainParams{
	lambda:   2e-5,
	rate:     0.5,
	minEpoch: 8,
	maxEpoch: 60,
	updates:  200_000,
	seed:     1,
}

// maxTrainWorkers is the most goroutines one training uses: past four, the
// batch is too small to share out.
const maxTrainWorkers = 4

// checkEvery is how many examples training and feature extraction handle
// between two looks at the context.
const checkEvery = 256

// train fits the classifier by stochastic gradient descent on the softmax
// cross-entropy with L2 regularisation. Weights are stored scaled (w_true =
// scale * w) so that the L2 decay of every weight costs one multiplication
// per step. Training is deterministic for a given input, whatever the
// number of workers (at most workers goroutines; 0 means GOMAXPROCS, up to
// four). It looks at ctx every checkEvery examples and returns its error,
// with every worker stopped, once ctx ends; there too a batched training
// yields the processor, so that the matcher beside it waits less for a
// core.
func train(ctx context.Context, xs []sparse, ys []int, k, features int, p trainParams, workers int) (*classifier, error) {
	c := &classifier{k: k, w: make([]float32, features*k), b: make([]float32, k)}
	n := len(xs)
	if n == 0 {
		return c, nil
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, maxTrainWorkers)
	epochs := min(max(p.updates/n, p.minEpoch), p.maxEpoch)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(p.seed, 0x7261766c))
	// Large FAQs compute the scores of a small batch of examples in
	// parallel, all from the weights at the start of the batch, then apply
	// the updates one by one: mini-batch SGD, on every core. Small FAQs
	// train one example at a time; they take milliseconds anyway.
	batch := 1
	if n >= 2000 {
		batch = 32
	} else {
		workers = 1
	}
	probs := make([][]float64, batch)
	for i := range probs {
		probs[i] = make([]float64, k)
	}
	accs := make([][]float32, batch)
	for i := range accs {
		accs[i] = make([]float32, k)
	}
	grads := make([][]float32, batch)
	actives := make([][]int, batch)
	steps := make([]float32, batch)
	for i := range grads {
		grads[i] = make([]float32, k)
		actives[i] = make([]int, 0, k)
	}
	scale := 1.0
	t := 0
	total := float64(epochs * n)
	var wg sync.WaitGroup
	// parallel runs f(lo, hi) over [0, n) split among the workers.
	parallel := func(n int, f func(lo, hi int)) {
		if workers == 1 {
			f(0, n)
			return
		}
		per := (n + workers - 1) / workers
		for lo := 0; lo < n; lo += per {
			hi := min(lo+per, n)
			wg.Go(func() { f(lo, hi) })
		}
		wg.Wait()
	}
	for range epochs {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for b0 := 0; b0 < n; b0 += batch {
			if b0%checkEvery < batch {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("train: %w", context.Cause(ctx))
				}
				if batch > 1 {
					runtime.Gosched()
				}
			}
			ids := order[b0:min(b0+batch, n)]
			if scale < 1e-3 {
				c.rescale(float32(scale))
				scale = 1
			}
			parallel(len(ids), func(lo, hi int) {
				for bi := lo; bi < hi; bi++ {
					c.logits(xs[ids[bi]], scale, probs[bi], accs[bi])
				}
			})
			for bi, i := range ids {
				y, pr := ys[i], probs[bi]
				eta := p.rate / (1 + 4*float64(t)/total) // decays to a fifth
				t++
				softmaxInPlace(pr)
				scale *= 1 - eta*p.lambda
				steps[bi] = float32(eta / scale)
				// Once trained, most classes get a negligible gradient:
				// update only the ones that matter.
				act, grad := actives[bi][:0], grads[bi]
				for j := range k {
					g := pr[j]
					if j == y {
						g--
					}
					c.b[j] -= float32(eta * g)
					if g > minGradient || g < -minGradient {
						act = append(act, j)
						grad[j] = float32(g)
					}
				}
				actives[bi] = act
			}
			// Each worker owns a range of classes, so the weight updates of
			// the whole batch never touch the same weight from two
			// goroutines.
			parallel(k, func(lo, hi int) {
				for bi, i := range ids {
					x, grad, act := xs[i], grads[bi], actives[bi]
					a0, _ := slices.BinarySearch(act, lo)
					a1, _ := slices.BinarySearch(act, hi)
					if a0 == a1 {
						continue
					}
					act = act[a0:a1]
					for fi, f := range x.idx {
						xv := x.val[fi] * steps[bi]
						row := c.w[int(f)*k : int(f)*k+k]
						for _, j := range act {
							row[j] -= xv * grad[j]
						}
					}
				}
			})
		}
	}
	c.rescale(float32(scale))
	return c, nil
}

func (c *classifier) rescale(s float32) {
	for i := range c.w {
		c.w[i] *= s
	}
}

// logits computes the class scores of x into out (len k), summing in acc
// (len k, the caller's scratch: training calls this for every example,
// and a buffer made here each time was most of what a large FAQ's
// compile allocated).
func (c *classifier) logits(x sparse, scale float64, out []float64, acc []float32) {
	k := c.k
	acc = acc[:k]
	clear(acc)
	for fi, f := range x.idx {
		v := x.val[fi]
		row := c.w[int(f)*k : int(f)*k+k]
		row = row[:len(acc)]
		for j := range acc {
			acc[j] += v * row[j]
		}
	}
	for j := range out {
		out[j] = float64(c.b[j]) + scale*float64(acc[j])
	}
}

// softmaxInPlace turns scores into probabilities.
func softmaxInPlace(s []float64) {
	m := math.Inf(-1)
	for _, v := range s {
		m = max(m, v)
	}
	var sum float64
	for i, v := range s {
		e := math.Exp(v - m)
		s[i] = e
		sum += e
	}
	for i := range s {
		s[i] /= sum
	}
}
