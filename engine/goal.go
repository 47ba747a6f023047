package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
)

// goalSet is a channel's goals as its goroutine counts them.
type goalSet struct {
	goals []hearth.Goal // by id
	// changed says progress moved since it was last written and
	// published; shown says the overlay's state changed otherwise.
	changed, shown bool
}

// loadGoals gives a loading channel its stored goals.
func (e *Engine) loadGoals(ctx context.Context, a *actor) error {
	gs, err := e.store.Goals(ctx, a.ch.Name())
	if err != nil {
		return err
	}
	a.goals.goals = gs
	return nil
}

// countGoals moves the goals an applied event counts toward.
func (a *actor) countGoals(ev hearth.Event, res community.Result) {
	if len(a.goals.goals) == 0 {
		return
	}
	a.syncGoalStreams()
	add := func(kind string, n int64) {
		if n <= 0 {
			return
		}
		for i := range a.goals.goals {
			if g := &a.goals.goals[i]; g.Kind == kind {
				g.Progress += n
				a.goals.changed = true
			}
		}
	}
	for _, n := range res.Notices {
		if n.Kind == community.NoticeFollow {
			add(hearth.GoalFollowers, 1)
		}
	}
	switch ev.Kind {
	case hearth.EventChat:
		add(hearth.GoalBits, int64(ev.Bits))
		if ev.User.ID != "" && !a.ch.IsBot(ev.User.Login) {
			add(hearth.GoalMessages, 1)
		}
	case hearth.EventCheer:
		add(hearth.GoalBits, int64(ev.Bits))
	case hearth.EventSub, hearth.EventResub:
		add(hearth.GoalSubs, 1)
	case hearth.EventSubGift:
		add(hearth.GoalSubs, int64(max(ev.Count, 1)))
	case hearth.EventRedemption:
		add(hearth.GoalPoints, int64(ev.Reward.Cost))
	}
}

// currentStream is the channel's stream now, or its last one; 0 before
// its first.
func (a *actor) currentStream() int64 {
	s, _ := a.ch.Live()
	return s.Seq
}

// syncGoalStreams starts each per-stream goal again at 0 when a new
// stream began since it last counted.
func (a *actor) syncGoalStreams() {
	seq := a.currentStream()
	for i := range a.goals.goals {
		if g := &a.goals.goals[i]; g.PerStream && g.Stream != seq {
			g.Progress, g.Stream = 0, seq
			a.goals.changed = true
		}
	}
}

// flushGoals writes and publishes the goals' progress when it moved.
func (a *actor) flushGoals() {
	a.syncGoalStreams()
	if !a.goals.changed && !a.goals.shown {
		return
	}
	if a.goals.changed {
		rows := make([]hearth.GoalProgress, len(a.goals.goals))
		for i, g := range a.goals.goals {
			rows[i] = hearth.GoalProgress{Channel: g.Channel, ID: g.ID, Version: g.Version, Progress: g.Progress, Stream: g.Stream}
		}
		a.write(hearth.Batch{Goals: rows})
	}
	a.goals.changed, a.goals.shown = false, false
	a.publishGoals()
}

// publishGoals publishes the goal overlay's state.
func (a *actor) publishGoals() {
	st := hearth.GoalState{Channel: a.ch.Name(), Goals: make([]hearth.GoalShown, len(a.goals.goals))}
	for i, g := range a.goals.goals {
		st.Goals[i] = hearth.GoalShown{
			ID: g.ID, Title: hearth.DisplayText(g.Title, g.ID), Kind: g.Kind, Target: g.Target,
			Progress: g.Progress, PerStream: g.PerStream, Reached: g.Reached(),
		}
	}
	a.e.opts.Broadcaster.Publish(a.ch.Name(), hearth.TopicGoal, st)
}

// Goals returns a served channel's goals as they stand now, by id.
func (e *Engine) Goals(ctx context.Context, channel string) ([]hearth.Goal, error) {
	var out []hearth.Goal
	err := e.onChannel(ctx, channel, func(a *actor) {
		a.syncGoalStreams()
		out = slices.Clone(a.goals.goals)
	})
	if out == nil {
		out = []hearth.Goal{}
	}
	return out, err
}

// SetGoal creates or replaces a served channel's goal id and returns it.
// A goal set again with its kind and per-stream setting unchanged keeps
// its progress; otherwise it starts at 0. It is stored before it
// returns. EINVALID for a bad id or request, or one goal too many.
func (e *Engine) SetGoal(ctx context.Context, channel, id string, req hearth.GoalRequest) (hearth.Goal, error) {
	if !hearth.ValidGoalID(id) {
		return hearth.Goal{}, hearth.Errorf(hearth.EINVALID, "goal id: 1 to %d lower-case letters, digits, '-' or '_'", hearth.MaxGoalIDLen)
	}
	if err := req.Check(); err != nil {
		return hearth.Goal{}, err
	}
	req.Title = strings.TrimSpace(req.Title)
	var g hearth.Goal
	var err error
	onErr := e.onChannel(ctx, channel, func(a *actor) {
		a.syncGoalStreams()
		i := slices.IndexFunc(a.goals.goals, func(g hearth.Goal) bool { return g.ID == id })
		if i < 0 && len(a.goals.goals) >= hearth.MaxGoals {
			err = hearth.Errorf(hearth.EINVALID, "#%s has %d goals already, the most it may have", channel, hearth.MaxGoals)
			return
		}
		now := a.e.opts.Clock.Now().UTC()
		g = hearth.Goal{Channel: a.ch.Name(), ID: id, Title: req.Title, Kind: req.Kind, Target: req.Target,
			PerStream: req.PerStream, Stream: a.currentStream(), UpdatedAt: now, Version: now.UnixMicro()}
		if i >= 0 {
			old := a.goals.goals[i]
			if old.Kind == g.Kind && old.PerStream == g.PerStream {
				g.Progress, g.Stream = old.Progress, old.Stream
			}
			g.Version = max(g.Version, old.Version+1)
		}
		// Written here, on the channel's goroutine, so no progress of
		// this setting is counted before it is stored.
		if err = e.store.PutGoal(ctx, g); err != nil {
			return
		}
		if i >= 0 {
			a.goals.goals[i] = g
		} else {
			a.goals.goals = append(a.goals.goals, g)
			slices.SortFunc(a.goals.goals, func(x, y hearth.Goal) int { return strings.Compare(x.ID, y.ID) })
		}
		a.goals.shown = true
		a.flushGoals()
	})
	if onErr != nil {
		return hearth.Goal{}, onErr
	}
	if err != nil {
		return hearth.Goal{}, fmt.Errorf("engine: unable to set goal %s of %s: %w", id, channel, err)
	}
	return g, nil
}

// DeleteGoal deletes a served channel's goal; ENOTFOUND if it has none of
// that id.
func (e *Engine) DeleteGoal(ctx context.Context, channel, id string) error {
	var err error
	onErr := e.onChannel(ctx, channel, func(a *actor) {
		i := slices.IndexFunc(a.goals.goals, func(g hearth.Goal) bool { return g.ID == id })
		if i < 0 {
			err = hearth.Errorf(hearth.ENOTFOUND, "#%s has no goal %q", channel, id)
			return
		}
		if err = e.store.DeleteGoal(ctx, a.ch.Name(), id); err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND {
			return
		}
		err = nil
		a.goals.goals = slices.Delete(a.goals.goals, i, i+1)
		a.goals.shown = true
		a.flushGoals()
	})
	if onErr != nil {
		return onErr
	}
	return err
}

// OverlayCSS returns a served channel's custom overlay stylesheet, ""
// when it has none.
func (e *Engine) OverlayCSS(ctx context.Context, channel string) (string, error) {
	if !e.Serves(channel) {
		return "", hearth.Errorf(hearth.ENOTFOUND, "channel %s is not served here", channel)
	}
	return e.store.OverlayCSS(ctx, channel)
}

// SetOverlayCSS replaces a served channel's custom overlay stylesheet
// ("" removes it); EINVALID, saying why, for one hearth.CheckOverlayCSS
// refuses. Overlays loaded from then on use it.
func (e *Engine) SetOverlayCSS(ctx context.Context, channel, css string) error {
	if !e.Serves(channel) {
		return hearth.Errorf(hearth.ENOTFOUND, "channel %s is not served here", channel)
	}
	if err := hearth.CheckOverlayCSS(css); err != nil {
		return err
	}
	return e.store.SetOverlayCSS(ctx, channel, css)
}

// goalKey names one setting of a goal, whose progress the writer keeps.
type goalKey struct {
	channel, id string
	version     int64
}

// addGoals merges a group's goal progress into what is pending; the last
// of a goal's setting wins.
func (w *writer) addGoals(b hearth.Batch) {
	for _, g := range b.Goals {
		w.goals[goalKey{g.Channel, g.ID, g.Version}] = g
	}
}

// goalRows adds the pending goal progress to b.
func (w *writer) goalRows(b *hearth.Batch) {
	for _, g := range w.goals {
		b.Goals = append(b.Goals, g)
	}
}

func (w *writer) dropInvalidGoals() {
	for k, g := range w.goals {
		if err := (hearth.Batch{Goals: []hearth.GoalProgress{g}}).Validate(); err != nil {
			w.log.Error("engine: dropping goal progress the store refuses", "channel", k.channel, "goal", k.id, "err", err)
			delete(w.goals, k)
		}
	}
}
