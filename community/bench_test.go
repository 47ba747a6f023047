package community

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// BenchmarkHandleChat applies chat messages from 10,000 viewers with a
// long tail, the hot path of every channel.
func BenchmarkHandleChat(b *testing.B) {
	const viewers = 10_000
	evs := make([]hearth.Event, 100_000)
	for i := range evs {
		u := (i * i) % viewers // a few viewers far more often than others
		evs[i] = hearth.Event{
			Kind: hearth.EventChat, Channel: "bench", ID: fmt.Sprint("m", i),
			Time: t0.Add(time.Duration(i) * 100 * time.Millisecond),
			User: hearth.Identity{ID: fmt.Sprint(u), Login: fmt.Sprint("user", u), DisplayName: fmt.Sprint("User", u)},
			Text: fmt.Sprint("hello chat ", i%7),
		}
	}
	c := NewChannel("bench", DefaultRules(), nil, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ev := evs[i%len(evs)]
		if i >= len(evs) {
			ev.ID = fmt.Sprint(ev.ID, "-", i)
			ev.Time = ev.Time.Add(time.Duration(i/len(evs)) * 3 * time.Hour)
		}
		c.Handle(ev)
	}
}

// BenchmarkTop10 reads the first ten of 10,000 ranked viewers, as the
// leaderboard does at most ten times a second per channel: a walk of the
// board's first block, whatever the channel's size.
func BenchmarkTop10(b *testing.B) {
	stored := make([]hearth.ViewerStats, 10_000)
	for i := range stored {
		stored[i] = hearth.ViewerStats{Channel: "bench", UserID: fmt.Sprint(i), Login: fmt.Sprint("user", i), Points: int64((i * 7919) % 100_000)}
	}
	c := NewChannel("bench", DefaultRules(), stored, nil)
	b.ReportAllocs()
	for b.Loop() {
		if len(c.Top(10)) != 10 {
			b.Fatal("short top")
		}
	}
}

// storedViewers returns n viewers as a store returns them: every string
// its own allocation, as a scan makes them.
func storedViewers(n int) []hearth.ViewerStats {
	vs := make([]hearth.ViewerStats, n)
	for i := range vs {
		login := fmt.Sprint("viewer", i)
		vs[i] = hearth.ViewerStats{
			Channel: string([]byte("bench")), UserID: fmt.Sprint(100000000 + i), Login: login, DisplayName: string([]byte(login)),
			Messages: int64(i % 50), Points: int64((i * 7919) % 100_000), LifetimePoints: int64((i * 7919) % 100_000),
			FirstSeen: t0.Add(-time.Duration(i) * time.Second), LastSeen: t0.Add(-time.Duration(i) * time.Millisecond),
		}
	}
	return vs
}

// BenchmarkLoadViewers builds a channel of 100,000 stored viewers, as
// start-up does, and reports the heap the channel keeps per viewer.
func BenchmarkLoadViewers(b *testing.B) {
	const n = 100_000
	stored := storedViewers(n)
	b.ReportAllocs()
	var c *Channel
	for b.Loop() {
		c = NewChannel("bench", DefaultRules(), stored, nil)
	}
	b.StopTimer()
	c = nil
	before := liveHeap()
	c = NewChannel("bench", DefaultRules(), stored, nil)
	after := liveHeap()
	b.ReportMetric(float64(after-before)/n, "heapB/viewer")
	runtime.KeepAlive(c)
}

// BenchmarkChattersResident feeds one message from each of 100,000
// viewers, as the bench's known-viewer run does, and reports the heap the
// channel keeps per viewer.
func BenchmarkChattersResident(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		b.StopTimer()
		before := liveHeap()
		c := NewChannel("bench", DefaultRules(), nil, nil)
		b.StartTimer()
		for i := range n {
			c.Handle(hearth.Event{
				Kind: hearth.EventChat, Channel: "bench", ID: fmt.Sprint("m", i),
				Time: t0.Add(time.Duration(i) * time.Millisecond),
				User: hearth.Identity{ID: fmt.Sprint(100000000 + i), Login: fmt.Sprint("w", i), DisplayName: fmt.Sprint("W", i)},
				Text: fmt.Sprint("hello chat, this is message number ", i),
			})
		}
		b.StopTimer()
		after := liveHeap()
		b.ReportMetric(float64(after-before)/n, "heapB/viewer")
		runtime.KeepAlive(c)
		b.StartTimer()
	}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkMinuteTick credits a minute of watch time to 10,000 present
// viewers (joined, never chatting), between presence payouts, and reports
// the viewer rows each minute hands to the store.
func BenchmarkMinuteTick(b *testing.B) {
	const viewers = 10_000
	rules := DefaultRules()
	rules.PresenceInterval = 24 * time.Hour
	rules.AttendMinimum = 24 * time.Hour
	c := NewChannel("bench", rules, nil, nil)
	c.Handle(hearth.Event{Kind: hearth.EventOnline, Channel: "bench", Time: t0})
	list := hearth.Event{Kind: hearth.EventChatters, Channel: "bench", Time: t0}
	for i := range viewers {
		list.Chatters = append(list.Chatters, hearth.Identity{ID: fmt.Sprint(i), Login: fmt.Sprint("user", i)})
	}
	c.Handle(list)
	for i := range viewers {
		c.Handle(hearth.Event{Kind: hearth.EventJoin, Channel: "bench", Time: t0, User: list.Chatters[i]})
	}
	c.Tick(t0.Add(time.Minute))
	rows := 0
	b.ReportAllocs()
	for i := 2; b.Loop(); i++ {
		rows += len(c.Tick(t0.Add(time.Duration(i) * time.Minute)).Changed)
	}
	b.ReportMetric(float64(rows)/float64(b.N), "rows/minute")
}
