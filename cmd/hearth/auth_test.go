package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth/stream/oauth"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// authEnv is the environment of hearth commands against the fake API,
// with the database (and so the key file) in dir.
func authEnv(api *twitchtest.API, dir string) map[string]string {
	return map[string]string{
		"HEARTH_DATABASE_URL":                      "sqlite://" + filepath.Join(dir, "hearth.db"),
		"HEARTH_TWITCH_AUTH_URL":                   api.AuthURL(),
		"HEARTH_TWITCH_API_URL":                    api.HelixURL(),
		"HEARTH_TWITCH_EVENTSUB_URL":               api.EventSubURL(),
		"HEARTH_TWITCH_CLIENT_ID":                  api.ClientID(),
		"HEARTH_TWITCH_EVENTSUB_SUBSCRIPTIONS_URL": api.HelixURL() + "/eventsub/subscriptions",
	}
}

func newAuthAPI(t *testing.T) *twitchtest.API {
	t.Helper()
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	api.SetDeviceInterval(time.Second)
	return api
}

// runAuth runs the binary to completion and returns its stdout, stderr
// and exit status.
func runAuth(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runAuthInput(t, env, "", args...)
}

// runAuthInput is runAuth with input on the binary's standard input.
func runAuthInput(t *testing.T, env map[string]string, input string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, hearthBin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, &errb, strings.NewReader(input)
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// signInBot runs "hearth auth login --bot", approves the code it prints as
// login, and returns its output.
func signInBot(t *testing.T, api *twitchtest.API, env map[string]string, login string) string {
	t.Helper()
	p := startHearth(t, env, "auth", "login", "--bot")
	code := p.waitLine(t, `enter the code ([A-Z]{8})`, 30*time.Second)[1]
	if err := api.Approve(code, login); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		t.Fatal("hearth auth login did not finish after the code was approved")
	}
	if p.err != nil {
		t.Fatalf("hearth auth login: %v\n%s", p.err, p.output())
	}
	return p.output()
}

// chatLogins records the tokens the fake chat server was shown, checking
// each against the fake API.
type chatLogins struct {
	api      *twitchtest.API
	mu       sync.Mutex
	tokens   []string
	accepted []bool
}

func (c *chatLogins) authenticate(login, token string) bool {
	ok := c.api.AuthenticateChat(login, token)
	c.mu.Lock()
	c.tokens = append(c.tokens, token)
	c.accepted = append(c.accepted, ok)
	c.mu.Unlock()
	return ok
}

// seen returns the tokens shown so far, and whether the last was accepted.
func (c *chatLogins) seen() ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.tokens...), len(c.accepted) > 0 && c.accepted[len(c.accepted)-1]
}

// TestAuthSignInServeRefresh signs the bot in through the device flow with
// the real binary, checks "auth status", then serves with the stored token
// while it is refreshed, and makes the chat reconnect, which must log in
// with the refreshed token. No token the fake issued may appear in any
// output.
func TestAuthSignInServeRefresh(t *testing.T) {
	t.Parallel()
	api := newAuthAPI(t)
	api.SetTokenTTL(6 * time.Second)
	logins := &chatLogins{api: api}
	srv, err := twitchtest.NewServer(twitchtest.Options{Authenticate: logins.authenticate})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	env := authEnv(api, dir)
	var outputs []string

	out := signInBot(t, api, env, "hearthbot")
	outputs = append(outputs, out)
	for _, want := range []string{
		"Scopes asked for: " + strings.Join(oauth.ScopeNames(oauth.BotScopes), " "),
		"Signed in the bot as hearthbot",
		"created the key that seals stored Twitch tokens",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("auth login output lacks %q:\n%s", want, out)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "hearth.key"))
	if err != nil {
		t.Fatalf("no key file next to the database: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}

	status, stderr, code := runAuth(t, env, "auth", "status")
	outputs = append(outputs, status, stderr)
	if code != 0 || !strings.Contains(status, "the bot: hearthbot (user id "+twitchtest.UserID("hearthbot")+")") ||
		!strings.Contains(status, "scopes: "+strings.Join(oauth.ScopeNames(oauth.BotScopes), " ")) {
		t.Fatalf("auth status (exit %d):\n%s%s", code, status, stderr)
	}

	serveEnv := map[string]string{
		"HEARTH_TWITCH_IRC_ADDR": srv.Addr(),
		"HEARTH_TWITCH_IRC_TLS":  "false",
		"HEARTH_CHANNELS":        "testchan",
		"HEARTH_HTTP_ADDR":       "127.0.0.1:0",
		"HEARTH_LOG_LEVEL":       "debug",
	}
	for k, v := range env {
		serveEnv[k] = v
	}
	p := startHearth(t, serveEnv, "serve")
	p.waitLine(t, `using the bot's stored token.*login=hearthbot`, 20*time.Second)
	base := p.waitLine(t, `overlay URL.*url="?(http://[^/\s]+)/overlays/`, 20*time.Second)[1]
	p.waitLine(t, `chat: connected.*anonymous=false`, 20*time.Second)
	p.waitLine(t, `twitch token refreshed.*subject=bot`, 30*time.Second)
	outputs = append(outputs, string(httpGet(t, base+"/metrics")), string(httpGet(t, base+"/readyz")))
	before, _ := logins.seen()
	srv.Reconnect()
	deadline := time.Now().Add(30 * time.Second)
	for seen, _ := logins.seen(); len(seen) == len(before); seen, _ = logins.seen() {
		if time.Now().After(deadline) {
			t.Fatal("the chat did not log in again after RECONNECT")
		}
		time.Sleep(50 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, "testchan"); err != nil {
		t.Fatal(err)
	}
	seen, accepted := logins.seen()
	if seen[0] == seen[len(seen)-1] {
		t.Error("the chat logged in again with the token it started with, not the refreshed one")
	}
	if !accepted {
		t.Error("the chat's last login was refused")
	}
	p.stop(t)
	outputs = append(outputs, p.output())

	issued := api.Issued()
	if len(issued) < 4 {
		t.Fatalf("the fake issued %d tokens; the test expected a sign-in and a refresh", len(issued))
	}
	for _, tok := range issued {
		for i, o := range outputs {
			if strings.Contains(o, tok) {
				t.Errorf("output %d holds a token the fake issued", i)
			}
		}
	}
	db, err := os.ReadFile(filepath.Join(dir, "hearth.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range issued {
		if strings.Contains(string(db), tok) {
			t.Error("the database file holds a token in the clear")
		}
	}
}

// TestAuthImportAndKeys imports tokens with the real binary: a valid one
// is stored, one Twitch rejects or that belongs to someone else is refused
// with the reason, and a wrong HEARTH_SECRET_KEY is a clear error.
func TestAuthImportAndKeys(t *testing.T) {
	t.Parallel()
	api := newAuthAPI(t)
	dir := t.TempDir()
	env := authEnv(api, dir)
	tok := api.IssueToken("somechannel", oauth.ScopeNames(oauth.ChannelScopes), time.Hour)
	var outputs []string

	t.Run("NobodyYet", func(t *testing.T) {
		status, stderr, code := runAuth(t, env, "auth", "status")
		if code != 0 || !strings.Contains(status, "Nobody is signed in (there is no database at") || !strings.Contains(status, `Run "hearth auth login --bot"`) {
			t.Fatalf("status before any database (exit %d):\n%s%s", code, status, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "hearth.db")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("auth status created the database: %v", err)
		}
	})
	t.Run("Valid", func(t *testing.T) {
		out, stderr, code := runAuthInput(t, env, "oauth:"+tok.Access+"\n", "auth", "import", "--channel", "SomeChannel", "--token", "-", "--refresh-token", tok.Refresh)
		outputs = append(outputs, out, stderr)
		if code != 0 || !strings.Contains(out, "Signed in #somechannel as somechannel") {
			t.Fatalf("import (exit %d):\n%s%s", code, out, stderr)
		}
		status, stderr, _ := runAuth(t, env, "auth", "status")
		outputs = append(outputs, status, stderr)
		if !strings.Contains(status, "#somechannel: somechannel") || strings.Contains(status, "not granted") {
			t.Fatalf("status after import:\n%s", status)
		}
	})
	t.Run("Rejected", func(t *testing.T) {
		out, stderr, code := runAuth(t, env, "auth", "import", "--bot", "--token", "notatokentwitchknows")
		outputs = append(outputs, out, stderr)
		if code != 1 || !strings.Contains(stderr, "Twitch rejects the token (401 invalid access token): nothing was stored") {
			t.Fatalf("import of a bad token (exit %d):\n%s%s", code, out, stderr)
		}
	})
	t.Run("SomeoneElses", func(t *testing.T) {
		other := api.IssueToken("otheruser", nil, time.Hour)
		out, stderr, code := runAuth(t, env, "auth", "import", "--channel", "thirdchannel", "--token", other.Access)
		outputs = append(outputs, out, stderr)
		if code != 1 || !strings.Contains(stderr, "the token is otheruser's, not the broadcaster of #thirdchannel") {
			t.Fatalf("import of another user's token (exit %d):\n%s%s", code, out, stderr)
		}
		o := &oauth.Client{BaseURL: api.AuthURL(), ClientID: api.ClientID()}
		if _, err := o.Validate(context.Background(), other.Access); err != nil {
			t.Errorf("refusing to import a token revoked it, though it may serve elsewhere: %v", err)
		}
	})
	t.Run("LoginAsSomeoneElse", func(t *testing.T) {
		p := startHearth(t, env, "auth", "login", "--channel", "thirdchannel")
		code := p.waitLine(t, `enter the code ([A-Z]{8})`, 30*time.Second)[1]
		if err := api.Approve(code, "otheruser"); err != nil {
			t.Fatal(err)
		}
		p.waitLine(t, `the token is otheruser's, not the broadcaster of #thirdchannel: sign in as thirdchannel`, time.Minute)
		<-p.done
		outputs = append(outputs, p.output())
		if p.err == nil {
			t.Fatal("auth login stored a token signed in as another account")
		}
		if status, _, _ := runAuth(t, env, "auth", "status"); strings.Contains(status, "#thirdchannel") {
			t.Fatalf("status lists a refused token:\n%s", status)
		}
	})
	t.Run("NoSubject", func(t *testing.T) {
		_, stderr, code := runAuth(t, env, "auth", "login")
		if code != 2 || !strings.Contains(stderr, "--bot or --channel NAME") {
			t.Fatalf("auth login without a subject (exit %d): %s", code, stderr)
		}
	})
	t.Run("WrongKey", func(t *testing.T) {
		wrong := map[string]string{"HEARTH_SECRET_KEY": strings.Repeat("ab", 32)}
		for k, v := range env {
			wrong[k] = v
		}
		status, stderr, code := runAuth(t, wrong, "auth", "status")
		outputs = append(outputs, status, stderr)
		if code != 0 || !strings.Contains(status, "unusable: the stored token for somechannel does not open with HEARTH_SECRET_KEY") {
			t.Fatalf("status with the wrong key (exit %d):\n%s%s", code, status, stderr)
		}
		wrong["HEARTH_SECRET_KEY"] = "too short"
		_, stderr, code = runAuth(t, wrong, "auth", "status")
		if code != 1 || !strings.Contains(stderr, "secret_key (HEARTH_SECRET_KEY): the secret key must be 32 bytes") {
			t.Fatalf("status with a malformed key (exit %d): %s", code, stderr)
		}
	})
	t.Run("ServeWithWrongKey", func(t *testing.T) {
		bot := api.IssueToken("hearthbot", oauth.ScopeNames(oauth.BotScopes), time.Hour)
		if _, stderr, code := runAuth(t, env, "auth", "import", "--bot", "--token", bot.Access, "--refresh-token", bot.Refresh); code != 0 {
			t.Fatalf("import --bot (exit %d): %s", code, stderr)
		}
		wrong := map[string]string{"HEARTH_SECRET_KEY": strings.Repeat("cd", 32), "HEARTH_CHANNELS": "testchan", "HEARTH_HTTP_ADDR": "127.0.0.1:0"}
		for k, v := range env {
			wrong[k] = v
		}
		out, stderr, code := runAuth(t, wrong, "serve")
		outputs = append(outputs, out, stderr)
		if code != 1 || !strings.Contains(stderr, "the stored token for bot does not open with HEARTH_SECRET_KEY") {
			t.Fatalf("serve with the wrong key (exit %d):\n%s%s", code, out, stderr)
		}
	})
	t.Run("Logout", func(t *testing.T) {
		out, stderr, code := runAuth(t, env, "auth", "logout", "--channel", "somechannel")
		outputs = append(outputs, out, stderr)
		if code != 0 || !strings.Contains(out, "Signed #somechannel out") {
			t.Fatalf("logout (exit %d):\n%s%s", code, out, stderr)
		}
		o := &oauth.Client{BaseURL: api.AuthURL(), ClientID: api.ClientID()}
		if _, err := o.Validate(context.Background(), tok.Access); err == nil {
			t.Error("the token still works at Twitch after logout")
		}
		status, _, _ := runAuth(t, env, "auth", "status")
		if strings.Contains(status, "#somechannel") || !strings.Contains(status, "the bot: hearthbot") {
			t.Fatalf("status after logout:\n%s", status)
		}
	})
	for _, tok := range api.Issued() {
		for i, o := range outputs {
			if strings.Contains(o, tok) {
				t.Errorf("output %d holds a token the fake issued", i)
			}
		}
	}
}
