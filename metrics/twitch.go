package metrics

import (
	"github.com/hearthlive/hearth"
	"github.com/prometheus/client_golang/prometheus"
)

// twitchMetrics are the figures that need Twitch's API (Helix): the
// concurrent viewer count, the participation ratio built on it, and the
// health of the API calls.
type twitchMetrics struct {
	viewers       *prometheus.GaugeVec
	participation *prometheus.GaugeVec
	requests      *prometheus.CounterVec
	up            prometheus.Gauge
}

func newTwitchMetrics() twitchMetrics {
	return twitchMetrics{
		viewers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_viewers",
			Help: "Concurrent viewers Twitch reports while the channel is live (0 while offline); absent without Helix.",
		}, []string{"channel"}),
		participation: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_participation_ratio",
			Help: "Distinct active chatters (5 minutes) divided by concurrent viewers, while live with viewers; absent otherwise.",
		}, []string{"channel"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_twitch_api_requests_total",
			Help: "Requests to Twitch's Helix API, by endpoint and HTTP status (\"error\" when no answer came).",
		}, []string{"endpoint", "code"}),
		up: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hearth_twitch_api_up",
			Help: "1 while Helix answers Hearth's polls, 0 while it fails (Hearth is degraded, chat still counts).",
		}),
	}
}

// engagement sets the viewer count and the participation ratio from a
// channel's engagement figures, once Twitch reports a viewer count.
func (t twitchMetrics) engagement(channel string, e hearth.Engagement) {
	if !e.ViewerCountKnown {
		return
	}
	t.viewers.WithLabelValues(channel).Set(float64(e.ConcurrentViewers))
	if !e.Live || e.ConcurrentViewers <= 0 {
		t.participation.DeleteLabelValues(channel)
		return
	}
	t.participation.WithLabelValues(channel).Set(float64(e.ActiveChatters) / float64(e.ConcurrentViewers))
}

// HelixRequest counts one request to a Helix endpoint, by HTTP status or
// "error".
func (m *Metrics) HelixRequest(endpoint, code string) {
	m.twitch.requests.WithLabelValues(endpoint, code).Inc()
}

// HelixDegraded sets hearth_twitch_api_up.
func (m *Metrics) HelixDegraded(degraded bool) {
	if degraded {
		m.twitch.up.Set(0)
	} else {
		m.twitch.up.Set(1)
	}
}
