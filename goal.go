package hearth

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// TopicGoal is the overlay topic a GoalState is published on.
const TopicGoal = "goal"

// The kinds of Goal: what its progress counts.
const (
	GoalFollowers = "followers" // first follows of the channel
	GoalSubs      = "subs"      // subs, resubs and gifted subs
	GoalBits      = "bits"      // bits cheered
	GoalPoints    = "points"    // channel points spent on rewards
	GoalMessages  = "messages"  // chat messages, bots left out
)

// GoalKinds lists the kinds of Goal.
func GoalKinds() []string {
	return []string{GoalFollowers, GoalSubs, GoalBits, GoalPoints, GoalMessages}
}

// Limits on goals.
const (
	// MaxGoals is how many goals one channel may hold.
	MaxGoals = 20
	// MaxGoalTitleRunes is the longest goal title, in characters.
	MaxGoalTitleRunes = 80
	// MaxGoalIDLen is the longest goal id.
	MaxGoalIDLen = 32
	// MaxGoalTarget is the largest target a goal may have.
	MaxGoalTarget = 1_000_000_000_000
)

// Goal is a target a channel works toward, shown as a progress bar: so
// many followers, subs, bits, channel points or messages. A per-stream
// goal counts the current stream only and starts again at 0 with the
// next one; the others count from when the goal was set.
type Goal struct {
	Channel   string `json:"channel"`
	ID        string `json:"id"`
	Title     string `json:"title"`
	Kind      string `json:"kind"`
	Target    int64  `json:"target"`
	PerStream bool   `json:"per_stream"`
	// Progress is what was counted so far; it may pass Target.
	Progress int64 `json:"progress"`
	// Stream is the stream (StreamSession.Seq) a per-stream goal's
	// progress belongs to; 0 before the channel's first stream.
	Stream    int64     `json:"stream"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version grows each time the goal is set, so progress counted for an
	// earlier setting never lands on a later one (see GoalProgress).
	Version int64 `json:"-"`
}

// Reached reports whether the goal's progress reached its target.
func (g Goal) Reached() bool { return g.Progress >= g.Target }

// GoalRequest is what the API sets a goal to.
type GoalRequest struct {
	Title     string `json:"title"`
	Kind      string `json:"kind"`
	Target    int64  `json:"target"`
	PerStream bool   `json:"per_stream"`
}

// Check returns an EINVALID *Error naming the first field of r that
// cannot make a goal, or nil.
func (r GoalRequest) Check() error {
	switch {
	case strings.TrimSpace(r.Title) == "" || !utf8.ValidString(r.Title) || strings.ContainsRune(r.Title, 0):
		return Errorf(EINVALID, "title: a goal needs a title of text")
	case utf8.RuneCountInString(r.Title) > MaxGoalTitleRunes:
		return Errorf(EINVALID, "title: at most %d characters", MaxGoalTitleRunes)
	case !validGoalKind(r.Kind):
		return Errorf(EINVALID, "kind: one of %s", strings.Join(GoalKinds(), ", "))
	case r.Target < 1 || r.Target > MaxGoalTarget:
		return Errorf(EINVALID, "target: a whole number from 1 to %d", int64(MaxGoalTarget))
	}
	return nil
}

func validGoalKind(k string) bool {
	for _, x := range GoalKinds() {
		if k == x {
			return true
		}
	}
	return false
}

// ValidGoalID reports whether id can name a goal: 1 to MaxGoalIDLen
// lower-case ASCII letters, digits, '-' and '_'.
func ValidGoalID(id string) bool {
	if id == "" || len(id) > MaxGoalIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// CheckGoal returns an EINVALID *Error saying why g cannot be stored, or
// nil.
func CheckGoal(g Goal) error {
	if msg := g.problem(); msg != "" {
		return Errorf(EINVALID, "goal %.40q: %s", g.ID, msg)
	}
	return nil
}

// problem returns what is wrong with g as a stored row, or "".
func (g Goal) problem() string {
	req := GoalRequest{Title: g.Title, Kind: g.Kind, Target: g.Target, PerStream: g.PerStream}
	switch {
	case !ValidLogin(g.Channel):
		return "channel is not a valid channel login"
	case !ValidGoalID(g.ID):
		return "id is not a goal id"
	case req.Check() != nil:
		return ErrorMessage(req.Check())
	case g.Progress < 0 || g.Stream < 0 || g.Version < 0:
		return "progress, stream and version must not be negative"
	}
	return ""
}

// GoalProgress is how far one goal has come: the part of a Goal the
// engine changes as events go by. It applies to the goal's setting of
// Version only: a goal deleted or set again since keeps its own progress.
type GoalProgress struct {
	Channel  string
	ID       string
	Version  int64
	Progress int64
	Stream   int64
}

// GoalStore keeps each channel's goals.
type GoalStore interface {
	// Goals returns a channel's goals, by id.
	Goals(ctx context.Context, channel string) ([]Goal, error)
	// PutGoal writes a goal whole, creating or replacing it; EINVALID
	// for a goal that cannot be stored, ENOTFOUND for a channel the
	// store does not know.
	PutGoal(ctx context.Context, g Goal) error
	// DeleteGoal deletes one goal; ENOTFOUND if there is none.
	DeleteGoal(ctx context.Context, channel, id string) error
}

// GoalState is what the goal overlay shows: the channel's goals, by id.
type GoalState struct {
	Channel string      `json:"channel"`
	Goals   []GoalShown `json:"goals"`
}

// GoalShown is one goal as its overlay shows it.
type GoalShown struct {
	ID        string `json:"id"`
	Title     string `json:"title"` // as DisplayText shows it
	Kind      string `json:"kind"`
	Target    int64  `json:"target"`
	Progress  int64  `json:"progress"`
	PerStream bool   `json:"per_stream"`
	Reached   bool   `json:"reached"`
}
