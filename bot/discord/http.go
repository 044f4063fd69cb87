package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Limits of the Interactions Endpoint URL.
const (
	// maxSignatureAge refuses replays: a signed request older (or further
	// in the future) than this is refused even with a valid signature.
	maxSignatureAge = 5 * time.Minute
	// maxInteractionBody bounds what is read before the signature is
	// checked; Discord's interactions are a few kilobytes.
	maxInteractionBody = 1 << 20
)

// interactionPing is the type of Discord's PING, answered with a PONG of
// the same type.
const interactionPing = 1

// NewInteractionsHandler returns the handler of Discord's Interactions
// Endpoint URL, for serving slash commands, autocomplete and buttons over
// HTTP instead of (or beside) the gateway. publicKey is the application's
// public key from the Developer Portal, in hex; an invalid key is an error
// here, at start-up.
//
// Every request must be a POST signed by Discord: X-Signature-Ed25519 over
// X-Signature-Timestamp + body, with a timestamp within 5 minutes of now;
// anything else is refused with 401 ("If the signature fails validation,
// your app should respond with a 401 error code"). A PING is answered with
// a PONG. Any other interaction is acknowledged with 202 and no body and
// answered through the same code as a gateway interaction, which responds
// on the interaction's callback endpoint ("If you send this request for an
// interaction received over HTTP, respond to the original HTTP request
// with a 202 and no body"). The adapter need not Run for this: the handler
// uses only REST. It is safe for concurrent use.
//
// Once the adapter shuts down (its Run returns) or Shutdown is called, a
// 202 would promise an answer nothing is left to give: the interaction is
// answered in the HTTP response itself instead (Discord's inline
// response, well within its 3 s), privately, with "try again in a moment"
// and the 112 line; an autocomplete gets no choices.
func NewInteractionsHandler(a *Adapter, publicKey string) (*InteractionsHandler, error) {
	key, err := hex.DecodeString(strings.TrimSpace(publicKey))
	if err != nil || len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("the Discord public key must be %d bytes in hex", ed25519.PublicKeySize)
	}
	return &InteractionsHandler{a: a, key: ed25519.PublicKey(key), now: time.Now}, nil
}

// InteractionsHandler is the Interactions Endpoint URL's handler (see
// NewInteractionsHandler).
type InteractionsHandler struct {
	a   *Adapter
	key ed25519.PublicKey
	now func() time.Time

	mu      sync.Mutex // guards closing and wg.Add against wg.Wait
	closing bool
	wg      sync.WaitGroup // the interactions it acknowledged with 202
	idle    chan struct{}  // closed once wg drains after closing; made by the first Shutdown
}

// Shutdown stops acknowledging interactions with 202 (they are answered
// in the response, see NewInteractionsHandler) and waits until those it
// acknowledged have been answered, or ctx ends (its error is returned).
// An adapter that Runs waits for them itself when it stops; one that only
// serves this handler (a replica's) has no Run to wait, so the server
// calls Shutdown once it stops taking requests.
//
// Returning when ctx ends does not stop what is in flight: one goroutine,
// shared by every call, waits for those answers until they finish, which
// their own deadlines bound (the adapter's answer and REST timeouts).
// Calling Shutdown again, with a later deadline, waits for the same.
func (h *InteractionsHandler) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	if h.idle == nil {
		h.idle = make(chan struct{})
		idle := h.idle
		go func() {
			h.wg.Wait() // no Add after closing: once drained, for good
			close(idle)
		}()
	}
	idle := h.idle
	h.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// start answers i in the background, counted for Shutdown and for the
// adapter's own shutdown; false when either has begun.
func (h *InteractionsHandler) start(i *discordgo.Interaction, received time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return false
	}
	h.wg.Add(1)
	if !h.a.spawn(func() {
		defer h.wg.Done()
		h.a.interaction(h.a.rest, i, received)
	}) {
		h.wg.Done()
		return false
	}
	return true
}

// answerInline answers an interaction in the HTTP response, when it can no
// longer be answered on its callback endpoint: privately, the error text
// (try again in a moment, and the 112 line); an autocomplete with no
// choices. With Options.Claims it is claimed first, so that a delivery
// another replica is answering gets the bare 202 it would have had.
//
// The claim is made under the request's context, not the adapter's: a
// shutdown that timed out has cancelled that one, and a claim under it
// fails, which the adapter's claim reads as "shutting down, leave it",
// a bare 202 that nothing would follow.
func (h *InteractionsHandler) answerInline(w http.ResponseWriter, r *http.Request, i *discordgo.Interaction, received time.Time) {
	finish, mine := h.claimInline(r.Context(), i, received)
	if !mine {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	body := callbackBody{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: callbackData{
		Content:         errorText(),
		Embeds:          []*discordgo.MessageEmbed{},
		Components:      []discordgo.MessageComponent{},
		AllowedMentions: noMentions(),
		Flags:           discordgo.MessageFlagsEphemeral,
	}}
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		body = callbackBody{Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: struct {
			Choices []choice `json:"choices"`
		}{[]choice{}}}
	}
	data, err := json.Marshal(body)
	if err != nil { // static shapes: cannot happen
		http.Error(w, "cannot answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(data)
	if finish != nil {
		finish(err == nil)
	}
	h.a.log.Info("discord: interaction answered in the response: shutting down", "interaction", i.ID)
}

// claimInline is the adapter's claim (see claim) for an answer in the
// response, under ctx and the 3 s deadline: nil, true without
// Options.Claims or when the store cannot be asked (answering twice is
// better than never); false when another replica has it.
func (h *InteractionsHandler) claimInline(ctx context.Context, i *discordgo.Interaction, received time.Time) (finish func(bool), mine bool) {
	if h.a.opts.Claims == nil {
		return nil, true
	}
	ctx, cancel := context.WithDeadline(ctx, received.Add(interactionDeadline))
	defer cancel()
	finish, err := h.a.opts.Claims.Claim(ctx, claimKey(i))
	if err != nil {
		h.a.log.Warn("discord: cannot claim an interaction; answering it in the response anyway", "interaction", i.ID, "err", h.a.secret.Redact(err))
		return nil, true
	}
	return finish, finish != nil
}

// claimKey is the key an interaction is claimed under, the same on every
// replica of the application.
func claimKey(i *discordgo.Interaction) string { return "discord:" + i.AppID + ":" + i.ID }

func (h *InteractionsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	received := h.now()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxInteractionBody+1))
	if err != nil || len(body) > maxInteractionBody {
		http.Error(w, "cannot read the request", http.StatusBadRequest)
		return
	}
	if err := h.verify(r.Header, body, received); err != nil {
		h.a.log.Warn("discord: interaction refused", "err", err)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var kind struct {
		Type int `json:"type"`
	}
	if err := json.Unmarshal(body, &kind); err != nil {
		http.Error(w, "the body is not an interaction", http.StatusBadRequest)
		return
	}
	if kind.Type == interactionPing {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"type":1}`))
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		http.Error(w, "the body is not an interaction", http.StatusBadRequest)
		return
	}
	if !h.start(&i, received) {
		h.answerInline(w, r, &i, received)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// verify checks Discord's signature and the age of its timestamp.
func (h *InteractionsHandler) verify(hdr http.Header, body []byte, now time.Time) error {
	sig, err := hex.DecodeString(hdr.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("no valid X-Signature-Ed25519")
	}
	ts := hdr.Get("X-Signature-Timestamp")
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("no valid X-Signature-Timestamp")
	}
	if age := now.Sub(time.Unix(secs, 0)); age > maxSignatureAge || age < -maxSignatureAge {
		return fmt.Errorf("signature timestamp %v away from now", age.Round(time.Second))
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(h.key, msg, sig) {
		return errors.New("signature does not match")
	}
	return nil
}
