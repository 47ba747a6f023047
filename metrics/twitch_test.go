package metrics

import (
	"testing"

	"github.com/hearthlive/hearth"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestParticipation: hearth_viewers follows Twitch's count once it is
// known, and hearth_participation_ratio is active chatters over viewers
// while live with viewers, and absent otherwise.
func TestParticipation(t *testing.T) {
	m, _ := newMetrics(t)
	ch := "hearthdemo"
	m.ChannelState(ch, hearth.Engagement{ActiveChatters: 4, Live: true})
	if n := testutil.CollectAndCount(m.twitch.viewers); n != 0 {
		t.Fatalf("hearth_viewers has %d series before Twitch reported a count", n)
	}
	m.ChannelState(ch, hearth.Engagement{ActiveChatters: 30, Live: true, ConcurrentViewers: 120, ViewerCountKnown: true})
	if v := testutil.ToFloat64(m.twitch.viewers.WithLabelValues(ch)); v != 120 {
		t.Errorf("hearth_viewers = %v, want 120", v)
	}
	if v := testutil.ToFloat64(m.twitch.participation.WithLabelValues(ch)); v != 0.25 {
		t.Errorf("hearth_participation_ratio = %v, want 0.25", v)
	}
	m.ChannelState(ch, hearth.Engagement{ActiveChatters: 30, ViewerCountKnown: true})
	if v := testutil.ToFloat64(m.twitch.viewers.WithLabelValues(ch)); v != 0 {
		t.Errorf("hearth_viewers offline = %v, want 0", v)
	}
	if n := testutil.CollectAndCount(m.twitch.participation); n != 0 {
		t.Errorf("hearth_participation_ratio has %d series offline, want none", n)
	}
}

// TestHelixMetrics: requests are counted by endpoint and code, and
// hearth_twitch_api_up follows the degraded state; every family lints.
func TestHelixMetrics(t *testing.T) {
	m, _ := newMetrics(t)
	m.HelixRequest("streams", "200")
	m.HelixRequest("streams", "503")
	m.HelixRequest("streams", "503")
	m.HelixRequest("chatters", "error")
	if v := testutil.ToFloat64(m.twitch.requests.WithLabelValues("streams", "503")); v != 2 {
		t.Errorf("streams 503 = %v, want 2", v)
	}
	m.HelixDegraded(true)
	if v := testutil.ToFloat64(m.twitch.up); v != 0 {
		t.Errorf("hearth_twitch_api_up while degraded = %v", v)
	}
	m.HelixDegraded(false)
	if v := testutil.ToFloat64(m.twitch.up); v != 1 {
		t.Errorf("hearth_twitch_api_up after recovery = %v", v)
	}
	m.ChannelState("hearthdemo", hearth.Engagement{ActiveChatters: 3, Live: true, ConcurrentViewers: 9, ViewerCountKnown: true})
	for _, c := range m.own() {
		problems, err := testutil.CollectAndLint(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
}
