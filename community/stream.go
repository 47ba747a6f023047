package community

import (
	"slices"
	"time"

	"github.com/hearthlive/hearth"
)

// editStream returns the current stream session for changing, and marks
// it to be written.
func (c *Channel) editStream() *hearth.StreamSession {
	c.streamEdited = true
	return &c.stream
}

// settleStream hands the current session to the result if it changed.
func (c *Channel) settleStream() {
	if c.streamEdited {
		c.result.Streams = append(c.result.Streams, c.stream)
		c.streamEdited = false
	}
}

// advance moves the channel's clock to now: every whole minute while live,
// present viewers gain watch time, and every PresenceInterval presence
// points; a stream inferred from chat ends after the idle gap.
func (c *Channel) advance(now time.Time) {
	if !now.After(c.clock) {
		return
	}
	c.clock = now
	for c.live {
		if c.nextTick.IsZero() {
			c.nextTick = now.Add(time.Minute)
		}
		if c.stream.Source == hearth.SourceChat && !now.Before(c.lastActivity.Add(c.rules.IdleGap)) && !c.nextTick.Before(c.lastActivity.Add(c.rules.IdleGap)) {
			c.endStream(c.lastActivity)
			return
		}
		if c.nextTick.After(now) {
			return
		}
		c.minute(c.nextTick)
		c.nextTick = c.nextTick.Add(time.Minute)
	}
}

// startStream starts the next session at at, known from source
// (hearth.SourceTwitch or hearth.SourceChat), once the last session's
// final state and recap are kept.
func (c *Channel) startStream(at time.Time, source string) {
	c.settleStream() // the last session's final state, before it is replaced
	c.keepEndedRecap()
	s := c.editStream()
	*s = hearth.StreamSession{Channel: c.name, Seq: s.Seq + 1, StartedAt: at, Source: source}
	c.live = true
	// The minute timer starts on the channel's clock, also when Twitch says
	// the stream began before it.
	c.nextTick = at.Add(time.Minute)
	if at.Before(c.clock) {
		c.nextTick = c.clock.Add(time.Minute)
	}
	c.chatters = 0
	c.talk = streamTalk{valid: true}
	c.recapBegin()
}

// EndStream ends the live stream at at (the zero time: at the channel's
// clock), as Twitch's offline would, for a recording that stops while the
// stream it shows is live (a replay): the clock moves to at, and the
// stream ends there, never before it began. With no stream live it
// changes nothing but the clock.
func (c *Channel) EndStream(at time.Time) Result {
	c.begin()
	if at.IsZero() {
		at = c.clock
	}
	c.advance(at)
	if c.live {
		c.endStream(at)
	}
	return c.finish()
}

// endStream ends the live session at at, never before it began: present
// viewers' spans close, and a running segment and the recap end with it.
func (c *Channel) endStream(at time.Time) {
	if at.Before(c.stream.StartedAt) {
		at = c.stream.StartedAt
	}
	for id := range c.present {
		if v, ok := c.viewers[id]; ok {
			c.closeSpan(v)
		}
	}
	c.editStream().EndedAt = at
	c.recapEnd(at)
	c.live = false
	c.nextTick = time.Time{}
}

// streamTalk is what Engagement reports of the stream's chatters, kept as
// they chat, so that reading it (every second, and with every recap
// written) costs the same for ten chatters or a million.
type streamTalk struct {
	// valid says the figures count every chatter; chatters is how many
	// they count, so that one forgotten since is noticed.
	valid     bool
	chatters  int
	returning int64 // chatters seen before the stream began
	total     int64 // the chatters' messages in the stream
	top       [10]talker
}

// talker is one of the stream's ten most active chatters.
type talker struct {
	userID   string
	messages int64
}

// talked counts a chat message v sent in the live stream, as a chatter
// (first: their first in it).
func (c *Channel) talked(v *viewer, first bool) {
	t := &c.talk
	if !t.valid {
		return // recount counts it
	}
	if first {
		t.chatters++
		if v.stats.FirstSeen.Before(c.stream.StartedAt) {
			t.returning++
		}
	}
	t.total++
	n := v.stats.StreamMessages
	i := slices.IndexFunc(t.top[:], func(x talker) bool { return x.userID == v.stats.UserID })
	switch {
	case i >= 0:
		t.top[i].messages = n
	case n > t.top[9].messages:
		i = 9
		t.top[i] = talker{v.stats.UserID, n}
	default:
		return
	}
	// Counts only grow, so one step up at a time keeps the ten in order.
	for ; i > 0 && t.top[i-1].messages < t.top[i].messages; i-- {
		t.top[i-1], t.top[i] = t.top[i], t.top[i-1]
	}
}

// recount counts the stream's chatters afresh, walking every viewer: only
// after loading, or after one was forgotten.
func (c *Channel) recount() {
	t := streamTalk{valid: true, chatters: c.chatters}
	for id, v := range c.viewers {
		if !c.isChatter(v) {
			continue
		}
		if v.stats.FirstSeen.Before(c.stream.StartedAt) {
			t.returning++
		}
		n := v.stats.StreamMessages
		t.total += n
		if n > t.top[9].messages {
			i := 9
			for i > 0 && t.top[i-1].messages < n {
				t.top[i] = t.top[i-1]
				i--
			}
			t.top[i] = talker{id, n}
		}
	}
	c.talk = t
}

// Engagement returns the current (or last) stream's chatters, how many of
// them were seen before it began, and the share of its messages sent by
// its ten most active chatters. ActiveChatters is left for the caller,
// which keeps the active window.
func (c *Channel) Engagement() hearth.Engagement {
	e := hearth.Engagement{Viewers: len(c.viewers), Live: c.live, StreamChatters: int64(c.chatters)}
	c.concurrent(&e)
	if !c.talk.valid || c.talk.chatters != c.chatters {
		c.recount()
	}
	e.ReturningChatters = c.talk.returning
	if c.talk.total > 0 {
		var sum int64
		for _, t := range c.talk.top {
			sum += t.messages
		}
		e.Top10Share = float64(sum) / float64(c.talk.total)
	}
	return e
}

// TopChatters returns the current (or last) stream's most active chatters,
// most messages first, at most ten: who the credits thank for the chat.
func (c *Channel) TopChatters() []hearth.ViewerStats {
	if !c.talk.valid || c.talk.chatters != c.chatters {
		c.recount()
	}
	var out []hearth.ViewerStats
	for _, t := range c.talk.top {
		if t.messages == 0 {
			break
		}
		if v, ok := c.viewers[t.userID]; ok {
			out = append(out, v.stats)
		}
	}
	return out
}
