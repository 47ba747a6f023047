package community

import (
	"strings"
	"time"

	"github.com/hearthlive/hearth"
)

// Command names of polls.
const (
	CmdPoll       = "poll"
	CmdVote       = "vote"
	CmdEndPoll    = "endpoll"
	CmdCancelPoll = "cancelpoll"
)

// Reasons a poll command is refused, beside the common ones.
const (
	RejectNoPoll      = "no_poll"          // no poll is open
	RejectPollRunning = "poll_running"     // a poll is already open
	RejectBadPoll     = "bad_poll"         // !poll with a wrong number of options or duration
	RejectAmbiguous   = "ambiguous_option" // a vote's prefix matches several options
	RejectBadOption   = "bad_option"       // a vote names no option
	RejectPollClosed  = "poll_closed"      // a vote for a poll that has closed
)

// ParsePoll reads the text of "!poll Question | A | B | C 90s": the
// question, then options separated by '|'; a duration (Go syntax: 90s,
// 2m, 1m30s) may end the last option or stand as a last part of its own.
func ParsePoll(text string) PollSpec {
	parts := strings.Split(text, "|")
	s := PollSpec{Question: strings.TrimSpace(parts[0])}
	for _, p := range parts[1:] {
		s.Options = append(s.Options, strings.TrimSpace(p))
	}
	if n := len(s.Options); n > 0 {
		last := s.Options[n-1]
		i := strings.LastIndexFunc(last, cmdSeparator)
		word := last[i+1:]
		if d, err := time.ParseDuration(strings.ToLower(word)); err == nil && d > 0 {
			s.Duration = d
			if rest := strings.TrimSpace(last[:i+1]); rest != "" {
				s.Options[n-1] = rest
			} else {
				s.Options = s.Options[:n-1]
			}
		}
	}
	return s
}

// pollCommand runs a moderator's !poll.
func (c *Channel) pollCommand(ev hearth.Event, cmd Command) (rejected, reply string) {
	spec := ParsePoll(cmd.Text)
	spec.StartedBy = ev.User.Login
	err := c.startPoll(spec, c.clock)
	switch hearth.ErrorCode(err) {
	case "":
		return "", ""
	case hearth.ECONFLICT:
		return RejectPollRunning, c.say("poll_running", c.rules.CommandPrefix+CmdEndPoll, c.rules.CommandPrefix+CmdCancelPoll)
	}
	return RejectBadPoll, c.say("poll_invalid", Usage(c.rules.CommandPrefix, CmdPoll))
}

// endPollCommand runs !endpoll and !cancelpoll.
func endPollCommand(cancel bool) handler {
	return func(c *Channel, ev hearth.Event, _ Command) (rejected, reply string) {
		if c.poll == nil || c.poll.p.Status != hearth.PollOpen {
			return RejectNoPoll, c.say("poll_none", c.rules.CommandPrefix+CmdPoll)
		}
		status := hearth.PollClosed
		if cancel {
			status = hearth.PollCancelled
		}
		c.closePoll(c.clock, status)
		return "", ""
	}
}

// voteCommand runs !vote: a vote is never answered in chat, except an
// ambiguous or unknown option, which gets a usage line within the
// command's cooldowns.
func (c *Channel) voteCommand(ev hearth.Event, cmd Command) (rejected, reply string) {
	rejected = c.vote(ev, cmd.Text, true)
	switch rejected {
	case RejectAmbiguous, RejectBadOption:
		if ok, _ := c.cmds.Allow(CmdVote, ev.User.ID, ev.Roles, ev.Time); !ok {
			return rejected, ""
		}
		cands := c.candidates(cmd.Text)
		if rejected == RejectAmbiguous {
			for i, cand := range cands {
				cands[i] = shownText(cand, "", lineQuestion)
			}
			return rejected, c.say("vote_ambiguous", shownName(ev.User.DisplayName, ev.User.Login), joinShown(cands, ", ", lineList), c.rules.CommandPrefix+CmdVote)
		}
		return rejected, c.say("vote_usage", c.rules.CommandPrefix+CmdVote, c.optionList(c.poll.p.Options))
	}
	return rejected, ""
}

// candidates returns the labels a prefix matches.
func (c *Channel) candidates(arg string) []string {
	low := strings.ToLower(strings.TrimFunc(arg, cmdSeparator))
	var out []string
	for _, o := range c.poll.p.Options {
		if strings.HasPrefix(strings.ToLower(o), low) {
			out = append(out, o)
		}
	}
	return out
}
