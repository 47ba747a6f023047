package hearth

// ChatSender sends a chat line to a channel. Implementations queue and
// rate-limit; Say never blocks the caller.
type ChatSender interface {
	Say(channel, text string)
}

// Announcer is a ChatSender that can also post a line as a highlighted
// announcement (Twitch's Send Chat Announcement), for results the whole
// chat should notice. Announce never blocks the caller; where an
// announcement is not allowed the line goes out as a plain chat message.
type Announcer interface {
	ChatSender
	Announce(channel, text string)
}
