package eventsub

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/hearthlive/hearth"
)

// runningGroup is a group of connections Run started for one token.
type runningGroup struct {
	st     *groupState
	cancel context.CancelFunc
	done   chan struct{}
}

// Run keeps every channel's connections open until ctx ends, and those
// of the channels AddChannel adds meanwhile.
func (e *Client) Run(ctx context.Context) error {
	e.mu.Lock()
	e.ctx = ctx
	for _, ch := range e.channels {
		e.startLocked(ch, []string{ch}, e.channelPlan(ch))
	}
	if len(e.chat) > 0 {
		e.startLocked(hearth.TokenBot, e.chat, e.chatPlan(e.chat))
	}
	e.mu.Unlock()
	<-ctx.Done()
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	e.wg.Wait()
	return nil
}

// startLocked starts the group of connections for subject's token, which
// carries channels' events and subscribes to what want lists, if Run
// runs. The caller holds e.mu.
func (e *Client) startLocked(subject string, channels []string, want plan) {
	if e.ctx == nil || e.stopped {
		return
	}
	ctx, cancel := context.WithCancel(e.ctx)
	g := &runningGroup{st: newGroupState(subject, channels), cancel: cancel, done: make(chan struct{})}
	e.groups[subject] = g
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer close(g.done)
		e.runSubject(ctx, g.st, want)
	}()
}

// AddChannel watches a channel from now on, with its broadcaster's token
// (see Config.Channels), and with chat, reads its chat over EventSub too
// (Config.ChatChannels): the bot's connections start again with it among
// theirs. Adding a channel watched already does nothing.
func (e *Client) AddChannel(channel string, chat bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !slices.Contains(e.channels, channel) {
		e.channels = append(e.channels, channel)
		e.startLocked(channel, []string{channel}, e.channelPlan(channel))
	}
	if chat && !slices.Contains(e.chat, channel) {
		e.chat = append(e.chat, channel)
		if old := e.groups[hearth.TokenBot]; old != nil {
			old.st.removing.Store(true)
			old.cancel()
		}
		e.startLocked(hearth.TokenBot, e.chat, e.chatPlan(e.chat))
	}
}

// RemoveChannel stops watching a channel: its connections close, and the
// subscriptions they made are deleted from Twitch before it returns (or
// ctx ends). When its chat came over EventSub, the bot's connections
// start again without it, and delete the subscriptions they made for
// every channel (the new ones subscribe again to the others').
func (e *Client) RemoveChannel(ctx context.Context, channel string) error {
	e.mu.Lock()
	e.channels = slices.DeleteFunc(e.channels, func(ch string) bool { return ch == channel })
	stop := []*runningGroup{}
	if g := e.groups[channel]; g != nil {
		delete(e.groups, channel)
		stop = append(stop, g)
	}
	if slices.Contains(e.chat, channel) {
		e.chat = slices.DeleteFunc(e.chat, func(ch string) bool { return ch == channel })
		if g := e.groups[hearth.TokenBot]; g != nil {
			delete(e.groups, hearth.TokenBot)
			stop = append(stop, g)
		}
		if len(e.chat) > 0 {
			e.startLocked(hearth.TokenBot, e.chat, e.chatPlan(e.chat))
		}
	}
	e.mu.Unlock()
	for _, g := range stop {
		g.st.removing.Store(true)
		g.cancel()
	}
	for _, g := range stop {
		select {
		case <-g.done:
		case <-ctx.Done():
			return fmt.Errorf("eventsub: the connections of %s had not closed when the request ended: %w", channel, ctx.Err())
		}
	}
	return nil
}

// unsubscribeTimeout bounds deleting a removed channel's subscriptions.
const unsubscribeTimeout = 10 * time.Second

// unsubscribe deletes the subscriptions the connection made, as its
// channel is removed: Twitch would only disable them when the connection
// closes, and list them for days.
func (c *connection) unsubscribe() {
	ctx, cancel := context.WithTimeout(context.Background(), unsubscribeTimeout)
	defer cancel()
	deleted := 0
	for id, sp := range c.created {
		if err := c.remove(ctx, id); err != nil {
			c.e.log.Warn("eventsub: cannot delete a subscription", c.st.attrs("for", sp.channel, "type", sp.Type, "err", err)...)
			continue
		}
		deleted++
	}
	c.e.log.Info("eventsub: subscriptions deleted", c.st.attrs("subscriptions", deleted)...)
}

// remove deletes one subscription by Twitch's id.
func (c *connection) remove(ctx context.Context, id string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, c.e.cfg.SubscriptionsURL+"?id="+url.QueryEscape(id), nil)
	if err != nil {
		return fmt.Errorf("eventsub: bad subscriptions URL: %w", err)
	}
	req.Header.Set("Client-Id", c.e.cfg.ClientID)
	req.Header.Set("Authorization", "Bearer "+c.tok.Access)
	resp, err := c.e.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("eventsub: cannot delete subscription: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusNotFound {
		return &twitchError{status: resp.StatusCode, message: "deleting a subscription"}
	}
	return nil
}
