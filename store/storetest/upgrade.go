package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// CheckUpgraded checks a store opened on a database that a binary knowing
// only migration 1 left with one channel, "alpha", and one viewer of it:
// user id "42", login "veteran", display name "Veteran", 1,234 messages and
// 5,678 points, first and last seen at first and last. The viewer must
// read back with the columns later migrations added at their defaults
// (lifetime points are the balance), and the new columns and tables must
// take writes. It returns the live stream it wrote as stream 1 of alpha.
func CheckUpgraded(t *testing.T, s hearth.Store, first, last time.Time) hearth.StreamSession {
	t.Helper()
	ctx := context.Background()
	want := hearth.ViewerStats{Channel: "alpha", UserID: "42", Login: "veteran", DisplayName: "Veteran",
		Messages: 1234, Points: 5678, LifetimePoints: 5678, FirstSeen: first, LastSeen: last}
	got, err := s.Viewer(ctx, "alpha", "42")
	if err != nil {
		t.Fatalf("Viewer: %v", err)
	}
	if got != want {
		t.Errorf("Viewer after upgrade = %+v, want %+v", got, want)
	}

	want.Streak, want.WatchSeconds, want.LifetimePoints = 1, 60, 6000
	live := hearth.StreamSession{Channel: "alpha", Seq: 1, StartedAt: last, Source: hearth.SourceTwitch}
	if err := s.Apply(ctx, hearth.Batch{Viewers: []hearth.ViewerStats{want}, Streams: []hearth.StreamSession{live}}); err != nil {
		t.Fatalf("Apply after upgrade: %v", err)
	}
	if got, err := s.Viewer(ctx, "alpha", "42"); err != nil || got != want {
		t.Errorf("Viewer after upgrade and Apply = %+v, %v; want %+v", got, err, want)
	}
	if ss, err := s.Streams(ctx, "alpha", 5); err != nil || len(ss) != 1 || ss[0] != live {
		t.Errorf("Streams after upgrade and Apply = %+v, %v; want [%+v]", ss, err, live)
	}
	return live
}
