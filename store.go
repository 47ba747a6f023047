package hearth

import "context"

// Batch is the set of changes one flush writes, in one transaction. Viewers
// carry whole rows (absolute values, not deltas), so writing the same batch
// twice leaves the same state: a restart never counts anything twice.
//
// Forget deletes viewers, and is applied before Viewers, so a viewer
// forgotten and then seen again in the same batch keeps only the new row.
type Batch struct {
	Viewers []ViewerStats
	Streams []StreamSession
	Forget  []ViewerKey
	// Polls and PollVotes are whole poll and vote rows; a poll is written
	// before the votes of the same batch.
	Polls     []Poll
	PollVotes []PollVote
	// Recaps are whole stream recaps, keyed by (Channel, Seq); a later
	// recap of the same stream replaces the earlier one.
	Recaps []StreamRecap
	// Goals are goals' progress; a goal that is not stored (deleted
	// meanwhile), or set again since (another Version), is left as it is.
	Goals []GoalProgress
	// OverlayEvents are appended to their channel's event log; one whose
	// (Channel, Seq) is stored replaces it, so writing it twice is
	// harmless. Forget deletes the forgotten viewers' events too.
	OverlayEvents []OverlayEvent
}

// Len returns the number of changes in the batch.
func (b Batch) Len() int {
	return len(b.Viewers) + len(b.Streams) + len(b.Forget) + len(b.Polls) + len(b.PollVotes) + len(b.Recaps) + len(b.Goals) + len(b.OverlayEvents)
}

// Validate checks every row of the batch, so that a store can reject the
// whole batch before writing anything. It returns an EINVALID *Error naming
// the first bad row. NUL bytes and invalid UTF-8 are refused everywhere
// because PostgreSQL refuses them.
func (b Batch) Validate() error {
	for i, v := range b.Viewers {
		if msg := v.problem(); msg != "" {
			return Errorf(EINVALID, "viewer %d of batch: %s", i, msg)
		}
	}
	for i, s := range b.Streams {
		switch {
		case !ValidLogin(s.Channel):
			return Errorf(EINVALID, "stream %d of batch: channel is not a valid channel login", i)
		case s.Seq < 1:
			return Errorf(EINVALID, "stream %d of batch: seq must be positive", i)
		case s.Source != SourceTwitch && s.Source != SourceChat:
			return Errorf(EINVALID, "stream %d of batch: source must be %q or %q", i, SourceTwitch, SourceChat)
		case s.Messages < 0 || s.Chatters < 0 || s.Minutes < 0:
			return Errorf(EINVALID, "stream %d of batch: negative count", i)
		case s.StartedAt.IsZero() || !s.EndedAt.IsZero() && s.EndedAt.Before(s.StartedAt):
			return Errorf(EINVALID, "stream %d of batch: it must start, and not end before it starts", i)
		}
	}
	for i, k := range b.Forget {
		if !ValidLogin(k.Channel) || k.UserID == "" || !validText(k.UserID, maxUserIDLen) {
			return Errorf(EINVALID, "forget %d of batch: channel or user id invalid", i)
		}
	}
	for i, p := range b.Polls {
		if msg := p.problem(); msg != "" {
			return Errorf(EINVALID, "poll %d of batch: %s", i, msg)
		}
	}
	for i, v := range b.PollVotes {
		if msg := v.problem(); msg != "" {
			return Errorf(EINVALID, "poll vote %d of batch: %s", i, msg)
		}
	}
	for i, r := range b.Recaps {
		if msg := r.problem(); msg != "" {
			return Errorf(EINVALID, "recap %d of batch: %s", i, msg)
		}
	}
	for i, g := range b.Goals {
		if !ValidLogin(g.Channel) || !ValidGoalID(g.ID) || g.Progress < 0 || g.Stream < 0 || g.Version < 0 {
			return Errorf(EINVALID, "goal %d of batch: channel, id, progress or stream invalid", i)
		}
	}
	for i, e := range b.OverlayEvents {
		if msg := e.problem(); msg != "" {
			return Errorf(EINVALID, "overlay event %d of batch: %s", i, msg)
		}
	}
	return nil
}

// Store persists Hearth's state. Implementations: store/sqlite,
// store/postgres. Methods return *Error with ENOTFOUND when a thing is
// missing, never a nil result with a nil error.
type Store interface {
	ChannelRegistry
	PollStore
	RecapStore
	OverlayEventStore
	TokenStore
	BroadcasterIDStore
	OverlayTokenStore
	SessionStore
	GrantStore
	AuditStore
	GoalStore
	OverlayCSSStore
	// Apply writes every change in b in one transaction: all or nothing.
	Apply(ctx context.Context, b Batch) error
	// Viewer, ViewerByLogin and Viewers return effective values: an open
	// presence span (ViewerStats.WatchFrom) is folded in up to the minute
	// it ends (StreamClock.End), and WatchFrom is 0.
	//
	// Viewer returns one viewer's stats in a channel.
	Viewer(ctx context.Context, channel, userID string) (ViewerStats, error)
	// ViewerByLogin returns one viewer's stats in a channel by login.
	ViewerByLogin(ctx context.Context, channel, login string) (ViewerStats, error)
	// Viewers returns every viewer of a channel, ordered by user id.
	Viewers(ctx context.Context, channel string) ([]ViewerStats, error)
	// EndPresence ends every open presence span of a channel's viewers
	// as of the last minute its stream stored, without rewriting them:
	// if the channel's stream is live, it records a presence cut at the
	// stream's Minutes and moves Minutes on by one (StreamClock says how
	// spans end at cuts). Presence is not carried across a restart:
	// whoever loads a channel to run it calls EndPresence first, so that
	// spans left open by a process that died stop counting.
	EndPresence(ctx context.Context, channel string) error
	// Streams returns a channel's last n stream sessions, newest first.
	Streams(ctx context.Context, channel string, n int) ([]StreamSession, error)
	// Ping reports whether the store is reachable and writable.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}
