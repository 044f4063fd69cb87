package telegram

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// maxWebhookBody bounds an update's size; real ones are a few KiB.
const maxWebhookBody = 1 << 20

// webhookWait bounds how long one webhook request waits for its update to
// be handled: well within the HTTP server's WriteTimeout (30s), so that
// Telegram gets an answer rather than a cut connection, which it would
// retry.
const webhookWait = 25 * time.Second

// webhookState is what ServeHTTP needs while runWebhook serves.
type webhookState struct {
	ctx   context.Context // replies are handled under it (survives cancel by the grace period)
	calls *hookCalls
}

// runWebhook registers the webhook and serves until ctx is done. Updates
// arrive through ServeHTTP on the HTTP server. On cancel it waits for the
// updates being handled (up to the grace period).
func (a *Adapter) runWebhook(ctx context.Context) error {
	hctx, stop := a.handlingContext(ctx)
	defer stop()
	calls := newHookCalls()
	defer calls.close() // before stop: handlers get the grace period
	a.hooks.Store(&webhookState{ctx: hctx, calls: calls})

	allowed, _ := json.Marshal(allowedUpdates)
	params := tgbotapi.Params{
		"url":             a.webhookURL,
		"secret_token":    a.hookSecret, // the library's WebhookConfig has no field for it
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
		return fmt.Errorf("setting the webhook: %w", err)
	}
	a.connected.Store(true)
	<-ctx.Done()
	return nil
}

// WebhookPath is the path of the webhook URL, where the HTTP server must
// route ServeHTTP; "" when the adapter polls.
func (a *Adapter) WebhookPath() string { return a.webhookPath }

// ServeHTTP receives one webhook update. It answers 401 unless the request
// carries the secret token (compared in constant time).
//
// The update is handled on its own goroutine, and the request waits for it
// up to 25s. It answers 200 once the update is handled (the reply delivered
// or definitively failed), and 503 if shutdown stopped the handling, so
// Telegram delivers it again: at-least-once, like polling. A reply still
// not done after 25s (a long 429 wait) keeps going in the background and
// the request answers 200, so the HTTP server's 30s WriteTimeout never cuts
// it off.
//
// Each update id is handled at most once per process. A delivery of an id
// that is still being handled (Telegram retrying a slow request) does not
// handle it again: it waits for the first attempt like the first request
// does and answers the same way. A delivery of a handled id answers 200
// without a reply.
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
	want := sha256.Sum256([]byte(a.hookSecret))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	st := a.hooks.Load()
	if a.api.Load() == nil || st == nil {
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
	c := st.calls.run(u.UpdateID, func() bool { return a.handleClaimed(st.ctx, u) })
	if c == nil {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	t := time.NewTimer(a.hookWait)
	defer t.Stop()
	select {
	case <-c.done:
		if !c.ok {
			http.Error(w, "not handled", http.StatusServiceUnavailable)
			return
		}
	case <-t.C:
		a.log.Info("webhook update still being handled; acknowledged, the reply continues in the background", "update", u.UpdateID)
	case <-r.Context().Done():
		return // Telegram gave up on this request; the handling goes on
	}
	w.WriteHeader(http.StatusOK)
}

// hookCalls runs the handling of webhook updates, one goroutine per update
// id at a time: a delivery of an id already being handled joins that
// handling instead of starting another. It is safe for concurrent use.
type hookCalls struct {
	mu         sync.Mutex
	calls      map[int]*hookCall
	closed     bool
	duplicates int // deliveries that joined a handling in progress
	wg         sync.WaitGroup
}

// hookCall is one update being handled. ok is set before done is closed.
type hookCall struct {
	done chan struct{}
	ok   bool
}

func newHookCalls() *hookCalls {
	return &hookCalls{calls: make(map[int]*hookCall)}
}

// run starts handle for id, unless id is being handled already, and returns
// the call to wait on; nil after close. The id is forgotten when handle
// returns: a handled id is remembered by handleUpdate (recentIDs), and one
// that shutdown stopped may be tried again.
func (h *hookCalls) run(id int, handle func() bool) *hookCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	if c, ok := h.calls[id]; ok {
		h.duplicates++
		return c
	}
	c := &hookCall{done: make(chan struct{})}
	h.calls[id] = c
	h.wg.Go(func() {
		c.ok = handle()
		h.mu.Lock()
		delete(h.calls, id)
		h.mu.Unlock()
		close(c.done)
	})
	return c
}

// close refuses new calls and waits for those running.
func (h *hookCalls) close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.wg.Wait()
}

// Claims records which updates were answered, so that each is answered
// once: by one of the replicas sharing the bot (bot/store/postgres's
// Claims), or once across the restarts of the one process serving it
// (bot/store/sqlite's LocalClaims). Claim returns a finish func when this
// process must handle key, to be called once with whether the reply went
// out; nil, nil when the key was handled already. It may wait while
// another replica is handling the key, and takes the key over when that
// replica's lease runs out (it died).
type Claims interface {
	Claim(ctx context.Context, key string) (finish func(handled bool), err error)
}

// handleClaimed is handleUpdate behind the claim on the update, for both
// the webhook and the poll loop. The claim is finished as soon as
// handleUpdate returns, which is right after the reply's last sendMessage
// succeeded, and before the caller confirms the update to Telegram (the
// 200 to the webhook, the offset of the poll): a process killed after that
// leaves the record for the next one. A webhook update still being
// handled after webhookWait is the exception: ServeHTTP confirms it first,
// so a process killed before its reply went out never sends it. When the
// claim cannot be checked (the database is down), the update is handled
// anyway: an answer twice is better than none.
func (a *Adapter) handleClaimed(ctx context.Context, u tgbotapi.Update) bool {
	if a.claims == nil || a.recent.seen(u.UpdateID) {
		return a.handleUpdate(ctx, u)
	}
	key := "telegram:" + strconv.FormatInt(a.api.Load().Self.ID, 10) + ":" + strconv.Itoa(u.UpdateID)
	finish, err := a.claims.Claim(ctx, key)
	switch {
	case err != nil && ctx.Err() != nil:
		return false
	case err != nil:
		a.log.Warn("cannot claim an update; answering it anyway", "update", u.UpdateID, "err", err)
		return a.handleUpdate(ctx, u)
	case finish == nil:
		a.recent.add(u.UpdateID) // answered already, by another replica or before a restart
		return true
	}
	ok := a.handleUpdate(context.WithValue(ctx, claimKey{}, key), u)
	finish(ok)
	return ok
}

// claimKey is the context key of the claim an update is handled under.
type claimKey struct{}

// claimPart claims part i of a reply in n messages handled under a claim:
// sent reports that the part went out before a restart; otherwise finish
// is to be called once with whether it is done with (sent, or failed for
// good). A reply in one message, or not under a claim, needs no claim of
// its own: the update's covers it. When the claim cannot be checked, the
// part is sent.
func (a *Adapter) claimPart(ctx context.Context, i, n int) (finish func(bool), sent bool) {
	key, _ := ctx.Value(claimKey{}).(string)
	if n == 1 || key == "" {
		return func(bool) {}, false
	}
	f, err := a.claims.Claim(ctx, key+"/"+strconv.Itoa(i))
	switch {
	case err != nil:
		if ctx.Err() == nil {
			a.log.Warn("cannot claim part of a reply; sending it anyway", "part", i, "err", err)
		}
		return func(bool) {}, false
	case f == nil:
		return nil, true
	}
	return f, false
}
