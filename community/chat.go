package community

import (
	"time"

	"github.com/hearthlive/hearth"
)

// chat applies a chat message: its viewer is seen and present; the
// message counts toward the stream (a stream inferred from chat starts
// with it), the viewer's streak and the recap; it earns points (a command,
// a bare vote, a repeat or a message too soon after the last earn no
// per-message points); and a newcomer or a returning viewer is noticed.
func (c *Channel) chat(ev hearth.Event) {
	v := c.touch(ev.User, time.Time{})
	lastSeen := v.stats.LastSeen
	newcomer := v.stats.Messages == 0
	c.touch(ev.User, ev.Time)
	v.banned = false // Twitch delivers no message from a banned viewer: they were unbanned
	c.noteModerator(ev.User.ID, ev.Roles)
	bot := c.isBot(v)

	// A stream inferred from chat, and the idle gap that ends it, run on
	// the channel's clock: a message whose time is behind it neither starts
	// the stream in the past nor counts as silence since then.
	if c.clock.After(c.lastActivity) {
		c.lastActivity = c.clock
	}
	if !c.live && !c.twitchReports {
		c.startStream(c.clock, hearth.SourceChat)
	}
	c.edit(v).Messages++
	// Presence, and a poll's turnout, time the viewer from here: on the
	// channel's clock.
	if t := unixNanos(c.clock); t > v.lastChat {
		v.lastChat = t
	}
	if !bot {
		c.present[v.stats.UserID] = struct{}{}
		c.result.Chatted, c.result.ChatterID = true, v.stats.UserID
	}
	if c.live {
		c.enterStream(v)
		c.edit(v).StreamMessages++
		if !bot {
			s := c.editStream()
			s.Messages++
			known := v.stats.StreamMessages > 1 // this message is counted already
			if !known {
				c.chatters++
				s.Chatters = int64(c.chatters)
			}
			c.talked(v, !known)
			c.watch(v)
			c.attend(v)
		}
	}

	earned := int64(0)
	hash, now := textHash(ev.Text), unixNanos(ev.Time)
	if c.earns(v, c.clock) {
		repeat := hash != 0 && hash == v.lastText && now-v.lastTextAt < int64(c.rules.RepeatWindow)
		cooled := v.lastEarned == 0 || now-v.lastEarned >= int64(c.rules.MessageCooldown)
		if !IsCommand(c.rules.CommandPrefix, ev.Text) && !c.isBareVote(ev.Text) && !repeat && cooled && c.rules.PointsPerMessage > 0 {
			earned += c.multiplied(c.rules.PointsPerMessage, ev.Roles)
			v.lastEarned = now
		}
		if newcomer {
			earned += c.rules.FirstMessageBonus
			if c.clock.Before(c.raidUntil) {
				earned += c.rules.RaidViewerBonus
			}
		}
		if ev.Bits >= 100 {
			earned += int64(ev.Bits/100) * c.rules.CheerBonusPer100
		}
		c.award(v, earned)
	}
	v.lastText, v.lastTextAt = hash, now
	if earned > 0 && ev.ID != "" {
		c.earned.Put(ev.ID, earning{userID: v.stats.UserID, points: earned})
	}
	if bot {
		return
	}
	if ev.Bits > 0 {
		c.act(NoticeCheer, ev.User, int64(ev.Bits), ev.Text)
	}
	c.recapChat(v, c.clock, hash, newcomer)
	switch {
	case newcomer && (ev.FirstMessage || lastSeen.IsZero()):
		c.result.Notices = append(c.result.Notices, c.notice(NoticeWelcome, v, ""))
	case !newcomer && !lastSeen.IsZero() && ev.Time.Sub(lastSeen) >= c.rules.ReturningAfter:
		c.result.Notices = append(c.result.Notices, c.notice(NoticeWelcomeBack, v, ""))
	}
}
