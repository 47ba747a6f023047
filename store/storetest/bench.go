package storetest

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// BenchApply measures Apply on s with batches of 500 whole-row viewer
// upserts, every field set, one batch per operation, and reports rows/s
// beside the usual figures. The 10,000 viewers it writes are inserted by
// the first 20 batches and updated by every later one. Call it from a
// benchmark with a fresh store.
func BenchApply(b *testing.B, s hearth.Store) {
	ctx := context.Background()
	const batchSize, pool = 500, 10_000
	rows := make([]hearth.ViewerStats, pool)
	now := time.Now()
	for id := range rows {
		rows[id] = hearth.ViewerStats{
			Channel: "bench", UserID: fmt.Sprint(100000 + id), Login: fmt.Sprint("viewer", id),
			DisplayName: fmt.Sprint("Viewer", id), FirstSeen: now,
		}
	}
	vs := make([]hearth.ViewerStats, batchSize)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		for j := range vs {
			vs[j] = rows[(i*batchSize+j)%pool]
			vs[j].Messages = int64(i)
			vs[j].Points = int64(i * 10)
			vs[j].LifetimePoints = int64(i * 12)
			vs[j].WatchSeconds = int64(i * 60)
			vs[j].StreamSeq = int64(i/100 + 1)
			vs[j].StreamMessages = int64(i % 100)
			vs[j].StreamWatchSeconds = int64(i%100) * 60
			vs[j].Streak = int64(i/100 + 1)
			vs[j].LongestStreak = int64(i/100 + 1)
			vs[j].LastAttended = int64(i/100 + 1)
			vs[j].LastSeen = now.Add(time.Duration(i) * time.Second)
		}
		if err := s.Apply(ctx, hearth.Batch{Viewers: vs}); err != nil {
			b.Fatalf("Apply: %v", err)
		}
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "rows/s")
}

// BenchViewers measures Viewers on s reading a channel of 100,000 viewers,
// as start-up does. Call it from a benchmark with a fresh store.
func BenchViewers(b *testing.B, s hearth.Store) {
	const n = 100_000
	ctx := context.Background()
	if _, err := s.EnsureChannel(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	for i := 0; i < n; i += 10_000 {
		var batch hearth.Batch
		for j := i; j < i+10_000; j++ {
			login := "viewer" + strconv.Itoa(j)
			batch.Viewers = append(batch.Viewers, hearth.ViewerStats{Channel: "bench", UserID: strconv.Itoa(100000000 + j),
				Login: login, DisplayName: login, Messages: 3, Points: int64(j % 977), LifetimePoints: int64(j % 977),
				FirstSeen: at, LastSeen: at.Add(time.Duration(j) * time.Second)})
		}
		if err := s.Apply(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		vs, err := s.Viewers(ctx, "bench")
		if err != nil || len(vs) != n {
			b.Fatalf("read %d viewers, %v", len(vs), err)
		}
	}
}
