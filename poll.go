package hearth

import (
	"context"
	"time"
)

// Kinds of poll.
const (
	PollChat   = "chat"   // votes are chat commands counted by Hearth
	PollNative = "native" // a Twitch poll, counted by Twitch and mirrored
)

// Poll statuses in a PollState.
const (
	PollOpen      = "open"
	PollClosed    = "closed"
	PollCancelled = "cancelled"
)

// NativePolls runs polls on Twitch itself (Helix Create Poll and End Poll)
// for channels whose broadcaster allowed it (channel:manage:polls). Votes
// then arrive as EventPollProgress and EventPollEnd events.
type NativePolls interface {
	// CreatePoll starts a Twitch poll and returns Twitch's poll id. An
	// EUNAUTHORIZED *Error says the channel cannot run native polls (not
	// Affiliate or Partner, or no token with the scope); EINVALID names the
	// input Twitch refused.
	CreatePoll(ctx context.Context, channel, title string, choices []string, duration time.Duration) (string, error)
	// EndPoll ends a Twitch poll early, showing its result (cancel false)
	// or hiding it (cancel true).
	EndPoll(ctx context.Context, channel, pollID string, cancel bool) error
}

// PollUpdate is a native Twitch poll as Twitch reports it (EventSub
// channel.poll.begin, .progress and .end, or Helix Get Polls). Hearth
// mirrors it; it is never changed here.
type PollUpdate struct {
	ID        string
	Title     string
	Choices   []PollUpdateChoice
	Status    string // Twitch's status: ACTIVE, COMPLETED, TERMINATED, ARCHIVED, MODERATED, INVALID
	StartedAt time.Time
	EndsAt    time.Time // when it is due to end, or when it ended
}

// PollUpdateChoice is one choice of a native poll, with the votes Twitch
// counted for it.
type PollUpdateChoice struct {
	ID    string
	Title string
	Votes int64
}

// Outcomes of a chat poll vote: the bounded values of the votes metric's
// result label.
const (
	VoteAccepted  = "accepted"  // a viewer's first vote
	VoteChanged   = "changed"   // a viewer's new vote replaced their last
	VoteLate      = "late"      // a vote after the poll closed
	VoteInvalid   = "invalid"   // no poll open, no such option, or not enough points
	VoteDuplicate = "duplicate" // the same vote again, or a change while changes are off
	VoteBot       = "bot"       // from a bot or the broadcaster, never counted
)

// VoteResults lists every vote outcome. Callers must not modify it.
var VoteResults = []string{VoteAccepted, VoteChanged, VoteLate, VoteInvalid, VoteDuplicate, VoteBot}

// Weightings of a poll: how much one viewer's vote counts.
const (
	PollWeightNone   = ""       // one viewer, one vote
	PollWeightRank   = "rank"   // a vote counts as the voter's rank (1 for the lowest)
	PollWeightPoints = "points" // a voter buys votes with loyalty points
)

// Limits on a poll, shared by chat polls, the API and the stores.
const (
	PollMinOptions     = 2
	PollMaxOptions     = 10
	PollMaxQuestionLen = 300 // bytes
	PollMaxOptionLen   = 100 // bytes
	pollMaxIDLen       = 64
)

// Poll is a poll as Hearth stores it: a chat poll or a mirrored native
// one, open or finished, with its tally. It is written as a whole row, so
// writing it twice leaves the same state.
type Poll struct {
	Channel  string   `json:"channel"`
	ID       string   `json:"id"`
	Kind     string   `json:"kind"`   // PollChat or PollNative
	Status   string   `json:"status"` // PollOpen, PollClosed or PollCancelled
	Question string   `json:"question"`
	Options  []string `json:"options"`
	// Weighting is one of PollWeightNone, PollWeightRank and
	// PollWeightPoints; PointsPerVote is what one vote costs under
	// PollWeightPoints, 0 otherwise.
	Weighting     string `json:"weighting,omitempty"`
	PointsPerVote int64  `json:"points_per_vote,omitempty"`
	// StartedBy is the login of who started a chat poll, "api" for the
	// REST API, "twitch" for a native poll started in Twitch's own UI.
	StartedBy string    `json:"started_by"`
	StartedAt time.Time `json:"started_at"`
	EndsAt    time.Time `json:"ends_at"`
	ClosedAt  time.Time `json:"closed_at,omitzero"` // zero while open
	Tally     PollTally `json:"tally"`
}

// PollTally is a poll's count. For a chat poll it follows from its votes;
// for a native poll it is what Twitch reported (no breakdown then).
type PollTally struct {
	Votes  []int64 `json:"votes"`  // viewers per option
	Scores []int64 `json:"scores"` // weighted tally per option; equal to Votes when unweighted
	Voters int64   `json:"voters"`
	// Breakdown has one entry per option: who voted for it.
	Breakdown []PollBreakdown `json:"breakdown,omitempty"`
	// ActiveChatters is how many viewers had chatted in the 5 minutes
	// before the poll closed; Turnout is Voters divided by it (0 to 1),
	// set at close.
	ActiveChatters int64   `json:"active_chatters"`
	Turnout        float64 `json:"turnout"`
	// Winners are the indexes of the options with the highest score once
	// closed: several on a tie, none while open or without votes.
	Winners []int `json:"winners"`
}

// PollBreakdown says who voted for one option of a chat poll: how many
// were subscribers, how many were newcomers of the stream the poll ran in,
// and how many held each rank.
type PollBreakdown struct {
	Subscribers int64            `json:"subscribers"`
	Newcomers   int64            `json:"newcomers"`
	Ranks       map[string]int64 `json:"ranks"`
}

// PollVote is one viewer's vote in a chat poll, written as a whole row
// keyed by (Channel, PollID, UserID): a changed vote replaces it.
type PollVote struct {
	Channel string
	PollID  string
	UserID  string
	Login   string
	Option  int   // index into Poll.Options
	Weight  int64 // what the vote adds to its option's score, at least 1
	Spent   int64 // loyalty points spent on it (PollWeightPoints)
	// Subscriber, Newcomer and Rank describe the voter when they voted.
	Subscriber bool
	Newcomer   bool
	Rank       string
	At         time.Time
}

// PollStore reads stored polls. Polls and votes are written through
// Store.Apply. Methods return ENOTFOUND when a poll is missing.
type PollStore interface {
	// Poll returns one poll of a channel.
	Poll(ctx context.Context, channel, id string) (Poll, error)
	// Polls returns up to limit of a channel's polls, newest first; with
	// before set (a poll id), only those started before that poll.
	Polls(ctx context.Context, channel, before string, limit int) ([]Poll, error)
	// OpenPolls returns a channel's polls still open, oldest first.
	OpenPolls(ctx context.Context, channel string) ([]Poll, error)
	// PollVotes returns every vote of a poll, ordered by user id.
	PollVotes(ctx context.Context, channel, pollID string) ([]PollVote, error)
}

// problem returns what is wrong with p as a stored row, or "".
func (p Poll) problem() string {
	switch {
	case !ValidLogin(p.Channel):
		return "channel is not a valid channel login"
	case p.ID == "" || !validText(p.ID, pollMaxIDLen):
		return "id is empty, too long or not valid UTF-8"
	case p.Kind != PollChat && p.Kind != PollNative:
		return "kind must be chat or native"
	case p.Status != PollOpen && p.Status != PollClosed && p.Status != PollCancelled:
		return "status must be open, closed or cancelled"
	case !validText(p.Question, PollMaxQuestionLen):
		return "question is too long or not valid UTF-8"
	case len(p.Options) < PollMinOptions || len(p.Options) > PollMaxOptions:
		return "a poll has 2 to 10 options"
	case p.Weighting != PollWeightNone && p.Weighting != PollWeightRank && p.Weighting != PollWeightPoints:
		return "weighting must be empty, rank or points"
	case p.PointsPerVote < 0:
		return "points per vote is negative"
	case !validText(p.StartedBy, maxLoginLen):
		return "started by is too long or not valid UTF-8"
	case p.StartedAt.IsZero() || p.EndsAt.Before(p.StartedAt):
		return "it must start, and not end before it starts"
	}
	for _, o := range p.Options {
		if o == "" || !validText(o, PollMaxOptionLen) {
			return "an option is empty, too long or not valid UTF-8"
		}
	}
	t := p.Tally
	if len(t.Votes) > len(p.Options) || len(t.Scores) > len(p.Options) || len(t.Breakdown) > len(p.Options) {
		return "the tally has more entries than options"
	}
	for _, w := range t.Winners {
		if w < 0 || w >= len(p.Options) {
			return "a winner is not an option"
		}
	}
	return ""
}

// problem returns what is wrong with v as a stored row, or "".
func (v PollVote) problem() string {
	switch {
	case !ValidLogin(v.Channel):
		return "channel is not a valid channel login"
	case v.PollID == "" || !validText(v.PollID, pollMaxIDLen):
		return "poll id is empty, too long or not valid UTF-8"
	case v.UserID == "" || !validText(v.UserID, maxUserIDLen):
		return "user id is empty, too long or not valid UTF-8"
	case !validText(v.Login, maxLoginLen) || !validText(v.Rank, maxDisplayNameLen):
		return "login or rank is too long or not valid UTF-8"
	case v.Option < 0 || v.Option >= PollMaxOptions:
		return "option is out of range"
	case v.Weight < 1 || v.Spent < 0:
		return "weight must be positive and spent not negative"
	}
	return ""
}
