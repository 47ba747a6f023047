package oauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearthlive/hearth"
)

// TokensConfig configures Tokens.
type TokensConfig struct {
	// Store keeps the tokens, sealed by Sealer. Without a Sealer, stored
	// tokens cannot be opened and none can be saved.
	Store  hearth.TokenStore
	Sealer *Sealer
	// KeySource says where the key came from, for errors: such as
	// "HEARTH_SECRET_KEY" or "the key file /var/lib/hearth/hearth.key".
	KeySource string
	// OAuth refreshes tokens.
	Client *Client
	Logger *slog.Logger
}

// Tokens is the hearth.TokenSource that Helix, EventSub and chat use: it
// reads tokens from the store, opens them with the key, and refreshes one
// before it expires or after Invalidate, storing the rotated refresh
// token. It is safe for concurrent use; for each subject, one refresh runs
// at a time and the callers waiting for it share its result.
type Tokens struct {
	cfg TokensConfig
	log *slog.Logger

	mu       sync.Mutex
	subjects map[string]*subjectToken
}

var _ hearth.TokenSource = (*Tokens)(nil)

// subjectToken is one subject's token as last read or refreshed. Its mutex
// serialises loading and refreshing; invalid is apart from it, so that
// Invalidate never waits for a refresh in flight.
type subjectToken struct {
	mu      sync.Mutex
	loaded  bool
	stored  hearth.StoredToken
	tok     hearth.Token
	invalid atomic.Bool // Twitch refused the access token: refresh before use
}

// NewTokens returns Tokens over cfg.
func NewTokens(cfg TokensConfig) *Tokens {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Tokens{cfg: cfg, log: cfg.Logger, subjects: make(map[string]*subjectToken)}
}

// refreshBefore is how long before expiry a token is refreshed: a quarter
// of its lifetime, at most 10 minutes (Twitch's last about 4 hours).
func refreshBefore(st hearth.StoredToken) time.Duration {
	return min(10*time.Minute, st.ExpiresAt.Sub(st.ObtainedAt)/4)
}

// refreshAt is when a stored token is due for refresh.
func refreshAt(st hearth.StoredToken) time.Time { return st.ExpiresAt.Add(-refreshBefore(st)) }

func (t *Tokens) entry(subject string) *subjectToken {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.subjects[subject]
	if e == nil {
		e = &subjectToken{}
		t.subjects[subject] = e
	}
	return e
}

// Token returns subject's current token, refreshing it first when it is
// due or was invalidated. Without a stored token it returns an ENOTFOUND
// *hearth.Error; when the token cannot be opened or Twitch refuses to
// refresh it, an EUNAUTHORIZED one that says how to sign in again. If a
// refresh fails for a passing reason (network), the old token is returned
// while it is still valid.
func (t *Tokens) Token(ctx context.Context, subject string) (hearth.Token, error) {
	e := t.entry(subject)
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.loaded {
		if err := t.loadLocked(ctx, subject, e); err != nil {
			return hearth.Token{}, err
		}
	}
	invalid := e.invalid.Swap(false)
	if !invalid && time.Now().Before(refreshAt(e.stored)) {
		return e.tok, nil
	}
	err := t.refreshLocked(ctx, subject, e)
	if err == nil {
		return e.tok, nil
	}
	if invalid {
		// Still refused: the next call tries again.
		e.invalid.Store(true)
	}
	if hearth.ErrorCode(err) != hearth.EUNAUTHORIZED && !invalid && time.Now().Before(e.tok.ExpiresAt) {
		t.log.Warn("twitch token: refresh failed; using the current token until it expires",
			"subject", subject, "expires_at", e.tok.ExpiresAt, "err", err)
		return e.tok, nil
	}
	return hearth.Token{}, err
}

// Invalidate marks subject's token as refused by Twitch, so that the next
// Token refreshes it. It does not wait for a refresh in flight.
func (t *Tokens) Invalidate(subject string) {
	t.entry(subject).invalid.Store(true)
}

// loadLocked reads and opens subject's stored token.
func (t *Tokens) loadLocked(ctx context.Context, subject string, e *subjectToken) error {
	st, err := t.cfg.Store.StoredToken(ctx, subject)
	if err != nil {
		return err
	}
	tok, err := t.Open(st)
	if err != nil {
		return err
	}
	e.loaded, e.stored, e.tok = true, st, tok
	return nil
}

// Open returns the token a stored one seals, or an EUNAUTHORIZED error
// saying that the key is not the one it was sealed with.
func (t *Tokens) Open(st hearth.StoredToken) (hearth.Token, error) {
	if t.cfg.Sealer == nil {
		return hearth.Token{}, hearth.Errorf(hearth.EUNAUTHORIZED,
			"a token is stored for %s but there is no key to open it: set HEARTH_SECRET_KEY to the key it was stored with, or sign in again with %s",
			st.Subject, LoginCommand(st.Subject))
	}
	sec, err := t.cfg.Sealer.open(st.Subject, st.Sealed)
	if err != nil {
		return hearth.Token{}, hearth.Errorf(hearth.EUNAUTHORIZED,
			"the stored token for %s does not open with %s: it was stored with another key (set HEARTH_SECRET_KEY to that key), or sign in again with %s",
			st.Subject, t.keySource(), LoginCommand(st.Subject))
	}
	return hearth.Token{
		Subject:   st.Subject,
		UserID:    st.UserID,
		Login:     st.Login,
		Access:    sec.Access,
		Refresh:   sec.Refresh,
		Scopes:    slices.Clone(st.Scopes),
		ExpiresAt: st.ExpiresAt,
	}, nil
}

func (t *Tokens) keySource() string {
	if t.cfg.KeySource == "" {
		return "this key"
	}
	return t.cfg.KeySource
}

// LoginCommand is the command that signs subject in.
func LoginCommand(subject string) string {
	if subject == hearth.TokenBot {
		return "hearth auth login --bot"
	}
	return "hearth auth login --channel " + subject
}

// refreshLocked refreshes subject's token and stores the result. Another
// instance sharing the store may have refreshed it already, spending the
// refresh token held here: a newer stored token is taken instead.
func (t *Tokens) refreshLocked(ctx context.Context, subject string, e *subjectToken) error {
	st, err := t.cfg.Store.StoredToken(ctx, subject)
	if err != nil {
		return err
	}
	if storedSince(st, e.stored) {
		if err := t.loadLocked(ctx, subject, e); err != nil {
			return err
		}
		if time.Now().Before(refreshAt(e.stored)) {
			return nil
		}
	}
	g, err := t.cfg.Client.Refresh(ctx, e.tok.Refresh)
	var oe *Error
	if errors.As(err, &oe) && (oe.Status == 400 || oe.Status == 401) {
		// Another instance may have spent the refresh token a moment ago.
		if st, serr := t.cfg.Store.StoredToken(ctx, subject); serr == nil && storedSince(st, e.stored) {
			return t.loadLocked(ctx, subject, e)
		}
		return hearth.Errorf(hearth.EUNAUTHORIZED, "Twitch refused to refresh the token for %s (%s): sign in again with %s",
			subject, oe.Message, LoginCommand(subject))
	}
	if err != nil {
		return fmt.Errorf("refreshing the token for %s: %w", subject, err)
	}
	if g.ExpiresIn <= 0 {
		v, err := t.cfg.Client.Validate(ctx, g.Access)
		if err != nil {
			return fmt.Errorf("validating the refreshed token for %s: %w", subject, err)
		}
		g.ExpiresIn = v.ExpiresIn
	}
	if len(g.Scopes) == 0 {
		g.Scopes = e.tok.Scopes
	}
	tok, err := t.save(ctx, subject, e.tok.UserID, e.tok.Login, g)
	if err != nil {
		return err
	}
	e.loaded, e.tok, e.stored = true, tok.tok, tok.stored
	t.log.Info("twitch token refreshed", "subject", subject, "login", tok.tok.Login, "expires_at", tok.tok.ExpiresAt.Format(time.RFC3339))
	return nil
}

// storedSince reports whether st, read from the store, is a token stored
// after held was: another instance refreshed it. Times are kept to the
// millisecond, so a refresh within the same millisecond is told apart by
// its sealed bytes (every sealing draws a fresh nonce).
func storedSince(st, held hearth.StoredToken) bool {
	return st.ObtainedAt.After(held.ObtainedAt) ||
		st.ObtainedAt.Equal(held.ObtainedAt) && !bytes.Equal(st.Sealed, held.Sealed)
}

// sealed is a token with its stored form.
type sealed struct {
	tok    hearth.Token
	stored hearth.StoredToken
}

// save seals and stores a granted token.
func (t *Tokens) save(ctx context.Context, subject, userID, login string, g Grant) (sealed, error) {
	if t.cfg.Sealer == nil {
		return sealed{}, errors.New("no key to seal the token with")
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	st := hearth.StoredToken{
		Subject:    subject,
		UserID:     userID,
		Login:      login,
		Scopes:     slices.Clone(g.Scopes),
		ExpiresAt:  now.Add(g.ExpiresIn),
		ObtainedAt: now,
		Sealed:     t.cfg.Sealer.seal(subject, secrets{Access: g.Access, Refresh: g.Refresh}),
	}
	if err := t.cfg.Store.PutToken(ctx, st); err != nil {
		return sealed{}, err
	}
	return sealed{stored: st, tok: hearth.Token{
		Subject: subject, UserID: userID, Login: login,
		Access: g.Access, Refresh: g.Refresh, Scopes: slices.Clone(g.Scopes), ExpiresAt: st.ExpiresAt,
	}}, nil
}

// Save stores a token that Twitch granted and validated (sign-in or
// import) as subject's, replacing any other, and returns it.
func (t *Tokens) Save(ctx context.Context, subject string, g Grant, v Validation) (hearth.Token, error) {
	if g.ExpiresIn <= 0 {
		g.ExpiresIn = v.ExpiresIn
	}
	if len(g.Scopes) == 0 {
		g.Scopes = v.Scopes
	}
	s, err := t.save(ctx, subject, v.UserID, v.Login, g)
	if err != nil {
		return hearth.Token{}, err
	}
	e := t.entry(subject)
	e.mu.Lock()
	e.loaded, e.stored, e.tok = true, s.stored, s.tok
	e.invalid.Store(false)
	e.mu.Unlock()
	return s.tok, nil
}

// validateEvery is how often Run asks /validate about each token, as
// Twitch requires of apps that keep a session: at start and hourly.
const validateEvery = time.Hour

// retryFirst is how long Run waits to try a token again after a failed
// check or refresh; the wait doubles with each failure in a row, up to
// validateEvery.
const retryFirst = time.Minute

// rescanEvery is the longest Run sleeps between two looks at the stored
// tokens, so that a token saved meanwhile (by `hearth auth login` in
// another process, say) is kept fresh from then on.
const rescanEvery = time.Minute

// retryDelay is the wait after the given number of failures in a row.
func retryDelay(failures int) time.Duration {
	d := retryFirst
	for i := 1; i < failures && d < validateEvery; i++ {
		d *= 2
	}
	return min(d, validateEvery)
}

// Run keeps every stored token usable until ctx ends: it refreshes each
// one when it is due, so that tokens stay fresh while nothing asks for
// them, and validates each at start and hourly, as Twitch requires,
// refreshing one that Twitch no longer accepts. A failure is logged and
// the token tried again a minute later, then two, four and so on up to an
// hour, so that a token Twitch keeps refusing is not asked about once a
// second.
func (t *Tokens) Run(ctx context.Context) {
	validated := make(map[string]time.Time)
	failures := make(map[string]int)
	retryAt := make(map[string]time.Time)
	// failed notes a failure for subject and returns when to try again.
	failed := func(subject string) (time.Duration, time.Time) {
		failures[subject]++
		d := retryDelay(failures[subject])
		retryAt[subject] = time.Now().Add(d)
		return d, retryAt[subject]
	}
	succeeded := func(subject string) {
		delete(failures, subject)
		delete(retryAt, subject)
	}
	for {
		next := time.Now().Add(rescanEvery)
		stored, err := t.cfg.Store.StoredTokens(ctx)
		if err != nil && ctx.Err() == nil {
			t.log.Warn("twitch tokens: cannot list the stored tokens", "err", err)
		}
		for _, st := range stored {
			s := st.Subject
			if at, ok := retryAt[s]; ok && time.Now().Before(at) {
				next = earlier(next, at)
				continue
			}
			if time.Since(validated[s]) >= validateEvery {
				if err := t.validate(ctx, s); err != nil {
					if ctx.Err() == nil {
						d, at := failed(s)
						next = earlier(next, at)
						t.log.Warn("twitch tokens: cannot validate", "subject", s, "retry_in", d, "err", err)
					}
					continue
				}
				validated[s] = time.Now()
			}
			next = earlier(next, validated[s].Add(validateEvery))
			due := refreshAt(st)
			if time.Now().Before(due) {
				succeeded(s)
				next = earlier(next, due)
				continue
			}
			if _, err := t.Token(ctx, s); err != nil {
				if ctx.Err() == nil {
					d, at := failed(s)
					next = earlier(next, at)
					t.log.Warn("twitch tokens: cannot refresh", "subject", s, "retry_in", d, "err", err)
				}
				continue
			}
			succeeded(s)
			// Look again soon: the refreshed token is due at a new time.
			next = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(max(time.Until(next), time.Second)):
		}
	}
}

// earlier returns the earlier of two times.
func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// validate asks Twitch whether subject's token is still good, and
// refreshes it at once if Twitch refuses it. It returns an error when the
// check could not be made (and should be tried again); a token Twitch
// refused is checked, whether its refresh worked or not (a failed refresh
// is logged, and Helix and EventSub ask for it again as they need it).
func (t *Tokens) validate(ctx context.Context, subject string) error {
	tok, err := t.Token(ctx, subject)
	if err != nil {
		return err
	}
	_, err = t.cfg.Client.Validate(ctx, tok.Access)
	var oe *Error
	switch {
	case errors.As(err, &oe) && oe.Status == 401:
		t.log.Warn("twitch tokens: Twitch no longer accepts the token; refreshing it", "subject", subject)
		t.Invalidate(subject)
		if _, err := t.Token(ctx, subject); err != nil {
			t.log.Warn("twitch tokens: cannot refresh", "subject", subject, "err", err)
		}
		return nil
	case err != nil:
		return err
	}
	return nil
}
