package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// channelData writes one of everything a store keeps about a channel: two
// viewers, a live stream with a presence cut, a poll with a vote, a recap,
// a broadcaster id, settings and the broadcaster's token.
func channelData(t *testing.T, s hearth.Store, name string) {
	t.Helper()
	ctx := context.Background()
	mustEnsure(t, s, name)
	apply(t, s, viewer(name, "1", 100), viewer(name, "2", 200))
	live := stream(name, 1)
	live.EndedAt = time.Time{}
	live.Minutes = 3
	applyStreams(t, s, live)
	endPresence(t, s, name, 4)
	p := poll(name, "p1", base)
	applyPolls(t, s, []hearth.Poll{p}, vote(p, "1", 0))
	applyRecaps(t, s, recap(name, 1, base))
	if err := s.SetBroadcasterID(ctx, name, "id-"+name); err != nil {
		t.Fatalf("SetBroadcasterID(%s): %v", name, err)
	}
	if err := s.SetChannelSettings(ctx, name, []byte(`{"points":{"per_message":7}}`)); err != nil {
		t.Fatalf("SetChannelSettings(%s): %v", name, err)
	}
	if err := s.PutToken(ctx, storedToken(name, name, 3)); err != nil {
		t.Fatalf("PutToken(%s): %v", name, err)
	}
}

// channelDataCount counts what channelData wrote that the store still
// holds for name: viewers, streams, polls, votes, recaps, a broadcaster id,
// settings other than {} and a token.
func channelDataCount(t *testing.T, s hearth.Store, name string) int {
	t.Helper()
	ctx := context.Background()
	n := len(mustViewers(t, s, name)) + len(mustStreams(t, s, name, 10)) + len(mustPolls(t, s, name, "", 10))
	if votes, err := s.PollVotes(ctx, name, "p1"); err == nil {
		n += len(votes)
	}
	n += len(mustRecaps(t, s, name, 0, 10))
	if _, err := s.BroadcasterID(ctx, name); err == nil {
		n++
	}
	if settings, err := s.ChannelSettings(ctx, name); err == nil && string(settings) != "{}" {
		n++
	}
	if _, err := s.StoredToken(ctx, name); err == nil {
		n++
	}
	return n
}

// channelDataRows is what channelDataCount counts after channelData.
const channelDataRows = 2 + 1 + 1 + 1 + 1 + 1 + 1 + 1

func findChannel(t *testing.T, s hearth.Store, name string) (hearth.ChannelInfo, bool) {
	t.Helper()
	for _, c := range mustChannels(t, s) {
		if c.Name == name {
			return c, true
		}
	}
	return hearth.ChannelInfo{}, false
}

func testRemoveChannelKeepsData(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	channelData(t, s, "alpha")
	before := mustEnsure(t, s, "alpha")
	if before.Removed() {
		t.Fatalf("a channel just ensured is removed: %+v", before)
	}
	start := time.Now().Add(-time.Second)
	if err := s.RemoveChannel(ctx, "alpha", false); err != nil {
		t.Fatalf("RemoveChannel: %v", err)
	}
	end := time.Now().Add(time.Second)
	got, ok := findChannel(t, s, "alpha")
	if !ok {
		t.Fatal("a removed channel is no longer listed; it must be, with RemovedAt set")
	}
	if got.RemovedAt.Before(start) || got.RemovedAt.After(end) || got.RemovedAt.Location() != time.UTC {
		t.Errorf("RemovedAt = %v, want a UTC time between %v and %v", got.RemovedAt, start, end)
	}
	if got.OverlayToken != before.OverlayToken || !got.CreatedAt.Equal(before.CreatedAt) {
		t.Errorf("removal changed the record: %+v, was %+v", got, before)
	}
	if n := channelDataCount(t, s, "alpha"); n != channelDataRows {
		t.Errorf("after removal the store holds %d of the channel's %d rows; removal keeps them all", n, channelDataRows)
	}
	// Removing a removed channel again keeps it removed, as it was.
	if err := s.RemoveChannel(ctx, "alpha", false); err != nil {
		t.Fatalf("RemoveChannel again: %v", err)
	}

	back := mustEnsure(t, s, "alpha")
	if back.Removed() || back.OverlayToken != before.OverlayToken {
		t.Errorf("EnsureChannel after removal = %+v, want served again with token %s", back, before.OverlayToken)
	}
	if got, _ := findChannel(t, s, "alpha"); got.Removed() {
		t.Errorf("Channels after EnsureChannel lists alpha removed: %+v", got)
	}
	// A batch for a removed channel writes its rows and leaves it removed.
	if err := s.RemoveChannel(ctx, "alpha", false); err != nil {
		t.Fatal(err)
	}
	apply(t, s, viewer("alpha", "3", 300))
	if got, _ := findChannel(t, s, "alpha"); !got.Removed() {
		t.Errorf("Apply served a removed channel again: %+v", got)
	}
}

func testRemoveChannelForget(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	channelData(t, s, "alpha")
	channelData(t, s, "beta")
	old := mustEnsure(t, s, "alpha")
	for _, ch := range []string{"alpha", "beta"} {
		if _, err := s.AppendAudit(ctx, hearth.AuditEntry{Channel: ch, At: time.Now(), Actor: "operator",
			Role: hearth.AccessOperator, Action: "settings.set"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetGrants(ctx, "alpha", hearth.Grants{PointLimit: 10}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveChannel(ctx, "alpha", false); err != nil {
		t.Fatal(err)
	}
	// A removed channel keeps its audit log: the record of who did what.
	if log, err := s.Audit(ctx, "alpha", 10, 0); err != nil || len(log) != 1 {
		t.Errorf("audit log of a removed channel = %d entries, %v; want 1", len(log), err)
	}
	// Forgetting works on a removed channel as on a served one.
	if err := s.RemoveChannel(ctx, "alpha", true); err != nil {
		t.Fatalf("RemoveChannel(forget): %v", err)
	}
	if _, ok := findChannel(t, s, "alpha"); ok {
		t.Error("a forgotten channel is still listed")
	}
	if n := channelDataCount(t, s, "alpha"); n != 0 {
		t.Errorf("after forgetting the store still holds %d of the channel's rows", n)
	}
	if n := channelDataCount(t, s, "beta"); n != channelDataRows {
		t.Errorf("forgetting alpha left beta %d of its %d rows", n, channelDataRows)
	}
	if _, err := s.StoredToken(ctx, hearth.TokenBot); err == nil {
		t.Error("no bot token was stored, yet one reads back")
	}
	_, err := s.ChannelSettings(ctx, "alpha")
	assertCode(t, err, hearth.ENOTFOUND, "ChannelSettings of a forgotten channel")
	if log, err := s.Audit(ctx, "alpha", 10, 0); err != nil || len(log) != 0 {
		t.Errorf("audit log of a forgotten channel = %d entries, %v; want none", len(log), err)
	}
	if log, err := s.Audit(ctx, "beta", 10, 0); err != nil || len(log) != 1 {
		t.Errorf("forgetting alpha left beta %d audit entries, %v; want 1", len(log), err)
	}

	again := mustEnsure(t, s, "alpha")
	if again.OverlayToken == old.OverlayToken || again.Removed() {
		t.Errorf("a forgotten channel added again = %+v; want a fresh record with a new token", again)
	}
	if settings, err := s.ChannelSettings(ctx, "alpha"); err != nil || string(settings) != "{}" {
		t.Errorf("settings of a forgotten channel added again = %q, %v; want {}", settings, err)
	}
}

func testRemoveChannelUnknown(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	for _, forget := range []bool{false, true} {
		assertCode(t, s.RemoveChannel(ctx, "nobody", forget), hearth.ENOTFOUND, "RemoveChannel of an unknown channel")
	}
	if chs := mustChannels(t, s); len(chs) != 0 {
		t.Errorf("removing an unknown channel created %v", chs)
	}
}

func testChannelSettingsRoundTrip(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	mustEnsure(t, s, "alpha")
	if got, err := s.ChannelSettings(ctx, "alpha"); err != nil || string(got) != "{}" {
		t.Fatalf("settings of a new channel = %q, %v; want {}", got, err)
	}
	want := `{"points":{"per_message":25,"message_cooldown":"45s"},"language":"de","ranks":{"ladder":[{"name":"Neuling ✨","min":0}]}}`
	if err := s.SetChannelSettings(ctx, "alpha", []byte(want)); err != nil {
		t.Fatalf("SetChannelSettings: %v", err)
	}
	if got, err := s.ChannelSettings(ctx, "alpha"); err != nil || string(got) != want {
		t.Errorf("ChannelSettings = %q, %v; want %q as written", got, err, want)
	}
	if err := s.SetChannelSettings(ctx, "alpha", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ChannelSettings(ctx, "alpha"); err != nil || string(got) != "{}" {
		t.Errorf("ChannelSettings after replacing with {} = %q, %v", got, err)
	}

	assertCode(t, s.SetChannelSettings(ctx, "nobody", []byte(`{}`)), hearth.ENOTFOUND, "SetChannelSettings of an unknown channel")
	_, err := s.ChannelSettings(ctx, "nobody")
	assertCode(t, err, hearth.ENOTFOUND, "ChannelSettings of an unknown channel")
	for _, bad := range []string{"", "null", "[]", `"x"`, "{", `{"a":1}{}`, "{\"a\":\"\xff\"}", `{"a":"` + strings.Repeat("x", hearth.MaxSettingsBytes) + `"}`} {
		assertCode(t, s.SetChannelSettings(ctx, "alpha", []byte(bad)), hearth.EINVALID, "SetChannelSettings("+trunc(bad)+")")
	}
	if got, err := s.ChannelSettings(ctx, "alpha"); err != nil || string(got) != "{}" {
		t.Errorf("refused settings changed the stored ones: %q, %v", got, err)
	}
}

func trunc(s string) string {
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}

func testChannelSettingsSurviveRemoval(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	mustEnsure(t, s, "alpha")
	want := `{"language":"fr"}`
	if err := s.SetChannelSettings(ctx, "alpha", []byte(want)); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveChannel(ctx, "alpha", false); err != nil {
		t.Fatal(err)
	}
	mustEnsure(t, s, "alpha")
	if got, err := s.ChannelSettings(ctx, "alpha"); err != nil || string(got) != want {
		t.Errorf("settings after removal and return = %q, %v; want %q", got, err, want)
	}
}

func testRemovedChannelSurvivesReopen(t *testing.T, reopen func(t *testing.T) hearth.Store) {
	s := reopen(t)
	mustEnsure(t, s, "alpha")
	mustEnsure(t, s, "beta")
	if err := s.RemoveChannel(context.Background(), "alpha", false); err != nil {
		t.Fatal(err)
	}
	if err := s.SetChannelSettings(context.Background(), "beta", []byte(`{"bots":["x"]}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = reopen(t)
	if got, ok := findChannel(t, s, "alpha"); !ok || !got.Removed() {
		t.Errorf("after reopening alpha = %+v (listed %v), want listed as removed", got, ok)
	}
	if got, ok := findChannel(t, s, "beta"); !ok || got.Removed() {
		t.Errorf("after reopening beta = %+v (listed %v), want served", got, ok)
	}
	if got, err := s.ChannelSettings(context.Background(), "beta"); err != nil || string(got) != `{"bots":["x"]}` {
		t.Errorf("settings after reopening = %q, %v", got, err)
	}
}
