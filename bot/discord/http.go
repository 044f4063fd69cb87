package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
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
func NewInteractionsHandler(a *Adapter, publicKey string) (http.Handler, error) {
	key, err := hex.DecodeString(strings.TrimSpace(publicKey))
	if err != nil || len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("the Discord public key must be %d bytes in hex", ed25519.PublicKeySize)
	}
	return &interactionsHandler{a: a, key: ed25519.PublicKey(key), now: time.Now}, nil
}

type interactionsHandler struct {
	a   *Adapter
	key ed25519.PublicKey
	now func() time.Time
}

func (h *interactionsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	h.a.spawn(func() { h.a.interaction(h.a.rest, &i, received) })
	w.WriteHeader(http.StatusAccepted)
}

// verify checks Discord's signature and the age of its timestamp.
func (h *interactionsHandler) verify(hdr http.Header, body []byte, now time.Time) error {
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
