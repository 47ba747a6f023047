package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// runCLI calls run as main would, with env as the whole environment, and
// returns what it wrote.
func runCLI(t *testing.T, ctx context.Context, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut testenv.LogBuffer
	err = run(ctx, args, &out, &errOut, func(k string) string { return env[k] })
	return out.String(), errOut.String(), err
}

// captureFile writes the first n lines of the real capture to a file.
func captureFile(t *testing.T, n int) string {
	t.Helper()
	lines, err := twitchtest.CaptureLines()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "capture.log")
	if err := os.WriteFile(path, []byte(strings.Join(lines[:n], "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHelpGoesToStdoutAndSucceeds(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "Usage: hearth <command>"},
		{[]string{"-h"}, "Usage: hearth <command>"},
		{[]string{"help"}, "Usage: hearth <command>"},
		{[]string{"help", "replay"}, "Usage: hearth replay [flags] FILE"},
		{[]string{"replay", "-h"}, "--speed"},
		{[]string{"replay", "--help"}, "--append"},
		{[]string{"replay", "some.log", "--help"}, "--append"},
		{[]string{"export", "-h"}, "--channel"},
		{[]string{"demo", "--help"}, "--viewers"},
		{[]string{"help", "serve"}, "--bot-token"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			out, errOut, err := runCLI(t, context.Background(), nil, tt.args...)
			if err != nil || !strings.Contains(out, tt.want) || errOut != "" {
				t.Fatalf("err %v; stdout lacks %q:\n%s\nstderr:\n%s", err, tt.want, out, errOut)
			}
		})
	}
}

// TestCommandsTakeOnlyTheirFlags: export reads a database; it has no use
// for the bot's token or an HTTP address.
func TestCommandsTakeOnlyTheirFlags(t *testing.T) {
	out, _, err := runCLI(t, context.Background(), nil, "export", "-h")
	if err != nil {
		t.Fatal(err)
	}
	for _, flagName := range []string{"--bot-token", "--http-addr", "--admin-token", "--twitch-irc-addr", "--points-per-message"} {
		if strings.Contains(out, flagName+" ") || strings.Contains(out, flagName+"\n") {
			t.Errorf("export -h lists %s", flagName)
		}
	}
	_, _, err = runCLI(t, context.Background(), nil, "export", "--bot-token", "x", "--channel", "a")
	var usage *usageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), "bot-token") {
		t.Fatalf("export --bot-token: %v, want a usage error naming the flag", err)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
		hint string
	}{
		{"NoCommand", nil, "no command given", `"hearth help"`},
		{"UnknownCommand", []string{"serv"}, `did you mean "serve"?`, `"hearth help"`},
		{"Transposed", []string{"exprot"}, `did you mean "export"?`, `"hearth help"`},
		{"NothingClose", []string{"frobnicate"}, `unknown command "frobnicate"`, `"hearth help"`},
		{"MissingFile", []string{"replay", "--json"}, "replay needs FILE", `"hearth help replay"`},
		{"TwoFiles", []string{"replay", "a.log", "b.log"}, `got 2 arguments: "a.log" "b.log"`, `"hearth help replay"`},
		{"UnknownFlag", []string{"backup", "--nope", "x"}, "-nope", `"hearth help backup"`},
		{"MistypedFlag", []string{"demo", "--http-adr", ":0"}, "unknown flag --http-adr; did you mean --http-addr?", `"hearth help demo"`},
		{"ExtraArgument", []string{"demo", "now"}, `demo takes no arguments, got "now"`, `"hearth help demo"`},
		{"HelpForNothing", []string{"help", "serv"}, `did you mean "serve"?`, `"hearth help"`},
		{"BadSpeed", []string{"replay", "x.log", "--speed", "fast"}, "--speed", `"hearth help replay"`},
		{"FlagsWithNoCommand", []string{"--json", "--speed", "max"}, `"--json" is not a command: name one (serve, demo`, `"hearth help"`},
		{"FlagValueIsNoCommand", []string{"--db", "demo"}, `"--db" is not a command`, `"hearth help"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCLI(t, context.Background(), nil, tt.args...)
			var stderr bytes.Buffer
			code := exitCode(err, &stderr)
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if code != 2 || len(lines) != 2 || !strings.Contains(lines[0], tt.want) || !strings.Contains(lines[1], tt.hint) {
				t.Fatalf("exit %d, stderr:\n%s\nwant %q and a one-line hint to %s", code, stderr.String(), tt.want, tt.hint)
			}
		})
	}
}

// TestBinaryExitStatus runs the real binary: help exits 0 on stdout, a
// usage error exits 2.
func TestBinaryExitStatus(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args   []string
		status int
		stdout string
		stderr string
	}{
		{[]string{"export", "-h"}, 0, "Usage: hearth export", ""},
		{[]string{"--help"}, 0, "Commands:", ""},
		{[]string{"replay"}, 2, "", `run "hearth help replay" for usage`},
		{[]string{"version"}, 0, "hearth ", ""},
	} {
		cmd := exec.Command(hearthBin, tt.args...)
		cmd.Dir = t.TempDir()
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		status := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			status = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if status != tt.status || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
			t.Errorf("hearth %s: status %d, stdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), status, stdout.String(), stderr.String())
		}
	}
}

// TestFlagsAndArgumentsInAnyOrder replays in the order the README writes,
// and with the flags first.
func TestFlagsAndArgumentsInAnyOrder(t *testing.T) {
	t.Parallel()
	file := captureFile(t, 200)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, args := range [][]string{
		{"replay", file, "--speed", "max", "--db", "sqlite://" + filepath.Join(t.TempDir(), "a.db"), "--json"},
		{"replay", "--json", file},
		{"replay", "--json", "--", file},
		{"--json", "replay", file},
		{"--speed", "max", "--json", "replay", file},
		{"--db", "sqlite://" + filepath.Join(t.TempDir(), "b.db"), file, "replay", "--json"},
	} {
		out, _, err := runCLI(t, ctx, nil, args...)
		var s ReplaySummary
		if err != nil || json.Unmarshal([]byte(out), &s) != nil || s.Lines == 0 {
			t.Fatalf("hearth %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestDoubleDashEndsFlags backs up to a file whose name starts with a dash.
func TestDoubleDashEndsFlags(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, _, err := runCLI(t, ctx, nil, "replay", captureFile(t, 50), "--db", db); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if _, _, err := runCLI(t, ctx, nil, "backup", "--db", db, "--", "-copy.db"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "-copy.db")); err != nil {
		t.Fatal(err)
	}
}

// TestNestedCommands checks that a command with subcommands (as auth will
// be) dispatches, helps and suggests like the top level.
func TestNestedCommands(t *testing.T) {
	var ran []string
	leaf := func(name string) *command {
		return &command{name: name, summary: name + " things", maxArgs: 1, args: "[WHO]", keys: []string{"bot.username"},
			setup: func(fs *flag.FlagSet) runFunc {
				force := fs.Bool("force", false, "do it anyway")
				return func(_ context.Context, inv *invocation) error {
					ran = append(ran, fmt.Sprintf("%s %v %v %s", name, inv.args, *force, inv.cfg.BotUsername))
					return nil
				}
			}}
	}
	root := &command{name: "hearth", subcommands: []*command{
		{name: "auth", summary: "sign in to Twitch", subcommands: []*command{leaf("login"), leaf("status")}},
		{name: "help", maxArgs: 3, setup: plain(runHelp)},
	}}
	exec := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := execute(context.Background(), root, args, &out, &out, func(string) string { return "" })
		return out.String(), err
	}
	if _, err := exec("auth", "login", "me", "--force", "--bot-username", "@Bot"); err != nil || len(ran) != 1 || ran[0] != "login [me] true bot" {
		t.Fatalf("auth login: %v, ran %q", err, ran)
	}
	if out, err := exec("help", "auth"); err != nil || !strings.Contains(out, "login") || !strings.Contains(out, "status") {
		t.Fatalf("help auth: %v\n%s", err, out)
	}
	if out, err := exec("auth", "status", "-h"); err != nil || !strings.Contains(out, "Usage: hearth auth status [flags] [WHO]") || !strings.Contains(out, "--force") {
		t.Fatalf("auth status -h: %v\n%s", err, out)
	}
	if _, err := exec("auth"); err == nil || !strings.Contains(err.Error(), "auth needs a subcommand: login, status") {
		t.Fatalf("auth alone: %v", err)
	}
	var usage *usageError
	if _, err := exec("auth", "logni"); !errors.As(err, &usage) || !strings.Contains(err.Error(), `did you mean "auth login"?`) || usage.path != "auth" {
		t.Fatalf("auth logni: %v", err)
	}
}

// TestEveryFlagOfEveryCommand gives each command, one at a time, every
// flag its help lists with a plausible value: none may panic, each ends in
// success or a clean error. (replay --http-addr once hit a nil pointer.)
func TestEveryFlagOfEveryCommand(t *testing.T) {
	capture := captureFile(t, 50)
	db := "sqlite://" + filepath.Join(t.TempDir(), "seed.db")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, _, err := runCLI(t, ctx, nil, "replay", capture, "--db", db); err != nil {
		t.Fatal(err)
	}
	cancelled, stop := context.WithCancel(context.Background())
	stop()
	// An empty database with every migration applied: each replay below
	// starts from a copy. Migrating 48 new files cost more than the
	// replays themselves; the migrations and a replay into a new file have
	// tests of their own.
	empty := filepath.Join(t.TempDir(), "empty.db")
	if st, err := sqlite.Open(ctx, empty); err != nil {
		t.Fatal(err)
	} else if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	emptyData, err := os.ReadFile(empty)
	if err != nil {
		t.Fatal(err)
	}

	for _, leaf := range leafCommands(cli, nil) {
		fs, _, _ := flagSet(leaf.cmd)
		path := strings.Join(leaf.words, " ")
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		for _, name := range names {
			t.Run(strings.Join(leaf.words, "_")+"_"+name, func(t *testing.T) {
				dir := t.TempDir()
				value := plausible(t, name, fs.Lookup(name), dir, db)
				args := append(slices.Clone(leaf.words), "--"+name+"="+value)
				runCtx := ctx
				switch path {
				case "replay":
					args = append(args, capture)
					if name != "db" {
						fresh := filepath.Join(dir, "fresh.db")
						if err := os.WriteFile(fresh, emptyData, 0o600); err != nil {
							t.Fatal(err)
						}
						args = append(args, "--db", fresh)
					}
				case "backup":
					args = append(args, filepath.Join(dir, "backup.db"))
				case "export", "forget":
					args = append(args, "--channel", "xqcow", "--user", "nobody")
					if path == "export" {
						args = args[:len(args)-2]
					}
					if name != "db" {
						args = append(args, "--db", db)
					}
				case "serve", "demo", "healthcheck":
					// Long-running or network-bound: the flag is read and
					// the configuration loaded, then the run stops at once.
					runCtx = cancelled
					args = append(args, "--http-addr", "127.0.0.1:0")
				case "auth login", "auth import", "auth status", "auth logout":
					// They call Twitch: the configuration is loaded, then
					// the run stops at once.
					runCtx = cancelled
				case "help":
					return
				}
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Fatalf("hearth %s panicked: %v", strings.Join(args, " "), p)
						}
					}()
					t.Chdir(dir)
					_, _, err := runCLI(t, runCtx, map[string]string{"HEARTH_TWITCH_IRC_ADDR": "127.0.0.1:1"}, args...)
					if err != nil && (strings.Contains(err.Error(), "flag provided but not defined") || strings.Contains(err.Error(), "invalid value")) {
						t.Fatalf("hearth %s: %v", strings.Join(args, " "), err)
					}
				}()
			})
		}
	}
}

// leafCommand is a command that runs, with the words that name it.
type leafCommand struct {
	words []string
	cmd   *command
}

// leafCommands returns the commands under c that run, depth first.
func leafCommands(c *command, words []string) []leafCommand {
	var out []leafCommand
	for _, sub := range c.subcommands {
		w := append(slices.Clone(words), sub.name)
		if len(sub.subcommands) > 0 {
			out = append(out, leafCommands(sub, w)...)
			continue
		}
		out = append(out, leafCommand{words: w, cmd: sub})
	}
	return out
}

// plausible returns a value a user could give the flag.
func plausible(t *testing.T, name string, f *flag.Flag, dir, db string) string {
	t.Helper()
	switch name {
	case "config":
		path := filepath.Join(dir, "hearth.yaml")
		if err := os.WriteFile(path, []byte("points:\n  per_message: 5\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	case "db":
		return db
	case "http-addr":
		return "127.0.0.1:0"
	case "channels", "channel":
		return "xqcow"
	case "user", "bot-username":
		return "somebody"
	case "out":
		return filepath.Join(dir, "out.json")
	case "format":
		return "csv"
	case "speed":
		return "100"
	case "twitch-irc-addr":
		return "127.0.0.1:1"
	case "twitch-irc-tls":
		return "false"
	}
	if f.DefValue != "" {
		return f.DefValue
	}
	return "x"
}
