package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/hearthlive/hearth/stream/eventsub"
	"github.com/hearthlive/hearth/stream/oauth"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// startEventSub connects to Twitch's EventSub for every channel whose
// broadcaster signed in (hearth auth login --channel), so follows,
// subscriptions, cheers, raids, redemptions, native polls and
// online/offline arrive as they happen. Channels without a token are
// looked at again every minute; without a client id EventSub is off. A
// replay never asks Twitch.
func (m *Main) startEventSub(ctx context.Context) {
	cfg := m.Config
	switch {
	case m.EventClock:
		return // a replay's events all come from its recording
	case cfg.TwitchClientID == "":
		m.Logger.Info("eventsub: off (no twitch.client_id): follows, redemptions and Twitch's online/offline need it")
		return
	case cfg.TwitchEventSubURL == "":
		m.Logger.Info("eventsub: off (twitch.eventsub_url is empty)")
		return
	}
	var channels, chat []string
	for _, ch := range m.startChannels() {
		channels = append(channels, ch.Name)
		if m.overEventSub(ch.Name) {
			chat = append(chat, ch.Name)
		}
	}
	es, err := eventsub.New(eventsub.Config{
		URL:              cfg.TwitchEventSubURL,
		SubscriptionsURL: subscriptionsURL(cfg),
		ClientID:         cfg.TwitchClientID,
		Channels:         channels,
		ChatChannels:     chat,
		BroadcasterID:    m.broadcasterID,
		Tokens:           m.Tokens,
		Handle:           m.Engine.Handle,
		Observer:         m.Metrics,
		Logger:           m.Logger,
	})
	if err != nil {
		m.Logger.Error("eventsub: off", "err", err)
		return
	}
	m.eventSub = es
	m.parts.start("eventsub", func() { _ = es.Run(ctx) })
	if m.helixChat != nil {
		m.parts.start("helix chat", func() { m.helixChat.Run(ctx) })
	}
}

// chatTransports decides, from chat.transport, which channels read and
// write chat over EventSub and Helix Send Chat Message (m.eventSubChat),
// and returns the others, which use IRC. "auto" picks EventSub for a
// channel when the signed-in bot may read and write chat that way
// (user:read:chat, user:write:chat) and the broadcaster granted
// channel:bot; the choice is made at start-up. A replay reads its
// recording over IRC whatever the setting.
func (m *Main) chatTransports(ctx context.Context, channels []string) ([]string, error) {
	cfg := m.Config
	m.eventSubChat = make(map[string]bool)
	if m.EventClock {
		return channels, nil
	}
	switch cfg.ChatTransport {
	case "eventsub":
		if cfg.TwitchClientID == "" {
			return nil, errors.New("chat.transport eventsub needs the application's client id: set HEARTH_TWITCH_CLIENT_ID (or --twitch-client-id)")
		}
		for _, ch := range channels {
			m.eventSubChat[ch] = true
		}
	case "auto":
		if cfg.TwitchClientID == "" {
			break
		}
		for _, ch := range channels {
			if m.chatOverEventSub(ctx, ch) {
				m.eventSubChat[ch] = true
			}
		}
	}
	var overIRC, overEventSub []string
	for _, ch := range channels {
		if m.eventSubChat[ch] {
			overEventSub = append(overEventSub, ch)
		} else {
			overIRC = append(overIRC, ch)
		}
	}
	if len(overEventSub) == 0 {
		return overIRC, nil
	}
	h, err := eventsub.NewChat(eventsub.ChatConfig{
		URL:           strings.TrimSuffix(cfg.TwitchAPIURL, "/") + "/chat/messages",
		ClientID:      cfg.TwitchClientID,
		Tokens:        m.Tokens,
		BroadcasterID: m.broadcasterID,
		UserLimit:     cfg.ChatUserLimit,
		Window:        cfg.ChatWindow,
		Observer:      m.Metrics,
		Logger:        m.Logger,
	})
	if err != nil {
		return nil, err
	}
	m.helixChat = h
	m.Logger.Info("chat over EventSub and Helix Send Chat Message", "channels", strings.Join(overEventSub, ","))
	return overIRC, nil
}

// broadcasterID is a channel's Twitch user id: Helix's answer, or else
// the id in the broadcaster's token.
func (m *Main) broadcasterID(ctx context.Context, channel string) (string, error) {
	if m.Helix != nil {
		return m.Helix.BroadcasterID(ctx, channel)
	}
	tok, err := m.Tokens.Token(ctx, channel)
	if err != nil {
		return "", err
	}
	return tok.UserID, nil
}

// subscriptionsURL is twitch.eventsub_subscriptions_url, or the Helix base
// URL + /eventsub/subscriptions when it is empty.
func subscriptionsURL(cfg Config) string {
	if cfg.TwitchSubscriptionURL != "" {
		return cfg.TwitchSubscriptionURL
	}
	return strings.TrimSuffix(cfg.TwitchAPIURL, "/") + "/eventsub/subscriptions"
}

// demoEventSub points cfg at the fake EventSub and signs the demo
// channel's broadcaster in with a token from the fake, through the fake's
// /validate as "hearth auth import" would, unless the database already
// holds a token for the channel that this fake accepts (see
// demoKeepsToken).
func demoEventSub(ctx context.Context, api *twitchtest.API, cfg *Config, channel string, log *slog.Logger) error {
	cfg.TwitchEventSubURL = api.EventSubURL()
	cfg.TwitchSubscriptionURL = ""
	cfg.TwitchAuthURL = api.AuthURL()
	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	sealer, source, err := secretKey(*cfg, true, log)
	if err != nil {
		return err
	}
	o := oauthClient(*cfg)
	tokens := oauth.NewTokens(oauth.TokensConfig{Store: st, Sealer: sealer, KeySource: source, Client: o, Logger: log})
	if keep, err := demoKeepsToken(ctx, st, tokens, o, channel, log); keep || err != nil {
		return err
	}
	t := api.IssueToken(channel, oauth.ScopeNames(oauth.ChannelScopes), 4*time.Hour)
	g := oauth.Grant{Access: t.Access, Refresh: t.Refresh, Scopes: t.Scopes, ExpiresIn: time.Until(t.ExpiresAt)}
	v, err := o.Validate(ctx, g.Access)
	if err != nil {
		return err
	}
	_, err = tokens.Save(ctx, channel, g, v)
	return err
}
