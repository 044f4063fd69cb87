package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"travelbot/bot/store"
	"travelbot/cmd/travelbot/console"
	"travelbot/faq"
)

// consoleReviewWindow is how far back the console's review queue looks, as
// `travelbot review` does by default.
const consoleReviewWindow = 7 * 24 * time.Hour

// consoleReview is the console's review queue: the clusters `travelbot
// review` lists, and `travelbot review promote`'s edit with its checks (the
// edited FAQ must be valid and its cases no worse). The edit goes to the
// serving FAQ's file, or, with replicas (a store that keeps the FAQ's
// versions: the database), to the database as a new version that every
// replica is notified of and serves; the file, read-only in a ConfigMap,
// is then only an import. The console reloads through the one reload path
// afterwards (which, on a replica, loads the database's latest).
type consoleReview struct {
	db   store.Store
	live *faq.Live
	path string // the FAQ file; "" when serving the embedded FAQ
	now  func() time.Time
}

// text is where a promote edits the FAQ: the database's latest version
// when the store keeps them, else the file.
func (r *consoleReview) text() (faqText, error) {
	if v, ok := r.db.(faqVersions); ok {
		return &versionText{db: v, source: "promote"}, nil
	}
	if r.path == "" {
		return nil, errors.New("the FAQ serving is the embedded default, which cannot be edited: serve one from a file (faq: in the config)")
	}
	return fileText(r.path), nil
}

var _ console.Review = (*consoleReview)(nil)

// Clusters implements console.Review.
func (r *consoleReview) Clusters(ctx context.Context) ([]console.Cluster, error) {
	rep, err := buildReview(ctx, r.db, r.live.Current(), r.now().Add(-consoleReviewWindow), time.Time{})
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	out := make([]console.Cluster, 0, len(rep.Clusters))
	for _, c := range rep.Clusters {
		out = append(out, console.Cluster{
			ID: c.ID, Kind: c.Kind, Count: c.Count, Examples: c.Examples,
			Suggested: c.Suggested.ID, Confidence: c.Suggested.Confidence, DownShare: c.DownShare,
		})
	}
	return out, nil
}

// Promote implements console.Review through applyPromotion, as `travelbot
// review promote` does: the FAQ (file or database, see text) is written
// only when the edit is valid and the cases next to it get no worse,
// compared with the table serving now. The console keeps its own audit log
// of the promote.
func (r *consoleReview) Promote(ctx context.Context, p console.Promotion) error {
	text, err := r.text()
	if err != nil {
		return err
	}
	// applyPromotion's errors say what is wrong in words the console
	// shows as they are; an invalid edit is a *faq.ValidationError inside,
	// whose problems the console lists.
	_, err = applyPromotion(ctx, r.db, promotion{
		FAQ: text, ClusterID: p.ClusterID, Entry: p.Entry, Negative: p.Negative, Text: p.Text,
		Serving: r.live.Current(), Now: r.now,
	})
	return err
}

// Dismiss implements console.Review.
func (r *consoleReview) Dismiss(ctx context.Context, clusterID string) error {
	if clusterID == "" {
		return errors.New("no cluster named")
	}
	return r.db.Mark(ctx, store.Mark{ClusterID: clusterID, State: store.MarkDismissed, Time: r.now()})
}
