package engine

import (
	"context"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/export"
)

// Serves reports whether the engine runs channel.
func (e *Engine) Serves(channel string) bool {
	_, ok := e.actor(channel)
	return ok
}

// Standing returns what names a viewer's rank, current streak and
// position in a served channel: its rules and its last stored stream.
// ENOTFOUND if the channel is not served.
func (e *Engine) Standing(ctx context.Context, channel string) (export.Ranker, error) {
	rules, err := e.Rules(channel)
	if err != nil {
		return nil, err
	}
	st := community.Standing{Channel: channel, Rules: rules}
	last, err := e.store.Streams(ctx, channel, 1)
	if err != nil {
		return nil, err
	}
	if len(last) > 0 {
		st.Last = &last[0]
	}
	return st, nil
}

// Viewer returns one viewer of a served channel by login, as the running
// channel holds them now; ENOTFOUND if the channel or the viewer is
// unknown.
func (e *Engine) Viewer(ctx context.Context, channel, login string) (hearth.ViewerStats, error) {
	var v hearth.ViewerStats
	var ok bool
	err := e.Do(ctx, channel, func(c *community.Channel) hearth.Batch {
		v, ok = c.ViewerByLogin(login)
		return hearth.Batch{}
	})
	if err != nil {
		return hearth.ViewerStats{}, err
	}
	if !ok {
		return hearth.ViewerStats{}, hearth.Errorf(hearth.ENOTFOUND, "#%s has no viewer %s", channel, login)
	}
	return v, nil
}

// Leaderboard returns a served channel's first n ranked viewers, from the
// running channel, exactly as its leaderboard overlay shows them.
func (e *Engine) Leaderboard(ctx context.Context, channel string, n int) (hearth.Leaderboard, error) {
	var b hearth.Leaderboard
	err := e.Do(ctx, channel, func(c *community.Channel) hearth.Batch {
		b = c.Leaderboard(n)
		return hearth.Batch{}
	})
	if err != nil {
		return hearth.Leaderboard{}, err
	}
	return b, nil
}

// Figures returns the engagement figures of a served channel's current
// stream as they stand now.
func (e *Engine) Figures(ctx context.Context, channel string) (hearth.ChannelFigures, error) {
	var f hearth.ChannelFigures
	err := e.Do(ctx, channel, func(c *community.Channel) hearth.Batch {
		f = c.Figures()
		return hearth.Batch{}
	})
	return f, err
}

// Forget deletes one viewer's data from a served channel: from memory and,
// before it returns, from the store. It returns what was deleted;
// ENOTFOUND if the channel or the viewer is unknown.
func (e *Engine) Forget(ctx context.Context, channel, login string) (hearth.ViewerStats, error) {
	var forgot hearth.ViewerStats
	err := e.onChannel(ctx, channel, func(a *actor) {
		v, ok := a.ch.ViewerByLogin(login)
		if !ok {
			return
		}
		k, _ := a.ch.Forget(login)
		forgot = v
		a.events.forget(v.UserID)
		a.write(hearth.Batch{Forget: []hearth.ViewerKey{k}})
		a.writeRecap()
	})
	if err != nil {
		return forgot, err
	}
	if forgot.UserID == "" {
		return forgot, hearth.Errorf(hearth.ENOTFOUND, "#%s has no viewer %s", channel, login)
	}
	e.opts.Events.ForgetEvents(channel, forgot.UserID)
	return forgot, e.Sync(ctx)
}

// AdjustPoints changes a viewer's points in a served channel by delta, as
// a moderator's !addpoints and !removepoints do, logs the change with its
// reason, and returns the viewer as they stand after. Errors are
// community.Channel.AdjustPoints's, and EINVALID for an empty reason.
func (e *Engine) AdjustPoints(ctx context.Context, channel, login string, delta int64, reason string) (hearth.ViewerStats, error) {
	if reason == "" {
		return hearth.ViewerStats{}, hearth.Errorf(hearth.EINVALID, "reason: say why the points change")
	}
	var v hearth.ViewerStats
	err := e.RunPoll(ctx, channel, func(c *community.Channel, now time.Time) (community.Result, error) {
		var res community.Result
		var err error
		v, res, err = c.AdjustPoints(login, delta, now)
		return res, err
	})
	if err != nil {
		return hearth.ViewerStats{}, err
	}
	e.log.Info("points adjusted", "channel", channel, "user_id", v.UserID, "login", v.Login, "points", delta, "reason", reason)
	return v, nil
}

// SeenModerator reports whether the last chat message since start of the
// user with userID in a served channel carried the moderator badge: who
// moderates the channel when Twitch cannot be asked.
func (e *Engine) SeenModerator(ctx context.Context, channel, userID string) (bool, error) {
	var mod bool
	err := e.Do(ctx, channel, func(c *community.Channel) hearth.Batch {
		mod = c.SeenModerator(userID)
		return hearth.Batch{}
	})
	return mod, err
}
