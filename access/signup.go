package access

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// SignupPath is where a signed-in broadcaster asks to add their channel
// (a form posted with the session's CSRF token).
const SignupPath = "/signup"

// Who may add their own channel from the console (console.signup).
const (
	SignupOff       = "off"
	SignupAllowlist = "allowlist"
	SignupOpen      = "open"
)

// Enroller takes a broadcaster's token: the URL that asks Twitch for the
// channel's scopes, and, once Twitch sends the browser back, the code
// exchanged for a token stored as channel's, refused unless its user is
// channel's broadcaster (EFORBIDDEN). oauth.Broadcasters is one.
type Enroller interface {
	AuthorizeURL(redirectURI, state string) string
	Enroll(ctx context.Context, code, redirectURI, channel string) (hearth.Identity, error)
}

// ChannelAdder serves a channel from now on; the engine is one (ECONFLICT
// for a channel served already).
type ChannelAdder interface {
	AddChannel(ctx context.Context, name string) (hearth.ChannelInfo, error)
}

// BroadcasterIDs records a channel's broadcaster id; hearth.Store is one.
type BroadcasterIDs interface {
	SetBroadcasterID(ctx context.Context, channel, id string) error
}

// Signup says who may add their own channel from the console, and how.
// Without Enroller, Channels and IDs nobody may, whatever the mode.
type Signup struct {
	// Mode is SignupOff (the zero value too), SignupAllowlist or
	// SignupOpen.
	Mode string
	// Allowlist are the logins that may sign up with SignupAllowlist.
	Allowlist []string
	Enroller  Enroller
	Channels  ChannelAdder
	IDs       BroadcasterIDs
}

func (u Signup) check() error {
	switch u.Mode {
	case "", SignupOff, SignupOpen:
	case SignupAllowlist:
		for _, l := range u.Allowlist {
			if !hearth.ValidLogin(l) {
				return fmt.Errorf("console.signup_allowlist: %q is not a Twitch login", l)
			}
		}
	default:
		return fmt.Errorf("console.signup %q must be off, allowlist or open", u.Mode)
	}
	return nil
}

// allows reports whether login may add their own channel.
func (u Signup) allows(login string) bool {
	if u.Enroller == nil || u.Channels == nil || u.IDs == nil || login == "" {
		return false
	}
	switch u.Mode {
	case SignupOpen:
		return true
	case SignupAllowlist:
		return slices.Contains(u.Allowlist, login)
	}
	return false
}

// MaySignUp reports whether the console offers "Add my channel": a
// Twitch user whom console.signup lets add their own channel, which Hearth
// does not serve.
func (id *Identity) MaySignUp() bool {
	if id.Operator() || !id.s.cfg.Signup.allows(id.session.Login) {
		return false
	}
	return id.s.cfg.Served == nil || !id.s.cfg.Served.Serves(id.session.Login)
}

// signup starts adding the signed-in broadcaster's channel: a one-time
// state bound to the browser and to the session, and off to Twitch for the
// channel's scopes.
func (s *Service) signup(c *fiber.Ctx) error {
	id := From(c)
	if !id.MaySignUp() {
		return s.refuseSignup(c, id.Login())
	}
	state, ok := s.newState(c, id.session.UserID)
	if !ok {
		return s.page(c, http.StatusServiceUnavailable, messagePage, pageData{Title: "Try again", Message: "Too many sign-ins are under way. Try again in a few minutes."})
	}
	return c.Redirect(s.cfg.Signup.Enroller.AuthorizeURL(s.redirect, state), http.StatusSeeOther)
}

func (s *Service) refuseSignup(c *fiber.Ctx, login string) error {
	s.log.Warn("access: a channel sign-up was refused", "login", login)
	return s.page(c, http.StatusForbidden, messagePage, pageData{Title: "Not allowed",
		Message: "Adding your channel to this Hearth is not open to you. Ask its operator."})
}

// signupCallback finishes a sign-up that Twitch sent back with a good
// state: the browser is still signed in as the user who started it, who
// may still sign up; the token is the channel's own and stored; then the
// channel is served, its broadcaster id recorded, the act audited, and the
// browser goes to the channel's overview.
func (s *Service) signupCallback(c *fiber.Ctx, userID string) error {
	sess, ok := s.session(c)
	if !ok || sess.UserID != userID {
		return s.page(c, http.StatusForbidden, messagePage, pageData{Title: "Refused",
			Message: "This browser is no longer signed in as who asked to add the channel. Sign in and try again."})
	}
	channel := sess.Login
	if !s.cfg.Signup.allows(channel) {
		return s.refuseSignup(c, channel)
	}
	if c.Query("error") != "" {
		return s.page(c, http.StatusUnauthorized, messagePage, pageData{Title: "Not added",
			Message: "Twitch did not let Hearth in (you may have cancelled), so your channel was not added."})
	}
	code := c.Query("code")
	if code == "" || len(code) > 512 {
		return s.page(c, http.StatusBadRequest, messagePage, pageData{Title: "Not added", Message: "Twitch sent no code back. Try again."})
	}
	ctx := c.UserContext()
	who, err := s.cfg.Signup.Enroller.Enroll(ctx, code, s.redirect, channel)
	switch {
	case hearth.ErrorCode(err) == hearth.EFORBIDDEN || (err == nil && who.ID != userID):
		s.log.Warn("access: a channel sign-up brought another user's token", "channel", channel, "err", err)
		return s.page(c, http.StatusForbidden, messagePage, pageData{Title: "Another account",
			Message: fmt.Sprintf("Twitch approved for another account than %s, so nothing was added. Sign in to Twitch as %s and try again.", channel, channel)})
	case err != nil:
		s.log.Warn("access: Twitch did not confirm a channel sign-up", "channel", channel, "err", err)
		return s.page(c, http.StatusBadGateway, messagePage, pageData{Title: "Not added",
			Message: "Twitch did not confirm it, so your channel was not added. Try again in a moment."})
	}
	// The token is stored first, so that EventSub and Helix find it when
	// the channel starts.
	if _, err := s.cfg.Signup.Channels.AddChannel(ctx, channel); err != nil && hearth.ErrorCode(err) != hearth.ECONFLICT {
		return s.failed(c, err)
	}
	if err := s.cfg.Signup.IDs.SetBroadcasterID(ctx, channel, who.ID); err != nil {
		return s.failed(c, err)
	}
	s.audit(ctx, hearth.AuditEntry{Channel: channel, Actor: channel, Role: hearth.AccessBroadcaster,
		Action: "channel.add", Target: channel, After: `{"served":true,"signup":true}`})
	s.log.Info("access: a broadcaster added their channel", "channel", channel, "user_id", who.ID)
	return c.Redirect("/channels/"+url.PathEscape(channel), http.StatusSeeOther)
}

// audit appends e to the audit log, if there is one; a failure is logged,
// as the act is done.
func (s *Service) audit(ctx context.Context, e hearth.AuditEntry) {
	if s.cfg.Audit == nil {
		return
	}
	e.At = s.cfg.Now().UTC()
	if _, err := s.cfg.Audit.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("access: unable to append to the audit log", "channel", e.Channel, "action", e.Action, "err", err)
	}
}
