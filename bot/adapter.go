package bot

import "context"

// Adapter is one chat platform connection run by `travelbot serve`.
type Adapter interface {
	// Name is the channel name: "telegram", "discord".
	Name() string
	// Run connects and serves until ctx is done, then finishes the replies
	// in flight and returns nil. It returns an error only when it cannot
	// serve at all (a rejected token, say).
	Run(ctx context.Context) error
	// Connected reports whether the adapter is connected to its platform
	// now, for /readyz.
	Connected() bool
}

// APIEvents counts platform API trouble for metrics. Implementations must be
// safe for concurrent use.
type APIEvents interface {
	// APIError is called for every failed platform API call.
	APIError(channel, method string)
	// APIRetry is called for every retry of a platform API call.
	APIRetry(channel, method string)
}

// NopAPIEvents discards API events.
type NopAPIEvents struct{}

// APIError does nothing.
func (NopAPIEvents) APIError(string, string) {}

// APIRetry does nothing.
func (NopAPIEvents) APIRetry(string, string) {}
