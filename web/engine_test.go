package web_test

import (
	"context"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/export"
)

// arenaEngine is a web.Engine serving only "arena", from a channel loaded
// from the store's rows with the default rules, as the engine's is. It
// answers Forget without deleting anything.
type arenaEngine struct {
	store hearth.Store
	arena *community.Channel
}

// newArenaEngine loads "arena" from store.
func newArenaEngine(ctx context.Context, store hearth.Store) (*arenaEngine, error) {
	stored, err := store.Viewers(ctx, "arena")
	if err != nil {
		return nil, err
	}
	return &arenaEngine{store: store, arena: community.NewChannel("arena", community.DefaultRules(), stored, nil)}, nil
}

func (e *arenaEngine) Serves(ch string) bool { return ch == "arena" }

func (e *arenaEngine) Standing(ctx context.Context, ch string) (export.Ranker, error) {
	st := community.Standing{Channel: ch, Rules: community.DefaultRules()}
	last, err := e.store.Streams(ctx, ch, 1)
	if err != nil {
		return nil, err
	}
	if len(last) > 0 {
		st.Last = &last[0]
	}
	return st, nil
}

func (e *arenaEngine) Leaderboard(_ context.Context, ch string, n int) (hearth.Leaderboard, error) {
	if ch != "arena" {
		return hearth.Leaderboard{}, hearth.Errorf(hearth.ENOTFOUND, "channel %s is not served here", ch)
	}
	return e.arena.Leaderboard(n), nil
}

func (e *arenaEngine) Forget(_ context.Context, ch, login string) (hearth.ViewerStats, error) {
	if v, ok := e.arena.ViewerByLogin(login); ok && ch == "arena" {
		return v, nil
	}
	return hearth.ViewerStats{}, hearth.Errorf(hearth.ENOTFOUND, "#%s has no viewer %s", ch, login)
}

func (e *arenaEngine) Viewer(_ context.Context, ch, login string) (hearth.ViewerStats, error) {
	if v, ok := e.arena.ViewerByLogin(login); ok && ch == "arena" {
		return v, nil
	}
	return hearth.ViewerStats{}, hearth.Errorf(hearth.ENOTFOUND, "#%s has no viewer %s", ch, login)
}

// AdjustPoints adjusts on the channel loaded from the store, which the
// test does not write back.
func (e *arenaEngine) AdjustPoints(_ context.Context, ch, login string, delta int64, _ string) (hearth.ViewerStats, error) {
	if ch != "arena" {
		return hearth.ViewerStats{}, hearth.Errorf(hearth.ENOTFOUND, "channel %s is not served here", ch)
	}
	v, _, err := e.arena.AdjustPoints(login, delta, time.Now())
	return v, err
}
