package seedfaq

import (
	"testing"

	"travelbot/faq"
)

func TestTableIsCompiledOnce(t *testing.T) {
	a, b := Table(t), Table(t)
	if a != b {
		t.Fatal("two calls compiled two tables")
	}
	f := Document(t)
	if a.Version() != faq.VersionOf(f) || a.Len() != len(f.Entries) {
		t.Errorf("the table (version %s, %d entries) is not the default FAQ's (version %s, %d entries)",
			a.Version(), a.Len(), faq.VersionOf(f), len(f.Entries))
	}
	if Document(t) == f {
		t.Error("Document returned the same document twice: a caller's changes would reach the next")
	}
}
