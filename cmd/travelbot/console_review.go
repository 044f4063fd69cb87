package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
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
// edited file must be valid and its cases no worse), on the serving FAQ's
// file. The console reloads through the one reload path afterwards.
type consoleReview struct {
	db   store.Store
	live *faq.Live
	path string // the FAQ file; "" when serving the embedded FAQ
	now  func() time.Time
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

// Promote implements console.Review: it writes the FAQ file only when the
// edit is valid and the cases next to the file get no worse.
func (r *consoleReview) Promote(ctx context.Context, p console.Promotion) error {
	if r.path == "" {
		return errors.New("the FAQ serving is the embedded default, which cannot be edited: serve one from a file (faq: in the config)")
	}
	data, err := faq.ReadFile(r.path)
	if err != nil {
		return err
	}
	edited, err := faq.AddPhrasing(data, r.path, p.Entry, p.Text, p.Negative)
	if err != nil {
		return err
	}
	f, err := faq.Parse(r.path, edited)
	if err != nil {
		return err // a *faq.ValidationError: the console lists its problems
	}
	old := r.live.Current()
	nt, err := faq.Compile(f, faq.WithThresholds(old.Thresholds()))
	if err != nil {
		return err
	}
	if cases := filepath.Join(filepath.Dir(r.path), "cases.yaml"); fileExists(cases) {
		if err := notWorse(cases, old, nt); err != nil {
			return err
		}
	}
	if err := writeFileAtomic(r.path, edited); err != nil {
		return fmt.Errorf("promote: %w", err)
	}
	m := store.Mark{ClusterID: p.ClusterID, State: store.MarkPromoted, Entry: p.Entry, Negative: p.Negative, Text: strings.TrimSpace(p.Text), Time: r.now()}
	if err := r.db.Mark(ctx, m); err != nil {
		return fmt.Errorf("promote: the FAQ was edited, but marking the cluster failed: %w", err)
	}
	return nil
}

// Dismiss implements console.Review.
func (r *consoleReview) Dismiss(ctx context.Context, clusterID string) error {
	if clusterID == "" {
		return errors.New("no cluster named")
	}
	return r.db.Mark(ctx, store.Mark{ClusterID: clusterID, State: store.MarkDismissed, Time: r.now()})
}
