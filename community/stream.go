package community

import (
	"slices"
	"time"

	"github.com/hearthlive/hearth"
)

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

// minute credits one minute of watch time to everyone present at at. It
// does so by advancing the stream's minute count, the clock of every open
// presence span (hearth.ViewerStats.WatchFrom): a present viewer's row is
// written only when something else about them changes: their presence
// begins or ends, they reach the attendance minimum or a rank, or they
// earn presence points.
func (c *Channel) minute(at time.Time) {
	m := c.stream.Minutes + 1
	every := int64(c.rules.PresenceInterval / time.Minute)
	pay := every > 0 && m%every == 0
	attendBy := int64(c.rules.AttendMinimum / time.Second)
	var attending []*viewer
	for id := range c.present {
		v, ok := c.viewers[id]
		if !ok || !c.presentAt(v, at) {
			if ok {
				c.closeSpan(v)
			}
			delete(c.present, id)
			continue
		}
		if c.isBot(v) || v.banned {
			c.closeSpan(v)
			continue
		}
		if !c.watching(v) {
			c.enterStream(v)
			c.edit(v).WatchFrom = m
		}
		// The minute is not counted yet: seen now, the viewer's standing
		// is the one before it.
		now := c.effective(v)
		if c.rules.RankBy == RankByWatchTime {
			if c.rules.rankIndex((now.WatchSeconds+60)/60) > c.rules.rankIndex(now.WatchSeconds/60) {
				c.edit(v) // its rank-up is noticed when the operation finishes
			}
		}
		if v.stats.LastAttended != c.stream.Seq && now.StreamWatchSeconds+60 >= attendBy {
			attending = append(attending, v)
		}
		if pay && c.earns(v, at) {
			c.award(v, c.multiplied(c.rules.PresencePoints, 0))
		}
	}
	c.editStream().Minutes = m
	for _, v := range attending {
		c.attend(v)
	}
}

// watching reports whether v has a presence span open in the current
// stream.
func (c *Channel) watching(v *viewer) bool {
	return v.stats.WatchFrom > 0 && v.stats.StreamSeq == c.stream.Seq
}

// watch opens a presence span for v from the next minute, if the stream is
// live and none is open: v is present.
func (c *Channel) watch(v *viewer) {
	if !c.live || c.watching(v) || c.isBot(v) || v.banned {
		return
	}
	c.enterStream(v)
	c.edit(v).WatchFrom = c.stream.Minutes + 1
}

// closeSpan folds v's open presence span, if any, into their watch time
// and closes it: v is no longer present.
func (c *Channel) closeSpan(v *viewer) {
	if v.stats.WatchFrom == 0 {
		return
	}
	s := c.edit(v)
	*s = c.effective(v)
}

// effective returns v's stats with their open presence span counted in, as
// every reader outside the channel sees them.
func (c *Channel) effective(v *viewer) hearth.ViewerStats {
	if v.stats.WatchFrom == 0 {
		return v.stats
	}
	if v.stats.StreamSeq != c.stream.Seq {
		// Spans close when their stream ends (endStream), so this is a
		// row loaded with a span still open: it counts nothing more.
		s := v.stats
		s.WatchFrom = 0
		return s
	}
	return v.stats.Folded(c.stream.Minutes)
}

// rankOf returns the index in the ladder of the rank v holds now.
func (c *Channel) rankOf(v *viewer) int {
	return c.rules.rankIndex(c.rules.rankValue(c.effective(v)))
}

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

// enterStream resets a viewer's per-stream counts the first time they are
// seen in the current stream.
func (c *Channel) enterStream(v *viewer) {
	if v.stats.StreamSeq != c.stream.Seq {
		c.closeSpan(v)
		s := c.edit(v)
		s.StreamSeq = c.stream.Seq
		s.StreamMessages = 0
		s.StreamWatchSeconds = 0
	}
}

// attend counts the current stream toward v's streak once v qualifies: they
// chatted in it, or were present at least AttendMinimum.
func (c *Channel) attend(v *viewer) {
	seq := c.stream.Seq
	if v.stats.LastAttended == seq || v.stats.StreamSeq != seq {
		return
	}
	if v.stats.StreamMessages == 0 && c.effective(v).StreamWatchSeconds < int64(c.rules.AttendMinimum/time.Second) {
		return
	}
	s := c.edit(v)
	switch missed := seq - s.LastAttended - 1; {
	case s.LastAttended == 0:
		s.Streak = 1
	case missed == 0:
		s.Streak++
	case missed == 1 && c.graceAvailable(*s, seq):
		s.Streak++
		s.GraceUsedAt = seq - 1
	default:
		s.Streak = 1
	}
	before := s.LastAttended
	s.LastAttended = seq
	s.LongestStreak = max(s.LongestStreak, s.Streak)
	c.recapAttend(v, before)
}

// graceAvailable reports whether the streak grace may forgive the stream
// before seq: it is on, and was not used in the last StreakGraceEvery
// streams.
func (c *Channel) graceAvailable(s hearth.ViewerStats, seq int64) bool {
	n := c.rules.StreakGraceEvery
	return n > 0 && (s.GraceUsedAt == 0 || seq-1-s.GraceUsedAt >= n)
}

// CurrentStreak is the streak a viewer holds now: their stored streak,
// unless streams they missed since have broken it.
func (c *Channel) CurrentStreak(s hearth.ViewerStats) int64 {
	last := c.stream
	return Standing{Rules: c.rules, Last: &last}.CurrentStreak(s)
}

// Standing answers, from a channel's rules and its last stream session
// alone, what rank a viewer holds and whether their streak still stands;
// exports use it without loading the whole channel.
type Standing struct {
	Channel string // the channel's login: its broadcaster is never ranked
	Rules   Rules
	Last    *hearth.StreamSession // the channel's latest session; nil if none
}

// RankName returns the name of the rank v holds.
func (st Standing) RankName(v hearth.ViewerStats) string { return st.Rules.RankOf(v).Name }

// CurrentStreak returns v's streak unless streams they missed since their
// last attendance have broken it (one may be forgiven by the grace).
func (st Standing) CurrentStreak(s hearth.ViewerStats) int64 {
	if s.LastAttended == 0 || st.Last == nil {
		return 0
	}
	latest := st.Last.Seq
	if st.Last.EndedAt.IsZero() && s.LastAttended != latest {
		latest-- // the live stream can still be attended
	}
	n := st.Rules.StreakGraceEvery
	switch missed := latest - s.LastAttended; {
	case missed <= 0:
		return s.Streak
	case missed == 1 && n > 0 && (s.GraceUsedAt == 0 || latest-s.GraceUsedAt >= n):
		return s.Streak
	default:
		return 0
	}
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
