package access

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// LinkPath is where a one-time sign-in link leads: LinkPath?token=...
const LinkPath = "/login/link"

// MaxLinkTTL is the longest a one-time sign-in link may last.
const MaxLinkTTL = time.Hour

// maxLinks is how many one-time links may wait at a time.
const maxLinks = 1000

// link is a one-time sign-in link waiting for its first use: who it signs
// in and where it sends the browser then.
type link struct {
	who     hearth.Session
	next    string
	expires time.Time
}

// SignInLink makes a one-time link that signs a browser in as who (a
// Twitch user: UserID and Login set) and then sends it to next, a path on
// this site: a random token in the returned URL, kept here only as its
// hash, good for ttl (at most MaxLinkTTL) and used up on first use. The
// demo gives its visitor one; serve never makes any.
func (s *Service) SignInLink(who hearth.Session, next string, ttl time.Duration) (string, error) {
	switch {
	case s.cfg.Store == nil:
		return "", errors.New("access: sign-in links need a store for the sessions they start")
	case who.UserID == "" || !hearth.ValidLogin(who.Login):
		return "", errors.New("access: a sign-in link signs in a Twitch user: give a user id and a login")
	case !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//"):
		return "", errors.New("access: a sign-in link leads to a path on this site")
	case ttl <= 0 || ttl > MaxLinkTTL:
		return "", errors.New("access: a sign-in link lasts more than nothing and at most an hour")
	}
	if who.DisplayName == "" {
		who.DisplayName = who.Login
	}
	token := random()
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, l := range s.links {
		if !now.Before(l.expires) {
			delete(s.links, id)
		}
	}
	if len(s.links) >= maxLinks {
		return "", errors.New("access: too many sign-in links wait")
	}
	s.links[sessionID(token)] = link{who: hearth.Session{UserID: who.UserID, Login: who.Login, DisplayName: who.DisplayName},
		next: next, expires: now.Add(ttl)}
	return s.base + LinkPath + "?token=" + token, nil
}

// takeLink returns the link token names, if unexpired, and uses it up
// whatever its state.
func (s *Service) takeLink(token string) (link, bool) {
	if token == "" || len(token) > 128 {
		return link{}, false
	}
	id := sessionID(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.links[id]
	delete(s.links, id)
	return l, ok && s.cfg.Now().Before(l.expires)
}

// followLink signs the browser in with a one-time link and sends it on;
// a link used, expired or unknown is refused.
func (s *Service) followLink(c *fiber.Ctx) error {
	l, ok := s.takeLink(c.Query("token"))
	if !ok {
		s.log.Warn("access: a sign-in link was refused: unknown, expired or used", "addr", c.IP())
		return s.page(c, http.StatusForbidden, loginPage, s.loginData("This sign-in link has expired or was already used: each works once."))
	}
	if err := s.startSession(c, l.who); err != nil {
		return s.failed(c, err)
	}
	s.log.Info("access: signed in with a one-time link", "user_id", l.who.UserID, "login", l.who.Login)
	return c.Redirect(l.next, http.StatusSeeOther)
}
