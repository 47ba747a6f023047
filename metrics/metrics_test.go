package metrics

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// newMetrics registers Hearth's collectors on a fresh registry and
// declares one channel, as cmd/hearth does at start-up.
func newMetrics(t *testing.T) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.AddChannel("hearthdemo", map[string][]string{"points": {"user_cooldown"}, "give": {"permission", "bot"}})
	return m, reg
}

// exercise calls every recording method once, so every family has series.
func exercise(m *Metrics) {
	m.EventHandled("hearthdemo", hearth.EventChat)
	m.EventHandled("hearthdemo", hearth.EventRaid)
	m.DuplicateDropped("hearthdemo")
	m.UnknownChannel()
	m.PointsAwarded("hearthdemo", 5)
	m.ChannelState("hearthdemo", hearth.Engagement{ActiveChatters: 3, Viewers: 10, Live: true, StreamChatters: 3, ReturningChatters: 1, Top10Share: 0.5})
	m.ChannelState("hearthdemo", hearth.Engagement{ActiveChatters: 3, Live: true, ConcurrentViewers: 30, ViewerCountKnown: true})
	m.HelixRequest("streams", "200")
	m.HelixDegraded(false)
	m.Command("hearthdemo", "points", "")
	m.Command("hearthdemo", "give", "insufficient_points")
	m.Notice("hearthdemo", "welcome")
	m.Flushed(4, 2*time.Millisecond, nil)
	m.Flushed(4, time.Millisecond, errors.New("disk full"))
	m.Malformed("unparsable")
	m.Connected(true)
	m.Reconnected()
	m.ReplySent("hearthdemo")
	m.ReplyDropped("hearthdemo")
	m.OverlayPushed("hearthdemo", hearth.TopicLeaderboard, 1)
	m.OverlayClients("hearthdemo", 1)
	m.OverlayRefused("hearthdemo", "channel_limit")
	m.HTTPRequest("metrics", 200)
	m.Figures("hearthdemo", hearth.ChannelFigures{NewcomersTotal: 2, ReturnersTotal: 1, VerifiedMessagesTotal: 1, PointsGivenTotal: 5,
		StreamNewcomers: 2, Retention: 0.5, ActiveChatters1m: 1, ActiveChatters15m: 4, VerifiedActive5m: 2,
		Segments: []hearth.SegmentState{{Name: "Acme Energy", Active: true}}})
	m.Distribution("hearthdemo", hearth.Distribution{ByRank: []hearth.RankCount{{Rank: "Newcomer", Viewers: 3}},
		StreakCounts: make([]uint64, len(hearth.StreakBuckets)), StreakViewers: 0})
	m.IngestLatency(20 * time.Millisecond)
	m.ChannelsOwned(3)
	m.LeaseHandover("expired")
	m.LeaseRenewFailed()
	m.ClusterInstances(2)
}

func familyNames(t *testing.T, g prometheus.Gatherer, prefix string) []string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), prefix) {
			names = append(names, mf.GetName())
		}
	}
	return names
}

func TestLint(t *testing.T) {
	m, reg := newMetrics(t)
	exercise(m)

	// own must cover every hearth_ family the registry exports, or the
	// per-collector lint below would miss one.
	ownReg := prometheus.NewRegistry()
	ownReg.MustRegister(m.own()...)
	if got, want := familyNames(t, ownReg, ""), familyNames(t, reg, "hearth_"); !slices.Equal(got, want) {
		t.Fatalf("own() exports %q, the registry exports %q", got, want)
	}
	for _, c := range m.own() {
		problems, err := testutil.CollectAndLint(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("registry: %s: %s", p.Metric, p.Text)
	}
}

func TestEventHandled(t *testing.T) {
	tests := []struct {
		name     string
		kinds    []hearth.EventKind
		events   map[string]float64
		messages float64
	}{
		{"Chat", []hearth.EventKind{hearth.EventChat}, map[string]float64{"chat": 1, "sub": 0}, 1},
		{"ChatTwice", []hearth.EventKind{hearth.EventChat, hearth.EventChat}, map[string]float64{"chat": 2}, 2},
		{"SubIsNotAMessage", []hearth.EventKind{hearth.EventSub}, map[string]float64{"chat": 0, "sub": 1}, 0},
		{"Mixed", []hearth.EventKind{hearth.EventChat, hearth.EventTimeout, hearth.EventChat}, map[string]float64{"chat": 2, "timeout": 1}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newMetrics(t)
			for _, k := range tt.kinds {
				m.EventHandled("hearthdemo", k)
			}
			for kind, want := range tt.events {
				if got := testutil.ToFloat64(m.events.WithLabelValues("hearthdemo", kind)); got != want {
					t.Errorf("hearth_events_total{kind=%q} = %v, want %v", kind, got, want)
				}
			}
			if got := testutil.ToFloat64(m.chatMessages.WithLabelValues("hearthdemo")); got != tt.messages {
				t.Errorf("hearth_chat_messages_total = %v, want %v", got, tt.messages)
			}
		})
	}
}

func TestFlushed(t *testing.T) {
	m, _ := newMetrics(t)
	observations := func() uint64 {
		t.Helper()
		var d dto.Metric
		if err := m.flushDuration.Write(&d); err != nil {
			t.Fatal(err)
		}
		return d.GetHistogram().GetSampleCount()
	}

	m.Flushed(7, 3*time.Millisecond, errors.New("database is locked"))
	if got := testutil.ToFloat64(m.flushes.WithLabelValues("error")); got != 1 {
		t.Errorf(`flushes{result="error"} = %v, want 1`, got)
	}
	if got := testutil.ToFloat64(m.flushes.WithLabelValues("ok")); got != 0 {
		t.Errorf(`flushes{result="ok"} = %v, want 0`, got)
	}
	if got := observations(); got != 0 {
		t.Errorf("a failed flush was observed in the latency histogram (%d observations)", got)
	}
	if got := testutil.ToFloat64(m.flushedChanges); got != 0 {
		t.Errorf("a failed flush counted %v rows written", got)
	}

	m.Flushed(7, 3*time.Millisecond, nil)
	if got := testutil.ToFloat64(m.flushes.WithLabelValues("ok")); got != 1 {
		t.Errorf(`flushes{result="ok"} = %v, want 1`, got)
	}
	if got := observations(); got != 1 {
		t.Errorf("latency histogram has %d observations after one successful flush, want 1", got)
	}
	if got := testutil.ToFloat64(m.flushedChanges); got != 7 {
		t.Errorf("rows written = %v, want 7", got)
	}
}

func TestNoViewerLabels(t *testing.T) {
	m, reg := newMetrics(t)
	exercise(m)
	allowed := []string{"channel", "kind", "reason", "result", "topic", "route", "code", "version", "command", "outcome", "endpoint", "window", "rank", "segment"}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, metric := range mf.GetMetric() {
			for _, lp := range metric.GetLabel() {
				name := strings.ToLower(lp.GetName())
				for _, bad := range []string{"user", "viewer", "login", "chatter"} {
					if strings.Contains(name, bad) {
						t.Errorf("%s has a per-viewer label %q", mf.GetName(), lp.GetName())
					}
				}
				if !slices.Contains(allowed, name) {
					t.Errorf("%s has label %q, not one of the bounded labels %q", mf.GetName(), lp.GetName(), allowed)
				}
			}
		}
	}
}

func TestRegisterTwice(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := New(reg); err != nil {
		t.Fatal(err)
	}
	m, err := New(reg)
	if err == nil {
		t.Fatal("registering Hearth's collectors twice on one registry succeeded")
	}
	if m != nil {
		t.Errorf("New returned %v with the error %v", m, err)
	}
	var are prometheus.AlreadyRegisteredError
	if !errors.As(err, &are) {
		t.Errorf("error %v (%T), want an AlreadyRegisteredError", err, err)
	}
}

func TestPreDeclaredSeries(t *testing.T) {
	_, reg := newMetrics(t)
	tests := []struct {
		name   string
		metric string
		want   int
	}{
		{"MalformedReasons", "hearth_stream_malformed_total", len(MalformedReasons)},
		{"FlushResults", "hearth_store_flushes_total", 2},
		{"EventKinds", "hearth_events_total", len(hearth.EventKinds())},
		{"OverlayTopics", "hearth_overlay_pushes_total", 3},
		{"PollOutcomes", "hearth_polls_total", len(pollKinds) * len(pollOutcomes)},
		{"VoteResults", "hearth_poll_votes_total", len(hearth.VoteResults)},
		{"ChatMessages", "hearth_chat_messages_total", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := testutil.GatherAndCount(reg, tt.metric)
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.want {
				t.Errorf("%s has %d series before anything happened, want %d", tt.metric, n, tt.want)
			}
		})
	}
}

// TestRemoveChannel deletes a removed channel's series, every family's,
// and leaves the others'.
func TestRemoveChannel(t *testing.T) {
	m, reg := newMetrics(t)
	m.AddChannel("other", nil)
	exercise(m)
	m.EventHandled("other", hearth.EventChat)
	m.RemoveChannel("hearthdemo")
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	others := 0
	for _, f := range families {
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() != "channel" {
					continue
				}
				switch l.GetValue() {
				case "hearthdemo":
					t.Errorf("%s still has a series of the removed channel", f.GetName())
				case "other":
					others++
				}
			}
		}
	}
	if others == 0 {
		t.Error("removing one channel removed the other's series")
	}
	if got := testutil.ToFloat64(m.chatMessages.WithLabelValues("other")); got != 1 {
		t.Errorf("the other channel's chat messages = %v, want 1", got)
	}
}
