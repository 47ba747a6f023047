package irc

import (
	"strconv"
	"strings"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream"
)

// Normalize turns one parsed Twitch message into a Hearth event. received
// is used when the message carries no tmi-sent-ts. It returns stream.ErrIgnored for
// messages of no interest and a *stream.MalformedError for unusable ones; it never
// panics on any input the parser produces.
func Normalize(msg twitch.Message, received time.Time) (hearth.Event, error) {
	switch m := msg.(type) {
	case *twitch.PrivateMessage:
		return normalizePrivmsg(m, received)
	case *twitch.UserNoticeMessage:
		return normalizeUserNotice(m, received)
	case *twitch.ClearChatMessage:
		return normalizeClearChat(m, received)
	case *twitch.ClearMessage:
		return normalizeClearMsg(m, received)
	case *twitch.UserJoinMessage:
		return normalizeMembership(hearth.EventJoin, m.Channel, m.User, received)
	case *twitch.UserPartMessage:
		return normalizeMembership(hearth.EventPart, m.Channel, m.User, received)
	}
	return hearth.Event{}, stream.ErrIgnored
}

func normalizePrivmsg(m *twitch.PrivateMessage, received time.Time) (hearth.Event, error) {
	ch := hearth.NormalizeChannel(m.Channel)
	if ch == "" {
		return hearth.Event{}, stream.Malformed("channel")
	}
	user, err := stream.Identity(m.User.ID, m.User.Name, m.User.DisplayName)
	if err != nil {
		return hearth.Event{}, err
	}
	if m.ID == "" {
		return hearth.Event{}, stream.Malformed("message_id")
	}
	// Twitch counts emote positions in code points of the message as
	// sent; ClampText keeps valid text as it is and only cuts its end, so
	// the positions still hold for what is kept.
	text := stream.ClampText(m.Message)
	return hearth.Event{
		Kind:             hearth.EventChat,
		Channel:          ch,
		ChannelID:        m.RoomID,
		SourceChannelID:  sourceRoom(m.Tags, m.RoomID),
		ID:               m.ID,
		Time:             eventTime(m.Time, received),
		User:             user,
		Roles:            stream.Roles(m.User.Badges, m.User.ID, m.RoomID),
		Text:             text,
		Action:           m.Action,
		Color:            stream.Color(m.User.Color),
		Badges:           stream.Badges(m.Tags["badges"]),
		Emotes:           stream.Emotes(m.Tags["emotes"], text),
		FirstMessage:     m.FirstMessage,
		ReturningChatter: m.Tags["returning-chatter"] == "1",
		Bits:             max(m.Bits, 0),
	}, nil
}

func normalizeUserNotice(m *twitch.UserNoticeMessage, received time.Time) (hearth.Event, error) {
	var kind hearth.EventKind
	switch m.MsgID {
	case "sub":
		kind = hearth.EventSub
	case "resub":
		kind = hearth.EventResub
	case "subgift", "anonsubgift":
		kind = hearth.EventSubGift
	case "raid":
		kind = hearth.EventRaid
	case "announcement":
		kind = hearth.EventAnnouncement
	default:
		return hearth.Event{}, stream.ErrIgnored
	}
	ch := hearth.NormalizeChannel(m.Channel)
	if ch == "" {
		return hearth.Event{}, stream.Malformed("channel")
	}
	user, err := stream.Identity(m.User.ID, m.Tags["login"], m.User.DisplayName)
	if err != nil {
		return hearth.Event{}, err
	}
	if m.ID == "" {
		return hearth.Event{}, stream.Malformed("message_id")
	}
	ev := hearth.Event{
		Kind:            kind,
		Channel:         ch,
		ChannelID:       m.RoomID,
		SourceChannelID: sourceRoom(m.Tags, m.RoomID),
		ID:              m.ID,
		Time:            eventTime(m.Time, received),
		User:            user,
		Roles:           stream.Roles(m.User.Badges, m.User.ID, m.RoomID),
		Text:            stream.ClampText(m.Message),
		Months:          param(m.MsgParams, "msg-param-cumulative-months"),
	}
	switch kind {
	case hearth.EventSubGift:
		target, err := stream.Identity(m.MsgParams["msg-param-recipient-id"], m.MsgParams["msg-param-recipient-user-name"], m.MsgParams["msg-param-recipient-display-name"])
		if err != nil {
			return hearth.Event{}, stream.Malformed("gift_recipient")
		}
		ev.Target = target
		ev.Months = param(m.MsgParams, "msg-param-months")
		ev.Count = 1
	case hearth.EventRaid:
		ev.Count = param(m.MsgParams, "msg-param-viewerCount")
	}
	return ev, nil
}

func normalizeClearChat(m *twitch.ClearChatMessage, received time.Time) (hearth.Event, error) {
	ch := hearth.NormalizeChannel(m.Channel)
	if ch == "" {
		return hearth.Event{}, stream.Malformed("channel")
	}
	ev := hearth.Event{
		Kind:            hearth.EventChatCleared,
		Channel:         ch,
		ChannelID:       m.RoomID,
		SourceChannelID: sourceRoom(m.Tags, m.RoomID),
		Time:            eventTime(m.Time, received),
	}
	if m.TargetUserID != "" || m.TargetUsername != "" {
		target, err := stream.Identity(m.TargetUserID, m.TargetUsername, "")
		if err != nil {
			return hearth.Event{}, stream.Malformed("clearchat_target")
		}
		ev.Target = target
		ev.Kind = hearth.EventBan
		if m.BanDuration > 0 {
			ev.Kind = hearth.EventTimeout
			ev.Duration = time.Duration(m.BanDuration) * time.Second
		}
	}
	// CLEARCHAT carries no id; Twitch's timestamp, room and target identify
	// it well enough to drop a re-delivery.
	ev.ID = "clearchat:" + m.RoomID + ":" + ev.Target.ID + ":" + m.Tags["tmi-sent-ts"]
	return ev, nil
}

func normalizeClearMsg(m *twitch.ClearMessage, received time.Time) (hearth.Event, error) {
	ch := hearth.NormalizeChannel(m.Channel)
	if ch == "" {
		return hearth.Event{}, stream.Malformed("channel")
	}
	if m.TargetMsgID == "" {
		return hearth.Event{}, stream.Malformed("target_message_id")
	}
	login := strings.ToLower(m.Login)
	if !hearth.ValidLogin(login) {
		login = ""
	}
	return hearth.Event{
		Kind:            hearth.EventMessageDeleted,
		Channel:         ch,
		SourceChannelID: sourceRoom(m.Tags, m.Tags["room-id"]),
		ID:              "clearmsg:" + m.TargetMsgID,
		Time:            eventTime(parseMillis(m.Tags["tmi-sent-ts"]), received),
		Target:          hearth.Identity{Login: login},
		TargetMessageID: m.TargetMsgID,
	}, nil
}

func normalizeMembership(kind hearth.EventKind, channel, login string, received time.Time) (hearth.Event, error) {
	ch := hearth.NormalizeChannel(channel)
	if ch == "" {
		return hearth.Event{}, stream.Malformed("channel")
	}
	login = strings.ToLower(login)
	if !hearth.ValidLogin(login) {
		return hearth.Event{}, stream.Malformed("login")
	}
	return hearth.Event{Kind: kind, Channel: ch, Time: received, User: hearth.Identity{Login: login}}, nil
}

// sourceRoom returns the room a Shared Chat line was sent in, from its
// source-room-id tag, when that is not the room it was delivered to ("" for
// the channel's own lines, which carry no tag or their own room).
func sourceRoom(tags map[string]string, roomID string) string {
	if src := tags["source-room-id"]; src != "" && src != roomID {
		return src
	}
	return ""
}

func eventTime(t, received time.Time) time.Time {
	if t.IsZero() || t.Unix() <= 0 {
		return received
	}
	return t
}

func parseMillis(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func param(params map[string]string, key string) int {
	n, err := strconv.Atoi(params[key])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// ParseLine parses one raw IRC line as Twitch sends it and normalises it.
// The IRC parser indexes parameters without checking they exist, so a
// truncated line can make it panic; ParseLine turns that into a
// *stream.MalformedError.
func ParseLine(line string, received time.Time) (ev hearth.Event, err error) {
	msg, err := parseLine(line)
	if err != nil {
		return hearth.Event{}, err
	}
	return Normalize(msg, received)
}

func parseSafely(line string) (msg twitch.Message, err error) {
	defer func() {
		if recover() != nil {
			msg, err = nil, stream.Malformed("unparsable")
		}
	}()
	return twitch.ParseMessage(line), nil
}
