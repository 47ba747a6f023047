// Package eventsub holds Hearth's client for Twitch's EventSub over
// WebSocket (EventSub): the subscriptions Hearth makes (Subscriptions),
// the sessions that keep them, and the normalising of notifications into
// hearth.Event values (NormalizeNotification). It also holds chat over
// EventSub: reading channel.chat.message, and replying with Helix Send
// Chat Message (Chat) under the same rate limits as chat over IRC.
package eventsub
