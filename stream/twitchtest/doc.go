// Package twitchtest is a fake Twitch for tests, `hearth demo`, `hearth
// replay` and benchmarks. Its files follow the protocols of stream's
// packages:
//
//   - irc.go: Server, an IRC server on loopback that speaks Twitch's chat
//     dialect (the tags, commands and membership capabilities), records
//     what clients say and counts the messages that break Twitch's chat
//     rate limits, and irc_conn.go its client connections (login, CAP,
//     JOIN, PRIVMSG and the rate limits); irc_feed.go: Feed, which replays recorded chat exactly,
//     even across reconnects; irc_lines.go: the line builders (PrivmsgLine,
//     SubLine, TimeoutLine, ...) that format Twitch's messages with their
//     full tags; irc_silent.go: a server that never answers; and
//     irc_capture.go: the real chat capture. audience.go simulates a
//     channel's viewers as chat lines.
//   - api.go: API, Twitch's HTTP side on loopback, serving oauth.go (the
//     OAuth endpoints), helix.go (Helix) and eventsub.go with
//     eventsub_events.go (the EventSub WebSocket and its notifications).
//
// Nothing in Hearth's serve path may depend on this package.
package twitchtest
