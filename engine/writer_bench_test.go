package engine

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/store/sqlite"
)

// BenchmarkWriterFlush10k merges 10,000 changed viewers, one group each
// as chat hands them over, and flushes them to a real SQLite store in one
// transaction: one operation is one flush of 10,000 rows, half of them
// new.
func BenchmarkWriterFlush10k(b *testing.B) {
	const changed = 10_000
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	w := newWriter(st, Options{FlushInterval: time.Hour, FlushSize: 2 * changed}, slog.New(slog.DiscardHandler))
	groups := make([]hearth.Batch, changed)
	for i := range groups {
		groups[i] = hearth.Batch{Viewers: []hearth.ViewerStats{{
			Channel: "chan", UserID: fmt.Sprint(100000 + i), Login: fmt.Sprint("viewer", i), DisplayName: fmt.Sprint("Viewer", i),
			Messages: 1, Points: 10, LifetimePoints: 10, StreamSeq: 1, StreamMessages: 1, WatchFrom: 1, FirstSeen: t0, LastSeen: t0,
		}}}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		for j := range groups {
			v := &groups[j].Viewers[0]
			// Half the rows are viewers seen before, half new ones.
			v.UserID = fmt.Sprint(100000 + j + i*changed/2)
			v.Messages++
			w.add(groups[j])
		}
		if err := w.flush(); err != nil {
			b.Fatal(err)
		}
	}
}
