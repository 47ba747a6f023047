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

// concurrent fills in e's concurrent viewer count once Twitch has
// reported one: its latest while live, 0 while offline.
func (c *Channel) concurrent(e *hearth.Engagement) {
	e.ViewerCountKnown = c.roster.counted
	if c.live && c.roster.counted {
		e.ConcurrentViewers = c.roster.viewers
	}
}
