// Package helix holds Hearth's client for Twitch's Helix API (Helix): it
// resolves channels' broadcaster ids, polls live status, viewer counts and
// chatter lists into hearth.Event values, and runs native polls and
// announcements, within Twitch's rate limits. The package is named after
// the API it speaks; the client library it builds on,
// github.com/nicklaw5/helix, is imported as helixapi so that the two
// never share a name.
package helix
