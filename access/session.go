package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// random returns 32 random bytes as unpadded base64url.
func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessionID is what the store keeps for a cookie's secret: its SHA-256, so
// that reading the table signs nobody in.
func sessionID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// same compares two secrets in constant time; empty never matches.
func same(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// session returns the live session c's cookie names. An expired one is
// deleted; a stale LastSeen is written again, at most once a minute.
func (s *Service) session(c *fiber.Ctx) (hearth.Session, bool) {
	secret := c.Cookies(SessionCookie)
	if secret == "" || s.cfg.Store == nil || len(secret) > 128 {
		return hearth.Session{}, false
	}
	ctx := c.UserContext()
	id := sessionID(secret)
	sess, err := s.cfg.Store.Session(ctx, id)
	if err != nil {
		if hearth.ErrorCode(err) != hearth.ENOTFOUND {
			s.log.Error("access: unable to read a session", "err", err)
		}
		return hearth.Session{}, false
	}
	now := s.cfg.Now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeen) >= IdleTimeout {
		if err := s.cfg.Store.DeleteSession(ctx, id); err != nil {
			s.log.Warn("access: unable to delete an expired session", "err", err)
		}
		return hearth.Session{}, false
	}
	if now.Sub(sess.LastSeen) >= touchEvery {
		if err := s.cfg.Store.TouchSession(ctx, id, now); err != nil {
			s.log.Warn("access: unable to note a session's use", "err", err)
		}
		sess.LastSeen = now
	}
	return sess, true
}

// startSession signs c's browser in as who: a new session, under a new
// secret, replacing any session the browser had.
func (s *Service) startSession(c *fiber.Ctx, who hearth.Session) error {
	ctx := c.UserContext()
	if old := c.Cookies(SessionCookie); old != "" && len(old) <= 128 {
		if err := s.cfg.Store.DeleteSession(ctx, sessionID(old)); err != nil {
			s.log.Warn("access: unable to delete the session signed in over", "err", err)
		}
	}
	now := s.cfg.Now()
	secret := random()
	who.ID, who.CSRF = sessionID(secret), random()
	who.CreatedAt, who.LastSeen, who.ExpiresAt = now, now, now.Add(AbsoluteTimeout)
	if err := s.cfg.Store.CreateSession(ctx, who); err != nil {
		return err
	}
	s.setCookie(c, SessionCookie, secret, "/", who.ExpiresAt)
	// A sign-in is a good moment to sweep, and costs one statement.
	if _, err := s.cfg.Store.DeleteExpiredSessions(context.WithoutCancel(ctx), now, now.Add(-IdleTimeout)); err != nil {
		s.log.Warn("access: unable to delete expired sessions", "err", err)
	}
	return nil
}

// endSession signs c's browser out.
func (s *Service) endSession(c *fiber.Ctx) error {
	if secret := c.Cookies(SessionCookie); secret != "" && s.cfg.Store != nil && len(secret) <= 128 {
		if err := s.cfg.Store.DeleteSession(c.UserContext(), sessionID(secret)); err != nil {
			return err
		}
	}
	s.clearCookie(c, SessionCookie, "/")
	return nil
}

// setCookie sets an HttpOnly, SameSite=Lax cookie, Secure when the public
// URL is https.
func (s *Service) setCookie(c *fiber.Ctx, name, value, path string, expires time.Time) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: path, Expires: expires,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.secure})
}

func (s *Service) clearCookie(c *fiber.Ctx, name, path string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: path, Expires: time.Unix(1, 0), MaxAge: -1,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.secure})
}

// safe reports whether a request's method changes nothing.
func safe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// API is the middleware of /api/v1: it admits the admin token as a bearer
// token (the operator, no CSRF token needed) or a session cookie, whose
// state-changing requests carry the session's CSRF token in X-CSRF-Token.
// It answers 401 to anyone else and 403 for a missing or wrong CSRF token.
func (s *Service) API() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if header := c.Get(fiber.HeaderAuthorization); header != "" {
			if err := s.checkAdminToken(c, header, true); err != nil {
				return err
			}
			s.identity(c, hearth.Session{}, true)
			return c.Next()
		}
		sess, ok := s.session(c)
		if !ok {
			if s.cfg.AdminToken == "" && s.cfg.Store == nil {
				return hearth.Errorf(hearth.EUNAUTHORIZED, "the API is disabled: set HEARTH_ADMIN_TOKEN to enable it")
			}
			return hearth.Errorf(hearth.EUNAUTHORIZED, "missing or wrong admin token: send Authorization: Bearer <HEARTH_ADMIN_TOKEN>, or sign in at /login")
		}
		if !safe(c.Method()) && !same(c.Get(CSRFHeader), sess.CSRF) {
			return hearth.Errorf(hearth.EFORBIDDEN, "missing or wrong CSRF token: a signed-in browser sends its session's token in the %s header", CSRFHeader)
		}
		s.identity(c, sess, false)
		return c.Next()
	}
}

// Pages is the middleware of the console's pages: without a session it
// sends the browser to /login; a state-changing request carries the
// session's CSRF token in the form field csrf (or the X-CSRF-Token
// header), else 403.
func (s *Service) Pages() fiber.Handler {
	return func(c *fiber.Ctx) error {
		sess, ok := s.session(c)
		if !ok {
			return c.Redirect("/login", http.StatusFound)
		}
		if !safe(c.Method()) && !s.formCSRF(c, sess) {
			return s.page(c, http.StatusForbidden, messagePage, pageData{Title: "Refused",
				Message: "This form has expired or did not come from Hearth. Go back, reload the page and try again."})
		}
		s.identity(c, sess, false)
		return c.Next()
	}
}

// formCSRF reports whether a form or request carries sess's CSRF token.
func (s *Service) formCSRF(c *fiber.Ctx, sess hearth.Session) bool {
	return same(c.FormValue(CSRFField), sess.CSRF) || same(c.Get(CSRFHeader), sess.CSRF)
}

// checkAdminToken checks an admin-token attempt, under the rate limit of
// the client's address: 429 with Retry-After past it, 401 for a wrong
// token. header says the token comes as "Bearer TOKEN".
func (s *Service) checkAdminToken(c *fiber.Ctx, token string, header bool) error {
	now := s.cfg.Now()
	addr := c.IP()
	if ok, wait := s.limiter.allow(addr, now); !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Round(time.Second)/time.Second)+1))
		return fiber.NewError(http.StatusTooManyRequests, "too many wrong admin tokens from this address: wait a minute")
	}
	if s.cfg.AdminToken == "" {
		return hearth.Errorf(hearth.EUNAUTHORIZED, "the API is disabled: set HEARTH_ADMIN_TOKEN to enable it")
	}
	if header {
		var ok bool
		if token, ok = bearerToken(token); !ok {
			token = ""
		}
	}
	if !same(token, s.cfg.AdminToken) {
		s.limiter.fail(addr, now)
		s.log.Warn("access: wrong admin token", "addr", addr)
		return hearth.Errorf(hearth.EUNAUTHORIZED, "missing or wrong admin token: send Authorization: Bearer <HEARTH_ADMIN_TOKEN>")
	}
	return nil
}

// bearerToken returns the credentials of an Authorization header under
// the Bearer scheme. The scheme's name is case-insensitive and one or more
// spaces follow it (RFC 7235, 2.1).
func bearerToken(header string) (string, bool) {
	scheme, rest, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimLeft(rest, " "), true
}
