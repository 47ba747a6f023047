package eventsub

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream"
)

// esUser is the user_id, user_login and user_name triple EventSub events
// carry, under a prefix; anonymous users have nulls.
type esUser struct {
	ID    *string `json:"user_id"`
	Login *string `json:"user_login"`
	Name  *string `json:"user_name"`
}

// esEvent holds every event field Hearth reads, across the types it
// subscribes to.
type esEvent struct {
	esUser
	BroadcasterID    string `json:"broadcaster_user_id"`
	BroadcasterLogin string `json:"broadcaster_user_login"`

	FromID    string `json:"from_broadcaster_user_id"`
	FromLogin string `json:"from_broadcaster_user_login"`
	FromName  string `json:"from_broadcaster_user_name"`
	ToID      string `json:"to_broadcaster_user_id"`
	ToLogin   string `json:"to_broadcaster_user_login"`
	Viewers   int    `json:"viewers"`

	ID          string          `json:"id"`
	IsGift      bool            `json:"is_gift"`
	IsAnonymous bool            `json:"is_anonymous"`
	Total       int             `json:"total"`
	Months      int             `json:"cumulative_months"`
	Bits        int             `json:"bits"`
	Message     json.RawMessage `json:"message"` // a string for cheers, {"text": ...} for resubs
	UserInput   string          `json:"user_input"`
	Reward      *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		Cost  int    `json:"cost"`
	} `json:"reward"`

	Title   string `json:"title"`
	Status  string `json:"status"`
	Choices []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		Votes int64  `json:"votes"`
	} `json:"choices"`

	FollowedAt time.Time `json:"followed_at"`
	RedeemedAt time.Time `json:"redeemed_at"`
	StartedAt  time.Time `json:"started_at"`
	EndsAt     time.Time `json:"ends_at"`
	EndedAt    time.Time `json:"ended_at"`
}

// NormalizeNotification turns one EventSub notification's event object
// into a Hearth event. subType is metadata.subscription_type, messageID
// metadata.message_id (the event's ID, so a re-delivery is dropped; a chat
// message keeps its own message_id, the one IRC carries too) and at
// metadata.message_timestamp, used when the event carries no time of its
// own. It returns stream.ErrIgnored for types and events Hearth has no use for (a
// gifted subscription's recipient: the gift itself counts) and a
// *stream.MalformedError for unusable ones; it never panics.
func NormalizeNotification(subType string, event json.RawMessage, messageID string, at time.Time) (hearth.Event, error) {
	if subType == chatSubscription.Type {
		return normalizeChat(event, at)
	}
	var e esEvent
	if err := json.Unmarshal(event, &e); err != nil {
		return hearth.Event{}, stream.Malformed("eventsub_json")
	}
	ev := hearth.Event{ID: messageID, Time: at}
	channel, channelID := e.BroadcasterLogin, e.BroadcasterID
	switch subType {
	case "channel.follow":
		ev.Kind = hearth.EventFollow
		ev.Time = timeOr(e.FollowedAt, at)
	case "channel.subscribe":
		if e.IsGift {
			return hearth.Event{}, stream.ErrIgnored
		}
		ev.Kind, ev.Months = hearth.EventSub, 1
	case "channel.subscription.gift":
		ev.Kind, ev.Count = hearth.EventSubGift, max(e.Total, 1)
	case "channel.subscription.message":
		ev.Kind, ev.Months = hearth.EventResub, max(e.Months, 0)
		var m struct {
			Text string `json:"text"`
		}
		_ = json.Unmarshal(e.Message, &m)
		ev.Text = stream.ClampText(m.Text)
	case "channel.cheer":
		ev.Kind, ev.Bits = hearth.EventCheer, max(e.Bits, 0)
		var text string
		_ = json.Unmarshal(e.Message, &text)
		ev.Text = stream.ClampText(text)
	case "channel.raid":
		ev.Kind, ev.Count = hearth.EventRaid, max(e.Viewers, 0)
		channel, channelID = e.ToLogin, e.ToID
		e.esUser = esUser{ID: &e.FromID, Login: &e.FromLogin, Name: &e.FromName}
	case "channel.channel_points_custom_reward_redemption.add":
		if e.Reward == nil || e.Reward.ID == "" {
			return hearth.Event{}, stream.Malformed("eventsub_reward")
		}
		ev.Kind = hearth.EventRedemption
		ev.Reward = hearth.Reward{ID: e.Reward.ID, Title: stream.ClampText(e.Reward.Title), Cost: max(e.Reward.Cost, 0)}
		ev.Text = stream.ClampText(e.UserInput)
		ev.Time = timeOr(e.RedeemedAt, at)
	case "channel.poll.begin", "channel.poll.progress", "channel.poll.end":
		return normalizePoll(subType, e, ev)
	case "stream.online":
		ev.Kind, ev.Time = hearth.EventOnline, timeOr(e.StartedAt, at)
	case "stream.offline":
		ev.Kind = hearth.EventOffline
	default:
		return hearth.Event{}, stream.ErrIgnored
	}
	if ev.Channel = hearth.NormalizeChannel(channel); ev.Channel == "" {
		return hearth.Event{}, stream.Malformed("channel")
	}
	ev.ChannelID = channelID
	switch ev.Kind {
	case hearth.EventOnline, hearth.EventOffline:
		return ev, nil
	}
	if e.esUser.ID == nil && (e.IsAnonymous || ev.Kind == hearth.EventSubGift || ev.Kind == hearth.EventCheer) {
		return ev, nil // anonymous: nobody to credit, but the event counts
	}
	user, err := stream.Identity(deref(e.esUser.ID), deref(e.Login), deref(e.Name))
	if err != nil {
		return hearth.Event{}, err
	}
	ev.User = user
	if user.ID == channelID {
		ev.Roles = hearth.RoleBroadcaster
	}
	return ev, nil
}

func normalizePoll(subType string, e esEvent, ev hearth.Event) (hearth.Event, error) {
	if ev.Channel = hearth.NormalizeChannel(e.BroadcasterLogin); ev.Channel == "" {
		return hearth.Event{}, stream.Malformed("channel")
	}
	if e.ID == "" {
		return hearth.Event{}, stream.Malformed("eventsub_poll")
	}
	ev.ChannelID = e.BroadcasterID
	p := &hearth.PollUpdate{ID: e.ID, Title: stream.ClampText(e.Title), Status: "ACTIVE", StartedAt: e.StartedAt, EndsAt: e.EndsAt}
	switch subType {
	case "channel.poll.begin":
		ev.Kind = hearth.EventPollBegin
	case "channel.poll.progress":
		ev.Kind = hearth.EventPollProgress
	default:
		ev.Kind = hearth.EventPollEnd
		p.Status, p.EndsAt = strings.ToUpper(e.Status), e.EndedAt
	}
	for _, c := range e.Choices {
		p.Choices = append(p.Choices, hearth.PollUpdateChoice{ID: c.ID, Title: stream.ClampText(c.Title), Votes: max(c.Votes, 0)})
	}
	ev.Poll = p
	return ev, nil
}

func timeOr(t, fallback time.Time) time.Time {
	if t.IsZero() {
		return fallback
	}
	return t
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
