package community

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

const mod = hearth.RoleModerator

// pollChannel returns a channel with rules r where a moderator opened the
// poll "Map? | Dust | Inferno | Mirage | Mirage II" lasting 90 s at t0.
func pollChannel(t *testing.T, r Rules) *Channel {
	t.Helper()
	c := NewChannel("chan", r, nil, nil)
	res := cmd(c, "mo", "!poll Map? | Dust | Inferno | Mirage | Mirage II 90s", mod, 0)
	if res.Rejected != "" || res.Poll == nil || res.Poll.Status != hearth.PollOpen {
		t.Fatalf("!poll: rejected %q, poll %+v", res.Rejected, res.Poll)
	}
	return c
}

func votesOf(t *testing.T, c *Channel) []int64 {
	t.Helper()
	p, ok := c.CurrentPoll()
	if !ok {
		t.Fatal("no poll")
	}
	return p.Tally.Votes
}

func TestPollStart(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		roles    hearth.Role
		rejected string
		reply    string // a part of the reply
		duration time.Duration
	}{
		{"DefaultDuration", "!poll Q | A | B", mod, "", "", 2 * time.Minute},
		{"GivenDuration", "!poll Q | A | B 45s", hearth.RoleBroadcaster, "", "", 45 * time.Second},
		{"ViewerMayNot", "!poll Q | A | B", 0, RejectPermission, "", 0},
		{"OneOption", "!poll Q | A", mod, RejectBadPoll, "2 to 10 options", 0},
		{"ElevenOptions", "!poll Q | a | b | c | d | e | f | g | h | i | j | k", mod, RejectBadPoll, "Usage: !poll", 0},
		{"TooShort", "!poll Q | A | B 5s", mod, RejectBadPoll, "10s to 30m", 0},
		{"TooLong", "!poll Q | A | B 31m", mod, RejectBadPoll, "10s to 30m", 0},
		{"RepeatedOption", "!poll Q | A | a", mod, RejectBadPoll, "Usage", 0},
		{"RepeatedBehindInvisibleCharacters", "!poll Q | A | \u200bA\u200b", mod, RejectBadPoll, "Usage", 0},
		{"NoQuestion", "!poll | A | B", mod, RejectBadPoll, "Usage", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewChannel("chan", plainRules(), nil, nil)
			res := cmd(c, "mo", tt.text, tt.roles, 0)
			if res.Command != CmdPoll || res.Rejected != tt.rejected {
				t.Fatalf("command %q rejected %q, want poll, %q", res.Command, res.Rejected, tt.rejected)
			}
			if !strings.Contains(res.Reply, tt.reply) {
				t.Fatalf("reply %q lacks %q", res.Reply, tt.reply)
			}
			p, ok := c.CurrentPoll()
			if tt.rejected != "" {
				if ok {
					t.Fatalf("a refused !poll opened %+v", p)
				}
				return
			}
			if got := p.EndsAt.Sub(p.StartedAt); got != tt.duration {
				t.Fatalf("duration %s, want %s", got, tt.duration)
			}
			if !strings.Contains(res.Announce, "Q") || !strings.Contains(res.Announce, "1) A 2) B") {
				t.Fatalf("announcement %q", res.Announce)
			}
		})
	}
}

func TestOnePollAtATime(t *testing.T) {
	c := pollChannel(t, plainRules())
	first, _ := c.CurrentPoll()
	res := cmd(c, "mo", "!poll Another? | X | Y", mod, 5*time.Second)
	if res.Rejected != RejectPollRunning || !strings.Contains(res.Reply, "!endpoll") || !strings.Contains(res.Reply, "!cancelpoll") {
		t.Fatalf("second !poll: rejected %q, reply %q", res.Rejected, res.Reply)
	}
	if now, _ := c.CurrentPoll(); now.ID != first.ID {
		t.Fatalf("the second !poll replaced the first")
	}
	if _, _, err := c.StartPoll(PollSpec{Question: "Q", Options: []string{"a", "b"}}, t0.Add(6*time.Second)); hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Fatalf("StartPoll while one is open: %v, want ECONFLICT", err)
	}
	cmd(c, "mo", "!endpoll", mod, 10*time.Second)
	if res := cmd(c, "mo", "!poll Another? | X | Y", mod, 11*time.Second); res.Rejected != "" {
		t.Fatalf("!poll after !endpoll: %q", res.Rejected)
	}
}

func TestVotes(t *testing.T) {
	type vote struct {
		login, text string
		at          time.Duration
		outcome     string
		reply       string // a part of the reply; "" for none
	}
	tests := []struct {
		name  string
		rules func(*Rules)
		votes []vote
		want  []int64 // votes per option after them
	}{
		{"Number", nil, []vote{{"ann", "!vote 2", 1e9, hearth.VoteAccepted, ""}}, []int64{0, 1, 0, 0}},
		{"Word", nil, []vote{{"ann", "!vote DUST", 1e9, hearth.VoteAccepted, ""}}, []int64{1, 0, 0, 0}},
		{"ExactLabelThatIsAlsoAPrefix", nil, []vote{{"ann", "!vote mirage", 1e9, hearth.VoteAccepted, ""}}, []int64{0, 0, 1, 0}},
		{"UniquePrefix", nil, []vote{{"ann", "!vote inf", 1e9, hearth.VoteAccepted, ""}}, []int64{0, 1, 0, 0}},
		{"MultiWordLabel", nil, []vote{{"ann", "!vote mirage ii", 1e9, hearth.VoteAccepted, ""}}, []int64{0, 0, 0, 1}},
		{"AmbiguousPrefix", nil, []vote{{"ann", "!vote mir", 1e9, hearth.VoteInvalid, "Mirage, Mirage II"}}, []int64{0, 0, 0, 0}},
		{"NumberOutOfRange", nil, []vote{{"ann", "!vote 5", 1e9, hearth.VoteInvalid, "1) Dust"}, {"bob", "!vote 0", 2e9, hearth.VoteInvalid, "1) Dust"}}, []int64{0, 0, 0, 0}},
		{"NoSuchOption", nil, []vote{{"ann", "!vote nuke", 1e9, hearth.VoteInvalid, "Vote with !vote"}}, []int64{0, 0, 0, 0}},
		{"Empty", nil, []vote{{"ann", "!vote", 1e9, hearth.VoteInvalid, "Vote with !vote"}}, []int64{0, 0, 0, 0}},
		{"ChangeAllowed", nil, []vote{{"ann", "!vote 1", 1e9, hearth.VoteAccepted, ""}, {"ann", "!vote 2", 2e9, hearth.VoteChanged, ""}}, []int64{0, 1, 0, 0}},
		{"ChangeRefused", func(r *Rules) { r.PollAllowChange = false },
			[]vote{{"ann", "!vote 1", 1e9, hearth.VoteAccepted, ""}, {"ann", "!vote 2", 2e9, hearth.VoteDuplicate, ""}}, []int64{1, 0, 0, 0}},
		{"SameVoteTwice", nil, []vote{{"ann", "!vote 1", 1e9, hearth.VoteAccepted, ""}, {"ann", "!vote dust", 2e9, hearth.VoteDuplicate, ""}}, []int64{1, 0, 0, 0}},
		{"OneVotePerViewer", nil, []vote{{"ann", "!vote 1", 1e9, hearth.VoteAccepted, ""}, {"bob", "!vote 1", 2e9, hearth.VoteAccepted, ""}, {"ann", "!vote 1", 3e9, hearth.VoteDuplicate, ""}}, []int64{2, 0, 0, 0}},
		{"Late", nil, []vote{{"ann", "!vote 1", 90e9, hearth.VoteLate, ""}, {"bob", "!vote 2", 91e9, hearth.VoteLate, ""}}, []int64{0, 0, 0, 0}},
		{"LastSecond", nil, []vote{{"ann", "!vote 1", 89e9, hearth.VoteAccepted, ""}}, []int64{1, 0, 0, 0}},
		{"Bot", nil, []vote{{"nightbot", "!vote 1", 1e9, hearth.VoteBot, ""}}, []int64{0, 0, 0, 0}},
		{"Broadcaster", nil, []vote{{"chan", "!vote 1", 1e9, hearth.VoteBot, ""}}, []int64{0, 0, 0, 0}},
		{"BareVotesOff", nil, []vote{{"ann", "2", 1e9, "", ""}, {"bob", "dust", 2e9, "", ""}}, []int64{0, 0, 0, 0}},
		{"BareVotesOn", func(r *Rules) { r.PollBareVotes = true },
			[]vote{{"ann", "2", 1e9, hearth.VoteAccepted, ""}, {"bob", "dust", 2e9, hearth.VoteAccepted, ""}, {"cat", "dust is good", 3e9, "", ""}, {"dan", "9", 4e9, "", ""}, {"eve", "inf", 5e9, "", ""}},
			[]int64{1, 1, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := plainRules()
			if tt.rules != nil {
				tt.rules(&r)
			}
			c := pollChannel(t, r)
			for _, v := range tt.votes {
				res := cmd(c, v.login, v.text, 0, v.at)
				if res.PollVote != v.outcome {
					t.Fatalf("%s %q: outcome %q, want %q", v.login, v.text, res.PollVote, v.outcome)
				}
				if v.reply == "" && res.Reply != "" || !strings.Contains(res.Reply, v.reply) {
					t.Fatalf("%s %q: reply %q, want one with %q", v.login, v.text, res.Reply, v.reply)
				}
				if res.Earned != 0 && v.outcome != "" {
					t.Fatalf("%s %q earned %d points", v.login, v.text, res.Earned)
				}
			}
			if got := votesOf(t, c); !slices.Equal(got, tt.want) {
				t.Fatalf("votes %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVoteEarnsNothing(t *testing.T) {
	r := plainRules()
	r.PollBareVotes = true
	c := pollChannel(t, r)
	cmd(c, "ann", "!vote 1", 0, time.Second)
	cmd(c, "bob", "2", 0, time.Second)
	cmd(c, "cat", "hello", 0, time.Second)
	if points(t, c, "ann") != 0 || points(t, c, "bob") != 0 || points(t, c, "cat") != 10 {
		t.Fatalf("points ann %d, bob %d, cat %d: want 0, 0, 10", points(t, c, "ann"), points(t, c, "bob"), points(t, c, "cat"))
	}
}

func TestPollClose(t *testing.T) {
	tests := []struct {
		name    string
		votes   map[string]string
		winners []int
		line    string
	}{
		{"Winner", map[string]string{"a": "1", "b": "1", "c": "2"}, []int{0}, "Dust wins with 2 of 3 votes (3 voters)"},
		{"Tie", map[string]string{"a": "1", "b": "2"}, []int{0, 1}, "tie between Dust = Inferno with 1 votes each"},
		{"NoVotes", nil, []int{}, "nobody voted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := pollChannel(t, plainRules())
			for login, text := range tt.votes {
				cmd(c, login, "!vote "+text, 0, time.Second)
			}
			res := c.Tick(t0.Add(90 * time.Second))
			if res.Poll == nil || res.Poll.Status != hearth.PollClosed {
				t.Fatalf("tick at the end: poll %+v", res.Poll)
			}
			if !slices.Equal(res.Poll.Tally.Winners, tt.winners) || !strings.Contains(res.Announce, tt.line) {
				t.Fatalf("winners %v, line %q; want %v, %q", res.Poll.Tally.Winners, res.Announce, tt.winners, tt.line)
			}
			if !res.Poll.ClosedAt.Equal(t0.Add(90 * time.Second)) {
				t.Fatalf("closed at %s", res.Poll.ClosedAt)
			}
			st := c.PollState(t0.Add(91 * time.Second))
			if st.Status != hearth.PollClosed || !slices.Equal(st.Winners, tt.winners) {
				t.Fatalf("overlay state %+v", st)
			}
			if len(res.Notices) != 1 || res.Notices[0].Kind != NoticePollResult || res.Notices[0].Text != "Map?" {
				t.Fatalf("notices %+v, want one poll result", res.Notices)
			}
			if again := c.Tick(t0.Add(100 * time.Second)); again.Poll != nil {
				t.Fatalf("a closed poll closed again")
			}
		})
	}
}

func TestEndAndCancel(t *testing.T) {
	t.Run("EndPoll", func(t *testing.T) {
		c := pollChannel(t, plainRules())
		cmd(c, "ann", "!vote 3", 0, time.Second)
		res := cmd(c, "mo", "!endpoll", mod, 2*time.Second)
		if res.Poll == nil || res.Poll.Status != hearth.PollClosed || !strings.Contains(res.Announce, "Mirage wins") {
			t.Fatalf("!endpoll: %+v, %q", res.Poll, res.Announce)
		}
	})
	t.Run("CancelPoll", func(t *testing.T) {
		c := pollChannel(t, plainRules())
		cmd(c, "ann", "!vote 3", 0, time.Second)
		res := cmd(c, "mo", "!cancelpoll", mod, 2*time.Second)
		if res.Poll == nil || res.Poll.Status != hearth.PollCancelled || len(res.Poll.Tally.Winners) != 0 || !strings.Contains(res.Announce, "cancelled") || len(res.Notices) != 0 {
			t.Fatalf("!cancelpoll: %+v, %q, %v", res.Poll, res.Announce, res.Notices)
		}
		if res := cmd(c, "bob", "!vote 1", 0, 3*time.Second); res.PollVote != hearth.VoteLate {
			t.Fatalf("vote after cancel: %q", res.PollVote)
		}
	})
	t.Run("NothingOpen", func(t *testing.T) {
		c := NewChannel("chan", plainRules(), nil, nil)
		for _, text := range []string{"!endpoll", "!cancelpoll"} {
			if res := cmd(c, "mo", text, mod, 0); res.Rejected != RejectNoPoll || !strings.Contains(res.Reply, "!poll") {
				t.Fatalf("%s with no poll: %q %q", text, res.Rejected, res.Reply)
			}
		}
		if res := cmd(c, "ann", "!vote 1", 0, 0); res.PollVote != hearth.VoteInvalid || res.Reply != "" {
			t.Fatalf("!vote with no poll: %q %q", res.PollVote, res.Reply)
		}
	})
	t.Run("ViewersMayNot", func(t *testing.T) {
		c := pollChannel(t, plainRules())
		if res := cmd(c, "ann", "!endpoll", 0, time.Second); res.Rejected != RejectPermission || res.Poll != nil {
			t.Fatalf("viewer !endpoll: %q", res.Rejected)
		}
	})
	t.Run("API", func(t *testing.T) {
		c := pollChannel(t, plainRules())
		if _, _, err := c.EndPoll("nope", false, t0.Add(time.Second)); hearth.ErrorCode(err) != hearth.ENOTFOUND {
			t.Fatalf("EndPoll of an unknown id: %v", err)
		}
		cur, _ := c.CurrentPoll()
		p, res, err := c.EndPoll(cur.ID, true, t0.Add(time.Second))
		if err != nil || p.Status != hearth.PollCancelled || res.Poll == nil {
			t.Fatalf("EndPoll: %+v, %v", p, err)
		}
	})
}

func TestWeighting(t *testing.T) {
	t.Run("Rank", func(t *testing.T) {
		r := plainRules()
		r.PollWeighting = hearth.PollWeightRank
		c := pollChannel(t, r)
		cmd(c, "vet", "hi", 0, 0)
		cmd(c, "mo", "!addpoints @vet 2000", mod, time.Second) // Devoted: the third rank
		cmd(c, "vet", "!vote 1", 0, 2*time.Second)
		cmd(c, "new", "!vote 2", 0, 2*time.Second)
		p, _ := c.CurrentPoll()
		if !slices.Equal(p.Tally.Scores, []int64{3, 1, 0, 0}) || !slices.Equal(p.Tally.Votes, []int64{1, 1, 0, 0}) || p.Weighting != "rank" {
			t.Fatalf("scores %v votes %v weighting %q", p.Tally.Scores, p.Tally.Votes, p.Weighting)
		}
		if st := c.PollState(t0); st.Total != 4 || st.Voters != 2 || st.Weighting != "rank" {
			t.Fatalf("overlay %+v", st)
		}
	})
	t.Run("Points", func(t *testing.T) {
		r := plainRules()
		r.PollWeighting = hearth.PollWeightPoints
		r.PollPointsPerVote = 100
		c := pollChannel(t, r)
		cmd(c, "ann", "hi", 0, 0)
		cmd(c, "mo", "!addpoints @ann 500", mod, time.Second)
		res := cmd(c, "ann", "!vote dust 3", 0, 2*time.Second)
		if res.PollVote != hearth.VoteAccepted || points(t, c, "ann") != 210 {
			t.Fatalf("3 votes for 300: outcome %q, balance %d, want 210", res.PollVote, points(t, c, "ann"))
		}
		// The spend and the vote are in the same result: one transaction.
		if len(res.Changed) != 1 || res.Changed[0].Points != 210 || len(res.PollVotes) != 1 || res.PollVotes[0].Spent != 300 {
			t.Fatalf("result: changed %+v, votes %+v", res.Changed, res.PollVotes)
		}
		if res := cmd(c, "ann", "!vote 2 5", 0, 3*time.Second); res.PollVote != hearth.VoteChanged || points(t, c, "ann") != 10 {
			t.Fatalf("change to 5 votes: %q, balance %d, want 10 (300 back, 500 spent)", res.PollVote, points(t, c, "ann"))
		}
		if res := cmd(c, "ann", "!vote 1 9", 0, 4*time.Second); res.PollVote != hearth.VoteInvalid || res.Rejected != RejectInsufficient || points(t, c, "ann") != 10 {
			t.Fatalf("9 votes with 510 available: %q %q, balance %d", res.PollVote, res.Rejected, points(t, c, "ann"))
		}
		if res := cmd(c, "bob", "!vote 1", 0, 4*time.Second); res.Rejected != RejectInsufficient {
			t.Fatalf("vote with no points: %q", res.Rejected)
		}
		p, _ := c.CurrentPoll()
		if !slices.Equal(p.Tally.Scores, []int64{0, 5, 0, 0}) || p.PointsPerVote != 100 {
			t.Fatalf("scores %v", p.Tally.Scores)
		}
		cmd(c, "mo", "!cancelpoll", mod, 5*time.Second)
		if got := points(t, c, "ann"); got != 510 {
			t.Fatalf("after cancel ann has %d, want 510 (the 500 spent given back)", got)
		}
	})
}

func TestBreakdownAndTurnout(t *testing.T) {
	c := NewChannel("chan", plainRules(), nil, nil)
	cmd(c, "old", "hi", 0, 0)
	c.Tick(t0.Add(45 * time.Minute)) // the stream inferred from chat ends
	live := event(hearth.EventOnline, 50*time.Minute, "", "")
	c.Handle(live)
	cmd(c, "mo", "!poll Q | A | B 60s", mod, 51*time.Minute)
	cmd(c, "lurk", "hello", 0, 51*time.Minute)
	cmd(c, "idle", "hello", 0, 51*time.Minute)
	cmd(c, "old", "!vote a", hearth.RoleSubscriber, 51*time.Minute+time.Second)
	cmd(c, "new", "!vote b", 0, 51*time.Minute+time.Second)
	res := c.Tick(t0.Add(52 * time.Minute))
	p := res.Poll
	if p == nil || p.Status != hearth.PollClosed {
		t.Fatalf("poll %+v", p)
	}
	want := []hearth.PollBreakdown{
		{Subscribers: 1, Newcomers: 0, Ranks: map[string]int64{"Newcomer": 1}},
		{Subscribers: 0, Newcomers: 1, Ranks: map[string]int64{"Newcomer": 1}},
	}
	if len(p.Tally.Breakdown) != len(want) {
		t.Fatalf("breakdown %+v, want one per option", p.Tally.Breakdown)
	}
	for i, b := range p.Tally.Breakdown {
		if b.Subscribers != want[i].Subscribers || b.Newcomers != want[i].Newcomers || b.Ranks["Newcomer"] != 1 {
			t.Fatalf("breakdown %d = %+v, want %+v", i, b, want[i])
		}
	}
	// Active in the 5 minutes before the close: mo, lurk, idle, old, new.
	if p.Tally.ActiveChatters != 5 || p.Tally.Turnout != 0.4 {
		t.Fatalf("active %d turnout %v, want 5, 0.4", p.Tally.ActiveChatters, p.Tally.Turnout)
	}
}

func TestRestartMidPoll(t *testing.T) {
	c := pollChannel(t, plainRules())
	var votes []hearth.PollVote
	var poll hearth.Poll
	for _, ev := range []hearth.Event{chatAt("ann", time.Second, "!vote 1"), chatAt("bob", 2*time.Second, "!vote 2"), chatAt("ann", 3*time.Second, "!vote 3")} {
		res := c.Handle(ev)
		votes = append(votes, res.PollVotes...)
	}
	poll, _ = c.CurrentPoll()
	// The store keeps the last row per viewer.
	last := map[string]hearth.PollVote{}
	for _, v := range votes {
		last[v.UserID] = v
	}
	stored := []hearth.PollVote{last["u-ann"], last["u-bob"]}

	t.Run("Continues", func(t *testing.T) {
		c2 := NewChannel("chan", plainRules(), nil, nil)
		c2.RestorePoll(poll, stored, t0.Add(30*time.Second))
		if got := votesOf(t, c2); !slices.Equal(got, []int64{0, 1, 1, 0}) {
			t.Fatalf("restored votes %v", got)
		}
		if res := c2.Handle(chatAt("bob", 31*time.Second, "!vote 3")); res.PollVote != hearth.VoteChanged {
			t.Fatalf("bob's vote after the restart: %q, want changed", res.PollVote)
		}
		res := c2.Tick(t0.Add(90 * time.Second))
		if res.Poll == nil || res.Poll.Status != hearth.PollClosed || !res.Poll.EndsAt.Equal(poll.EndsAt) || !slices.Equal(res.Poll.Tally.Votes, []int64{0, 0, 2, 0}) {
			t.Fatalf("closed after the restart: %+v", res.Poll)
		}
	})
	t.Run("EndedWhileDown", func(t *testing.T) {
		c2 := NewChannel("chan", plainRules(), nil, nil)
		res := c2.RestorePoll(poll, stored, t0.Add(time.Hour))
		if res.Poll == nil || res.Poll.Status != hearth.PollClosed || !res.Poll.ClosedAt.Equal(poll.EndsAt) || !slices.Equal(res.Poll.Tally.Votes, []int64{0, 1, 1, 0}) {
			t.Fatalf("closed at start: %+v", res.Poll)
		}
		if res.Announce == "" {
			t.Fatal("no announcement of the result")
		}
	})
}

func TestForgetDropsVote(t *testing.T) {
	c := pollChannel(t, plainRules())
	cmd(c, "ann", "!vote 1", 0, time.Second)
	cmd(c, "bob", "!vote 1", 0, time.Second)
	c.Forget("ann")
	if got := votesOf(t, c); !slices.Equal(got, []int64{1, 0, 0, 0}) {
		t.Fatalf("after forgetting ann: %v", got)
	}
}
