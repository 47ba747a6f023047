package main

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth/community"
)

func loadConfig(t *testing.T, args []string, env map[string]string, file string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	load := configFlags(fs, allKeys())
	if file != "" {
		path := filepath.Join(t.TempDir(), "hearth.yaml")
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"--config", path}, args...)
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	return load(func(k string) string { return env[k] })
}

func TestConfigPrecedence(t *testing.T) {
	file := "http_addr: ':1111'\nchannels: [FileChan]\ntwitch:\n  irc_addr: file:6667\n  irc_tls: false\npoints:\n  per_message: 3\n"
	env := map[string]string{"HEARTH_HTTP_ADDR": ":2222", "HEARTH_TWITCH_IRC_ADDR": "env:6667", "HEARTH_CHAT_CONNECTIONS": "2"}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		file string
		want func(Config) string
	}{
		{"Defaults", nil, nil, "", func(c Config) string {
			if c.HTTPAddr != ":8080" || c.DatabaseURL != "sqlite://./hearth.db" || !c.TwitchIRCTLS || c.Rules.PointsPerMessage != 10 || c.Rules.MessageCooldown != 30*time.Second || c.ChatUserLimit != 20 || c.ChatConnections != 1 {
				return "defaults wrong"
			}
			return ""
		}},
		{"FileOverDefault", nil, nil, file, func(c Config) string {
			if c.HTTPAddr != ":1111" || c.TwitchIRCAddr != "file:6667" || c.TwitchIRCTLS || c.Rules.PointsPerMessage != 3 || strings.Join(c.Channels, ",") != "filechan" {
				return "file not applied"
			}
			return ""
		}},
		{"EnvOverFile", nil, env, file, func(c Config) string {
			if c.HTTPAddr != ":2222" || c.TwitchIRCAddr != "env:6667" || c.Rules.PointsPerMessage != 3 || c.ChatConnections != 2 {
				return "env not over file"
			}
			return ""
		}},
		{"FlagOverEnv", []string{"--http-addr", ":3333", "--channels", "#a, B"}, env, file, func(c Config) string {
			if c.HTTPAddr != ":3333" || c.TwitchIRCAddr != "env:6667" || strings.Join(c.Channels, ",") != "a,b" {
				return "flag not over env"
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(t, tt.args, tt.env, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.want(c); msg != "" {
				t.Fatalf("%s: %+v", msg, c)
			}
		})
	}
}

func TestConfigSecretFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(t, nil, map[string]string{"HEARTH_ADMIN_TOKEN_FILE": path}, "")
	if err != nil || c.AdminToken != "s3cret" {
		t.Fatalf("admin token %q, err %v", c.AdminToken, err)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		file string
		want string
	}{
		{"UnknownFileKey", nil, nil, "htp_addr: x\n", `unknown key "htp_addr"`},
		{"BadYAML", nil, nil, "channels: [\n", "not valid YAML"},
		{"BadBool", nil, map[string]string{"HEARTH_TWITCH_IRC_TLS": "yes please"}, "", "HEARTH_TWITCH_IRC_TLS"},
		{"BadDuration", []string{"--points-message-cooldown", "soon"}, nil, "", "--points-message-cooldown"},
		{"NegativePoints", nil, nil, "points:\n  per_message: -5\n", "points.per_message"},
		{"BadChannel", nil, map[string]string{"HEARTH_CHANNELS": "good,<bad>"}, "", `"<bad>" is not a Twitch channel name`},
		{"LimitOverTwitch", []string{"--chat-user-limit", "500"}, nil, "", "--chat-user-limit"},
		{"NoChatConnection", []string{"--chat-connections", "0"}, nil, "", "--chat-connections"},
		{"NestedList", nil, nil, "channels: [[a]]\n", "list of plain values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(t, tt.args, tt.env, tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestConfigDuplicateKeys: a key given twice in the file, at any depth and
// whether written dotted or nested, is refused with both lines named, on
// every load; neither value wins by the order of a map.
func TestConfigDuplicateKeys(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
	}{
		{"DottedThenNested", "points.per_message: -1\npoints:\n  per_message: 5\n", []string{"points.per_message", "line 1", "line 3"}},
		{"NestedThenDotted", "points:\n  per_message: 5\npoints.per_message: 7\n", []string{"points.per_message", "line 2", "line 3"}},
		{"SameLevel", "log_level: info\nchannels: [a]\nlog_level: warn\n", []string{"log_level", "line 1", "line 3"}},
		{"Nested", "points:\n  per_message: 5\n  presence: 1\n  per_message: 6\n", []string{"points.per_message", "line 2", "line 4"}},
		{"SectionTwice", "points:\n  per_message: 5\ntwitch:\n  irc_tls: false\npoints:\n  presence: 2\n", []string{"points", "line 1", "line 5"}},
		{"PartlyDotted", "overrides:\n  small:\n    points.per_message: 3\n    points:\n      per_message: 4\n", []string{"overrides.small.points.per_message", "line 3", "line 5"}},
		{"OverrideChannelCase", "overrides:\n  Small:\n    language: de\n  small:\n    language: fr\n", []string{"overrides.small.language", "line 3", "line 5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Map order changes from one load to the next: every load
			// must give the same answer.
			for range 20 {
				_, err := loadConfig(t, nil, nil, tt.file)
				for _, w := range tt.want {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Fatalf("err = %v, want it to mention %q", err, w)
					}
				}
			}
		})
	}
}

// TestConfigShapes: a list where one value belongs, or one value where a
// list belongs, is refused naming the key, in the file and in an
// override; the items of a list are never joined into one value.
func TestConfigShapes(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"ListForToken", "admin_token: [abc, def]\n", "admin_token"},
		{"ListForPrefix", "commands:\n  prefix: ['!', '?']\n", "commands.prefix"},
		{"ListForLogLevel", "log_level: [warn]\n", "log_level"},
		{"ListForNumber", "points.per_message: [5]\n", "points.per_message"},
		{"ValueForChannels", "channels: mychannel\n", "channels"},
		{"CommaValueForChannels", "channels: 'a,b'\n", "channels"},
		{"ValueForBots", "bots: nightbot\n", "bots"},
		{"ValueForLadder", "ranks:\n  ladder: 'Newcomer:0,Regular:500'\n", "ranks.ladder"},
		{"CommaInListItem", "channels: ['a,b']\n", "channels"},
		{"ListInOverride", "channels: [small]\noverrides:\n  small:\n    commands.prefix: ['!']\n", "overrides.small.commands.prefix"},
		{"ValueInOverride", "channels: [small]\noverrides:\n  small:\n    bots: somebot\n", "overrides.small.bots"},
		{"RankNameTwice", "ranks:\n  ladder: [Regular:0, Hero:10, Regular:20]\n", "ranks.ladder"},
		{"RankNameTwiceInOverride", "channels: [small]\noverrides:\n  small:\n    ranks.ladder: [A:0, a:5]\n", "overrides.small.ranks.ladder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(t, nil, nil, tt.file)
			if err == nil {
				_, err = c.RulesFor("small")
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to name %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "abc") {
				t.Fatalf("err = %v shows the secret", err)
			}
		})
	}
	// The right shapes load.
	c, err := loadConfig(t, nil, nil, "channels: [a, b]\nbots: []\nadmin_token: abc\nranks:\n  ladder: [Newcomer:0, Regular:500]\ncommands:\n  prefix: '?'\n")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Channels, ",") != "a,b" || len(c.Rules.Ranks) != 2 || c.Rules.CommandPrefix != "?" || c.AdminToken != "abc" {
		t.Fatalf("loaded %+v", c)
	}
}

func TestConfigMissingExplicitFile(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	load := configFlags(fs, nil)
	if err := fs.Parse([]string{"--config", filepath.Join(t.TempDir(), "nope.yaml")}); err != nil {
		t.Fatal(err)
	}
	if _, err := load(func(string) string { return "" }); err == nil {
		t.Fatal("a missing --config file was accepted")
	}
}

// TestDocsDocumentEveryKey keeps the configuration table of the manual
// (docs/configuration.md) in step with configKeys: every key has its row,
// naming its YAML key, variable and flag, and every row is a key.
func TestDocsDocumentEveryKey(t *testing.T) {
	const page = "../../docs/configuration.md"
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		// The key table's rows: YAML key, variable, flag, default, meaning.
		if len(cells) < 5 || !strings.HasPrefix(cells[1], "`HEARTH_") {
			continue
		}
		if _, ok := rows[cells[0]]; ok {
			t.Errorf("%s: two rows for %s", page, cells[0])
		}
		rows[cells[0]] = cells
	}
	for _, k := range configKeys {
		want := []string{"`" + k.yaml + "`", "`" + k.env + "`", "`--" + k.flag + "`"}
		row, ok := rows[want[0]]
		switch {
		case !ok:
			t.Errorf("%s has no row for %s", page, k.yaml)
		case !slices.Equal(row[:3], want):
			t.Errorf("%s: the row of %s reads %q, want %q", page, k.yaml, row[:3], want)
		}
		delete(rows, want[0])
	}
	for key := range rows {
		t.Errorf("%s has a row for %s, which is no configuration key", page, key)
	}
}

func FuzzConfigFile(f *testing.F) {
	f.Add("http_addr: ':1'\nchannels: [a, b]\npoints:\n  per_message: 5\n")
	f.Add("twitch: {irc_tls: maybe}")
	f.Add("- a\n- b\n")
	f.Add("channels: &a [*a]")
	f.Add("points.per_message: -1\npoints:\n  per_message: 5\n")
	f.Add("overrides:\n  Small:\n    language: de\n  small:\n    points.per_message: 3\n    points: {per_message: 4}\n")
	f.Add("a: &x {b: *x}\n")
	f.Fuzz(func(t *testing.T, doc string) {
		path := filepath.Join(t.TempDir(), "h.yaml")
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		c := defaultConfig()
		err := loadConfigFile(&c, path, true)
		// The same file gives the same answer every time.
		again := defaultConfig()
		errAgain := loadConfigFile(&again, path, true)
		if (err == nil) != (errAgain == nil) || err != nil && err.Error() != errAgain.Error() || !reflect.DeepEqual(c, again) {
			t.Fatalf("two loads differ: %v / %v", err, errAgain)
		}
		if err != nil {
			return
		}
		if err := c.Rules.Validate(); err != nil {
			t.Fatalf("config file accepted invalid rules: %v", err)
		}
		for _, ch := range c.Channels {
			if ch == "" || strings.ContainsAny(ch, "#, <>") {
				t.Fatalf("accepted channel %q", ch)
			}
		}
	})
}

func TestPerChannelOverrides(t *testing.T) {
	file := `channels: [big, small]
points:
  per_message: 10
overrides:
  small:
    points:
      per_message: 25
    language: de
    ranks:
      ladder: [Neuling:0, Legende:100]
`
	c, err := loadConfig(t, nil, map[string]string{"HEARTH_BOT_USERNAME": "MyBot"}, file)
	if err != nil {
		t.Fatal(err)
	}
	big, err := c.RulesFor("big")
	if err != nil {
		t.Fatal(err)
	}
	small, err := c.RulesFor("small")
	if err != nil {
		t.Fatal(err)
	}
	if big.PointsPerMessage != 10 || big.Language != "en" || len(big.Ranks) != 5 {
		t.Fatalf("big got overrides: %+v", big)
	}
	if small.PointsPerMessage != 25 || small.Language != "de" || len(small.Ranks) != 2 || small.Ranks[1].Name != "Legende" {
		t.Fatalf("small lacks its overrides: %+v", small)
	}
	if !slices.Contains(small.Bots, "mybot") || !slices.Contains(big.Bots, "mybot") || !slices.Contains(big.Bots, "nightbot") {
		t.Fatalf("the bot account is not among the bots: %v", big.Bots)
	}

	for _, bad := range []struct{ file, want string }{
		{"overrides:\n  small:\n    http_addr: ':1'\n", "not a rule"},
		{"overrides:\n  small:\n    points:\n      per_message: lots\n", "overrides.small.points.per_message"},
		{"overrides:\n  per_message: 5\n", "overrides.<channel>.<rule key>"},
		{"ranks:\n  ladder: 'A:5'\n", ""},
	} {
		c, err := loadConfig(t, nil, nil, bad.file)
		if err == nil {
			_, err = c.RulesFor("small")
		}
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: err = %v, want it to mention %q", bad.file, err, bad.want)
		}
	}
}

// TestSecretFileMustBeReadable: a secret file that is named but cannot be
// used stops start-up, naming the variable and the path.
func TestSecretFileMustBeReadable(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope")
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"Missing", map[string]string{"HEARTH_ADMIN_TOKEN_FILE": missing}, []string{"HEARTH_ADMIN_TOKEN_FILE", missing, "no such file"}},
		{"Directory", map[string]string{"HEARTH_BOT_TOKEN_FILE": dir}, []string{"HEARTH_BOT_TOKEN_FILE", dir}},
		{"Empty", map[string]string{"HEARTH_TWITCH_CLIENT_SECRET_FILE": empty}, []string{"HEARTH_TWITCH_CLIENT_SECRET_FILE", empty, "empty"}},
		{"Both", map[string]string{"HEARTH_ADMIN_TOKEN": "a", "HEARTH_ADMIN_TOKEN_FILE": empty}, []string{"HEARTH_ADMIN_TOKEN and HEARTH_ADMIN_TOKEN_FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["HEARTH_CHANNELS"] = "somechannel"
			tt.env["HEARTH_TWITCH_IRC_ADDR"] = "127.0.0.1:1"
			// Were the file ignored, serve would run until this deadline.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, _, err := runCLI(t, ctx, tt.env, "serve", "--http-addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "h.db"))
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Fatalf("serve: %v; want an error that mentions %q", err, w)
				}
			}
		})
	}
}

// TestBotUsernameIsALogin: a leading @ is dropped, anything else that is
// not a login is refused under bot.username's own name.
func TestBotUsernameIsALogin(t *testing.T) {
	c, err := loadConfig(t, nil, map[string]string{"HEARTH_BOT_USERNAME": "@MyBot"}, "")
	if err != nil || c.BotUsername != "mybot" {
		t.Fatalf("@MyBot: %q, %v", c.BotUsername, err)
	}
	if r, err := c.RulesFor("chan"); err != nil || !slices.Contains(r.Bots, "mybot") {
		t.Fatalf("rules: %v, %v", r.Bots, err)
	}
	_, err = loadConfig(t, nil, map[string]string{"HEARTH_BOT_USERNAME": "my bot"}, "")
	if err == nil || !strings.Contains(err.Error(), "HEARTH_BOT_USERNAME") || !strings.Contains(err.Error(), "bot.username") || strings.Contains(err.Error(), "bots") {
		t.Fatalf("my bot: %v; want an error about HEARTH_BOT_USERNAME and bot.username", err)
	}
	_, err = loadConfig(t, nil, nil, "bot:\n  username: 'a-b'\n")
	if err == nil || !strings.Contains(err.Error(), "bot.username") {
		t.Fatalf("file: %v", err)
	}
}

// TestOverridesForUnservedChannels: serve and demo refuse overrides for a
// channel they do not serve, naming it and the served ones.
func TestOverridesForUnservedChannels(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hearth.yaml")
	if err := os.WriteFile(file, []byte("channels: [mine]\noverrides:\n  typo:\n    points:\n      per_message: 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"serve", "--config", file, "--db", filepath.Join(dir, "s.db"), "--http-addr", "127.0.0.1:0"},
		{"demo", "--config", file, "--db", filepath.Join(dir, "d.db"), "--http-addr", "127.0.0.1:0"},
	} {
		// Were the overrides ignored, the command would run until this
		// deadline.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, _, err := runCLI(t, ctx, map[string]string{"HEARTH_TWITCH_IRC_ADDR": "127.0.0.1:1"}, args...)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "overrides.typo") || !strings.Contains(err.Error(), "not served") {
			t.Fatalf("%s: %v; want a refusal of overrides.typo", args[0], err)
		}
		if args[0] == "serve" && !strings.Contains(err.Error(), "mine") || args[0] == "demo" && !strings.Contains(err.Error(), "hearthdemo") {
			t.Fatalf("%s: %v; want the served channels named", args[0], err)
		}
	}
}

// TestExportUnknownChannel: exporting a channel the database has never
// seen is an error that lists the channels it has.
func TestExportUnknownChannel(t *testing.T) {
	db := "sqlite://" + filepath.Join(t.TempDir(), "h.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, _, err := runCLI(t, ctx, nil, "replay", captureFile(t, 50), "--db", db); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, ctx, nil, "export", "--db", db, "--channel", "nosuch")
	if err == nil || !strings.Contains(err.Error(), "nosuch is unknown") || !strings.Contains(err.Error(), "xqcow") || out != "" {
		t.Fatalf("export --channel nosuch: %v, output %q", err, out)
	}
	if exitCode(err, io.Discard) == 0 {
		t.Fatal("exit status 0")
	}
}

// TestConfigDefaultsAreTheRules: the rules' defaults come from
// community.DefaultRules, and every key's default, written out as help
// shows it, reads back to the same value.
func TestConfigDefaultsAreTheRules(t *testing.T) {
	if !reflect.DeepEqual(defaultConfig().Rules, community.DefaultRules()) {
		t.Fatal("defaultConfig's rules are not community.DefaultRules()")
	}
	var c Config
	for _, k := range configKeys {
		if err := k.apply(&c, k.defaultText()); err != nil {
			t.Fatalf("%s: default %q: %v", k.yaml, k.defaultText(), err)
		}
	}
	want := defaultConfig()
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("defaults read back differ:\n got %+v\nwant %+v", c, want)
	}
}

// TestRuleRangesAreValidates: each rule's range is Rules.Validate's, and
// the error names both where the value came from and the key.
func TestRuleRangesAreValidates(t *testing.T) {
	tests := []struct {
		env, value, key string
	}{
		{"HEARTH_POINTS_PER_MESSAGE", "-5", "points.per_message"},
		{"HEARTH_POINTS_PRESENCE_INTERVAL", "90s", "points.presence_interval"},
		{"HEARTH_POINTS_SUB_MULTIPLIER", "11", "points.sub_multiplier"},
		{"HEARTH_STREAMS_STREAK_GRACE_EVERY", "-1", "streams.streak_grace_every"},
		{"HEARTH_COMMANDS_USER_COOLDOWN", "2h", "commands.user_cooldown"},
		{"HEARTH_COMMANDS_PREFIX", "!!!!", "commands.prefix"},
		{"HEARTH_RANKS_BY", "height", "ranks.by"},
		{"HEARTH_BOTS", "nightbot,not a bot", "bots"},
		{"HEARTH_LANGUAGE", "xx", "language"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			_, err := loadConfig(t, nil, map[string]string{tt.env: tt.value}, "")
			if err == nil || !strings.HasPrefix(err.Error(), tt.env+": "+tt.key) {
				t.Fatalf("%s=%s: %v; want %q first", tt.env, tt.value, err, tt.env+": "+tt.key)
			}
		})
	}
}

// TestBooleanFlagAlone: a boolean setting given as a bare flag is true.
func TestBooleanFlagAlone(t *testing.T) {
	c, err := loadConfig(t, []string{"--welcome-in-chat", "--twitch-irc-tls=false"}, nil, "")
	if err != nil || !c.Rules.WelcomeInChat || c.TwitchIRCTLS {
		t.Fatalf("welcome %v, tls %v, err %v", c.Rules.WelcomeInChat, c.TwitchIRCTLS, err)
	}
}
