package community

import (
	"time"

	"github.com/hearthlive/hearth"
)

// roster is what Twitch itself reports about who watches a channel, when
// Hearth may ask (Helix): the latest chatter list, lurkers included, and
// the concurrent viewer count.
type roster struct {
	listed   map[string]struct{} // user ids in the latest chatter list
	listedAt time.Time           // when that list was taken
	viewers  int                 // the latest concurrent viewer count
	counted  bool                // Twitch has reported a viewer count
}

// membership applies a viewer joining or leaving the channel's chat
// (EventJoin, EventPart): a known viewer who joined is present until they
// leave.
func (c *Channel) membership(ev hearth.Event) {
	id, ok := c.byLogin[ev.User.Login]
	if !ok {
		return // presence needs a user id; a lurker is counted once they chat
	}
	v := c.viewers[id]
	v.joined = ev.Kind == hearth.EventJoin
	if v.joined && !c.isBot(v) {
		c.present[id] = struct{}{}
	}
}

// chatterList applies a chatter list (EventChatters): everyone in it is
// seen now and present, lurkers who never chatted included, until a later
// list leaves them out or no list has come for PresenceTimeout.
func (c *Channel) chatterList(ev hearth.Event) {
	listed := make(map[string]struct{}, len(ev.Chatters))
	for _, id := range ev.Chatters {
		if id.ID == "" || !hearth.ValidLogin(id.Login) {
			continue
		}
		v := c.touch(id, ev.Time)
		listed[id.ID] = struct{}{}
		if !c.isBot(v) {
			c.present[id.ID] = struct{}{}
			c.watch(v)
		}
	}
	c.roster.listed = listed
	c.roster.listedAt = ev.Time
}

// viewerCount records Twitch's concurrent viewer count (EventViewerCount).
func (c *Channel) viewerCount(ev hearth.Event) {
	c.roster.viewers = max(ev.Count, 0)
	c.roster.counted = true
	c.recapViewers(ev.Time)
}

// presentAt is the presence rule: at at, v is present if chat says they
// joined, if they chatted within PresenceTimeout, or if the latest chatter
// list, taken within PresenceTimeout, names them.
func (c *Channel) presentAt(v *viewer, at time.Time) bool {
	if v.joined || v.lastChat != 0 && unixNanos(at)-v.lastChat < int64(c.rules.PresenceTimeout) {
		return true
	}
	_, listed := c.roster.listed[v.stats.UserID]
	return listed && at.Sub(c.roster.listedAt) < c.rules.PresenceTimeout
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

// concurrent fills in e's concurrent viewer count once Twitch has
// reported one: its latest while live, 0 while offline.
func (c *Channel) concurrent(e *hearth.Engagement) {
	e.ViewerCountKnown = c.roster.counted
	if c.live && c.roster.counted {
		e.ConcurrentViewers = c.roster.viewers
	}
}
