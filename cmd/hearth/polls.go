package main

import (
	"context"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/web"
)

// pollService runs the API's poll actions on the running channels, and
// native polls through Twitch when the Main has a NativePolls.
type pollService struct{ m *Main }

var _ web.Polls = pollService{}

// StartPoll opens a chat poll, or a native Twitch poll when asked.
func (s pollService) StartPoll(ctx context.Context, channel string, req web.PollRequest) (hearth.Poll, error) {
	spec := community.PollSpec{Question: req.Question, Options: req.Options, Duration: req.Duration(), StartedBy: "api"}
	if err := spec.Validate(s.m.rules[channel]); err != nil {
		return hearth.Poll{}, err
	}
	if req.Native {
		return s.startNative(ctx, channel, spec)
	}
	var p hearth.Poll
	err := s.m.Engine.RunPoll(ctx, channel, func(c *community.Channel, now time.Time) (community.Result, error) {
		started, res, err := c.StartPoll(spec, now)
		p = started
		return res, err
	})
	return p, err
}

// startNative validates Twitch's limits, asks Twitch for the poll and
// mirrors it at once (EventSub then brings its votes).
func (s pollService) startNative(ctx context.Context, channel string, spec community.PollSpec) (hearth.Poll, error) {
	if err := spec.ValidateNative(); err != nil {
		return hearth.Poll{}, err
	}
	if s.m.NativePolls == nil {
		return hearth.Poll{}, web.NativeUnavailable("this Hearth has no Twitch integration for #" + channel)
	}
	var open bool
	if err := s.m.Engine.Do(ctx, channel, func(c *community.Channel) hearth.Batch {
		cur, ok := c.CurrentPoll()
		open = ok && cur.Status == hearth.PollOpen
		return hearth.Batch{}
	}); err != nil {
		return hearth.Poll{}, err
	}
	if open {
		return hearth.Poll{}, hearth.Errorf(hearth.ECONFLICT, "a poll is already open in #%s; end or cancel it first", channel)
	}
	id, err := s.m.NativePolls.CreatePoll(ctx, channel, spec.Question, spec.Options, spec.Duration)
	if hearth.ErrorCode(err) == hearth.EUNAUTHORIZED {
		return hearth.Poll{}, web.NativeUnavailable("Twitch refused the poll: " + hearth.ErrorMessage(err))
	}
	if err != nil {
		return hearth.Poll{}, err
	}
	var p hearth.Poll
	err = s.m.Engine.RunPoll(ctx, channel, func(c *community.Channel, now time.Time) (community.Result, error) {
		u := hearth.PollUpdate{ID: id, Title: spec.Question, Status: "ACTIVE", StartedAt: now, EndsAt: now.Add(spec.Duration)}
		for _, o := range spec.Options {
			u.Choices = append(u.Choices, hearth.PollUpdateChoice{Title: o})
		}
		res := c.MirrorPoll(u, "api", now)
		p, _ = c.CurrentPoll()
		return res, nil
	})
	return p, err
}

// EndPoll closes or cancels the open poll with id: a native one through
// Twitch, whose end event then closes the mirror.
func (s pollService) EndPoll(ctx context.Context, channel, id string, cancel bool) (hearth.Poll, error) {
	cur, ok, err := s.CurrentPoll(ctx, channel)
	if err != nil {
		return hearth.Poll{}, err
	}
	if ok && cur.ID == id && cur.Kind == hearth.PollNative && cur.Status == hearth.PollOpen {
		if s.m.NativePolls == nil {
			return hearth.Poll{}, web.NativeUnavailable("this Hearth has no Twitch integration for #" + channel)
		}
		if err := s.m.NativePolls.EndPoll(ctx, channel, id, cancel); err != nil {
			return hearth.Poll{}, err
		}
		return cur, nil
	}
	var p hearth.Poll
	err = s.m.Engine.RunPoll(ctx, channel, func(c *community.Channel, now time.Time) (community.Result, error) {
		ended, res, err := c.EndPoll(id, cancel, now)
		p = ended
		return res, err
	})
	if err != nil {
		return hearth.Poll{}, err
	}
	return p, s.m.Engine.Sync(ctx)
}

// CurrentPoll returns the channel's open or last poll as it stands.
func (s pollService) CurrentPoll(ctx context.Context, channel string) (hearth.Poll, bool, error) {
	var p hearth.Poll
	var ok bool
	err := s.m.Engine.Do(ctx, channel, func(c *community.Channel) hearth.Batch {
		p, ok = c.CurrentPoll()
		return hearth.Batch{}
	})
	return p, ok, err
}
