package oauth

// Scope is an OAuth scope Hearth asks for, and the feature that needs it.
type Scope struct {
	Name string
	For  string
}

// BotScopes are what "hearth auth login --bot" asks of the bot account:
// reading and writing chat over IRC, and over EventSub and Helix Send Chat
// Message for channels read that way; and, where the bot is a moderator,
// the chatter list and announcements when the broadcaster has not signed
// in.
var BotScopes = []Scope{
	{"chat:read", "read chat over IRC"},
	{"chat:edit", "reply in chat over IRC"},
	{"user:read:chat", "read chat over EventSub (channel.chat.message)"},
	{"user:write:chat", "reply in chat with Helix Send Chat Message"},
	{"user:bot", "appear as a chat bot in channels read over EventSub"},
	{"moderator:read:chatters", "Get Chatters where the bot is a moderator"},
	{"moderator:manage:announcements", "Send Chat Announcement where the bot is a moderator"},
}

// ChannelScopes are what "hearth auth login --channel NAME" asks of a
// broadcaster: each one unlocks a Helix call or EventSub subscription for
// that channel. Features whose scope is missing stay off for the channel.
var ChannelScopes = []Scope{
	{"moderator:read:chatters", "Get Chatters: presence and watch time of viewers who never chat"},
	{"moderator:read:followers", "EventSub channel.follow"},
	{"channel:read:subscriptions", "EventSub channel.subscribe, channel.subscription.gift, channel.subscription.message"},
	{"bits:read", "EventSub channel.cheer"},
	{"channel:read:redemptions", "EventSub channel.channel_points_custom_reward_redemption.add"},
	{"channel:manage:polls", "Create and End Poll, and EventSub channel.poll.begin, progress and end"},
	{"moderator:manage:announcements", "Send Chat Announcement for poll results"},
	{"channel:bot", "let the bot read and write this channel's chat over EventSub"},
	{"moderation:read", "Get Moderators: which Twitch users may open this channel in the console as its moderators"},
}

// ScopeNames returns the names of scopes, in order.
func ScopeNames(scopes []Scope) []string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = s.Name
	}
	return out
}
