package main

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth/internal/testenv"
)

// TestDatabaseURLSecretsHidden checks that the secrets of a database URL
// (the user's password, and the password, sslpassword and sslkey
// parameters) show nowhere Hearth prints the URL: the start-up log, the
// errors of a URL that cannot be used.
func TestDatabaseURLSecretsHidden(t *testing.T) {
	secrets := []string{"pw-secret", "pw/secret", "q-secret", "kp-secret", "/keys/secret.pem"}
	hidden := func(t *testing.T, where, text string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows the secret %q:\n%s", where, s, text)
			}
		}
	}
	env := map[string]string{
		"HEARTH_CHANNELS":        "somechannel",
		"HEARTH_TWITCH_IRC_ADDR": "127.0.0.1:1",
		"HEARTH_SECRET_KEY":      strings.Repeat("ab", 32),
	}
	const params = "password=q-secret&sslpassword=kp-secret&sslkey=/keys/secret.pem"

	t.Run("ServeLog", func(t *testing.T) {
		schemaURL, _ := testenv.PostgresSchema(t)
		u, err := url.Parse(schemaURL)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(u.User.Username(), "pw-secret")
		u.RawQuery += "&sslmode=disable&" + params
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var out, errOut testenv.LogBuffer
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--http-addr", "127.0.0.1:0", "--db", u.String()}, &out, &errOut, func(k string) string { return env[k] })
		}()
		waitFor(t, "the start-up log", func() bool { return strings.Contains(errOut.String(), "hearth serving") })
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("serve: %v", err)
		}
		hidden(t, "the log", errOut.String()+out.String())
		if !strings.Contains(errOut.String(), "sslkey=xxxxx") {
			t.Errorf("the log does not show the URL redacted:\n%s", errOut.String())
		}
	})

	for _, tt := range []struct{ name, db string }{
		{"UnparsablePostgres", "postgres://u:pw-secret@127.0.0.1:bad/db?" + params},
		{"SlashInPassword", "postgres://u:pw/secret@127.0.0.1/db?" + params},
		{"UnknownScheme", "mysql://u:pw-secret@127.0.0.1/db?" + params},
		{"MistypedScheme", "postgres:/u:pw-secret@127.0.0.1/db?" + params},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			stdout, stderr, err := runCLI(t, ctx, env, "serve", "--http-addr", "127.0.0.1:0", "--db", tt.db)
			if err == nil {
				t.Fatalf("serve --db %s succeeded, want an error", tt.db)
			}
			hidden(t, "the error", err.Error()+"\n"+stdout+stderr)
		})
	}

	t.Run("ReplaySummary", func(t *testing.T) {
		db := "sqlite://" + filepath.Join(t.TempDir(), "r.db")
		_, stderr, err := runCLI(t, context.Background(), env, "replay", "--db", db, captureFile(t, 5))
		if err != nil {
			t.Fatalf("replay: %v", err)
		}
		if !strings.Contains(stderr, db) {
			t.Errorf("replay does not name its SQLite database %s as it is:\n%s", db, stderr)
		}
	})
}
