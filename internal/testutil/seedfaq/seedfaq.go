// Package seedfaq gives tests the default FAQ (package seeds) compiled
// once per test binary. Compiling it trains a classifier, which takes a
// quarter of a second and several seconds under the race detector; the
// tests that only ask a table questions share one instead of compiling
// their own. It imports faq, so faq's own internal tests (package faq)
// cannot use it; its external tests (package faq_test) and every other
// package's can.
package seedfaq

import (
	"sync"
	"testing"

	"travelbot/faq"
	"travelbot/seeds"
)

var (
	once  sync.Once
	table *faq.Table
	err   error
)

// Table returns the default FAQ compiled with the default options, the
// same table on every call of the process. A Table is immutable and safe
// for concurrent use, so tests may share it; a test that needs its own
// compile (options, timing, a changed FAQ) compiles Document's result.
func Table(t testing.TB) *faq.Table {
	t.Helper()
	once.Do(func() {
		var f *faq.Document
		if f, err = faq.Parse(seeds.Name, seeds.FAQ); err == nil {
			table, err = faq.Compile(f)
		}
	})
	if err != nil {
		t.Fatalf("the default FAQ: %v", err)
	}
	return table
}

// Document parses the default FAQ afresh: the caller may change it.
func Document(t testing.TB) *faq.Document {
	t.Helper()
	f, err := faq.Parse(seeds.Name, seeds.FAQ)
	if err != nil {
		t.Fatalf("parse the default FAQ: %v", err)
	}
	return f
}
