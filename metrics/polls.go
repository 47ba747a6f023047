package metrics

import (
	"github.com/hearthlive/hearth"
	"github.com/prometheus/client_golang/prometheus"
)

// pollMetrics are the collectors of polls.
type pollMetrics struct {
	polls   *prometheus.CounterVec
	votes   *prometheus.CounterVec
	turnout *prometheus.GaugeVec
}

// pollKinds and pollOutcomes are bounded label values, pre-declared per
// channel with hearth.VoteResults.
var (
	pollKinds    = []string{hearth.PollChat, hearth.PollNative}
	pollOutcomes = []string{"completed", "cancelled"}
)

// newPollMetrics creates the poll collectors; New registers them.
func newPollMetrics() pollMetrics {
	return pollMetrics{
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_polls_total",
			Help: "Polls finished, per channel, kind (chat, native) and outcome (completed, cancelled).",
		}, []string{"channel", "kind", "outcome"}),
		votes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_poll_votes_total",
			Help: "Chat poll votes, per channel and result (accepted, changed, late, invalid, duplicate, bot).",
		}, []string{"channel", "result"}),
		turnout: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_poll_turnout_ratio",
			Help: "Voters of the channel's last completed chat poll over the chatters active in the 5 minutes before it closed (0 to 1).",
		}, []string{"channel"}),
	}
}

// addChannel pre-declares a channel's poll series at zero.
func (p pollMetrics) addChannel(channel string) {
	for _, k := range pollKinds {
		for _, o := range pollOutcomes {
			p.polls.WithLabelValues(channel, k, o)
		}
	}
	for _, r := range hearth.VoteResults {
		p.votes.WithLabelValues(channel, r)
	}
	p.turnout.WithLabelValues(channel)
}

// PollVote counts a vote by its outcome.
func (m *Metrics) PollVote(channel, result string) {
	m.poll.votes.WithLabelValues(channel, result).Inc()
}

// PollFinished counts a closed or cancelled poll and, for a completed chat
// poll, sets the channel's turnout.
func (m *Metrics) PollFinished(channel string, p hearth.Poll) {
	outcome := "completed"
	if p.Status == hearth.PollCancelled {
		outcome = "cancelled"
	}
	m.poll.polls.WithLabelValues(channel, p.Kind, outcome).Inc()
	if outcome == "completed" && p.Kind == hearth.PollChat {
		m.poll.turnout.WithLabelValues(channel).Set(p.Tally.Turnout)
	}
}
