package access

import (
	"context"
	"sort"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// identityKey is where the middleware leaves the Identity in a request.
const identityKey = "hearth.identity"

// Identity is who makes a request, for that request: the operator (admin
// token, as a session or a bearer token) or a Twitch user with a session.
// Roles are worked out the first time a channel is asked about and kept
// for the request. It is not safe for concurrent use; a request's handler
// uses it.
type Identity struct {
	s       *Service
	ctx     context.Context
	session hearth.Session
	bearer  bool
	roles   map[string]role
}

// role is what an Identity is to one channel.
type role struct {
	access hearth.Access
	grants hearth.Grants
	// badges: the moderator role comes from the badge seen in chat, as
	// Twitch could not be asked.
	badges bool
}

// ChannelAccess is one channel an Identity may open, with its role.
type ChannelAccess struct {
	Name   string
	Access hearth.Access
	// FromBadges says the moderator role was read from the chat badge,
	// as the broadcaster has not let Hearth ask Twitch.
	FromBadges bool
}

// From returns the Identity the middleware put in c, nil if none.
func From(c *fiber.Ctx) *Identity {
	id, _ := c.Locals(identityKey).(*Identity)
	return id
}

func (s *Service) identity(c *fiber.Ctx, sess hearth.Session, bearer bool) *Identity {
	id := &Identity{s: s, ctx: c.UserContext(), session: sess, bearer: bearer, roles: map[string]role{}}
	c.Locals(identityKey, id)
	return id
}

// Operator reports whether the operator makes the request.
func (id *Identity) Operator() bool { return id.bearer || id.session.Operator }

// Login is the Twitch login of who makes the request, or "operator": the
// audit log's actor.
func (id *Identity) Login() string {
	if id.Operator() {
		return "operator"
	}
	return id.session.Login
}

// DisplayName is the name to greet with, as Twitch sent it: show it only
// through html/template or hearth.DisplayText.
func (id *Identity) DisplayName() string {
	if id.Operator() {
		return "operator"
	}
	return id.session.DisplayName
}

// CSRF is the token that the session's state-changing requests carry;
// "" for a bearer token, which needs none.
func (id *Identity) CSRF() string { return id.session.CSRF }

// Access is the role on channel: AccessNone for a channel not served.
func (id *Identity) Access(channel string) hearth.Access { return id.role(channel).access }

// Grants are what channel's broadcaster grants its moderators.
func (id *Identity) Grants(channel string) hearth.Grants { return id.role(channel).grants }

// FromBadges reports whether the moderator role on channel was read from
// the chat badge, as Twitch could not be asked.
func (id *Identity) FromBadges(channel string) bool { return id.role(channel).badges }

// Can reports whether the role on channel may take action (hearth.Allowed).
func (id *Identity) Can(channel string, action hearth.Action) bool {
	if action == hearth.ActionChannels {
		return id.Operator()
	}
	r := id.role(channel)
	return hearth.Allowed(r.access, action, r.grants)
}

// CanAdjust reports whether the role on channel may adjust a viewer's
// points by delta (hearth.PointsAllowed).
func (id *Identity) CanAdjust(channel string, delta int64) bool {
	r := id.role(channel)
	return hearth.PointsAllowed(r.access, delta, r.grants)
}

// Channels lists the served channels the Identity may open, by name.
func (id *Identity) Channels() []ChannelAccess {
	if id.s.cfg.Store == nil {
		return nil
	}
	chs, err := id.s.cfg.Store.Channels(id.ctx)
	if err != nil {
		id.s.log.Error("access: unable to list channels", "err", err)
		return nil
	}
	var out []ChannelAccess
	for _, ch := range chs {
		if r := id.role(ch.Name); r.access != hearth.AccessNone {
			out = append(out, ChannelAccess{Name: ch.Name, Access: r.access, FromBadges: r.badges})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// role works out, once per request, what the Identity is to channel.
func (id *Identity) role(channel string) role {
	if r, ok := id.roles[channel]; ok {
		return r
	}
	r := id.s.resolve(id.ctx, channel, id.Operator(), id.session.UserID)
	id.roles[channel] = r
	return r
}

// resolve works out a role: the operator on every served channel; the
// broadcaster by user id; a moderator on Twitch's list, or with the chat
// badge when Twitch cannot be asked; anyone else nothing.
func (s *Service) resolve(ctx context.Context, channel string, operator bool, userID string) role {
	if s.cfg.Served == nil || !s.cfg.Served.Serves(channel) {
		return role{}
	}
	if operator {
		return role{access: hearth.AccessOperator}
	}
	if s.cfg.Store == nil || userID == "" {
		return role{}
	}
	r := role{}
	if bid, err := s.cfg.Store.BroadcasterID(ctx, channel); err == nil && bid == userID {
		r.access = hearth.AccessBroadcaster
	} else if err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND {
		s.log.Warn("access: unable to read a broadcaster id", "channel", channel, "err", err)
	}
	if r.access == hearth.AccessNone {
		if mods, ok := s.moderators(ctx, channel); ok {
			if mods[userID] {
				r.access = hearth.AccessModerator
			}
		} else if s.cfg.ChatModerators != nil {
			seen, err := s.cfg.ChatModerators.SeenModerator(ctx, channel, userID)
			if err != nil {
				s.log.Warn("access: unable to ask who moderates in chat", "channel", channel, "err", err)
			}
			if seen {
				r.access, r.badges = hearth.AccessModerator, true
			}
		}
	}
	if r.access == hearth.AccessNone {
		return r
	}
	g, err := s.cfg.Store.Grants(ctx, channel)
	if err != nil {
		// Without the grants a moderator keeps what is theirs anyway.
		s.log.Warn("access: unable to read a channel's grants", "channel", channel, "err", err)
	}
	r.grants = g
	return r
}
