package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls Twitch's OAuth endpoints under BaseURL
// (HEARTH_TWITCH_AUTH_URL): the Device Code Grant flow, refresh,
// validate and revoke. Hearth makes these calls itself because helix
// v2.31.1 has no device flow and refreshes only with a client secret
// against a fixed host. Tokens never appear in its errors.
type Client struct {
	// BaseURL is the OAuth base, such as https://id.twitch.tv/oauth2.
	BaseURL string
	// ClientID is the application's client id. ClientSecret is optional:
	// a public client (which the device flow needs) has none, and a
	// confidential one sends it when refreshing.
	ClientID     string
	ClientSecret string
	// HTTP is the client to use; nil means one with a 30 s timeout.
	HTTP *http.Client
}

// DeviceCode is what the device flow's first step returns: the code the
// user enters at VerificationURI, and how to poll for the token.
type DeviceCode struct {
	DeviceCode      string // a secret: only polls send it
	UserCode        string
	VerificationURI string
	ExpiresAt       time.Time
	Interval        time.Duration
}

// Grant is a token that Twitch granted.
type Grant struct {
	Access    string
	Refresh   string
	Scopes    []string
	ExpiresIn time.Duration
}

// Validation is what /validate says of an access token.
type Validation struct {
	ClientID  string
	Login     string
	UserID    string
	Scopes    []string
	ExpiresIn time.Duration
}

// Error is an error answer from Twitch's OAuth endpoints: the HTTP
// status and Twitch's message, such as "invalid access token" or
// "Invalid refresh token".
type Error struct {
	Op      string // "device", "token", "refresh", "validate", "revoke"
	Status  int
	Message string
}

// Error says which call Twitch refused and why, in Twitch's words.
func (e *Error) Error() string {
	return fmt.Sprintf("twitch oauth %s: %d %s", e.Op, e.Status, e.Message)
}

// Errors of the device flow that retrying cannot fix.
var (
	// ErrDeviceCodeExpired means nobody approved the code in time.
	ErrDeviceCodeExpired = errors.New("the code expired before anyone approved it")
	// ErrAccessDenied means the user declined the authorisation.
	ErrAccessDenied = errors.New("the authorisation was declined")
)

// slowDownStep is how much longer to wait between polls after a
// "slow_down" answer (RFC 8628, section 3.5).
const slowDownStep = 5 * time.Second

// StartDevice starts the Device Code Grant flow for scopes.
func (o *Client) StartDevice(ctx context.Context, scopes []string) (DeviceCode, error) {
	var body struct {
		DeviceCode      string `json:"device_code"`
		ExpiresIn       int    `json:"expires_in"`
		Interval        int    `json:"interval"`
		UserCode        string `json:"user_code"`
		VerificationURI string `json:"verification_uri"`
	}
	form := url.Values{"client_id": {o.ClientID}, "scopes": {strings.Join(scopes, " ")}}
	if err := o.post(ctx, "device", "/device", form, &body); err != nil {
		return DeviceCode{}, err
	}
	if body.DeviceCode == "" || body.UserCode == "" || body.VerificationURI == "" {
		return DeviceCode{}, errors.New("twitch oauth device: the answer lacks the device code, user code or verification URI")
	}
	return DeviceCode{
		DeviceCode:      body.DeviceCode,
		UserCode:        body.UserCode,
		VerificationURI: body.VerificationURI,
		ExpiresAt:       time.Now().Add(time.Duration(max(body.ExpiresIn, 1)) * time.Second),
		Interval:        time.Duration(max(body.Interval, 1)) * time.Second,
	}, nil
}

// AwaitDevice polls the token endpoint at the interval dc asks for until
// the user approves the code, and returns the token. It waits longer after
// "slow_down", and returns ErrDeviceCodeExpired or ErrAccessDenied when
// waiting longer cannot help.
func (o *Client) AwaitDevice(ctx context.Context, dc DeviceCode, scopes []string) (Grant, error) {
	interval := dc.Interval
	form := url.Values{
		"client_id":   {o.ClientID},
		"scopes":      {strings.Join(scopes, " ")},
		"device_code": {dc.DeviceCode},
		"grant_type":  {"urn:ietf:params:oauth:grant-type:device_code"},
	}
	timer := time.NewTimer(interval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return Grant{}, ctx.Err()
		case <-timer.C:
		}
		g, err := o.grant(ctx, "token", form)
		var oe *Error
		switch {
		case err == nil:
			return g, nil
		case !errors.As(err, &oe):
			return Grant{}, err
		case oe.Message == "authorization_pending":
		case oe.Message == "slow_down":
			interval += slowDownStep
		case oe.Message == "expired_token", strings.EqualFold(oe.Message, "invalid device code"):
			return Grant{}, ErrDeviceCodeExpired
		case oe.Message == "access_denied":
			return Grant{}, ErrAccessDenied
		default:
			return Grant{}, err
		}
		if time.Now().After(dc.ExpiresAt) {
			return Grant{}, ErrDeviceCodeExpired
		}
		timer.Reset(interval)
	}
}

// Refresh exchanges a refresh token for a new access token. Refresh tokens
// rotate: the answer holds the one to use next time, and the old one is
// spent. An *Error with status 400 means the refresh token is no good
// any more (revoked, spent, or the password changed): sign in again.
func (o *Client) Refresh(ctx context.Context, refresh string) (Grant, error) {
	form := url.Values{
		"client_id":     {o.ClientID},
		"grant_type":    {"refresh_token"},
		"refresh_token": {refresh},
	}
	if o.ClientSecret != "" {
		form.Set("client_secret", o.ClientSecret)
	}
	g, err := o.grant(ctx, "refresh", form)
	if err != nil {
		return Grant{}, err
	}
	if g.Refresh == "" {
		g.Refresh = refresh
	}
	return g, nil
}

// Validate asks Twitch whom an access token belongs to and what it allows.
// A token Twitch rejects gives an *Error with status 401.
func (o *Client) Validate(ctx context.Context, access string) (Validation, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.endpoint("/validate"), nil)
	if err != nil {
		return Validation{}, fmt.Errorf("twitch oauth validate: %w", err)
	}
	req.Header.Set("Authorization", "OAuth "+access)
	var body struct {
		ClientID  string   `json:"client_id"`
		Login     string   `json:"login"`
		UserID    string   `json:"user_id"`
		Scopes    []string `json:"scopes"`
		ExpiresIn int64    `json:"expires_in"`
	}
	if err := o.do(req, "validate", &body); err != nil {
		return Validation{}, err
	}
	return Validation{
		ClientID:  body.ClientID,
		Login:     body.Login,
		UserID:    body.UserID,
		Scopes:    body.Scopes,
		ExpiresIn: time.Duration(body.ExpiresIn) * time.Second,
	}, nil
}

// Revoke tells Twitch to forget an access token (and its refresh token).
func (o *Client) Revoke(ctx context.Context, access string) error {
	form := url.Values{"client_id": {o.ClientID}, "token": {access}}
	return o.post(ctx, "revoke", "/revoke", form, nil)
}

// grant posts a token request and reads the token answer.
func (o *Client) grant(ctx context.Context, op string, form url.Values) (Grant, error) {
	var body struct {
		AccessToken  string          `json:"access_token"`
		RefreshToken string          `json:"refresh_token"`
		ExpiresIn    int64           `json:"expires_in"`
		Scope        json.RawMessage `json:"scope"`
	}
	if err := o.post(ctx, op, "/token", form, &body); err != nil {
		return Grant{}, err
	}
	if body.AccessToken == "" {
		return Grant{}, fmt.Errorf("twitch oauth %s: the answer holds no access token", op)
	}
	return Grant{
		Access:    body.AccessToken,
		Refresh:   body.RefreshToken,
		Scopes:    parseScopes(body.Scope),
		ExpiresIn: time.Duration(body.ExpiresIn) * time.Second,
	}, nil
}

// parseScopes reads "scope" as Twitch sends it, a list, or as a
// space-separated string as other OAuth servers do.
func parseScopes(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.Fields(s)
	}
	return nil
}

func (o *Client) endpoint(path string) string { return strings.TrimRight(o.BaseURL, "/") + path }

func (o *Client) post(ctx context.Context, op, path string, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.endpoint(path), strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("twitch oauth %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return o.do(req, op, out)
}

// do sends req and decodes a 200 answer into out, or returns an
// *Error. Transport errors are reported without the URL's query, and
// no request here carries a token in its URL.
func (o *Client) do(req *http.Request, op string, out any) error {
	client := o.HTTP
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("twitch oauth %s: %s: %w", op, req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("twitch oauth %s: reading the answer: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(b, &e) != nil || e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
		return &Error{Op: op, Status: resp.StatusCode, Message: oauthTruncate(e.Message, 200)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("twitch oauth %s: the answer is not the JSON expected: %w", op, err)
	}
	return nil
}

func oauthTruncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
