package hearth

import "time"

// EventKind names what happened in a channel.
type EventKind uint8

// The kinds of event Hearth understands. Stream adapters translate Twitch's
// messages into these; nothing downstream sees a Twitch type.
const (
	EventUnknown        EventKind = iota
	EventChat                     // a chat message (PRIVMSG), including /me actions
	EventSub                      // a first subscription (USERNOTICE sub)
	EventResub                    // a renewed subscription (USERNOTICE resub)
	EventSubGift                  // a gifted subscription; User is the gifter, Target the recipient
	EventRaid                     // a raid arriving; User is the raider, Count the raid's viewers
	EventAnnouncement             // a moderator announcement (USERNOTICE announcement)
	EventMessageDeleted           // one message removed (CLEARMSG); TargetMessageID says which
	EventTimeout                  // a viewer timed out (CLEARCHAT with a duration); Target, Duration
	EventBan                      // a viewer banned (CLEARCHAT without a duration); Target
	EventChatCleared              // the whole chat cleared (CLEARCHAT without a target)
	EventJoin                     // a viewer joined the channel's chat (JOIN)
	EventPart                     // a viewer left the channel's chat (PART)
	EventOnline                   // the stream went live
	EventOffline                  // the stream ended
	EventFollow                   // a viewer followed the channel (EventSub channel.follow); User
	EventRedemption               // a channel-points reward redeemed; User, Reward, Text (the viewer's input)
	EventPollBegin                // a native Twitch poll started; Poll
	EventPollProgress             // a native Twitch poll's votes changed; Poll
	EventPollEnd                  // a native Twitch poll ended or was cancelled; Poll
	EventViewerCount              // Twitch's concurrent viewer count while live; Count
	EventChatters                 // the list of viewers in chat, lurkers included (Helix Get Chatters); Chatters
	EventCheer                    // bits cheered, as EventSub reports them (IRC's are EventChat with Bits); User (empty if anonymous), Bits, Text
)

var eventKindNames = [...]string{
	EventUnknown:        "unknown",
	EventChat:           "chat",
	EventSub:            "sub",
	EventResub:          "resub",
	EventSubGift:        "subgift",
	EventRaid:           "raid",
	EventAnnouncement:   "announcement",
	EventMessageDeleted: "message_deleted",
	EventTimeout:        "timeout",
	EventBan:            "ban",
	EventChatCleared:    "chat_cleared",
	EventJoin:           "join",
	EventPart:           "part",
	EventOnline:         "online",
	EventOffline:        "offline",
	EventFollow:         "follow",
	EventRedemption:     "redemption",
	EventPollBegin:      "poll_begin",
	EventPollProgress:   "poll_progress",
	EventPollEnd:        "poll_end",
	EventViewerCount:    "viewer_count",
	EventChatters:       "chatters",
	EventCheer:          "cheer",
}

// String returns the kind's stable name, used as a metric label value.
func (k EventKind) String() string {
	if int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return "unknown"
}

// EventKinds lists every known kind except EventUnknown, in order.
func EventKinds() []EventKind {
	out := make([]EventKind, 0, len(eventKindNames)-1)
	for k := EventChat; int(k) < len(eventKindNames); k++ {
		out = append(out, k)
	}
	return out
}

// Role is a set of a viewer's roles in a channel, read from their badges.
type Role uint8

// Roles a viewer can hold. A viewer can hold several.
const (
	RoleBroadcaster Role = 1 << iota
	RoleModerator
	RoleVIP
	RoleSubscriber
)

// Has reports whether r includes every role in want.
func (r Role) Has(want Role) bool { return r&want == want }

// Identity names a Twitch user. ID is Twitch's stable numeric user id; Login
// is the lower-case login; DisplayName is what chat shows, and may contain
// any Unicode.
type Identity struct {
	ID          string
	Login       string
	DisplayName string
}

// Event is one normalised thing that happened in a channel. Fields that do
// not apply to a kind are zero.
type Event struct {
	Kind      EventKind
	Channel   string    // channel login, lower case, no '#'
	ChannelID string    // Twitch's room id, when known
	ID        string    // unique id of the message; used to drop duplicates
	Time      time.Time // when Twitch says it happened (tmi-sent-ts), else when received

	// SourceChannelID is the room a Shared Chat message was sent in, when
	// that is another channel's (IRC's source-room-id, EventSub's
	// source_broadcaster_user_id): Twitch shows it in this channel's chat,
	// but it is not this channel's and counts for nothing here. "" for the
	// channel's own messages.
	SourceChannelID string

	User  Identity // who acted: the chatter, subscriber, gifter, raider
	Roles Role     // User's roles in this channel

	Text             string // the chat message or the sub's message, as sent
	Action           bool   // the message was a /me action
	FirstMessage     bool   // Twitch flagged this as the user's first message in the channel
	ReturningChatter bool   // Twitch flagged the user as a returning chatter
	Bits             int    // bits cheered with this message

	// Color is the chatter's name colour as "#RRGGBB", "" when they chose
	// none; Badges are the set names of the badges chat shows beside
	// their name, in Twitch's order ("broadcaster", "moderator", ...).
	Color  string
	Badges []string
	// Emotes are the Twitch emotes in Text, in order and not overlapping,
	// each within Text (positions in code points).
	Emotes []EmoteSpan

	Months   int           // cumulative months for sub and resub
	Count    int           // raid viewers, gifts in a mystery gift, or concurrent viewers
	Target   Identity      // recipient of a gift, timed-out or banned viewer
	Duration time.Duration // timeout length

	TargetMessageID string // the deleted message, for EventMessageDeleted

	Reward   Reward      // the reward redeemed, for EventRedemption
	Poll     *PollUpdate // the native poll, for EventPollBegin, EventPollProgress and EventPollEnd
	Chatters []Identity  // everyone in chat, for EventChatters
}

// Reward is a channel-points reward as Twitch describes it.
type Reward struct {
	ID    string
	Title string
	Cost  int
}
