package storetest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// poll returns a complete closed chat poll of channel started at start,
// every field set.
func poll(channel, id string, start time.Time) hearth.Poll {
	return hearth.Poll{
		Channel: channel, ID: id, Kind: hearth.PollChat, Status: hearth.PollClosed,
		Question: "Which map next? ✨", Options: []string{"Dust", "Inferno", "Mirage"},
		Weighting: hearth.PollWeightPoints, PointsPerVote: 100, StartedBy: "mod_" + id,
		StartedAt: start, EndsAt: start.Add(90 * time.Second), ClosedAt: start.Add(80*time.Second + 7*time.Millisecond),
		Tally: hearth.PollTally{
			Votes: []int64{2, 1, 0}, Scores: []int64{5, 1, 0}, Voters: 3,
			Breakdown: []hearth.PollBreakdown{
				{Subscribers: 1, Newcomers: 1, Ranks: map[string]int64{"Newcomer": 1, "Hero": 1}},
				{Subscribers: 0, Newcomers: 0, Ranks: map[string]int64{"Regular": 1}},
				{Ranks: map[string]int64{}},
			},
			ActiveChatters: 12, Turnout: 0.25, Winners: []int{0},
		},
	}
}

// vote returns a complete vote of user in p.
func vote(p hearth.Poll, user string, option int) hearth.PollVote {
	return hearth.PollVote{
		Channel: p.Channel, PollID: p.ID, UserID: user, Login: "user" + user,
		Option: option, Weight: int64(option + 1), Spent: int64(100 * (option + 1)),
		Subscriber: option == 0, Newcomer: option != 1, Rank: "Regular",
		At: p.StartedAt.Add(time.Duration(option+1) * time.Second),
	}
}

func applyPolls(t *testing.T, s hearth.Store, polls []hearth.Poll, votes ...hearth.PollVote) {
	t.Helper()
	if err := s.Apply(context.Background(), hearth.Batch{Polls: polls, PollVotes: votes}); err != nil {
		t.Fatalf("Apply(%d polls, %d votes): %v", len(polls), len(votes), err)
	}
}

// samePoll describes how got differs from want, "" if it does not: times
// must be equal instants in UTC, everything else deeply equal.
func samePoll(got, want hearth.Poll) string {
	var diffs []string
	for _, tt := range []struct {
		name      string
		got, want time.Time
	}{{"StartedAt", got.StartedAt, want.StartedAt}, {"EndsAt", got.EndsAt, want.EndsAt}, {"ClosedAt", got.ClosedAt, want.ClosedAt}} {
		if !tt.got.Equal(tt.want) || !tt.got.IsZero() && tt.got.Location() != time.UTC {
			diffs = append(diffs, fmt.Sprintf("%s = %v, want %v in UTC", tt.name, tt.got, tt.want))
		}
	}
	got.StartedAt, got.EndsAt, got.ClosedAt = time.Time{}, time.Time{}, time.Time{}
	want.StartedAt, want.EndsAt, want.ClosedAt = time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		diffs = append(diffs, fmt.Sprintf("got %+v, want %+v", got, want))
	}
	return strings.Join(diffs, "; ")
}

func assertPolls(t *testing.T, got, want []hearth.Poll) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d polls %v, want %d: %v", len(got), pollIDs(got), len(want), pollIDs(want))
	}
	for i := range want {
		if d := samePoll(got[i], want[i]); d != "" {
			t.Errorf("poll %d (%s): %s", i, want[i].ID, d)
		}
	}
}

func pollIDs(ps []hearth.Poll) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

func mustPoll(t *testing.T, s hearth.Store, channel, id string) hearth.Poll {
	t.Helper()
	p, err := s.Poll(context.Background(), channel, id)
	if err != nil {
		t.Fatalf("Poll(%s, %s): %v", channel, id, err)
	}
	return p
}

func mustPolls(t *testing.T, s hearth.Store, channel, before string, limit int) []hearth.Poll {
	t.Helper()
	ps, err := s.Polls(context.Background(), channel, before, limit)
	if err != nil {
		t.Fatalf("Polls(%s, %q, %d): %v", channel, before, limit, err)
	}
	return ps
}

func mustVotes(t *testing.T, s hearth.Store, channel, id string) []hearth.PollVote {
	t.Helper()
	vs, err := s.PollVotes(context.Background(), channel, id)
	if err != nil {
		t.Fatalf("PollVotes(%s, %s): %v", channel, id, err)
	}
	return vs
}

func assertVotes(t *testing.T, got, want []hearth.PollVote) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d votes %+v, want %d: %+v", len(got), got, len(want), want)
	}
	for i := range want {
		if d := sameFields(got[i], want[i]); d != "" {
			t.Errorf("vote %d (%s): %s", i, want[i].UserID, d)
		}
	}
}

func testPollsRoundTrip(t *testing.T, s hearth.Store) {
	closed := poll("alpha", "1716000000000001", base)
	open := poll("alpha", "1716000000000002", base.Add(time.Hour))
	open.Status, open.ClosedAt = hearth.PollOpen, time.Time{}
	open.Weighting, open.PointsPerVote = hearth.PollWeightNone, 0
	open.Tally = hearth.PollTally{Votes: []int64{0, 1, 0}, Scores: []int64{0, 1, 0}, Voters: 1}
	native := poll("alpha", "7f3c0a57-9d3e-4d8b-9f0e-1a2b3c4d5e6f", base.Add(30*time.Minute))
	native.Kind, native.StartedBy, native.Weighting, native.PointsPerVote = hearth.PollNative, "twitch", "", 0
	native.Tally.Breakdown = nil
	native.StartedAt = native.StartedAt.In(time.FixedZone("IST", 5*3600+1800))
	votes := []hearth.PollVote{vote(closed, "30", 2), vote(closed, "10", 0), vote(closed, "20", 1), vote(open, "10", 1)}
	// In channels the store does not know yet, as viewers are.
	applyPolls(t, s, []hearth.Poll{closed, open, native}, votes...)

	for _, want := range []hearth.Poll{closed, open, native} {
		if d := samePoll(mustPoll(t, s, want.Channel, want.ID), want); d != "" {
			t.Errorf("Poll(%s): %s", want.ID, d)
		}
	}
	assertVotes(t, mustVotes(t, s, "alpha", closed.ID), []hearth.PollVote{votes[1], votes[2], votes[0]})
	assertVotes(t, mustVotes(t, s, "alpha", open.ID), []hearth.PollVote{votes[3]})
	if vs := mustVotes(t, s, "alpha", native.ID); vs == nil || len(vs) != 0 {
		t.Errorf("votes of a poll without any = %#v, want an empty slice", vs)
	}
	openPolls, err := s.OpenPolls(context.Background(), "alpha")
	if err != nil {
		t.Fatalf("OpenPolls: %v", err)
	}
	assertPolls(t, openPolls, []hearth.Poll{open})
	if chs := mustChannels(t, s); len(chs) != 1 || chs[0].Name != "alpha" {
		t.Errorf("Channels = %v, want alpha, created by the poll", chs)
	}
}

func testPollsNewestFirstPaginated(t *testing.T, s hearth.Store) {
	var ps []hearth.Poll
	for i := range 5 {
		ps = append(ps, poll("alpha", fmt.Sprintf("p%d", i), base.Add(time.Duration(i)*time.Minute)))
	}
	// Two polls started at the same instant are ordered by id.
	ps[3].StartedAt = ps[2].StartedAt
	other := poll("beta", "p9", base)
	applyPolls(t, s, []hearth.Poll{ps[2], ps[0], other, ps[4], ps[1], ps[3]})

	newest := []hearth.Poll{ps[4], ps[3], ps[2], ps[1], ps[0]}
	assertPolls(t, mustPolls(t, s, "alpha", "", 10), newest)
	assertPolls(t, mustPolls(t, s, "alpha", "", 2), newest[:2])
	assertPolls(t, mustPolls(t, s, "alpha", "p3", 2), newest[2:4])
	assertPolls(t, mustPolls(t, s, "alpha", "p1", 10), newest[4:])
	assertPolls(t, mustPolls(t, s, "alpha", "p0", 10), nil)
	assertPolls(t, mustPolls(t, s, "beta", "", 10), []hearth.Poll{other})
	if got := mustPolls(t, s, "nochannel", "", 3); got == nil || len(got) != 0 {
		t.Errorf("Polls of an unknown channel = %#v, want an empty slice", got)
	}
	_, err := s.Polls(context.Background(), "alpha", "p9", 10)
	assertCode(t, err, hearth.ENOTFOUND, "Polls before another channel's poll")
	for _, n := range []int{0, -1} {
		_, err := s.Polls(context.Background(), "alpha", "", n)
		assertCode(t, err, hearth.EINVALID, fmt.Sprintf("Polls(limit %d)", n))
	}
}

func testPollRowsReplaced(t *testing.T, s hearth.Store) {
	p := poll("alpha", "1", base)
	p.Status, p.ClosedAt = hearth.PollOpen, time.Time{}
	p.Tally = hearth.PollTally{Votes: []int64{0, 0, 0}, Scores: []int64{0, 0, 0}}
	first := vote(p, "10", 0)
	applyPolls(t, s, []hearth.Poll{p}, first)

	// The vote changes and the poll closes; both rows are replaced whole,
	// the later row of a batch winning, and writing twice changes nothing.
	changed := vote(p, "10", 2)
	changed.Subscriber, changed.Newcomer = false, false
	stale := changed
	stale.Option = 1
	closed := poll("alpha", "1", base)
	for range 2 {
		applyPolls(t, s, []hearth.Poll{p, closed}, stale, changed)
		if d := samePoll(mustPoll(t, s, "alpha", "1"), closed); d != "" {
			t.Errorf("closed poll: %s", d)
		}
		assertVotes(t, mustVotes(t, s, "alpha", "1"), []hearth.PollVote{changed})
	}
	ps, err := s.OpenPolls(context.Background(), "alpha")
	if err != nil || len(ps) != 0 {
		t.Fatalf("OpenPolls after the close = %v, %v; want none", pollIDs(ps), err)
	}
}

func testPollNotFound(t *testing.T, s hearth.Store) {
	applyPolls(t, s, []hearth.Poll{poll("alpha", "1", base)})
	_, err := s.Poll(context.Background(), "alpha", "2")
	assertCode(t, err, hearth.ENOTFOUND, "Poll of an unknown id")
	_, err = s.Poll(context.Background(), "beta", "1")
	assertCode(t, err, hearth.ENOTFOUND, "Poll in another channel")
}

func testPollsInvalid(t *testing.T, s hearth.Store) {
	good := poll("alpha", "1", base)
	cases := []struct {
		name  string
		spoil func(b *hearth.Batch)
	}{
		{"NoID", func(b *hearth.Batch) { b.Polls[0].ID = "" }},
		{"UnknownKind", func(b *hearth.Batch) { b.Polls[0].Kind = "radio" }},
		{"UnknownStatus", func(b *hearth.Batch) { b.Polls[0].Status = "paused" }},
		{"OneOption", func(b *hearth.Batch) { b.Polls[0].Options = []string{"a"} }},
		{"ElevenOptions", func(b *hearth.Batch) { b.Polls[0].Options = strings.Split("abcdefghijk", "") }},
		{"EmptyOption", func(b *hearth.Batch) { b.Polls[0].Options[1] = "" }},
		{"NULInQuestion", func(b *hearth.Batch) { b.Polls[0].Question = "a\x00b" }},
		{"EndsBeforeStart", func(b *hearth.Batch) { b.Polls[0].EndsAt = base.Add(-time.Second) }},
		{"WinnerNotAnOption", func(b *hearth.Batch) { b.Polls[0].Tally.Winners = []int{3} }},
		{"VoteOptionNegative", func(b *hearth.Batch) { b.PollVotes[0].Option = -1 }},
		{"VoteWeightZero", func(b *hearth.Batch) { b.PollVotes[0].Weight = 0 }},
		{"VoteNoUser", func(b *hearth.Batch) { b.PollVotes[0].UserID = "" }},
		{"VoteBadChannel", func(b *hearth.Batch) { b.PollVotes[0].Channel = "#alpha" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := good
			p.Options = append([]string(nil), good.Options...)
			p.Tally.Winners = append([]int(nil), good.Tally.Winners...)
			b := hearth.Batch{
				Viewers:   []hearth.ViewerStats{viewer("alpha", "1", 10)},
				Polls:     []hearth.Poll{p},
				PollVotes: []hearth.PollVote{vote(p, "10", 0)},
			}
			c.spoil(&b)
			assertCode(t, s.Apply(context.Background(), b), hearth.EINVALID, "Apply")
			if vs := mustViewers(t, s, "alpha"); len(vs) != 0 {
				t.Errorf("a refused batch wrote %d viewers", len(vs))
			}
			if ps := mustPolls(t, s, "alpha", "", 10); len(ps) != 0 {
				t.Errorf("a refused batch wrote polls %v", pollIDs(ps))
			}
		})
	}
}

func testForgetDeletesPollVotes(t *testing.T, s hearth.Store) {
	p := poll("alpha", "1", base)
	q := poll("beta", "1", base)
	applyPolls(t, s, []hearth.Poll{p, q}, vote(p, "10", 0), vote(p, "20", 1), vote(q, "10", 2))
	if err := s.Apply(context.Background(), hearth.Batch{Forget: []hearth.ViewerKey{{Channel: "alpha", UserID: "10"}}}); err != nil {
		t.Fatalf("Apply(forget): %v", err)
	}
	assertVotes(t, mustVotes(t, s, "alpha", "1"), []hearth.PollVote{vote(p, "20", 1)})
	assertVotes(t, mustVotes(t, s, "beta", "1"), []hearth.PollVote{vote(q, "10", 2)})
	if d := samePoll(mustPoll(t, s, "alpha", "1"), p); d != "" {
		t.Errorf("the poll changed: %s", d)
	}
}

func testPollSurvivesReopen(t *testing.T, reopen func(t *testing.T) hearth.Store) {
	s := reopen(t)
	p := poll("alpha", "1", base)
	p.Status, p.ClosedAt = hearth.PollOpen, time.Time{}
	v := vote(p, "10", 1)
	applyPolls(t, s, []hearth.Poll{p}, v)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s = reopen(t)
	ps, err := s.OpenPolls(context.Background(), "alpha")
	if err != nil {
		t.Fatalf("OpenPolls: %v", err)
	}
	assertPolls(t, ps, []hearth.Poll{p})
	assertVotes(t, mustVotes(t, s, "alpha", "1"), []hearth.PollVote{v})
}
