package faq

import (
	"testing"

	"travelbot/seeds"
)

// TestVersionOfIsTheCompiledVersion checks that VersionOf names the table a
// compile would build, whatever the compile options, so that a replica can
// ask the database about a file version and a reload can skip content that
// is serving, both without compiling.
func TestVersionOfIsTheCompiledVersion(t *testing.T) {
	f, err := Parse(seeds.Name, seeds.FAQ)
	if err != nil {
		t.Fatal(err)
	}
	v := VersionOf(f)
	// Every compile trains one epoch instead of sixty (withEpochs, one more
	// option the version must not depend on): the version is fixed before
	// training starts, and three full compiles of the default FAQ take
	// seconds under the race detector.
	for _, opts := range [][]Option{
		nil,
		{WithWorkers(1), WithLowPriority()},
		{WithThresholds(Thresholds{Answer: 0.5, Clarify: 0.2})},
	} {
		tab, err := Compile(f, append(opts, withEpochs(1))...)
		if err != nil {
			t.Fatal(err)
		}
		if tab.Version() != v {
			t.Errorf("compiled with %d options: version %s, VersionOf %s", len(opts), tab.Version(), v)
		}
	}

	// The same content from another file, with an empty list spelled
	// differently, is the same version; other content is another.
	bare := *f
	bare.Entries = append([]Entry(nil), f.Entries...)
	bare.Entries[0].Tags = nil
	same := bare
	same.File = "elsewhere.yaml"
	same.Entries = append([]Entry(nil), bare.Entries...)
	same.Entries[0].Tags = []string{}
	if VersionOf(&same) != VersionOf(&bare) {
		t.Errorf("another file name and an empty tag list instead of none changed the version")
	}
	other := *f
	other.Entries = append([]Entry(nil), f.Entries...)
	other.Entries[0].Answer += " Updated."
	if VersionOf(&other) == v {
		t.Errorf("a changed answer kept version %s", v)
	}
}
