package telegram

import "time"

// SetWebhookWait shortens how long a webhook request waits for its update
// (25s in production). Call it before the first request.
func SetWebhookWait(a *Adapter, d time.Duration) { a.hookWait = d }

// WebhookDuplicates is the number of webhook deliveries that arrived while
// their update id was still being handled.
func WebhookDuplicates(a *Adapter) int {
	st := a.hooks.Load()
	if st == nil {
		return 0
	}
	st.calls.mu.Lock()
	defer st.calls.mu.Unlock()
	return st.calls.duplicates
}
