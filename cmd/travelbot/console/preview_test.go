package console

import (
	"context"
	"log/slog"
	"net/url"
	"sync"
	"testing"
)

// channelRecords counts log records that carry a chat channel attribute:
// the records of questions travelers asked.
type channelRecords struct {
	mu       sync.Mutex
	channels []string
}

func (h *channelRecords) Enabled(context.Context, slog.Level) bool { return true }
func (h *channelRecords) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *channelRecords) WithGroup(string) slog.Handler            { return h }
func (h *channelRecords) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "channel" {
			h.mu.Lock()
			h.channels = append(h.channels, a.Value.String())
			h.mu.Unlock()
		}
		return true
	})
	return nil
}

// The test pane's previews are not traffic: they leave no question in the
// log as if a traveler had asked it on Telegram or Discord (each preview
// once logged one question per platform).
func TestPreviewLogsNoQuestion(t *testing.T) {
	logs := &channelRecords{}
	h := newHarness(t, func(o *Options) { o.Logger = slog.New(logs) })
	cl := h.client()
	cl.mustLogin()
	if res, body := cl.post("/admin/test", url.Values{"question": {"how do I contact the embassy"}}); res.StatusCode != 200 {
		t.Fatalf("POST /admin/test: %d\n%s", res.StatusCode, body)
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	if len(logs.channels) > 0 {
		t.Errorf("the preview logged questions on channels %q", logs.channels)
	}
}
