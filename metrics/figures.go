package metrics

import (
	"sync"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/prometheus/client_golang/prometheus"
)

// Windows of hearth_chatters_active.
var activeWindowLabels = []string{"1m", "5m", "15m"}

// Reasons of hearth_points_spent_total.
var spentReasons = []string{"give", "poll"}

// figureMetrics are the collectors of the engagement figures: newcomers,
// returners, retention, verified activity, the loyalty distribution,
// sponsor segments and ingest latency.
type figureMetrics struct {
	newcomers        *prometheus.CounterVec
	returners        *prometheus.CounterVec
	streamNewcomers  *prometheus.GaugeVec
	retention        *prometheus.GaugeVec
	verifiedMessages *prometheus.CounterVec
	verifiedActive   *prometheus.GaugeVec
	pointsSpent      *prometheus.CounterVec
	byRank           *prometheus.GaugeVec
	segmentActive    *prometheus.GaugeVec
	latency          prometheus.Histogram
	streaks          *streakCollector

	mu   sync.Mutex
	last map[string]hearth.ChannelFigures // per channel, for the counters' increments
}

func newFigureMetrics() *figureMetrics {
	return &figureMetrics{
		newcomers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_newcomers_total",
			Help: "Viewers (not bots) who sent their first message ever in the channel.",
		}, []string{"channel"}),
		returners: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_returning_viewers_total",
			Help: "First messages of a stream from viewers (not bots) who attended an earlier stream of the channel.",
		}, []string{"channel"}),
		streamNewcomers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_stream_newcomers",
			Help: "Viewers whose first message ever in the channel came during the current or last stream.",
		}, []string{"channel"}),
		retention: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_retention_ratio",
			Help: "Of the viewers who attended the previous stream, the share (0 to 1) who attended the current or last one; 0 when the previous had none.",
		}, []string{"channel"}),
		verifiedMessages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_verified_messages_total",
			Help: "Chat messages with known bots left out and each copy-paste burst (the same text within 5 s) counted once.",
		}, []string{"channel"}),
		verifiedActive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_verified_chatters_active",
			Help: "Distinct viewers (not bots) with a message outside copy-paste bursts in the last 5 minutes of the channel's time.",
		}, []string{"channel"}),
		pointsSpent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_points_spent_total",
			Help: "Loyalty points spent, per channel and reason (give: moved to another viewer; poll: votes in points-weighted polls, refunds not subtracted).",
		}, []string{"channel", "reason"}),
		byRank: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_viewers_by_rank",
			Help: "Viewers (not bots) holding each rank of the channel's configured ladder.",
		}, []string{"channel", "rank"}),
		segmentActive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_segment_active",
			Help: "1 while the named sponsor segment runs in the channel, else 0 (names bounded by segments.max_names).",
		}, []string{"channel", "segment"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "hearth_ingest_latency_seconds",
			Help:    "Time from Twitch sending a chat message (tmi-sent-ts) to its change being applied; live traffic only, not replays.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}),
		streaks: &streakCollector{
			desc: prometheus.NewDesc("hearth_streak_length",
				"Current attendance streaks (streams in a row) of the viewers (not bots) seen in the last 30 days, per channel.",
				[]string{"channel"}, nil),
			byChannel: make(map[string]hearth.Distribution),
		},
		last: make(map[string]hearth.ChannelFigures),
	}
}

func (f *figureMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{f.newcomers, f.returners, f.streamNewcomers, f.retention, f.verifiedMessages,
		f.verifiedActive, f.pointsSpent, f.byRank, f.segmentActive, f.latency, f.streaks}
}

// addChannel pre-declares a channel's series at zero.
func (f *figureMetrics) addChannel(channel string) {
	f.newcomers.WithLabelValues(channel)
	f.returners.WithLabelValues(channel)
	f.streamNewcomers.WithLabelValues(channel)
	f.retention.WithLabelValues(channel)
	f.verifiedMessages.WithLabelValues(channel)
	f.verifiedActive.WithLabelValues(channel)
	for _, r := range spentReasons {
		f.pointsSpent.WithLabelValues(channel, r)
	}
	f.streaks.set(channel, hearth.Distribution{StreakCounts: make([]uint64, len(hearth.StreakBuckets))})
}

// Figures sets a channel's engagement figures; the counters grow by what
// the totals grew since the last report.
func (m *Metrics) Figures(channel string, fig hearth.ChannelFigures) {
	f := m.figures
	f.mu.Lock()
	last := f.last[channel]
	f.last[channel] = fig
	f.mu.Unlock()
	add := func(c prometheus.Counter, now, before int64) {
		if now > before {
			c.Add(float64(now - before))
		}
	}
	add(f.newcomers.WithLabelValues(channel), fig.NewcomersTotal, last.NewcomersTotal)
	add(f.returners.WithLabelValues(channel), fig.ReturnersTotal, last.ReturnersTotal)
	add(f.verifiedMessages.WithLabelValues(channel), fig.VerifiedMessagesTotal, last.VerifiedMessagesTotal)
	add(f.pointsSpent.WithLabelValues(channel, "give"), fig.PointsGivenTotal, last.PointsGivenTotal)
	add(f.pointsSpent.WithLabelValues(channel, "poll"), fig.PointsPollsTotal, last.PointsPollsTotal)
	f.streamNewcomers.WithLabelValues(channel).Set(float64(fig.StreamNewcomers))
	f.retention.WithLabelValues(channel).Set(fig.Retention)
	f.verifiedActive.WithLabelValues(channel).Set(float64(fig.VerifiedActive5m))
	// The 5m window is ChannelState's, as it was before windows existed.
	m.activeChatters.WithLabelValues(channel, "1m").Set(float64(fig.ActiveChatters1m))
	m.activeChatters.WithLabelValues(channel, "15m").Set(float64(fig.ActiveChatters15m))
	for _, s := range fig.Segments {
		v := 0.0
		if s.Active {
			v = 1
		}
		f.segmentActive.WithLabelValues(channel, s.Name).Set(v)
	}
}

// Distribution sets a channel's viewers by rank and its streak histogram.
func (m *Metrics) Distribution(channel string, d hearth.Distribution) {
	for _, r := range d.ByRank {
		m.figures.byRank.WithLabelValues(channel, r.Rank).Set(float64(r.Viewers))
	}
	m.figures.streaks.set(channel, d)
}

// IngestLatency observes one chat message's ingest latency.
func (m *Metrics) IngestLatency(d time.Duration) { m.figures.latency.Observe(d.Seconds()) }

// streakCollector exports each channel's latest streak distribution as a
// histogram: a snapshot of the viewers active in the last 30 days, not
// observations accumulated over time.
type streakCollector struct {
	desc      *prometheus.Desc
	mu        sync.Mutex
	byChannel map[string]hearth.Distribution
}

func (s *streakCollector) set(channel string, d hearth.Distribution) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byChannel[channel] = d
}

// DeletePartialMatch forgets the distribution of the channel labels
// names, as the vectors' method of that name does, and returns how many
// it forgot.
func (s *streakCollector) DeletePartialMatch(labels prometheus.Labels) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	channel, ok := labels["channel"]
	if _, known := s.byChannel[channel]; !ok || !known || len(labels) != 1 {
		return 0
	}
	delete(s.byChannel, channel)
	return 1
}

// Describe implements prometheus.Collector.
func (s *streakCollector) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

// Collect implements prometheus.Collector.
func (s *streakCollector) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for channel, d := range s.byChannel {
		buckets := make(map[float64]uint64, len(hearth.StreakBuckets))
		for i, b := range hearth.StreakBuckets {
			if i < len(d.StreakCounts) {
				buckets[b] = d.StreakCounts[i]
			}
		}
		ch <- prometheus.MustNewConstHistogram(s.desc, d.StreakViewers, d.StreakSum, buckets, channel)
	}
}
