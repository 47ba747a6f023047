package eventsub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/stream"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// allScopes are the scopes every EventSub subscription Hearth makes needs.
var allScopes = []string{"moderator:read:followers", "channel:read:subscriptions", "bits:read", "channel:read:redemptions", "channel:read:polls"}

// fakeTokens hands out tokens the fake Twitch issued, by subject; it
// stands for the store-backed source, which is not what these tests test.
type fakeTokens struct {
	mu          sync.Mutex
	tokens      map[string]hearth.Token
	invalidated int
}

func (f *fakeTokens) set(subject string, t twitchtest.Token) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[subject] = hearth.Token{Subject: subject, UserID: t.UserID, Login: t.Login, Access: t.Access, Refresh: t.Refresh, Scopes: t.Scopes, ExpiresAt: t.ExpiresAt}
}

func (f *fakeTokens) Token(_ context.Context, subject string) (hearth.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[subject]
	if !ok {
		return hearth.Token{}, hearth.Errorf(hearth.ENOTFOUND, "nobody signed in for %s", subject)
	}
	return t, nil
}

func (f *fakeTokens) Invalidate(string) {
	f.mu.Lock()
	f.invalidated++
	f.mu.Unlock()
}

// esObserver counts what the EventSub observer is told.
type esObserver struct {
	mu         sync.Mutex
	revoked    []string
	duplicates int
	reconnects map[string]int
	malformed  []string
}

func (o *esObserver) EventSubConnected(string, int)  {}
func (o *esObserver) EventSubSubscribed(string, int) {}
func (o *esObserver) EventSubReconnect(_, reason string) {
	o.mu.Lock()
	o.reconnects[reason]++
	o.mu.Unlock()
}
func (o *esObserver) EventSubRevoked(_, typ string) {
	o.mu.Lock()
	o.revoked = append(o.revoked, typ)
	o.mu.Unlock()
}
func (o *esObserver) EventSubDuplicate(string) {
	o.mu.Lock()
	o.duplicates++
	o.mu.Unlock()
}
func (o *esObserver) Malformed(reason string) {
	o.mu.Lock()
	o.malformed = append(o.malformed, reason)
	o.mu.Unlock()
}

type eventSubRig struct {
	api    *twitchtest.API
	tokens *fakeTokens
	got    *twitchtest.Recorder
	obs    *esObserver
	logs   *testenv.LogBuffer
}

// startEventSub runs EventSub for channels against a fake Twitch until the
// test ends; setup may issue tokens and set knobs before it starts.
func startEventSub(t *testing.T, channels []string, setup func(*eventSubRig)) *eventSubRig {
	t.Helper()
	r := newEventSubRig(t)
	if setup != nil {
		setup(r)
	}
	cfg := r.config()
	cfg.Channels = channels
	cfg.MinBackoff = 100 * time.Millisecond
	runEventSub(t, cfg)
	return r
}

// newEventSubRig starts a fake Twitch that stops when the test ends, with
// no tokens issued yet.
func newEventSubRig(t *testing.T) *eventSubRig {
	t.Helper()
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	r := &eventSubRig{api: api, tokens: &fakeTokens{tokens: map[string]hearth.Token{}}, got: &twitchtest.Recorder{}, obs: &esObserver{reconnects: map[string]int{}}, logs: &testenv.LogBuffer{}}
	return r
}

// config is EventSub's configuration against the rig's fake Twitch, its
// tokens, collector, observer and logs; the caller adds the channels.
func (r *eventSubRig) config() Config {
	return Config{
		URL:              r.api.EventSubURL(),
		SubscriptionsURL: r.api.HelixURL() + "/eventsub/subscriptions",
		ClientID:         r.api.ClientID(),
		Tokens:           r.tokens,
		TokenRetry:       200 * time.Millisecond,
		Handle:           r.got.Handle,
		Observer:         r.obs,
		Logger:           slog.New(slog.NewTextHandler(r.logs, nil)),
	}
}

// runEventSub runs EventSub with cfg until the test ends.
func runEventSub(t *testing.T, cfg Config) {
	t.Helper()
	es, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = es.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func (r *eventSubRig) enabled(broadcaster string) []string {
	var out []string
	for _, s := range r.api.EventSubSubscriptions(broadcaster) {
		if s.Status == twitchtest.StatusEnabled {
			out = append(out, s.Type)
		}
	}
	slices.Sort(out)
	return out
}

func (r *eventSubRig) waitSubscribed(t *testing.T, broadcaster string, n int) {
	t.Helper()
	testenv.WaitFor(t, 15*time.Second, "subscriptions", func() bool { return len(r.enabled(broadcaster)) == n })
}

func (r *eventSubRig) events() []hearth.Event {
	return r.got.Events(0)
}

func TestEventSubDeliversEveryKind(t *testing.T) {
	t.Parallel()
	r := startEventSub(t, []string{"alice"}, func(r *eventSubRig) {
		r.tokens.set("alice", r.api.IssueToken("alice", allScopes, time.Hour))
	})
	r.waitSubscribed(t, "alice", len(Subscriptions))
	var types []string
	for _, s := range Subscriptions {
		types = append(types, s.Type)
	}
	slices.Sort(types)
	if got := r.enabled("alice"); !slices.Equal(got, types) {
		t.Fatalf("subscriptions %q, want %q", got, types)
	}
	for _, s := range r.api.EventSubSubscriptions("alice") {
		if s.Cost != 0 {
			t.Errorf("%s costs %d; the broadcaster's own token should cost 0", s.Type, s.Cost)
		}
	}
	started := time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC)
	poll := twitchtest.Poll{ID: "p1", Title: "Next game?", Choices: []string{"Celeste", "Hades"}, Votes: []int{3, 5}, StartedAt: started, EndsAt: started.Add(time.Minute)}
	notes := []twitchtest.Notification{
		twitchtest.StreamOnline("alice", started),
		twitchtest.Follow("alice", "bob"),
		twitchtest.Subscribe("alice", "carol", "1000", false),
		twitchtest.Subscribe("alice", "gina", "1000", true), // a gift's recipient: the gift counts
		twitchtest.SubscriptionGift("alice", "dave", 5),
		twitchtest.SubscriptionGift("alice", "", 2),
		twitchtest.SubscriptionMessage("alice", "erin", 7, "seven months!"),
		twitchtest.Cheer("alice", "frank", 300, "cheer300 go"),
		twitchtest.Cheer("alice", "", 100, "anonymous cheer100"),
		twitchtest.Raid("zed", "alice", 42),
		twitchtest.Redemption("alice", "bob", "Hydrate", 500, "water please"),
		twitchtest.PollBegin("alice", poll),
		twitchtest.PollProgress("alice", poll),
		twitchtest.PollEnd("alice", poll, "completed"),
		twitchtest.StreamOffline("alice"),
	}
	for _, n := range notes {
		if ids := r.api.Notify(n, 2); len(ids) != 1 {
			t.Fatalf("%s reached %d subscriptions, want 1", n.Type, len(ids))
		}
	}
	want := len(notes) - 1
	testenv.WaitFor(t, 10*time.Second, "events", func() bool { return r.got.Count() >= want })
	evs := r.events()
	if len(evs) != want {
		t.Fatalf("%d events, want %d (each delivered twice, once counted): %+v", len(evs), want, evs)
	}
	kinds := make([]string, len(evs))
	for i, ev := range evs {
		kinds[i] = ev.Kind.String()
		if ev.Channel != "alice" || ev.ChannelID != twitchtest.UserID("alice") || ev.ID == "" {
			t.Errorf("%s: channel %q id %q, event id %q", ev.Kind, ev.Channel, ev.ChannelID, ev.ID)
		}
	}
	wantKinds := []string{"online", "follow", "sub", "subgift", "subgift", "resub", "cheer", "cheer", "raid", "redemption", "poll_begin", "poll_progress", "poll_end", "offline"}
	if !slices.Equal(kinds, wantKinds) {
		t.Fatalf("kinds %q, want %q", kinds, wantKinds)
	}
	// The second copy of the last notification is dropped after its first
	// was handed on: the count may still be on its way.
	dropped := func() int {
		r.obs.mu.Lock()
		defer r.obs.mu.Unlock()
		return r.obs.duplicates
	}
	testenv.WaitFor(t, 10*time.Second, "every second copy dropped", func() bool { return dropped() >= len(notes) })
	if dups := dropped(); dups != len(notes) {
		t.Errorf("%d duplicates dropped, want %d", dups, len(notes))
	}

	user := func(login string) hearth.Identity {
		return hearth.Identity{ID: twitchtest.UserID(login), Login: login, DisplayName: login}
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"OnlineAtStartedAt", evs[0].Time.Equal(started)},
		{"Follower", evs[1].User == user("bob")},
		{"Subscriber", evs[2].User == user("carol") && evs[2].Months == 1},
		{"Gifter", evs[3].User == user("dave") && evs[3].Count == 5},
		{"AnonymousGift", evs[4].User == hearth.Identity{} && evs[4].Count == 2},
		{"Resub", evs[5].User == user("erin") && evs[5].Months == 7 && evs[5].Text == "seven months!"},
		{"Cheer", evs[6].User == user("frank") && evs[6].Bits == 300 && evs[6].Text == "cheer300 go"},
		{"AnonymousCheer", evs[7].User == hearth.Identity{} && evs[7].Bits == 100},
		{"Raider", evs[8].User == user("zed") && evs[8].Count == 42},
		{"Redemption", evs[9].User == user("bob") && evs[9].Reward.Title == "Hydrate" && evs[9].Reward.Cost == 500 && evs[9].Reward.ID != "" && evs[9].Text == "water please"},
		{"PollBegin", evs[10].Poll != nil && evs[10].Poll.ID == "p1" && evs[10].Poll.Title == "Next game?" && len(evs[10].Poll.Choices) == 2 && evs[10].Poll.Status == "ACTIVE"},
		{"PollProgress", evs[11].Poll != nil && len(evs[11].Poll.Choices) == 2 && evs[11].Poll.Choices[1].Votes == 5 && evs[11].Poll.Choices[1].Title == "Hades"},
		{"PollEnd", evs[12].Poll != nil && evs[12].Poll.Status == "COMPLETED" && evs[12].Poll.EndsAt.Equal(poll.EndsAt) && evs[12].Poll.Choices[0].Votes == 3},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: wrong event: %+v", c.name, evs)
		}
	}
}

// TestEventSubRoutesByBroadcasterID: a notification reaches its channel by
// the broadcaster's id its subscription names, not by the login in the
// payload, which changes when the broadcaster renames; a payload about
// another broadcaster than its subscription's is dropped.
func TestEventSubRoutesByBroadcasterID(t *testing.T) {
	r := startEventSub(t, []string{"alice"}, func(r *eventSubRig) {
		r.tokens.set("alice", r.api.IssueToken("alice", allScopes, time.Hour))
	})
	r.waitSubscribed(t, "alice", len(Subscriptions))
	renamed := func(n twitchtest.Notification, prefix string) twitchtest.Notification {
		n.Event[prefix+"user_login"], n.Event[prefix+"user_name"] = "alice_2027", "Alice_2027"
		return n
	}
	started := time.Date(2027, 1, 2, 20, 0, 0, 0, time.UTC)
	poll := twitchtest.Poll{ID: "p1", Title: "Next?", Choices: []string{"a", "b"}, StartedAt: started, EndsAt: started.Add(time.Minute)}
	notes := []twitchtest.Notification{
		renamed(twitchtest.Follow("alice", "bob"), "broadcaster_"),
		renamed(twitchtest.Raid("zed", "alice", 7), "to_broadcaster_"),
		renamed(twitchtest.PollBegin("alice", poll), "broadcaster_"),
		renamed(twitchtest.StreamOnline("alice", started), "broadcaster_"),
	}
	for _, n := range notes {
		if ids := r.api.Notify(n, 1); len(ids) != 1 {
			t.Fatalf("%s reached %d subscriptions, want 1", n.Type, len(ids))
		}
	}
	testenv.WaitFor(t, 10*time.Second, "the renamed broadcaster's events", func() bool { return r.got.Count() >= len(notes) })
	for _, ev := range r.events() {
		if ev.Channel != "alice" || ev.ChannelID != twitchtest.UserID("alice") {
			t.Errorf("%s reached channel %q (id %q), want alice by her id", ev.Kind, ev.Channel, ev.ChannelID)
		}
	}

	// A payload naming another broadcaster than the subscription it came
	// for is not the channel's.
	stray := twitchtest.Follow("alice", "carl")
	stray.Event["broadcaster_user_id"] = twitchtest.UserID("mallory")
	r.api.Notify(stray, 1)
	r.api.Notify(twitchtest.Follow("alice", "dana"), 1)
	testenv.WaitFor(t, 10*time.Second, "dana's follow", func() bool { return r.got.Count() >= len(notes)+1 })
	evs := r.events()
	if last := evs[len(evs)-1]; len(evs) != len(notes)+1 || last.User.Login != "dana" {
		t.Fatalf("events %+v, want the stray follow dropped and dana's delivered", evs[len(notes):])
	}
	r.obs.mu.Lock()
	defer r.obs.mu.Unlock()
	if !slices.Equal(r.obs.malformed, []string{"channel"}) {
		t.Errorf("malformed %q, want the stray follow counted as channel", r.obs.malformed)
	}
}

func TestEventSubSubscribesToWhatTheTokenAllows(t *testing.T) {
	t.Parallel()
	r := startEventSub(t, []string{"alice", "bob"}, func(r *eventSubRig) {
		r.tokens.set("alice", r.api.IssueToken("alice", []string{"bits:read"}, time.Hour))
		// bob never signed in.
	})
	r.waitSubscribed(t, "alice", 4)
	if got, want := r.enabled("alice"), []string{"channel.cheer", "channel.raid", "stream.offline", "stream.online"}; !slices.Equal(got, want) {
		t.Fatalf("subscriptions %q, want %q", got, want)
	}
	testenv.WaitFor(t, 5*time.Second, "advice for bob", func() bool {
		return strings.Contains(r.logs.String(), "hearth auth login --channel bob")
	})
	if got := r.enabled("bob"); len(got) != 0 {
		t.Errorf("bob has subscriptions %q without a token", got)
	}
}

func TestEventSubFollowsSessionReconnect(t *testing.T) {
	t.Parallel()
	r := startEventSub(t, []string{"alice"}, func(r *eventSubRig) {
		r.tokens.set("alice", r.api.IssueToken("alice", allScopes, time.Hour))
	})
	r.waitSubscribed(t, "alice", len(Subscriptions))
	before := r.api.EventSubSubscriptions("alice")
	if n := r.api.ReconnectEventSub(); n != 1 {
		t.Fatalf("%d sessions asked to reconnect, want 1", n)
	}
	// Sent while the client moves: on the old connection until the new one
	// is welcomed, on the new one after.
	const follows = 200
	for i := range follows {
		r.api.Notify(twitchtest.Follow("alice", "viewer"+strings.Repeat("x", i%3)+string(rune('a'+i%26))), 1)
	}
	testenv.WaitFor(t, 10*time.Second, "a second welcome", func() bool { return r.api.EventSubWelcomes() == 2 })
	testenv.WaitFor(t, 10*time.Second, "every follow", func() bool { return r.got.Count() == follows })
	after := r.api.EventSubSubscriptions("alice")
	if len(after) != len(before) {
		t.Fatalf("%d subscriptions after the reconnect, want the %d from before", len(after), len(before))
	}
	for i := range after {
		if after[i].ID != before[i].ID || after[i].Status != twitchtest.StatusEnabled {
			t.Errorf("subscription %s: %+v after the reconnect, want it kept", before[i].Type, after[i])
		}
	}
	r.api.Notify(twitchtest.Raid("zed", "alice", 3), 1)
	testenv.WaitFor(t, 10*time.Second, "a raid after the reconnect", func() bool { return r.got.Count() == follows+1 })
	r.obs.mu.Lock()
	defer r.obs.mu.Unlock()
	if r.obs.reconnects["session_reconnect"] != 1 || r.obs.reconnects["keepalive_timeout"]+r.obs.reconnects["error"] != 0 {
		t.Errorf("reconnects %v, want one session_reconnect only", r.obs.reconnects)
	}
}

func TestEventSubReconnectsAfterKeepaliveTimeout(t *testing.T) {
	t.Parallel()
	r := startEventSub(t, []string{"alice"}, func(r *eventSubRig) {
		r.tokens.set("alice", r.api.IssueToken("alice", allScopes, time.Hour))
		r.api.SetEventSubKeepalive(time.Second)
	})
	r.waitSubscribed(t, "alice", len(Subscriptions))
	first := r.api.EventSubSessions()
	r.api.StallEventSub(true)
	testenv.WaitFor(t, 20*time.Second, "a keepalive timeout", func() bool {
		r.obs.mu.Lock()
		defer r.obs.mu.Unlock()
		return r.obs.reconnects["keepalive_timeout"] == 1
	})
	r.api.StallEventSub(false)
	// The dead connection is closed, so Twitch ends its session and
	// disables its subscriptions; the new session holds them all. Counting
	// enabled subscriptions alone would also match the old session's.
	r.waitSessionSubscribed(t, "alice", first, len(Subscriptions))
	if n := r.api.EventSubWelcomes(); n != 2 {
		t.Errorf("%d welcomes, want 2", n)
	}
	r.api.Notify(twitchtest.Follow("alice", "bob"), 1)
	testenv.WaitFor(t, 10*time.Second, "a follow on the new session", func() bool { return r.got.Count() == 1 })
}

// waitSessionSubscribed waits until the fake has one open session, none of
// those in before, and it holds all n enabled subscriptions of
// broadcaster.
func (r *eventSubRig) waitSessionSubscribed(t *testing.T, broadcaster string, before []string, n int) {
	t.Helper()
	testenv.WaitFor(t, 20*time.Second, "a single open session, new, holding every subscription", func() bool {
		open := r.api.EventSubSessions()
		if len(open) != 1 || slices.Contains(before, open[0]) {
			return false
		}
		enabled := 0
		for _, s := range r.api.EventSubSubscriptions(broadcaster) {
			if s.Status != twitchtest.StatusEnabled {
				continue
			}
			if s.SessionID != open[0] {
				return false
			}
			enabled++
		}
		return enabled == n
	})
}

// TestEventSubClosesAConnectionThatTimedOut has a connection's keepalive
// timeout pass: the socket must be closed, or Twitch keeps its session
// open, with its subscriptions enabled, until the garbage collector
// happens to finalise the socket.
func TestEventSubClosesAConnectionThatTimedOut(t *testing.T) {
	t.Parallel()
	r := newEventSubRig(t)
	tok := r.api.IssueToken("alice", allScopes, time.Hour)
	r.tokens.set("alice", tok)
	cfg := r.config()
	cfg.Channels = []string{"alice"}
	es, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	token, err := r.tokens.Token(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	specs, err := es.channelPlan("alice")(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	c := &connection{e: es, st: newGroupState("alice", cfg.Channels), tok: token, subs: specs, created: make(map[string]spec)}
	frames := make(chan frame, 64)
	sock, err := c.dial(ctx, cfg.URL, frames)
	if err != nil {
		t.Fatal(err)
	}
	f := <-frames
	if f.err != nil || f.msg.Metadata.MessageType != "session_welcome" || f.msg.Payload.Session == nil {
		t.Fatalf("first frame %+v, want a welcome", f)
	}
	// A subscribed session is one the fake never closes by itself.
	if !c.subscribe(ctx, f.msg.Payload.Session.ID) {
		t.Fatal("cannot subscribe")
	}
	if got := r.api.EventSubSessions(); len(got) != 1 {
		t.Fatalf("%d open sessions, want 1", len(got))
	}
	_ = sock.ws.SetReadDeadline(time.Now()) // the keepalive timeout passes
	for f = range frames {
		if f.err != nil {
			break
		}
	}
	var ne interface{ Timeout() bool }
	if !errors.As(f.err, &ne) || !ne.Timeout() {
		t.Fatalf("the socket ended with %v, want a timeout", f.err)
	}
	testenv.WaitFor(t, 10*time.Second, "the fake to see the connection closed", func() bool { return len(r.api.EventSubSessions()) == 0 })
	for _, s := range r.api.EventSubSubscriptions("alice") {
		if s.Status == twitchtest.StatusEnabled {
			t.Errorf("%s still enabled on the dead session", s.Type)
		}
	}
	runtime.KeepAlive(sock)
}

// TestEventSubSubscribingMayOutlastTheWindows has every subscription
// request take 900 ms, as a distant Twitch may: the 12 subscriptions take
// 10.8 s. Twitch wants only the first within 10 s of the welcome, and
// keeps sending keepalives meanwhile (every second here), so the session
// must stay and end up with all 12, without a reconnect.
func TestEventSubSubscribingMayOutlastTheWindows(t *testing.T) {
	t.Parallel()
	r := startEventSub(t, []string{"alice"}, func(r *eventSubRig) {
		r.tokens.set("alice", r.api.IssueToken("alice", allScopes, time.Hour))
		r.api.SetEventSubKeepalive(time.Second)
		r.api.SetHelixLatency(900 * time.Millisecond)
	})
	r.waitSessionSubscribed(t, "alice", nil, len(Subscriptions))
	if n := r.api.EventSubWelcomes(); n != 1 {
		t.Errorf("%d welcomes, want the first session kept", n)
	}
	r.obs.mu.Lock()
	defer r.obs.mu.Unlock()
	if len(r.obs.reconnects) != 0 {
		t.Errorf("reconnects %v, want none:\n%s", r.obs.reconnects, r.logs.String())
	}
}

func TestEventSubRevocation(t *testing.T) {
	t.Parallel()
	r := startEventSub(t, []string{"alice"}, func(r *eventSubRig) {
		r.tokens.set("alice", r.api.IssueToken("alice", allScopes, time.Hour))
		r.api.SetEventSubKeepalive(time.Second)
	})
	r.waitSubscribed(t, "alice", len(Subscriptions))
	if n := r.api.Revoke("channel.follow", "alice", twitchtest.StatusAuthorizationRevoke); n != 1 {
		t.Fatalf("%d revoked, want 1", n)
	}
	testenv.WaitFor(t, 10*time.Second, "the revocation", func() bool {
		r.obs.mu.Lock()
		defer r.obs.mu.Unlock()
		return slices.Equal(r.obs.revoked, []string{"channel.follow"})
	})
	// The observer is told before the line is logged: wait for the line
	// too rather than read the log the moment the count shows.
	testenv.WaitFor(t, 10*time.Second, "the revocation's status in the log", func() bool {
		return strings.Contains(r.logs.String(), "authorization_revoked")
	})
	r.obs.mu.Lock()
	revoked := slices.Clone(r.obs.revoked)
	r.obs.mu.Unlock()
	if !slices.Equal(revoked, []string{"channel.follow"}) {
		t.Errorf("revoked %q, want channel.follow once", revoked)
	}
	// A new session with the same token leaves the revoked type out.
	first := r.api.EventSubSessions()
	r.api.StallEventSub(true)
	testenv.WaitFor(t, 20*time.Second, "a keepalive timeout", func() bool { return r.api.EventSubWelcomes() == 1 && r.obsReconnects("keepalive_timeout") == 1 })
	r.api.StallEventSub(false)
	r.waitSessionSubscribed(t, "alice", first, len(Subscriptions)-1)
	if slices.Contains(r.enabled("alice"), "channel.follow") {
		t.Fatal("channel.follow subscribed again with the token it was revoked for")
	}
	// The broadcaster signs in again: the type comes back.
	r.tokens.set("alice", r.api.IssueToken("alice", allScopes, time.Hour))
	r.waitSubscribed(t, "alice", len(Subscriptions))
}

func (r *eventSubRig) obsReconnects(reason string) int {
	r.obs.mu.Lock()
	defer r.obs.mu.Unlock()
	return r.obs.reconnects[reason]
}

func TestNormalizeNotificationRejectsMalformed(t *testing.T) {
	t.Parallel()
	at := time.Now()
	for _, tt := range []struct {
		name, typ, event string
	}{
		{"NotJSON", "channel.follow", `{"user_id":`},
		{"NoChannel", "channel.follow", `{"user_id":"1","user_login":"bob","user_name":"Bob"}`},
		{"BadUserID", "channel.follow", `{"user_id":"x1","user_login":"bob","user_name":"Bob","broadcaster_user_login":"alice"}`},
		{"NamedButNoUser", "channel.subscribe", `{"user_id":null,"broadcaster_user_login":"alice","broadcaster_user_id":"2"}`},
		{"RewardMissing", "channel.channel_points_custom_reward_redemption.add", `{"user_id":"1","user_login":"bob","broadcaster_user_login":"alice"}`},
		{"PollWithoutID", "channel.poll.begin", `{"broadcaster_user_login":"alice","title":"x"}`},
		{"HostileLogin", "channel.raid", `{"from_broadcaster_user_id":"1","from_broadcaster_user_login":"<script>","to_broadcaster_user_login":"alice"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NormalizeNotification(tt.typ, []byte(tt.event), "m1", at)
			if _, ok := err.(*stream.MalformedError); !ok {
				t.Fatalf("err %v, want a *stream.MalformedError", err)
			}
		})
	}
	if _, err := NormalizeNotification("channel.ban", []byte(`{}`), "m1", at); err != stream.ErrIgnored {
		t.Errorf("an unknown type: err %v, want stream.ErrIgnored", err)
	}
}

func FuzzNormalizeNotification(f *testing.F) {
	for _, n := range []twitchtest.Notification{
		twitchtest.Follow("alice", "bob"), twitchtest.SubscriptionGift("alice", "", 3), twitchtest.Cheer("alice", "bob", 100, "hi"),
		twitchtest.Raid("zed", "alice", 4), twitchtest.Redemption("alice", "bob", "Hydrate", 10, ""),
		twitchtest.PollEnd("alice", twitchtest.Poll{ID: "p", Title: "t", Choices: []string{"a"}}, "terminated"),
		twitchtest.ChatMessage("alice", twitchtest.Chatter{ID: "7", Login: "bob", Badges: []string{"moderator/1"}}, "cheer5 hi", 5),
	} {
		data, _ := json.Marshal(n.Event)
		f.Add(n.Type, data)
	}
	f.Fuzz(func(t *testing.T, typ string, event []byte) {
		ev, err := NormalizeNotification(typ, event, "m1", time.Unix(1, 0))
		if err != nil {
			return
		}
		if ev.Channel == "" || !hearth.ValidLogin(ev.Channel) || ev.ID == "" {
			t.Fatalf("accepted an event without a valid channel or id: %+v", ev)
		}
	})
}

func TestEventSubChat(t *testing.T) {
	t.Parallel()
	bob := twitchtest.Chatter{ID: twitchtest.UserID("bob"), Login: "bob", DisplayName: "Bob", Badges: []string{"subscriber/6", "vip/1"}}
	r := startEventSubChat(t, []string{ScopeReadChat, ScopeWriteChat})
	testenv.WaitFor(t, 15*time.Second, "the chat subscription", func() bool { return slices.Equal(r.enabled("alice"), []string{"channel.chat.message"}) })
	for _, s := range r.api.EventSubSubscriptions("alice") {
		if s.UserID != twitchtest.UserID("hearthbot") || s.Condition["user_id"] != twitchtest.UserID("hearthbot") {
			t.Errorf("the chat subscription was made as %s with condition %v, want the bot's", s.UserID, s.Condition)
		}
	}
	n := twitchtest.ChatMessage("alice", bob, "cheer100 hello chat", 100)
	r.api.Notify(n, 2)
	testenv.WaitFor(t, 10*time.Second, "the message", func() bool { return r.got.Count() == 1 })
	ev := r.events()[0]
	want := hearth.Event{Kind: hearth.EventChat, Channel: "alice", ChannelID: twitchtest.UserID("alice"), ID: n.Event["message_id"].(string),
		User: hearth.Identity{ID: bob.ID, Login: "bob", DisplayName: "Bob"}, Roles: hearth.RoleSubscriber | hearth.RoleVIP, Text: "cheer100 hello chat", Bits: 100,
		Badges: []string{"subscriber", "vip"}}
	ev.Time = time.Time{}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("event %+v\nwant  %+v", ev, want)
	}

	// Replies go out through Helix Send Chat Message.
	h, err := NewChat(ChatConfig{
		URL: r.api.HelixURL() + "/chat/messages", ClientID: r.api.ClientID(), Tokens: r.tokens,
		BroadcasterID: func(context.Context, string) (string, error) { return twitchtest.UserID("alice"), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.Run(ctx)
	h.Say("alice", "bob has 60 points")
	testenv.WaitFor(t, 10*time.Second, "the reply", func() bool { return len(r.api.SentChat("alice")) == 1 })
	if got := r.api.SentChat("alice"); got[0] != "bob has 60 points" {
		t.Errorf("sent %q", got)
	}
	// Twitch delivers the bot's own message too; like IRC, Hearth does
	// not hand it on. The next message from bob is the next event.
	r.api.Notify(twitchtest.ChatMessage("alice", bob, "thanks", 0), 1)
	testenv.WaitFor(t, 10*time.Second, "bob's next message", func() bool { return r.got.Count() == 2 })
	if next := r.events()[1]; next.User.Login != "bob" || next.Text != "thanks" {
		t.Errorf("the event after the reply is %+v, want bob's next message (the bot's own left out)", next)
	}
}

func TestEventSubChatNeedsTheBotsScope(t *testing.T) {
	t.Parallel()
	r := startEventSubChat(t, []string{"chat:read"})
	testenv.WaitFor(t, 5*time.Second, "advice", func() bool {
		return strings.Contains(r.logs.String(), "lacks user:read:chat") && strings.Contains(r.logs.String(), "hearth auth login --bot")
	})
	if got := r.enabled("alice"); len(got) != 0 {
		t.Errorf("subscriptions %q without the scope", got)
	}
}

// startEventSubChat reads alice's chat over EventSub with a bot token
// holding botScopes; alice granted channel:bot.
func startEventSubChat(t *testing.T, botScopes []string) *eventSubRig {
	t.Helper()
	r := newEventSubRig(t)
	r.tokens.set(hearth.TokenBot, r.api.IssueToken("hearthbot", botScopes, time.Hour))
	r.api.IssueToken("alice", []string{ScopeChannelBot}, time.Hour)
	cfg := r.config()
	cfg.ChatChannels = []string{"alice"}
	cfg.BroadcasterID = func(context.Context, string) (string, error) { return twitchtest.UserID("alice"), nil }
	runEventSub(t, cfg)
	return r
}

// TestEventSubSpreadsOverConnections reads the chat of more channels than
// one connection may hold: the subscriptions are spread over Twitch's 3
// connections a user, and what does not fit is refused with a clear
// message.
func TestEventSubSpreadsOverConnections(t *testing.T) {
	t.Parallel()
	const channels = 3*MaxSubscriptionsPerConnection + 1
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	tokens := &fakeTokens{tokens: map[string]hearth.Token{}}
	tokens.set(hearth.TokenBot, api.IssueToken("hearthbot", []string{ScopeReadChat}, time.Hour))
	var names []string
	for i := range channels {
		name := fmt.Sprintf("channel%04d", i)
		names = append(names, name)
		api.IssueToken(name, []string{ScopeChannelBot}, time.Hour)
	}
	logs := &testenv.LogBuffer{}
	runEventSub(t, Config{
		URL:              api.EventSubURL(),
		SubscriptionsURL: api.HelixURL() + "/eventsub/subscriptions",
		ClientID:         api.ClientID(),
		ChatChannels:     names,
		BroadcasterID:    func(_ context.Context, ch string) (string, error) { return twitchtest.UserID(ch), nil },
		Tokens:           tokens,
		Handle:           func(hearth.Event) {},
		Logger:           slog.New(slog.NewTextHandler(logs, nil)),
	})
	enabled := func() (n int) {
		for _, ch := range names {
			for _, s := range api.EventSubSubscriptions(ch) {
				if s.Status == twitchtest.StatusEnabled {
					n++
				}
			}
		}
		return n
	}
	testenv.WaitFor(t, 30*time.Second, "900 subscriptions", func() bool { return enabled() == 3*MaxSubscriptionsPerConnection })
	if got := api.EventSubWelcomes(); got != MaxConnectionsPerUser {
		t.Errorf("%d connections, want %d", got, MaxConnectionsPerUser)
	}
	if !strings.Contains(logs.String(), "Twitch's limit reached") {
		t.Errorf("no clear message about the limit:\n%s", logs.String())
	}
	if got := api.EventSubSubscriptions(names[channels-1]); len(got) != 0 {
		t.Errorf("the channel past the limit has subscriptions %+v", got)
	}
}

// runClient runs EventSub with cfg until the test ends, and returns it.
func runClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	es, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = es.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return es
}

// TestEventSubChannelsAddedAndRemoved adds a channel while EventSub runs
// (it subscribes, and its events arrive) and removes one: its
// subscriptions are deleted from Twitch, not left disabled, and the other
// channel's stay.
func TestEventSubChannelsAddedAndRemoved(t *testing.T) {
	t.Parallel()
	r := newEventSubRig(t)
	scopes := []string{"channel:read:subscriptions"}
	r.tokens.set("alice", r.api.IssueToken("alice", scopes, time.Hour))
	r.tokens.set("bob", r.api.IssueToken("bob", scopes, time.Hour))
	cfg := r.config()
	cfg.Channels = []string{"alice"}
	es := runClient(t, cfg)
	const each = 6 // stream.online and .offline, channel.raid and three subscription types
	r.waitSubscribed(t, "alice", each)

	es.AddChannel("bob", false)
	es.AddChannel("bob", false)
	r.waitSubscribed(t, "bob", each)
	r.api.Notify(twitchtest.StreamOnline("bob", time.Now()), 1)
	testenv.WaitFor(t, 10*time.Second, "bob's event", func() bool {
		for _, ev := range r.events() {
			if ev.Channel == "bob" && ev.Kind == hearth.EventOnline {
				return true
			}
		}
		return false
	})

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := es.RemoveChannel(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if subs := r.api.EventSubSubscriptions("alice"); len(subs) != 0 {
		t.Errorf("after removal alice still has %d subscriptions at Twitch: %+v", len(subs), subs)
	}
	if got := r.enabled("bob"); len(got) != each {
		t.Errorf("removing alice left bob %v", got)
	}
	if err := es.RemoveChannel(ctx, "nobody"); err != nil {
		t.Errorf("removing a channel not watched: %v", err)
	}
}

// TestEventSubChatChannelRemoved removes a channel whose chat comes over
// EventSub: its chat subscription is deleted, and the other channel's
// chat keeps coming, on the bot's new connection.
func TestEventSubChatChannelRemoved(t *testing.T) {
	t.Parallel()
	r := newEventSubRig(t)
	r.tokens.set(hearth.TokenBot, r.api.IssueToken("hearthbot", []string{ScopeReadChat}, time.Hour))
	r.api.IssueToken("alice", []string{ScopeChannelBot}, time.Hour)
	r.api.IssueToken("carol", []string{ScopeChannelBot}, time.Hour)
	cfg := r.config()
	cfg.ChatChannels = []string{"alice", "carol"}
	cfg.BroadcasterID = func(_ context.Context, ch string) (string, error) { return twitchtest.UserID(ch), nil }
	es := runClient(t, cfg)
	r.waitSubscribed(t, "alice", 1)
	r.waitSubscribed(t, "carol", 1)
	welcomes := r.api.EventSubWelcomes()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := es.RemoveChannel(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if subs := r.api.EventSubSubscriptions("alice"); len(subs) != 0 {
		t.Errorf("after removal alice's chat still has subscriptions: %+v", subs)
	}
	testenv.WaitFor(t, 10*time.Second, "carol's chat on a new connection", func() bool {
		return r.api.EventSubWelcomes() > welcomes && len(r.enabled("carol")) == 1
	})

	// Added back, with chat, it is subscribed again.
	es.AddChannel("alice", true)
	r.waitSubscribed(t, "alice", 1)
}
