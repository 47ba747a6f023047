package community

import (
	"fmt"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// BenchmarkVotes measures one vote through Channel.Handle, 10,000 distinct
// viewers voting in an open chat poll.
func BenchmarkVotes(b *testing.B) {
	const voters = 10_000
	evs := make([]hearth.Event, voters)
	for i := range evs {
		evs[i] = hearth.Event{Kind: hearth.EventChat, Channel: "chan", Time: t0.Add(time.Second),
			User: hearth.Identity{ID: fmt.Sprint(i), Login: fmt.Sprint("v", i)}, Text: fmt.Sprint("!vote ", 1+i%3)}
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		c := NewChannel("chan", plainRules(), nil, nil)
		cmd(c, "mo", "!poll Q | A | B | C 10m", hearth.RoleModerator, 0)
		b.StartTimer()
		for _, ev := range evs {
			if res := c.Handle(ev); res.PollVote != hearth.VoteAccepted {
				b.Fatalf("vote: %q", res.PollVote)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*voters), "ns/vote")
}
