// Package storetest is the contract that every hearth.Store implementation
// must meet, written once as a test suite and run against each of them
// (store/sqlite, store/postgres) from their own tests.
package storetest

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// Run runs the contract suite as named subtests. open must return a new,
// empty store each time it is called and close it when the test it was
// given ends. Subtests run in parallel, each with its own store.
func Run(t *testing.T, open func(t *testing.T) hearth.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s hearth.Store)
	}{
		{"ApplyUpsertsWholeRows", testApplyUpsertsWholeRows},
		{"ApplyIsAllOrNothing", testApplyIsAllOrNothing},
		{"ApplyTwiceIsIdempotent", testApplyTwiceIsIdempotent},
		{"ApplyEmptyBatchIsNoop", testApplyEmptyBatchIsNoop},
		{"ApplyDuplicateRowsLastWins", testApplyDuplicateRowsLastWins},
		{"ApplyRegistersChannel", testApplyRegistersChannel},
		{"NegativeCountsRejected", testNegativeCountsRejected},
		{"LoyaltyFieldsRoundTrip", testLoyaltyFieldsRoundTrip},
		{"ForgetDeletesViewer", testForgetDeletesViewer},
		{"ForgetThenUpsertInOneBatch", testForgetThenUpsertInOneBatch},
		{"ForgetUnknownIsNoError", testForgetUnknownIsNoError},
		{"StreamsUpsertAndOrder", testStreamsUpsertAndOrder},
		{"StreamsInvalid", testStreamsInvalid},
		{"ViewerNotFound", testViewerNotFound},
		{"ViewerByLogin", testViewerByLogin},
		{"ViewersOrderedByUserID", testViewersOrderedByUserID},
		{"EnsureChannelStableToken", testEnsureChannelStableToken},
		{"EnsureChannelRejectsInvalidName", testEnsureChannelRejectsInvalidName},
		{"ChannelsListed", testChannelsListed},
		{"RotateOverlayToken", testRotateOverlayToken},
		{"RemoveChannelKeepsData", testRemoveChannelKeepsData},
		{"RemoveChannelForget", testRemoveChannelForget},
		{"RemoveChannelUnknown", testRemoveChannelUnknown},
		{"ChannelSettingsRoundTrip", testChannelSettingsRoundTrip},
		{"ChannelSettingsSurviveRemoval", testChannelSettingsSurviveRemoval},
		{"UnicodeDisplayNamesRoundTrip", testUnicodeDisplayNamesRoundTrip},
		{"TimesRoundTrip", testTimesRoundTrip},
		{"ConcurrentApply", testConcurrentApply},
		{"LargeBatch", testLargeBatch},
		{"Ping", testPing},
		{"PollsRoundTrip", testPollsRoundTrip},
		{"PollsNewestFirstPaginated", testPollsNewestFirstPaginated},
		{"PollRowsReplaced", testPollRowsReplaced},
		{"PollNotFound", testPollNotFound},
		{"PollsInvalid", testPollsInvalid},
		{"ForgetDeletesPollVotes", testForgetDeletesPollVotes},
		{"RecapsRoundTrip", testRecapsRoundTrip},
		{"RecapsNewestFirstPaginated", testRecapsNewestFirstPaginated},
		{"RecapRowsReplaced", testRecapRowsReplaced},
		{"RecapNotFound", testRecapNotFound},
		{"RecapsInvalid", testRecapsInvalid},
		{"OverlayEventsRoundTrip", testOverlayEventsRoundTrip},
		{"OverlayEventsReplaced", testOverlayEventsReplaced},
		{"OverlayEventsInvalid", testOverlayEventsInvalid},
		{"ForgetDeletesOverlayEvents", testForgetDeletesOverlayEvents},
		{"PruneOverlayEvents", testPruneOverlayEvents},
		{"TokenRoundTrip", testTokenRoundTrip},
		{"TokenPutReplaces", testTokenPutReplaces},
		{"TokensListedBySubject", testTokensListedBySubject},
		{"TokenNotFound", testTokenNotFound},
		{"TokenDelete", testTokenDelete},
		{"TokenInvalidRejected", testTokenInvalidRejected},
		{"TokenConcurrentPut", testTokenConcurrentPut},
		{"BroadcasterIDRoundTrip", testBroadcasterIDRoundTrip},
		{"BroadcasterIDRejected", testBroadcasterIDRejected},
		{"PresenceSpansFoldedOnRead", testPresenceSpansFoldedOnRead},
		{"EndPresence", testEndPresence},
		{"PresenceTwoRestarts", testPresenceTwoRestarts},
		{"PresenceEndedStream", testPresenceEndedStream},
		{"GoalsRoundTrip", testGoalsRoundTrip},
		{"GoalProgressInBatch", testGoalProgressInBatch},
		{"GoalsInvalid", testGoalsInvalid},
		{"OverlayCSSRoundTrip", testOverlayCSSRoundTrip},
	}
	tests = append(tests, accessTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// RunReopen runs the subtests that need a store closed and opened again on
// the same data. fresh must create a new, empty database and return a
// function that opens a store on that database each time it is called,
// closing it when the test it was given ends. The suite also closes a store
// itself before reopening, so Close must tolerate a second call.
func RunReopen(t *testing.T, fresh func(t *testing.T) (reopen func(t *testing.T) hearth.Store)) {
	tests := []struct {
		name string
		fn   func(t *testing.T, reopen func(t *testing.T) hearth.Store)
	}{
		{"EnsureChannelStableTokenAcrossReopen", testEnsureChannelStableTokenAcrossReopen},
		{"ViewersSurviveReopen", testViewersSurviveReopen},
		{"PollSurvivesReopen", testPollSurvivesReopen},
		{"BroadcasterIDSurvivesReopen", testBroadcasterIDSurvivesReopen},
		{"RemovedChannelSurvivesReopen", testRemovedChannelSurvivesReopen},
		{"SessionSurvivesReopen", testSessionSurvivesReopen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, fresh(t))
		})
	}
}

// base is a millisecond-aligned UTC instant that test rows start from, so
// every store can return their times exactly.
var base = time.Date(2024, 5, 17, 20, 15, 30, 123_000_000, time.UTC)

// viewer returns a complete row for user id in channel, every field set,
// so that every test round-trips every column.
func viewer(channel, id string, points int64) hearth.ViewerStats {
	return hearth.ViewerStats{
		Channel:            channel,
		UserID:             id,
		Login:              "user" + id,
		DisplayName:        "User" + id,
		Messages:           points / 2,
		Points:             points,
		LifetimePoints:     2*points + 1,
		WatchSeconds:       60*points + 7,
		StreamSeq:          12,
		StreamMessages:     points/4 + 1,
		StreamWatchSeconds: 30*points + 5,
		Streak:             3,
		LongestStreak:      8,
		LastAttended:       12,
		GraceUsedAt:        10,
		FirstSeen:          base,
		LastSeen:           base.Add(time.Duration(points) * time.Millisecond),
	}
}

func apply(t *testing.T, s hearth.Store, vs ...hearth.ViewerStats) {
	t.Helper()
	if err := s.Apply(context.Background(), hearth.Batch{Viewers: vs}); err != nil {
		t.Fatalf("Apply(%d rows): %v", len(vs), err)
	}
}

func mustViewer(t *testing.T, s hearth.Store, channel, userID string) hearth.ViewerStats {
	t.Helper()
	v, err := s.Viewer(context.Background(), channel, userID)
	if err != nil {
		t.Fatalf("Viewer(%q, %q): %v", channel, userID, err)
	}
	return v
}

func mustViewers(t *testing.T, s hearth.Store, channel string) []hearth.ViewerStats {
	t.Helper()
	vs, err := s.Viewers(context.Background(), channel)
	if err != nil {
		t.Fatalf("Viewers(%q): %v", channel, err)
	}
	return vs
}

// sameViewer reports how got differs from want, or "" if it does not.
func sameViewer(got, want hearth.ViewerStats) string { return sameFields(got, want) }

// sameFields reports how got differs from want, field by field, or "" if it
// does not. It walks every field of the struct, so a field added to a
// stored type is compared, and has to round-trip, without touching the
// suite. Times must be the same instant and in UTC.
func sameFields[T any](got, want T) string {
	var diffs []string
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		field := g.Type().Field(i).Name
		switch gf, wf := g.Field(i).Interface(), w.Field(i).Interface(); gt := gf.(type) {
		case time.Time:
			wt := wf.(time.Time)
			if !gt.Equal(wt) {
				diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", field, gt, wt))
			}
			if gt.Location() != time.UTC {
				diffs = append(diffs, fmt.Sprintf("%s in %v, want UTC", field, gt.Location()))
			}
		default:
			if gf != wf {
				diffs = append(diffs, fmt.Sprintf("%s = %#v, want %#v", field, gf, wf))
			}
		}
	}
	return strings.Join(diffs, "; ")
}

func assertViewer(t *testing.T, got, want hearth.ViewerStats) {
	t.Helper()
	if d := sameViewer(got, want); d != "" {
		t.Errorf("viewer %s/%s: %s", want.Channel, want.UserID, d)
	}
}

func assertViewers(t *testing.T, got, want []hearth.ViewerStats) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d viewers %v, want %d: %v", len(got), userIDs(got), len(want), userIDs(want))
	}
	for i := range want {
		if d := sameViewer(got[i], want[i]); d != "" {
			t.Errorf("viewer %d (%s/%s): %s", i, want[i].Channel, want[i].UserID, d)
		}
	}
}

func userIDs(vs []hearth.ViewerStats) []string {
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.UserID
	}
	return ids
}

func mustChannels(t *testing.T, s hearth.Store) []hearth.ChannelInfo {
	t.Helper()
	chs, err := s.Channels(context.Background())
	if err != nil {
		t.Fatalf("Channels: %v", err)
	}
	return chs
}

func assertCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := hearth.ErrorCode(err); got != code {
		t.Errorf("%s: error code %q (err %v), want %q", what, got, err, code)
	}
}

func testApplyUpsertsWholeRows(t *testing.T, s hearth.Store) {
	first := viewer("alpha", "1001", 40)
	other := viewer("beta", "1001", 7)
	apply(t, s, first, other)
	assertViewer(t, mustViewer(t, s, "alpha", "1001"), first)

	second := hearth.ViewerStats{
		Channel:     "alpha",
		UserID:      "1001",
		Login:       "renamed_user",
		DisplayName: "Renamed_User",
		Messages:    99,
		Points:      12,
		FirstSeen:   base.Add(-time.Hour),
		LastSeen:    base.Add(time.Hour),
	}
	apply(t, s, second)
	assertViewer(t, mustViewer(t, s, "alpha", "1001"), second)
	assertViewer(t, mustViewer(t, s, "beta", "1001"), other)
}

func testApplyIsAllOrNothing(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	prior := viewer("alpha", "1", 10)
	apply(t, s, prior)

	cases := []struct {
		name string
		bad  func(v *hearth.ViewerStats)
	}{
		{"EmptyUserID", func(v *hearth.ViewerStats) { v.UserID = "" }},
		{"EmptyChannel", func(v *hearth.ViewerStats) { v.Channel = "" }},
		{"OverlongChannel", func(v *hearth.ViewerStats) { v.Channel = strings.Repeat("a", 26) }},
		{"UpperCaseChannel", func(v *hearth.ViewerStats) { v.Channel = "Alpha" }},
		{"HashChannel", func(v *hearth.ViewerStats) { v.Channel = "#alpha" }},
		{"OverlongUserID", func(v *hearth.ViewerStats) { v.UserID = strings.Repeat("9", 1000) }},
		{"InvalidUTF8DisplayName", func(v *hearth.ViewerStats) { v.DisplayName = "bad\xff\xfe" }},
		{"NULInLogin", func(v *hearth.ViewerStats) { v.Login = "us\x00er" }},
		{"HugeDisplayName", func(v *hearth.ViewerStats) { v.DisplayName = strings.Repeat("x", 1<<20) }},
		{"NegativeMessages", func(v *hearth.ViewerStats) { v.Messages = -1 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			update := prior
			update.Points = 999
			newcomer := viewer("alpha", "2", 20)
			elsewhere := viewer("gamma", "3", 30)
			bad := viewer("alpha", "4", 40)
			c.bad(&bad)

			err := s.Apply(ctx, hearth.Batch{Viewers: []hearth.ViewerStats{update, newcomer, elsewhere, bad}})
			assertCode(t, err, hearth.EINVALID, "Apply with an invalid row")

			assertViewer(t, mustViewer(t, s, "alpha", "1"), prior)
			for _, k := range [][2]string{{"alpha", "2"}, {"gamma", "3"}} {
				if _, err := s.Viewer(ctx, k[0], k[1]); hearth.ErrorCode(err) != hearth.ENOTFOUND {
					t.Errorf("Viewer(%s, %s) after rejected batch: err %v, want ENOTFOUND", k[0], k[1], err)
				}
			}
			chs, err := s.Channels(ctx)
			if err != nil {
				t.Fatalf("Channels: %v", err)
			}
			if len(chs) != 1 || chs[0].Name != "alpha" {
				t.Errorf("Channels after rejected batch = %v, want only alpha", chs)
			}
		})
	}
}

func testApplyTwiceIsIdempotent(t *testing.T, s hearth.Store) {
	batch := []hearth.ViewerStats{viewer("alpha", "1", 10), viewer("alpha", "2", 20), viewer("beta", "1", 5)}
	apply(t, s, batch...)
	once := mustViewers(t, s, "alpha")
	apply(t, s, batch...)
	assertViewers(t, mustViewers(t, s, "alpha"), once)
	assertViewers(t, mustViewers(t, s, "alpha"), batch[:2])
	assertViewers(t, mustViewers(t, s, "beta"), batch[2:])
}

func testApplyEmptyBatchIsNoop(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	if err := s.Apply(ctx, hearth.Batch{}); err != nil {
		t.Fatalf("Apply(empty batch): %v", err)
	}
	empty := hearth.Batch{Viewers: []hearth.ViewerStats{}, Streams: []hearth.StreamSession{}, Forget: []hearth.ViewerKey{}}
	if err := s.Apply(ctx, empty); err != nil {
		t.Fatalf("Apply(batch with empty slices): %v", err)
	}
	chs, err := s.Channels(ctx)
	if err != nil {
		t.Fatalf("Channels: %v", err)
	}
	if len(chs) != 0 {
		t.Errorf("Channels after empty batches = %v, want none", chs)
	}
}

func testApplyDuplicateRowsLastWins(t *testing.T, s hearth.Store) {
	a := viewer("alpha", "1", 10)
	b := viewer("alpha", "1", 30)
	b.Login = "later"
	apply(t, s, a, viewer("alpha", "2", 20), b)
	assertViewer(t, mustViewer(t, s, "alpha", "1"), b)
	if n := len(mustViewers(t, s, "alpha")); n != 2 {
		t.Errorf("got %d viewers, want 2", n)
	}
}

func testApplyRegistersChannel(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	apply(t, s, viewer("newchan", "1", 10))
	chs, err := s.Channels(ctx)
	if err != nil {
		t.Fatalf("Channels: %v", err)
	}
	if len(chs) != 1 || chs[0].Name != "newchan" {
		t.Fatalf("Channels = %v, want newchan", chs)
	}
	assertToken(t, chs[0].OverlayToken)
	c, err := s.EnsureChannel(ctx, "newchan")
	if err != nil {
		t.Fatalf("EnsureChannel: %v", err)
	}
	if c != chs[0] {
		t.Errorf("EnsureChannel = %+v, want the registered %+v", c, chs[0])
	}
}

// badBatch is a case of an invalid batch: spoil makes one row of a valid
// batch invalid.
type badBatch struct {
	name  string
	spoil func(b *hearth.Batch)
}

// assertBatchesRejected stores a viewer and a stream, then for each case
// applies a batch that would forget and rewrite that viewer, rewrite that
// stream, and add a viewer and a stream in new channels, spoiled by the
// case. Each must be refused with EINVALID and leave everything as it was.
func assertBatchesRejected(t *testing.T, s hearth.Store, cases []badBatch) {
	ctx := context.Background()
	kept := viewer("alpha", "1", 10)
	prior := stream("alpha", 1)
	if err := s.Apply(ctx, hearth.Batch{Viewers: []hearth.ViewerStats{kept}, Streams: []hearth.StreamSession{prior}}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	channels := mustChannels(t, s)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			update := kept
			update.Points, update.Streak = 999, 99
			ended := prior
			ended.Messages = 999
			b := hearth.Batch{
				Forget:  []hearth.ViewerKey{kept.Key()},
				Viewers: []hearth.ViewerStats{update, viewer("gamma", "2", 20)},
				Streams: []hearth.StreamSession{ended, stream("delta", 1)},
			}
			c.spoil(&b)
			err := s.Apply(ctx, b)
			assertCode(t, err, hearth.EINVALID, "Apply with an invalid row")

			assertViewers(t, mustViewers(t, s, "alpha"), []hearth.ViewerStats{kept})
			if got := mustViewers(t, s, "gamma"); len(got) != 0 {
				t.Errorf("Viewers(gamma) after rejected batch = %v, want none", userIDs(got))
			}
			assertStreams(t, mustStreams(t, s, "alpha", 10), []hearth.StreamSession{prior})
			if got := mustStreams(t, s, "delta", 10); len(got) != 0 {
				t.Errorf("Streams(delta) after rejected batch = %v, want none", got)
			}
			if got := mustChannels(t, s); !slices.Equal(got, channels) {
				t.Errorf("Channels after rejected batch = %v, want %v", got, channels)
			}
		})
	}
}

func testNegativeCountsRejected(t *testing.T, s hearth.Store) {
	// The new viewer and the new stream are spoiled, so that a store
	// writing rows before it checks them would leave a trace.
	neg := func(name string, set func(v *hearth.ViewerStats)) badBatch {
		return badBatch{"Viewer" + name, func(b *hearth.Batch) { set(&b.Viewers[1]) }}
	}
	assertBatchesRejected(t, s, []badBatch{
		neg("Messages", func(v *hearth.ViewerStats) { v.Messages = -1 }),
		neg("Points", func(v *hearth.ViewerStats) { v.Points = -1 }),
		neg("LifetimePoints", func(v *hearth.ViewerStats) { v.LifetimePoints = -1 }),
		neg("WatchSeconds", func(v *hearth.ViewerStats) { v.WatchSeconds = -1 }),
		neg("StreamSeq", func(v *hearth.ViewerStats) { v.StreamSeq = -1 }),
		neg("StreamMessages", func(v *hearth.ViewerStats) { v.StreamMessages = -1 }),
		neg("StreamWatchSeconds", func(v *hearth.ViewerStats) { v.StreamWatchSeconds = -1 }),
		neg("Streak", func(v *hearth.ViewerStats) { v.Streak = -1 }),
		neg("LongestStreak", func(v *hearth.ViewerStats) { v.LongestStreak = -1 }),
		neg("LastAttended", func(v *hearth.ViewerStats) { v.LastAttended = -1 }),
		neg("GraceUsedAt", func(v *hearth.ViewerStats) { v.GraceUsedAt = math.MinInt64 }),
		neg("WatchFrom", func(v *hearth.ViewerStats) { v.WatchFrom = -1 }),
		{"StreamMessages", func(b *hearth.Batch) { b.Streams[1].Messages = -1 }},
		{"StreamChatters", func(b *hearth.Batch) { b.Streams[1].Chatters = -5 }},
		{"StreamMinutes", func(b *hearth.Batch) { b.Streams[1].Minutes = -1 }},
	})
}

func testLoyaltyFieldsRoundTrip(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	// Every count different, so that swapped columns show, and some beyond
	// 32 bits, so that narrowed columns show.
	full := hearth.ViewerStats{
		Channel:            "alpha",
		UserID:             "1",
		Login:              "loyal",
		DisplayName:        "Loyal",
		Messages:           1<<40 + 1,
		Points:             math.MaxInt64,
		LifetimePoints:     1<<50 + 2,
		WatchSeconds:       1<<35 + 3,
		StreamSeq:          1<<33 + 4,
		StreamMessages:     5,
		StreamWatchSeconds: 6,
		Streak:             7,
		LongestStreak:      8,
		LastAttended:       1<<33 + 3,
		GraceUsedAt:        9,
		FirstSeen:          base,
		LastSeen:           base.Add(time.Hour),
		FollowedAt:         base.Add(30 * time.Minute),
	}
	// A viewer never seen during a stream: every loyalty field zero.
	fresh := hearth.ViewerStats{Channel: "alpha", UserID: "2", Login: "fresh", Points: 1, LifetimePoints: 1, FirstSeen: base, LastSeen: base}
	apply(t, s, full, fresh)

	assertViewer(t, mustViewer(t, s, "alpha", "1"), full)
	assertViewer(t, mustViewer(t, s, "alpha", "2"), fresh)
	got, err := s.ViewerByLogin(ctx, "alpha", "loyal")
	if err != nil {
		t.Fatalf("ViewerByLogin: %v", err)
	}
	assertViewer(t, got, full)
	assertViewers(t, mustViewers(t, s, "alpha"), []hearth.ViewerStats{full, fresh})

	// Whole rows: a field that drops to zero is written as zero, and one
	// that rises from zero is written too.
	lapsed := full
	lapsed.StreamMessages, lapsed.StreamWatchSeconds, lapsed.Streak, lapsed.GraceUsedAt = 0, 0, 0, 0
	lapsed.StreamSeq = 1<<33 + 6
	joined := fresh
	joined.LifetimePoints = 11
	joined.WatchSeconds, joined.StreamSeq, joined.StreamMessages, joined.StreamWatchSeconds = 60, 2, 1, 60
	joined.Streak, joined.LongestStreak, joined.LastAttended = 1, 1, 2
	joined.FollowedAt = base.Add(2 * time.Hour)
	apply(t, s, lapsed, joined)
	assertViewers(t, mustViewers(t, s, "alpha"), []hearth.ViewerStats{lapsed, joined})
}

func testForgetDeletesViewer(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	gone := viewer("alpha", "1", 10)
	kept := viewer("alpha", "2", 20)
	sameID := viewer("beta", "1", 30)
	apply(t, s, gone, kept, sameID)
	channels := mustChannels(t, s)

	if err := s.Apply(ctx, hearth.Batch{Forget: []hearth.ViewerKey{gone.Key()}}); err != nil {
		t.Fatalf("Apply(forget): %v", err)
	}
	_, err := s.Viewer(ctx, "alpha", "1")
	assertCode(t, err, hearth.ENOTFOUND, "Viewer of a forgotten viewer")
	_, err = s.ViewerByLogin(ctx, "alpha", gone.Login)
	assertCode(t, err, hearth.ENOTFOUND, "ViewerByLogin of a forgotten viewer")
	assertViewers(t, mustViewers(t, s, "alpha"), []hearth.ViewerStats{kept})

	// The same user id in another channel is another viewer.
	assertViewers(t, mustViewers(t, s, "beta"), []hearth.ViewerStats{sameID})
	// The channel stays, with its token.
	if got := mustChannels(t, s); !slices.Equal(got, channels) {
		t.Errorf("Channels after forget = %v, want %v", got, channels)
	}
}

func testForgetThenUpsertInOneBatch(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	old := viewer("alpha", "1", 500)
	apply(t, s, old)

	// Seen again after being forgotten: the row starts over.
	again := hearth.ViewerStats{
		Channel: "alpha", UserID: "1", Login: "back_again", DisplayName: "Back_Again",
		Messages: 1, FirstSeen: base.Add(time.Hour), LastSeen: base.Add(time.Hour),
	}
	// A viewer the store has never held, forgotten and seen in one batch,
	// in a channel the store does not know yet.
	newcomer := viewer("beta", "7", 3)
	b := hearth.Batch{
		Viewers: []hearth.ViewerStats{again, newcomer},
		Forget:  []hearth.ViewerKey{newcomer.Key(), old.Key()},
	}
	for range 2 {
		if err := s.Apply(ctx, b); err != nil {
			t.Fatalf("Apply(forget and upsert): %v", err)
		}
		assertViewers(t, mustViewers(t, s, "alpha"), []hearth.ViewerStats{again})
		assertViewers(t, mustViewers(t, s, "beta"), []hearth.ViewerStats{newcomer})
	}
}

func testForgetUnknownIsNoError(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	kept := viewer("alpha", "1", 10)
	apply(t, s, kept)
	channels := mustChannels(t, s)

	unknown := []hearth.ViewerKey{
		{Channel: "alpha", UserID: "999"},
		{Channel: "nochannel", UserID: "1"},
		{Channel: "alpha", UserID: "999"},
	}
	if err := s.Apply(ctx, hearth.Batch{Forget: unknown}); err != nil {
		t.Fatalf("Apply(forget unknown viewers): %v", err)
	}
	assertViewers(t, mustViewers(t, s, "alpha"), []hearth.ViewerStats{kept})
	// Forgetting creates no channel.
	if got := mustChannels(t, s); !slices.Equal(got, channels) {
		t.Errorf("Channels after forget = %v, want %v", got, channels)
	}
}

func testViewerNotFound(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	apply(t, s, viewer("alpha", "1", 10))
	_, err := s.Viewer(ctx, "alpha", "2")
	assertCode(t, err, hearth.ENOTFOUND, "Viewer of unknown user")
	_, err = s.Viewer(ctx, "nochannel", "1")
	assertCode(t, err, hearth.ENOTFOUND, "Viewer in unknown channel")
	_, err = s.ViewerByLogin(ctx, "alpha", "nobody")
	assertCode(t, err, hearth.ENOTFOUND, "ViewerByLogin of unknown login")
	_, err = s.ViewerByLogin(ctx, "nochannel", "user1")
	assertCode(t, err, hearth.ENOTFOUND, "ViewerByLogin in unknown channel")
}

func testViewerByLogin(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	a := viewer("alpha", "1", 10)
	b := viewer("alpha", "2", 20)
	elsewhere := viewer("beta", "3", 30)
	elsewhere.Login = a.Login
	apply(t, s, a, b, elsewhere)

	got, err := s.ViewerByLogin(ctx, "alpha", a.Login)
	if err != nil {
		t.Fatalf("ViewerByLogin: %v", err)
	}
	assertViewer(t, got, a)
	got, err = s.ViewerByLogin(ctx, "beta", a.Login)
	if err != nil {
		t.Fatalf("ViewerByLogin: %v", err)
	}
	assertViewer(t, got, elsewhere)

	// A login passed on to a new account after a rename: the viewer seen
	// last holds it now.
	heir := viewer("alpha", "9", 5)
	heir.Login = a.Login
	heir.LastSeen = a.LastSeen.Add(time.Minute)
	apply(t, s, heir)
	got, err = s.ViewerByLogin(ctx, "alpha", a.Login)
	if err != nil {
		t.Fatalf("ViewerByLogin: %v", err)
	}
	assertViewer(t, got, heir)
}

func testViewersOrderedByUserID(t *testing.T, s hearth.Store) {
	// Byte order, which differs from numeric order and from most locales'
	// collation.
	ids := []string{"9", "100", "10", "a_b", "ab", "B", "a-b", "Ab", "1"}
	var vs []hearth.ViewerStats
	for i, id := range ids {
		vs = append(vs, viewer("alpha", id, int64(i)))
	}
	apply(t, s, append(vs, viewer("beta", "0", 1))...)

	want := slices.Clone(vs)
	slices.SortFunc(want, func(a, b hearth.ViewerStats) int { return strings.Compare(a.UserID, b.UserID) })
	assertViewers(t, mustViewers(t, s, "alpha"), want)

	if got := mustViewers(t, s, "nochannel"); len(got) != 0 {
		t.Errorf("Viewers of unknown channel = %v, want none", userIDs(got))
	}
}

func testUnicodeDisplayNamesRoundTrip(t *testing.T, s hearth.Store) {
	names := []string{
		"日本語の名前",
		"사용자",
		"Ünïcødé_Ñame",
		"🔥Fire🔥👩‍👩‍👧‍👦",
		"مستخدم",
		"e\u0301\u0301 combining",
		"zero\u200bwidth",
		"<script>alert(1)</script>",
		"quote'\"back\\slash",
		"",
	}
	var vs []hearth.ViewerStats
	for i, name := range names {
		v := viewer("alpha", fmt.Sprint(i), int64(i))
		v.DisplayName = name
		vs = append(vs, v)
	}
	apply(t, s, vs...)
	for _, v := range vs {
		got := mustViewer(t, s, v.Channel, v.UserID)
		if got.DisplayName != v.DisplayName {
			t.Errorf("DisplayName = %q, want %q", got.DisplayName, v.DisplayName)
		}
	}
}

func testTimesRoundTrip(t *testing.T, s hearth.Store) {
	cases := []struct {
		name  string
		t     time.Time
		exact bool
	}{
		{"MillisecondUTC", base, true},
		{"OtherZone", time.Date(2023, 3, 26, 2, 30, 0, 999_000_000, time.FixedZone("IST", 5*3600+1800)), true},
		{"BeforeEpoch", time.Date(1969, 12, 31, 23, 59, 59, 1_000_000, time.UTC), true},
		{"FarFuture", time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"Zero", time.Time{}, true},
		{"Nanoseconds", time.Date(2024, 1, 2, 3, 4, 5, 123_456_789, time.UTC), false},
		{"NowWithMonotonic", time.Now(), false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := viewer("alpha", fmt.Sprint(i), 1)
			v.FirstSeen = c.t
			v.LastSeen = c.t
			apply(t, s, v)
			got := mustViewer(t, s, v.Channel, v.UserID)
			for _, g := range []time.Time{got.FirstSeen, got.LastSeen} {
				if g.Location() != time.UTC {
					t.Errorf("time comes back in %v, want UTC", g.Location())
				}
				if c.exact && !g.Equal(c.t) {
					t.Errorf("time = %v, want %v", g, c.t)
				}
				if d := g.Sub(c.t).Abs(); d >= time.Millisecond {
					t.Errorf("time = %v, off by %v from %v; want under 1ms", g, d, c.t)
				}
			}
			if c.t.IsZero() && !got.FirstSeen.IsZero() {
				t.Errorf("zero time comes back as %v, want IsZero", got.FirstSeen)
			}
		})
	}
}

// testConcurrentApply has writers overwrite shared rows and their own rows
// while a reader watches. Every row read, during and after, must come whole
// from one batch, and each writer's own row must end at its last write.
func testConcurrentApply(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	const writers, rounds, shared = 6, 20, 10

	row := func(id string, w, r int) hearth.ViewerStats {
		value := int64(w*1000 + r)
		return hearth.ViewerStats{
			Channel:            "alpha",
			UserID:             id,
			Login:              "u" + id,
			DisplayName:        fmt.Sprintf("w%d-r%d", w, r),
			Messages:           value,
			Points:             value * 3,
			LifetimePoints:     value * 4,
			WatchSeconds:       value * 5,
			StreamSeq:          value + 1,
			StreamMessages:     value + 2,
			StreamWatchSeconds: value + 3,
			Streak:             value + 4,
			LongestStreak:      value + 5,
			LastAttended:       value + 6,
			GraceUsedAt:        value + 7,
			FirstSeen:          base,
			LastSeen:           base.Add(time.Duration(value) * time.Millisecond),
		}
	}
	consistent := func(v hearth.ViewerStats) string {
		w, r := v.Messages/1000, v.Messages%1000
		want := row(v.UserID, int(w), int(r))
		return sameViewer(v, want)
	}

	done := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			vs, err := s.Viewers(ctx, "alpha")
			if err != nil {
				t.Errorf("Viewers during writes: %v", err)
				return
			}
			for _, v := range vs {
				if d := consistent(v); d != "" {
					t.Errorf("torn row %s during writes: %s", v.UserID, d)
					return
				}
			}
		}
	})

	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				var vs []hearth.ViewerStats
				for i := range shared {
					vs = append(vs, row(fmt.Sprint("s", i), w, r))
				}
				vs = append(vs, row(fmt.Sprint("own", w), w, r))
				if err := s.Apply(ctx, hearth.Batch{Viewers: vs}); err != nil {
					t.Errorf("writer %d round %d: Apply: %v", w, r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	readers.Wait()

	vs := mustViewers(t, s, "alpha")
	if len(vs) != shared+writers {
		t.Fatalf("got %d viewers, want %d", len(vs), shared+writers)
	}
	for _, v := range vs {
		if d := consistent(v); d != "" {
			t.Errorf("torn row %s: %s", v.UserID, d)
		}
	}
	for w := range writers {
		assertViewer(t, mustViewer(t, s, "alpha", fmt.Sprint("own", w)), row(fmt.Sprint("own", w), w, rounds-1))
	}
}

func testLargeBatch(t *testing.T, s hearth.Store) {
	const n = 5000
	vs := make([]hearth.ViewerStats, n)
	for i := range vs {
		vs[i] = viewer("alpha", fmt.Sprintf("%06d", i), int64(i))
	}
	apply(t, s, vs...)
	assertViewers(t, mustViewers(t, s, "alpha"), vs)

	for i := range vs {
		vs[i].Points = int64(n - i)
		vs[i].Messages++
	}
	apply(t, s, vs...)
	assertViewers(t, mustViewers(t, s, "alpha"), vs)
}

func testPing(t *testing.T, s hearth.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func testEnsureChannelStableTokenAcrossReopen(t *testing.T, reopen func(t *testing.T) hearth.Store) {
	s := reopen(t)
	first := mustEnsure(t, s, "alpha")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s = reopen(t)
	if again := mustEnsure(t, s, "alpha"); again != first {
		t.Errorf("EnsureChannel after reopen = %+v, want %+v", again, first)
	}
}

func testViewersSurviveReopen(t *testing.T, reopen func(t *testing.T) hearth.Store) {
	s := reopen(t)
	vs := []hearth.ViewerStats{viewer("alpha", "1", 10), viewer("alpha", "2", 20)}
	apply(t, s, vs...)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s = reopen(t)
	assertViewers(t, mustViewers(t, s, "alpha"), vs)
}
