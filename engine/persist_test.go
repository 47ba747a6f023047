package engine

import (
	"context"
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/store/postgres"
)

// TestStoreHoldsWhatMemoryHolds is a property test of persistence: random
// streams of every kind of event, with ticks, forgets and a restart, go
// through the real engine into a real store; after a flush, a channel
// loaded from the store must equal the one in memory, viewer for viewer.
// A change the channel makes without reporting it is caught here.
func TestStoreHoldsWhatMemoryHolds(t *testing.T) {
	t.Parallel()
	for _, s := range dialects {
		t.Run(s.name, func(t *testing.T) {
			s.present(t)
			for seed := int64(1); seed <= 8; seed++ {
				t.Run(fmt.Sprint("Seed", seed), func(t *testing.T) {
					newWorld(t, s.open(t), seed).run(t, 400)
				})
			}
		})
	}
}

// world drives one channel with random events and remembers what it needs
// to make more: the viewers, the ids of past messages, the time.
type world struct {
	st     hearth.Store
	e      *Engine
	rnd    *rand.Rand
	rules  community.Rules
	seen   *outcomes
	now    time.Time
	seq    int
	twitch bool // online and offline events are sent
	users  []hearth.Identity
	msgIDs []string
	sent   []hearth.Event
}

// outcomes counts the commands that ran and the notices given, to show
// that a run exercised them.
type outcomes struct {
	nopRecorder
	mu    sync.Mutex
	count map[string]int
}

func (o *outcomes) Command(_, command, reason string) {
	if reason == "" {
		o.add(command)
	}
}

func (o *outcomes) Notice(_, kind string) { o.add(kind) }

func (o *outcomes) add(what string) {
	o.mu.Lock()
	o.count[what]++
	o.mu.Unlock()
}

func newWorld(t *testing.T, st hearth.Store, seed int64) *world {
	rules := community.DefaultRules()
	rules.Bots = []string{"botty"}
	rules.Ranks = []community.Rank{{Name: "New", Min: 0}, {Name: "Regular", Min: 100}, {Name: "Hero", Min: 400}}
	rules.MessageCooldown = 20 * time.Second
	rules.PresenceInterval = 2 * time.Minute
	rules.AttendMinimum = 3 * time.Minute
	rules.IdleGap = 20 * time.Minute
	rules.Cooldowns = community.CooldownConfig{PerUser: 30 * time.Second}
	w := &world{st: st, rnd: rand.New(rand.NewSource(seed)), rules: rules, seen: &outcomes{count: map[string]int{}}, now: t0}
	for _, login := range []string{"ann", "bob", "cid", "dee", "eve", "fay", "gus", "hal", "ivy", "jo", "botty", "chan"} {
		w.users = append(w.users, hearth.Identity{ID: "u-" + login, Login: login, DisplayName: login})
	}
	w.start(t)
	return w
}

func (w *world) start(t *testing.T) {
	t.Helper()
	w.e = New(w.st, Options{
		Rules:      func(string) community.Rules { return w.rules },
		FlushSize:  7, // many small flushes, so groups cross flush boundaries
		EventClock: true,
		Recorder:   w.seen,
	})
	if err := w.e.Start(context.Background(), []string{"chan"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.e.Close(context.Background()) })
}

func (w *world) run(t *testing.T, events int) {
	ctx := context.Background()
	for i := 0; i < events; i++ {
		if i == events/2 {
			w.check(t, "before the restart")
			if err := w.e.Close(ctx); err != nil {
				t.Fatal(err)
			}
			w.start(t)
			// Streams were inferred from chat; now Twitch reports them.
			w.twitch = true
		}
		w.step(t)
	}
	w.check(t, "at the end")
	for _, what := range []string{community.CmdGive, community.CmdAddPoints, community.CmdRemovePoints, "welcome", "rank_up"} {
		if w.seen.count[what] == 0 {
			t.Errorf("the run had no %s: make the events richer", what)
		}
	}
}

func (w *world) user() hearth.Identity { return w.users[w.rnd.Intn(len(w.users))] }

func (w *world) pick(options ...string) string { return options[w.rnd.Intn(len(options))] }

// step advances the time and makes one random thing happen.
func (w *world) step(t *testing.T) {
	ctx := context.Background()
	switch r := w.rnd.Intn(100); {
	case r < 2:
		w.now = w.now.Add(time.Duration(20+w.rnd.Intn(40)) * time.Minute) // idle gap
	default:
		w.now = w.now.Add(time.Duration(w.rnd.Intn(90)) * time.Second)
	}
	w.seq++
	ev := hearth.Event{Channel: "chan", ID: fmt.Sprint("e", w.seq), Time: w.now, User: w.user()}
	switch r := w.rnd.Intn(100); {
	case r < 50:
		ev.Kind = hearth.EventChat
		ev.Text = w.chatText()
		ev.Roles = hearth.Role(w.rnd.Intn(16)) &^ hearth.RoleBroadcaster
		if ev.User.Login == "chan" {
			ev.Roles |= hearth.RoleBroadcaster
		}
		ev.FirstMessage = w.rnd.Intn(10) == 0
		if w.rnd.Intn(10) == 0 {
			ev.Bits = 100 * w.rnd.Intn(4)
		}
		w.msgIDs = append(w.msgIDs, ev.ID)
	case r < 53:
		ev.Kind = hearth.EventSub
	case r < 55:
		ev.Kind = hearth.EventResub
	case r < 58:
		ev.Kind = hearth.EventSubGift
		ev.Count = w.rnd.Intn(3)
		ev.Target = w.user()
		if w.rnd.Intn(3) == 0 { // a viewer never seen before
			ev.Target = hearth.Identity{ID: fmt.Sprint("g-", w.seq), Login: fmt.Sprint("gifted", w.seq), DisplayName: fmt.Sprint("Gifted", w.seq)}
			w.users = append(w.users, ev.Target)
		}
	case r < 60:
		ev.Kind = hearth.EventRaid
		ev.Count = w.rnd.Intn(50)
	case r < 64:
		ev.Kind = hearth.EventTimeout
		ev.Target = w.user()
		ev.Duration = time.Duration(w.rnd.Intn(600)) * time.Second
	case r < 65:
		ev.Kind = hearth.EventBan
		ev.Target = w.user()
	case r < 69:
		if len(w.msgIDs) == 0 {
			return
		}
		ev.Kind = hearth.EventMessageDeleted
		ev.TargetMessageID = w.msgIDs[w.rnd.Intn(len(w.msgIDs))]
	case r < 76:
		ev.Kind = hearth.EventJoin
	case r < 80:
		ev.Kind = hearth.EventPart
	case r < 85 && !w.twitch:
		return
	case r < 83:
		ev.Kind = hearth.EventOnline
	case r < 85:
		ev.Kind = hearth.EventOffline
	case r < 87:
		// A viewer renames themselves: same id, new login and display name.
		i := w.rnd.Intn(len(w.users))
		if u := w.users[i]; u.Login != "botty" && u.Login != "chan" {
			u.Login += "x"
			u.DisplayName = "Renamed" + u.Login
			w.users[i] = u
		}
		return
	case r < 90:
		if len(w.sent) == 0 {
			return
		}
		ev = w.sent[w.rnd.Intn(len(w.sent))] // delivered again after a reconnect
	case r < 95:
		at := w.now
		err := w.e.Do(ctx, "chan", func(c *community.Channel) hearth.Batch {
			res := c.Tick(at)
			return hearth.Batch{Viewers: res.Changed, Streams: res.Streams}
		})
		if err != nil {
			t.Fatal(err)
		}
		return
	default:
		login := w.user().Login
		err := w.e.Do(ctx, "chan", func(c *community.Channel) hearth.Batch {
			k, ok := c.Forget(login)
			if !ok {
				return hearth.Batch{}
			}
			return hearth.Batch{Forget: []hearth.ViewerKey{k}}
		})
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	w.sent = append(w.sent, ev)
	w.e.Handle(ev)
}

// chatText is plain chat, often repeated, or a command, often one that
// moves points.
func (w *world) chatText() string {
	target := "@" + w.user().Login
	amount := fmt.Sprint(1 + w.rnd.Intn(300))
	switch w.rnd.Intn(12) {
	case 0:
		return "!give " + target + " " + amount
	case 1:
		return "!addpoints " + target + " " + amount
	case 2:
		return "!removepoints " + target + " " + amount
	case 3:
		return w.pick("!points", "!rank "+target, "!top 3", "!streak", "!watchtime", "!give", "!uptime")
	default:
		return w.pick("hello", "gg", "LUL", "what a play", "hello", fmt.Sprint("message ", w.rnd.Intn(1000)))
	}
}

// check flushes everything, loads the channel from the store as a restart
// would, and compares it with the channel in memory.
func (w *world) check(t *testing.T, when string) {
	t.Helper()
	ctx := context.Background()
	if err := w.e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	var (
		mem     = map[string]hearth.ViewerStats{}
		count   int
		session hearth.StreamSession
		live    bool
		board   hearth.Leaderboard
		engaged hearth.Engagement
	)
	err := w.e.Do(ctx, "chan", func(c *community.Channel) hearth.Batch {
		for _, u := range w.users {
			if v, ok := c.Viewer(u.ID); ok {
				mem[u.ID] = v
			}
		}
		count = c.Viewers()
		session, live = c.Live()
		board, engaged = c.Leaderboard(10), c.Engagement()
		return hearth.Batch{}
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != len(mem) {
		t.Fatalf("%s: the channel holds %d viewers, the test knows %d", when, count, len(mem))
	}

	stored, err := w.st.Viewers(ctx, "chan")
	if err != nil {
		t.Fatal(err)
	}
	streams, err := w.st.Streams(ctx, "chan", 1_000)
	if err != nil {
		t.Fatal(err)
	}
	var last *hearth.StreamSession
	if len(streams) > 0 {
		last = &streams[0]
	}
	loaded := community.NewChannel("chan", w.rules, stored, last)

	if len(stored) != len(mem) {
		t.Errorf("%s: the store holds %d viewers, memory %d", when, len(stored), len(mem))
	}
	for _, s := range stored {
		m, ok := mem[s.UserID]
		if !ok {
			t.Errorf("%s: the store holds %s (%s), whom memory has forgotten", when, s.UserID, s.Login)
			continue
		}
		if !sameStats(m, s) {
			t.Errorf("%s: viewer %s differs\n memory %+v\n stored %+v", when, s.UserID, m, s)
		}
	}
	if s, on := loaded.Live(); !sameSession(s, session) || on != live {
		t.Errorf("%s: stream session differs\n memory %+v live=%v\n stored %+v live=%v", when, session, live, s, on)
	}
	for i, s := range streams {
		if want := session.Seq - int64(i); s.Seq != want || i > 0 && s.EndedAt.IsZero() {
			t.Errorf("%s: stored session %d is %+v; want seq %d, ended unless the last", when, i, s, want)
		}
	}
	if got := loaded.Leaderboard(10); fmt.Sprint(got) != fmt.Sprint(board) {
		t.Errorf("%s: leaderboard differs\n memory %+v\n stored %+v", when, board, got)
	}
	if got := loaded.Engagement(); got != engaged {
		t.Errorf("%s: engagement differs\n memory %+v\n stored %+v", when, engaged, got)
	}
}

// sameStats compares stats as stored: times by instant.
func sameStats(a, b hearth.ViewerStats) bool {
	if !a.FirstSeen.Equal(b.FirstSeen) || !a.LastSeen.Equal(b.LastSeen) {
		return false
	}
	a.FirstSeen, a.LastSeen, b.FirstSeen, b.LastSeen = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b
}

func sameSession(a, b hearth.StreamSession) bool {
	if !a.StartedAt.Equal(b.StartedAt) || !a.EndedAt.Equal(b.EndedAt) {
		return false
	}
	a.StartedAt, a.EndedAt, b.StartedAt, b.EndedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b
}

// dialects are the stores the engine is tested against. present skips or
// fails t when the store is not there (PostgreSQL, see testenv); open gives
// a fresh, empty store closed with t.
var dialects = []struct {
	name    string
	present func(t *testing.T)
	open    func(t *testing.T) hearth.Store
}{
	{"SQLite", func(*testing.T) {}, func(t *testing.T) hearth.Store { return openSQLite(t) }},
	{"PostgreSQL", func(t *testing.T) { testenv.PostgresURL(t) }, func(t *testing.T) hearth.Store {
		u, _ := testenv.PostgresSchema(t)
		db, err := postgres.Open(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}},
}
