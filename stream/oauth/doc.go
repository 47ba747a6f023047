// Package oauth holds Hearth's Twitch sign-in: the OAuth client for the
// Device Code Grant flow, refresh, validation and revocation (OAuth); the
// scopes Hearth asks for (BotScopes, ChannelScopes); the token source that
// keeps stored tokens fresh (Tokens); and the sealing of tokens at rest
// under a key of the operator's (Sealer). The chat, Helix and EventSub
// clients take their tokens from here through hearth.TokenSource.
package oauth
