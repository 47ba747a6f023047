package engine

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// TestLeaderboardAndForget: the leaderboard ranks the running channel's
// viewers; forgetting one takes them off it and out of the store before
// it returns, and a second time is ENOTFOUND.
func TestLeaderboardAndForget(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	e := startEngine(t, st, Options{EventClock: true})
	ctx := context.Background()
	for i, login := range []string{"ann", "bob", "ann", "ann"} {
		e.Handle(chat(i, login))
	}
	b, err := e.Leaderboard(ctx, "chan", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Entries) != 2 || b.Entries[0].Login != "ann" || b.Entries[1].Login != "bob" || b.Entries[0].Points <= b.Entries[1].Points {
		t.Fatalf("leaderboard %+v, want ann above bob", b)
	}
	if v, err := e.Viewer(ctx, "chan", "Bob"); err != nil || v.Login != "bob" || v.Points != b.Entries[1].Points {
		t.Fatalf("viewer bob: %+v, %v; want bob with %d points", v, err, b.Entries[1].Points)
	}
	forgot, err := e.Forget(ctx, "chan", "@Bob")
	if err != nil || forgot.Login != "bob" {
		t.Fatalf("forget bob: %+v, %v", forgot, err)
	}
	if n, _ := stored(t, st); n != 1 {
		t.Fatalf("%d viewers stored once Forget returned, want 1", n)
	}
	if b, _ := e.Leaderboard(ctx, "chan", 10); len(b.Entries) != 1 || b.Entries[0].Login != "ann" {
		t.Fatalf("leaderboard after forgetting bob %+v", b)
	}
	if _, err := e.Viewer(ctx, "chan", "bob"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("viewer bob once forgotten: %v, want ENOTFOUND", err)
	}
	if _, err := e.Forget(ctx, "chan", "bob"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("forget bob again: %v, want ENOTFOUND", err)
	}
	if _, err := e.Leaderboard(ctx, "elsewhere", 10); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("leaderboard of a channel not served: %v, want ENOTFOUND", err)
	}
	if !e.Serves("chan") || e.Serves("elsewhere") {
		t.Fatal("Serves does not name the channels started")
	}
}

// TestAdjustPoints: points given and taken back change balance and
// lifetime and are written; bad changes are refused with their code.
func TestAdjustPoints(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	e := startEngine(t, st, Options{EventClock: true})
	ctx := context.Background()
	e.Handle(chat(0, "ann"))
	before, err := e.Leaderboard(ctx, "chan", 1)
	if err != nil || len(before.Entries) != 1 {
		t.Fatalf("leaderboard %+v, %v", before, err)
	}
	had := before.Entries[0].Points
	t.Run("Add", func(t *testing.T) {
		v, err := e.AdjustPoints(ctx, "chan", "ann", 100, "won the quiz")
		if err != nil || v.Points != had+100 || v.LifetimePoints != had+100 {
			t.Fatalf("add 100: %+v, %v; want %d points", v, err, had+100)
		}
		if err := e.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		vs, err := st.Viewers(ctx, "chan")
		if err != nil || len(vs) != 1 || vs[0].Points != had+100 {
			t.Fatalf("stored %+v, %v", vs, err)
		}
	})
	t.Run("RemoveMoreThanBalance", func(t *testing.T) {
		v, err := e.AdjustPoints(ctx, "chan", "ann", -(had + 1000), "refund")
		if err != nil || v.Points != 0 || v.LifetimePoints != 0 {
			t.Fatalf("remove more than the balance: %+v, %v; want 0", v, err)
		}
	})
	for _, tc := range []struct {
		name, login, reason string
		delta               int64
		code                string
	}{
		{"NoReason", "ann", "", 5, hearth.EINVALID},
		{"Zero", "ann", "nothing", 0, hearth.EINVALID},
		{"TooMany", "ann", "too much", 1 << 40, hearth.EINVALID},
		{"UnknownViewer", "zed", "prize", 5, hearth.ENOTFOUND},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.AdjustPoints(ctx, "chan", tc.login, tc.delta, tc.reason); hearth.ErrorCode(err) != tc.code {
				t.Fatalf("%v, want %s", err, tc.code)
			}
		})
	}
	if _, err := e.AdjustPoints(ctx, "elsewhere", "ann", 5, "prize"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("adjust in a channel not served: %v, want ENOTFOUND", err)
	}
}

// TestChatPollThroughTheAPI: a chat poll starts, reads back as current,
// refuses a second one, and once ended is written before EndPoll returns.
func TestChatPollThroughTheAPI(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	e := startEngine(t, st, Options{EventClock: true})
	ctx := context.Background()
	e.Handle(chat(0, "ann"))
	if _, ok, err := e.CurrentPoll(ctx, "chan"); err != nil || ok {
		t.Fatalf("current poll before any: %v, %v", ok, err)
	}
	req := hearth.PollRequest{Question: "Best?", Options: []string{"a", "b"}, DurationSeconds: 60}
	for _, tc := range []struct {
		name string
		req  hearth.PollRequest
	}{
		{"DurationTooShort", hearth.PollRequest{Question: "Q", Options: []string{"a", "b"}, DurationSeconds: 5}},
		{"DurationOverflows", hearth.PollRequest{Question: "Q", Options: []string{"a", "b"}, DurationSeconds: 1 << 62}},
		{"OneOption", hearth.PollRequest{Question: "Q", Options: []string{"a"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.StartPoll(ctx, "chan", tc.req); hearth.ErrorCode(err) != hearth.EINVALID {
				t.Fatalf("%v, want EINVALID", err)
			}
		})
	}
	p, err := e.StartPoll(ctx, "chan", req)
	if err != nil || p.Status != hearth.PollOpen || p.Kind == hearth.PollNative {
		t.Fatalf("start: %+v, %v", p, err)
	}
	if cur, ok, err := e.CurrentPoll(ctx, "chan"); err != nil || !ok || cur.ID != p.ID {
		t.Fatalf("current %+v, %v, %v; want %s", cur, ok, err, p.ID)
	}
	if _, err := e.StartPoll(ctx, "chan", req); hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Fatalf("second poll: %v, want ECONFLICT", err)
	}
	if _, err := e.EndPoll(ctx, "chan", "no-such-poll", false); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("end an unknown poll: %v, want ENOTFOUND", err)
	}
	ended, err := e.EndPoll(ctx, "chan", p.ID, true)
	if err != nil || ended.Status != hearth.PollCancelled {
		t.Fatalf("cancel: %+v, %v", ended, err)
	}
	got, err := st.Poll(ctx, "chan", p.ID)
	if err != nil || got.Status != ended.Status {
		t.Fatalf("stored once EndPoll returned: %+v, %v; want status %s", got, err, ended.Status)
	}
}

// nativePolls records what the engine asks of Twitch.
type nativePolls struct {
	mu      sync.Mutex
	created []string
	ended   []string
	refuse  error
}

func (n *nativePolls) CreatePoll(_ context.Context, _, title string, _ []string, _ time.Duration) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.refuse != nil {
		return "", n.refuse
	}
	n.created = append(n.created, title)
	return "tw-1", nil
}

func (n *nativePolls) EndPoll(_ context.Context, _, id string, cancel bool) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if cancel {
		id += " cancelled"
	}
	n.ended = append(n.ended, id)
	return nil
}

// TestNativePollThroughTheAPI: without Twitch a native poll is refused
// with ECONFLICT; with it the poll is made on Twitch, mirrored at once,
// and ended through Twitch.
func TestNativePollThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := startEngine(t, newStore(t), Options{EventClock: true})
	ctx := context.Background()
	e.Handle(chat(0, "ann"))
	req := hearth.PollRequest{Question: "Native?", Options: []string{"yes", "no"}, DurationSeconds: 60, Native: true}
	if _, err := e.StartPoll(ctx, "chan", req); hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Fatalf("native poll without Twitch: %v, want ECONFLICT", err)
	}
	tw := &nativePolls{refuse: hearth.Errorf(hearth.EUNAUTHORIZED, "not an Affiliate")}
	e.SetNativePolls(tw)
	if _, err := e.StartPoll(ctx, "chan", req); hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Fatalf("native poll Twitch refuses: %v, want ECONFLICT", err)
	}
	tw.refuse = nil
	p, err := e.StartPoll(ctx, "chan", req)
	if err != nil || p.ID != "tw-1" || p.Kind != hearth.PollNative || p.Status != hearth.PollOpen {
		t.Fatalf("native poll: %+v, %v", p, err)
	}
	if _, err := e.EndPoll(ctx, "chan", "tw-1", true); err != nil {
		t.Fatal(err)
	}
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if len(tw.created) != 1 || len(tw.ended) != 1 || tw.ended[0] != "tw-1 cancelled" {
		t.Fatalf("asked Twitch to create %v and end %v", tw.created, tw.ended)
	}
}
