package main

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// waitExit waits for p to exit, at most timeout, and returns its exit code.
func (p *proc) waitExit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s still runs %v later", p.name, timeout)
	}
	var exit *exec.ExitError
	switch {
	case p.err == nil:
		return 0
	case errors.As(p.err, &exit):
		return exit.ExitCode()
	}
	t.Fatalf("%s: %v", p.name, p.err)
	return -1
}

// holdPort listens on a free loopback port for the whole test and returns
// its address.
func holdPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

// silentChatServer starts a chat server that accepts connections and never answers
// the login.
func silentChatServer(t *testing.T) *twitchtest.Silent {
	t.Helper()
	srv, err := twitchtest.NewSilent()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// TestTakenPortExitsWithAdvice starts demo and serve on a port another
// process holds, with a chat server that answers: each must exit non-zero
// at once, say which address is taken and how to change it, and leave no
// file behind (demo made a temporary directory with a database and a key
// before it bound).
func TestTakenPortExitsWithAdvice(t *testing.T) {
	t.Parallel()
	srv := newChatServer(t)
	addr := holdPort(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"Demo", nil, []string{"demo", "--http-addr", addr}},
		{"Serve", map[string]string{
			"HEARTH_TWITCH_IRC_ADDR": srv.Addr(),
			"HEARTH_TWITCH_IRC_TLS":  "false",
			"HEARTH_CHANNELS":        "testchan",
			"HEARTH_HTTP_ADDR":       addr,
			"HEARTH_DATABASE_URL":    "sqlite://" + filepath.Join(t.TempDir(), "serve.db"),
		}, []string{"serve"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			env := map[string]string{"TMPDIR": tmp}
			for k, v := range tt.env {
				env[k] = v
			}
			p := startHearth(t, env, tt.args...)
			if code := p.waitExit(t, 30*time.Second); code == 0 {
				t.Fatal("exited 0 with its HTTP port taken")
			}
			want := "cannot listen on " + addr + ": address already in use (set HEARTH_HTTP_ADDR or --http-addr"
			if out := p.output(); !strings.Contains(out, want) {
				t.Fatalf("the output does not say %q:\n%s", want, out)
			}
			for _, dir := range []string{tmp, p.cmd.Dir} {
				entries, err := os.ReadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range entries {
					t.Errorf("left %s behind", filepath.Join(dir, e.Name()))
				}
			}
		})
	}
}

// TestSIGTERMWhileChatIgnoresTheLogin stops serve while its chat server
// has accepted the connection and never answered: shutdown must not
// depend on the server, and end cleanly.
func TestSIGTERMWhileChatIgnoresTheLogin(t *testing.T) {
	t.Parallel()
	chat := silentChatServer(t)
	p := startHearth(t, map[string]string{
		"HEARTH_TWITCH_IRC_ADDR": chat.Addr(),
		"HEARTH_TWITCH_IRC_TLS":  "false",
		"HEARTH_CHANNELS":        "testchan",
		"HEARTH_HTTP_ADDR":       "127.0.0.1:0",
		"HEARTH_DATABASE_URL":    "sqlite://" + filepath.Join(t.TempDir(), "serve.db"),
	}, "serve")
	p.waitLine(t, `hearth serving`, 30*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for chat.Accepted() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("hearth never connected to the chat server")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.waitExit(t, 10*time.Second); code != 0 {
		t.Fatalf("exited %d after SIGTERM; want 0", code)
	}
	p.waitLine(t, `stopped cleanly`, time.Second)
}

// TestUnknownDatabaseURLRefused runs serve and demo with database URLs
// that name no form Hearth accepts: each must exit non-zero with the error
// first, list the forms it accepts, and create no file.
func TestUnknownDatabaseURLRefused(t *testing.T) {
	t.Parallel()
	for _, dbURL := range []string{"mysql://root@127.0.0.1/test", "sqlite//./x.db", "sqlite:x.db"} {
		for _, cmd := range []string{"serve", "demo"} {
			t.Run(cmd+"/"+dbURL, func(t *testing.T) {
				p := startHearth(t, map[string]string{
					"HEARTH_CHANNELS":     "testchan",
					"HEARTH_HTTP_ADDR":    "127.0.0.1:0",
					"HEARTH_DATABASE_URL": dbURL,
				}, cmd)
				if code := p.waitExit(t, 30*time.Second); code == 0 {
					t.Fatal("exited 0")
				}
				out := p.output()
				if !strings.Contains(out, "hearth: database URL") || !strings.Contains(out, "sqlite:///") || !strings.Contains(out, "postgres://") {
					t.Fatalf("the error does not name the URL and the accepted forms:\n%s", out)
				}
				entries, err := os.ReadDir(p.cmd.Dir)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range entries {
					t.Errorf("created %s", e.Name())
				}
			})
		}
	}
}

func TestCheckDatabaseURL(t *testing.T) {
	tests := []struct {
		url  string
		ok   bool
		path string
	}{
		{"sqlite:///var/lib/hearth/hearth.db", true, "/var/lib/hearth/hearth.db"},
		{"sqlite://./hearth.db", true, "./hearth.db"},
		{"sqlite://hearth.db", true, "hearth.db"},
		{"./hearth.db", true, "./hearth.db"},
		{"hearth.db", true, "hearth.db"},
		{"/data/hearth.db", true, "/data/hearth.db"},
		{"data/hearth.db", true, "data/hearth.db"},
		{"C:/data/hearth.db", true, "C:/data/hearth.db"},
		{"postgres://postgres@127.0.0.1:5432/test?sslmode=disable", true, ""},
		{"postgresql://postgres@127.0.0.1/test", true, ""},
		{"", false, ""},
		{"sqlite://", false, ""},
		{"sqlite:hearth.db", false, ""},
		{"sqlite:/hearth.db", false, ""},
		{"sqlite//./x.db", false, ""},
		{"postgres//127.0.0.1/test", false, ""},
		{"mysql://root@127.0.0.1/test", false, ""},
		{"file:hearth.db", false, ""},
		{"Postgres://127.0.0.1/test", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := checkDatabaseURL(tt.url)
			if (err == nil) != tt.ok {
				t.Fatalf("checkDatabaseURL(%q) = %v; want ok %v", tt.url, err, tt.ok)
			}
			if err != nil && tt.url != "" && !strings.Contains(err.Error(), "sqlite:///") {
				t.Fatalf("the error %q does not name the accepted forms", err)
			}
			if tt.path != "" {
				if got := sqlitePath(tt.url); got != tt.path {
					t.Fatalf("sqlitePath(%q) = %q; want %q", tt.url, got, tt.path)
				}
			}
		})
	}
}

// TestCloseStopsWaitingAtItsDeadline has a part that never returns: wait
// must give up when its context ends and name that part.
func TestCloseStopsWaitingAtItsDeadline(t *testing.T) {
	var ps parts
	release := make(chan struct{})
	defer close(release)
	ps.start("stuck part", func() { <-release })
	ps.start("quick part", func() {})
	for {
		ps.mu.Lock()
		n := ps.running["quick part"]
		ps.mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := ps.wait(ctx)
	if err == nil || !strings.Contains(err.Error(), "stuck part") || strings.Contains(err.Error(), "quick part") {
		t.Fatalf("wait returned %v; want an error naming the stuck part only", err)
	}
}

// TestCloseAtItsDeadlineAfterEveryPartStopped: parts that all returned are
// no failure, even when wait is called with its time already run out.
// It used to name no part: "still running when the shutdown timed out: : ".
func TestCloseAtItsDeadlineAfterEveryPartStopped(t *testing.T) {
	var ps parts
	ps.start("quick part", func() {})
	ps.wg.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 50 {
		if err := ps.wait(ctx); err != nil {
			t.Fatalf("wait returned %v with every part stopped", err)
		}
	}
}
