package main

import (
	"fmt"

	"travelbot/faq"
	"travelbot/seeds"
)

// loadFAQ reads and validates the FAQ at path, or the embedded default when
// path is empty. Problems come back as *faq.ValidationError.
func loadFAQ(path string) (*faq.Document, error) {
	if path == "" {
		return faq.Parse(seeds.Name, seeds.FAQ)
	}
	return faq.Load(path)
}

// loadTable loads and compiles the FAQ at path (or the embedded default).
func loadTable(path string, opts ...faq.Option) (*faq.Table, error) {
	if path == "" {
		return embeddedTable(opts...)
	}
	return compileFAQ(path, opts...)
}

// embeddedTable compiles the embedded FAQ. It is a variable so that the
// tests compile it once and share the table (a Table is immutable).
var embeddedTable = func(opts ...faq.Option) (*faq.Table, error) {
	return compileFAQ("", opts...)
}

func compileFAQ(path string, opts ...faq.Option) (*faq.Table, error) {
	f, err := loadFAQ(path)
	if err != nil {
		return nil, err
	}
	t, err := faq.Compile(f, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.File, err)
	}
	return t, nil
}
