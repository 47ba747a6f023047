package sqlite

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// BenchmarkLoadViewers reads a channel of 100,000 viewers, as start-up
// does.
func BenchmarkLoadViewers(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	db := openTest(b, tempPath(b))
	if _, err := db.EnsureChannel(ctx, "bench"); err != nil {
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
		if err := db.Apply(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		vs, err := db.Viewers(ctx, "bench")
		if err != nil || len(vs) != n {
			b.Fatalf("read %d viewers, %v", len(vs), err)
		}
	}
}
