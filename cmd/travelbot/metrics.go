package main

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"travelbot/bot"
	"travelbot/bot/store"
	"travelbot/faq"
)

// metrics is what GET /metrics shows. It has its own registry, so two
// servers in one process (tests) do not collide and nothing registered
// globally by a library leaks in. It is safe for concurrent use.
type metrics struct {
	reg        *prometheus.Registry
	questions  *prometheus.CounterVec
	matchTime  prometheus.Histogram
	reloads    *prometheus.CounterVec
	entries    prometheus.Gauge
	apiErrors  *prometheus.CounterVec
	apiRetries *prometheus.CounterVec
	// The learning loop's.
	feedback   *prometheus.CounterVec
	answers    *prometheus.CounterVec
	storeWrite prometheus.Histogram
}

var (
	_ bot.Observer  = (*metrics)(nil)
	_ bot.APIEvents = (*metrics)(nil)
)

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "travelbot_questions_total",
			Help: "Questions answered, by channel and outcome (answer, clarify, none, rate_limited).",
		}, []string{"channel", "outcome"}),
		matchTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "travelbot_match_duration_seconds",
			Help: "Time to match a question and build the reply, excluding the platform round trip.",
			// Matching takes microseconds; the top buckets catch a slow
			// machine or a pathological question.
			Buckets: []float64{5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3},
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "travelbot_reloads_total",
			Help: "FAQ reload attempts by result (ok, unchanged, error) and trigger (file, signal, http, telegram, discord).",
		}, []string{"result", "trigger"}),
		entries: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "travelbot_faq_entries",
			Help: "Entries in the FAQ serving now.",
		}),
		apiErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "travelbot_platform_api_errors_total",
			Help: "Failed chat platform API calls, by channel and method.",
		}, []string{"channel", "method"}),
		apiRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "travelbot_platform_api_retries_total",
			Help: "Retried chat platform API calls, by channel and method.",
		}, []string{"channel", "method"}),
		feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "travelbot_feedback_total",
			Help: "Votes on answers recorded, by channel and vote (up, down).",
		}, []string{"channel", "vote"}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "travelbot_answers_total",
			Help: "Questions answered with an FAQ entry, by entry id.",
		}, []string{"entry"}),
		storeWrite: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "travelbot_store_write_duration_seconds",
			Help:    "Time to write one batch of the learning loop's records to the store.",
			Buckets: []float64{100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1},
		}),
	}
	for _, ch := range []string{"telegram", "discord", "http"} {
		for _, v := range []bot.Vote{bot.VoteUp, bot.VoteDown} {
			m.feedback.WithLabelValues(ch, string(v))
		}
	}
	// Every series a dashboard or an alert would watch exists from the
	// start at zero, so a rate() over it works before the first event.
	for _, ch := range []string{"telegram", "discord", "http"} {
		for _, k := range []bot.Kind{bot.KindAnswer, bot.KindClarify, bot.KindNone, bot.KindRateLimited} {
			m.questions.WithLabelValues(ch, string(k))
		}
	}
	for _, result := range []string{"ok", "unchanged", "error"} {
		for _, trigger := range []string{"file", "signal", "http", "telegram", "discord"} {
			m.reloads.WithLabelValues(result, trigger)
		}
	}
	m.reg.MustRegister(m.questions, m.matchTime, m.reloads, m.entries, m.apiErrors, m.apiRetries,
		m.feedback, m.answers, m.storeWrite,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Observe counts one question (bot.Observer).
func (m *metrics) Observe(msg bot.Message, r bot.Reply, took time.Duration) {
	m.questions.WithLabelValues(msg.Channel, string(r.Kind)).Inc()
	m.matchTime.Observe(took.Seconds())
	if r.Kind == bot.KindAnswer && r.ID != "" {
		m.answers.WithLabelValues(r.ID).Inc()
	}
}

// voted counts a vote the learning loop recorded.
func (m *metrics) voted(channel string, v bot.Vote) {
	m.feedback.WithLabelValues(channel, string(v)).Inc()
}

// watchStore exports the learning loop's writer counters: records dropped
// because its queue was full, and records lost to failed writes.
func (m *metrics) watchStore(w *store.Writer) {
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "travelbot_store_dropped_total",
			Help: "Learning-loop records dropped because the store's queue was full (the reply was sent anyway).",
		}, func() float64 { return float64(w.Dropped()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "travelbot_store_failed_total",
			Help: "Learning-loop records lost to failed store writes.",
		}, func() float64 { return float64(w.Failed()) }),
	)
}

// APIError counts a failed platform call (bot.APIEvents).
func (m *metrics) APIError(channel, method string) {
	m.apiErrors.WithLabelValues(channel, method).Inc()
}

// APIRetry counts a retried platform call (bot.APIEvents).
func (m *metrics) APIRetry(channel, method string) {
	m.apiRetries.WithLabelValues(channel, method).Inc()
}

// reloaded counts a reload attempt and tracks the entries serving after it.
func (m *metrics) reloaded(res faq.ReloadResult) {
	m.reloads.WithLabelValues(reloadOutcome(res), res.Trigger).Inc()
	m.entries.Set(float64(res.Entries))
}

// reloadOutcome names a reload's result as the metric and logs do.
func reloadOutcome(res faq.ReloadResult) string {
	switch {
	case !res.OK:
		return "error"
	case res.Changed:
		return "ok"
	default:
		return "unchanged"
	}
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
