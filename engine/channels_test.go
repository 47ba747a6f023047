package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/internal/testenv"
)

// watcher records what the engine reports of channels added and removed,
// in order, and checks that a channel's reports alternate.
type watcher struct {
	t      *testing.T
	mu     sync.Mutex
	events []string
	served map[string]bool
}

func newWatcher(t *testing.T) *watcher { return &watcher{t: t, served: map[string]bool{}} }

func (w *watcher) ChannelAdded(ch hearth.ChannelInfo) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.served[ch.Name] || ch.OverlayToken == "" {
		w.t.Errorf("ChannelAdded(%+v) while the watcher has it served %v, or without a token", ch, w.served[ch.Name])
	}
	w.served[ch.Name] = true
	w.events = append(w.events, "+"+ch.Name)
}

func (w *watcher) ChannelRemoved(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.served[name] {
		w.t.Errorf("ChannelRemoved(%s) of a channel the watcher did not see added", name)
	}
	w.served[name] = false
	w.events = append(w.events, "-"+name)
}

func (w *watcher) seen() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.events)
}

// unknownCounter counts events for channels not served.
type unknownCounter struct {
	nopRecorder
	unknown atomic.Int64
}

func (r *unknownCounter) UnknownChannel() { r.unknown.Add(1) }

func chatTo(channel, user string, n int) hearth.Event {
	return hearth.Event{Kind: hearth.EventChat, Channel: channel, ID: fmt.Sprintf("%s-%s-%d", channel, user, n), Time: t0.Add(time.Duration(n) * time.Minute),
		User: hearth.Identity{ID: "u-" + user, Login: user, DisplayName: user}, Text: fmt.Sprint("hello ", n)}
}

func findStored(t *testing.T, st hearth.Store, name string) (hearth.ChannelInfo, bool) {
	t.Helper()
	chs, err := st.Channels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chs {
		if c.Name == name {
			return c, true
		}
	}
	return hearth.ChannelInfo{}, false
}

func viewersOf(t *testing.T, st hearth.Store, channel string) int {
	t.Helper()
	vs, err := st.Viewers(context.Background(), channel)
	if err != nil {
		t.Fatal(err)
	}
	return len(vs)
}

func TestAddChannel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newStore(t)
	w := newWatcher(t)
	e := startEngine(t, st, Options{Watcher: w})

	info, err := e.AddChannel(ctx, "#NewOne")
	if err != nil {
		t.Fatalf("AddChannel: %v", err)
	}
	if info.Name != "newone" || len(info.OverlayToken) < 32 || info.Removed() {
		t.Errorf("AddChannel = %+v, want newone with an overlay token, served", info)
	}
	if got := e.Channels(); !slices.Equal(got, []string{"chan", "newone"}) {
		t.Errorf("Channels = %v, want [chan newone]", got)
	}
	if got := w.seen(); !slices.Equal(got, []string{"+newone"}) {
		t.Errorf("watcher saw %v, want [+newone]", got)
	}
	e.Handle(chatTo("newone", "ann", 1))
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := viewersOf(t, st, "newone"); n != 1 {
		t.Errorf("the added channel stored %d viewers after a chat line, want 1", n)
	}

	_, err = e.AddChannel(ctx, "newone")
	if hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Errorf("adding a served channel again: %v, want a conflict", err)
	}
	for _, bad := range []string{"", "no spaces", "#", strings.Repeat("a", 26)} {
		if _, err := e.AddChannel(ctx, bad); hearth.ErrorCode(err) != hearth.EINVALID {
			t.Errorf("AddChannel(%q): %v, want invalid", bad, err)
		}
	}
	if got := w.seen(); len(got) != 1 {
		t.Errorf("refused additions reached the watcher: %v", got)
	}

	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddChannel(ctx, "late"); err != ErrClosed {
		t.Errorf("AddChannel after Close: %v, want ErrClosed", err)
	}
}

// TestAddChannelLoadsItsState adds back a channel that was removed with
// its data: its viewers come back as stored, and the presence spans its
// last run left open stop counting (EndPresence), as at start.
func TestAddChannelLoadsItsState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newStore(t)
	if _, err := st.EnsureChannel(ctx, "back"); err != nil {
		t.Fatal(err)
	}
	live := hearth.StreamSession{Channel: "back", Seq: 1, StartedAt: t0, Source: hearth.SourceTwitch, Minutes: 3}
	old := hearth.ViewerStats{Channel: "back", UserID: "u-old", Login: "old", DisplayName: "old", Messages: 4, Points: 1234,
		LifetimePoints: 1234, FirstSeen: t0, LastSeen: t0, StreamSeq: 1, WatchFrom: 1}
	if err := st.Apply(ctx, hearth.Batch{Viewers: []hearth.ViewerStats{old}, Streams: []hearth.StreamSession{live}}); err != nil {
		t.Fatal(err)
	}
	if err := st.RemoveChannel(ctx, "back", false); err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, st, Options{})
	if e.Serves("back") {
		t.Fatal("a removed channel is served at start")
	}
	if _, err := e.AddChannel(ctx, "back"); err != nil {
		t.Fatal(err)
	}
	v, err := e.Viewer(ctx, "back", "old")
	if err != nil || v.Points != 1234 {
		t.Errorf("the added channel's viewer = %+v, %v; want the stored 1234 points", v, err)
	}
	if ss, err := st.Streams(ctx, "back", 1); err != nil || len(ss) != 1 || ss[0].Minutes != 4 {
		t.Errorf("stream after adding = %+v, %v; want its minute clock moved on by EndPresence to 4", ss, err)
	}
	if c, _ := findStored(t, st, "back"); c.Removed() {
		t.Errorf("the store still has the added channel removed: %+v", c)
	}
}

func TestRemoveChannel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newStore(t)
	w := newWatcher(t)
	w.served["gone"] = true // served from the start, which the watcher does not hear of
	rec := &unknownCounter{}
	e := New(st, Options{Watcher: w, Recorder: rec, FlushInterval: time.Hour, FlushSize: 1 << 20})
	if err := e.Start(ctx, []string{"chan", "gone"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(ctx) })
	a, _ := e.actor("gone")
	for i := range 50 {
		e.Handle(chatTo("gone", fmt.Sprint("user", i), i))
	}
	// The writer flushes once an hour: only the removal writes these.
	if err := e.RemoveChannel(ctx, "gone", false); err != nil {
		t.Fatalf("RemoveChannel: %v", err)
	}
	select {
	case <-a.done:
	default:
		t.Fatal("RemoveChannel returned before the channel's goroutine stopped")
	}
	if n := viewersOf(t, st, "gone"); n != 50 {
		t.Errorf("after removal the store holds %d of the 50 viewers queued before it", n)
	}
	if c, ok := findStored(t, st, "gone"); !ok || !c.Removed() {
		t.Errorf("the store has the removed channel as %+v (listed %v), want listed as removed", c, ok)
	}
	if e.Serves("gone") || !slices.Equal(e.Channels(), []string{"chan"}) {
		t.Errorf("after removal the engine serves %v", e.Channels())
	}
	if got := w.seen(); !slices.Equal(got, []string{"-gone"}) {
		t.Errorf("watcher saw %v, want [-gone]", got)
	}
	before := rec.unknown.Load()
	e.Handle(chatTo("gone", "late", 99))
	if rec.unknown.Load() != before+1 {
		t.Error("an event for the removed channel was not counted as for an unknown channel")
	}
	if _, err := e.Leaderboard(ctx, "gone", 5); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Leaderboard of a removed channel: %v, want not found", err)
	}
	if err := e.RemoveChannel(ctx, "nobody", false); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("removing an unknown channel: %v, want not found", err)
	}
	// Removed again, it stays removed; the watcher hears nothing more.
	if err := e.RemoveChannel(ctx, "gone", false); err != nil {
		t.Errorf("removing a removed channel again: %v", err)
	}
	if got := w.seen(); len(got) != 1 {
		t.Errorf("watcher saw %v after a second removal", got)
	}
}

func TestRemoveChannelForget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newStore(t)
	e := New(st, Options{FlushInterval: time.Hour, FlushSize: 1 << 20})
	if err := e.Start(ctx, []string{"chan", "gone", "later"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(ctx) })
	for i := range 20 {
		e.Handle(chatTo("gone", fmt.Sprint("user", i), i))
		e.Handle(chatTo("later", fmt.Sprint("user", i), i))
		e.Handle(chatTo("chan", fmt.Sprint("user", i), i))
	}
	if err := e.RemoveChannel(ctx, "gone", true); err != nil {
		t.Fatalf("RemoveChannel(forget): %v", err)
	}
	if _, ok := findStored(t, st, "gone"); ok {
		t.Error("a forgotten channel is still stored")
	}
	if n := viewersOf(t, st, "gone"); n != 0 {
		t.Errorf("a forgotten channel still has %d viewers stored", n)
	}
	// The other channels' changes are written, and stay.
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := viewersOf(t, st, "chan"); n != 20 {
		t.Errorf("forgetting gone left chan %d viewers, want 20", n)
	}
	// Removed first, forgotten later.
	if err := e.RemoveChannel(ctx, "later", false); err != nil {
		t.Fatal(err)
	}
	if n := viewersOf(t, st, "later"); n != 20 {
		t.Fatalf("removal kept %d viewers, want 20", n)
	}
	if err := e.RemoveChannel(ctx, "later", true); err != nil {
		t.Fatal(err)
	}
	if _, ok := findStored(t, st, "later"); ok || viewersOf(t, st, "later") != 0 {
		t.Error("forgetting a removed channel left it stored")
	}
}

// TestRestartServesStoredChannels restarts on the same store: a channel
// added while the engine ran comes back, a configured channel an operator
// removed stays removed (and the log says how to add it back).
func TestRestartServesStoredChannels(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newStore(t)
	seed := []string{"alpha", "beta"}
	first := New(st, Options{})
	if err := first.Start(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if _, err := first.AddChannel(ctx, "gamma"); err != nil {
		t.Fatal(err)
	}
	first.Handle(chatTo("gamma", "ann", 1))
	if err := first.RemoveChannel(ctx, "alpha", false); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}

	var logs testenv.LogBuffer
	second := New(st, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err := second.Start(ctx, append(seed, "delta")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = second.Close(ctx) })
	if got := second.Channels(); !slices.Equal(got, []string{"beta", "delta", "gamma"}) {
		t.Errorf("after a restart the engine serves %v, want [beta delta gamma]", got)
	}
	if _, err := second.Viewer(ctx, "gamma", "ann"); err != nil {
		t.Errorf("the added channel's viewer after a restart: %v", err)
	}
	if out := logs.String(); !strings.Contains(out, "stays removed") || !strings.Contains(out, "channel=alpha") || !strings.Contains(out, "POST /api/v1/channels") {
		t.Errorf("the log does not say that alpha stays removed and how to add it back:\n%s", out)
	}
	if _, err := second.AddChannel(ctx, "alpha"); err != nil {
		t.Fatal(err)
	}
	if !second.Serves("alpha") {
		t.Error("alpha is not served once added back")
	}
}

// TestConcurrentAddRemove adds and removes one channel from many
// goroutines at once, and other channels beside it, while chat flows to
// all of them: every call either succeeds or is refused for a reason
// that holds at that moment, and at the end the engine, the store and the
// watcher agree on what is served.
func TestConcurrentAddRemove(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newStore(t)
	w := newWatcher(t)
	e := startEngine(t, st, Options{Watcher: w, FlushInterval: time.Millisecond})
	names := []string{"same", "other_1", "other_2", "other_3"}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			e.Handle(chatTo(names[i%len(names)], fmt.Sprint("user", i%7), i))
		}
	})
	var calls sync.WaitGroup
	for g := range 8 {
		calls.Go(func() {
			for i := range 12 {
				name := "same"
				if g%2 == 1 {
					name = names[1+g%3]
				}
				if (g+i)%2 == 0 {
					if _, err := e.AddChannel(ctx, name); err != nil && hearth.ErrorCode(err) != hearth.ECONFLICT {
						t.Errorf("AddChannel(%s): %v", name, err)
					}
				} else if err := e.RemoveChannel(ctx, name, i%5 == 4); err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND {
					t.Errorf("RemoveChannel(%s): %v", name, err)
				}
			}
		})
	}
	calls.Wait()
	close(stop)
	wg.Wait()
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		c, stored := findStored(t, st, name)
		served := e.Serves(name)
		if served != (stored && !c.Removed()) {
			t.Errorf("%s: the engine serves it %v, the store has it %+v (stored %v)", name, served, c, stored)
		}
		w.mu.Lock()
		watched := w.served[name]
		w.mu.Unlock()
		if watched != served {
			t.Errorf("%s: the watcher has it served %v, the engine %v", name, watched, served)
		}
	}
	if t.Failed() {
		t.Logf("watcher saw %v", w.seen())
	}
}

func TestSetRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newStore(t)
	base := func(string) community.Rules {
		r := community.DefaultRules()
		r.MessageCooldown = 0
		return r
	}
	e := New(st, Options{Rules: base})
	if err := e.Start(ctx, []string{"chan"}); err != nil {
		t.Fatal(err)
	}
	e.Handle(chatTo("chan", "ann", 1))

	bad := base("chan")
	bad.PointsPerMessage = -5
	err := e.SetRules(ctx, "chan", bad)
	if hearth.ErrorCode(err) != hearth.EINVALID || !strings.Contains(err.Error(), "points.per_message must be between 0 and") {
		t.Errorf("SetRules with bad rules: %v, want Validate's message as an invalid-input error", err)
	}
	if err := e.SetRules(ctx, "nobody", base("x")); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("SetRules of an unknown channel: %v", err)
	}

	r := base("chan")
	r.PointsPerMessage = 40
	if err := e.SetRules(ctx, "chan", r); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Rules("chan"); got.PointsPerMessage != 40 {
		t.Errorf("Rules after SetRules: %d points a message, want 40", got.PointsPerMessage)
	}
	before, err := e.Viewer(ctx, "chan", "ann")
	if err != nil {
		t.Fatal(err)
	}
	e.Handle(chatTo("chan", "ann", 2))
	after, err := e.Viewer(ctx, "chan", "ann")
	if err != nil {
		t.Fatal(err)
	}
	if after.Points-before.Points != 40 {
		t.Errorf("a message after SetRules earned %d, want 40", after.Points-before.Points)
	}
	if raw, err := st.ChannelSettings(ctx, "chan"); err != nil || string(raw) != `{"points":{"per_message":40}}` {
		t.Errorf("stored settings = %s, %v; want only what differs from the configuration", raw, err)
	}

	// A partial change keeps the rest.
	lang := "de"
	got, err := e.SetSettings(ctx, "chan", hearth.ChannelSettings{Language: &lang})
	if err != nil {
		t.Fatal(err)
	}
	if *got.Language != "de" || *got.Points.PerMessage != 40 {
		t.Errorf("SetSettings answered language %s and %d points a message, want de and 40", *got.Language, *got.Points.PerMessage)
	}
	shown, err := e.Settings(ctx, "chan")
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, shown), mustJSON(t, got); a != b {
		t.Errorf("Settings = %s, SetSettings answered %s", a, b)
	}
	at := "@"
	if _, err := e.SetSettings(ctx, "chan", hearth.ChannelSettings{Commands: &hearth.CommandSettings{Prefix: &at}}); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("a prefix of @: %v, want invalid", err)
	}
	if r, _ := e.Rules("chan"); r.CommandPrefix != "!" {
		t.Errorf("a refused change left the prefix %q", r.CommandPrefix)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// The settings outlive a restart, on top of the configured rules.
	again := New(st, Options{Rules: base})
	if err := again.Start(ctx, []string{"chan"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = again.Close(ctx) })
	if r, _ := again.Rules("chan"); r.PointsPerMessage != 40 || r.Language != "de" || r.MessageCooldown != 0 {
		t.Errorf("rules after a restart: %d points a message, language %s, cooldown %s; want 40, de, 0s", r.PointsPerMessage, r.Language, r.MessageCooldown)
	}
}

// TestStoredSettingsThatNoLongerFit refuses to start a channel whose
// stored settings make no sense with the configured rules, naming it.
func TestStoredSettingsThatNoLongerFit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newStore(t)
	if _, err := st.EnsureChannel(ctx, "chan"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetChannelSettings(ctx, "chan", []byte(`{"points":{"presence_interval":"90s"}}`)); err != nil {
		t.Fatal(err)
	}
	err := New(st, Options{}).Start(ctx, nil)
	if hearth.ErrorCode(err) != hearth.EINVALID || !strings.Contains(err.Error(), "channel chan") || !strings.Contains(err.Error(), "presence_interval") {
		t.Errorf("start with settings that do not fit: %v, want an invalid-input error naming the channel and the setting", err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
