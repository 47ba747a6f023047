// Package metrics exposes Hearth's engagement and health figures to
// Prometheus. Every collector is registered on a Registerer the caller
// passes in; there is no global registry. Labels are bounded: channel
// (configured), event kind, command name, reason; never a viewer.
package metrics

import (
	"time"

	"github.com/hearthlive/hearth"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds Hearth's collectors. Its methods satisfy the recorder and
// observer interfaces of the engine, the chat connection and the overlay
// hub.
type Metrics struct {
	chatMessages     *prometheus.CounterVec
	events           *prometheus.CounterVec
	duplicates       *prometheus.CounterVec
	unknownChannel   prometheus.Counter
	sharedChat       *prometheus.CounterVec
	points           *prometheus.CounterVec
	activeChatters   *prometheus.GaugeVec
	viewers          *prometheus.GaugeVec
	streamLive       *prometheus.GaugeVec
	streamChatters   *prometheus.GaugeVec
	streamReturning  *prometheus.GaugeVec
	streamTop10Share *prometheus.GaugeVec
	commands         *prometheus.CounterVec
	commandsDenied   *prometheus.CounterVec
	notices          *prometheus.CounterVec
	malformed        *prometheus.CounterVec
	chatConnected    prometheus.Gauge
	reconnects       prometheus.Counter
	repliesSent      *prometheus.CounterVec
	repliesDropped   *prometheus.CounterVec
	flushes          *prometheus.CounterVec
	flushDuration    prometheus.Histogram
	flushedChanges   prometheus.Counter
	overlayPushes    *prometheus.CounterVec
	overlayClients   *prometheus.GaugeVec
	overlayRefused   *prometheus.CounterVec
	httpRequests     *prometheus.CounterVec
	buildInfo        *prometheus.GaugeVec
	twitch           twitchMetrics
	eventsub         eventSubMetrics
	poll             pollMetrics
	figures          *figureMetrics
	cluster          clusterMetrics
}

// New creates Hearth's collectors and registers them, with the Go and
// process collectors, on reg.
func New(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		twitch:   newTwitchMetrics(),
		eventsub: newEventSubMetrics(),
		figures:  newFigureMetrics(),
		cluster:  newClusterMetrics(),
		chatMessages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_chat_messages_total",
			Help: "Chat messages counted, per channel (duplicates excluded).",
		}, []string{"channel"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_events_total",
			Help: "Events applied, per channel and kind (chat, sub, resub, subgift, raid, timeout, ...).",
		}, []string{"channel", "kind"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_events_duplicate_total",
			Help: "Events dropped because their id was already handled (re-delivery after a reconnect).",
		}, []string{"channel"}),
		unknownChannel: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hearth_events_unknown_channel_total",
			Help: "Events dropped because they were for a channel Hearth does not serve.",
		}),
		sharedChat: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_shared_chat_messages_total",
			Help: "Chat lines Shared Chat brought from another channel's chat, dropped: they count for nothing in this channel.",
		}, []string{"channel"}),
		points: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_points_awarded_total",
			Help: "Loyalty points awarded, per channel.",
		}, []string{"channel"}),
		activeChatters: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_chatters_active",
			Help: "Distinct viewers (not bots) who chatted in the last window (1m, 5m, 15m) of the channel's time.",
		}, []string{"channel", "window"}),
		viewers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_viewers_known",
			Help: "Viewers Hearth has seen in the channel, lifetime.",
		}, []string{"channel"}),
		streamLive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_stream_live",
			Help: "1 while the channel's stream is live (reported by Twitch or inferred from chat), else 0.",
		}, []string{"channel"}),
		streamChatters: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_stream_chatters",
			Help: "Distinct viewers (not bots) who chatted in the current or last stream.",
		}, []string{"channel"}),
		streamReturning: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_stream_returning_chatters",
			Help: "Chatters of the current or last stream whom Hearth had seen before it began.",
		}, []string{"channel"}),
		streamTop10Share: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_stream_top10_message_share",
			Help: "Share (0 to 1) of the current or last stream's messages sent by its ten most active chatters.",
		}, []string{"channel"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_commands_total",
			Help: "Chat commands run, per channel and command.",
		}, []string{"channel", "command"}),
		commandsDenied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_commands_rejected_total",
			Help: "Chat commands refused, per channel, command and reason (usage, permission, cooldown, balance...).",
		}, []string{"channel", "command", "reason"}),
		notices: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_notices_total",
			Help: "Notices of the rules (welcomes, rank-ups, follows, subs, gifts, cheers, raids, redemptions, poll results), per channel and kind.",
		}, []string{"channel", "kind"}),
		malformed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_stream_malformed_total",
			Help: "Messages from Twitch dropped as malformed, by reason.",
		}, []string{"reason"}),
		chatConnected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hearth_chat_connected",
			Help: "1 while the chat connection is logged in, else 0.",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hearth_chat_reconnects_total",
			Help: "Reconnect attempts after the chat connection was lost.",
		}),
		repliesSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_chat_replies_sent_total",
			Help: "Chat lines the bot sent, per channel.",
		}, []string{"channel"}),
		repliesDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_chat_replies_dropped_total",
			Help: "Chat lines dropped (queue full under the rate limit, or read-only connection), per channel.",
		}, []string{"channel"}),
		flushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_store_flushes_total",
			Help: "Store flushes (one transaction each), by result (ok, error).",
		}, []string{"result"}),
		flushDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "hearth_store_flush_duration_seconds",
			Help:    "Time one store flush took.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 10),
		}),
		flushedChanges: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hearth_store_flushed_changes_total",
			Help: "Rows written by successful store flushes.",
		}),
		overlayPushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_overlay_pushes_total",
			Help: "State pushes sent to overlay browsers, per channel and topic.",
		}, []string{"channel", "topic"}),
		overlayClients: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_overlay_clients",
			Help: "Overlay browsers connected, per channel.",
		}, []string{"channel"}),
		overlayRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_overlay_connections_refused_total",
			Help: "Overlay sockets refused, per channel and reason (channel_limit: the channel held overlays.max_connections sockets).",
		}, []string{"channel", "reason"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_http_requests_total",
			Help: "HTTP requests served, by route group and status class.",
		}, []string{"route", "code"}),
		poll: newPollMetrics(),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_build_info",
			Help: "Always 1; the version label says which build runs.",
		}, []string{"version"}),
	}
	cs := append(m.own(),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	m.buildInfo.WithLabelValues(hearth.Version).Set(1)
	for _, reason := range MalformedReasons {
		m.malformed.WithLabelValues(reason)
	}
	m.flushes.WithLabelValues("ok")
	m.flushes.WithLabelValues("error")
	return m, nil
}

// own lists Hearth's own collectors, without the Go and process ones.
func (m *Metrics) own() []prometheus.Collector {
	return append([]prometheus.Collector{
		m.chatMessages, m.events, m.duplicates, m.unknownChannel, m.sharedChat, m.points,
		m.activeChatters, m.viewers, m.streamLive, m.streamChatters, m.streamReturning, m.streamTop10Share, m.commands, m.commandsDenied, m.notices,
		m.malformed, m.chatConnected, m.reconnects, m.repliesSent, m.repliesDropped,
		m.flushes, m.flushDuration, m.flushedChanges, m.overlayPushes, m.overlayClients, m.overlayRefused,
		m.httpRequests, m.buildInfo, m.poll.polls, m.poll.votes, m.poll.turnout,
		m.twitch.viewers, m.twitch.participation, m.twitch.requests, m.twitch.up,
	}, append(append(m.eventsub.collectors(), m.figures.collectors()...), m.cluster.collectors()...)...)
}

// MalformedReasons are the reasons a Twitch message is dropped; they are
// pre-declared so dashboards see zeros rather than gaps.
var MalformedReasons = []string{"unparsable", "channel", "user_id", "login", "message_id", "gift_recipient", "clearchat_target", "target_message_id",
	"eventsub_json", "eventsub_session", "eventsub_message_id", "eventsub_subscription", "eventsub_reward", "eventsub_poll"}

// RemoveChannel deletes every series of a channel that is no longer
// served, so /metrics stops reporting it (and a channel added back later
// starts from AddChannel's zeros).
func (m *Metrics) RemoveChannel(channel string) {
	match := prometheus.Labels{"channel": channel}
	for _, c := range m.own() {
		if v, ok := c.(interface{ DeletePartialMatch(prometheus.Labels) int }); ok {
			v.DeletePartialMatch(match)
		}
	}
}

// AddChannel pre-declares a channel's series at zero, so rates and ratios
// have data from the first scrape. commands maps each registered chat
// command name to the reasons it can be refused for, as the command table
// declares them (community.CommandRejections): only those pairs get a
// rejected-commands series.
func (m *Metrics) AddChannel(channel string, commands map[string][]string) {
	m.eventsub.addChannel(channel)
	m.chatMessages.WithLabelValues(channel)
	m.duplicates.WithLabelValues(channel)
	m.sharedChat.WithLabelValues(channel)
	m.points.WithLabelValues(channel)
	for _, w := range activeWindowLabels {
		m.activeChatters.WithLabelValues(channel, w)
	}
	m.figures.addChannel(channel)
	m.viewers.WithLabelValues(channel)
	m.repliesSent.WithLabelValues(channel)
	m.repliesDropped.WithLabelValues(channel)
	m.overlayClients.WithLabelValues(channel)
	for _, reason := range overlayRefusals {
		m.overlayRefused.WithLabelValues(channel, reason)
	}
	m.streamLive.WithLabelValues(channel)
	m.streamChatters.WithLabelValues(channel)
	m.streamReturning.WithLabelValues(channel)
	m.streamTop10Share.WithLabelValues(channel)
	// The overlay topics are a fixed set; declaring them shows a zero rate
	// before the first browser connects instead of an empty graph.
	for _, topic := range []string{hearth.TopicLeaderboard, hearth.TopicPoll, hearth.TopicEvents} {
		m.overlayPushes.WithLabelValues(channel, topic)
	}
	for c, reasons := range commands {
		m.commands.WithLabelValues(channel, c)
		for _, reason := range reasons {
			m.commandsDenied.WithLabelValues(channel, c, reason)
		}
	}
	m.poll.addChannel(channel)
	for _, k := range hearth.OverlayEventKinds() {
		if k != hearth.OverlayCredits {
			m.notices.WithLabelValues(channel, k)
		}
	}
	for _, k := range hearth.EventKinds() {
		m.events.WithLabelValues(channel, k.String())
	}
}

// EventHandled counts an applied event; chat events also count as
// messages.
func (m *Metrics) EventHandled(channel string, kind hearth.EventKind) {
	m.events.WithLabelValues(channel, kind.String()).Inc()
	if kind == hearth.EventChat {
		m.chatMessages.WithLabelValues(channel).Inc()
	}
}

// DuplicateDropped counts an event dropped as already handled.
func (m *Metrics) DuplicateDropped(channel string) { m.duplicates.WithLabelValues(channel).Inc() }

// UnknownChannel counts an event for a channel not served.
func (m *Metrics) UnknownChannel() { m.unknownChannel.Inc() }

// SharedChat counts a line from another channel's chat, dropped.
func (m *Metrics) SharedChat(channel string) { m.sharedChat.WithLabelValues(channel).Inc() }

// PointsAwarded adds awarded points.
func (m *Metrics) PointsAwarded(channel string, points int64) {
	m.points.WithLabelValues(channel).Add(float64(points))
}

// ChannelState sets a channel's engagement gauges.
func (m *Metrics) ChannelState(channel string, e hearth.Engagement) {
	m.activeChatters.WithLabelValues(channel, "5m").Set(float64(e.ActiveChatters))
	m.viewers.WithLabelValues(channel).Set(float64(e.Viewers))
	l := 0.0
	if e.Live {
		l = 1
	}
	m.streamLive.WithLabelValues(channel).Set(l)
	m.streamChatters.WithLabelValues(channel).Set(float64(e.StreamChatters))
	m.streamReturning.WithLabelValues(channel).Set(float64(e.ReturningChatters))
	m.streamTop10Share.WithLabelValues(channel).Set(e.Top10Share)
	m.twitch.engagement(channel, e)
}

// Command counts a chat command run, or refused for reason.
func (m *Metrics) Command(channel, command, reason string) {
	if reason == "" {
		m.commands.WithLabelValues(channel, command).Inc()
		return
	}
	m.commandsDenied.WithLabelValues(channel, command, reason).Inc()
}

// Notice counts a notice: a welcome, a rank-up, a follow, a sub...
func (m *Metrics) Notice(channel, kind string) { m.notices.WithLabelValues(channel, kind).Inc() }

// Flushed records one store flush.
func (m *Metrics) Flushed(changes int, took time.Duration, err error) {
	if err != nil {
		m.flushes.WithLabelValues("error").Inc()
		return
	}
	m.flushes.WithLabelValues("ok").Inc()
	m.flushDuration.Observe(took.Seconds())
	m.flushedChanges.Add(float64(changes))
}

// Malformed counts a dropped Twitch message.
func (m *Metrics) Malformed(reason string) { m.malformed.WithLabelValues(reason).Inc() }

// Connected sets the chat connection gauge.
func (m *Metrics) Connected(up bool) {
	if up {
		m.chatConnected.Set(1)
	} else {
		m.chatConnected.Set(0)
	}
}

// Reconnected counts a reconnect attempt.
func (m *Metrics) Reconnected() { m.reconnects.Inc() }

// ReplySent counts a chat line sent.
func (m *Metrics) ReplySent(channel string) { m.repliesSent.WithLabelValues(channel).Inc() }

// ReplyDropped counts a chat line dropped.
func (m *Metrics) ReplyDropped(channel string) { m.repliesDropped.WithLabelValues(channel).Inc() }

// OverlayPushed counts messages pushed to overlay browsers.
func (m *Metrics) OverlayPushed(channel, topic string, messages int) {
	m.overlayPushes.WithLabelValues(channel, topic).Add(float64(messages))
}

// OverlayClients sets how many overlay browsers a channel has.
func (m *Metrics) OverlayClients(channel string, n int) {
	m.overlayClients.WithLabelValues(channel).Set(float64(n))
}

// overlayRefusals are the reasons the overlay hub refuses a socket
// (overlays.RefusedChannelLimit).
var overlayRefusals = []string{"channel_limit"}

// OverlayRefused counts an overlay socket refused for reason.
func (m *Metrics) OverlayRefused(channel, reason string) {
	m.overlayRefused.WithLabelValues(channel, reason).Inc()
}

// HTTPRequest counts a request by route group and status class ("2xx").
func (m *Metrics) HTTPRequest(route string, status int) {
	m.httpRequests.WithLabelValues(route, statusClass(status)).Inc()
}

func statusClass(status int) string {
	switch {
	case status >= 500:
		return "5xx"
	case status >= 400:
		return "4xx"
	case status >= 300:
		return "3xx"
	default:
		return "2xx"
	}
}
