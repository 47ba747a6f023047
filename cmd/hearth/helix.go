package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream/helix"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// startHelix starts polling Twitch's Helix API when Hearth can: with a
// client id and a token (the bot's, or a broadcaster's once signed in).
// Helix then reports online/offline, viewer counts and chatter lists, and
// runs native polls. Without it Hearth works from chat alone, and says so.
// A replay never asks Twitch.
func (m *Main) startHelix(ctx context.Context) {
	cfg := m.Config
	if m.EventClock {
		return // a replay keeps the recorded stream's time: live Twitch has no say in it
	}
	if cfg.TwitchClientID == "" {
		m.Logger.Info("helix: off (no twitch.client_id): viewer counts, lurkers and native polls need it; streams are inferred from chat")
		return
	}
	var channels []string
	for _, ch := range m.startChannels() {
		channels = append(channels, ch.Name)
	}
	h, err := helix.New(helix.Config{
		BaseURL:      cfg.TwitchAPIURL,
		ClientID:     cfg.TwitchClientID,
		Tokens:       m.tokenSource(),
		Channels:     channels,
		IDs:          m.Store,
		PollInterval: cfg.HelixInterval,
		Handle:       m.Engine.Handle,
		Observer:     m.Metrics,
		Logger:       m.Logger,
	})
	if err != nil {
		m.Logger.Error("helix: off", "err", err)
		return
	}
	m.Helix = h
	m.Engine.SetNativePolls(h)
	m.helixCtx = ctx
	m.parts.start("helix", func() { _ = h.Run(ctx) })
}

// Announce posts a poll result as a Twitch announcement where a token may
// (moderator:manage:announcements), and as a plain chat line otherwise or
// when Twitch refuses. The Helix call runs in a part of its own, so the
// engine never waits on Twitch.
func (r chatRelay) Announce(channel, text string) {
	h := r.m.Helix
	if h == nil {
		r.Say(channel, text)
		return
	}
	r.m.parts.start("announcement", func() {
		ctx, cancel := context.WithTimeout(r.m.helixCtx, 10*time.Second)
		defer cancel()
		if err := h.Announce(ctx, channel, text, "primary"); err != nil {
			r.m.Logger.Info("helix: poll result sent as a chat line instead of an announcement", "channel", channel, "err", err)
			r.Say(channel, text)
		}
	})
}

// degraded names the parts that work at reduced capacity while chat and
// the store still do, for /readyz.
func (m *Main) degraded() []string {
	if m.Helix == nil {
		return nil
	}
	return m.Helix.Degraded()
}

// configTokens is a TokenSource over the bot token given in the
// configuration (bot.token): it cannot refresh, and its scopes are
// unknown, so Twitch's answers say what it may do.
type configTokens struct{ access, login string }

// Token returns the configured bot token for TokenBot, and ENOTFOUND for
// any other subject or when none is configured.
func (t configTokens) Token(_ context.Context, subject string) (hearth.Token, error) {
	if subject != hearth.TokenBot || t.access == "" {
		return hearth.Token{}, hearth.Errorf(hearth.ENOTFOUND, "no token for %s in the configuration", subject)
	}
	return hearth.Token{Subject: hearth.TokenBot, Login: t.login, Access: t.access}, nil
}

// Invalidate does nothing: a configured token cannot be refreshed.
func (configTokens) Invalidate(string) {}

// demoHelix points cfg at the fake Helix for the demo: the audience's
// channel live, with the audience and as many lurkers in its chatter
// list, a concurrent-viewer count a tenth above that list (Twitch counts
// viewers who are not in chat), and the bot a moderator with a token that
// may read the list.
func demoHelix(api *twitchtest.API, cfg *Config, aud *twitchtest.Audience) {
	name := aud.Channel()
	list := aud.Viewers()
	for i := range len(list) {
		login := fmt.Sprintf("lurker_%d", i+1)
		list = append(list, twitchtest.Chatter{ID: twitchtest.UserID(login), Login: login, DisplayName: fmt.Sprintf("Lurker_%d", i+1)})
	}
	api.SetChatters(name, list)
	api.SetLive(name, len(list)*11/10)
	api.SetModerator(name, cfg.BotUsername, true)
	tok := api.IssueToken(cfg.BotUsername, []string{"chat:read", "chat:edit", helix.ScopeReadChatters, helix.ScopeManageAnnouncement}, 30*24*time.Hour)
	cfg.BotToken = "oauth:" + tok.Access
	cfg.TwitchAPIURL = api.HelixURL()
	cfg.TwitchClientID = api.ClientID()
	// Signing in to the console with Twitch goes through the fake's
	// authorize page.
	cfg.TwitchAuthURL = api.AuthURL()
	cfg.TwitchClientSecret = api.ClientSecret()
}
