package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// TestWatchTimeReadBackFromStore checks the watch time the store gives
// back, while presence spans are open and after they close: after N
// minutes, after leaving and returning, across a stream's end and a new
// stream, and across a restart, after which nobody is present until seen
// again.
func TestWatchTimeReadBackFromStore(t *testing.T) {
	t.Parallel()
	for _, s := range dialects {
		t.Run(s.name, func(t *testing.T) {
			s.present(t)
			st := s.open(t)
			ctx := context.Background()
			opts := Options{FlushInterval: time.Hour, FlushSize: 100_000, EventClock: true}
			e := startEngine(t, st, opts)
			n := 0
			at := func(kind hearth.EventKind, d time.Duration, login string) {
				n++
				ev := hearth.Event{Kind: kind, Channel: "chan", ID: fmt.Sprint("w", n), Time: t0.Add(d), Count: 1}
				if login != "" {
					ev.User = hearth.Identity{ID: "u-" + login, Login: login, DisplayName: login}
					ev.Text = "hello"
				}
				e.Handle(ev)
			}
			check := func(d time.Duration, wantMin, wantStreamMin int64) {
				t.Helper()
				at(hearth.EventViewerCount, d, "") // moves the clock, touches no viewer
				if err := e.Sync(ctx); err != nil {
					t.Fatal(err)
				}
				v, err := st.Viewer(ctx, "chan", "u-ann")
				if err != nil {
					t.Fatal(err)
				}
				if v.WatchSeconds != wantMin*60 || v.StreamWatchSeconds != wantStreamMin*60 || v.WatchFrom != 0 {
					t.Fatalf("at %s the store holds %ds, %ds this stream (span from %d); want %dm and %dm",
						d, v.WatchSeconds, v.StreamWatchSeconds, v.WatchFrom, wantMin, wantStreamMin)
				}
				vs, err := st.Viewers(ctx, "chan")
				if err != nil || len(vs) == 0 || vs[0] != v {
					t.Fatalf("Viewers gives %+v (%v), Viewer %+v", vs, err, v)
				}
				if byLogin, err := st.ViewerByLogin(ctx, "chan", "ann"); err != nil || byLogin != v {
					t.Fatalf("ViewerByLogin gives %+v (%v), Viewer %+v", byLogin, err, v)
				}
			}
			at(hearth.EventOnline, 0, "")
			at(hearth.EventChat, 30*time.Second, "ann")
			check(3*time.Minute, 3, 3)
			check(25*time.Minute, 10, 10)
			at(hearth.EventChat, 30*time.Minute+30*time.Second, "ann")
			check(34*time.Minute, 14, 14)
			at(hearth.EventOffline, 36*time.Minute+10*time.Second, "")
			check(50*time.Minute, 16, 16)
			at(hearth.EventOnline, 60*time.Minute, "")
			at(hearth.EventChat, 60*time.Minute+5*time.Second, "ann")
			check(62*time.Minute, 18, 2)

			// A restart ends every presence: ann's span, still open in the
			// store, stops at minute 2 of the stream, which goes on after
			// a minute of its clock that the restart skips.
			if err := e.Close(ctx); err != nil {
				t.Fatal(err)
			}
			e = startEngine(t, st, opts)
			at(hearth.EventChat, 70*time.Minute, "bob")
			check(73*time.Minute, 18, 2)
			at(hearth.EventChat, 73*time.Minute+5*time.Second, "ann")
			check(76*time.Minute, 21, 5)
			ss, err := st.Streams(ctx, "chan", 1)
			if err != nil || len(ss) != 1 || ss[0].Minutes != 9 {
				t.Fatalf("streams %+v (%v): want the second stream at minute 9: 2 before the restart, 1 skipped, 6 after", ss, err)
			}
		})
	}
}
