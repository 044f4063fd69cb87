package telegram

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// allowedUpdates are the update kinds the bot asks for. Edited messages are
// left out: they are not answered (see handleUpdate).
var allowedUpdates = []string{"message", "callback_query", "inline_query"}

// batchLimit is getUpdates' limit, and so the most updates handled at once.
const batchLimit = 100

// poll is the long-polling loop. It replaces the library's GetUpdatesChan,
// which confirms updates to Telegram before they are handled (a crash loses
// them), cannot cancel its poll, and retries errors every 3s forever.
//
// Each getUpdates returns a batch. The batch is handled completely (updates
// of one chat in order, chats concurrently: at most batchLimit goroutines),
// and only then does the next getUpdates carry offset = last handled id + 1,
// which is what tells Telegram to forget them. Delivery is at-least-once: a
// crash before that next call means the batch is fetched and answered again
// by the next process. Within a process, handled ids are remembered and not
// answered twice.
func (a *Adapter) poll(ctx context.Context) error {
	hctx, stop := a.handlingContext(ctx)
	defer stop()
	a.deleteWebhook(ctx)
	// getMe has accepted the token: connected until a poll fails, not
	// only once the first long poll returns (which may take its full
	// timeout on a quiet bot).
	a.connected.Store(true)

	offset, confirmed := 0, 0
	failures := 0
	for ctx.Err() == nil {
		updates, err := a.getUpdates(ctx, offset, int(a.pollTimeout/time.Second))
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			a.connected.Store(false)
			a.events.APIError(Channel, "getUpdates")
			if rejectedToken(err) {
				return err
			}
			if isConflict(err) {
				// A webhook is set (or another process polls with this
				// token): clear the webhook again before the next poll.
				a.deleteWebhook(ctx)
			}
			failures++
			d := a.retryDelay(err, failures)
			a.log.Warn("getUpdates failed; retrying", "err", err, "in", d)
			if a.sleep(ctx, d) != nil {
				break
			}
			continue
		}
		failures = 0
		confirmed = offset
		a.connected.Store(true)
		if len(updates) > 0 {
			offset = a.handleBatch(hctx, updates, offset)
		}
	}
	if offset > confirmed {
		a.confirm(ctx, offset)
	}
	return nil
}

func (a *Adapter) getUpdates(ctx context.Context, offset, timeout int) ([]tgbotapi.Update, error) {
	// The request may legitimately take the whole poll timeout; allow
	// slack for the network on top.
	pctx, cancel := context.WithTimeout(ctx, time.Duration(timeout)*time.Second+a.sendTimeout)
	defer cancel()
	cfg := tgbotapi.UpdateConfig{Offset: offset, Limit: batchLimit, Timeout: timeout, AllowedUpdates: allowedUpdates}
	updates, err := a.botFor(pctx).GetUpdates(cfg)
	if err != nil {
		return nil, a.wrap("getUpdates", err)
	}
	return updates, nil
}

// confirm tells Telegram, at shutdown, that everything below offset was
// handled, so the next process does not answer it again. It is one
// getUpdates call that waits for nothing; the updates it returns are left
// unconfirmed for the next process.
func (a *Adapter) confirm(ctx context.Context, offset int) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	cfg := tgbotapi.UpdateConfig{Offset: offset, Limit: 1, Timeout: 0, AllowedUpdates: allowedUpdates}
	if _, err := a.botFor(cctx).GetUpdates(cfg); err != nil {
		a.log.Warn("could not confirm the last updates; they may be answered again after restart", "err", a.wrap("getUpdates", err))
	}
}

func isConflict(err error) bool {
	var te *tgbotapi.Error
	return errors.As(err, &te) && te.Code == http.StatusConflict
}

// deleteWebhook clears a webhook left by an earlier deployment: while one is
// set, getUpdates fails with 409. Pending updates are kept.
func (a *Adapter) deleteWebhook(ctx context.Context) {
	err := a.call(ctx, "deleteWebhook", nil, func(api *tgbotapi.BotAPI) error {
		_, err := api.Request(tgbotapi.DeleteWebhookConfig{DropPendingUpdates: false})
		return err
	})
	if err != nil && ctx.Err() == nil {
		a.log.Warn("deleteWebhook failed; polling may fail with 409 while a webhook is set", "err", err)
	}
}

// handleBatch handles a batch and returns the offset to confirm next: one
// past the last update such that it and every update before it are done.
// Updates of one chat are handled in order; chats run concurrently.
func (a *Adapter) handleBatch(ctx context.Context, updates []tgbotapi.Update, offset int) int {
	sort.SliceStable(updates, func(i, j int) bool { return updates[i].UpdateID < updates[j].UpdateID })
	var order []string
	byChat := map[string][]int{}
	for i, u := range updates {
		if u.UpdateID < offset {
			continue // already confirmed; a server should not send these
		}
		k := chatKey(u)
		if _, ok := byChat[k]; !ok {
			order = append(order, k)
		}
		byChat[k] = append(byChat[k], i)
	}
	done := make([]bool, len(updates))
	var wg sync.WaitGroup
	for _, k := range order {
		idx := byChat[k]
		wg.Go(func() {
			for _, i := range idx {
				if ctx.Err() != nil {
					return
				}
				done[i] = a.handleUpdate(ctx, updates[i])
			}
		})
	}
	wg.Wait()
	next := offset
	for i, u := range updates {
		if u.UpdateID < offset {
			continue
		}
		if !done[i] {
			break
		}
		next = u.UpdateID + 1
	}
	return next
}

// chatKey groups updates that must be handled in order.
func chatKey(u tgbotapi.Update) string {
	switch {
	case u.Message != nil && u.Message.Chat != nil:
		return "c" + strconv.FormatInt(u.Message.Chat.ID, 10)
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil && u.CallbackQuery.Message.Chat != nil:
		return "c" + strconv.FormatInt(u.CallbackQuery.Message.Chat.ID, 10)
	case u.CallbackQuery != nil && u.CallbackQuery.From != nil:
		return "u" + strconv.FormatInt(u.CallbackQuery.From.ID, 10)
	case u.InlineQuery != nil && u.InlineQuery.From != nil:
		return "u" + strconv.FormatInt(u.InlineQuery.From.ID, 10)
	}
	return "x" + strconv.Itoa(u.UpdateID)
}
