package twitchtest

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// authCodeTTL is how long an authorization code may wait to be exchanged.
const authCodeTTL = 10 * time.Minute

// authCode is one authorization code handed to a browser.
type authCode struct {
	login       string
	scopes      []string
	redirectURI string
	expiresAt   time.Time
}

// AuthorizeAs makes /authorize approve every request at once as login, as
// a user already signed in to Twitch who approved the application before
// would; "" shows the fake's authorize page again, where a person (or a
// browser driven by a test) types the login and approves or cancels.
func (a *API) AuthorizeAs(login string) {
	a.mu.Lock()
	a.oauth.authorizeAs = strings.ToLower(login)
	a.mu.Unlock()
}

// authorizePage asks who signs in, as Twitch's own page does.
var authorizePage = template.Must(template.New("authorize").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize - fake Twitch</title></head>
<body><h1>Authorize application</h1>
<form method="post" action="/oauth2/authorize">
{{range $k, $v := .}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">
{{end}}<label>Twitch login <input id="login" name="login" autocomplete="off"></label>
<button id="authorize" name="decision" value="authorize">Authorize</button>
<button id="cancel" name="decision" value="cancel">Cancel</button>
</form></body></html>
`))

// handleAuthorize is /authorize: GET shows the page (or approves at once,
// AuthorizeAs), POST is the page's answer. Either sends the browser back
// to redirect_uri with a code and the state, or with error=access_denied.
func (a *API) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	q := url.Values{}
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "scope", "state"} {
		q.Set(k, r.Form.Get(k))
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("client_id") != a.opts.ClientID:
		oauthError(w, http.StatusBadRequest, "invalid client")
		return
	case err != nil || q.Get("redirect_uri") == "" || redirect.Scheme != "http" && redirect.Scheme != "https":
		oauthError(w, http.StatusBadRequest, "Parameter redirect_uri does not match registered URI")
		return
	case q.Get("response_type") != "code":
		oauthError(w, http.StatusBadRequest, "invalid response type")
		return
	}
	a.mu.Lock()
	login := a.oauth.authorizeAs
	a.mu.Unlock()
	if r.Method == http.MethodPost {
		login = strings.ToLower(strings.TrimSpace(r.PostFormValue("login")))
		if r.PostFormValue("decision") != "authorize" {
			back := redirect.Query()
			back.Set("error", "access_denied")
			back.Set("error_description", "The user denied you access")
			back.Set("state", q.Get("state"))
			redirect.RawQuery = back.Encode()
			http.Redirect(w, r, redirect.String(), http.StatusFound)
			return
		}
	}
	if login == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = authorizePage.Execute(w, q)
		return
	}
	code := randomToken()
	a.mu.Lock()
	if a.oauth.codes == nil {
		a.oauth.codes = make(map[string]*authCode)
	}
	a.oauth.codes[code] = &authCode{login: login, scopes: strings.Fields(q.Get("scope")), redirectURI: q.Get("redirect_uri"), expiresAt: time.Now().Add(authCodeTTL)}
	a.mu.Unlock()
	back := redirect.Query()
	back.Set("code", code)
	back.Set("scope", q.Get("scope"))
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	a.log.Info("twitchtest: authorization code issued", "login", login)
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// codeToken answers the authorization_code grant: the client secret, a
// code issued for the same redirect_uri and not yet used.
func (a *API) codeToken(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("client_secret") != a.opts.ClientSecret {
		oauthError(w, http.StatusForbidden, "invalid client secret")
		return
	}
	code := r.PostFormValue("code")
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.oauth.codes[code]
	delete(a.oauth.codes, code)
	if c == nil || time.Now().After(c.expiresAt) || c.redirectURI != r.PostFormValue("redirect_uri") {
		oauthError(w, http.StatusBadRequest, "Invalid authorization code")
		return
	}
	writeTokenLocked(w, a.issueLocked(c.login, c.scopes))
}
