// Package overlays serves the OBS browser-source pages of Hearth and keeps
// them live. The pages and their assets are embedded in the binary; a Hub
// holds the latest state of every (channel, topic) pair and pushes it to the
// connected browsers over WebSocket, coalesced so that a chat flood never
// floods a browser.
//
// Everything an overlay shows may come from chat, so the pages build their
// DOM with textContent only and are served with a strict
// Content-Security-Policy.
package overlays

import (
	"context"
	"embed"
	"slices"
	"time"

	"github.com/hearthlive/hearth"
)

// kinds lists the overlay kinds served, each with a page at
// web/<kind>.html. The leaderboard, poll, chat and goal pages subscribe
// to the topic of their name; the alerts, feed, credits and welcome pages
// to the channel's event log (hearth.TopicEvents). What they show
// (hearth.Leaderboard, hearth.PollState, hearth.ChatState,
// hearth.GoalState, hearth.OverlayEventBatch) is defined in the root
// package, where the engine that publishes it can see it.
var kinds = []string{hearth.TopicLeaderboard, "alerts", hearth.TopicPoll, "feed", "credits", "welcome", hearth.TopicChat, hearth.TopicGoal}

// topics lists the topics a socket may subscribe to.
var topics = []string{hearth.TopicLeaderboard, hearth.TopicPoll, hearth.TopicEvents, hearth.TopicChat, hearth.TopicGoal}

//go:embed web
var webFS embed.FS

// Kinds returns the overlay kinds served, each reachable at
// GET /overlays/<kind>. The caller may modify the returned slice.
func Kinds() []string { return slices.Clone(kinds) }

// Topics returns the topics a socket may subscribe to. The caller may
// modify the returned slice.
func Topics() []string { return slices.Clone(topics) }

func knownKind(kind string) bool { return slices.Contains(kinds, kind) }

func knownTopic(topic string) bool { return slices.Contains(topics, topic) }

// blankState returns the state a page of kind gets on connect while nothing
// has been published for its channel since Hearth started, when the kind
// needs one. The poll page gets a poll of status ""
// so that, reconnecting to a Hearth that restarted and has had no poll
// since, it stops showing the poll it had.
func blankState(kind, channel string) (any, bool) {
	switch kind {
	case hearth.TopicChat:
		return hearth.ChatState{Channel: channel, Lines: []hearth.ChatLine{}, Now: time.Now().UTC()}, true
	case hearth.TopicGoal:
		return hearth.GoalState{Channel: channel, Goals: []hearth.GoalShown{}}, true
	case hearth.TopicPoll:
		return hearth.PollState{
			Channel: channel,
			Options: []hearth.PollOptionState{},
			Winners: []int{},
			Now:     time.Now().UTC(),
		}, true
	}
	return nil, false
}

// StyleSource answers which custom stylesheet a channel's overlays use.
type StyleSource interface {
	// OverlayCSS returns the channel's custom overlay stylesheet, ""
	// when it has none.
	OverlayCSS(ctx context.Context, channel string) (string, error)
}

// TokenSource answers which overlay token is valid for a channel. The hub
// asks it on every page load and every socket upgrade.
type TokenSource interface {
	// OverlayToken returns the channel's overlay token, or an error with the
	// hearth code ENOTFOUND when Hearth does not serve the channel.
	OverlayToken(ctx context.Context, channel string) (string, error)
}
