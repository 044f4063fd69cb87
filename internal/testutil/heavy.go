package testutil

import "testing"

// SkipHeavy skips t under -short and under the race detector. It is for
// tests that check quality or size on one goroutine (accuracy corpora,
// files at the parser's caps): the detector can find nothing in them and
// makes them several times slower. .ci/run runs their packages a second
// time without -race, so they stay checked. what, for the skip message,
// says what makes the test heavy.
func SkipHeavy(t testing.TB, what string) {
	t.Helper()
	if testing.Short() || Race {
		t.Skipf("%s: runs without -short and -race (.ci/run does)", what)
	}
}
