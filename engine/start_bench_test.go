package engine

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/store/sqlite"
)

// BenchmarkStart starts an engine on a SQLite store that knows many
// viewers, as `hearth serve` restarts after a crash: every viewer is read
// and kept, and every one has a presence span still open in the live
// stream (a chatter is present for ten minutes after chatting).
// HEARTH_BENCH_VIEWERS sets how many (100,000 by default; the start-up
// target is for 1,000,000). Each start runs on a fresh copy of the same
// database, since a start changes what the next one finds.
func BenchmarkStart(b *testing.B) {
	n := 100_000
	if s := os.Getenv("HEARTH_BENCH_VIEWERS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatalf("HEARTH_BENCH_VIEWERS=%q: %v", s, err)
		}
	}
	ctx := context.Background()
	dir := b.TempDir()
	seed := filepath.Join(dir, "seed.db")
	db, err := sqlite.Open(ctx, seed)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.EnsureChannel(ctx, "chan"); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	const minutes = 120
	stream := hearth.StreamSession{Channel: "chan", Seq: 1, StartedAt: at, Source: hearth.SourceTwitch, Minutes: minutes}
	const chunk = 20_000
	for i := 0; i < n; i += chunk {
		batch := hearth.Batch{Streams: []hearth.StreamSession{stream}}
		for j := i; j < min(i+chunk, n); j++ {
			login := "w" + strconv.FormatInt(int64(j), 36)
			batch.Viewers = append(batch.Viewers, hearth.ViewerStats{Channel: "chan", UserID: strconv.Itoa(900000000 + j),
				Login: login, DisplayName: login, Messages: 1, Points: int64(j % 977), LifetimePoints: int64(j % 977),
				WatchSeconds: 3600, StreamSeq: 1, StreamMessages: 1, WatchFrom: minutes - int64(j%10),
				FirstSeen: at, LastSeen: at.Add(time.Duration(j) * time.Millisecond)})
		}
		if err := db.Apply(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		path := filepath.Join(dir, strconv.Itoa(i)+".db")
		copyFile(b, seed, path)
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		e := New(db, Options{})
		if err := e.Start(ctx, []string{"chan"}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := e.Close(ctx); err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		os.Remove(path)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/viewer")
}

// copyFile copies the file at from to a new file at to.
func copyFile(b *testing.B, from, to string) {
	b.Helper()
	src, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		b.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		b.Fatal(err)
	}
}
