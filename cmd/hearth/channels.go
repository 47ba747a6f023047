package main

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/engine"
	"github.com/hearthlive/hearth/stream/eventsub"
)

// channelTokens answers overlay token look-ups from the channels served;
// channels added and removed while Hearth runs change it. It is safe for
// concurrent use.
type channelTokens struct {
	mu     sync.RWMutex
	tokens map[string]string
	// stored, in a cluster, reads the token of a channel another
	// instance runs from the store, where a rotation or an addition made
	// there shows at once; ok false leaves it to the map.
	stored func(ctx context.Context, channel string) (token string, ok bool, err error)
}

func newChannelTokens() *channelTokens {
	return &channelTokens{tokens: make(map[string]string)}
}

// OverlayToken returns a served channel's overlay token.
func (t *channelTokens) OverlayToken(ctx context.Context, channel string) (string, error) {
	if t.stored != nil {
		if tok, ok, err := t.stored(ctx, channel); err != nil || ok {
			return tok, err
		}
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	tok, ok := t.tokens[channel]
	if !ok {
		return "", hearth.Errorf(hearth.ENOTFOUND, "channel %s is not served here", channel)
	}
	return tok, nil
}

// SetOverlayToken makes token the channel's overlay token: a channel
// served from now on, or a token rotated.
func (t *channelTokens) SetOverlayToken(channel, token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tokens[channel] = token
}

func (t *channelTokens) remove(channel string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.tokens, channel)
}

// names returns the channels served, by name.
func (t *channelTokens) names() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return slices.Sorted(maps.Keys(t.tokens))
}

// tokenSinks tells each of its sinks a channel's new overlay token, in
// order: the token look-ups first, so that a page reconnecting with the
// old token is refused, then the overlay hub, which closes the sockets
// still open with it.
type tokenSinks []hearth.OverlayTokenSink

func (s tokenSinks) SetOverlayToken(channel, token string) {
	for _, sink := range s {
		sink.SetOverlayToken(channel, token)
	}
}

// channelWatcher makes the parts follow the channels that the engine
// adds and removes while Hearth runs (engine.ChannelWatcher).
type channelWatcher struct{ m *Main }

var _ engine.ChannelWatcher = channelWatcher{}

// removeTimeout bounds what adding or removing a channel waits for: the
// token store, and EventSub deleting the channel's subscriptions.
const removeTimeout = 15 * time.Second

// ChannelAdded serves a channel in every part: its overlay token, its
// metric series, chat (over EventSub when chat.transport picks it, as at
// start-up, else IRC), Helix and EventSub.
func (w channelWatcher) ChannelAdded(ch hearth.ChannelInfo) {
	m := w.m
	tokenSinks{m.tokens, m.hub}.SetOverlayToken(ch.Name, ch.OverlayToken)
	m.Metrics.AddChannel(ch.Name, community.CommandRejections())
	m.Metrics.ChannelsOwned(len(m.Engine.Channels()))
	ctx, cancel := context.WithTimeout(context.Background(), removeTimeout)
	defer cancel()
	overEventSub := m.helixChat != nil && m.eventSub != nil && m.chatOverEventSub(ctx, ch.Name)
	m.setEventSubChat(ch.Name, overEventSub)
	if !overEventSub {
		if err := m.Chat.Join(ch.Name); err != nil {
			m.Logger.Error("chat: cannot join an added channel", "channel", ch.Name, "err", err)
		}
	}
	if m.Helix != nil {
		m.Helix.AddChannel(ch.Name)
	}
	if m.eventSub != nil {
		m.eventSub.AddChannel(ch.Name, overEventSub)
	}
}

// ChannelRemoved stops serving a channel in every part: chat parts it,
// Helix and EventSub stop watching it (EventSub deletes its
// subscriptions), its overlay token and metric series go.
func (w channelWatcher) ChannelRemoved(channel string) {
	m := w.m
	m.Chat.Part(channel)
	m.setEventSubChat(channel, false)
	if m.Helix != nil {
		m.Helix.RemoveChannel(channel)
	}
	if m.eventSub != nil {
		ctx, cancel := context.WithTimeout(context.Background(), removeTimeout)
		if err := m.eventSub.RemoveChannel(ctx, channel); err != nil {
			m.Logger.Warn("eventsub: a removed channel's subscriptions may be left", "channel", channel, "err", err)
		}
		cancel()
	}
	// A cluster instance shows the overlays of every channel the cluster
	// serves, wherever it runs.
	if m.cluster == nil {
		m.tokens.remove(channel)
	}
	m.Metrics.RemoveChannel(channel)
	m.Metrics.ChannelsOwned(len(m.Engine.Channels()))
}

// chatOverEventSub says whether chat.transport reads a channel's chat
// over EventSub: always with "eventsub"; with "auto" when the bot may and
// the broadcaster granted channel:bot.
func (m *Main) chatOverEventSub(ctx context.Context, channel string) bool {
	switch m.Config.ChatTransport {
	case "eventsub":
		return true
	case "auto":
		bot, err := m.Tokens.Token(ctx, hearth.TokenBot)
		if err != nil || !bot.Has(eventsub.ScopeReadChat) || !bot.Has(eventsub.ScopeWriteChat) {
			return false
		}
		tok, err := m.Tokens.Token(ctx, channel)
		return err == nil && tok.Has(eventsub.ScopeChannelBot)
	}
	return false
}

// setEventSubChat records whether a channel's chat goes over EventSub.
func (m *Main) setEventSubChat(channel string, on bool) {
	m.chatMu.Lock()
	defer m.chatMu.Unlock()
	if on {
		m.eventSubChat[channel] = true
	} else {
		delete(m.eventSubChat, channel)
	}
}

// overEventSub reports whether a channel's chat goes over EventSub.
func (m *Main) overEventSub(channel string) bool {
	m.chatMu.Lock()
	defer m.chatMu.Unlock()
	return m.eventSubChat[channel]
}
