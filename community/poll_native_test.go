package community

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

func TestMirrorNativePoll(t *testing.T) {
	upd := func(kind hearth.EventKind, status string, votes ...int64) hearth.Event {
		ev := event(kind, time.Second, "", "")
		u := &hearth.PollUpdate{ID: "tw-1", Title: "Native?", Status: status, StartedAt: t0, EndsAt: t0.Add(time.Minute)}
		for i, v := range votes {
			u.Choices = append(u.Choices, hearth.PollUpdateChoice{ID: string(rune('a' + i)), Title: string(rune('A' + i)), Votes: v})
		}
		ev.Poll = u
		return ev
	}
	t.Run("BeginProgressEnd", func(t *testing.T) {
		c := NewChannel("chan", plainRules(), nil, nil)
		res := c.Handle(upd(hearth.EventPollBegin, "ACTIVE", 0, 0))
		if res.Poll == nil || res.Poll.Kind != hearth.PollNative || res.Poll.StartedBy != "twitch" {
			t.Fatalf("begin: %+v", res.Poll)
		}
		c.Handle(upd(hearth.EventPollProgress, "ACTIVE", 3, 5))
		if st := c.PollState(t0); st.Kind != hearth.PollNative || st.Voters != 8 || st.Options[1].Votes != 5 {
			t.Fatalf("progress: %+v", st)
		}
		if res := cmd(c, "ann", "!vote 1", 0, 2*time.Second); res.PollVote != hearth.VoteInvalid || res.PollVotes != nil {
			t.Fatalf("a chat vote on a native poll: %+v", res)
		}
		res = c.Handle(upd(hearth.EventPollEnd, "COMPLETED", 4, 4))
		if res.Poll == nil || res.Poll.Status != hearth.PollClosed || !slices.Equal(res.Poll.Tally.Winners, []int{0, 1}) || res.Announce != "" {
			t.Fatalf("end: %+v, %q", res.Poll, res.Announce)
		}
		if res := c.Handle(upd(hearth.EventPollEnd, "ARCHIVED", 4, 4)); res.Poll != nil {
			t.Fatal("an update after the end changed the poll again")
		}
	})
	t.Run("Moderated", func(t *testing.T) {
		c := NewChannel("chan", plainRules(), nil, nil)
		c.Handle(upd(hearth.EventPollBegin, "ACTIVE", 0, 0))
		res := c.Handle(upd(hearth.EventPollEnd, "MODERATED", 1, 0))
		if res.Poll == nil || res.Poll.Status != hearth.PollCancelled {
			t.Fatalf("moderated: %+v", res.Poll)
		}
	})
	t.Run("LateEndOfAnEarlierPoll", func(t *testing.T) {
		c := NewChannel("chan", plainRules(), nil, nil)
		c.Handle(upd(hearth.EventPollBegin, "ACTIVE", 0, 0))
		next := upd(hearth.EventPollBegin, "ACTIVE", 0, 0)
		next.Poll.ID = "tw-next"
		c.Handle(next)
		res := c.Handle(upd(hearth.EventPollEnd, "COMPLETED", 3, 1))
		if res.Poll == nil || res.Poll.ID != "tw-1" || res.Poll.Status != hearth.PollClosed || res.PollChanged {
			t.Fatalf("late end: %+v", res)
		}
		if cur, _ := c.CurrentPoll(); cur.ID != "tw-next" || cur.Status != hearth.PollOpen {
			t.Fatalf("the overlay's poll is %+v, want the open tw-next", cur)
		}
	})
	t.Run("BesideAChatPoll", func(t *testing.T) {
		c := pollChannel(t, plainRules())
		res := c.Handle(upd(hearth.EventPollBegin, "ACTIVE", 0, 0))
		if res.Poll == nil || res.Poll.ID != "tw-1" || res.PollChanged {
			t.Fatalf("native begin beside a chat poll: %+v", res)
		}
		if cur, _ := c.CurrentPoll(); cur.Kind != hearth.PollChat {
			t.Fatalf("the native poll displaced the open chat poll")
		}
	})
}

func TestValidateNative(t *testing.T) {
	ok := PollSpec{Question: "Q", Options: []string{"a", "b"}, Duration: time.Minute}
	tests := []struct {
		name  string
		edit  func(*PollSpec)
		field string
	}{
		{"OK", func(*PollSpec) {}, ""},
		{"LongTitle", func(s *PollSpec) { s.Question = strings.Repeat("é", 61) }, "question:"},
		{"SixChoices", func(s *PollSpec) { s.Options = []string{"a", "b", "c", "d", "e", "f"} }, "options:"},
		{"LongChoice", func(s *PollSpec) { s.Options[1] = strings.Repeat("x", 26) }, "options: choice 2"},
		{"Short", func(s *PollSpec) { s.Duration = 14 * time.Second }, "duration_seconds: a native Twitch poll lasts 15 to 1800 seconds, got 14"},
		{"Long", func(s *PollSpec) { s.Duration = 1801 * time.Second }, "duration_seconds: a native Twitch poll lasts 15 to 1800 seconds, got 1801"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			s.Options = slices.Clone(ok.Options)
			tt.edit(&s)
			err := s.ValidateNative()
			if tt.field == "" && err != nil || tt.field != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.field)) {
				t.Fatalf("ValidateNative: %v, want one starting %q", err, tt.field)
			}
		})
	}
}

func TestNativePollClosedWithoutEndEvent(t *testing.T) {
	c := NewChannel("chan", plainRules(), nil, nil)
	ev := event(hearth.EventPollBegin, 0, "", "")
	ev.Poll = &hearth.PollUpdate{ID: "tw-2", Title: "Q", Status: "ACTIVE", StartedAt: t0, EndsAt: t0.Add(time.Minute),
		Choices: []hearth.PollUpdateChoice{{Title: "a", Votes: 2}, {Title: "b", Votes: 1}}}
	c.Handle(ev)
	if res := c.Tick(t0.Add(time.Minute + NativeEndGrace - time.Second)); res.Poll != nil {
		t.Fatalf("closed within the grace: %+v", res.Poll)
	}
	res := c.Tick(t0.Add(time.Minute + NativeEndGrace))
	if res.Poll == nil || res.Poll.Status != hearth.PollClosed || !res.Poll.ClosedAt.Equal(t0.Add(time.Minute)) || !slices.Equal(res.Poll.Tally.Winners, []int{0}) {
		t.Fatalf("after the grace: %+v", res.Poll)
	}
}
