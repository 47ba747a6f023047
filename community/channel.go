package community

import (
	"sort"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
)

// dedupWindow is how many recent event ids a channel remembers. A reconnect
// re-delivers at most a few hundred lines, so this is ample.
const dedupWindow = 8192

// Result says what one event did to a channel.
type Result struct {
	// Duplicate is set when the event's id was already handled; nothing
	// else changed.
	Duplicate bool
	// Changed holds the new state of every viewer the event changed.
	Changed []hearth.ViewerStats
	// Chatted is set when the event was a counted chat message.
	Chatted bool
	// Earned is the points the event awarded in total.
	Earned int64
}

// Channel is the state of one channel's community: every viewer seen and
// what they earned. It is not safe for concurrent use: one goroutine owns
// it.
type Channel struct {
	name     string
	rules    Rules
	viewers  map[string]*viewer // by user id
	byLogin  map[string]string  // login -> user id
	seen     *seenIDs
	messages int64
}

type viewer struct {
	stats      hearth.ViewerStats
	lastEarned time.Time
}

// NewChannel returns a channel's state with the viewers already stored.
func NewChannel(name string, rules Rules, stored []hearth.ViewerStats) *Channel {
	c := &Channel{
		name:    name,
		rules:   rules,
		viewers: make(map[string]*viewer, len(stored)),
		byLogin: make(map[string]string, len(stored)),
		seen:    newSeenIDs(dedupWindow),
	}
	for _, s := range stored {
		c.viewers[s.UserID] = &viewer{stats: s}
		c.byLogin[s.Login] = s.UserID
		c.messages += s.Messages
	}
	return c
}

// Name returns the channel's login.
func (c *Channel) Name() string { return c.name }

// Viewers returns how many viewers the channel has seen.
func (c *Channel) Viewers() int { return len(c.viewers) }

// Messages returns the chat messages counted in the channel, lifetime.
func (c *Channel) Messages() int64 { return c.messages }

// Viewer returns a viewer's stats by user id.
func (c *Channel) Viewer(userID string) (hearth.ViewerStats, bool) {
	v, ok := c.viewers[userID]
	if !ok {
		return hearth.ViewerStats{}, false
	}
	return v.stats, true
}

// ViewerByLogin returns a viewer's stats by login, case-insensitively.
func (c *Channel) ViewerByLogin(login string) (hearth.ViewerStats, bool) {
	id, ok := c.byLogin[strings.ToLower(login)]
	if !ok {
		return hearth.ViewerStats{}, false
	}
	return c.Viewer(id)
}

// Handle applies one event and reports what changed.
func (c *Channel) Handle(ev hearth.Event) Result {
	if ev.ID != "" && !c.seen.add(ev.ID) {
		return Result{Duplicate: true}
	}
	if ev.User.ID == "" {
		return Result{}
	}
	switch ev.Kind {
	case hearth.EventChat:
		return c.chat(ev)
	case hearth.EventSub, hearth.EventResub, hearth.EventSubGift, hearth.EventRaid:
		v := c.touch(ev.User, ev.Time)
		return Result{Changed: []hearth.ViewerStats{v.stats}}
	}
	return Result{}
}

func (c *Channel) chat(ev hearth.Event) Result {
	v := c.touch(ev.User, ev.Time)
	v.stats.Messages++
	c.messages++
	r := Result{Chatted: true}
	if c.rules.PointsPerMessage > 0 && (v.lastEarned.IsZero() || ev.Time.Sub(v.lastEarned) >= c.rules.MessageCooldown) {
		v.stats.Points += c.rules.PointsPerMessage
		v.lastEarned = ev.Time
		r.Earned = c.rules.PointsPerMessage
	}
	r.Changed = []hearth.ViewerStats{v.stats}
	return r
}

// touch returns the viewer for id, creating it on first sight, and keeps its
// login, display name and last-seen time current.
func (c *Channel) touch(id hearth.Identity, at time.Time) *viewer {
	v, ok := c.viewers[id.ID]
	if !ok {
		v = &viewer{stats: hearth.ViewerStats{
			Channel:   c.name,
			UserID:    id.ID,
			FirstSeen: at,
		}}
		c.viewers[id.ID] = v
	}
	if id.Login != "" && id.Login != v.stats.Login {
		if v.stats.Login != "" {
			delete(c.byLogin, v.stats.Login)
		}
		v.stats.Login = id.Login
		c.byLogin[id.Login] = id.ID
	}
	if id.DisplayName != "" {
		v.stats.DisplayName = id.DisplayName
	}
	if at.After(v.stats.LastSeen) {
		v.stats.LastSeen = at
	}
	if at.Before(v.stats.FirstSeen) {
		v.stats.FirstSeen = at
	}
	return v
}

// Top returns up to n viewers by points, highest first, ties broken by
// login so the order is stable.
func (c *Channel) Top(n int) []hearth.ViewerStats {
	if n <= 0 {
		return nil
	}
	top := make([]hearth.ViewerStats, 0, n+1)
	for _, v := range c.viewers {
		if v.stats.Points <= 0 {
			continue
		}
		if len(top) == n && !ranksAbove(v.stats, top[n-1]) {
			continue
		}
		i := sort.Search(len(top), func(i int) bool { return ranksAbove(v.stats, top[i]) })
		top = append(top, hearth.ViewerStats{})
		copy(top[i+1:], top[i:])
		top[i] = v.stats
		if len(top) > n {
			top = top[:n]
		}
	}
	return top
}

func ranksAbove(a, b hearth.ViewerStats) bool {
	if a.Points != b.Points {
		return a.Points > b.Points
	}
	return a.Login < b.Login
}
