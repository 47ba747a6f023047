package main

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/engine"
)

// In a cluster, every action on a channel's running state is carried out
// by the instance that runs the channel: an instance that does not run it
// posts the call (an action's name and its arguments) as a command row,
// and the owner makes the same engine call and writes back its result.
// One path serves them all: an action is a name and an engine call, and
// channelAction.call runs it here or forwards it. Arguments and results
// travel gob-encoded, so every exported field crosses, including those
// the API's JSON leaves out.

// callArgs are the arguments of every forwarded call; each action reads
// the fields it needs.
type callArgs struct {
	N        int
	Login    string
	UserID   string
	Delta    int64
	Reason   string
	ID       string
	Name     string
	Kind     string
	CSS      string
	Cancel   bool
	Forget   bool
	Poll     hearth.PollRequest
	Goal     hearth.GoalRequest
	Settings hearth.ChannelSettings
}

// channelAction is one engine call on a channel, named for forwarding.
type channelAction[R any] struct {
	name string
	run  func(ctx context.Context, e *engine.Engine, channel string, a callArgs) (R, error)
}

// forwardable is what the owner's handler needs of an action.
type forwardable interface {
	actionName() string
	runEncoded(ctx context.Context, e *engine.Engine, channel string, body []byte) ([]byte, error)
}

func (a channelAction[R]) actionName() string { return a.name }

// runEncoded decodes the arguments, makes the call here and encodes its
// result.
func (a channelAction[R]) runEncoded(ctx context.Context, e *engine.Engine, channel string, body []byte) ([]byte, error) {
	var args callArgs
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(&args); err != nil {
		return nil, hearth.Errorf(hearth.EINVALID, "forwarded %s: unreadable arguments: %v", a.name, err)
	}
	r, err := a.run(ctx, e, channel, args)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := gob.NewEncoder(&out).Encode(&r); err != nil {
		return nil, fmt.Errorf("forwarded %s: unable to encode the result: %w", a.name, err)
	}
	return out.Bytes(), nil
}

// call makes the call on this instance when it runs channel, and
// otherwise has the instance running it make it.
func (a channelAction[R]) call(ctx context.Context, m *Main, channel string, args callArgs) (R, error) {
	var r R
	if m.cluster == nil || m.Engine.Serves(channel) {
		return a.run(ctx, m.Engine, channel, args)
	}
	var body bytes.Buffer
	if err := gob.NewEncoder(&body).Encode(&args); err != nil {
		return r, fmt.Errorf("forward %s: %w", a.name, err)
	}
	res, err := m.cluster.forward.Forward(ctx, channel, a.name, body.Bytes())
	if err != nil {
		return r, err
	}
	if err := gob.NewDecoder(bytes.NewReader(res)).Decode(&r); err != nil {
		return r, fmt.Errorf("forward %s: unreadable result: %w", a.name, err)
	}
	return r, nil
}

// done is the result of a call that returns only an error.
type done struct{ OK bool }

// currentPoll is CurrentPoll's two results.
type currentPoll struct {
	Poll hearth.Poll
	OK   bool
}

// position is Position's two results.
type position struct{ Pos, Total int }

// The actions forwarded, by what they do.
var (
	actLeaderboard = channelAction[hearth.Leaderboard]{"leaderboard", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (hearth.Leaderboard, error) {
		return e.Leaderboard(ctx, ch, a.N)
	}}
	actForget = channelAction[hearth.ViewerStats]{"forget", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (hearth.ViewerStats, error) {
		return e.Forget(ctx, ch, a.Login)
	}}
	actViewer = channelAction[hearth.ViewerStats]{"viewer", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (hearth.ViewerStats, error) {
		return e.Viewer(ctx, ch, a.Login)
	}}
	actAdjustPoints = channelAction[hearth.ViewerStats]{"adjust_points", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (hearth.ViewerStats, error) {
		return e.AdjustPoints(ctx, ch, a.Login, a.Delta, a.Reason)
	}}
	actStanding = channelAction[community.Standing]{"standing", func(ctx context.Context, e *engine.Engine, ch string, _ callArgs) (community.Standing, error) {
		r, err := e.Standing(ctx, ch)
		if err != nil {
			return community.Standing{}, err
		}
		st, ok := r.(community.Standing)
		if !ok {
			return community.Standing{}, fmt.Errorf("standing of %s: unexpected %T", ch, r)
		}
		return st, nil
	}}
	actOverview = channelAction[hearth.Overview]{"overview", func(ctx context.Context, e *engine.Engine, ch string, _ callArgs) (hearth.Overview, error) {
		return e.Overview(ctx, ch)
	}}
	actPosition = channelAction[position]{"position", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (position, error) {
		p, t, err := e.Position(ctx, ch, a.UserID)
		return position{p, t}, err
	}}
	actStartPoll = channelAction[hearth.Poll]{"start_poll", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (hearth.Poll, error) {
		return e.StartPoll(ctx, ch, a.Poll)
	}}
	actEndPoll = channelAction[hearth.Poll]{"end_poll", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (hearth.Poll, error) {
		return e.EndPoll(ctx, ch, a.ID, a.Cancel)
	}}
	actCurrentPoll = channelAction[currentPoll]{"current_poll", func(ctx context.Context, e *engine.Engine, ch string, _ callArgs) (currentPoll, error) {
		p, ok, err := e.CurrentPoll(ctx, ch)
		return currentPoll{p, ok}, err
	}}
	actStartSegment = channelAction[hearth.SegmentRecap]{"start_segment", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (hearth.SegmentRecap, error) {
		return e.StartSegment(ctx, ch, a.Name)
	}}
	actEndSegment = channelAction[hearth.SegmentRecap]{"end_segment", func(ctx context.Context, e *engine.Engine, ch string, _ callArgs) (hearth.SegmentRecap, error) {
		return e.EndSegment(ctx, ch)
	}}
	actSettings = channelAction[hearth.ChannelSettings]{"settings", func(ctx context.Context, e *engine.Engine, ch string, _ callArgs) (hearth.ChannelSettings, error) {
		return e.Settings(ctx, ch)
	}}
	actSetSettings = channelAction[hearth.ChannelSettings]{"set_settings", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (hearth.ChannelSettings, error) {
		return e.SetSettings(ctx, ch, a.Settings)
	}}
	actRotateToken = channelAction[hearth.ChannelInfo]{"rotate_overlay_token", func(ctx context.Context, e *engine.Engine, ch string, _ callArgs) (hearth.ChannelInfo, error) {
		return e.RotateOverlayToken(ctx, ch)
	}}
	actTestEvent = channelAction[hearth.OverlayEvent]{"test_overlay_event", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (hearth.OverlayEvent, error) {
		return e.TestOverlayEvent(ctx, ch, a.Kind)
	}}
	actRollCredits = channelAction[hearth.OverlayEvent]{"roll_credits", func(ctx context.Context, e *engine.Engine, ch string, _ callArgs) (hearth.OverlayEvent, error) {
		return e.RollCredits(ctx, ch)
	}}
	actGoals = channelAction[[]hearth.Goal]{"goals", func(ctx context.Context, e *engine.Engine, ch string, _ callArgs) ([]hearth.Goal, error) {
		return e.Goals(ctx, ch)
	}}
	actSetGoal = channelAction[hearth.Goal]{"set_goal", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (hearth.Goal, error) {
		return e.SetGoal(ctx, ch, a.ID, a.Goal)
	}}
	actDeleteGoal = channelAction[done]{"delete_goal", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (done, error) {
		return done{true}, e.DeleteGoal(ctx, ch, a.ID)
	}}
	actOverlayCSS = channelAction[string]{"overlay_css", func(ctx context.Context, e *engine.Engine, ch string, _ callArgs) (string, error) {
		return e.OverlayCSS(ctx, ch)
	}}
	actSetOverlayCSS = channelAction[done]{"set_overlay_css", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (done, error) {
		return done{true}, e.SetOverlayCSS(ctx, ch, a.CSS)
	}}
	actRemoveChannel = channelAction[done]{"remove_channel", func(ctx context.Context, e *engine.Engine, ch string, a callArgs) (done, error) {
		return done{true}, e.RemoveChannel(ctx, ch, a.Forget)
	}}
)

// forwardedActions are the actions an owner runs for the others, by name.
var forwardedActions = func() map[string]forwardable {
	all := []forwardable{actLeaderboard, actForget, actViewer, actAdjustPoints, actStanding,
		actOverview, actPosition, actStartPoll, actEndPoll, actCurrentPoll, actStartSegment,
		actEndSegment, actSettings, actSetSettings, actRotateToken, actTestEvent, actRollCredits,
		actGoals, actSetGoal, actDeleteGoal, actOverlayCSS, actSetOverlayCSS, actRemoveChannel}
	byName := make(map[string]forwardable, len(all))
	for _, a := range all {
		if byName[a.actionName()] != nil {
			panic("two forwarded actions named " + a.actionName())
		}
		byName[a.actionName()] = a
	}
	return byName
}()

// runForwarded runs an action forwarded by another instance for a channel
// run here.
func (m *Main) runForwarded(ctx context.Context, c hearth.ClusterCommand) ([]byte, error) {
	a := forwardedActions[c.Action]
	if a == nil {
		return nil, hearth.Errorf(hearth.EINVALID, "no action %q is forwarded", c.Action)
	}
	if !m.Engine.Serves(c.Channel) {
		// Handed over between the claim and now: the caller retries.
		return nil, hearth.Errorf(hearth.ECONFLICT, "channel %s is no longer run by this instance; try again", c.Channel)
	}
	return a.runEncoded(ctx, m.Engine, c.Channel, c.Body)
}
