package community

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearthlive/hearth"
)

// Twitch's limits on a native poll (Helix Create Poll).
const (
	NativeMaxTitle    = 60 // characters
	NativeMaxChoices  = 5
	NativeMaxChoice   = 25 // characters
	NativeMinDuration = 15 * time.Second
	NativeMaxDuration = 1800 * time.Second
)

// ValidateNative checks a spec against Twitch's limits for a native poll
// (title up to 60 characters, 2 to 5 choices of up to 25 characters, 15 to
// 1800 seconds), naming the field at fault in an EINVALID error. Run it
// after Validate.
func (s PollSpec) ValidateNative() error {
	switch {
	case len([]rune(s.Question)) > NativeMaxTitle:
		return hearth.Errorf(hearth.EINVALID, "question: a native Twitch poll's title has at most %d characters, got %d", NativeMaxTitle, len([]rune(s.Question)))
	case len(s.Options) > NativeMaxChoices:
		return hearth.Errorf(hearth.EINVALID, "options: a native Twitch poll has 2 to %d choices, got %d", NativeMaxChoices, len(s.Options))
	case s.Duration < NativeMinDuration || s.Duration > NativeMaxDuration:
		return hearth.Errorf(hearth.EINVALID, "duration_seconds: a native Twitch poll lasts %d to %d seconds, got %s",
			int64(NativeMinDuration/time.Second), int64(NativeMaxDuration/time.Second), strconv.FormatFloat(s.Duration.Seconds(), 'f', -1, 64))
	}
	for i, o := range s.Options {
		if n := len([]rune(o)); n > NativeMaxChoice {
			return hearth.Errorf(hearth.EINVALID, "options: choice %d of a native Twitch poll has at most %d characters, got %d", i+1, NativeMaxChoice, n)
		}
	}
	return nil
}

// NativeEndGrace is how long after its end a native poll waits for
// Twitch's end event before Hearth closes it with the last counts it got
// (the event may never come, say while Hearth was down).
const NativeEndGrace = 2 * time.Minute

// shiftedPoll returns u with its start and end d later.
func shiftedPoll(u hearth.PollUpdate, d time.Duration) *hearth.PollUpdate {
	if !u.StartedAt.IsZero() {
		u.StartedAt = u.StartedAt.Add(d)
	}
	if !u.EndsAt.IsZero() {
		u.EndsAt = u.EndsAt.Add(d)
	}
	return &u
}

// MirrorPoll applies a native Twitch poll as Twitch reports it (EventSub
// or the answer to Create Poll): the channel's poll becomes it, unless a
// chat poll is open or the update is the late end of an earlier poll, in
// which case it is only stored. Updates for a native poll already finished
// are ignored.
func (c *Channel) MirrorPoll(u hearth.PollUpdate, startedBy string, now time.Time) Result {
	c.begin()
	c.advance(now)
	c.mirror(u, startedBy)
	return c.finish()
}

func (c *Channel) mirror(u hearth.PollUpdate, startedBy string) {
	if u.ID == "" || len(u.Choices) < hearth.PollMinOptions || len(u.Choices) > hearth.PollMaxOptions {
		return
	}
	status := hearth.PollOpen
	switch strings.ToUpper(u.Status) {
	case "ACTIVE", "":
	case "COMPLETED", "TERMINATED", "ARCHIVED":
		status = hearth.PollClosed
	default: // MODERATED, INVALID
		status = hearth.PollCancelled
	}
	cur := c.poll
	if cur != nil && cur.p.ID == u.ID && cur.p.Status != hearth.PollOpen {
		return
	}
	// Beside an open poll, another poll is only stored: a native one while
	// a chat poll runs, or the late end of an earlier native one.
	side := cur != nil && cur.p.ID != u.ID && cur.p.Status == hearth.PollOpen &&
		(cur.p.Kind == hearth.PollChat || status != hearth.PollOpen)
	var p hearth.Poll
	if cur != nil && cur.p.ID == u.ID {
		p = cur.p
	} else {
		p = hearth.Poll{Channel: c.name, ID: u.ID, Kind: hearth.PollNative, Status: hearth.PollOpen, StartedBy: cmp.Or(startedBy, "twitch"),
			StartedAt: u.StartedAt, EndsAt: u.EndsAt}
		if p.StartedAt.IsZero() {
			p.StartedAt = c.clock
		}
	}
	p.Question = truncateText(u.Title, hearth.PollMaxQuestionLen)
	p.Options = make([]string, len(u.Choices))
	p.Tally.Votes = make([]int64, len(u.Choices))
	p.Tally.Voters = 0
	for i, ch := range u.Choices {
		p.Options[i] = cmp.Or(truncateText(ch.Title, hearth.PollMaxOptionLen), strconv.Itoa(i+1))
		p.Tally.Votes[i] = max(ch.Votes, 0)
		p.Tally.Voters += p.Tally.Votes[i]
	}
	p.Tally.Scores = slices.Clone(p.Tally.Votes)
	if !u.EndsAt.IsZero() && !u.EndsAt.Before(p.StartedAt) {
		p.EndsAt = u.EndsAt
	}
	if p.EndsAt.Before(p.StartedAt) {
		p.EndsAt = p.StartedAt
	}
	if side {
		if status != hearth.PollOpen {
			p.Status, p.ClosedAt = status, c.clock
			if status == hearth.PollClosed {
				p.Tally.Winners = winners(p.Tally.Scores)
			}
		}
		cp := clonePoll(p)
		c.result.Poll = &cp
		return
	}
	c.poll = &openPoll{p: p, votes: map[string]*hearth.PollVote{}}
	if status != hearth.PollOpen {
		at := c.clock
		if !u.EndsAt.IsZero() {
			at = u.EndsAt
		}
		c.closePoll(at, status)
		return
	}
	c.pollChanged()
}

// truncateText cuts s to at most n bytes on a rune boundary.
func truncateText(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
