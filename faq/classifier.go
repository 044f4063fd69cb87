package faq

import (
	"math"
	"math/rand/v2"
)

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

// train fits the classifier by stochastic gradient descent on the softmax
// cross-entropy with L2 regularisation. Weights are stored scaled (w_true =
// scale * w) so that the L2 decay of every weight costs one multiplication
// per step. Training is deterministic for a given input.
func train(xs []sparse, ys []int, k, features int, p trainParams) *classifier {
	c := &classifier{k: k, w: make([]float32, features*k), b: make([]float32, k)}
	n := len(xs)
	if n == 0 {
		return c
	}
	epochs := min(max(p.updates/n, p.minEpoch), p.maxEpoch)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(p.seed, 0x7261766c))
	logits := make([]float64, k)
	grad := make([]float32, k)
	scale := 1.0
	t := 0
	total := float64(epochs * n)
	for range epochs {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			x, y := xs[i], ys[i]
			eta := p.rate / (1 + 4*float64(t)/total) // decays to a fifth
			t++
			c.logits(x, scale, logits)
			softmaxInPlace(logits)
			scale *= 1 - eta*p.lambda
			if scale < 1e-6 {
				c.rescale(float32(scale))
				scale = 1
			}
			step := float32(eta / scale)
			for j := range k {
				g := logits[j]
				if j == y {
					g--
				}
				grad[j] = float32(g)
				c.b[j] -= float32(eta * g)
			}
			for fi, f := range x.idx {
				xv := x.val[fi] * step
				row := c.w[int(f)*k : int(f)*k+k]
				for j, g := range grad {
					// most classes get a negligible gradient once trained
					if g > 1e-4 || g < -1e-4 {
						row[j] -= xv * g
					}
				}
			}
		}
	}
	c.rescale(float32(scale))
	return c
}

func (c *classifier) rescale(s float32) {
	for i := range c.w {
		c.w[i] *= s
	}
}

// logits computes the class scores of x into out (len k).
func (c *classifier) logits(x sparse, scale float64, out []float64) {
	k := c.k
	acc := make([]float32, k) // small; kept on the stack for typical k
	for fi, f := range x.idx {
		v := x.val[fi]
		row := c.w[int(f)*k : int(f)*k+k]
		for j, w := range row {
			acc[j] += v * w
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
