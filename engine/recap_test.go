package engine

import (
	"context"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// TestRecapWrittenCoalesced: a burst of chat gives the writer the
// stream's recap in far fewer rows than messages, and the last row written
// holds the whole burst.
func TestRecapWrittenCoalesced(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	e := startEngine(t, st, Options{FlushInterval: time.Hour, FlushSize: 100_000, EventClock: true})
	const n = 200
	for i := range n {
		ev := chat(i, "ann")
		ev.Time = t0.Add(time.Duration(i) * time.Second)
		e.Handle(ev)
	}
	if err := e.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var rows int
	var last hearth.StreamRecap
	for _, b := range st.batches {
		rows += len(b.Recaps)
		for _, r := range b.Recaps {
			last = r
		}
	}
	if rows == 0 || rows >= n {
		t.Fatalf("%d recap rows written for %d messages: want at least one, far fewer than messages", rows, n)
	}
	if last.Channel != "chan" || last.Seq != 1 || last.Messages != n || last.Newcomers != 1 || last.VerifiedMessages != n || len(last.Activity) != 4 {
		t.Fatalf("last recap written %+v", last)
	}
}

// TestIngestLatencyLiveOnly: a live engine observes each chat message's
// latency; one on event time (a replay) observes none.
func TestIngestLatencyLiveOnly(t *testing.T) {
	t.Parallel()
	for _, replay := range []bool{false, true} {
		reg := prometheus.NewRegistry()
		m, err := metrics.New(reg)
		if err != nil {
			t.Fatal(err)
		}
		clock := &fakeClock{now: t0.Add(time.Hour)}
		e := startEngine(t, newStore(t), Options{EventClock: replay, Clock: clock, Figures: m, Recorder: m})
		for i := range 3 {
			e.Handle(chat(i, "ann"))
		}
		if err := e.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := 3
		if replay {
			want = 0
		}
		if got := histogramCount(t, reg, "hearth_ingest_latency_seconds"); got != want {
			t.Errorf("replay %v: %d latencies observed, want %d", replay, got, want)
		}
	}
}

func histogramCount(t *testing.T, reg *prometheus.Registry, name string) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return int(mf.GetMetric()[0].GetHistogram().GetSampleCount())
		}
	}
	t.Fatalf("%s not gathered", name)
	return 0
}

// TestSegmentsThroughTheEngine: the API's segment calls reach the
// channel, refuse what the chat command refuses, and set the gauge.
func TestSegmentsThroughTheEngine(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.AddChannel("chan", community.CommandRejections())
	e := startEngine(t, newStore(t), Options{Figures: m, Recorder: m})
	ctx := context.Background()
	if _, err := e.StartSegment(ctx, "chan", "Acme"); hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Fatalf("segment with no stream live: %v", err)
	}
	e.Handle(hearth.Event{Kind: hearth.EventOnline, Channel: "chan", ID: "on", Time: time.Now()})
	if _, err := e.StartSegment(ctx, "chan", "Acme"); err != nil {
		t.Fatal(err)
	}
	report((*e.channels.Load())["chan"])
	if v := segmentActive(t, reg, "Acme"); v != 1 {
		t.Fatalf("hearth_segment_active %v while running", v)
	}
	s, err := e.EndSegment(ctx, "chan")
	if err != nil || s.Name != "Acme" || s.EndedAt.IsZero() {
		t.Fatalf("end: %+v, %v", s, err)
	}
	report((*e.channels.Load())["chan"])
	if v := segmentActive(t, reg, "Acme"); v != 0 {
		t.Fatalf("hearth_segment_active %v after the end", v)
	}
	if _, err := e.EndSegment(ctx, "chan"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("second end: %v", err)
	}
}

// segmentActive returns the value of chan's hearth_segment_active series
// for segment.
func segmentActive(t *testing.T, reg *prometheus.Registry, segment string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "hearth_segment_active" {
			continue
		}
		for _, mt := range mf.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == "segment" && l.GetValue() == segment {
					return mt.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no hearth_segment_active series for %q", segment)
	return 0
}
