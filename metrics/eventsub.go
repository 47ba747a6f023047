package metrics

import "github.com/prometheus/client_golang/prometheus"

// eventSubMetrics show the health of the EventSub connections: what is
// connected and subscribed, and what Twitch revoked or delivered twice.
type eventSubMetrics struct {
	connections   *prometheus.GaugeVec
	subscriptions *prometheus.GaugeVec
	reconnects    *prometheus.CounterVec
	revocations   *prometheus.CounterVec
	duplicates    *prometheus.CounterVec
}

// eventSubReconnectReasons are the bounded values of the reason label.
var eventSubReconnectReasons = []string{"session_reconnect", "keepalive_timeout", "error"}

func newEventSubMetrics() eventSubMetrics {
	return eventSubMetrics{
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_eventsub_connections",
			Help: "EventSub WebSocket connections open, per channel (0 without a broadcaster token).",
		}, []string{"channel"}),
		subscriptions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_eventsub_subscriptions",
			Help: "EventSub subscriptions enabled, per channel.",
		}, []string{"channel"}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_eventsub_reconnects_total",
			Help: "EventSub reconnects, per channel and reason (session_reconnect: Twitch asked; keepalive_timeout; error).",
		}, []string{"channel", "reason"}),
		revocations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_eventsub_revocations_total",
			Help: "EventSub subscriptions Twitch revoked, per channel and subscription type; not created again until the token changes.",
		}, []string{"channel", "type"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_eventsub_duplicates_total",
			Help: "EventSub notifications Twitch delivered again (same message id) and Hearth dropped, per channel.",
		}, []string{"channel"}),
	}
}

func (e eventSubMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{e.connections, e.subscriptions, e.reconnects, e.revocations, e.duplicates}
}

// addChannel pre-declares a channel's EventSub series at zero; revocations
// appear with their first, labelled by type.
func (e eventSubMetrics) addChannel(channel string) {
	e.connections.WithLabelValues(channel)
	e.subscriptions.WithLabelValues(channel)
	e.duplicates.WithLabelValues(channel)
	for _, r := range eventSubReconnectReasons {
		e.reconnects.WithLabelValues(channel, r)
	}
}

// EventSubConnected sets how many EventSub connections a channel has.
func (m *Metrics) EventSubConnected(channel string, connections int) {
	m.eventsub.connections.WithLabelValues(channel).Set(float64(connections))
}

// EventSubSubscribed sets how many subscriptions a channel has enabled.
func (m *Metrics) EventSubSubscribed(channel string, subscriptions int) {
	m.eventsub.subscriptions.WithLabelValues(channel).Set(float64(subscriptions))
}

// EventSubReconnect counts a reconnect for reason.
func (m *Metrics) EventSubReconnect(channel, reason string) {
	m.eventsub.reconnects.WithLabelValues(channel, reason).Inc()
}

// EventSubRevoked counts a revoked subscription.
func (m *Metrics) EventSubRevoked(channel, subscriptionType string) {
	m.eventsub.revocations.WithLabelValues(channel, subscriptionType).Inc()
}

// EventSubDuplicate counts a notification delivered twice.
func (m *Metrics) EventSubDuplicate(channel string) {
	m.eventsub.duplicates.WithLabelValues(channel).Inc()
}
