package oauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

func newKey(t *testing.T) *Sealer {
	t.Helper()
	key := make([]byte, KeySize)
	_, _ = rand.Read(key)
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newTokens returns Tokens over a fresh SQLite store and the fake's OAuth.
func newTokens(t *testing.T, api *twitchtest.API, o *Client, s *Sealer) (*Tokens, *sqlite.DB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hearth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return NewTokens(TokensConfig{Store: db, Sealer: s, KeySource: "the test key", Client: o}), db
}

// signIn stores a token the fake issued for login as subject's, with the
// lifetime given (shorter than the fake's, so that it is due sooner).
func signIn(t *testing.T, api *twitchtest.API, tokens *Tokens, subject, login string, life time.Duration) hearth.Token {
	t.Helper()
	issued := api.IssueToken(login, ScopeNames(BotScopes), time.Hour)
	v, err := tokens.cfg.Client.Validate(context.Background(), issued.Access)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.Save(context.Background(), subject, Grant{Access: issued.Access, Refresh: issued.Refresh, ExpiresIn: life}, v)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokensNotSignedIn(t *testing.T) {
	t.Parallel()
	api, o := newAPI(t)
	tokens, _ := newTokens(t, api, o, newKey(t))
	if _, err := tokens.Token(context.Background(), hearth.TokenBot); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("Token with nobody signed in = %v, want ENOTFOUND", err)
	}
}

func TestTokensRefreshWhenDue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	api, o := newAPI(t)
	key := newKey(t)
	tokens, db := newTokens(t, api, o, key)
	first := signIn(t, api, tokens, hearth.TokenBot, "hearthbot", time.Hour)

	got, err := tokens.Token(ctx, hearth.TokenBot)
	if err != nil {
		t.Fatal(err)
	}
	if got.Access != first.Access || got.Login != "hearthbot" || api.Refreshes() != 0 {
		t.Fatalf("a fresh token was refreshed (%d refreshes) or changed", api.Refreshes())
	}

	// A token past its refresh time is refreshed on the next use, and the
	// rotated refresh token is what the store keeps.
	signIn(t, api, tokens, hearth.TokenBot, "hearthbot", time.Millisecond)
	time.Sleep(2 * time.Millisecond)
	got, err = tokens.Token(ctx, hearth.TokenBot)
	if err != nil {
		t.Fatal(err)
	}
	if api.Refreshes() != 1 || !got.ExpiresAt.After(time.Now().Add(30*time.Minute)) || got.UserID != twitchtest.UserID("hearthbot") {
		t.Fatalf("after the due time: %d refreshes, expiry %v, user id %q", api.Refreshes(), got.ExpiresAt, got.UserID)
	}
	later := NewTokens(TokensConfig{Store: db, Sealer: key, Client: o})
	again, err := later.Token(ctx, hearth.TokenBot)
	if err != nil {
		t.Fatal(err)
	}
	if again.Access != got.Access || again.Refresh != got.Refresh {
		t.Error("the refreshed token was not stored")
	}
	if v, err := o.Validate(ctx, again.Access); err != nil || v.Login != "hearthbot" {
		t.Errorf("the stored token does not validate: %v", err)
	}
}

func TestTokensInvalidateRefreshesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	api, o := newAPI(t)
	tokens, _ := newTokens(t, api, o, newKey(t))
	first := signIn(t, api, tokens, "somechannel", "somechannel", time.Hour)

	tokens.Invalidate("somechannel")
	var wg sync.WaitGroup
	got := make([]hearth.Token, 20)
	errs := make([]error, 20)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = tokens.Token(ctx, "somechannel")
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if got[i].Access == first.Access || got[i].Access != got[0].Access {
			t.Fatalf("caller %d got another token than caller 0, or the invalidated one", i)
		}
	}
	if n := api.Refreshes(); n != 1 {
		t.Errorf("%d refreshes for 20 concurrent callers, want 1", n)
	}
}

func TestTokensRefusedRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	api, o := newAPI(t)
	tokens, _ := newTokens(t, api, o, newKey(t))
	tok := signIn(t, api, tokens, hearth.TokenBot, "hearthbot", time.Hour)
	if err := o.Revoke(ctx, tok.Access); err != nil {
		t.Fatal(err)
	}
	tokens.Invalidate(hearth.TokenBot)
	_, err := tokens.Token(ctx, hearth.TokenBot)
	if hearth.ErrorCode(err) != hearth.EUNAUTHORIZED || !strings.Contains(err.Error(), "hearth auth login --bot") {
		t.Fatalf("Token after the sign-in was revoked = %v, want EUNAUTHORIZED saying how to sign in again", err)
	}
	api.CheckNoSecrets(t, err)
}

func TestTokensWrongKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	api, o := newAPI(t)
	tokens, db := newTokens(t, api, o, newKey(t))
	signIn(t, api, tokens, hearth.TokenBot, "hearthbot", time.Hour)

	other := NewTokens(TokensConfig{Store: db, Sealer: newKey(t), KeySource: "HEARTH_SECRET_KEY", Client: o})
	_, err := other.Token(ctx, hearth.TokenBot)
	if hearth.ErrorCode(err) != hearth.EUNAUTHORIZED || !strings.Contains(err.Error(), "HEARTH_SECRET_KEY") {
		t.Fatalf("Token with another key = %v, want EUNAUTHORIZED naming the key's source", err)
	}
	api.CheckNoSecrets(t, err)
}

// runTokens runs tokens.Run until the returned stop is called; stop waits
// for Run to return.
func runTokens(tokens *Tokens) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tokens.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// waitRefreshed waits up to 30 s for api to see a token refreshed, and
// fails the test with failure if it does not.
func waitRefreshed(t *testing.T, api *twitchtest.API, failure string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for api.Refreshes() == 0 {
		if time.Now().After(deadline) {
			t.Fatal(failure)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestTokensRunRefreshes(t *testing.T) {
	t.Parallel()
	api, o := newAPI(t)
	tokens, _ := newTokens(t, api, o, newKey(t))
	signIn(t, api, tokens, hearth.TokenBot, "hearthbot", 2*time.Second)
	stop := runTokens(tokens)
	defer stop()
	waitRefreshed(t, api, "Run did not refresh a token due within 2 s")
}

func TestSealer(t *testing.T) {
	t.Parallel()
	s := newKey(t)
	sealed := s.seal("somechannel", secrets{Access: "a1", Refresh: "r1"})
	if bytes.Contains(sealed, []byte("a1")) || bytes.Contains(sealed, []byte("r1")) {
		t.Fatal("the sealed value holds a secret in the clear")
	}
	got, err := s.open("somechannel", sealed)
	if err != nil || got != (secrets{Access: "a1", Refresh: "r1"}) {
		t.Fatalf("open = %+v, %v", got, err)
	}
	if _, err := s.open("othersubject", sealed); !errors.Is(err, ErrWrongKey) {
		t.Errorf("another subject's sealed value opened: %v", err)
	}
	if _, err := newKey(t).open("somechannel", sealed); !errors.Is(err, ErrWrongKey) {
		t.Errorf("another key opened it: %v", err)
	}
	altered := bytes.Clone(sealed)
	altered[len(altered)-1] ^= 1
	if _, err := s.open("somechannel", altered); !errors.Is(err, ErrWrongKey) {
		t.Errorf("an altered value opened: %v", err)
	}
	if _, err := s.open("somechannel", sealed[:5]); !errors.Is(err, ErrWrongKey) {
		t.Errorf("a truncated value opened: %v", err)
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	raw := make([]byte, KeySize)
	_, _ = rand.Read(raw)
	for name, text := range map[string]string{
		"Hex":       hex.EncodeToString(raw),
		"Base64":    base64.StdEncoding.EncodeToString(raw) + "\n",
		"RawURL64":  base64.RawURLEncoding.EncodeToString(raw),
		"HexSpaced": "  " + hex.EncodeToString(raw) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ParseKey(text)
			if err != nil || !bytes.Equal(got, raw) {
				t.Fatalf("ParseKey = %x, %v", got, err)
			}
		})
	}
	for name, text := range map[string]string{
		"Empty":      "",
		"Passphrase": "correct horse battery staple",
		"ShortHex":   hex.EncodeToString(raw[:16]),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseKey(text); err == nil || !strings.Contains(err.Error(), "openssl rand -hex 32") {
				t.Fatalf("ParseKey(%q) = %v, want an error that says how to make a key", text, err)
			}
		})
	}
}

func TestKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hearth.key")
	if _, err := LoadKeyFile(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadKeyFile of no file = %v, want fs.ErrNotExist", err)
	}
	key, err := CreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	again, err := LoadKeyFile(path)
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("LoadKeyFile = %x, %v; want the key created", again, err)
	}
	if _, err := CreateKeyFile(path); err == nil {
		t.Fatal("CreateKeyFile replaced an existing key file")
	}
	if b, _ := LoadKeyFile(path); !bytes.Equal(b, key) {
		t.Fatal("the key changed")
	}
}

// TestTokensSharedStore has two token sources over one store, as two
// instances sharing PostgreSQL would: when one has refreshed (spending the
// refresh token), the other takes the stored token instead of failing.
func TestTokensSharedStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	api, o := newAPI(t)
	key := newKey(t)
	first, db := newTokens(t, api, o, key)
	signIn(t, api, first, hearth.TokenBot, "hearthbot", time.Hour)
	second := NewTokens(TokensConfig{Store: db, Sealer: key, Client: o})
	if _, err := second.Token(ctx, hearth.TokenBot); err != nil {
		t.Fatal(err)
	}

	first.Invalidate(hearth.TokenBot)
	refreshed, err := first.Token(ctx, hearth.TokenBot)
	if err != nil {
		t.Fatal(err)
	}
	second.Invalidate(hearth.TokenBot)
	got, err := second.Token(ctx, hearth.TokenBot)
	if err != nil {
		t.Fatalf("the second source, whose refresh token the first spent: %v", err)
	}
	if got.Access != refreshed.Access || api.Refreshes() != 1 {
		t.Errorf("the second source did not take the token the first stored (%d refreshes)", api.Refreshes())
	}
}

// TestTokensRunValidates stores a token that Twitch no longer accepts
// though its stored expiry is far off: Run's validation at start finds
// out and refreshes it.
func TestTokensRunValidates(t *testing.T) {
	t.Parallel()
	api, o := newAPI(t)
	tokens, _ := newTokens(t, api, o, newKey(t))
	dead := api.IssueToken("hearthbot", ScopeNames(BotScopes), time.Millisecond)
	time.Sleep(2 * time.Millisecond)
	v := Validation{Login: "hearthbot", UserID: twitchtest.UserID("hearthbot"), Scopes: ScopeNames(BotScopes)}
	if _, err := tokens.Save(context.Background(), hearth.TokenBot, Grant{Access: dead.Access, Refresh: dead.Refresh, ExpiresIn: time.Hour}, v); err != nil {
		t.Fatal(err)
	}
	stop := runTokens(tokens)
	defer stop()
	waitRefreshed(t, api, "Run did not refresh a token that /validate refuses")
	tok, err := tokens.Token(context.Background(), hearth.TokenBot)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Validate(context.Background(), tok.Access); err != nil {
		t.Fatalf("the refreshed token does not validate: %v", err)
	}
}

// warnings keeps the messages of the records logged at WARN or above, with
// their attributes.
type warnings struct {
	mu    sync.Mutex
	lines []string
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler           { return w }
func (w *warnings) WithGroup(string) slog.Handler                { return w }
func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	line := r.Message
	r.Attrs(func(a slog.Attr) bool {
		line += " " + a.String()
		return true
	})
	w.mu.Lock()
	w.lines = append(w.lines, line)
	w.mu.Unlock()
	return nil
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.lines)
}

// TestTokensRunBacksOffARefusedToken stores a token that Twitch refuses
// and will not refresh (revoked, or issued by a fake Twitch that is gone)
// and that Helix or EventSub already marked as refused: Run must not ask
// Twitch about it again once a second, but a minute later, then further
// apart.
func TestTokensRunBacksOffARefusedToken(t *testing.T) {
	ctx := context.Background()
	api, o := newAPI(t)
	tokens, _ := newTokens(t, api, o, newKey(t))
	logs := &warnings{}
	tokens.log = slog.New(logs)
	tok := signIn(t, api, tokens, hearth.TokenBot, "hearthbot", time.Hour)
	if err := o.Revoke(ctx, tok.Access); err != nil {
		t.Fatal(err)
	}
	tokens.Invalidate(hearth.TokenBot)
	stop := runTokens(tokens)
	deadline := time.Now().Add(10 * time.Second)
	for len(logs.all()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Run logged nothing about a token Twitch refuses")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Long enough for two more tries at the old pace of one a second.
	time.Sleep(2500 * time.Millisecond)
	stop()
	got := logs.all()
	if len(got) != 1 {
		t.Fatalf("Run logged %d warnings in 2.5 s about one refused token, want 1 (the next try is a minute away):\n%s", len(got), strings.Join(got, "\n"))
	}
	if !strings.Contains(got[0], "retry_in=1m0s") || !strings.Contains(got[0], "hearth auth login --bot") {
		t.Fatalf("the warning does not say when Run tries again and how to sign in again: %s", got[0])
	}
}

// TestTokensRetryDelay: a minute after the first failure, doubling up to
// the hour between validations.
func TestTokensRetryDelay(t *testing.T) {
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := retryDelay(i + 1); got != w {
			t.Errorf("after %d failures: %v, want %v", i+1, got, w)
		}
	}
}
