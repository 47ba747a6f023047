package twitchtest

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The fake's OAuth endpoints follow Twitch's (id.twitch.tv/oauth2): the
// Device Code Grant flow (/device, then /token with the device_code grant),
// the refresh_token grant with rotating refresh tokens, /validate and
// /revoke; and the Authorization Code Grant flow (/authorize, then /token
// with the authorization_code grant, oauth_code.go). Errors have Twitch's shape, {"status":400,"message":"..."}.

// Defaults of the device flow and of the tokens it issues, as Twitch has
// them.
const (
	oauthDeviceTTL      = 30 * time.Minute
	oauthDeviceInterval = 5 * time.Second
	oauthTokenTTL       = 4 * time.Hour
	// pollSlack is how much sooner than the interval a poll may come
	// before it counts as too fast.
	pollSlack = 250 * time.Millisecond
)

// oauthState is what the OAuth endpoints remember, guarded by API.mu.
type oauthState struct {
	devices map[string]*deviceGrant // by device code
	// issued holds every access and refresh token the endpoints handed
	// out, revoked and rotated ones included, in order.
	issued    []string
	used      map[string]bool // refresh tokens already exchanged
	refreshes int
	slowDowns int
	tokenTTL  time.Duration
	interval  time.Duration
	// codes are the authorization codes handed out and not yet
	// exchanged, by code; authorizeAs approves /authorize at once as
	// that login when set (oauth_code.go).
	codes       map[string]*authCode
	authorizeAs string
}

// deviceGrant is one device code waiting for its user.
type deviceGrant struct {
	userCode  string
	scopes    []string
	interval  time.Duration
	expiresAt time.Time
	login     string // set once approved
	lastPoll  time.Time
}

// DeviceCode is a pending device code as the fake knows it, for a test
// or the demo that plays the user.
type DeviceCode struct {
	UserCode string
	Scopes   []string
}

func (a *API) oauthRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /oauth2/device", a.handleDevice)
	mux.HandleFunc("POST /oauth2/token", a.handleToken)
	mux.HandleFunc("GET /oauth2/validate", a.handleValidate)
	mux.HandleFunc("POST /oauth2/revoke", a.handleRevoke)
	mux.HandleFunc("GET /oauth2/authorize", a.handleAuthorize)
	mux.HandleFunc("POST /oauth2/authorize", a.handleAuthorize)
}

// SetTokenTTL sets how long the access tokens that the device flow and
// refreshes issue from now on stay valid (default 4 h, as on Twitch).
func (a *API) SetTokenTTL(d time.Duration) {
	a.mu.Lock()
	a.oauth.tokenTTL = d
	a.mu.Unlock()
}

// SetDeviceInterval sets the polling interval that new device codes ask
// for (default 5 s; whole seconds, at least 1).
func (a *API) SetDeviceInterval(d time.Duration) {
	a.mu.Lock()
	a.oauth.interval = max(d.Round(time.Second), time.Second)
	a.mu.Unlock()
}

// SlowDown makes the next n polls of the token endpoint answer
// "slow_down", whatever their timing.
func (a *API) SlowDown(n int) {
	a.mu.Lock()
	a.oauth.slowDowns = n
	a.mu.Unlock()
}

// Pending returns the device codes waiting for approval.
func (a *API) Pending() []DeviceCode {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []DeviceCode
	for _, g := range a.oauth.devices {
		if g.login == "" && time.Now().Before(g.expiresAt) {
			out = append(out, DeviceCode{UserCode: g.userCode, Scopes: slices.Clone(g.scopes)})
		}
	}
	return out
}

// Approve plays the user who enters userCode on the activation page and
// authorises the application as login: the next poll of that device code
// gets a token with the scopes it asked for.
func (a *API) Approve(userCode, login string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, g := range a.oauth.devices {
		if g.userCode != userCode {
			continue
		}
		if time.Now().After(g.expiresAt) {
			return errors.New("twitchtest: the device code has expired")
		}
		g.login = strings.ToLower(login)
		return nil
	}
	return errors.New("twitchtest: no pending device code has user code " + userCode)
}

// Expire makes every pending device code expire now.
func (a *API) Expire() {
	a.mu.Lock()
	for _, g := range a.oauth.devices {
		g.expiresAt = time.Now().Add(-time.Second)
	}
	a.mu.Unlock()
}

// Issued returns every access and refresh token the OAuth endpoints issued
// and every token IssueToken gave, revoked and rotated ones included: what
// a test looks for in logs that must not hold any.
func (a *API) Issued() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := slices.Clone(a.oauth.issued)
	for _, t := range a.tokens {
		out = append(out, t.Access, t.Refresh)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// CheckNoSecrets fails t if err's text holds any access or refresh token
// this fake issued: errors and logs must never carry one.
func (a *API) CheckNoSecrets(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, tok := range a.Issued() {
		if strings.Contains(err.Error(), tok) {
			t.Errorf("error %q holds a token", err)
		}
	}
}

// Refreshes returns how many refresh_token grants succeeded.
func (a *API) Refreshes() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.oauth.refreshes
}

// AuthenticateChat reports whether token is a valid access token of login
// that allows reading chat: the check Twitch's chat server makes, for
// Options.Authenticate.
func (a *API) AuthenticateChat(login, token string) bool {
	t := a.tokenFor("OAuth " + token)
	return t != nil && t.Login == login && t.Has("chat:read")
}

// oauthError writes Twitch's error shape.
func oauthError(w http.ResponseWriter, status int, message string) {
	oauthJSON(w, status, map[string]any{"status": status, "message": message})
}

func oauthJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *API) handleDevice(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("client_id") != a.opts.ClientID {
		oauthError(w, http.StatusBadRequest, "invalid client")
		return
	}
	scopes := strings.Fields(r.PostFormValue("scopes"))
	code, user := randomToken(), userCode()
	a.mu.Lock()
	if a.oauth.devices == nil {
		a.oauth.devices = make(map[string]*deviceGrant)
	}
	interval := a.oauth.interval
	if interval == 0 {
		interval = oauthDeviceInterval
	}
	a.oauth.devices[code] = &deviceGrant{userCode: user, scopes: scopes, interval: interval, expiresAt: time.Now().Add(oauthDeviceTTL)}
	a.mu.Unlock()
	a.log.Info("twitchtest: device code issued", "user_code", user, "scopes", len(scopes))
	oauthJSON(w, http.StatusOK, map[string]any{
		"device_code":      code,
		"expires_in":       int(oauthDeviceTTL / time.Second),
		"interval":         int(interval / time.Second),
		"user_code":        user,
		"verification_uri": "https://www.twitch.tv/activate?public=true&device-code=" + user,
	})
}

func (a *API) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("client_id") != a.opts.ClientID {
		oauthError(w, http.StatusBadRequest, "invalid client")
		return
	}
	switch r.PostFormValue("grant_type") {
	case "urn:ietf:params:oauth:grant-type:device_code":
		a.deviceToken(w, r.PostFormValue("device_code"))
	case "refresh_token":
		a.refreshToken(w, r.PostFormValue("refresh_token"))
	case "authorization_code":
		a.codeToken(w, r)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported grant type")
	}
}

func (a *API) deviceToken(w http.ResponseWriter, code string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	g := a.oauth.devices[code]
	switch {
	case g == nil:
		oauthError(w, http.StatusBadRequest, "invalid device code")
		return
	case time.Now().After(g.expiresAt):
		delete(a.oauth.devices, code)
		oauthError(w, http.StatusBadRequest, "expired_token")
		return
	case a.oauth.slowDowns > 0 || time.Since(g.lastPoll) < g.interval-pollSlack:
		// Polling faster than asked: the client is to wait 5 s more.
		a.oauth.slowDowns = max(a.oauth.slowDowns-1, 0)
		g.lastPoll = time.Now()
		oauthError(w, http.StatusBadRequest, "slow_down")
		return
	case g.login == "":
		g.lastPoll = time.Now()
		oauthError(w, http.StatusBadRequest, "authorization_pending")
		return
	}
	delete(a.oauth.devices, code)
	t := a.issueLocked(g.login, g.scopes)
	a.log.Info("twitchtest: device code approved", "login", g.login)
	writeTokenLocked(w, t)
}

func (a *API) refreshToken(w http.ResponseWriter, refresh string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var old *Token
	for _, t := range a.tokens {
		if t.Refresh == refresh && refresh != "" {
			old = t
			break
		}
	}
	if old == nil || a.oauth.used[refresh] {
		oauthError(w, http.StatusBadRequest, "Invalid refresh token")
		return
	}
	if a.oauth.used == nil {
		a.oauth.used = make(map[string]bool)
	}
	// Refresh tokens rotate: this one is spent. The old access token stays
	// valid until it expires, as on Twitch.
	a.oauth.used[refresh] = true
	a.oauth.refreshes++
	t := a.issueLocked(old.Login, old.Scopes)
	writeTokenLocked(w, t)
}

// issueLocked issues a user token, as IssueToken does, with the lifetime
// SetTokenTTL chose.
func (a *API) issueLocked(login string, scopes []string) *Token {
	ttl := a.oauth.tokenTTL
	if ttl == 0 {
		ttl = oauthTokenTTL
	}
	t := &Token{
		Access:    randomToken(),
		Refresh:   randomToken(),
		ClientID:  a.opts.ClientID,
		Login:     login,
		UserID:    UserID(login),
		Scopes:    slices.Clone(scopes),
		ExpiresAt: time.Now().Add(ttl),
	}
	a.tokens[t.Access] = t
	a.oauth.issued = append(a.oauth.issued, t.Access, t.Refresh)
	return t
}

func writeTokenLocked(w http.ResponseWriter, t *Token) {
	scopes := t.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	oauthJSON(w, http.StatusOK, map[string]any{
		"access_token":  t.Access,
		"expires_in":    int(time.Until(t.ExpiresAt).Round(time.Second) / time.Second),
		"refresh_token": t.Refresh,
		"scope":         scopes,
		"token_type":    "bearer",
	})
}

func (a *API) handleValidate(w http.ResponseWriter, r *http.Request) {
	t := a.tokenFor(r.Header.Get("Authorization"))
	if t == nil {
		oauthError(w, http.StatusUnauthorized, "invalid access token")
		return
	}
	a.mu.Lock()
	body := map[string]any{
		"client_id":  t.ClientID,
		"login":      t.Login,
		"scopes":     slices.Clone(t.Scopes),
		"user_id":    t.UserID,
		"expires_in": int(time.Until(t.ExpiresAt) / time.Second),
	}
	a.mu.Unlock()
	if body["scopes"] == nil {
		body["scopes"] = []string{}
	}
	oauthJSON(w, http.StatusOK, body)
}

func (a *API) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("client_id") != a.opts.ClientID {
		oauthError(w, http.StatusNotFound, "client does not exist")
		return
	}
	tok := r.PostFormValue("token")
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.tokens[tok]
	if t == nil {
		oauthError(w, http.StatusBadRequest, "Invalid token")
		return
	}
	delete(a.tokens, tok)
	a.oauth.issued = append(a.oauth.issued, t.Access, t.Refresh)
	if a.oauth.used == nil {
		a.oauth.used = make(map[string]bool)
	}
	a.oauth.used[t.Refresh] = true
	w.WriteHeader(http.StatusOK)
}

// userCode returns eight capital letters, as Twitch's activation page
// takes them.
func userCode() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = 'A' + b[i]%26
	}
	return string(b)
}
