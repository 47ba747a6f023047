package web

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// maxPollBody bounds a poll request's body, far above any valid poll.
const maxPollBody = 16 << 10

// Polls runs poll actions on the running channels.
type Polls interface {
	// StartPoll opens a poll: EINVALID naming the field for bad input,
	// ECONFLICT when one is open or a native poll cannot be made.
	StartPoll(ctx context.Context, channel string, req hearth.PollRequest) (hearth.Poll, error)
	// EndPoll closes (cancel false) or cancels an open poll; ENOTFOUND
	// when it is not open.
	EndPoll(ctx context.Context, channel, id string, cancel bool) (hearth.Poll, error)
	// CurrentPoll returns the channel's open or last poll as it stands
	// now, false if there has been none since start.
	CurrentPoll(ctx context.Context, channel string) (hearth.Poll, bool, error)
}

func (a *api) registerPolls(r fiber.Router) {
	a.route(r, fiber.MethodPost, "/channels/:channel/polls", hearth.ActionPolls, a.startPoll)
	a.route(r, fiber.MethodGet, "/channels/:channel/polls", hearth.ActionView, a.listPolls)
	a.route(r, fiber.MethodGet, "/channels/:channel/polls/:id", hearth.ActionView, a.getPoll)
	a.route(r, fiber.MethodPost, "/channels/:channel/polls/:id/end", hearth.ActionPolls, a.endPoll(false))
	a.route(r, fiber.MethodPost, "/channels/:channel/polls/:id/cancel", hearth.ActionPolls, a.endPoll(true))
}

// decodePoll reads a poll request: JSON, one object, no unknown field.
func decodePoll(body []byte) (hearth.PollRequest, error) {
	var req hearth.PollRequest
	if err := decodeJSON(body, maxPollBody, &req); err != nil {
		return req, err
	}
	if err := hearth.CheckPollSeconds(req.DurationSeconds); err != nil {
		return req, err
	}
	return req, nil
}

func (a *api) pollsOr404() error {
	if a.polls == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "polls are not available here")
	}
	return nil
}

// startPoll opens a chat or native poll.
func (a *api) startPoll(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	if err := a.pollsOr404(); err != nil {
		return err
	}
	req, err := decodePoll(c.Body())
	if err != nil {
		return err
	}
	p, err := a.polls.StartPoll(c.UserContext(), ch, req)
	if err != nil {
		return err
	}
	a.record(c, ch, "poll.start", p.ID, nil, map[string]any{"kind": p.Kind, "question": p.Question, "options": p.Options})
	return c.Status(fiber.StatusCreated).JSON(p)
}

// endPoll closes or cancels an open poll.
func (a *api) endPoll(cancel bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ch, err := a.served(c)
		if err != nil {
			return err
		}
		if err := a.pollsOr404(); err != nil {
			return err
		}
		id, err := param(c, "id")
		if err != nil {
			return err
		}
		p, err := a.polls.EndPoll(c.UserContext(), ch, id, cancel)
		if err != nil {
			return err
		}
		action := "poll.end"
		if cancel {
			action = "poll.cancel"
		}
		a.record(c, ch, action, p.ID, map[string]any{"status": hearth.PollOpen}, map[string]any{"status": p.Status})
		return c.JSON(p)
	}
}

// getPoll answers one poll with its counts and breakdown: the running
// channel's own if it is the current one, else the stored one.
func (a *api) getPoll(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	if a.polls != nil {
		cur, ok, err := a.polls.CurrentPoll(c.UserContext(), ch)
		if err != nil {
			return err
		}
		if ok && cur.ID == id {
			return c.JSON(cur)
		}
	}
	p, err := a.store.Poll(c.UserContext(), ch, id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// pollPage is a page of GET .../polls: Next is the ?before= of the next
// page, "" on the last.
type pollPage struct {
	Polls []hearth.Poll `json:"polls"`
	Next  string        `json:"next,omitempty"`
}

// listPolls lists a channel's polls, newest first: ?limit= (1 to 100,
// default 20) and ?before= (a poll id) page through them.
func (a *api) listPolls(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	before := c.Query("before")
	ps, err := a.store.Polls(c.UserContext(), ch, before, limit+1)
	if err != nil {
		return err
	}
	page := pollPage{Polls: ps}
	if len(ps) > limit {
		page.Polls = ps[:limit]
		page.Next = ps[limit-1].ID
	}
	if a.polls != nil {
		cur, ok, err := a.polls.CurrentPoll(c.UserContext(), ch)
		if err != nil {
			return err
		}
		for i := range page.Polls {
			if ok && page.Polls[i].ID == cur.ID {
				page.Polls[i] = cur
			}
		}
	}
	return c.JSON(page)
}
