package main

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// startEventSub connects to Twitch's EventSub for every channel whose
// broadcaster signed in (hearth auth login --channel), so follows,
// subscriptions, cheers, raids, redemptions, native polls and
// online/offline arrive as they happen. Channels without a token are
// looked at again every minute; without a client id EventSub is off.
func (m *Main) startEventSub(ctx context.Context) {
	cfg := m.Config
	switch {
	case cfg.TwitchClientID == "":
		m.Logger.Info("eventsub: off (no twitch.client_id): follows, redemptions and Twitch's online/offline need it")
		return
	case cfg.TwitchEventSubURL == "":
		m.Logger.Info("eventsub: off (twitch.eventsub_url is empty)")
		return
	}
	channels := make([]string, len(m.Channels))
	for i, ch := range m.Channels {
		channels[i] = ch.Name
	}
	es, err := stream.NewEventSub(stream.EventSubConfig{
		URL:              cfg.TwitchEventSubURL,
		SubscriptionsURL: subscriptionsURL(cfg),
		ClientID:         cfg.TwitchClientID,
		Channels:         channels,
		Tokens:           m.Tokens,
		Handle:           m.Engine.Handle,
		Observer:         m.Metrics,
		Logger:           m.Logger,
	})
	if err != nil {
		m.Logger.Error("eventsub: off", "err", err)
		return
	}
	m.parts.start("eventsub", func() { _ = es.Run(ctx) })
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
// holds a token for the channel (a real one is never replaced).
func demoEventSub(ctx context.Context, api *twitchtest.API, cfg *Config, channel string, log *slog.Logger) error {
	cfg.TwitchEventSubURL = api.EventSubURL()
	cfg.TwitchSubscriptionURL = ""
	cfg.TwitchAuthURL = api.AuthURL()
	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.StoredToken(ctx, channel); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		return err
	}
	sealer, source, err := secretKey(*cfg, true, log)
	if err != nil {
		return err
	}
	o := oauthClient(*cfg)
	tokens := stream.NewTokens(stream.TokensConfig{Store: st, Sealer: sealer, KeySource: source, OAuth: o, Logger: log})
	t := api.IssueToken(channel, stream.ScopeNames(stream.ChannelScopes), 4*time.Hour)
	g := stream.Grant{Access: t.Access, Refresh: t.Refresh, Scopes: t.Scopes, ExpiresIn: time.Until(t.ExpiresAt)}
	v, err := o.Validate(ctx, g.Access)
	if err != nil {
		return err
	}
	_, err = tokens.Save(ctx, channel, g, v)
	return err
}
