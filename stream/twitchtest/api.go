package twitchtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// APIOptions configure an API. Zero values mean defaults.
type APIOptions struct {
	// Addr is the listen address; default "127.0.0.1:0".
	Addr string
	// ClientID is the application client id the fake accepts; default
	// DemoClientID.
	ClientID string
	// ClientSecret is the secret the authorization_code grant must send;
	// default DemoClientSecret.
	ClientSecret string
	// Logger receives the server's logs; default discard.
	Logger *slog.Logger
}

// DemoClientID is the client id an API accepts when none is configured.
const DemoClientID = "hearthdemoclientid00000000000"

// DemoClientSecret is the client secret an API accepts when none is
// configured.
const DemoClientSecret = "hearthdemoclientsecret0000000"

// API is Twitch's HTTP side on loopback: the OAuth endpoints under
// /oauth2, Helix under /helix, and the EventSub WebSocket at
// /eventsub/ws. Tokens it issues are valid across all three. It serves in
// goroutines it owns until Close; all methods are safe for concurrent use.
type API struct {
	opts APIOptions
	log  *slog.Logger
	ln   net.Listener
	srv  *http.Server

	mu     sync.Mutex
	tokens map[string]*Token // by access token
	oauth  oauthState        // the OAuth endpoints' state (oauth.go)
	es     *eventSub         // EventSub sessions and subscriptions (eventsub.go)
	hx     *helixState       // Helix's state, made on first use (helix.go)

	latency time.Duration // added before every Helix answer (SetHelixLatency)
}

// Token is an access token the fake issued, with what it grants.
type Token struct {
	Access    string
	Refresh   string
	ClientID  string
	UserID    string // "" for an app access token
	Login     string
	Scopes    []string
	ExpiresAt time.Time
}

// Has reports whether the token grants scope.
func (t *Token) Has(scope string) bool { return slices.Contains(t.Scopes, scope) }

// NewAPI starts an API listening on opts.Addr.
func NewAPI(opts APIOptions) (*API, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.ClientID == "" {
		opts.ClientID = DemoClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DemoClientSecret
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	a := &API{opts: opts, log: opts.Logger, ln: ln, tokens: make(map[string]*Token)}
	mux := http.NewServeMux()
	a.routes(mux)
	a.srv = &http.Server{Handler: a.withLatency(mux), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("twitchtest: API stopped", "err", err)
		}
	}()
	return a, nil
}

// routes registers every route the fake serves.
func (a *API) routes(mux *http.ServeMux) {
	a.oauthRoutes(mux)
	a.eventsubRoutes(mux)
	a.helixRoutes(mux)
}

// withLatency holds each Helix request for the latency SetHelixLatency
// set before it is handled, as a distant server would.
func (a *API) withLatency(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/helix/") {
			a.mu.Lock()
			d := a.latency
			a.mu.Unlock()
			if d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// URL is the API's base URL, such as http://127.0.0.1:41234.
func (a *API) URL() string { return "http://" + a.ln.Addr().String() }

// AuthURL is the OAuth base URL (HEARTH_TWITCH_AUTH_URL).
func (a *API) AuthURL() string { return a.URL() + "/oauth2" }

// HelixURL is the Helix base URL (HEARTH_TWITCH_API_URL).
func (a *API) HelixURL() string { return a.URL() + "/helix" }

// EventSubURL is the EventSub WebSocket URL (HEARTH_TWITCH_EVENTSUB_URL).
func (a *API) EventSubURL() string { return "ws://" + a.ln.Addr().String() + "/eventsub/ws" }

// ClientID is the client id the fake accepts.
func (a *API) ClientID() string { return a.opts.ClientID }

// ClientSecret is the client secret the fake accepts.
func (a *API) ClientSecret() string { return a.opts.ClientSecret }

// Close stops the server and closes every connection.
func (a *API) Close() error { return a.srv.Close() }

// IssueToken grants login (empty for an app access token) a fresh token
// with scopes, valid for ttl, as if the user had signed in.
func (a *API) IssueToken(login string, scopes []string, ttl time.Duration) Token {
	t := &Token{
		Access:    randomToken(),
		Refresh:   randomToken(),
		ClientID:  a.opts.ClientID,
		Login:     login,
		Scopes:    slices.Clone(scopes),
		ExpiresAt: time.Now().Add(ttl),
	}
	if login != "" {
		t.UserID = UserID(login)
	}
	a.mu.Lock()
	a.tokens[t.Access] = t
	a.mu.Unlock()
	return *t
}

// tokenFor returns the valid token an Authorization header carries
// ("Bearer T" or "OAuth T"), or nil.
func (a *API) tokenFor(header string) *Token {
	_, tok, ok := strings.Cut(header, " ")
	if !ok {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.tokens[tok]
	if t == nil || time.Now().After(t.ExpiresAt) {
		return nil
	}
	return t
}

func randomToken() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
