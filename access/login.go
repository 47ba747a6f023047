package access

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// Twitch sign-ins under way: a state is good for stateTTL, once, and at
// most maxStates wait at a time.
const (
	stateTTL  = 10 * time.Minute
	maxStates = 10_000
)

// Register mounts the sign-in routes: /login (the page and the admin-token
// form), /login/twitch and its callback, /logout, and the signed-in
// landing page at /.
func (s *Service) Register(r fiber.Router) {
	r.Get("/login", s.loginPage)
	r.Post("/login", s.loginToken)
	r.Get("/login/twitch", s.loginTwitch)
	r.Get(CallbackPath, s.twitchCallback)
	r.Post("/logout", s.logout)
	r.Post(SignupPath, s.Pages(), s.signup)
	r.Get(LinkPath, s.followLink)
	r.Get("/", s.Pages(), s.landing)
}

// loginPage offers the ways to sign in; a signed-in browser goes to /.
func (s *Service) loginPage(c *fiber.Ctx) error {
	if _, ok := s.session(c); ok {
		return c.Redirect("/", http.StatusFound)
	}
	return s.page(c, http.StatusOK, loginPage, s.loginData(""))
}

func (s *Service) loginData(problem string) pageData {
	return pageData{Title: "Sign in", Message: problem, Twitch: s.cfg.SignIn != nil && s.cfg.Store != nil,
		Token: s.cfg.AdminToken != "" && s.cfg.Store != nil}
}

// loginToken signs the operator in with the admin token (form field
// token), under the rate limit of the client's address.
func (s *Service) loginToken(c *fiber.Ctx) error {
	if s.cfg.Store == nil || s.cfg.AdminToken == "" {
		return s.page(c, http.StatusNotFound, loginPage, s.loginData("Signing in with the admin token is off: set HEARTH_ADMIN_TOKEN."))
	}
	if sess, ok := s.session(c); ok && !s.formCSRF(c, sess) {
		return s.page(c, http.StatusForbidden, messagePage, pageData{Title: "Refused", Message: "This form did not come from Hearth."})
	}
	if err := s.checkAdminToken(c, c.FormValue("token"), false); err != nil {
		var fe *fiber.Error
		if errors.As(err, &fe) && fe.Code == http.StatusTooManyRequests {
			return s.page(c, http.StatusTooManyRequests, loginPage, s.loginData("Too many wrong admin tokens from this address. Wait a minute and try again."))
		}
		return s.page(c, http.StatusUnauthorized, loginPage, s.loginData("That is not the admin token."))
	}
	if err := s.startSession(c, hearth.Session{Operator: true}); err != nil {
		return s.failed(c, err)
	}
	s.log.Info("access: the operator signed in", "addr", c.IP())
	return c.Redirect("/", http.StatusSeeOther)
}

// loginTwitch starts a Twitch sign-in: a one-time state, kept here and in
// a cookie that binds it to this browser, and off to Twitch.
func (s *Service) loginTwitch(c *fiber.Ctx) error {
	if s.cfg.SignIn == nil || s.cfg.Store == nil {
		return s.page(c, http.StatusNotFound, loginPage, s.loginData("Signing in with Twitch is off: set the Twitch client id and secret."))
	}
	state, ok := s.newState(c, "")
	if !ok {
		return s.page(c, http.StatusServiceUnavailable, loginPage, s.loginData("Too many sign-ins are under way. Try again in a few minutes."))
	}
	return c.Redirect(s.cfg.SignIn.AuthorizeURL(s.redirect, state), http.StatusFound)
}

// newState makes a one-time state for a trip to Twitch, kept here and in
// a cookie that binds it to this browser; signup is the user id of a
// sign-up's session, "" for a sign-in. It is false when too many wait.
func (s *Service) newState(c *fiber.Ctx, signup string) (string, bool) {
	state := random()
	now := s.cfg.Now()
	s.mu.Lock()
	for st, p := range s.states {
		if !now.Before(p.expires) {
			delete(s.states, st)
		}
	}
	full := len(s.states) >= maxStates
	if !full {
		s.states[state] = pending{expires: now.Add(stateTTL), signup: signup}
	}
	s.mu.Unlock()
	if full {
		return "", false
	}
	s.setCookie(c, stateCookie, state, "/login/twitch", now.Add(stateTTL))
	return state, true
}

// takeState returns the trip to Twitch that state began, if this service
// made it and it is unexpired and unused, and uses it up.
func (s *Service) takeState(state string) (pending, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.states[state]
	delete(s.states, state)
	return p, ok && s.cfg.Now().Before(p.expires)
}

// twitchCallback is where Twitch sends the browser back: the state must be
// the browser's own and unused, then the code tells who signed in.
func (s *Service) twitchCallback(c *fiber.Ctx) error {
	if s.cfg.SignIn == nil || s.cfg.Store == nil {
		return s.page(c, http.StatusNotFound, loginPage, s.loginData("Signing in with Twitch is off."))
	}
	state := c.Query("state")
	bound := same(state, c.Cookies(stateCookie))
	s.clearCookie(c, stateCookie, "/login/twitch")
	p, taken := s.takeState(state)
	if !bound || !taken {
		s.log.Warn("access: a Twitch sign-in came back with a wrong, missing or used state", "addr", c.IP())
		return s.page(c, http.StatusBadRequest, loginPage, s.loginData("This sign-in link has expired or was already used. Sign in again."))
	}
	if p.signup != "" {
		return s.signupCallback(c, p.signup)
	}
	if c.Query("error") != "" {
		return s.page(c, http.StatusUnauthorized, loginPage, s.loginData("Twitch did not sign you in (you may have cancelled). Try again."))
	}
	code := c.Query("code")
	if code == "" || len(code) > 512 {
		return s.page(c, http.StatusBadRequest, loginPage, s.loginData("Twitch sent no sign-in code back. Try again."))
	}
	who, err := s.cfg.SignIn.Identify(c.UserContext(), code, s.redirect)
	if err != nil {
		s.log.Warn("access: Twitch did not confirm a sign-in", "err", err)
		return s.page(c, http.StatusBadGateway, loginPage, s.loginData("Twitch did not confirm the sign-in. Try again in a moment."))
	}
	name := who.Login
	if s.cfg.DisplayNames != nil {
		if n, err := s.cfg.DisplayNames.DisplayName(c.UserContext(), who.ID); err == nil {
			name = n
		}
	}
	name = hearth.DisplayText(name, who.Login)
	if len(name) > 256 {
		name = who.Login
	}
	if err := s.startSession(c, hearth.Session{UserID: who.ID, Login: who.Login, DisplayName: name}); err != nil {
		return s.failed(c, err)
	}
	s.log.Info("access: signed in with Twitch", "user_id", who.ID, "login", who.Login)
	return c.Redirect("/", http.StatusSeeOther)
}

// logout ends the session; the form carries its CSRF token.
func (s *Service) logout(c *fiber.Ctx) error {
	sess, ok := s.session(c)
	if ok && !s.formCSRF(c, sess) {
		return s.page(c, http.StatusForbidden, messagePage, pageData{Title: "Refused", Message: "This form did not come from Hearth."})
	}
	if err := s.endSession(c); err != nil {
		return s.failed(c, err)
	}
	return c.Redirect("/login", http.StatusSeeOther)
}

// landing lists the channels the signed-in person may open, with their
// role; someone who may open none is refused.
func (s *Service) landing(c *fiber.Ctx) error {
	id := From(c)
	chs := id.Channels()
	data := pageData{Title: "Hearth", Who: id.DisplayName(), Login: id.Login(), CSRF: id.CSRF(), Operator: id.Operator(), Channels: chs,
		Signup: id.MaySignUp()}
	if len(chs) == 0 && !id.Operator() && !data.Signup {
		data.Title = "No channel"
		return s.page(c, http.StatusForbidden, refusalPage, data)
	}
	return s.page(c, http.StatusOK, landingPage, data)
}

// failed answers a store failure with a page that says so.
func (s *Service) failed(c *fiber.Ctx, err error) error {
	s.log.Error("access: request failed", "path", c.Path(), "err", err)
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(5))
	return s.page(c, http.StatusServiceUnavailable, messagePage, pageData{Title: "Try again", Message: "Hearth could not reach its database. Try again in a moment."})
}
