package hearth

import (
	"context"
	"slices"
	"time"
)

// TopicEvents is the overlay socket topic of a channel's event log: the
// alerts, feed, credits and welcome overlays read it. Unlike the other
// topics, whose last state wins, every event on it reaches every page,
// once each and in order (OverlayEventBatch).
const TopicEvents = "events"

// The kinds of OverlayEvent. A notice of the rules (a welcome, a rank-up, a
// follow...) becomes the event of the same name; OverlayCredits is the
// end-of-stream roll.
const (
	OverlayFollow      = "follow"
	OverlaySub         = "sub"
	OverlayResub       = "resub"
	OverlaySubGift     = "subgift"
	OverlayCheer       = "cheer"
	OverlayRaid        = "raid"
	OverlayRedemption  = "redemption"
	OverlayWelcome     = "welcome"
	OverlayWelcomeBack = "welcome_back"
	OverlayRankUp      = "rank_up"
	OverlayPollResult  = "poll_result"
	OverlayCredits     = "credits"
)

var overlayEventKinds = []string{
	OverlayFollow, OverlaySub, OverlayResub, OverlaySubGift, OverlayCheer, OverlayRaid, OverlayRedemption,
	OverlayWelcome, OverlayWelcomeBack, OverlayRankUp, OverlayPollResult, OverlayCredits,
}

// OverlayEventKinds lists every kind of OverlayEvent. The caller may
// modify the returned slice.
func OverlayEventKinds() []string { return slices.Clone(overlayEventKinds) }

// ValidOverlayEventKind reports whether kind is one of OverlayEventKinds.
func ValidOverlayEventKind(kind string) bool { return slices.Contains(overlayEventKinds, kind) }

// OverlayEvent is one thing the event overlays show: a follow, a sub, a
// welcome, a credits roll. Seq numbers a channel's events from 1, one more
// for each, across restarts, so a page that knows the last Seq it showed
// can ask for exactly the ones it missed. Texts (DisplayName, Text, Rank,
// the credits' names) are as hearth.DisplayText shows them.
type OverlayEvent struct {
	Channel string `json:"-"`
	Seq     int64  `json:"seq"`
	Kind    string `json:"kind"`
	// UserID is the viewer the event is about, so that forgetting them
	// deletes it; never sent to a page. Empty for a poll result, a roll
	// or a test.
	UserID      string `json:"-"`
	Login       string `json:"login,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	// Rank is the rank reached, for a rank-up.
	Rank string `json:"rank,omitempty"`
	// Text is a redemption's reward, a poll result's question, a cheer's
	// or a resub's message, a gift's recipient.
	Text string `json:"text,omitempty"`
	// Amount is a sub's months, a gift's count, a cheer's bits, a raid's
	// viewers.
	Amount int64 `json:"amount,omitempty"`
	// Stream is the seq of the channel's stream the event belongs to: the
	// live one, or the last one when none is live (0 before the first).
	Stream int64 `json:"stream"`
	// Test marks an event made by the test route: shown as a real one
	// would be, counted nowhere.
	Test    bool      `json:"test,omitempty"`
	At      time.Time `json:"at"`
	Credits *Credits  `json:"credits,omitempty"`
}

// Credits is an end-of-stream roll: who made the stream, section by
// section, each section's names in the order the overlay rolls them.
// Empty sections are left out.
type Credits struct {
	Sections []CreditSection `json:"sections"`
}

// The sections of Credits, in the order they roll.
const (
	CreditsNewcomers   = "newcomers"
	CreditsChatters    = "chatters"
	CreditsSubs        = "subs"
	CreditsGifters     = "gifters"
	CreditsRaiders     = "raiders"
	CreditsPollWinners = "poll_winners"
	CreditsRankUps     = "rank_ups"
)

// CreditSection is one section of Credits: Kind is one of the Credits
// section names, Names what it lists (for poll winners, "question → winner";
// for rank-ups, "name → rank").
type CreditSection struct {
	Kind  string   `json:"kind"`
	Names []string `json:"names"`
}

// OverlayEventBatch is what a page of the events topic gets: events in Seq
// order. The first batch a socket gets has Resync set and Head, the
// channel's last Seq: a page that asked for events after a Seq above Head
// (the log lost events it had sent, a store that was reset) counts from
// Head again. History marks events of before the page loaded, which a page
// that asked for none may show as the past (the feed) or skip (alerts).
type OverlayEventBatch struct {
	Channel string         `json:"channel"`
	Resync  bool           `json:"resync,omitempty"`
	History bool           `json:"history,omitempty"`
	Head    int64          `json:"head"`
	Events  []OverlayEvent `json:"events"`
}

// EventBroadcaster is told of every event appended to a channel's log, in
// Seq order, and of every viewer forgotten, whose events it drops.
// Neither call may block; PublishEvents takes events over.
type EventBroadcaster interface {
	PublishEvents(channel string, events []OverlayEvent)
	ForgetEvents(channel, userID string)
}

// OverlayEventStore keeps each channel's event log. Events are written by
// Store.Apply (Batch.OverlayEvents) and deleted with their viewer
// (Batch.Forget) or when older than the retention (PruneOverlayEvents).
type OverlayEventStore interface {
	// OverlayEvents returns up to limit of a channel's events with a Seq
	// above after, in Seq order; an empty slice when there are none.
	OverlayEvents(ctx context.Context, channel string, after int64, limit int) ([]OverlayEvent, error)
	// RecentOverlayEvents returns the channel's last n events, in Seq
	// order; an empty slice when there are none.
	RecentOverlayEvents(ctx context.Context, channel string, n int) ([]OverlayEvent, error)
	// PruneOverlayEvents deletes every channel's events from before
	// before, but for each channel's last, so that its Seq counts on
	// from there; it returns how many it deleted.
	PruneOverlayEvents(ctx context.Context, before time.Time) (int64, error)
}

// maxOverlayText bounds an event's texts, in bytes; a poll question is at
// most 300.
const maxOverlayText = 1024

// maxCreditNames bounds the names of one credits section.
const maxCreditNames = 500

// problem returns what is wrong with e as a row to store, or "".
func (e OverlayEvent) problem() string {
	switch {
	case !ValidLogin(e.Channel):
		return "channel is not a valid channel login"
	case e.Seq < 1:
		return "seq must be positive"
	case !ValidOverlayEventKind(e.Kind):
		return "unknown kind"
	case !validText(e.UserID, maxUserIDLen) || !validText(e.Login, maxLoginLen) || !validText(e.DisplayName, maxDisplayNameLen):
		return "user id, login or display name invalid"
	case !validText(e.Rank, maxDisplayNameLen) || !validText(e.Text, maxOverlayText):
		return "rank or text invalid"
	case e.Amount < 0 || e.Stream < 0:
		return "negative amount or stream"
	case e.At.IsZero():
		return "no time"
	case e.Credits != nil && e.Kind != OverlayCredits:
		return "credits on an event that is no roll"
	}
	if e.Credits != nil {
		for _, s := range e.Credits.Sections {
			if !validText(s.Kind, 32) || len(s.Names) > maxCreditNames {
				return "credits section invalid"
			}
			for _, n := range s.Names {
				if !validText(n, maxOverlayText) {
					return "credits name invalid"
				}
			}
		}
	}
	return ""
}

// OverlayKind describes one overlay page for whoever sets it up: its kind
// (GET /overlays/{kind}), the browser-source size it is made for, and the
// parameters its URL takes besides channel and token.
type OverlayKind struct {
	Kind   string         `json:"kind"`
	Width  int            `json:"width"`
	Height int            `json:"height"`
	Params []OverlayParam `json:"parameters"`
}

// OverlayParam is one parameter of an overlay's URL. Type, and for its
// type Min, Max and Choices, say which values the overlay takes, so a
// form (the console's) can refuse what the overlay would ignore or
// clamp.
type OverlayParam struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Type is one of the OverlayParam* types.
	Type string `json:"type"`
	// Min and Max bound an OverlayParamInt, inclusive.
	Min int `json:"min,omitempty"`
	Max int `json:"max,omitempty"`
	// Choices are the values an OverlayParamChoice takes, or those an
	// OverlayParamList's comma list is made of.
	Choices []string `json:"choices,omitempty"`
	// Default is what the overlay uses when the parameter is absent, ""
	// when that is not one value (a theme's colour, every goal).
	Default string `json:"default,omitempty"`
}

// The types of OverlayParam.
const (
	OverlayParamInt    = "int"    // a whole number from Min to Max
	OverlayParamBool   = "bool"   // 1 or 0
	OverlayParamChoice = "choice" // one of Choices
	OverlayParamList   = "list"   // a comma list of Choices
	OverlayParamColor  = "color"  // #rgb, #rgba, #rrggbb, #rrggbbaa or a CSS colour name
	OverlayParamFont   = "font"   // a font family's name: letters, digits, spaces, hyphens, up to 48
	OverlayParamGoal   = "goal"   // a goal id of the channel (ValidGoalID)
)
