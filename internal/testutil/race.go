//go:build race

package testutil

// Race reports whether the race detector is on. Tests that measure quality
// rather than concurrency (the accuracy corpora) skip under it: it makes
// them several times slower and can find nothing in them.
const Race = true
