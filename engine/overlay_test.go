package engine

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
)

// published records the overlay events the engine publishes.
type published struct {
	mu     sync.Mutex
	events []hearth.OverlayEvent
}

func (p *published) PublishEvents(channel string, events []hearth.OverlayEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ev := range events {
		if ev.Channel != channel {
			panic("event of " + ev.Channel + " published to " + channel)
		}
		p.events = append(p.events, ev)
	}
}

func (p *published) ForgetEvents(channel, userID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = slices.DeleteFunc(p.events, func(e hearth.OverlayEvent) bool { return e.Channel == channel && e.UserID == userID })
}

func (p *published) all() []hearth.OverlayEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.events)
}

func storedEvents(t *testing.T, st hearth.Store) []hearth.OverlayEvent {
	t.Helper()
	es, err := st.OverlayEvents(context.Background(), "chan", 0, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func seqs(es []hearth.OverlayEvent) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

// TestEventLogKeepsEveryNewcomer: a burst of newcomers appends one
// event each, numbered 1, 2, 3..., published and stored alike; nothing
// is capped.
func TestEventLogKeepsEveryNewcomer(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	pub := &published{}
	e := startEngine(t, st, Options{EventClock: true, Events: pub})
	const n = 300
	for i := range n {
		e.Handle(chat(i, fmt.Sprint("newbie", i)))
	}
	e.Handle(chat(n, "newbie0")) // not new any more
	if err := e.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := pub.all()
	if len(got) != n {
		t.Fatalf("%d events published for %d newcomers", len(got), n)
	}
	for i, ev := range got {
		if ev.Seq != int64(i+1) || ev.Kind != hearth.OverlayWelcome || ev.Login != fmt.Sprint("newbie", i) || ev.UserID == "" {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	if s := storedEvents(t, st); !slices.Equal(seqs(s), seqs(got)) {
		t.Fatalf("stored seqs %v, want %v", seqs(s), seqs(got))
	}
}

// TestEventLogCountsOnAfterRestart: the engine loads the last events,
// hands them to the overlays, and numbers new ones after them.
func TestEventLogCountsOnAfterRestart(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	first := New(st, Options{EventClock: true})
	if err := first.Start(context.Background(), []string{"chan"}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		first.Handle(chat(i, fmt.Sprint("v", i)))
	}
	if err := first.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	pub := &published{}
	second := startEngine(t, st, Options{EventClock: true, Events: pub})
	second.Handle(chat(10, "late"))
	if err := second.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := seqs(pub.all()), []int64{1, 2, 3, 4, 5, 6}; !slices.Equal(got, want) {
		t.Fatalf("published after restart %v, want the 5 loaded then 6", got)
	}
	if s := storedEvents(t, st); len(s) != 6 || s[5].Login != "late" {
		t.Fatalf("stored %+v", s)
	}
}

// TestEventsShowDisplayText: events name viewers as hearth.DisplayText
// shows them: a name made only of zero-width spaces is the login, a
// right-to-left override is gone.
func TestEventsShowDisplayText(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	pub := &published{}
	e := startEngine(t, st, Options{EventClock: true, Events: pub})
	blank, evil := chat(1, "blank"), chat(2, "evil")
	blank.User.DisplayName = "\u200b\u200b\u200b"
	evil.User.DisplayName = "\u202eevil_name"
	e.Handle(blank)
	e.Handle(evil)
	if err := e.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ev := range pub.all() {
		names = append(names, ev.DisplayName)
	}
	if fmt.Sprint(names) != "[blank evil_name]" {
		t.Fatalf("events name %+q, want blank and evil_name", names)
	}
}

// countingRecorder counts notices and points, to show a test event
// counts for nothing.
type countingRecorder struct {
	nopRecorder
	mu      sync.Mutex
	notices int
	points  int64
}

func (r *countingRecorder) Notice(string, string) { r.mu.Lock(); r.notices++; r.mu.Unlock() }
func (r *countingRecorder) PointsAwarded(_ string, p int64) {
	r.mu.Lock()
	r.points += p
	r.mu.Unlock()
}

// TestTestEventsCountForNothing: a test event is published and logged
// like a real one, marked as a test, and touches no viewer, figure or
// metric; an unknown kind is refused.
func TestTestEventsCountForNothing(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	pub := &published{}
	rec := &countingRecorder{}
	e := startEngine(t, st, Options{EventClock: true, Events: pub, Recorder: rec})
	ctx := context.Background()
	for _, kind := range hearth.OverlayEventKinds() {
		ev, err := e.TestOverlayEvent(ctx, "chan", kind)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if !ev.Test || ev.Kind != kind || ev.Seq == 0 {
			t.Errorf("%s: %+v", kind, ev)
		}
		if (kind == hearth.OverlayCredits) != (ev.Credits != nil) {
			t.Errorf("%s: credits %+v", kind, ev.Credits)
		}
	}
	if _, err := e.TestOverlayEvent(ctx, "chan", "<script>"); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("unknown kind: %v, want EINVALID", err)
	}
	if _, err := e.TestOverlayEvent(ctx, "nobody", "follow"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("unknown channel: %v, want ENOTFOUND", err)
	}
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(pub.all()); n != len(hearth.OverlayEventKinds()) {
		t.Errorf("%d test events published", n)
	}
	if s := storedEvents(t, st); len(s) != len(hearth.OverlayEventKinds()) || !s[0].Test {
		t.Errorf("stored %+v", s)
	}
	if vs, err := st.Viewers(ctx, "chan"); err != nil || len(vs) != 0 {
		t.Errorf("viewers after tests: %v, %v; want none", vs, err)
	}
	f, err := e.Figures(ctx, "chan")
	if err != nil {
		t.Fatal(err)
	}
	if f.NewcomersTotal != 0 || rec.notices != 0 || rec.points != 0 {
		t.Errorf("tests counted: figures %+v, %d notices, %d points", f, rec.notices, rec.points)
	}
}

// TestCreditsRollAtStreamEnd: when the stream goes offline the engine
// rolls the credits of who made it: newcomers, chatters, subs, gifters,
// raiders, poll winners, rank-ups; tests thank nobody.
func TestCreditsRollAtStreamEnd(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	pub := &published{}
	e := startEngine(t, st, Options{EventClock: true, Events: pub})
	ctx := context.Background()
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	e.Handle(hearth.Event{Kind: hearth.EventOnline, Channel: "chan", ID: "on", Time: at(0)})
	e.Handle(chat(1, "ann"))
	e.Handle(chat(2, "bob"))
	e.Handle(chat(3, "bob"))
	e.Handle(hearth.Event{Kind: hearth.EventSub, Channel: "chan", ID: "s", Time: at(4), Months: 1,
		User: hearth.Identity{ID: "u-cat", Login: "cat", DisplayName: "Cat"}})
	e.Handle(hearth.Event{Kind: hearth.EventSubGift, Channel: "chan", ID: "g", Time: at(5), Count: 3,
		User: hearth.Identity{ID: "u-dan", Login: "dan", DisplayName: "Dan"}})
	e.Handle(hearth.Event{Kind: hearth.EventRaid, Channel: "chan", ID: "r", Time: at(6), Count: 9,
		User: hearth.Identity{ID: "u-eve", Login: "eve", DisplayName: "<img src=x onerror=alert(1)>"}})
	if _, err := e.TestOverlayEvent(ctx, "chan", hearth.OverlaySub); err != nil {
		t.Fatal(err)
	}
	e.Handle(hearth.Event{Kind: hearth.EventOffline, Channel: "chan", ID: "off", Time: at(7)})
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	got := pub.all()
	roll := got[len(got)-1]
	if roll.Kind != hearth.OverlayCredits || roll.Credits == nil || roll.Test {
		t.Fatalf("last event %+v, want a credits roll", roll)
	}
	sections := map[string][]string{}
	for _, s := range roll.Credits.Sections {
		sections[s.Kind] = s.Names
	}
	want := map[string][]string{
		hearth.CreditsNewcomers: {"ann", "bob"},
		hearth.CreditsChatters:  {"bob", "ann"},
		hearth.CreditsSubs:      {"Cat"},
		hearth.CreditsGifters:   {"Dan"},
		hearth.CreditsRaiders:   {"<img src=x onerror=alert(1)>"},
		// The sub's and the gift's bonuses lifted them a rank.
		hearth.CreditsRankUps: {"Cat → Regular", "Dan → Regular"},
	}
	if fmt.Sprint(sections) != fmt.Sprint(want) {
		t.Errorf("credits %v\nwant %v", sections, want)
	}
	// On demand, the same stream's roll.
	again, err := e.RollCredits(ctx, "chan")
	if err != nil {
		t.Fatal(err)
	}
	if again.Seq != roll.Seq+1 || fmt.Sprint(again.Credits) != fmt.Sprint(roll.Credits) {
		t.Errorf("roll on demand %+v, want %+v again", again, roll)
	}
}

// TestEventLogPruned: the writer prunes events older than the retention.
func TestEventLogPruned(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	old := hearth.OverlayEvent{Channel: "chan", Seq: 1, Kind: hearth.OverlayFollow, Login: "old", At: time.Now().Add(-2 * time.Hour)}
	recent := hearth.OverlayEvent{Channel: "chan", Seq: 2, Kind: hearth.OverlayFollow, Login: "new", At: time.Now()}
	if err := st.Apply(context.Background(), hearth.Batch{OverlayEvents: []hearth.OverlayEvent{old, recent}}); err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, st, Options{EventRetention: time.Hour, FlushInterval: 10 * time.Millisecond})
	e.Handle(chat(1, "ann")) // the next flush that writes prunes
	testenv.WaitFor(t, 10*time.Second, "the old event pruned and the welcome written", func() bool {
		s := storedEvents(t, st)
		return len(s) == 2 && s[0].Login == "new" && s[1].Login == "ann"
	})
}

// TestForgetDeletesEvents: forgetting a viewer deletes their events from
// the store and from the overlays' log.
func TestForgetDeletesEvents(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	pub := &published{}
	e := startEngine(t, st, Options{EventClock: true, Events: pub})
	e.Handle(chat(1, "ann"))
	e.Handle(chat(2, "bob"))
	ctx := context.Background()
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Forget(ctx, "chan", "ann"); err != nil {
		t.Fatal(err)
	}
	for what, es := range map[string][]hearth.OverlayEvent{"stored": storedEvents(t, st), "published": pub.all()} {
		if len(es) != 1 || es[0].Login != "bob" {
			t.Errorf("%s after forgetting ann: %+v", what, es)
		}
	}
}
