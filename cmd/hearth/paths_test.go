package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDatabaseDirectoryMustExist: a SQLite database in a directory that
// does not exist is an error that names the directory and says what to
// do; Hearth creates no directory and no key file.
func TestDatabaseDirectoryMustExist(t *testing.T) {
	root := t.TempDir()
	missing := filepath.Join(root, "nonexistent_dir", "sub")
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, db, dir, want string }{
		{"Missing", "sqlite://" + filepath.Join(missing, "x.db"), missing, "does not exist"},
		{"PlainPath", filepath.Join(missing, "x.db"), missing, "does not exist"},
		{"NotADirectory", "sqlite://" + filepath.Join(file, "x.db"), file, "not a directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, err := openStore(context.Background(), tt.db)
			if err == nil {
				st.Close()
				t.Fatalf("openStore(%s) succeeded, want an error", tt.db)
			}
			for _, w := range []string{tt.dir, tt.want, "--db"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("openStore(%s) = %v, want it to mention %q", tt.db, err, w)
				}
			}
		})
	}
	env := map[string]string{"HEARTH_TWITCH_IRC_ADDR": "127.0.0.1:1", "HEARTH_CHANNELS": "somechannel"}
	// Were the directory made, serve would run until this deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _, err := runCLI(t, ctx, env, "serve", "--http-addr", "127.0.0.1:0", "--db", "sqlite://"+filepath.Join(missing, "x.db"))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("serve: %v, want an error saying the directory does not exist", err)
	}
	if _, err := os.Stat(filepath.Join(root, "nonexistent_dir")); !os.IsNotExist(err) {
		t.Fatalf("the missing directory was created (%v)", err)
	}
	// demo refuses it before starting its fake Twitch, so the error is
	// about the database and nothing else.
	_, _, err = runCLI(t, ctx, nil, "demo", "--http-addr", "127.0.0.1:0", "--db", "sqlite://"+filepath.Join(missing, "x.db"))
	if err == nil || !strings.HasPrefix(err.Error(), "the database directory "+missing+" does not exist") {
		t.Fatalf("demo: %v, want an error that starts by naming the missing directory", err)
	}
}

// TestReplayCreatesNoKey: replay signs nothing in to Twitch, so it leaves
// no key file beside the database it fills.
func TestReplayCreatesNoKey(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := runCLI(t, context.Background(), nil, "replay", "--db", "sqlite://"+filepath.Join(dir, "r.db"), captureFile(t, 5)); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "hearth.key")); !os.IsNotExist(err) {
		t.Fatalf("replay left a key file beside the database (%v)", err)
	}
}
