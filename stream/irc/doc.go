// Package irc holds Hearth's chat over Twitch's IRC interface: the
// connections that log in, join channels and keep themselves connected
// (Chat), the parsing of raw lines with go-twitch-irc (ParseLine), the
// normalising of Twitch's messages into hearth.Event values (Normalize),
// and the bot's replies, sent under Twitch's rate limits.
package irc
