package community

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// TestCommandRejectionsAreThePossibleOnes runs every command with many
// arguments, from a viewer, a moderator and the broadcaster, in channels
// in many states, and collects the (command, reason) pairs the refusals
// carry. They must be exactly the pairs CommandRejections declares: one
// more would be a metric series never declared, one fewer a series that
// can never move.
func TestCommandRejectionsAreThePossibleOnes(t *testing.T) {
	declared := map[[2]string]bool{}
	for name, reasons := range CommandRejections() {
		if !slices.Contains(CommandNames, name) {
			t.Errorf("CommandRejections names %q, which is not a command", name)
		}
		for _, r := range reasons {
			declared[[2]string{name, r}] = true
		}
	}

	// Each state is a channel set up from scratch: ann (100 points) and
	// bob (50) chatted, nightbot is a bot.
	type state struct {
		name  string
		rules func(*Rules)
		setup func(t *testing.T, c *Channel)
	}
	states := []state{
		{name: "Offline", setup: func(t *testing.T, c *Channel) {
			c.Handle(event(hearth.EventOffline, 11*time.Minute, "", ""))
		}},
		{name: "PollOpen", rules: func(r *Rules) {
			r.PollWeighting, r.PollPointsPerVote, r.PollBareVotes = hearth.PollWeightPoints, 40, true
		}, setup: func(t *testing.T, c *Channel) {
			startPoll(t, c, "!poll Map? | Mirage | Mountain | Dust 10m")
		}},
		{name: "PollClosed", setup: func(t *testing.T, c *Channel) {
			startPoll(t, c, "!poll Map? | Mirage | Mountain | Dust 10m")
			if r := cmd(c, "mo", "!endpoll", mod, 11*time.Minute); r.Rejected != "" {
				t.Fatalf("!endpoll: %q", r.Rejected)
			}
		}},
		{name: "SegmentRunning", setup: func(t *testing.T, c *Channel) {
			c.Handle(event(hearth.EventOnline, 10*time.Minute, "", ""))
			if r := cmd(c, "mo", "!segment start Acme", mod, 10*time.Minute); r.Rejected != "" {
				t.Fatalf("!segment start: %q", r.Rejected)
			}
		}},
		{name: "SegmentNamesUsed", rules: func(r *Rules) { r.SegmentMaxNames = 1 }, setup: func(t *testing.T, c *Channel) {
			c.Handle(event(hearth.EventOnline, 10*time.Minute, "", ""))
			cmd(c, "mo", "!segment start Acme", mod, 10*time.Minute)
			if r := cmd(c, "mo", "!segment end", mod, 10*time.Minute); r.Rejected != "" {
				t.Fatalf("!segment end: %q", r.Rejected)
			}
		}},
	}
	args := []string{"", "5", "50", "99999999999999", "x", "x y z", "1 2 3 4",
		"@bob", "bob", "@ann", "@nightbot", "@chan", "@ghost", "@!!", "@bob 5", "@bob 99999", "@bob x", "@bob 99999999999999", "@bob 5 6",
		"@ann 5", "@nightbot 5", "@chan 5", "@ghost 5", "@!! 5",
		"1", "9", "m", "mirage 3", "Q", "Q | a | b", "Q | a", "start", "start Acme", "start Other", "end", "stop"}
	type sender struct {
		login string
		roles hearth.Role
	}
	senders := []sender{{"ann", 0}, {"ann", mod}, {"chan", hearth.RoleBroadcaster}}

	seen := map[[2]string]string{}
	record := func(r Result, how string) {
		if r.Rejected == "" {
			return
		}
		p := [2]string{r.Command, r.Rejected}
		if !declared[p] {
			t.Errorf("%s: refused %s for %s, which CommandRejections does not declare", how, r.Command, r.Rejected)
		}
		if _, ok := seen[p]; !ok {
			seen[p] = how
		}
	}
	newChannel := func(t *testing.T, s state, cooldowns bool) *Channel {
		rules := plainRules()
		if s.rules != nil {
			s.rules(&rules)
		}
		if cooldowns {
			rules.Cooldowns = CooldownConfig{PerUser: time.Hour, Global: time.Hour}
		}
		c := NewChannel("chan", rules, nil, nil)
		for i := range 10 {
			c.Handle(chatAt("ann", time.Duration(i)*time.Minute, fmt.Sprint("hi ", i)))
		}
		for i := range 5 {
			c.Handle(chatAt("bob", time.Duration(i)*time.Minute, fmt.Sprint("yo ", i)))
		}
		c.Handle(chatAt("nightbot", 0, "beep"))
		c.Handle(chatAt("chan", 0, "hello chat"))
		if s.setup != nil {
			s.setup(t, c)
		}
		return c
	}
	for _, s := range states {
		for _, name := range CommandNames {
			for _, a := range args {
				text := "!" + name
				if a != "" {
					text += " " + a
				}
				for _, from := range senders {
					c := newChannel(t, s, false)
					record(cmd(c, from.login, text, from.roles, 12*time.Minute), fmt.Sprintf("%s: %s %q", s.name, from.login, text))
				}
				// Cooldowns: the same viewer again, then another.
				c := newChannel(t, s, true)
				cmd(c, "ann", text, 0, 12*time.Minute)
				record(cmd(c, "ann", text, 0, 12*time.Minute+time.Second), fmt.Sprintf("%s: again %q", s.name, text))
				record(cmd(c, "bob", text, 0, 12*time.Minute+2*time.Second), fmt.Sprintf("%s: another %q", s.name, text))
			}
		}
		// Bare votes: a message that is only an option.
		for _, text := range []string{"1", "Mirage", "3"} {
			c := newChannel(t, s, false)
			cmd(c, "ann", "!vote 1", 0, 12*time.Minute)
			record(cmd(c, "bob", text, 0, 12*time.Minute+time.Second), fmt.Sprintf("%s: bare %q", s.name, text))
		}
	}

	var missing []string
	for p := range declared {
		if _, ok := seen[p]; !ok {
			missing = append(missing, p[0]+"/"+p[1])
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("declared but never produced: %q", missing)
	}
}

// startPoll opens a chat poll from a moderator's text at 10 minutes.
func startPoll(t *testing.T, c *Channel, text string) {
	t.Helper()
	if r := cmd(c, "mo", text, mod, 10*time.Minute); r.Rejected != "" || r.Poll == nil {
		t.Fatalf("%s: rejected %q", text, r.Rejected)
	}
}
