package community

import (
	"fmt"
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

// BenchmarkTop10 ranks 10,000 viewers, as the leaderboard does at most ten
// times a second per channel.
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
