package helix

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// helixTokens hands out tokens the fake API issued, by subject. A subject
// listed in stale first gets a token Twitch refuses, and the fresh one
// only after Invalidate, as a refresh would.
type helixTokens struct {
	mu          sync.Mutex
	toks        map[string]hearth.Token
	stale       map[string]bool
	invalidated []string
}

func (f *helixTokens) Token(_ context.Context, subject string) (hearth.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.toks[subject]
	if !ok {
		return hearth.Token{}, hearth.Errorf(hearth.ENOTFOUND, "nobody signed in for %s", subject)
	}
	if f.stale[subject] {
		t.Access = "refused-" + t.Access
	}
	return t, nil
}

func (f *helixTokens) Invalidate(subject string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.invalidated = append(f.invalidated, subject)
	delete(f.stale, subject)
}

// issue signs login in as subject with scopes (nil: a token whose scopes
// Hearth does not know, as one given in the configuration).
func (f *helixTokens) issue(api *twitchtest.API, subject, login string, scopes []string) {
	t := api.IssueToken(login, scopes, time.Hour)
	f.mu.Lock()
	defer f.mu.Unlock()
	tok := hearth.Token{Subject: subject, UserID: t.UserID, Login: t.Login, Access: t.Access, Scopes: scopes}
	if scopes == nil {
		tok.UserID = "" // learnt from Get Users, as for a configured token
	}
	f.toks[subject] = tok
}

// helixIDs keeps broadcaster ids in memory.
type helixIDs struct {
	mu  sync.Mutex
	ids map[string]string
}

func (m *helixIDs) BroadcasterID(_ context.Context, ch string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id, ok := m.ids[ch]; ok {
		return id, nil
	}
	return "", hearth.Errorf(hearth.ENOTFOUND, "no id for %s", ch)
}

func (m *helixIDs) SetBroadcasterID(_ context.Context, ch, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ids[ch] = id
	return nil
}

// helixCalls counts what the client reports to its observer.
type helixCalls struct {
	mu       sync.Mutex
	n        map[string]int // "endpoint code"
	degraded bool
}

func (r *helixCalls) HelixRequest(endpoint, code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n[endpoint+" "+code]++
}

func (r *helixCalls) HelixDegraded(d bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.degraded = d
}

func (r *helixCalls) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[key]
}

type helixWorld struct {
	api    *twitchtest.API
	tokens *helixTokens
	ids    *helixIDs
	obs    *helixCalls
	h      *Client
	mu     sync.Mutex
	events []hearth.Event
}

func newHelixWorld(t *testing.T, channels ...string) *helixWorld {
	t.Helper()
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	w := &helixWorld{api: api, tokens: &helixTokens{toks: map[string]hearth.Token{}, stale: map[string]bool{}},
		ids: &helixIDs{ids: map[string]string{}}, obs: &helixCalls{n: map[string]int{}}}
	w.h, err = New(Config{
		BaseURL: api.HelixURL(), ClientID: api.ClientID(), Tokens: w.tokens, Channels: channels, IDs: w.ids,
		Handle: func(ev hearth.Event) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.events = append(w.events, ev)
		},
		Observer: w.obs,
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// take returns the events handled since the last call, as "kind channel
// count" strings (chatter lists as their logins).
func (w *helixWorld) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, ev := range w.events {
		s := ev.Kind.String() + " " + ev.Channel
		switch ev.Kind {
		case hearth.EventViewerCount:
			s += fmt.Sprint(" ", ev.Count)
		case hearth.EventChatters:
			s += fmt.Sprint(" ", len(ev.Chatters))
		}
		if ev.ChannelID != twitchtest.UserID(ev.Channel) {
			s += " wrong-channel-id"
		}
		out = append(out, s)
	}
	w.events = nil
	return out
}

func (w *helixWorld) poll(t *testing.T) {
	t.Helper()
	if err := w.h.Poll(context.Background()); err != nil {
		t.Fatalf("Poll: %v", err)
	}
}

func sameEvents(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func manyChatters(n int) []twitchtest.Chatter {
	out := make([]twitchtest.Chatter, n)
	for i := range out {
		login := fmt.Sprintf("lurker%04d", i)
		out[i] = twitchtest.Chatter{ID: twitchtest.UserID(login), Login: login, DisplayName: "Lurker" + login[6:]}
	}
	return out
}

// TestHelixPolling: live status, viewer counts and paginated chatter lists
// become events; the broadcaster id is resolved once and stored.
func TestHelixPolling(t *testing.T) {
	t.Parallel()
	w := newHelixWorld(t, "alpha", "beta")
	w.tokens.issue(w.api, hearth.TokenBot, "hearthbot", nil)
	w.tokens.issue(w.api, "alpha", "alpha", []string{ScopeReadChatters})
	w.api.SetLive("alpha", 420)
	w.api.SetChatters("alpha", manyChatters(2500))

	w.poll(t)
	sameEvents(t, w.take(), "online alpha", "viewer_count alpha 420", "chatters alpha 2500", "offline beta")
	if got := w.obs.count("chatters 200"); got != 3 {
		t.Errorf("%d Get Chatters pages, want 3 of 1,000 at most", got)
	}
	if w.ids.ids["alpha"] != twitchtest.UserID("alpha") || w.ids.ids["beta"] != twitchtest.UserID("beta") {
		t.Errorf("stored ids %v", w.ids.ids)
	}

	w.api.SetLive("alpha", 500)
	w.api.SetChatters("alpha", manyChatters(3))
	w.api.SetLive("beta", 7)
	w.poll(t)
	sameEvents(t, w.take(), "viewer_count alpha 500", "chatters alpha 3", "online beta", "viewer_count beta 7")

	users := w.api.HelixRequests(twitchtest.HelixUsers)
	w.api.SetOffline("alpha")
	w.poll(t)
	sameEvents(t, w.take(), "offline alpha", "viewer_count beta 7")
	if got := w.api.HelixRequests(twitchtest.HelixUsers); got != users {
		t.Errorf("Get Users asked again (%d times, then %d): ids and the bot's user id are kept", users, got)
	}
}

// TestHelixChattersNeedAModerator: without a token allowed to read a
// channel's chatters, polling still reports live status and viewers.
func TestHelixChattersNeedAModerator(t *testing.T) {
	t.Parallel()
	w := newHelixWorld(t, "alpha")
	w.tokens.issue(w.api, hearth.TokenBot, "hearthbot", nil) // not a moderator of alpha
	w.api.SetLive("alpha", 12)
	w.api.SetChatters("alpha", manyChatters(5))
	w.poll(t)
	sameEvents(t, w.take(), "online alpha", "viewer_count alpha 12")
	if got := w.obs.count("chatters 401"); got != 1 {
		t.Errorf("chatters 401 (missing scope) counted %d times, want 1", got)
	}
	if len(w.tokens.invalidated) != 0 {
		t.Errorf("a missing scope invalidated %v", w.tokens.invalidated)
	}
	w.poll(t) // not asked again for a while
	sameEvents(t, w.take(), "viewer_count alpha 12")
	if got := w.api.HelixRequests(twitchtest.HelixChatters); got != 1 {
		t.Errorf("Get Chatters asked %d times, want once", got)
	}

	// The bot with the scope where it does not moderate, then where it
	// does.
	w2 := newHelixWorld(t, "alpha")
	w2.tokens.issue(w2.api, hearth.TokenBot, "hearthbot", []string{ScopeReadChatters})
	w2.api.SetLive("alpha", 12)
	w2.api.SetChatters("alpha", manyChatters(5))
	w2.poll(t)
	sameEvents(t, w2.take(), "online alpha", "viewer_count alpha 12")
	if got := w2.obs.count("chatters 403"); got != 1 {
		t.Errorf("chatters 403 counted %d times, want 1", got)
	}
	w2 = newHelixWorld(t, "alpha")
	w2.tokens.issue(w2.api, hearth.TokenBot, "hearthbot", []string{ScopeReadChatters})
	w2.api.SetModerator("alpha", "hearthbot", true)
	w2.api.SetLive("alpha", 12)
	w2.api.SetChatters("alpha", manyChatters(5))
	w2.poll(t)
	sameEvents(t, w2.take(), "online alpha", "viewer_count alpha 12", "chatters alpha 5")
}

// TestHelixRefreshesOn401: a refused token is invalidated and the request
// made once more with a fresh one.
func TestHelixRefreshesOn401(t *testing.T) {
	t.Parallel()
	w := newHelixWorld(t, "alpha")
	w.tokens.issue(w.api, hearth.TokenBot, "hearthbot", nil)
	w.tokens.stale[hearth.TokenBot] = true
	w.api.SetLive("alpha", 3)
	w.poll(t)
	sameEvents(t, w.take(), "online alpha", "viewer_count alpha 3")
	if len(w.tokens.invalidated) != 1 || w.tokens.invalidated[0] != hearth.TokenBot {
		t.Fatalf("invalidated %v, want [bot]", w.tokens.invalidated)
	}
	if w.obs.count("users 401") != 1 {
		t.Errorf("the 401 was not counted: %v", w.obs.n)
	}

	// A token refused after the refresh too fails the poll, naming whose
	// token it was and never the token.
	w.tokens.stale[hearth.TokenBot] = true
	w.tokens.mu.Lock()
	tok := w.tokens.toks[hearth.TokenBot]
	tok.Access = "revoked"
	w.tokens.toks[hearth.TokenBot] = tok
	w.tokens.mu.Unlock()
	err := w.h.Poll(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "bot token") || strings.Contains(err.Error(), "revoked") {
		t.Fatalf("Poll with a revoked token: %v", err)
	}
}

// TestHelixOutage: 5xx and 429 fail a poll with retry advice and degrade
// the client; it recovers when Twitch answers again.
func TestHelixOutage(t *testing.T) {
	t.Parallel()
	w := newHelixWorld(t, "alpha")
	w.tokens.issue(w.api, hearth.TokenBot, "hearthbot", nil)
	w.api.SetLive("alpha", 3)
	w.poll(t)
	w.take()

	w.api.FailHelix(http.StatusServiceUnavailable, -1)
	err := w.h.Poll(context.Background())
	var re *retryError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("Poll during an outage: %v, want a retryable 503", err)
	}
	w.h.setDegraded(err)
	if d := w.h.Degraded(); len(d) != 1 || !strings.HasPrefix(d[0], "helix: Get Streams: 503") {
		t.Fatalf("Degraded = %q", d)
	}
	if !w.obs.degraded || w.obs.count("streams 503") != 1 {
		t.Fatalf("observer: degraded %v, %v", w.obs.degraded, w.obs.n)
	}

	w.api.FailHelix(http.StatusTooManyRequests, 1)
	err = w.h.Poll(context.Background())
	if !errors.As(err, &re) || re.until.Before(time.Now()) {
		t.Fatalf("Poll after a 429: %v, want retry advice until Twitch's reset", err)
	}

	w.api.HelixRecover()
	w.poll(t)
	w.h.setDegraded(nil)
	if d := w.h.Degraded(); d != nil {
		t.Fatalf("Degraded after recovery = %q", d)
	}
	sameEvents(t, w.take(), "viewer_count alpha 3")
}

// TestBackoff: the wait doubles from the poll interval up to five
// minutes, with half of it random.
func TestBackoff(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n        int
		lo, high time.Duration
	}{{1, 15 * time.Second, 30 * time.Second}, {2, 30 * time.Second, time.Minute}, {4, 2 * time.Minute, 4 * time.Minute}, {30, 150 * time.Second, 5 * time.Minute}} {
		for range 50 {
			if d := backoff(30*time.Second, c.n); d < c.lo || d > c.high {
				t.Fatalf("backoff(30s, %d) = %v, want %v to %v", c.n, d, c.lo, c.high)
			}
		}
	}
}

// TestNativePolls: Create and End Poll with the broadcaster's token, and
// the coded errors for what Twitch or the sign-in does not allow.
func TestNativePolls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newHelixWorld(t, "alpha", "beta", "gamma", "delta")
	w.tokens.issue(w.api, "alpha", "alpha", []string{ScopeManagePolls})
	w.tokens.issue(w.api, "beta", "beta", []string{ScopeManagePolls})
	w.tokens.issue(w.api, "gamma", "gamma", []string{ScopeReadChatters})
	w.api.SetAffiliate("beta", false)

	id, err := w.h.CreatePoll(ctx, "alpha", "Next game?", []string{"Tetris", "Doom"}, 2*time.Minute)
	if err != nil || w.api.PollStatus(id) != "ACTIVE" {
		t.Fatalf("CreatePoll = %q, %v (status %q)", id, err, w.api.PollStatus(id))
	}
	_, err = w.h.CreatePoll(ctx, "alpha", "Another?", []string{"a", "b"}, time.Minute)
	if hearth.ErrorCode(err) != hearth.EINVALID || !strings.Contains(err.Error(), "active poll") {
		t.Errorf("a second poll: %v, want EINVALID naming the active poll", err)
	}
	if err := w.h.EndPoll(ctx, "alpha", id, false); err != nil || w.api.PollStatus(id) != "TERMINATED" {
		t.Fatalf("EndPoll = %v (status %q)", err, w.api.PollStatus(id))
	}
	id2, err := w.h.CreatePoll(ctx, "alpha", "Snack?", []string{"chips", "fruit", "both"}, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.h.EndPoll(ctx, "alpha", id2, true); err != nil || w.api.PollStatus(id2) != "ARCHIVED" {
		t.Fatalf("EndPoll cancel = %v (status %q)", err, w.api.PollStatus(id2))
	}

	for _, c := range []struct {
		name, channel string
		choices       []string
		code, says    string
	}{
		{"OneChoice", "alpha", []string{"only"}, hearth.EINVALID, "choices"},
		{"NotAffiliate", "beta", []string{"a", "b"}, hearth.EUNAUTHORIZED, "partner or affiliate"},
		{"NoScope", "gamma", []string{"a", "b"}, hearth.EUNAUTHORIZED, ScopeManagePolls},
		{"NotSignedIn", "delta", []string{"a", "b"}, hearth.EUNAUTHORIZED, "hearth auth login --channel delta"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := w.h.CreatePoll(ctx, c.channel, "Q?", c.choices, time.Minute)
			if hearth.ErrorCode(err) != c.code || !strings.Contains(hearth.ErrorMessage(err), c.says) {
				t.Fatalf("CreatePoll: %v (code %s), want %s saying %q", err, hearth.ErrorCode(err), c.code, c.says)
			}
		})
	}
}

// TestAnnounce: the bot announces where it moderates with the scope; a
// channel where no token may is EUNAUTHORIZED.
func TestAnnounce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newHelixWorld(t, "alpha", "beta")
	w.tokens.issue(w.api, hearth.TokenBot, "hearthbot", []string{ScopeManageAnnouncement})
	w.api.SetModerator("alpha", "hearthbot", true)
	if err := w.h.Announce(ctx, "alpha", "The poll is over: Tetris wins!", "purple"); err != nil {
		t.Fatal(err)
	}
	got := w.api.Announcements()
	if len(got) != 1 || got[0].Channel != "alpha" || got[0].Message != "The poll is over: Tetris wins!" || got[0].ModeratorID != twitchtest.UserID("hearthbot") {
		t.Fatalf("announcements %+v", got)
	}
	if err := w.h.Announce(ctx, "beta", "hello", ""); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
		t.Fatalf("Announce where the bot does not moderate: %v, want EUNAUTHORIZED", err)
	}
}

// TestHelixChannelsAddedAndRemoved watches a channel added while the
// client runs from the next poll on, and stops asking about one removed.
func TestHelixChannelsAddedAndRemoved(t *testing.T) {
	t.Parallel()
	w := newHelixWorld(t, "alpha")
	w.tokens.issue(w.api, hearth.TokenBot, "hearthbot", nil)
	w.api.SetLive("alpha", 10)
	w.api.SetLive("beta", 20)
	w.poll(t)
	sameEvents(t, w.take(), "online alpha", "viewer_count alpha 10")

	w.h.AddChannel("beta")
	w.h.AddChannel("beta")
	w.poll(t)
	sameEvents(t, w.take(), "viewer_count alpha 10", "online beta", "viewer_count beta 20")
	if w.ids.ids["beta"] != twitchtest.UserID("beta") {
		t.Errorf("the added channel's id was not resolved and stored: %v", w.ids.ids)
	}

	w.h.RemoveChannel("alpha")
	w.poll(t)
	sameEvents(t, w.take(), "viewer_count beta 20")

	// Watched again, its state is reported afresh.
	w.h.AddChannel("alpha")
	w.poll(t)
	sameEvents(t, w.take(), "viewer_count beta 20", "online alpha", "viewer_count alpha 10")
}
