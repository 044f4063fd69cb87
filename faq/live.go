package faq

import (
	"sync/atomic"
	"time"
)

// Live holds the table that is serving. Readers call Current on every
// question and never block; a reload builds a complete new table off to the
// side and swaps it in with one atomic store, so no question is ever matched
// against a half-built table.
type Live struct {
	p atomic.Pointer[Table]
}

// NewLive returns a Live serving t.
func NewLive(t *Table) *Live {
	l := &Live{}
	l.p.Store(t)
	return l
}

// Current returns the table serving now. It is never nil for a Live made by
// NewLive.
func (l *Live) Current() *Table { return l.p.Load() }

// Store swaps in t.
func (l *Live) Store(t *Table) { l.p.Store(t) }

// ReloadResult reports one reload attempt, for whoever asked (an admin in
// chat, the HTTP caller, the log).
type ReloadResult struct {
	OK       bool          // the new table is serving (or was already)
	Changed  bool          // the content differed from what was serving
	Version  string        // version serving after the attempt
	Entries  int           // entries serving after the attempt
	Duration time.Duration // parse + validate + compile
	Trigger  string        // "file", "signal", "http", "telegram", "discord", ...
	Problems []Problem     // why it failed, FILE:LINE:COL each; empty when OK
	Err      error         // a failure that is not a problem in the file (unreadable file, say)
}
