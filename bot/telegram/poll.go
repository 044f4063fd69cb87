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

// batchLimit is getUpdates' limit.
const batchLimit = 100

// maxInFlight bounds the updates being handled at once. While that many are
// in flight the loop waits for one to finish before it polls again. (With
// Telegram the bound holds anyway: getUpdates returns at most batchLimit
// updates from the offset, which stays at the lowest one in flight.)
const maxInFlight = batchLimit

// repollMin and repollMax pace getUpdates while updates are in flight.
// Every call long-polls (the Bot API reserves short polling for testing),
// but while the offset is held behind an update being handled, Telegram
// answers at once with that update again, so the timeout never comes into
// play: the loop itself must wait. It polls again as soon as an update
// finishes (the offset may move), or else after a wait that doubles from
// repollMin to repollMax while nothing new arrives, so that new updates
// from other chats are still seen while one chat works through a slow
// queue, without a call every 250 ms for as long as that lasts.
const (
	repollMin = 250 * time.Millisecond
	repollMax = 2 * time.Second
)

// poll is the long-polling loop. It replaces the library's GetUpdatesChan,
// which confirms updates to Telegram before they are handled (a crash loses
// them), cannot cancel its poll, and retries errors every 3s forever.
//
// The loop keeps polling while updates are being handled. Each new update
// goes to its chat's queue (see chatQueues): one chat's updates are handled
// in order, different chats concurrently, so a chat whose replies wait on
// its 1 msg/s limit delays only itself; a button pressed in such a chat
// is still answered at once (answersAhead). The offset sent with each
// getUpdates, which tells Telegram to forget everything below it, is the
// lowest update id not yet handled (see tracker). After a crash, updates
// from that id on are fetched again by the next process, including ones
// of other chats that had been answered. With Options.Claims (serve sets
// the store's) each update is handled through handleClaimed, which records
// it answered in the store right after its reply went out, before the
// update counts as handled here and so before its offset is confirmed: the
// next process skips what was answered, and answers again only a reply
// that Telegram took just before the crash, ahead of its record. Without
// claims, delivery is at-least-once. Within a process, ids in flight or
// done are skipped.
//
// On cancel it stops polling, lets the updates being handled finish (up to
// the grace period; queued ones are left for the next process), and
// confirms the offset of what finished.
func (a *Adapter) poll(ctx context.Context) error {
	hctx, stop := a.handlingContext(ctx)
	defer stop()
	a.deleteWebhook(ctx)
	// getMe has accepted the token: connected until a poll fails, not
	// only once the first long poll returns (which may take its full
	// timeout on a quiet bot).
	a.connected.Store(true)

	track := newTracker()
	ahead := a.newAnswersAhead(hctx)
	queues := newChatQueues(func(u tgbotapi.Update) bool {
		if ctx.Err() != nil {
			return false // shutting down: start nothing new
		}
		if !a.handleClaimed(ahead.handling(hctx, u), u) {
			return false
		}
		track.finish(u.UpdateID)
		return true
	})
	queues.behind = ahead.queuedBehind
	confirmed := 0
	failures := a.backoff()
	repoll := a.repollMin
	timeout := int(a.pollTimeout / time.Second)
	for ctx.Err() == nil {
		progress := track.changes()
		if track.busy() >= maxInFlight {
			if waitFor(ctx, progress, 0) != nil {
				break
			}
			continue
		}
		offset := track.nextOffset()
		updates, err := a.getUpdates(ctx, offset, timeout)
		if err != nil {
			if ctx.Err() != nil {
				// A poll cut short by shutdown may or may not have
				// reached Telegram (a request written out whole can
				// still be lost with its connection): its offset is
				// not taken as confirmed, and the confirm below sends
				// it again when updates were handled since the last
				// poll that returned.
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
			d := retryDelay(failures, err)
			a.log.Warn("getUpdates failed; retrying", "err", err, "in", d)
			if a.sleep(ctx, d) != nil {
				break
			}
			continue
		}
		failures.Reset()
		confirmed = offset
		a.connected.Store(true)
		sort.SliceStable(updates, func(i, j int) bool { return updates[i].UpdateID < updates[j].UpdateID })
		fresh := 0
		for _, u := range updates {
			if track.start(u.UpdateID) {
				fresh++
				queues.push(u)
			}
		}
		if fresh > 0 || (len(updates) == 0 && track.busy() == 0) {
			repoll = a.repollMin
			continue
		}
		// Nothing new: poll again when an update finishes (the offset
		// may move) or after a while (new updates from other chats),
		// not in a hot loop.
		if waitFor(ctx, progress, repoll) != nil {
			break
		}
		repoll = min(2*repoll, a.repollMax)
	}
	queues.wait()
	ahead.wait()
	if offset := track.nextOffset(); offset > confirmed {
		a.confirm(ctx, offset)
	}
	return nil
}

// waitFor waits until ch is closed, d passes (d > 0), or ctx is done; it
// returns ctx's error in the last case.
func waitFor(ctx context.Context, ch <-chan struct{}, d time.Duration) error {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ch:
	case <-timeout:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// getUpdates makes one getUpdates call.
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
// getUpdates call with the shortest long poll there is (1 s: the Bot API
// reserves short polling for testing), which returns at once when updates
// are left; those are left unconfirmed for the next process.
func (a *Adapter) confirm(ctx context.Context, offset int) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second+5*time.Second)
	defer cancel()
	cfg := tgbotapi.UpdateConfig{Offset: offset, Limit: 1, Timeout: 1, AllowedUpdates: allowedUpdates}
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

// chatQueues handles updates one chat at a time: each chat with work has a
// worker goroutine that handles its updates in the order they were pushed,
// and exits when its queue is empty. Chats do not wait for each other. The
// number of workers is at most the number of updates in flight, which the
// poll loop bounds (maxInFlight).
type chatQueues struct {
	handle func(tgbotapi.Update) bool // false: stop this chat's worker
	// behind, when set, is told of each update queued behind an earlier
	// one of its chat (see answersAhead), under mu: it must not block.
	behind func(tgbotapi.Update)

	mu      sync.Mutex
	pending map[string][]tgbotapi.Update // a key is present while its worker runs
	wg      sync.WaitGroup
}

func newChatQueues(handle func(tgbotapi.Update) bool) *chatQueues {
	return &chatQueues{handle: handle, pending: make(map[string][]tgbotapi.Update)}
}

// push queues u behind the earlier updates of its chat.
func (q *chatQueues) push(u tgbotapi.Update) {
	k := chatKey(u)
	q.mu.Lock()
	defer q.mu.Unlock()
	if queued, ok := q.pending[k]; ok {
		q.pending[k] = append(queued, u)
		if q.behind != nil {
			q.behind(u)
		}
		return
	}
	q.pending[k] = []tgbotapi.Update{u}
	q.wg.Go(func() { q.work(k) })
}

func (q *chatQueues) work(k string) {
	for {
		q.mu.Lock()
		queued := q.pending[k]
		if len(queued) == 0 {
			delete(q.pending, k)
			q.mu.Unlock()
			return
		}
		u := queued[0]
		queued[0] = tgbotapi.Update{}
		q.pending[k] = queued[1:]
		q.mu.Unlock()
		if !q.handle(u) {
			// Shutdown: what is left of this chat's queue stays
			// unconfirmed, for the next process.
			q.mu.Lock()
			delete(q.pending, k)
			q.mu.Unlock()
			return
		}
	}
}

// wait blocks until every worker has exited. Call it after the last push.
func (q *chatQueues) wait() { q.wg.Wait() }

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
