package community

import (
	"slices"
	"sort"
	"time"

	"github.com/hearthlive/hearth"
)

// BurstWindow is how close in time the same normalised text from chat
// must come to count as one copy-paste burst: a message whose text was
// already sent less than BurstWindow earlier (by anyone) is not counted in
// the verified figures. Each copy extends the burst.
const BurstWindow = 5 * time.Second

// maxActivityMinutes bounds a recap's minute curve: it keeps a stream's
// first 24 hours, as stores keep.
const maxActivityMinutes = hearth.MaxRecapMinutes

// activeDays is how recently a viewer must have been seen for the streak
// distribution.
const activeDays = 30 * 24 * time.Hour

// cohortOffsets are the distances, in streams, at which a newcomer cohort's
// return is counted.
var cohortOffsets = []int64{1, 2, 4}

// recapMarks is what a viewer carries for the recap, in memory only.
type recapMarks struct {
	// attendedBefore is the stream the viewer attended before the one
	// LastAttended names, kept when attend moves LastAttended.
	attendedBefore int64
	// minute and state say in which stream minute (seq*1e7+minute) and in
	// which part (0 the baseline, i+1 segment i) the viewer last chatted,
	// so each chatter counts once per minute and part.
	minute int64
	state  int
	// verified is the stream (Seq) in which the viewer last sent a
	// verified message.
	verified int64
}

// partCounts accumulates one part of a stream (a segment, or the baseline
// outside segments).
type partCounts struct {
	messages       int64
	chatterMinutes int64
	newcomers      int64
	turnoutSum     float64
	polls          int64
}

// recapState is what the channel counts toward its current stream's
// recap. Its figures are rebuilt whole into a hearth.StreamRecap on
// demand.
type recapState struct {
	r        hearth.StreamRecap // counts; Activity, Polls, Segments grow in place
	dirty    bool
	ended    []hearth.StreamRecap // final recaps of streams that ended since the last write
	verified int64                // distinct verified chatters of the stream
	texts    map[uint64]time.Time // recent texts by textHash: when each was last sent
	swept    time.Time
	history  []hearth.StreamSession // the last streams, oldest first, the current one last
	totals   hearth.ChannelFigures  // the Total counts

	// peak, viewerSum and samples are Twitch's viewer counts during the
	// stream; shareSum sums active chatters / viewers at each count.
	peak, viewerSum, samples int64
	shareSum                 float64

	segParts []partCounts // parallel to r.Segments
	base     partCounts
	running  int                 // index of the running segment in r.Segments, -1 for none
	names    map[string]struct{} // segment names used since the channel started here
	order    []string            // names, in the order first used
}

func newRecapState() *recapState {
	return &recapState{texts: make(map[uint64]time.Time), names: make(map[string]struct{}), running: -1}
}

// LoadHistory gives the channel its last streams (any order, as many as
// the store has up to five) so that newcomer cohorts and retention
// survive a restart, and restores the current stream's recap figures that
// cannot be recounted from viewers (nil when none was stored).
func (c *Channel) LoadHistory(streams []hearth.StreamSession, stored *hearth.StreamRecap) {
	h := slices.Clone(streams)
	sort.Slice(h, func(i, j int) bool { return h[i].Seq < h[j].Seq })
	c.recap.history = h
	if c.stream.Seq == 0 {
		return
	}
	c.recapBegin()
	seq := c.stream.Seq
	rs := c.recap
	for _, v := range c.viewers {
		if c.isBot(v) || v.stats.LastAttended != seq {
			continue
		}
		if v.stats.Streak >= 2 && v.stats.GraceUsedAt != seq-1 {
			rs.r.Retained++
			rs.r.PreviousAttendees++
		}
		c.cohortAttend(v)
	}
	if stored == nil || stored.Seq != seq {
		return
	}
	r := &rs.r
	r.Messages, r.Chatters = stored.Messages, stored.Chatters
	r.VerifiedMessages, r.VerifiedChatters = stored.VerifiedMessages, stored.VerifiedChatters
	rs.verified = stored.VerifiedChatters
	// Which chatters were verified before the restart is not stored, so
	// every chatter of this stream counts as counted already: none is
	// counted twice, and verified chatters never exceed chatters. A viewer
	// whose messages before the restart were all collapsed, and who sends
	// a verified one after it, is missed.
	for _, v := range c.viewers {
		if c.isChatter(v) {
			v.recap.verified = seq
		}
	}
	r.Newcomers, r.Returners = stored.Newcomers, stored.Returners
	r.PeakViewers = stored.PeakViewers
	rs.peak = stored.PeakViewers
	r.PreviousAttendees, r.Retained = max(r.PreviousAttendees, stored.PreviousAttendees), max(r.Retained, stored.Retained)
	r.Activity = slices.Clone(stored.Activity)
	r.Polls = slices.Clone(stored.Polls)
	for _, s := range stored.Segments {
		if len(r.Segments) >= hearth.MaxRecapSegments || !c.segmentName(s.Name) {
			continue
		}
		if s.EndedAt.IsZero() {
			if c.live {
				rs.running = len(r.Segments) // it was running when Hearth stopped
			} else {
				s.EndedAt = c.stream.EndedAt
			}
		}
		r.Segments = append(r.Segments, s)
		rs.segParts = append(rs.segParts, partsOf(s.During))
	}
	if len(stored.Segments) > 0 {
		rs.base = partsOf(stored.Segments[0].Baseline)
	}
	rs.dirty = false
}

// partsOf turns a stored rate back into counts.
func partsOf(a hearth.Activity) partCounts {
	p := partCounts{
		messages:       int64(a.MessagesPerMinute*a.Minutes + 0.5),
		chatterMinutes: int64(a.ChattersPerMinute*a.Minutes + 0.5),
		newcomers:      a.Newcomers,
	}
	if a.PollTurnout > 0 {
		p.turnoutSum, p.polls = a.PollTurnout, 1
	}
	return p
}

// recapBegin starts the recap of the stream that just started (or was
// loaded): previous attendees and newcomer cohorts are counted from the
// viewers' attendance.
func (c *Channel) recapBegin() {
	rs := c.recap
	s := c.stream
	if n := len(rs.history); n == 0 || rs.history[n-1].Seq != s.Seq {
		rs.history = append(rs.history, s)
		if len(rs.history) > 5 {
			rs.history = slices.Delete(rs.history, 0, len(rs.history)-5)
		}
	} else {
		rs.history[n-1] = s
	}
	rs.r = hearth.StreamRecap{Channel: c.name, Seq: s.Seq, StartedAt: s.StartedAt, Activity: []hearth.MinuteActivity{}, Polls: []hearth.PollRecap{}, Segments: []hearth.SegmentRecap{}, Cohorts: []hearth.CohortRetention{}}
	rs.verified = 0
	rs.peak, rs.viewerSum, rs.samples, rs.shareSum = 0, 0, 0, 0
	rs.segParts = rs.segParts[:0]
	rs.base = partCounts{}
	rs.running = -1
	for _, k := range cohortOffsets {
		if s.Seq-k >= 1 {
			rs.r.Cohorts = append(rs.r.Cohorts, hearth.CohortRetention{Cohort: s.Seq - k})
		}
	}
	for _, v := range c.viewers {
		if c.isBot(v) {
			continue
		}
		if v.stats.LastAttended == s.Seq-1 && s.Seq > 1 {
			rs.r.PreviousAttendees++
		}
		if i := c.cohortIndex(v); i >= 0 {
			rs.r.Cohorts[i].Newcomers++
		}
	}
	rs.dirty = true
}

// cohortOf returns the stream whose newcomer v was: the last one that began
// at or before v was first seen, 0 when unknown.
func (c *Channel) cohortOf(v *viewer) int64 {
	h := c.recap.history
	for i := len(h) - 1; i >= 0; i-- {
		if !v.stats.FirstSeen.Before(h[i].StartedAt) {
			if i == len(h)-1 || v.stats.FirstSeen.Before(h[i+1].StartedAt) {
				return h[i].Seq
			}
			return 0
		}
	}
	return 0
}

// cohortIndex returns the index of v's cohort among the recap's Cohorts,
// or -1 when v belongs to none of them.
func (c *Channel) cohortIndex(v *viewer) int {
	k := c.cohortOf(v)
	if k == 0 {
		return -1
	}
	for i, co := range c.recap.r.Cohorts {
		if co.Cohort == k {
			return i
		}
	}
	return -1
}

func (c *Channel) cohortAttend(v *viewer) {
	if i := c.cohortIndex(v); i >= 0 {
		co := &c.recap.r.Cohorts[i]
		co.Attended++
		// A viewer first seen by an event older than the stream's start
		// (events may come out of order) joins the cohort late.
		co.Newcomers = max(co.Newcomers, co.Attended)
	}
}

// recapAttend counts v's attendance of the current stream, which attend
// just recorded; before is the stream v attended before it.
func (c *Channel) recapAttend(v *viewer, before int64) {
	v.recap.attendedBefore = before
	if c.isBot(v) {
		return
	}
	rs := c.recap
	if before == c.stream.Seq-1 && before > 0 {
		rs.r.Retained++
	}
	c.cohortAttend(v)
	rs.dirty = true
}

// recapEnd closes the recap of the stream that ended at at: a running
// segment ends with it.
func (c *Channel) recapEnd(at time.Time) {
	if c.recap.running >= 0 {
		c.endSegment(at)
	}
	c.recap.r.EndedAt = at
	c.recap.dirty = true
}

// recapChat counts a message from v, not a bot, whose text has the
// textHash text; newcomer says it is v's first message ever in the
// channel.
func (c *Channel) recapChat(v *viewer, at time.Time, text uint64, newcomer bool) {
	rs := c.recap
	collapsed := false
	if text != 0 {
		last, ok := rs.texts[text]
		collapsed = ok && at.Sub(last) < BurstWindow && !at.Before(last.Add(-BurstWindow))
		if !ok || at.After(last) {
			rs.texts[text] = at
		}
		if at.Sub(rs.swept) >= time.Minute {
			rs.swept = at
			for t, seen := range rs.texts {
				if at.Sub(seen) >= BurstWindow {
					delete(rs.texts, t)
				}
			}
		}
	}
	if newcomer {
		rs.totals.NewcomersTotal++
	}
	if !collapsed {
		rs.totals.VerifiedMessagesTotal++
		c.result.Verified = true
	}
	if !c.live {
		return
	}
	seq := c.stream.Seq
	r := &rs.r
	rs.dirty = true
	if v.stats.StreamMessages == 1 {
		last := v.stats.LastAttended
		if last == seq {
			last = v.recap.attendedBefore
		}
		if last > 0 && last < seq {
			r.Returners++
			rs.totals.ReturnersTotal++
		}
	}
	r.Messages = c.stream.Messages
	r.Chatters = c.stream.Chatters
	if newcomer {
		r.Newcomers++
	}
	if !collapsed {
		r.VerifiedMessages++
		if v.recap.verified != seq {
			v.recap.verified = seq
			rs.verified++
			r.VerifiedChatters = rs.verified
		}
	}

	m := max(int(at.Sub(c.stream.StartedAt)/time.Minute), 0)
	var a *hearth.MinuteActivity
	if m < maxActivityMinutes {
		for len(r.Activity) <= m {
			r.Activity = append(r.Activity, hearth.MinuteActivity{Minute: len(r.Activity)})
		}
		a = &r.Activity[m]
	} else {
		a = &hearth.MinuteActivity{} // past the curve's end: counted in the totals only
	}
	a.Messages++
	if newcomer {
		a.Newcomers++
	}
	part := &rs.base
	state := 0
	if rs.running >= 0 {
		part, state = &rs.segParts[rs.running], rs.running+1
	}
	part.messages++
	if newcomer {
		part.newcomers++
	}
	mark := seq*1e7 + int64(m)
	if v.recap.minute != mark {
		a.Chatters++
		part.chatterMinutes++
	} else if v.recap.state != state {
		part.chatterMinutes++
	}
	v.recap.minute, v.recap.state = mark, state
}

// recapViewers counts a concurrent viewer count Twitch reported at at.
func (c *Channel) recapViewers(at time.Time) {
	if !c.live {
		return
	}
	rs := c.recap
	n := int64(c.roster.viewers)
	rs.peak = max(rs.peak, n)
	rs.viewerSum += n
	rs.samples++
	if n > 0 {
		rs.shareSum += float64(c.activeChatters(at)) / float64(n)
	}
	rs.dirty = true
}

// recapPoll adds a closed or cancelled poll to the recap.
func (c *Channel) recapPoll(p hearth.Poll) {
	rs := c.recap
	if !c.live || p.StartedAt.Before(c.stream.StartedAt) || len(rs.r.Polls) >= hearth.MaxRecapPolls {
		return
	}
	rs.r.Polls = append(rs.r.Polls, hearth.PollRecap{ID: p.ID, Question: p.Question, Voters: p.Tally.Voters, Turnout: p.Tally.Turnout})
	if p.Status == hearth.PollCancelled {
		rs.dirty = true
		return
	}
	part := &rs.base
	if rs.running >= 0 {
		part = &rs.segParts[rs.running]
	}
	part.turnoutSum += p.Tally.Turnout
	part.polls++
	rs.dirty = true
}

// Recap returns the current (or last) stream's recap as it stands at the
// channel's clock; false before the first stream.
func (c *Channel) Recap() (hearth.StreamRecap, bool) {
	if c.stream.Seq == 0 {
		return hearth.StreamRecap{}, false
	}
	rs := c.recap
	r := rs.r
	r.EndedAt = c.stream.EndedAt
	r.Messages, r.Chatters = c.stream.Messages, c.stream.Chatters
	r.PreviousAttendees = max(r.PreviousAttendees, r.Retained)
	r.Top10Share = c.Engagement().Top10Share
	r.Activity = slices.Clone(rs.r.Activity)
	r.Polls = slices.Clone(rs.r.Polls)
	r.Cohorts = slices.Clone(rs.r.Cohorts)
	end := c.clock
	if !c.stream.EndedAt.IsZero() {
		end = c.stream.EndedAt
	}
	total := minutes(c.stream.StartedAt, end)
	for last := min(int(total), maxActivityMinutes); len(r.Activity) < last; {
		r.Activity = append(r.Activity, hearth.MinuteActivity{Minute: len(r.Activity)})
	}
	r.PeakViewers = rs.peak
	if rs.samples > 0 {
		r.AvgViewers = rs.viewerSum / rs.samples
		r.Participation = rs.shareSum / float64(rs.samples)
	}
	r.Segments = make([]hearth.SegmentRecap, len(rs.r.Segments))
	inSegments := 0.0
	for _, s := range rs.r.Segments {
		segEnd := s.EndedAt
		if segEnd.IsZero() {
			segEnd = end
		}
		inSegments += minutes(s.StartedAt, segEnd)
	}
	baseline := rs.base.activity(total - inSegments)
	for i, s := range rs.r.Segments {
		segEnd := s.EndedAt
		if segEnd.IsZero() {
			segEnd = end
		}
		s.During = rs.segParts[i].activity(minutes(s.StartedAt, segEnd))
		s.Baseline = baseline
		s.Lift = 0
		if baseline.MessagesPerMinute > 0 {
			s.Lift = s.During.MessagesPerMinute / baseline.MessagesPerMinute
		}
		r.Segments[i] = s
	}
	return r, true
}

// RecapsToWrite returns the recaps that changed since the last call: the
// final recap of each stream that ended since, and the current stream's if
// it changed. The engine writes them at most once per tick however many
// messages came, and a stream that ends and gives way to the next within
// one tick still has its last figures written.
func (c *Channel) RecapsToWrite() []hearth.StreamRecap {
	out := c.recap.ended
	c.recap.ended = nil
	if c.recap.dirty {
		c.recap.dirty = false
		if r, ok := c.Recap(); ok {
			out = append(out, r)
		}
	}
	return out
}

// keepEndedRecap keeps the final recap of the stream about to be replaced
// by a new one, unless it was written since it last changed.
func (c *Channel) keepEndedRecap() {
	if c.stream.Seq == 0 || !c.recap.dirty {
		return
	}
	if r, ok := c.Recap(); ok {
		c.recap.ended = append(c.recap.ended, r)
	}
}

func minutes(from, to time.Time) float64 {
	if !to.After(from) {
		return 0
	}
	return to.Sub(from).Minutes()
}

// activity turns counts over some minutes into rates.
func (p partCounts) activity(mins float64) hearth.Activity {
	a := hearth.Activity{Minutes: mins, Newcomers: p.newcomers}
	if mins > 0 {
		a.MessagesPerMinute = float64(p.messages) / mins
		a.ChattersPerMinute = float64(p.chatterMinutes) / mins
	}
	if p.polls > 0 {
		a.PollTurnout = p.turnoutSum / float64(p.polls)
	}
	return a
}

// Figures returns the channel's figures beyond Engagement that community
// knows; the engine adds the active chatter windows it keeps.
func (c *Channel) Figures() hearth.ChannelFigures {
	rs := c.recap
	f := rs.totals
	if c.stream.Seq > 0 {
		f.StreamNewcomers = rs.r.Newcomers
		if rs.r.PreviousAttendees > 0 {
			f.Retention = float64(rs.r.Retained) / float64(rs.r.PreviousAttendees)
		}
	}
	f.Segments = make([]hearth.SegmentState, len(rs.order))
	running := ""
	if rs.running >= 0 {
		running = rs.r.Segments[rs.running].Name
	}
	for i, n := range rs.order {
		f.Segments[i] = hearth.SegmentState{Name: n, Active: n == running}
	}
	return f
}

// Distribution walks every viewer for the rank ladder and the streaks of
// those seen in the 30 days before now.
func (c *Channel) Distribution(now time.Time) hearth.Distribution {
	d := hearth.Distribution{ByRank: make([]hearth.RankCount, len(c.rules.Ranks)), StreakCounts: make([]uint64, len(hearth.StreakBuckets))}
	for i, r := range c.rules.Ranks {
		d.ByRank[i].Rank = r.Name
	}
	cutoff := now.Add(-activeDays)
	last := c.stream
	st := Standing{Rules: c.rules, Last: &last}
	for _, v := range c.viewers {
		if c.isBot(v) {
			continue
		}
		if i := c.rules.rankIndex(c.rules.rankValue(v.stats)); i >= 0 && i < len(d.ByRank) {
			d.ByRank[i].Viewers++
		}
		if v.stats.LastSeen.Before(cutoff) {
			continue
		}
		s := st.CurrentStreak(v.stats)
		d.StreakViewers++
		d.StreakSum += float64(s)
		for i, b := range hearth.StreakBuckets {
			if float64(s) <= b {
				d.StreakCounts[i]++
			}
		}
	}
	return d
}
