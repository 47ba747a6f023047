package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
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
	env := map[string]string{"HEARTH_HTTP_ADDR": ":2222", "HEARTH_TWITCH_IRC_ADDR": "env:6667"}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		file string
		want func(Config) string
	}{
		{"Defaults", nil, nil, "", func(c Config) string {
			if c.HTTPAddr != ":8080" || c.DatabaseURL != "sqlite://./hearth.db" || !c.TwitchIRCTLS || c.Rules.PointsPerMessage != 10 || c.Rules.MessageCooldown != 30*time.Second || c.ChatUserLimit != 20 {
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
			if c.HTTPAddr != ":2222" || c.TwitchIRCAddr != "env:6667" || c.Rules.PointsPerMessage != 3 {
				return "env not over file"
			}
			return ""
		}},
		{"FlagOverEnv", []string{"--http-addr", ":3333", "--channels", "a,b"}, env, file, func(c Config) string {
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

// TestReadmeDocumentsEveryKey keeps the README's configuration table in
// step with configKeys.
func TestReadmeDocumentsEveryKey(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range configKeys {
		for _, s := range []string{"`" + k.yaml + "`", "`" + k.env + "`", "`--" + k.flag + "`"} {
			if !strings.Contains(string(b), s) {
				t.Errorf("README.md does not mention %s", s)
			}
		}
	}
}

func FuzzConfigFile(f *testing.F) {
	f.Add("http_addr: ':1'\nchannels: [a, b]\npoints:\n  per_message: 5\n")
	f.Add("twitch: {irc_tls: maybe}")
	f.Add("- a\n- b\n")
	f.Add("channels: &a [*a]")
	f.Fuzz(func(t *testing.T, doc string) {
		path := filepath.Join(t.TempDir(), "h.yaml")
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		c := defaultConfig()
		if err := loadConfigFile(&c, path, true); err != nil {
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
      ladder: "Neuling:0,Legende:100"
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
