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
