package engine

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/store/sqlite"
)

// BenchmarkStart starts an engine on a SQLite store that knows many
// viewers, as `hearth serve` restarts: every viewer is read and kept.
// HEARTH_BENCH_VIEWERS sets how many (100,000 by default; the start-up
// target is for 1,000,000).
func BenchmarkStart(b *testing.B) {
	n := 100_000
	if s := os.Getenv("HEARTH_BENCH_VIEWERS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatalf("HEARTH_BENCH_VIEWERS=%q: %v", s, err)
		}
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "start.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.EnsureChannel(ctx, "chan"); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	const chunk = 20_000
	for i := 0; i < n; i += chunk {
		var batch hearth.Batch
		for j := i; j < min(i+chunk, n); j++ {
			login := "w" + strconv.FormatInt(int64(j), 36)
			batch.Viewers = append(batch.Viewers, hearth.ViewerStats{Channel: "chan", UserID: strconv.Itoa(900000000 + j),
				Login: login, DisplayName: login, Messages: 1, Points: int64(j % 977), LifetimePoints: int64(j % 977),
				FirstSeen: at, LastSeen: at.Add(time.Duration(j) * time.Millisecond)})
		}
		if err := db.Apply(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		e := New(db, Options{})
		if err := e.Start(ctx, []string{"chan"}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := e.Close(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/viewer")
}
