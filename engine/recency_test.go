package engine

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// TestRecencyCountsLikeAWalk plays random sightings, some out of order,
// and clock advances through a recency and checks each window's count, and
// the ids it keeps, against a walk over every id's latest sighting.
func TestRecencyCountsLikeAWalk(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	windows := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 2 * time.Minute}
	r := newRecency(windows...)
	latest := map[string]time.Time{} // what a walk would read
	now := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	for step := range 20_000 {
		switch k := rng.IntN(20); {
		case k < 17:
			id := fmt.Sprint("u", rng.IntN(400))
			at := now.Add(-time.Duration(rng.IntN(3)) * time.Second) // now and then a little late
			if rng.IntN(50) == 0 {
				at = now.Add(-time.Duration(rng.IntN(20)) * time.Minute) // now and then very late
			}
			r.see(id, at)
			if at.After(latest[id]) {
				latest[id] = at
			}
		default:
			now = now.Add(time.Duration(rng.IntN(40_000)) * time.Millisecond)
			r.advance(now)
			for w, d := range windows {
				want := 0
				for _, at := range latest {
					if !at.Before(now.Add(-d)) {
						want++
					}
				}
				if got := r.seen(w); got != want {
					t.Fatalf("step %d: window %s counts %d, a walk counts %d", step, d, got, want)
				}
			}
			for id, at := range latest {
				if at.Before(now.Add(-15 * time.Minute)) {
					delete(latest, id)
				}
			}
			if len(r.byID) != len(latest) {
				t.Fatalf("step %d: keeps %d ids, want %d", step, len(r.byID), len(latest))
			}
		}
	}
}

// BenchmarkRecencySee records sightings of 100,000 chatters with a long
// tail and advances the clock as the channel's tick does.
func BenchmarkRecencySee(b *testing.B) {
	ids := make([]string, 100_000)
	for i := range ids {
		ids[i] = fmt.Sprint(100000000 + i)
	}
	r := newRecency(time.Minute, 5*time.Minute, 15*time.Minute, 5*time.Minute)
	at := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		at = at.Add(time.Millisecond)
		r.see(ids[(i*i)%len(ids)], at)
		if i%100 == 0 {
			r.advance(at)
		}
	}
}

// figuresSeen keeps the last figures and engagement a channel reported.
type figuresSeen struct {
	nopFigures
	nopRecorder
	mu         sync.Mutex
	figures    hearth.ChannelFigures
	engagement hearth.Engagement
}

func (f *figuresSeen) Figures(_ string, fig hearth.ChannelFigures) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.figures = fig
}

func (f *figuresSeen) ChannelState(_ string, e hearth.Engagement) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.engagement = e
}

// TestActiveChatterWindows chats at known times and reads the active
// chatter figures an actor reports: each window counts the chatters whose
// last message is inside it, and the verified figure leaves out a message
// that repeats another within a copy-paste burst.
func TestActiveChatterWindows(t *testing.T) {
	t.Parallel()
	seen := &figuresSeen{}
	clock := &fakeClock{now: t0.Add(10 * time.Minute)}
	e := startEngine(t, newStore(t), Options{Clock: clock, Figures: seen, Recorder: seen, ActiveWindow: 2 * time.Minute})
	for _, m := range []struct {
		login, text string
		at          time.Duration
	}{
		{"ann", "first", 0},
		{"bob", "hi", 3 * time.Minute},
		{"ann", "again", 4 * time.Minute}, // ann's last message counts, not her first
		{"eve", "old", -20 * time.Minute}, // outside every window
		{"dan", "same words", 9*time.Minute + 30*time.Second},
		{"cat", "same words", 9*time.Minute + 32*time.Second}, // a copy: active but not verified
	} {
		e.Handle(hearth.Event{Kind: hearth.EventChat, Channel: "chan", ID: m.login + m.text, Time: t0.Add(m.at),
			User: hearth.Identity{ID: "u-" + m.login, Login: m.login}, Text: m.text})
	}
	a := (*e.channels.Load())["chan"]
	done := make(chan struct{})
	a.ctl <- func() {
		a.refreshes = 0 // the next refresh reports the engagement figures
		a.refresh()
		close(done)
	}
	<-done
	seen.mu.Lock()
	defer seen.mu.Unlock()
	f := seen.figures
	// now is cat's message: 1 min holds dan and cat, 5 min bob too
	// (6 min 32 s ago is outside), 15 min ann too.
	if f.ActiveChatters1m != 2 || f.ActiveChatters5m != 2 || f.ActiveChatters15m != 4 {
		t.Errorf("active chatters 1m/5m/15m = %d/%d/%d, want 2/2/4", f.ActiveChatters1m, f.ActiveChatters5m, f.ActiveChatters15m)
	}
	if f.VerifiedActive5m != 1 {
		t.Errorf("verified active 5m = %d, want 1 (dan; cat copied him)", f.VerifiedActive5m)
	}
	if seen.engagement.ActiveChatters != 2 {
		t.Errorf("engagement active chatters (2 min window) = %d, want 2", seen.engagement.ActiveChatters)
	}
}
