package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"gopkg.in/yaml.v3"
)

// Config is every setting Hearth reads. Each field has one key in
// configKeys, which gives its YAML key, environment variable, flag,
// default and help; precedence is flag > env > file > default.
type Config struct {
	Channels    []string
	HTTPAddr    string
	DatabaseURL string
	AdminToken  string
	LogLevel    string
	LogFormat   string

	TwitchIRCAddr         string
	TwitchIRCTLS          bool
	TwitchAPIURL          string
	TwitchAuthURL         string
	TwitchEventSubURL     string
	TwitchSubscriptionURL string
	TwitchClientID        string
	TwitchClientSecret    string
	BotUsername           string
	BotToken              string

	ChatUserLimit int
	ChatModLimit  int
	ChatWindow    time.Duration

	// Rules are every channel's rules; Overrides change some per channel
	// (YAML only: overrides.<channel>.<rule key>). RulesFor combines them.
	Rules     community.Rules
	Overrides map[string]map[string]string

	FlushInterval time.Duration
	FlushSize     int
}

// configKey describes one setting.
type configKey struct {
	yaml, env, flag string
	def, help       string
	secret          bool // has a _FILE variant and is never logged
	rule            bool // a channel rule: may be overridden per channel under overrides.<channel>
	set             func(c *Config, v string) error
}

func str(p func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

func boolean(p func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", v)
		}
		*p(c) = b
		return nil
	}
}

func integer(lo, hi int, p func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("want a whole number from %d to %d, got %q", lo, hi, v)
		}
		*p(c) = n
		return nil
	}
}

func amount(p func(*Config) *int64) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 || n > 1_000_000 {
			return fmt.Errorf("want a whole number of points from 0 to 1000000, got %q", v)
		}
		*p(c) = n
		return nil
	}
}

func multiplier(p func(*Config) *float64) func(*Config, string) error {
	return func(c *Config, v string) error {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(f >= 1 && f <= 10) {
			return fmt.Errorf("want a number from 1 to 10 such as 1.5, got %q", v)
		}
		*p(c) = f
		return nil
	}
}

// ladder parses "Newcomer:0,Regular:500" into ranks.
func ladder(c *Config, v string) error {
	var ranks []community.Rank
	for _, part := range strings.Split(v, ",") {
		name, min, ok := strings.Cut(strings.TrimSpace(part), ":")
		n, err := strconv.ParseInt(strings.TrimSpace(min), 10, 64)
		if !ok || err != nil || strings.TrimSpace(name) == "" {
			return fmt.Errorf("want Name:minimum pairs separated by commas, such as Newcomer:0,Regular:500; got %q", part)
		}
		ranks = append(ranks, community.Rank{Name: strings.TrimSpace(name), Min: n})
	}
	c.Rules.Ranks = ranks
	return nil
}

func duration(lo, hi time.Duration, p func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < lo || d > hi {
			return fmt.Errorf("want a duration from %s to %s such as 30s or 5m, got %q", lo, hi, v)
		}
		*p(c) = d
		return nil
	}
}

// configKeys is the one list of settings: the README's configuration table
// follows it row by row.
var configKeys = []configKey{
	{yaml: "channels", env: "HEARTH_CHANNELS", flag: "channels", def: "", help: "Twitch channels to join, comma-separated",
		set: func(c *Config, v string) error {
			c.Channels = nil
			for _, s := range strings.Split(v, ",") {
				if strings.TrimSpace(s) == "" {
					continue
				}
				n := hearth.NormalizeChannel(s)
				if n == "" {
					return fmt.Errorf("%q is not a Twitch channel name (letters, digits, underscore; at most 25)", strings.TrimSpace(s))
				}
				c.Channels = append(c.Channels, n)
			}
			return nil
		}},
	{yaml: "http_addr", env: "HEARTH_HTTP_ADDR", flag: "http-addr", def: ":8080", help: "address the HTTP server listens on (overlays, API, /metrics)", set: str(func(c *Config) *string { return &c.HTTPAddr })},
	{yaml: "database_url", env: "HEARTH_DATABASE_URL", flag: "db", def: "sqlite://./hearth.db", help: "sqlite:///path/file.db, a plain file path, or a postgres:// URL", set: str(func(c *Config) *string { return &c.DatabaseURL })},
	{yaml: "admin_token", env: "HEARTH_ADMIN_TOKEN", flag: "admin-token", def: "", secret: true, help: "bearer token for /api/v1; empty disables the API", set: str(func(c *Config) *string { return &c.AdminToken })},
	{yaml: "log_level", env: "HEARTH_LOG_LEVEL", flag: "log-level", def: "info", help: "debug, info, warn or error",
		set: func(c *Config, v string) error {
			switch v {
			case "debug", "info", "warn", "error":
				c.LogLevel = v
				return nil
			}
			return fmt.Errorf("want debug, info, warn or error, got %q", v)
		}},
	{yaml: "log_format", env: "HEARTH_LOG_FORMAT", flag: "log-format", def: "text", help: "text or json",
		set: func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return fmt.Errorf("want text or json, got %q", v)
			}
			c.LogFormat = v
			return nil
		}},
	{yaml: "twitch.irc_addr", env: "HEARTH_TWITCH_IRC_ADDR", flag: "twitch-irc-addr", def: "irc.chat.twitch.tv:6697", help: "Twitch chat server host:port", set: str(func(c *Config) *string { return &c.TwitchIRCAddr })},
	{yaml: "twitch.irc_tls", env: "HEARTH_TWITCH_IRC_TLS", flag: "twitch-irc-tls", def: "true", help: "connect to chat with TLS", set: boolean(func(c *Config) *bool { return &c.TwitchIRCTLS })},
	{yaml: "twitch.api_url", env: "HEARTH_TWITCH_API_URL", flag: "twitch-api-url", def: "https://api.twitch.tv/helix", help: "Helix API base URL", set: str(func(c *Config) *string { return &c.TwitchAPIURL })},
	{yaml: "twitch.auth_url", env: "HEARTH_TWITCH_AUTH_URL", flag: "twitch-auth-url", def: "https://id.twitch.tv/oauth2", help: "OAuth base URL", set: str(func(c *Config) *string { return &c.TwitchAuthURL })},
	{yaml: "twitch.eventsub_url", env: "HEARTH_TWITCH_EVENTSUB_URL", flag: "twitch-eventsub-url", def: "wss://eventsub.wss.twitch.tv/ws", help: "EventSub WebSocket URL", set: str(func(c *Config) *string { return &c.TwitchEventSubURL })},
	{yaml: "twitch.eventsub_subscriptions_url", env: "HEARTH_TWITCH_EVENTSUB_SUBSCRIPTIONS_URL", flag: "twitch-eventsub-subscriptions-url", def: "", help: "where EventSub subscriptions are created; empty means the Helix base URL + /eventsub/subscriptions", set: str(func(c *Config) *string { return &c.TwitchSubscriptionURL })},
	{yaml: "twitch.client_id", env: "HEARTH_TWITCH_CLIENT_ID", flag: "twitch-client-id", def: "", help: "Twitch application client id", set: str(func(c *Config) *string { return &c.TwitchClientID })},
	{yaml: "twitch.client_secret", env: "HEARTH_TWITCH_CLIENT_SECRET", flag: "twitch-client-secret", def: "", secret: true, help: "Twitch application client secret (optional)", set: str(func(c *Config) *string { return &c.TwitchClientSecret })},
	{yaml: "bot.username", env: "HEARTH_BOT_USERNAME", flag: "bot-username", def: "", help: "the bot account's login", set: str(func(c *Config) *string { return &c.BotUsername })},
	{yaml: "bot.token", env: "HEARTH_BOT_TOKEN", flag: "bot-token", def: "", secret: true, help: "chat OAuth token for the bot; empty reads chat anonymously and sends nothing", set: str(func(c *Config) *string { return &c.BotToken })},
	{yaml: "chat.user_limit", env: "HEARTH_CHAT_USER_LIMIT", flag: "chat-user-limit", def: "20", help: "bot messages allowed per window where the bot is a normal user", set: integer(1, 100, func(c *Config) *int { return &c.ChatUserLimit })},
	{yaml: "chat.mod_limit", env: "HEARTH_CHAT_MOD_LIMIT", flag: "chat-mod-limit", def: "100", help: "bot messages allowed per window where the bot is moderator, VIP or broadcaster", set: integer(1, 100, func(c *Config) *int { return &c.ChatModLimit })},
	{yaml: "chat.window", env: "HEARTH_CHAT_WINDOW", flag: "chat-window", def: "30s", help: "the sliding window of the chat limits", set: duration(time.Second, time.Hour, func(c *Config) *time.Duration { return &c.ChatWindow })},
	{yaml: "points.per_message", env: "HEARTH_POINTS_PER_MESSAGE", flag: "points-per-message", def: "10", rule: true, help: "points a counted chat message earns", set: amount(func(c *Config) *int64 { return &c.Rules.PointsPerMessage })},
	{yaml: "points.message_cooldown", env: "HEARTH_POINTS_MESSAGE_COOLDOWN", flag: "points-message-cooldown", def: "30s", rule: true, help: "after earning from chat, a viewer earns nothing more from chat for this long", set: duration(0, 24*time.Hour, func(c *Config) *time.Duration { return &c.Rules.MessageCooldown })},
	{yaml: "points.repeat_window", env: "HEARTH_POINTS_REPEAT_WINDOW", flag: "points-repeat-window", def: "5m", rule: true, help: "a message repeating the viewer's previous one within this window earns nothing", set: duration(0, 24*time.Hour, func(c *Config) *time.Duration { return &c.Rules.RepeatWindow })},
	{yaml: "points.presence", env: "HEARTH_POINTS_PRESENCE", flag: "points-presence", def: "5", rule: true, help: "points for being present while live, every presence interval", set: amount(func(c *Config) *int64 { return &c.Rules.PresencePoints })},
	{yaml: "points.presence_interval", env: "HEARTH_POINTS_PRESENCE_INTERVAL", flag: "points-presence-interval", def: "5m", rule: true, help: "how often presence points are paid (whole minutes)", set: duration(time.Minute, 24*time.Hour, func(c *Config) *time.Duration { return &c.Rules.PresenceInterval })},
	{yaml: "points.presence_timeout", env: "HEARTH_POINTS_PRESENCE_TIMEOUT", flag: "points-presence-timeout", def: "10m", rule: true, help: "without a chatter list, a viewer counts as present while joined or this long after their last message", set: duration(time.Minute, 24*time.Hour, func(c *Config) *time.Duration { return &c.Rules.PresenceTimeout })},
	{yaml: "points.sub_bonus", env: "HEARTH_POINTS_SUB_BONUS", flag: "points-sub-bonus", def: "500", rule: true, help: "bonus for a new subscription", set: amount(func(c *Config) *int64 { return &c.Rules.SubBonus })},
	{yaml: "points.resub_bonus", env: "HEARTH_POINTS_RESUB_BONUS", flag: "points-resub-bonus", def: "500", rule: true, help: "bonus for a renewed subscription", set: amount(func(c *Config) *int64 { return &c.Rules.ResubBonus })},
	{yaml: "points.gift_bonus", env: "HEARTH_POINTS_GIFT_BONUS", flag: "points-gift-bonus", def: "250", rule: true, help: "bonus to the gifter per gifted subscription", set: amount(func(c *Config) *int64 { return &c.Rules.GiftBonus })},
	{yaml: "points.cheer_bonus_per_100", env: "HEARTH_POINTS_CHEER_BONUS_PER_100", flag: "points-cheer-bonus-per-100", def: "50", rule: true, help: "bonus per 100 bits cheered", set: amount(func(c *Config) *int64 { return &c.Rules.CheerBonusPer100 })},
	{yaml: "points.raid_bonus", env: "HEARTH_POINTS_RAID_BONUS", flag: "points-raid-bonus", def: "250", rule: true, help: "bonus to a streamer who raids the channel", set: amount(func(c *Config) *int64 { return &c.Rules.RaidBonus })},
	{yaml: "points.raid_viewer_bonus", env: "HEARTH_POINTS_RAID_VIEWER_BONUS", flag: "points-raid-viewer-bonus", def: "50", rule: true, help: "bonus to each newcomer whose first message comes within the raid window of a raid", set: amount(func(c *Config) *int64 { return &c.Rules.RaidViewerBonus })},
	{yaml: "points.raid_window", env: "HEARTH_POINTS_RAID_WINDOW", flag: "points-raid-window", def: "10m", rule: true, help: "how long after a raid newcomers count as raiders", set: duration(0, 24*time.Hour, func(c *Config) *time.Duration { return &c.Rules.RaidWindow })},
	{yaml: "points.first_message_bonus", env: "HEARTH_POINTS_FIRST_MESSAGE_BONUS", flag: "points-first-message-bonus", def: "50", rule: true, help: "bonus for a viewer's first message ever in the channel", set: amount(func(c *Config) *int64 { return &c.Rules.FirstMessageBonus })},
	{yaml: "points.sub_multiplier", env: "HEARTH_POINTS_SUB_MULTIPLIER", flag: "points-sub-multiplier", def: "1", rule: true, help: "multiplies subscribers' chat and presence points (1 to 10)", set: multiplier(func(c *Config) *float64 { return &c.Rules.SubMultiplier })},
	{yaml: "points.vip_multiplier", env: "HEARTH_POINTS_VIP_MULTIPLIER", flag: "points-vip-multiplier", def: "1", rule: true, help: "multiplies VIPs' chat and presence points (1 to 10)", set: multiplier(func(c *Config) *float64 { return &c.Rules.VIPMultiplier })},
	{yaml: "streams.idle_gap", env: "HEARTH_STREAMS_IDLE_GAP", flag: "streams-idle-gap", def: "30m", rule: true, help: "when Twitch reports no online/offline, this much chat silence ends a stream", set: duration(time.Minute, 7*24*time.Hour, func(c *Config) *time.Duration { return &c.Rules.IdleGap })},
	{yaml: "streams.attend_minimum", env: "HEARTH_STREAMS_ATTEND_MINIMUM", flag: "streams-attend-minimum", def: "10m", rule: true, help: "a viewer attended a stream if present this long, or if they chatted", set: duration(0, 24*time.Hour, func(c *Config) *time.Duration { return &c.Rules.AttendMinimum })},
	{yaml: "streams.streak_grace_every", env: "HEARTH_STREAMS_STREAK_GRACE_EVERY", flag: "streams-streak-grace-every", def: "4", rule: true, help: "one missed stream does not break a streak, once per this many streams; 0 turns the grace off",
		set: func(c *Config, v string) error {
			var n int
			if err := integer(0, 1000, func(*Config) *int { return &n })(c, v); err != nil {
				return err
			}
			c.Rules.StreakGraceEvery = int64(n)
			return nil
		}},
	{yaml: "ranks.by", env: "HEARTH_RANKS_BY", flag: "ranks-by", def: "points", rule: true, help: "what ranks measure: points (lifetime) or watch_time (minutes)",
		set: func(c *Config, v string) error {
			if v != community.RankByPoints && v != community.RankByWatchTime {
				return fmt.Errorf("want points or watch_time, got %q", v)
			}
			c.Rules.RankBy = v
			return nil
		}},
	{yaml: "ranks.ladder", env: "HEARTH_RANKS_LADDER", flag: "ranks-ladder", def: "Newcomer:0,Regular:500,Devoted:2000,Hero:10000,Legend:50000", rule: true, help: "the ranks, lowest first, as Name:minimum pairs; the first minimum is 0", set: ladder},
	{yaml: "welcome.returning_after", env: "HEARTH_WELCOME_RETURNING_AFTER", flag: "welcome-returning-after", def: "720h", rule: true, help: "a viewer who chats after this long away is welcomed back", set: duration(time.Hour, 10*365*24*time.Hour, func(c *Config) *time.Duration { return &c.Rules.ReturningAfter })},
	{yaml: "welcome.in_chat", env: "HEARTH_WELCOME_IN_CHAT", flag: "welcome-in-chat", def: "false", rule: true, help: "the bot welcomes newcomers and returning viewers in chat (at most one line per 20 s)", set: boolean(func(c *Config) *bool { return &c.Rules.WelcomeInChat })},
	{yaml: "welcome.rank_up_in_chat", env: "HEARTH_WELCOME_RANK_UP_IN_CHAT", flag: "welcome-rank-up-in-chat", def: "false", rule: true, help: "the bot announces rank-ups in chat (same limit)", set: boolean(func(c *Config) *bool { return &c.Rules.RankUpInChat })},
	{yaml: "bots", env: "HEARTH_BOTS", flag: "bots", def: strings.Join(community.DefaultBots, ","), rule: true, help: "logins that earn nothing and are left out of leaderboards and engagement figures (the broadcaster and the bot account always are)",
		set: func(c *Config, v string) error {
			var bots []string
			for _, b := range strings.Split(v, ",") {
				b = strings.ToLower(strings.TrimSpace(b))
				if b == "" {
					continue
				}
				if !hearth.ValidLogin(b) {
					return fmt.Errorf("%q is not a Twitch login", b)
				}
				bots = append(bots, b)
			}
			c.Rules.Bots = bots
			return nil
		}},
	{yaml: "commands.prefix", env: "HEARTH_COMMANDS_PREFIX", flag: "commands-prefix", def: "!", rule: true, help: "what starts a chat command (1 to 3 characters)", set: str(func(c *Config) *string { return &c.Rules.CommandPrefix })},
	{yaml: "commands.user_cooldown", env: "HEARTH_COMMANDS_USER_COOLDOWN", flag: "commands-user-cooldown", def: "15s", rule: true, help: "a viewer may run each command once per this long (moderators and the broadcaster are exempt)", set: duration(0, time.Hour, func(c *Config) *time.Duration { return &c.Rules.Cooldowns.PerUser })},
	{yaml: "commands.global_cooldown", env: "HEARTH_COMMANDS_GLOBAL_COOLDOWN", flag: "commands-global-cooldown", def: "3s", rule: true, help: "each command runs at most once per this long in the channel (same exemption)", set: duration(0, time.Hour, func(c *Config) *time.Duration { return &c.Rules.Cooldowns.Global })},
	{yaml: "language", env: "HEARTH_LANGUAGE", flag: "language", def: "en", rule: true, help: "language of the bot's replies: " + strings.Join(community.Languages(), ", "), set: str(func(c *Config) *string { return &c.Rules.Language })},
	{yaml: "store.flush_interval", env: "HEARTH_STORE_FLUSH_INTERVAL", flag: "store-flush-interval", def: "250ms", help: "how often pending changes are written (one transaction each)", set: duration(10*time.Millisecond, time.Minute, func(c *Config) *time.Duration { return &c.FlushInterval })},
	{yaml: "store.flush_size", env: "HEARTH_STORE_FLUSH_SIZE", flag: "store-flush-size", def: "500", help: "write sooner once this many changes wait", set: integer(1, 100_000, func(c *Config) *int { return &c.FlushSize })},
}

// configFileFlag names the YAML file; HEARTH_CONFIG sets it too.
const defaultConfigFile = "hearth.yaml"

// configFlags registers every key as a string flag on fs and returns a
// function that applies, in order, defaults, the file, the environment and
// the flags that were set.
func configFlags(fs *flag.FlagSet, only ...string) func(c *Config, getenv func(string) string) error {
	file := fs.String("config", "", "YAML config file (default ./hearth.yaml if present; env HEARTH_CONFIG)")
	values := make(map[string]*string)
	for _, k := range selectKeys(only) {
		values[k.flag] = fs.String(k.flag, k.def, k.help+" (env "+k.env+")")
	}
	return func(c *Config, getenv func(string) string) error {
		for _, k := range configKeys {
			if err := k.set(c, k.def); err != nil {
				return fmt.Errorf("default of %s: %w", k.yaml, err)
			}
		}
		path, explicit := *file, *file != ""
		if !explicit {
			path = getenv("HEARTH_CONFIG")
			explicit = path != ""
		}
		if !explicit {
			path = defaultConfigFile
		}
		if err := loadConfigFile(c, path, explicit); err != nil {
			return err
		}
		for _, k := range configKeys {
			v, ok := envValue(k, getenv)
			if !ok {
				continue
			}
			if err := k.set(c, v); err != nil {
				return fmt.Errorf("%s: %w", k.env, err)
			}
		}
		var err error
		fs.Visit(func(f *flag.Flag) {
			k, ok := keyByFlag(f.Name)
			if !ok || err != nil {
				return
			}
			if e := k.set(c, *values[f.Name]); e != nil {
				err = fmt.Errorf("--%s: %w", f.Name, e)
			}
		})
		return err
	}
}

func selectKeys(only []string) []configKey {
	if len(only) == 0 {
		return configKeys
	}
	var out []configKey
	for _, k := range configKeys {
		for _, name := range only {
			if k.yaml == name {
				out = append(out, k)
			}
		}
	}
	return out
}

func keyByFlag(name string) (configKey, bool) {
	for _, k := range configKeys {
		if k.flag == name {
			return k, true
		}
	}
	return configKey{}, false
}

// envValue reads a key's variable, or for secrets the file named by its
// _FILE variant (for Docker and Kubernetes secrets).
func envValue(k configKey, getenv func(string) string) (string, bool) {
	if v := getenv(k.env); v != "" {
		return v, true
	}
	if !k.secret {
		return "", false
	}
	path := getenv(k.env + "_FILE")
	if path == "" {
		return "", false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

// loadConfigFile applies a YAML file. A missing default file is fine; a
// missing explicit one, an unknown key or a bad value is an error that
// names the key.
func loadConfigFile(c *Config, path string, explicit bool) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return nil
	}
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	if len(b) > 1<<20 {
		return fmt.Errorf("config file %s: larger than 1 MiB", path)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("config file %s: not valid YAML: %w", path, err)
	}
	if len(doc) == 0 {
		return nil
	}
	flat := make(map[string]string)
	if err := flatten("", doc, flat); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range keys {
		if rest, ok := strings.CutPrefix(name, "overrides."); ok {
			if err := c.addOverride(rest, flat[name]); err != nil {
				return fmt.Errorf("config file %s: %s: %w", path, name, err)
			}
			continue
		}
		k, ok := keyByYAML(name)
		if !ok {
			return fmt.Errorf("config file %s: unknown key %q (see the README's configuration table)", path, name)
		}
		if err := k.set(c, flat[name]); err != nil {
			return fmt.Errorf("config file %s: %s: %w", path, name, err)
		}
	}
	return nil
}

func keyByYAML(name string) (configKey, bool) {
	for _, k := range configKeys {
		if k.yaml == name {
			return k, true
		}
	}
	return configKey{}, false
}

// flatten turns nested maps into dotted keys with string values; a list
// becomes a comma-separated value.
func flatten(prefix string, v any, out map[string]string) error {
	switch t := v.(type) {
	case map[string]any:
		for k, sub := range t {
			name := k
			if prefix != "" {
				name = prefix + "." + k
			}
			if err := flatten(name, sub, out); err != nil {
				return err
			}
		}
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			switch e.(type) {
			case map[string]any, []any:
				return fmt.Errorf("%s: a list of plain values was expected", prefix)
			}
			parts[i] = fmt.Sprint(e)
		}
		out[prefix] = strings.Join(parts, ",")
	case nil:
		out[prefix] = ""
	default:
		out[prefix] = fmt.Sprint(t)
	}
	return nil
}

// addOverride records "channel.key" = value after checking that the key is
// a channel rule and the value parses.
func (c *Config) addOverride(channelKey, value string) error {
	channel, key, ok := strings.Cut(channelKey, ".")
	if !ok || hearth.NormalizeChannel(channel) == "" {
		return fmt.Errorf("write overrides as overrides.<channel>.<rule key>, such as overrides.mychannel.points.per_message")
	}
	k, ok := keyByYAML(key)
	if !ok || !k.rule {
		return fmt.Errorf("%q is not a rule that can be set per channel", key)
	}
	scratch := *c
	if err := k.set(&scratch, value); err != nil {
		return err
	}
	channel = hearth.NormalizeChannel(channel)
	if c.Overrides == nil {
		c.Overrides = make(map[string]map[string]string)
	}
	if c.Overrides[channel] == nil {
		c.Overrides[channel] = make(map[string]string)
	}
	c.Overrides[channel][key] = value
	return nil
}

// RulesFor returns a channel's rules: the common ones with its overrides
// applied, and the bot account among the bots.
func (c Config) RulesFor(channel string) (community.Rules, error) {
	scratch := c
	scratch.Rules.Bots = append([]string(nil), c.Rules.Bots...)
	for key, value := range c.Overrides[channel] {
		k, _ := keyByYAML(key)
		if err := k.set(&scratch, value); err != nil {
			return community.Rules{}, fmt.Errorf("overrides.%s.%s: %w", channel, key, err)
		}
	}
	r := scratch.Rules
	if bot := strings.ToLower(c.BotUsername); bot != "" && !slices.Contains(r.Bots, bot) {
		r.Bots = append(r.Bots, bot)
	}
	if err := r.Validate(); err != nil {
		if len(c.Overrides[channel]) > 0 {
			return community.Rules{}, fmt.Errorf("channel %s: %w", channel, err)
		}
		return community.Rules{}, err
	}
	return r, nil
}
