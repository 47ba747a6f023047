package helix

import (
	"context"
	"fmt"
	"strings"

	"github.com/hearthlive/hearth"
	helixapi "github.com/nicklaw5/helix/v2"
)

// ScopeReadModerators lets a broadcaster's token list the channel's
// moderators.
const ScopeReadModerators = "moderation:read"

// EndpointModerators is Get Moderators, as Observer.HelixRequest names it.
const EndpointModerators = "moderators"

// maxModeratorPages bounds one moderator list (100 a page).
const maxModeratorPages = 100

// Moderators returns the Twitch user ids of a channel's moderators, asked
// of Twitch (Get Moderators) with the broadcaster's token. It is an
// ENOTFOUND *Error when the broadcaster has not signed in, and an
// EUNAUTHORIZED one when their token may not list moderators
// (moderation:read).
func (h *Client) Moderators(ctx context.Context, channel string) ([]string, error) {
	tok, err := h.cfg.Tokens.Token(ctx, channel)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return nil, hearth.Errorf(hearth.ENOTFOUND, "#%s: its broadcaster has not signed in (hearth auth login --channel %s)", channel, channel)
	}
	if err != nil {
		return nil, err
	}
	if tok.Scopes != nil && !tok.Has(ScopeReadModerators) {
		return nil, hearth.Errorf(hearth.EUNAUTHORIZED, "#%s: the broadcaster's sign-in lacks %s (sign in again)", channel, ScopeReadModerators)
	}
	id, err := h.BroadcasterID(ctx, channel)
	if err != nil {
		return nil, err
	}
	mods := []string{}
	cursor := ""
	for range maxModeratorPages {
		var r *helixapi.ModeratorsResponse
		err := h.call(ctx, EndpointModerators, channel, func(c *helixapi.Client) (*helixapi.ResponseCommon, error) {
			var err error
			r, err = c.GetModerators(&helixapi.GetModeratorsParams{BroadcasterID: id, First: 100, After: cursor})
			if err != nil {
				return nil, err
			}
			return &r.ResponseCommon, nil
		})
		if err != nil {
			return nil, fmt.Errorf("Get Moderators for #%s: %w", channel, err)
		}
		for _, m := range r.Data.Moderators {
			if m.UserID != "" && len(m.UserID) <= 64 && hearth.ValidLogin(strings.ToLower(m.UserLogin)) {
				mods = append(mods, m.UserID)
			}
		}
		if cursor = r.Data.Pagination.Cursor; cursor == "" {
			break
		}
	}
	return mods, nil
}

// DisplayName returns the display name Twitch shows for a user id (Get
// Users), as Twitch sends it: show it only through html/template or
// hearth.DisplayText. ENOTFOUND if Twitch knows no such user.
func (h *Client) DisplayName(ctx context.Context, userID string) (string, error) {
	subject, ok := h.anySubject(ctx)
	if !ok {
		return "", hearth.Errorf(hearth.EUNAUTHORIZED, "no Twitch token to ask Helix with: sign in with hearth auth")
	}
	var users []helixapi.User
	err := h.call(ctx, EndpointUsers, subject, func(c *helixapi.Client) (*helixapi.ResponseCommon, error) {
		r, err := c.GetUsers(&helixapi.UsersParams{IDs: []string{userID}})
		if err != nil {
			return nil, err
		}
		users = r.Data.Users
		return &r.ResponseCommon, nil
	})
	if err != nil {
		return "", fmt.Errorf("Get Users: %w", err)
	}
	if len(users) == 0 || users[0].ID != userID {
		return "", hearth.Errorf(hearth.ENOTFOUND, "Twitch has no user with id %.40q", userID)
	}
	return users[0].DisplayName, nil
}
