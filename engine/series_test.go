package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/metrics"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestSeriesDoNotGrowWithViewers runs the same stream with 10 and with
// 100,000 distinct viewers through the engine into a real registry: the
// number of series must be the same, or some label carries a viewer.
func TestSeriesDoNotGrowWithViewers(t *testing.T) {
	t.Parallel()
	counts := map[int]int{}
	for _, n := range []int{10, 100_000} {
		counts[n] = seriesAfter(t, n)
	}
	if counts[10] != counts[100_000] {
		t.Fatalf("%d series with 10 viewers, %d with 100,000", counts[10], counts[100_000])
	}
	if counts[10] == 0 {
		t.Fatal("no series at all")
	}
}

// seriesAfter feeds n viewers' chat, a copy-paste burst, a gift of points
// and a sponsor segment to one channel and returns how many series
// Hearth's own families hold afterwards.
func seriesAfter(t *testing.T, n int) int {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.AddChannel("chan", community.CommandRejections())
	e := startEngine(t, newStore(t), Options{Recorder: m, Polls: m, Figures: m})
	defer e.Close(context.Background())
	ctx := context.Background()
	start := time.Now().Add(-time.Minute)
	e.Handle(hearth.Event{Kind: hearth.EventOnline, Channel: "chan", ID: "online", Time: start})
	for i := range n {
		text := fmt.Sprintf("hello from %d", i)
		if i%10 == 0 {
			text = "copy pasta"
		}
		e.Handle(hearth.Event{Kind: hearth.EventChat, Channel: "chan", ID: fmt.Sprint("m", i), Time: start.Add(time.Duration(i) * time.Microsecond),
			User: hearth.Identity{ID: fmt.Sprint("u", i), Login: fmt.Sprint("user", i)}, Text: text})
	}
	e.Handle(hearth.Event{Kind: hearth.EventChat, Channel: "chan", ID: "give", Time: start.Add(time.Second),
		User: hearth.Identity{ID: "u1", Login: "user1"}, Text: "!give @user2 1"})
	if _, err := e.StartSegment(ctx, "chan", "Acme Energy"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.EndSegment(ctx, "chan"); err != nil {
		t.Fatal(err)
	}
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	report((*e.channels.Load())["chan"])

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := 0
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "hearth_") {
			series += len(mf.GetMetric())
		}
	}
	if !hasSeries(mfs, "hearth_segment_active") || !hasSeries(mfs, "hearth_viewers_by_rank") {
		t.Fatal("segment and rank series missing: the figures were not reported")
	}
	return series
}

// report makes the actor report its gauges, figures and distribution now,
// as its ticks do every second and every 15 seconds.
func report(a *actor) {
	done := make(chan struct{})
	a.ctl <- func() {
		a.drain()
		now := a.now()
		a.e.opts.Recorder.ChannelState(a.ch.Name(), a.ch.Engagement())
		a.reportFigures(now)
		a.e.opts.Figures.Distribution(a.ch.Name(), a.ch.Distribution(now))
		close(done)
	}
	<-done
}

func hasSeries(mfs []*dto.MetricFamily, name string) bool {
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			return true
		}
	}
	return false
}
