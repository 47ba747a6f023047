package engine

import (
	"context"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
)

// PollRecorder is told about polls, for metrics.
type PollRecorder interface {
	// PollVote counts a vote by its outcome (one of hearth.VoteResults).
	PollVote(channel, result string)
	// PollFinished counts a poll closed or cancelled, and sets the
	// channel's last turnout for a completed chat poll.
	PollFinished(channel string, p hearth.Poll)
}

type pollKey struct{ channel, id string }

type voteKey struct{ channel, poll, user string }

// addPolls merges a group's poll and vote rows into what is pending.
func (w *writer) addPolls(b hearth.Batch) {
	for _, p := range b.Polls {
		w.polls[pollKey{p.Channel, p.ID}] = p
	}
	for _, v := range b.PollVotes {
		w.votes[voteKey{v.Channel, v.PollID, v.UserID}] = v
	}
}

// forgetVotes drops a forgotten viewer's pending votes.
func (w *writer) forgetVotes(k hearth.ViewerKey) {
	for vk := range w.votes {
		if vk.channel == k.Channel && vk.user == k.UserID {
			delete(w.votes, vk)
		}
	}
}

// pollRows adds the pending poll and vote rows to b.
func (w *writer) pollRows(b *hearth.Batch) {
	for _, p := range w.polls {
		b.Polls = append(b.Polls, p)
	}
	for _, v := range w.votes {
		b.PollVotes = append(b.PollVotes, v)
	}
}

func (w *writer) dropInvalidPolls() {
	for k, p := range w.polls {
		if err := (hearth.Batch{Polls: []hearth.Poll{p}}).Validate(); err != nil {
			w.log.Error("engine: dropping a poll row the store refuses", "channel", k.channel, "poll", k.id, "err", err)
			delete(w.polls, k)
		}
	}
	for k, v := range w.votes {
		if err := (hearth.Batch{PollVotes: []hearth.PollVote{v}}).Validate(); err != nil {
			w.log.Error("engine: dropping a poll vote the store refuses", "channel", k.channel, "user_id", k.user, "err", err)
			delete(w.votes, k)
		}
	}
}

// restorePolls reloads a channel's open polls and their votes; one whose
// end passed while Hearth was down closes now with the votes it had.
func (e *Engine) restorePolls(ctx context.Context, a *actor) error {
	polls, err := e.store.OpenPolls(ctx, a.ch.Name())
	if err != nil {
		return err
	}
	for _, p := range polls {
		votes, err := e.store.PollVotes(ctx, p.Channel, p.ID)
		if err != nil {
			return err
		}
		a.pending = append(a.pending, a.ch.RestorePoll(p, votes, a.now()))
		e.log.Info("engine: poll restored", "channel", p.Channel, "poll", p.ID, "votes", len(votes), "status", a.ch.PollState(a.now()).Status)
	}
	return nil
}

// RunPoll runs fn on the channel's goroutine, after every event queued
// before it, and applies the result it returns as an event's: its rows are
// written, its lines said, its overlay state published. The result is
// applied also when fn fails (the channel's clock may have moved), and
// fn's error is returned.
func (e *Engine) RunPoll(ctx context.Context, channel string, fn func(c *community.Channel, now time.Time) (community.Result, error)) error {
	var ferr error
	err := e.onChannel(ctx, channel, func(a *actor) {
		var res community.Result
		res, ferr = fn(a.ch, a.now())
		a.apply(res)
	})
	if err != nil {
		return err
	}
	return ferr
}

// applyPoll hands a result's poll changes on: rows to the writer (in the
// caller's group), outcomes to metrics, the announcement to chat, and
// marks the overlay state for publishing.
func (a *actor) applyPoll(res community.Result, b *hearth.Batch) {
	name := a.ch.Name()
	if res.PollVote != "" {
		a.e.opts.Polls.PollVote(name, res.PollVote)
	}
	if res.Poll != nil {
		b.Polls = append(b.Polls, *res.Poll)
		if res.Poll.Status != hearth.PollOpen {
			a.e.opts.Polls.PollFinished(name, *res.Poll)
		}
	}
	b.PollVotes = append(b.PollVotes, res.PollVotes...)
	if res.PollChanged {
		a.pollDirty = true
	}
	if res.Announce != "" {
		if an, ok := a.e.opts.Chat.(hearth.Announcer); ok {
			an.Announce(name, res.Announce)
		} else {
			a.e.opts.Chat.Say(name, res.Announce)
		}
	}
}

// publishPoll sends the poll overlay its state when it changed; the hub
// coalesces, and the state carries the server's clock for the countdown.
func (a *actor) publishPoll() {
	if !a.pollDirty {
		return
	}
	a.pollDirty = false
	a.e.opts.Broadcaster.Publish(a.ch.Name(), hearth.TopicPoll, a.ch.PollState(a.now()))
}

type nopPolls struct{}

func (nopPolls) PollVote(string, string)          {}
func (nopPolls) PollFinished(string, hearth.Poll) {}

// SetNativePolls gives the engine Twitch's native polls, for StartPoll's
// and EndPoll's native ones. Call it before the first request, once the
// Twitch client exists; without it native polls are refused.
func (e *Engine) SetNativePolls(p hearth.NativePolls) { e.native = p }

// StartPoll opens a chat poll in a served channel, or a native Twitch
// poll when asked, and returns it: EINVALID naming the field for bad
// input, ECONFLICT when one is open or a native poll cannot be made.
func (e *Engine) StartPoll(ctx context.Context, channel string, req hearth.PollRequest) (hearth.Poll, error) {
	if err := hearth.CheckPollSeconds(req.DurationSeconds); err != nil {
		return hearth.Poll{}, err
	}
	spec := community.PollSpec{Question: req.Question, Options: req.Options, Duration: req.Duration(), StartedBy: "api"}
	rules, err := e.Rules(channel)
	if err != nil {
		return hearth.Poll{}, err
	}
	if err := spec.Validate(rules); err != nil {
		return hearth.Poll{}, err
	}
	if req.Native {
		return e.startNative(ctx, channel, spec)
	}
	var p hearth.Poll
	err = e.RunPoll(ctx, channel, func(c *community.Channel, now time.Time) (community.Result, error) {
		started, res, err := c.StartPoll(spec, now)
		p = started
		return res, err
	})
	return p, err
}

// startNative validates Twitch's limits, asks Twitch for the poll and
// mirrors it at once (EventSub then brings its votes).
func (e *Engine) startNative(ctx context.Context, channel string, spec community.PollSpec) (hearth.Poll, error) {
	if err := spec.ValidateNative(); err != nil {
		return hearth.Poll{}, err
	}
	if e.native == nil {
		return hearth.Poll{}, hearth.NativeUnavailable("this Hearth has no Twitch integration for #" + channel)
	}
	var open bool
	if err := e.Do(ctx, channel, func(c *community.Channel) hearth.Batch {
		cur, ok := c.CurrentPoll()
		open = ok && cur.Status == hearth.PollOpen
		return hearth.Batch{}
	}); err != nil {
		return hearth.Poll{}, err
	}
	if open {
		return hearth.Poll{}, hearth.Errorf(hearth.ECONFLICT, "a poll is already open in #%s; end or cancel it first", channel)
	}
	id, err := e.native.CreatePoll(ctx, channel, spec.Question, spec.Options, spec.Duration)
	if hearth.ErrorCode(err) == hearth.EUNAUTHORIZED {
		return hearth.Poll{}, hearth.NativeUnavailable("Twitch refused the poll: " + hearth.ErrorMessage(err))
	}
	if err != nil {
		return hearth.Poll{}, err
	}
	var p hearth.Poll
	err = e.RunPoll(ctx, channel, func(c *community.Channel, now time.Time) (community.Result, error) {
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

// EndPoll closes (cancel false) or cancels the open poll with id, and
// returns it once written: a native one through Twitch, whose end event
// then closes the mirror. ENOTFOUND when it is not open.
func (e *Engine) EndPoll(ctx context.Context, channel, id string, cancel bool) (hearth.Poll, error) {
	cur, ok, err := e.CurrentPoll(ctx, channel)
	if err != nil {
		return hearth.Poll{}, err
	}
	if ok && cur.ID == id && cur.Kind == hearth.PollNative && cur.Status == hearth.PollOpen {
		if e.native == nil {
			return hearth.Poll{}, hearth.NativeUnavailable("this Hearth has no Twitch integration for #" + channel)
		}
		if err := e.native.EndPoll(ctx, channel, id, cancel); err != nil {
			return hearth.Poll{}, err
		}
		return cur, nil
	}
	var p hearth.Poll
	err = e.RunPoll(ctx, channel, func(c *community.Channel, now time.Time) (community.Result, error) {
		ended, res, err := c.EndPoll(id, cancel, now)
		p = ended
		return res, err
	})
	if err != nil {
		return hearth.Poll{}, err
	}
	return p, e.Sync(ctx)
}

// CurrentPoll returns a served channel's open or last poll as it stands
// now, false if there has been none since start.
func (e *Engine) CurrentPoll(ctx context.Context, channel string) (hearth.Poll, bool, error) {
	var p hearth.Poll
	var ok bool
	err := e.Do(ctx, channel, func(c *community.Channel) hearth.Batch {
		p, ok = c.CurrentPoll()
		return hearth.Batch{}
	})
	return p, ok, err
}
