package community

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// recapRules are plainRules with one bot, so tests see bots left out.
func recapRules() Rules {
	r := plainRules()
	r.Bots = []string{"nightbot"}
	return r
}

func online(at time.Duration) hearth.Event  { return event(hearth.EventOnline, at, "", "") }
func offline(at time.Duration) hearth.Event { return event(hearth.EventOffline, at, "", "") }

// says makes one chat message per login at at, each with its own text.
func says(at time.Duration, logins ...string) []hearth.Event {
	out := make([]hearth.Event, len(logins))
	for i, l := range logins {
		out[i] = chatAt(l, at+time.Duration(i)*time.Second, fmt.Sprintf("%s says %d", l, msgSeq))
	}
	return out
}

// script flattens events and event lists into one list.
func script(parts ...any) []hearth.Event {
	var out []hearth.Event
	for _, p := range parts {
		switch p := p.(type) {
		case hearth.Event:
			out = append(out, p)
		case []hearth.Event:
			out = append(out, p...)
		}
	}
	return out
}

func recapOf(t *testing.T, c *Channel) hearth.StreamRecap {
	t.Helper()
	r, ok := c.Recap()
	if !ok {
		t.Fatal("no recap")
	}
	return r
}

func TestNewcomersAndReturners(t *testing.T) {
	tests := []struct {
		name                                      string
		evs                                       []hearth.Event
		newcomers, returners, chatters            int64
		newcomersTotal, returnersTotal, streamSeq int64
	}{
		{name: "FirstStreamAllNew",
			evs:       script(online(0), says(time.Minute, "alice", "bob", "alice", "nightbot")),
			newcomers: 2, returners: 0, chatters: 2, newcomersTotal: 2, returnersTotal: 0, streamSeq: 1},
		{name: "SecondStreamReturnerAndNewcomer",
			evs: script(online(0), says(time.Minute, "alice", "bob"), offline(10*time.Minute),
				online(time.Hour), says(time.Hour+time.Minute, "alice", "carol", "alice", "nightbot")),
			newcomers: 1, returners: 1, chatters: 2, newcomersTotal: 3, returnersTotal: 1, streamSeq: 2},
		{name: "OfflineChatterIsNewcomerButNotReturner",
			evs: script(online(0), says(time.Minute, "alice"), offline(10*time.Minute),
				says(20*time.Minute, "dave"), online(time.Hour), says(time.Hour+time.Minute, "dave", "alice")),
			newcomers: 0, returners: 1, chatters: 2, newcomersTotal: 2, returnersTotal: 1, streamSeq: 2},
		{name: "ReturnerCountsOncePerStream",
			evs: script(online(0), says(time.Minute, "alice"), offline(10*time.Minute),
				online(time.Hour), says(time.Hour+time.Minute, "alice", "alice", "alice"), offline(2*time.Hour),
				online(3*time.Hour), says(3*time.Hour+time.Minute, "alice")),
			newcomers: 0, returners: 1, chatters: 1, newcomersTotal: 1, returnersTotal: 2, streamSeq: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewChannel("chan", recapRules(), nil, nil)
			run(c, tt.evs...)
			r := recapOf(t, c)
			f := c.Figures()
			if r.Seq != tt.streamSeq || r.Newcomers != tt.newcomers || r.Returners != tt.returners || r.Chatters != tt.chatters {
				t.Errorf("recap seq %d: newcomers %d, returners %d, chatters %d; want seq %d: %d, %d, %d",
					r.Seq, r.Newcomers, r.Returners, r.Chatters, tt.streamSeq, tt.newcomers, tt.returners, tt.chatters)
			}
			if f.NewcomersTotal != tt.newcomersTotal || f.ReturnersTotal != tt.returnersTotal || f.StreamNewcomers != tt.newcomers {
				t.Errorf("figures: newcomers total %d, returners total %d, stream newcomers %d; want %d, %d, %d",
					f.NewcomersTotal, f.ReturnersTotal, f.StreamNewcomers, tt.newcomersTotal, tt.returnersTotal, tt.newcomers)
			}
		})
	}
}

func TestRetentionAndCohorts(t *testing.T) {
	evs := script(
		online(0), says(time.Minute, "a", "b", "c", "d", "nightbot"), offline(time.Hour),
		online(2*time.Hour), says(2*time.Hour+time.Minute, "a", "b", "e", "nightbot"), offline(3*time.Hour),
		online(4*time.Hour), says(4*time.Hour+time.Minute, "a", "e"),
	)
	tests := []struct {
		name            string
		upTo            int // events applied
		prev, retained  int64
		retention       float64
		cohorts         []hearth.CohortRetention
		restartAndCheck bool
	}{
		{name: "FirstStreamHasNoPrevious", upTo: 7, prev: 0, retained: 0, retention: 0, cohorts: []hearth.CohortRetention{}},
		{name: "HalfOfStreamOneCameBack", upTo: 13, prev: 4, retained: 2, retention: 0.5,
			cohorts: []hearth.CohortRetention{{Cohort: 1, Newcomers: 4, Attended: 2}}},
		{name: "StreamThree", upTo: len(evs), prev: 3, retained: 2, retention: 2.0 / 3,
			cohorts: []hearth.CohortRetention{{Cohort: 2, Newcomers: 1, Attended: 1}, {Cohort: 1, Newcomers: 4, Attended: 1}}},
		{name: "StreamThreeAfterRestart", upTo: len(evs), prev: 3, retained: 2, retention: 2.0 / 3,
			cohorts:         []hearth.CohortRetention{{Cohort: 2, Newcomers: 1, Attended: 1}, {Cohort: 1, Newcomers: 4, Attended: 1}},
			restartAndCheck: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewChannel("chan", recapRules(), nil, nil)
			var sessions []hearth.StreamSession
			for _, res := range run(c, evs[:tt.upTo]...) {
				for _, s := range res.Streams {
					if i := slices.IndexFunc(sessions, func(x hearth.StreamSession) bool { return x.Seq == s.Seq }); i >= 0 {
						sessions[i] = s
					} else {
						sessions = append(sessions, s)
					}
				}
			}
			if tt.restartAndCheck {
				var stored []hearth.ViewerStats
				for _, v := range c.viewers {
					stored = append(stored, v.stats)
				}
				last, _ := c.Live()
				c = NewChannel("chan", recapRules(), stored, &last)
				slices.Reverse(sessions)
				c.LoadHistory(sessions, nil)
			}
			r := recapOf(t, c)
			if r.PreviousAttendees != tt.prev || r.Retained != tt.retained {
				t.Errorf("previous attendees %d, retained %d; want %d, %d", r.PreviousAttendees, r.Retained, tt.prev, tt.retained)
			}
			if got := c.Figures().Retention; math.Abs(got-tt.retention) > 1e-9 {
				t.Errorf("retention %v, want %v", got, tt.retention)
			}
			if !slices.Equal(r.Cohorts, tt.cohorts) {
				t.Errorf("cohorts %+v, want %+v", r.Cohorts, tt.cohorts)
			}
		})
	}
}

func TestVerifiedCollapsesCopyPasteBursts(t *testing.T) {
	at := func(login string, d time.Duration, text string) hearth.Event {
		return chatAt(login, time.Minute+d, text)
	}
	tests := []struct {
		name                       string
		evs                        []hearth.Event
		messages, verified         int64
		chatters, verifiedChatters int64
	}{
		{name: "DistinctTexts", evs: []hearth.Event{at("a", 0, "hi"), at("b", time.Second, "hello"), at("c", 2*time.Second, "hey")},
			messages: 3, verified: 3, chatters: 3, verifiedChatters: 3},
		{name: "FloodFromFiveViewersIsOne", evs: []hearth.Event{at("a", 0, "POGGERS spam"), at("b", time.Second, "POGGERS spam"),
			at("c", 2*time.Second, "poggers   SPAM"), at("d", 2*time.Second, "POGGERS spam"), at("e", 3*time.Second, "POGGERS spam")},
			messages: 5, verified: 1, chatters: 5, verifiedChatters: 1},
		{name: "SameTextFarApartCountsTwice", evs: []hearth.Event{at("a", 0, "gg"), at("b", 10*time.Second, "gg")},
			messages: 2, verified: 2, chatters: 2, verifiedChatters: 2},
		{name: "EachCopyExtendsTheBurst", evs: []hearth.Event{at("a", 0, "wave"), at("b", 4*time.Second, "wave"),
			at("c", 8*time.Second, "wave"), at("d", 12*time.Second, "wave")},
			messages: 4, verified: 1, chatters: 4, verifiedChatters: 1},
		{name: "BotsLeftOut", evs: []hearth.Event{at("nightbot", 0, "follow us"), at("a", time.Second, "hi")},
			messages: 1, verified: 1, chatters: 1, verifiedChatters: 1},
		{name: "ViewerInBurstAndOutsideIsVerifiedOnce", evs: []hearth.Event{at("a", 0, "LUL"), at("b", time.Second, "LUL"),
			at("b", 30*time.Second, "that was funny"), at("b", 40*time.Second, "really")},
			messages: 4, verified: 3, chatters: 2, verifiedChatters: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewChannel("chan", recapRules(), nil, nil)
			run(c, online(0))
			run(c, tt.evs...)
			r := recapOf(t, c)
			if r.Messages != tt.messages || r.VerifiedMessages != tt.verified || r.Chatters != tt.chatters || r.VerifiedChatters != tt.verifiedChatters {
				t.Errorf("messages %d, verified %d, chatters %d, verified chatters %d; want %d, %d, %d, %d",
					r.Messages, r.VerifiedMessages, r.Chatters, r.VerifiedChatters, tt.messages, tt.verified, tt.chatters, tt.verifiedChatters)
			}
			if f := c.Figures(); f.VerifiedMessagesTotal != tt.verified {
				t.Errorf("verified messages total %d, want %d", f.VerifiedMessagesTotal, tt.verified)
			}
		})
	}
}

// minutes of chat: one message each at sec seconds past each minute in
// [from, to).
func perMinute(login string, from, to int, sec int) []hearth.Event {
	var out []hearth.Event
	for m := from; m < to; m++ {
		out = append(out, chatAt(login, time.Duration(m)*time.Minute+time.Duration(sec)*time.Second, fmt.Sprintf("%s at %d:%d", login, m, sec)))
	}
	return out
}

func segmentCmd(login string, roles hearth.Role, at time.Duration, text string) hearth.Event {
	return withRoles(chatAt(login, at, text), roles)
}

func TestSegmentLift(t *testing.T) {
	mod := hearth.RoleModerator
	// Baseline: alice once a minute for minutes 0-9 and 15-19; segment from
	// 10:00 to 15:00: alice and bob twice a minute each, and carol once.
	evs := script(online(0),
		perMinute("alice", 0, 10, 30),
		segmentCmd("chan", hearth.RoleBroadcaster, 10*time.Minute, "!segment start  Acme   Energy "),
		perMinute("alice", 10, 15, 10), perMinute("alice", 10, 15, 20),
		perMinute("bob", 10, 15, 30), perMinute("bob", 10, 15, 40),
		chatAt("carol", 12*time.Minute+50*time.Second, "first time here"),
		segmentCmd("modder", mod, 15*time.Minute, "!segment end"),
		perMinute("alice", 15, 20, 30),
		offline(20*time.Minute),
	)
	slices.SortStableFunc(evs, func(a, b hearth.Event) int { return a.Time.Compare(b.Time) })
	c := NewChannel("chan", recapRules(), nil, nil)
	var replies []string
	for _, res := range run(c, evs...) {
		if res.Command == CmdSegment {
			if res.Rejected != "" {
				t.Fatalf("segment command refused: %s", res.Rejected)
			}
			replies = append(replies, res.Reply)
		}
	}
	r := recapOf(t, c)
	if len(r.Segments) != 1 {
		t.Fatalf("segments %+v, want one", r.Segments)
	}
	s := r.Segments[0]
	// The moderator's own "!segment end" is a message of the segment.
	wantDuring := hearth.Activity{Minutes: 5, MessagesPerMinute: 22.0 / 5, ChattersPerMinute: 12.0 / 5, Newcomers: 3}
	wantBase := hearth.Activity{Minutes: 15, MessagesPerMinute: 1, ChattersPerMinute: 1, Newcomers: 1}
	if s.Name != "Acme Energy" || !s.StartedAt.Equal(t0.Add(10*time.Minute)) || !s.EndedAt.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("segment %q from %v to %v", s.Name, s.StartedAt, s.EndedAt)
	}
	if !closeActivity(s.During, wantDuring) || !closeActivity(s.Baseline, wantBase) {
		t.Errorf("during %+v, baseline %+v; want %+v, %+v", s.During, s.Baseline, wantDuring, wantBase)
	}
	if math.Abs(s.Lift-4.4) > 1e-9 {
		t.Errorf("lift %v, want 4.4", s.Lift)
	}
	if len(replies) != 2 || replies[1] != "Sponsor segment Acme Energy ended after 5m: chat at 4.40× its usual pace" {
		t.Errorf("replies %q", replies)
	}
	if a := r.Activity[12]; a.Messages != 5 || a.Chatters != 3 || a.Newcomers != 1 || len(r.Activity) != 20 {
		t.Errorf("minute 12 %+v of %d minutes; want 5 messages, 3 chatters, 1 newcomer of 20", a, len(r.Activity))
	}
	if f := c.Figures(); !slices.Equal(f.Segments, []hearth.SegmentState{{Name: "Acme Energy"}}) {
		t.Errorf("segment states %+v", f.Segments)
	}
}

func closeActivity(a, b hearth.Activity) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	return near(a.Minutes, b.Minutes) && near(a.MessagesPerMinute, b.MessagesPerMinute) &&
		near(a.ChattersPerMinute, b.ChattersPerMinute) && a.Newcomers == b.Newcomers && near(a.PollTurnout, b.PollTurnout)
}

func TestSegmentCommandRules(t *testing.T) {
	mod := hearth.RoleModerator
	tests := []struct {
		name     string
		maxNames int
		evs      []hearth.Event
		rejected []string // per segment command, "" when it ran
		active   string
	}{
		{name: "StartAndEnd", evs: []hearth.Event{online(0), segmentCmd("m", mod, time.Minute, "!segment start Acme"), segmentCmd("m", mod, 2*time.Minute, "!segment end")},
			rejected: []string{"", ""}},
		{name: "ViewersMayNot", evs: []hearth.Event{online(0), segmentCmd("v", 0, time.Minute, "!segment start Acme")},
			rejected: []string{RejectPermission}},
		{name: "OneAtATime", evs: []hearth.Event{online(0), segmentCmd("m", mod, time.Minute, "!segment start Acme"), segmentCmd("m", mod, 2*time.Minute, "!segment start Brand")},
			rejected: []string{"", RejectSegmentRunning}, active: "Acme"},
		{name: "EndWithNone", evs: []hearth.Event{online(0), segmentCmd("m", mod, time.Minute, "!segment end")},
			rejected: []string{RejectNoSegment}},
		{name: "Offline", evs: []hearth.Event{online(0), offline(time.Minute), segmentCmd("m", mod, 2*time.Minute, "!segment start Acme")},
			rejected: []string{RejectOffline}},
		{name: "NameTooLong", evs: []hearth.Event{online(0), segmentCmd("m", mod, time.Minute, "!segment start "+string(make([]byte, 0))+fmt.Sprintf("%041d", 0))},
			rejected: []string{RejectBadSegment}},
		{name: "NoName", evs: []hearth.Event{online(0), segmentCmd("m", mod, time.Minute, "!segment start")},
			rejected: []string{RejectBadSegment}},
		{name: "UnknownVerb", evs: []hearth.Event{online(0), segmentCmd("m", mod, time.Minute, "!segment pause")},
			rejected: []string{RejectBadSegment}},
		{name: "NamesBounded", maxNames: 2, evs: []hearth.Event{online(0),
			segmentCmd("m", mod, 1*time.Minute, "!segment start A"), segmentCmd("m", mod, 2*time.Minute, "!segment end"),
			segmentCmd("m", mod, 3*time.Minute, "!segment start B"), segmentCmd("m", mod, 4*time.Minute, "!segment end"),
			segmentCmd("m", mod, 5*time.Minute, "!segment start C"),
			segmentCmd("m", mod, 6*time.Minute, "!segment start A")},
			rejected: []string{"", "", "", "", RejectSegmentNames, ""}, active: "A"},
		{name: "StreamEndEndsSegment", evs: []hearth.Event{online(0), segmentCmd("m", mod, time.Minute, "!segment start Acme"), offline(2 * time.Minute),
			online(time.Hour), segmentCmd("m", mod, time.Hour+time.Minute, "!segment end")},
			rejected: []string{"", RejectNoSegment}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := recapRules()
			if tt.maxNames > 0 {
				rules.SegmentMaxNames = tt.maxNames
			}
			c := NewChannel("chan", rules, nil, nil)
			var got []string
			for _, res := range run(c, tt.evs...) {
				if res.Command == CmdSegment {
					got = append(got, res.Rejected)
					if res.Rejected != "" && res.Rejected != RejectPermission && res.Reply == "" {
						t.Errorf("refusal %s has no reply", res.Rejected)
					}
				}
			}
			if !slices.Equal(got, tt.rejected) {
				t.Errorf("rejected %q, want %q", got, tt.rejected)
			}
			active := ""
			for _, s := range c.Figures().Segments {
				if s.Active {
					active = s.Name
				}
			}
			if active != tt.active {
				t.Errorf("active segment %q, want %q", active, tt.active)
			}
		})
	}
}

func TestSegmentAPI(t *testing.T) {
	c := NewChannel("chan", recapRules(), nil, nil)
	run(c, online(0))
	if _, _, err := c.StartSegment("", t0.Add(time.Minute)); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("empty name: %v", err)
	}
	s, _, err := c.StartSegment("Acme", t0.Add(time.Minute))
	if err != nil || s.Name != "Acme" {
		t.Fatalf("start: %+v, %v", s, err)
	}
	if _, _, err := c.StartSegment("Acme", t0.Add(2*time.Minute)); hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Errorf("second start: %v", err)
	}
	s, _, err = c.EndSegment(t0.Add(3 * time.Minute))
	if err != nil || !s.EndedAt.Equal(t0.Add(3*time.Minute)) || s.During.Minutes != 2 {
		t.Errorf("end: %+v, %v", s, err)
	}
	if _, _, err := c.EndSegment(t0.Add(4 * time.Minute)); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("second end: %v", err)
	}
}

func TestPointsSpent(t *testing.T) {
	r := recapRules()
	r.PollWeighting = hearth.PollWeightPoints
	r.PollPointsPerVote = 5
	c := NewChannel("chan", r, nil, nil)
	run(c, online(0), chatAt("alice", time.Second, "hi"), chatAt("bob", 2*time.Second, "hey"))
	cmd(c, "alice", "!give @bob 4", 0, time.Minute)
	if _, _, err := c.StartPoll(PollSpec{Question: "Map?", Options: []string{"a", "b"}, Duration: time.Minute}, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	cmd(c, "bob", "!vote a", 0, 2*time.Minute+time.Second)
	f := c.Figures()
	if f.PointsGivenTotal != 4 || f.PointsPollsTotal != 5 {
		t.Errorf("given %d, polls %d; want 4, 5", f.PointsGivenTotal, f.PointsPollsTotal)
	}
}

func TestDistribution(t *testing.T) {
	r := recapRules()
	r.Ranks = []Rank{{Name: "Newbie", Min: 0}, {Name: "Regular", Min: 20}}
	c := NewChannel("chan", r, nil, nil)
	run(c, online(0), chatAt("a", time.Second, "1"), chatAt("a", time.Minute, "2"), chatAt("b", time.Second, "3"), chatAt("nightbot", time.Second, "4"),
		offline(time.Hour), online(2*time.Hour), chatAt("a", 2*time.Hour+time.Minute, "5"))
	d := c.Distribution(t0.Add(2 * time.Hour))
	if !slices.Equal(d.ByRank, []hearth.RankCount{{Rank: "Newbie", Viewers: 1}, {Rank: "Regular", Viewers: 1}}) {
		t.Errorf("by rank %+v", d.ByRank)
	}
	// a holds a streak of 2, b of 1 (the live stream can still be attended).
	if d.StreakViewers != 2 || d.StreakSum != 3 || d.StreakCounts[1] != 1 || d.StreakCounts[2] != 2 {
		t.Errorf("streaks: %d viewers, sum %v, cumulative %v", d.StreakViewers, d.StreakSum, d.StreakCounts)
	}
	if d := c.Distribution(t0.Add(40 * 24 * time.Hour)); d.StreakViewers != 0 {
		t.Errorf("%d viewers active 40 days later", d.StreakViewers)
	}
}

func TestRecapSurvivesRestart(t *testing.T) {
	mod := hearth.RoleModerator
	c := NewChannel("chan", recapRules(), nil, nil)
	run(c, script(online(0), says(time.Minute, "a", "b"), offline(time.Hour),
		online(2*time.Hour), says(2*time.Hour+time.Minute, "a", "c"),
		segmentCmd("m", mod, 2*time.Hour+2*time.Minute, "!segment start Acme"),
		chatAt("a", 2*time.Hour+3*time.Minute, "copy"), chatAt("c", 2*time.Hour+3*time.Minute+time.Second, "copy"))...)
	before := recapOf(t, c)
	var stored []hearth.ViewerStats
	for _, v := range c.viewers {
		stored = append(stored, v.stats)
	}
	last, _ := c.Live()
	first := hearth.StreamSession{Channel: "chan", Seq: 1, StartedAt: t0, EndedAt: t0.Add(time.Hour)}
	c = NewChannel("chan", recapRules(), stored, &last)
	c.LoadHistory([]hearth.StreamSession{last, first}, &before)
	after := recapOf(t, c)
	if after.Messages != before.Messages || after.VerifiedMessages != before.VerifiedMessages || after.Newcomers != before.Newcomers ||
		after.Returners != before.Returners || after.Retained != before.Retained || after.PreviousAttendees != before.PreviousAttendees ||
		!slices.Equal(after.Cohorts, before.Cohorts) || len(after.Activity) != len(before.Activity) {
		t.Errorf("after a restart\n%+v\nbefore\n%+v", after, before)
	}
	if f := c.Figures(); !slices.Equal(f.Segments, []hearth.SegmentState{{Name: "Acme", Active: true}}) {
		t.Errorf("segments after a restart %+v, want Acme running", f.Segments)
	}
	if res := run(c, segmentCmd("m", mod, 2*time.Hour+5*time.Minute, "!segment end")); res[0].Rejected != "" {
		t.Errorf("ending the restored segment: %s", res[0].Rejected)
	}
}

// TestVerifiedChattersNotCountedTwiceAfterRestart: chatters verified
// before a restart who chat again after it are not counted again, so a
// stream never has more verified chatters than chatters.
func TestVerifiedChattersNotCountedTwiceAfterRestart(t *testing.T) {
	c := NewChannel("chan", recapRules(), nil, nil)
	run(c, script(online(0), says(time.Minute, "a", "b"))...)
	before := recapOf(t, c)
	if before.VerifiedChatters != 2 {
		t.Fatalf("verified chatters before the restart %d, want 2", before.VerifiedChatters)
	}
	var stored []hearth.ViewerStats
	for _, v := range c.viewers {
		stored = append(stored, v.stats)
	}
	last, _ := c.Live()
	c = NewChannel("chan", recapRules(), stored, &last)
	c.LoadHistory([]hearth.StreamSession{last}, &before)
	run(c, says(2*time.Minute, "a", "b", "c")...)
	after := recapOf(t, c)
	if after.Chatters != 3 || after.VerifiedChatters != 3 {
		t.Fatalf("after a restart: %d chatters, %d verified; want 3 and 3 (a and b counted once)", after.Chatters, after.VerifiedChatters)
	}
}

// TestRecapsOfStreamsEndingBetweenWrites runs two streams back to back
// with nothing written in between, as a replay or a busy tick does: both
// final recaps are handed to the writer, the first with its end.
func TestRecapsOfStreamsEndingBetweenWrites(t *testing.T) {
	c := NewChannel("chan", recapRules(), nil, nil)
	run(c, script(online(0), says(time.Minute, "ann", "bob"), offline(10*time.Minute),
		online(20*time.Minute), says(21*time.Minute, "ann"))...)
	rs := c.RecapsToWrite()
	if len(rs) != 2 {
		t.Fatalf("%d recaps to write, want the ended stream's and the live one's", len(rs))
	}
	if first := rs[0]; first.Seq != 1 || first.EndedAt.IsZero() || first.Messages != 2 || first.Chatters != 2 {
		t.Fatalf("first recap: seq %d, ended %v, %d messages from %d chatters; want stream 1, ended, 2 from 2", first.Seq, first.EndedAt, first.Messages, first.Chatters)
	}
	if live := rs[1]; live.Seq != 2 || !live.EndedAt.IsZero() || live.Messages != 1 {
		t.Fatalf("second recap: seq %d, ended %v, %d messages; want stream 2, live, 1", live.Seq, live.EndedAt, live.Messages)
	}
	if again := c.RecapsToWrite(); len(again) != 0 {
		t.Fatalf("%d recaps to write again with nothing changed", len(again))
	}
}
