package main

import (
	"sync"

	"travelbot/faq"
)

// The CLI tests run ask, chat and review against the embedded FAQ dozens of
// times: they share one compile of it, as every process would have its own.
// Calls with options (serve's) still compile their own.
func init() {
	compile := embeddedTable
	shared := sync.OnceValues(func() (*faq.Table, error) { return compile() })
	embeddedTable = func(opts ...faq.Option) (*faq.Table, error) {
		if len(opts) > 0 {
			return compile(opts...)
		}
		return shared()
	}
}
