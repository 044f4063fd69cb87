package telegram

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// maxWebhookBody bounds an update's size; real ones are a few KiB.
const maxWebhookBody = 1 << 20

// runWebhook registers the webhook and serves until ctx is done. Updates
// arrive through ServeHTTP on the HTTP server, which finishes the requests
// in flight when it shuts down.
func (a *Adapter) runWebhook(ctx context.Context) error {
	allowed, _ := json.Marshal(allowedUpdates)
	params := tgbotapi.Params{
		"url":             a.webhookURL,
		"secret_token":    a.secret, // the library's WebhookConfig has no field for it
		"allowed_updates": string(allowed),
	}
	err := a.call(ctx, "setWebhook", nil, func(api *tgbotapi.BotAPI) error {
		_, err := api.MakeRequest("setWebhook", params)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("telegram: setting the webhook: %w", err)
	}
	a.connected.Store(true)
	<-ctx.Done()
	return nil
}

// WebhookPath is the path of the webhook URL, where the HTTP server must
// route ServeHTTP; "" when the adapter polls.
func (a *Adapter) WebhookPath() string { return a.webhookPath }

// ServeHTTP receives one webhook update. It answers 401 unless the request
// carries the secret token (compared in constant time), and 200 only after
// the update is handled (the reply delivered, or definitively failed), so
// Telegram redelivers anything that was not: at-least-once, like polling.
// Repeated deliveries of a handled update are acknowledged without a second
// reply.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.webhookURL == "" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := sha256.Sum256([]byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token")))
	want := sha256.Sum256([]byte(a.secret))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if a.api.Load() == nil {
		// Run has not checked the token yet; Telegram will retry.
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	var u tgbotapi.Update
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err := dec.Decode(&u); err != nil {
		http.Error(w, "bad update", http.StatusBadRequest)
		return
	}
	if !a.handleUpdate(r.Context(), u) {
		http.Error(w, "not handled", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}
