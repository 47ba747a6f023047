package twitchtest

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// The constructors below build EventSub notifications with the event
// objects of Twitch's EventSub reference, field for field. Logins stand
// for users; their ids are UserID(login) and their display names the
// login itself.

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// user returns the user_id, user_login and user_name fields for login,
// each with prefix ("" or "broadcaster_", "from_broadcaster_"...).
func user(event map[string]any, prefix, login string) map[string]any {
	event[prefix+"user_id"] = UserID(login)
	event[prefix+"user_login"] = login
	event[prefix+"user_name"] = login
	return event
}

func broadcasterEvent(broadcaster string) map[string]any {
	return user(map[string]any{}, "broadcaster_", broadcaster)
}

// Follow is channel.follow v2: follower followed broadcaster.
func Follow(broadcaster, follower string) Notification {
	ev := user(broadcasterEvent(broadcaster), "", follower)
	ev["followed_at"] = stamp(time.Now())
	return Notification{Type: "channel.follow", Version: "2", Broadcaster: broadcaster, Event: ev}
}

// Subscribe is channel.subscribe: a first subscription at tier ("1000",
// "2000", "3000"), or a gifted one's recipient when gift is set.
func Subscribe(broadcaster, subscriber, tier string, gift bool) Notification {
	ev := user(broadcasterEvent(broadcaster), "", subscriber)
	ev["tier"] = tier
	ev["is_gift"] = gift
	return Notification{Type: "channel.subscribe", Version: "1", Broadcaster: broadcaster, Event: ev}
}

// SubscriptionGift is channel.subscription.gift: gifter (empty for an
// anonymous gift) gave total subscriptions at once.
func SubscriptionGift(broadcaster, gifter string, total int) Notification {
	ev := broadcasterEvent(broadcaster)
	ev["total"] = total
	ev["tier"] = "1000"
	if gifter == "" {
		ev["user_id"], ev["user_login"], ev["user_name"] = nil, nil, nil
		ev["cumulative_total"] = nil
		ev["is_anonymous"] = true
	} else {
		user(ev, "", gifter)
		ev["cumulative_total"] = total
		ev["is_anonymous"] = false
	}
	return Notification{Type: "channel.subscription.gift", Version: "1", Broadcaster: broadcaster, Event: ev}
}

// SubscriptionMessage is channel.subscription.message: subscriber shared
// a resubscription message after months months.
func SubscriptionMessage(broadcaster, subscriber string, months int, text string) Notification {
	ev := user(broadcasterEvent(broadcaster), "", subscriber)
	ev["tier"] = "1000"
	ev["message"] = map[string]any{"text": text, "emotes": []any{}}
	ev["cumulative_months"] = months
	ev["streak_months"] = nil
	ev["duration_months"] = 1
	return Notification{Type: "channel.subscription.message", Version: "1", Broadcaster: broadcaster, Event: ev}
}

// Cheer is channel.cheer: cheerer (empty for anonymous) cheered bits with
// message.
func Cheer(broadcaster, cheerer string, bits int, message string) Notification {
	ev := broadcasterEvent(broadcaster)
	if cheerer == "" {
		ev["user_id"], ev["user_login"], ev["user_name"] = nil, nil, nil
		ev["is_anonymous"] = true
	} else {
		user(ev, "", cheerer)
		ev["is_anonymous"] = false
	}
	ev["message"] = message
	ev["bits"] = bits
	return Notification{Type: "channel.cheer", Version: "1", Broadcaster: broadcaster, Event: ev}
}

// Raid is channel.raid: from raided to with viewers viewers. It reaches the
// subscriptions whose condition names to.
func Raid(from, to string, viewers int) Notification {
	ev := user(map[string]any{}, "from_broadcaster_", from)
	user(ev, "to_broadcaster_", to)
	ev["viewers"] = viewers
	return Notification{Type: "channel.raid", Version: "1", Broadcaster: to, Event: ev}
}

// Redemption is channel.channel_points_custom_reward_redemption.add: viewer
// redeemed the reward titled title, costing cost points, with input (""
// for a reward that asks for none).
func Redemption(broadcaster, viewer, title string, cost int, input string) Notification {
	ev := user(broadcasterEvent(broadcaster), "", viewer)
	ev["id"] = newUUID()
	ev["user_input"] = input
	ev["status"] = "unfulfilled"
	ev["reward"] = map[string]any{"id": "reward-" + strconv.Itoa(len(title)) + "-" + UserID(title), "title": title, "cost": cost, "prompt": ""}
	ev["redeemed_at"] = stamp(time.Now())
	return Notification{Type: "channel.channel_points_custom_reward_redemption.add", Version: "1", Broadcaster: broadcaster, Event: ev}
}

// Poll is a native poll for the channel.poll.* constructors: Votes holds
// each choice's votes, in the order of Choices.
type Poll struct {
	ID        string
	Title     string
	Choices   []string
	Votes     []int
	StartedAt time.Time
	EndsAt    time.Time
}

func (p Poll) event(broadcaster string, votes bool) map[string]any {
	ev := broadcasterEvent(broadcaster)
	ev["id"] = p.ID
	ev["title"] = p.Title
	choices := make([]any, len(p.Choices))
	for i, title := range p.Choices {
		c := map[string]any{"id": p.ID + "-" + strconv.Itoa(i+1), "title": title}
		if votes {
			n := 0
			if i < len(p.Votes) {
				n = p.Votes[i]
			}
			c["bits_votes"] = 0
			c["channel_points_votes"] = 0
			c["votes"] = n
		}
		choices[i] = c
	}
	ev["choices"] = choices
	ev["bits_voting"] = map[string]any{"is_enabled": false, "amount_per_vote": 0}
	ev["channel_points_voting"] = map[string]any{"is_enabled": false, "amount_per_vote": 0}
	ev["started_at"] = stamp(p.StartedAt)
	return ev
}

// PollBegin is channel.poll.begin.
func PollBegin(broadcaster string, p Poll) Notification {
	ev := p.event(broadcaster, false)
	ev["ends_at"] = stamp(p.EndsAt)
	return Notification{Type: "channel.poll.begin", Version: "1", Broadcaster: broadcaster, Event: ev}
}

// PollProgress is channel.poll.progress, with p's votes.
func PollProgress(broadcaster string, p Poll) Notification {
	ev := p.event(broadcaster, true)
	ev["ends_at"] = stamp(p.EndsAt)
	return Notification{Type: "channel.poll.progress", Version: "1", Broadcaster: broadcaster, Event: ev}
}

// PollEnd is channel.poll.end with status ("completed", "terminated" or
// "archived"); EndsAt is when it ended.
func PollEnd(broadcaster string, p Poll, status string) Notification {
	ev := p.event(broadcaster, true)
	ev["status"] = status
	ev["ended_at"] = stamp(p.EndsAt)
	return Notification{Type: "channel.poll.end", Version: "1", Broadcaster: broadcaster, Event: ev}
}

// ChatMessage is channel.chat.message: c said text in broadcaster's chat,
// cheering bits with it if not 0. Its message_id is new, as IRC's id tag
// would be for the same message.
func ChatMessage(broadcaster string, c Chatter, text string, bits int) Notification {
	ev := broadcasterEvent(broadcaster)
	name := c.DisplayName
	if name == "" {
		name = c.Login
	}
	ev["chatter_user_id"], ev["chatter_user_login"], ev["chatter_user_name"] = c.ID, c.Login, name
	ev["message_id"] = NewMessageID()
	ev["message"] = map[string]any{"text": text, "fragments": []any{
		map[string]any{"type": "text", "text": text, "cheermote": nil, "emote": nil, "mention": nil},
	}}
	ev["message_type"] = "text"
	badges := []any{}
	for _, b := range c.Badges {
		set, version, _ := strings.Cut(b, "/")
		badges = append(badges, map[string]any{"set_id": set, "id": version, "info": ""})
	}
	ev["badges"] = badges
	ev["cheer"] = nil
	if bits > 0 {
		ev["cheer"] = map[string]any{"bits": bits}
	}
	ev["color"] = c.Color
	ev["reply"] = nil
	ev["channel_points_custom_reward_id"] = nil
	ev["source_broadcaster_user_id"], ev["source_broadcaster_user_login"], ev["source_broadcaster_user_name"] = nil, nil, nil
	ev["source_message_id"], ev["source_badges"] = nil, nil
	return Notification{Type: "channel.chat.message", Version: "1", Broadcaster: broadcaster, Event: ev}
}

// StreamOnline is stream.online: broadcaster went live at started.
func StreamOnline(broadcaster string, started time.Time) Notification {
	ev := broadcasterEvent(broadcaster)
	ev["id"] = UserID(broadcaster + stamp(started))
	ev["type"] = "live"
	ev["started_at"] = stamp(started)
	return Notification{Type: "stream.online", Version: "1", Broadcaster: broadcaster, Event: ev}
}

// StreamOffline is stream.offline.
func StreamOffline(broadcaster string) Notification {
	return Notification{Type: "stream.offline", Version: "1", Broadcaster: broadcaster, Event: broadcasterEvent(broadcaster)}
}

// demoRewards are the channel-points rewards EmitAudienceEvents redeems.
var demoRewards = []struct {
	title string
	cost  int
}{{"Hydrate!", 100}, {"Posture check", 250}, {"Pick the next song", 1000}, {"Choose my loadout", 2500}, {"Say hi to <chat>", 50}}

// EmitAudienceEvents has viewers of broadcaster follow and redeem
// channel-points rewards now and then (one event every interval on
// average, two follows for each redemption, each viewer following once)
// until ctx ends, for the demo. viewers is a snapshot the caller owns.
func (a *API) EmitAudienceEvents(ctx context.Context, broadcaster string, viewers []Chatter, interval time.Duration, seed int64) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x68656172))
	order := rng.Perm(len(viewers))
	followed := 0
	for {
		wait := time.Duration(float64(interval) * (0.5 + rng.Float64()))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if len(viewers) == 0 {
			continue
		}
		if rng.IntN(3) < 2 && followed < len(order) {
			a.Notify(as(Follow(broadcaster, ""), viewers[order[followed]]), 1)
			followed++
			continue
		}
		r := demoRewards[rng.IntN(len(demoRewards))]
		a.Notify(as(Redemption(broadcaster, "", r.title, r.cost, ""), viewers[rng.IntN(len(viewers))]), 1)
	}
}

// as makes c the user of n's event, with c's own id and display name.
func as(n Notification, c Chatter) Notification {
	n.Event["user_id"], n.Event["user_login"], n.Event["user_name"] = c.ID, c.Login, c.DisplayName
	if c.DisplayName == "" {
		n.Event["user_name"] = c.Login
	}
	return n
}
