package hearth

import (
	"context"
	"slices"
	"time"
)

// Access is what a signed-in person is to one channel in the console and
// the API: their role there. (Role, beside Event, is a chat badge.)
type Access string

// The roles, most powerful first. AccessNone is anyone signed in with
// Twitch who is neither the channel's broadcaster nor one of its
// moderators.
const (
	// AccessOperator runs Hearth: signed in with the admin token, every
	// channel and the channel list.
	AccessOperator Access = "operator"
	// AccessBroadcaster is the Twitch user whose id is the channel's
	// broadcaster id.
	AccessBroadcaster Access = "broadcaster"
	// AccessModerator is on Twitch's moderator list of the channel.
	AccessModerator Access = "moderator"
	AccessNone      Access = ""
)

// Action is one thing the console or the API lets a role do to a channel.
type Action string

// The actions. Every route of the API and every page of the console names
// exactly one.
const (
	// ActionView: see everything of the channel (figures, viewers, polls,
	// streams, overlays' URLs, the audit log).
	ActionView Action = "view"
	// ActionPolls: start, end and cancel polls.
	ActionPolls Action = "polls"
	// ActionSegments: start and end sponsor segments.
	ActionSegments Action = "segments"
	// ActionAdjustPoints: give or take a viewer's points; a moderator
	// within the channel's Grants.PointLimit.
	ActionAdjustPoints Action = "adjust_points"
	// ActionSettings: change the channel's rules and grants.
	ActionSettings Action = "settings"
	// ActionForget: forget a viewer (delete their data).
	ActionForget Action = "forget"
	// ActionOverlayTokens: rotate the channel's overlay token.
	ActionOverlayTokens Action = "overlay_tokens"
	// ActionRemoveChannel: stop serving the channel.
	ActionRemoveChannel Action = "remove_channel"
	// ActionChannels: list and add channels; the operator's alone.
	ActionChannels Action = "channels"
	// ActionGrants: see and change what the channel's moderators are
	// granted; the broadcaster's and the operator's, never grantable, so
	// no moderator can grant themselves more.
	ActionGrants Action = "grants"
)

// Grantable are the actions a broadcaster may grant to the channel's
// moderators; the others are theirs (ActionView, ActionPolls,
// ActionSegments, ActionAdjustPoints), the broadcaster's (ActionGrants)
// or the operator's (ActionChannels).
var Grantable = []Action{ActionSettings, ActionForget, ActionOverlayTokens, ActionRemoveChannel}

// DefaultPointLimit is Grants.PointLimit when a broadcaster has set none:
// the most points a moderator may give or take in one adjustment.
const DefaultPointLimit = 1000

// Grants is what a channel's broadcaster lets its moderators do beyond
// what moderators may do anyway.
type Grants struct {
	// Actions are some of Grantable.
	Actions []Action `json:"actions"`
	// PointLimit bounds one adjustment by a moderator, in points, up or
	// down; 0 means DefaultPointLimit.
	PointLimit int64 `json:"point_limit"`
}

// Allowed reports whether role may take action on a channel whose
// broadcaster granted g. This is the permission table, in one place:
//
//	action           operator  broadcaster  moderator
//	view             yes       yes          yes
//	polls            yes       yes          yes
//	segments         yes       yes          yes
//	adjust_points    yes       yes          yes, within g.PointLimit
//	settings         yes       yes          if granted
//	forget           yes       yes          if granted
//	overlay_tokens   yes       yes          if granted
//	remove_channel   yes       yes          if granted
//	channels         yes       no           no
//	grants           yes       yes          no
//
// The point limit is checked by PointsAllowed.
func Allowed(role Access, action Action, g Grants) bool {
	switch role {
	case AccessOperator:
		return true
	case AccessBroadcaster:
		return action != ActionChannels
	case AccessModerator:
		switch action {
		case ActionView, ActionPolls, ActionSegments, ActionAdjustPoints:
			return true
		case ActionChannels, ActionGrants:
			return false
		}
		return slices.Contains(g.Actions, action) && slices.Contains(Grantable, action)
	}
	return false
}

// PointsAllowed reports whether role may adjust a viewer's points by delta
// on a channel whose broadcaster granted g.
func PointsAllowed(role Access, delta int64, g Grants) bool {
	if !Allowed(role, ActionAdjustPoints, g) {
		return false
	}
	if role != AccessModerator {
		return true
	}
	limit := g.PointLimit
	if limit <= 0 {
		limit = DefaultPointLimit
	}
	return delta <= limit && delta >= -limit
}

// Session is a signed-in browser: the console's cookie names its ID. Who
// signed in is a Twitch user (UserID, Login) or the operator (Operator,
// with the admin token); roles per channel are worked out on each request,
// so a moderator removed on Twitch loses access without signing out.
type Session struct {
	ID       string
	Operator bool
	UserID   string
	Login    string
	// DisplayName is the Twitch user's name as Twitch shows it, any
	// Unicode: shown only through html/template or DisplayText.
	DisplayName string
	// CSRF is the token every state-changing request must carry.
	CSRF string
	// CreatedAt and the absolute expiry, and LastSeen for the idle one.
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
}

// SessionStore keeps sessions server-side, so that they survive restarts
// and every instance sharing the store shares them. Implementations:
// store/sqlite, store/postgres.
type SessionStore interface {
	// CreateSession stores a new session; ECONFLICT if its ID exists.
	CreateSession(ctx context.Context, s Session) error
	// Session returns a session by ID, ENOTFOUND if there is none.
	Session(ctx context.Context, id string) (Session, error)
	// TouchSession sets a session's LastSeen.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// DeleteSession removes a session; removing one that is gone is no
	// error.
	DeleteSession(ctx context.Context, id string) error
	// DeleteExpiredSessions removes sessions whose absolute expiry is
	// before now or that were last seen before idleSince, and says how
	// many.
	DeleteExpiredSessions(ctx context.Context, now, idleSince time.Time) (int, error)
}

// AuditEntry records one change made to a channel through the console or
// the API: who, when, what, and the value before and after.
type AuditEntry struct {
	// Seq is given by the store, increasing.
	Seq     int64     `json:"seq"`
	Channel string    `json:"channel"`
	At      time.Time `json:"at"`
	// Actor is the Twitch login of who acted, or "operator".
	Actor string `json:"actor"`
	Role  Access `json:"role"`
	// Action names what was done (an Action, or a finer name such as
	// "poll.start").
	Action string `json:"action"`
	// Target is what it was done to: a viewer's login, a poll's id, "".
	Target string `json:"target"`
	// Before and After are short JSON documents of the changed value.
	Before string `json:"before"`
	After  string `json:"after"`
}

// AuditStore keeps the audit log. Implementations: store/sqlite,
// store/postgres.
type AuditStore interface {
	// AppendAudit stores e and returns it with its Seq.
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// Audit returns a channel's entries newest first, at most n, with Seq
	// below before (0: from the newest).
	Audit(ctx context.Context, channel string, n int, before int64) ([]AuditEntry, error)
}

// GrantStore keeps what each channel's broadcaster grants its moderators.
type GrantStore interface {
	// Grants returns a channel's grants; a channel with none set has the
	// zero Grants.
	Grants(ctx context.Context, channel string) (Grants, error)
	// SetGrants replaces a channel's grants; EINVALID for an action that
	// is not Grantable or a negative limit.
	SetGrants(ctx context.Context, channel string, g Grants) error
}

// Bounds on what the console's records hold, in bytes.
const (
	// MaxAuditValue bounds an audit entry's Before and After.
	MaxAuditValue = 4 << 10
	// MaxAuditTarget bounds an audit entry's Target and Action.
	MaxAuditTarget = 256
	maxSessionText = 256
)

// Validate reports why s cannot be stored, as an EINVALID *Error: an empty
// ID or CSRF token, text that is not valid UTF-8 or holds NUL bytes, or
// times out of order.
func (s Session) Validate() error {
	switch {
	case s.ID == "" || !validText(s.ID, maxSessionText):
		return Errorf(EINVALID, "session: id must be 1 to %d bytes of text", maxSessionText)
	case s.CSRF == "" || !validText(s.CSRF, maxSessionText):
		return Errorf(EINVALID, "session: csrf must be 1 to %d bytes of text", maxSessionText)
	case !s.Operator && (s.UserID == "" || !ValidLogin(s.Login)):
		return Errorf(EINVALID, "session: a Twitch user's session needs a user id and a login")
	case !validText(s.UserID, maxUserIDLen) || !validText(s.Login, maxLoginLen) || !validText(s.DisplayName, maxDisplayNameLen):
		return Errorf(EINVALID, "session: user id, login or display name is not storable text")
	case s.CreatedAt.IsZero() || s.ExpiresAt.Before(s.CreatedAt) || s.LastSeen.Before(s.CreatedAt):
		return Errorf(EINVALID, "session: it must be created, seen and expire in that order")
	}
	return nil
}

// Validate reports why g cannot be stored, as an EINVALID *Error: an
// action that is not Grantable, or a negative point limit.
func (g Grants) Validate() error {
	for _, a := range g.Actions {
		if !slices.Contains(Grantable, a) {
			return Errorf(EINVALID, "actions: %.40q cannot be granted to moderators (grantable: settings, forget, overlay_tokens, remove_channel)", string(a))
		}
	}
	if g.PointLimit < 0 {
		return Errorf(EINVALID, "point_limit: must be 0 (the default, %d) or more", DefaultPointLimit)
	}
	return nil
}

// Validate reports why e cannot be stored, as an EINVALID *Error.
func (e AuditEntry) Validate() error {
	switch {
	case !ValidLogin(e.Channel):
		return Errorf(EINVALID, "audit: channel is not a channel login")
	case e.At.IsZero():
		return Errorf(EINVALID, "audit: at is required")
	case e.Actor == "" || !validText(e.Actor, maxLoginLen) || !validText(string(e.Role), maxLoginLen):
		return Errorf(EINVALID, "audit: actor and role must be short text")
	case e.Action == "" || !validText(e.Action, MaxAuditTarget) || !validText(e.Target, MaxAuditTarget):
		return Errorf(EINVALID, "audit: action and target must be text of at most %d bytes", MaxAuditTarget)
	case !validText(e.Before, MaxAuditValue) || !validText(e.After, MaxAuditValue):
		return Errorf(EINVALID, "audit: before and after must be text of at most %d bytes", MaxAuditValue)
	}
	return nil
}
