package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/engine"
	"github.com/hearthlive/hearth/overlays"
	"github.com/hearthlive/hearth/stream"
	"gopkg.in/yaml.v3"
)

// Config is every setting Hearth reads. Each field has one key in
// configKeys, which gives its YAML key, environment variable, flag and
// help; defaultConfig gives its default; precedence is flag > env > file >
// default.
type Config struct {
	Channels    []string
	HTTPAddr    string
	DatabaseURL string
	AdminToken  string
	DebugPprof  bool
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
	HelixInterval         time.Duration
	BotUsername           string
	BotToken              string
	// SecretKey seals the stored Twitch tokens; empty means the key file
	// next to the database (see keyFilePath).
	SecretKey string

	ChatUserLimit int
	ChatModLimit  int
	ChatWindow    time.Duration
	// ChatConnections spreads the IRC channels over this many chat
	// connections, each read on its own goroutine.
	ChatConnections int
	// ChatTransport is how chat is read and written: irc, eventsub or auto
	// (see chatTransports).
	ChatTransport string

	// Rules are every channel's rules; Overrides change some per channel
	// (YAML only: overrides.<channel>.<rule key>). RulesFor combines them.
	Rules     community.Rules
	Overrides map[string]map[string]string

	FlushInterval time.Duration
	FlushSize     int

	// ShutdownTimeout bounds a graceful stop (SIGTERM): the last flush,
	// then the HTTP server and the other parts.
	ShutdownTimeout time.Duration

	// OverlayMaxConnections caps the overlay sockets open at once per
	// channel.
	OverlayMaxConnections int

	// PublicURL is where browsers reach Hearth: the base of the Twitch
	// sign-in's redirect URI, and https makes cookies Secure; empty means
	// http://localhost with the HTTP address's port.
	PublicURL string
	// ConsoleSignup says who may add a channel from the console: off,
	// allowlist or open.
	ConsoleSignup string
	// ConsoleSignupAllowlist are the logins that may add their channel
	// when ConsoleSignup is allowlist.
	ConsoleSignupAllowlist []string
	// OverlayEventRetention is how long the overlay event log keeps
	// events.
	OverlayEventRetention time.Duration

	Cluster ClusterConfig
}

// defaultConfig is the one place for defaults: the channel rules' come from
// community.DefaultRules, the rest are here.
func defaultConfig() Config {
	return Config{
		HTTPAddr:          ":8080",
		DatabaseURL:       "sqlite://./hearth.db",
		LogLevel:          "info",
		LogFormat:         "text",
		TwitchIRCAddr:     "irc.chat.twitch.tv:6697",
		TwitchIRCTLS:      true,
		TwitchAPIURL:      "https://api.twitch.tv/helix",
		TwitchAuthURL:     "https://id.twitch.tv/oauth2",
		TwitchEventSubURL: "wss://eventsub.wss.twitch.tv/ws",
		HelixInterval:     30 * time.Second,
		ChatUserLimit:     stream.DefaultUserLimit,
		ChatModLimit:      stream.DefaultModLimit,
		ChatWindow:        stream.DefaultWindow,
		ChatConnections:   1,
		ChatTransport:     "irc",
		Rules:             community.DefaultRules(),
		FlushInterval:     engine.DefaultFlushInterval,
		FlushSize:         engine.DefaultFlushSize,
		ShutdownTimeout:   15 * time.Second,

		OverlayMaxConnections: overlays.DefaultMaxConnectionsPerChannel,
		ConsoleSignup:         "off",
		OverlayEventRetention: engine.DefaultEventRetention,
		Cluster:               defaultClusterConfig(),
	}
}

// configKey describes one setting.
type configKey struct {
	yaml, env, flag string
	help            string
	secret          bool // has a _FILE variant and is never logged
	rule            bool // a channel rule: Rules.Validate owns its range, and overrides.<channel> may set it
	field           func(c *Config) setting
}

// setting reads and writes one Config field as text. Set checks the
// syntax; the ranges of channel rules are Rules.Validate's.
type setting interface {
	String() string
	Set(v string) error
}

type textSetting struct{ p *string }

func (s textSetting) String() string     { return *s.p }
func (s textSetting) Set(v string) error { *s.p = strings.TrimSpace(v); return nil }
func text(p func(*Config) *string) func(*Config) setting {
	return func(c *Config) setting { return textSetting{p(c)} }
}

type boolSetting struct{ p *bool }

func (s boolSetting) String() string { return strconv.FormatBool(*s.p) }
func (s boolSetting) Set(v string) error {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("want true or false, got %q", v)
	}
	*s.p = b
	return nil
}
func boolean(p func(*Config) *bool) func(*Config) setting {
	return func(c *Config) setting { return boolSetting{p(c)} }
}

// intSetting is a whole number: a channel rule, whose range is
// Rules.Validate's.
type intSetting struct{ p *int64 }

func (s intSetting) String() string { return strconv.FormatInt(*s.p, 10) }
func (s intSetting) Set(v string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return fmt.Errorf("want a whole number such as 10, got %q", v)
	}
	*s.p = n
	return nil
}
func whole(p func(*Config) *int64) func(*Config) setting {
	return func(c *Config) setting { return intSetting{p(c)} }
}

// boundedInt is a whole number from lo to hi, for settings that are not
// channel rules.
type boundedInt struct {
	p      *int
	lo, hi int
}

func (s boundedInt) String() string { return strconv.Itoa(*s.p) }
func (s boundedInt) Set(v string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < s.lo || n > s.hi {
		return fmt.Errorf("want a whole number from %d to %d, got %q", s.lo, s.hi, v)
	}
	*s.p = n
	return nil
}
func wholeIn(lo, hi int, p func(*Config) *int) func(*Config) setting {
	return func(c *Config) setting { return boundedInt{p(c), lo, hi} }
}

type floatSetting struct{ p *float64 }

func (s floatSetting) String() string { return strconv.FormatFloat(*s.p, 'g', -1, 64) }
func (s floatSetting) Set(v string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return fmt.Errorf("want a number such as 1.5, got %q", v)
	}
	*s.p = f
	return nil
}
func number(p func(*Config) *float64) func(*Config) setting {
	return func(c *Config) setting { return floatSetting{p(c)} }
}

// durationSetting is a duration. A channel rule's range is
// Rules.Validate's (hi is 0); other settings bound it from lo to hi.
type durationSetting struct {
	p      *time.Duration
	lo, hi time.Duration
}

func (s durationSetting) String() string { return formatDuration(*s.p) }
func (s durationSetting) Set(v string) error {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("want a duration such as 30s or 5m, got %q", v)
	}
	if s.hi != 0 && (d < s.lo || d > s.hi) {
		return fmt.Errorf("want a duration from %s to %s, got %q", formatDuration(s.lo), formatDuration(s.hi), v)
	}
	*s.p = d
	return nil
}
func duration(p func(*Config) *time.Duration) func(*Config) setting {
	return func(c *Config) setting { return durationSetting{p: p(c)} }
}
func durationIn(lo, hi time.Duration, p func(*Config) *time.Duration) func(*Config) setting {
	return func(c *Config) setting { return durationSetting{p(c), lo, hi} }
}

// formatDuration writes d as a person would: 5m rather than 5m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// ladderSetting is the rank ladder as "Newcomer:0,Regular:500".
type ladderSetting struct{ p *[]community.Rank }

func (s ladderSetting) String() string {
	parts := make([]string, len(*s.p))
	for i, r := range *s.p {
		parts[i] = r.Name + ":" + strconv.FormatInt(r.Min, 10)
	}
	return strings.Join(parts, ",")
}
func (s ladderSetting) Set(v string) error {
	var ranks []community.Rank
	for _, part := range strings.Split(v, ",") {
		name, min, ok := strings.Cut(strings.TrimSpace(part), ":")
		n, err := strconv.ParseInt(strings.TrimSpace(min), 10, 64)
		if !ok || err != nil || strings.TrimSpace(name) == "" {
			return fmt.Errorf("want Name:minimum pairs separated by commas, such as Newcomer:0,Regular:500; got %q", part)
		}
		ranks = append(ranks, community.Rank{Name: strings.TrimSpace(name), Min: n})
	}
	*s.p = ranks
	return nil
}

// listSetting is a comma-separated list of logins or channel names, kept
// lower-case; normalize, if set, rewrites or refuses an entry.
type listSetting struct {
	p         *[]string
	normalize func(string) (string, error)
}

func (s listSetting) String() string { return strings.Join(*s.p, ",") }
func (s listSetting) Set(v string) error {
	var out []string
	for _, e := range strings.Split(v, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		if s.normalize != nil {
			var err error
			if e, err = s.normalize(e); err != nil {
				return err
			}
		}
		out = append(out, e)
	}
	*s.p = out
	return nil
}

// oneOf is a text setting that takes one of a few words.
func oneOf(words []string, p func(*Config) *string) func(*Config) setting {
	return func(c *Config) setting { return choiceSetting{p(c), words} }
}

type choiceSetting struct {
	p     *string
	words []string
}

func (s choiceSetting) String() string { return *s.p }
func (s choiceSetting) Set(v string) error {
	v = strings.TrimSpace(v)
	if !slices.Contains(s.words, v) {
		return fmt.Errorf("want %s, got %q", strings.Join(s.words, " or "), v)
	}
	*s.p = v
	return nil
}

// loginSetting is one Twitch login; a leading @ is dropped.
type loginSetting struct {
	key string
	p   *string
}

func (s loginSetting) String() string { return *s.p }
func (s loginSetting) Set(v string) error {
	login := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(v), "@"))
	if login != "" && !hearth.ValidLogin(login) {
		return fmt.Errorf("%s %q is not a Twitch login (1 to 25 letters, digits or underscores)", s.key, v)
	}
	*s.p = login
	return nil
}

// configKeys is the one list of settings; the table in
// docs/configuration.md documents each of them (TestDocsDocumentEveryKey
// holds the two together).
var configKeys = append([]configKey{
	{yaml: "channels", env: "HEARTH_CHANNELS", flag: "channels", help: "Twitch channels to join, comma-separated",
		field: func(c *Config) setting {
			return listSetting{&c.Channels, func(s string) (string, error) {
				if n := hearth.NormalizeChannel(s); n != "" {
					return n, nil
				}
				return "", fmt.Errorf("%q is not a Twitch channel name (letters, digits, underscore; at most 25)", s)
			}}
		}},
	{yaml: "http_addr", env: "HEARTH_HTTP_ADDR", flag: "http-addr", help: "address the HTTP server listens on (overlays, API, /metrics)", field: text(func(c *Config) *string { return &c.HTTPAddr })},
	{yaml: "database_url", env: "HEARTH_DATABASE_URL", flag: "db", help: "sqlite:///path/file.db, a plain file path, or a postgres:// URL", field: text(func(c *Config) *string { return &c.DatabaseURL })},
	{yaml: "admin_token", env: "HEARTH_ADMIN_TOKEN", flag: "admin-token", secret: true, help: "bearer token for /api/v1; empty disables the API", field: text(func(c *Config) *string { return &c.AdminToken })},
	{yaml: "debug.pprof", env: "HEARTH_DEBUG_PPROF", flag: "debug-pprof", help: "serve Go's profiles at /debug/pprof behind the admin token", field: boolean(func(c *Config) *bool { return &c.DebugPprof })},
	{yaml: "log_level", env: "HEARTH_LOG_LEVEL", flag: "log-level", help: "debug, info, warn or error", field: oneOf([]string{"debug", "info", "warn", "error"}, func(c *Config) *string { return &c.LogLevel })},
	{yaml: "log_format", env: "HEARTH_LOG_FORMAT", flag: "log-format", help: "text or json", field: oneOf([]string{"text", "json"}, func(c *Config) *string { return &c.LogFormat })},
	{yaml: "shutdown_timeout", env: "HEARTH_SHUTDOWN_TIMEOUT", flag: "shutdown-timeout", help: "how long a graceful stop (SIGTERM) may take: the last flush, then the HTTP server; keep it below the time your supervisor waits before SIGKILL", field: durationIn(time.Second, 10*time.Minute, func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{yaml: "twitch.irc_addr", env: "HEARTH_TWITCH_IRC_ADDR", flag: "twitch-irc-addr", help: "Twitch chat server host:port", field: text(func(c *Config) *string { return &c.TwitchIRCAddr })},
	{yaml: "twitch.irc_tls", env: "HEARTH_TWITCH_IRC_TLS", flag: "twitch-irc-tls", help: "connect to chat with TLS", field: boolean(func(c *Config) *bool { return &c.TwitchIRCTLS })},
	{yaml: "twitch.api_url", env: "HEARTH_TWITCH_API_URL", flag: "twitch-api-url", help: "Helix API base URL", field: text(func(c *Config) *string { return &c.TwitchAPIURL })},
	{yaml: "twitch.auth_url", env: "HEARTH_TWITCH_AUTH_URL", flag: "twitch-auth-url", help: "OAuth base URL", field: text(func(c *Config) *string { return &c.TwitchAuthURL })},
	{yaml: "twitch.eventsub_url", env: "HEARTH_TWITCH_EVENTSUB_URL", flag: "twitch-eventsub-url", help: "EventSub WebSocket URL", field: text(func(c *Config) *string { return &c.TwitchEventSubURL })},
	{yaml: "twitch.eventsub_subscriptions_url", env: "HEARTH_TWITCH_EVENTSUB_SUBSCRIPTIONS_URL", flag: "twitch-eventsub-subscriptions-url", help: "where EventSub subscriptions are created; empty means the Helix base URL + /eventsub/subscriptions", field: text(func(c *Config) *string { return &c.TwitchSubscriptionURL })},
	{yaml: "twitch.client_id", env: "HEARTH_TWITCH_CLIENT_ID", flag: "twitch-client-id", help: "Twitch application client id", field: text(func(c *Config) *string { return &c.TwitchClientID })},
	{yaml: "twitch.client_secret", env: "HEARTH_TWITCH_CLIENT_SECRET", flag: "twitch-client-secret", secret: true, help: "Twitch application client secret (optional)", field: text(func(c *Config) *string { return &c.TwitchClientSecret })},
	{yaml: "twitch.poll_interval", env: "HEARTH_TWITCH_POLL_INTERVAL", flag: "twitch-poll-interval", help: "how often Helix is asked for live status, viewer counts and chatter lists (1s to 1h)", field: durationIn(time.Second, time.Hour, func(c *Config) *time.Duration { return &c.HelixInterval })},
	{yaml: "bot.username", env: "HEARTH_BOT_USERNAME", flag: "bot-username", help: "the bot account's login", field: func(c *Config) setting { return loginSetting{"bot.username", &c.BotUsername} }},
	{yaml: "bot.token", env: "HEARTH_BOT_TOKEN", flag: "bot-token", secret: true, help: "chat OAuth token for the bot; empty reads chat anonymously and sends nothing", field: text(func(c *Config) *string { return &c.BotToken })},
	{yaml: "secret_key", env: "HEARTH_SECRET_KEY", flag: "secret-key", secret: true, help: "key that seals the stored Twitch tokens: 64 hex digits or base64 of 32 bytes; empty means the key file hearth.key next to the SQLite database (created on first start) or in the working directory for PostgreSQL", field: text(func(c *Config) *string { return &c.SecretKey })},
	{yaml: "chat.user_limit", env: "HEARTH_CHAT_USER_LIMIT", flag: "chat-user-limit", help: "bot messages allowed per window where the bot is a normal user (1 to 100)", field: wholeIn(1, 100, func(c *Config) *int { return &c.ChatUserLimit })},
	{yaml: "chat.mod_limit", env: "HEARTH_CHAT_MOD_LIMIT", flag: "chat-mod-limit", help: "bot messages allowed per window where the bot is moderator, VIP or broadcaster (1 to 100)", field: wholeIn(1, 100, func(c *Config) *int { return &c.ChatModLimit })},
	{yaml: "chat.window", env: "HEARTH_CHAT_WINDOW", flag: "chat-window", help: "the sliding window of the chat limits", field: durationIn(time.Second, time.Hour, func(c *Config) *time.Duration { return &c.ChatWindow })},
	{yaml: "chat.connections", env: "HEARTH_CHAT_CONNECTIONS", flag: "chat-connections", help: "IRC connections the channels are spread over, each read on its own goroutine (1 to 50); more than one pays only with many busy channels and cores to spare", field: wholeIn(1, 50, func(c *Config) *int { return &c.ChatConnections })},
	{yaml: "chat.transport", env: "HEARTH_CHAT_TRANSPORT", flag: "chat-transport", help: "irc, eventsub (chat.message over EventSub and Helix Send Chat Message, for every channel) or auto (EventSub where the broadcaster granted channel:bot, IRC elsewhere)", field: oneOf([]string{"irc", "eventsub", "auto"}, func(c *Config) *string { return &c.ChatTransport })},
	{yaml: "points.per_message", env: "HEARTH_POINTS_PER_MESSAGE", flag: "points-per-message", rule: true, help: "points a counted chat message earns", field: whole(func(c *Config) *int64 { return &c.Rules.PointsPerMessage })},
	{yaml: "points.message_cooldown", env: "HEARTH_POINTS_MESSAGE_COOLDOWN", flag: "points-message-cooldown", rule: true, help: "after earning from chat, a viewer earns nothing more from chat for this long", field: duration(func(c *Config) *time.Duration { return &c.Rules.MessageCooldown })},
	{yaml: "points.repeat_window", env: "HEARTH_POINTS_REPEAT_WINDOW", flag: "points-repeat-window", rule: true, help: "a message repeating the viewer's previous one within this window earns nothing", field: duration(func(c *Config) *time.Duration { return &c.Rules.RepeatWindow })},
	{yaml: "points.presence", env: "HEARTH_POINTS_PRESENCE", flag: "points-presence", rule: true, help: "points for being present while live, every presence interval", field: whole(func(c *Config) *int64 { return &c.Rules.PresencePoints })},
	{yaml: "points.presence_interval", env: "HEARTH_POINTS_PRESENCE_INTERVAL", flag: "points-presence-interval", rule: true, help: "how often presence points are paid (whole minutes)", field: duration(func(c *Config) *time.Duration { return &c.Rules.PresenceInterval })},
	{yaml: "points.presence_timeout", env: "HEARTH_POINTS_PRESENCE_TIMEOUT", flag: "points-presence-timeout", rule: true, help: "a viewer counts as present while joined, this long after their last message, and this long after a chatter list named them", field: duration(func(c *Config) *time.Duration { return &c.Rules.PresenceTimeout })},
	{yaml: "points.sub_bonus", env: "HEARTH_POINTS_SUB_BONUS", flag: "points-sub-bonus", rule: true, help: "bonus for a new subscription", field: whole(func(c *Config) *int64 { return &c.Rules.SubBonus })},
	{yaml: "points.resub_bonus", env: "HEARTH_POINTS_RESUB_BONUS", flag: "points-resub-bonus", rule: true, help: "bonus for a renewed subscription", field: whole(func(c *Config) *int64 { return &c.Rules.ResubBonus })},
	{yaml: "points.gift_bonus", env: "HEARTH_POINTS_GIFT_BONUS", flag: "points-gift-bonus", rule: true, help: "bonus to the gifter per gifted subscription", field: whole(func(c *Config) *int64 { return &c.Rules.GiftBonus })},
	{yaml: "points.cheer_bonus_per_100", env: "HEARTH_POINTS_CHEER_BONUS_PER_100", flag: "points-cheer-bonus-per-100", rule: true, help: "bonus per 100 bits cheered", field: whole(func(c *Config) *int64 { return &c.Rules.CheerBonusPer100 })},
	{yaml: "points.raid_bonus", env: "HEARTH_POINTS_RAID_BONUS", flag: "points-raid-bonus", rule: true, help: "bonus to a streamer who raids the channel", field: whole(func(c *Config) *int64 { return &c.Rules.RaidBonus })},
	{yaml: "points.raid_viewer_bonus", env: "HEARTH_POINTS_RAID_VIEWER_BONUS", flag: "points-raid-viewer-bonus", rule: true, help: "bonus to each newcomer whose first message comes within the raid window of a raid", field: whole(func(c *Config) *int64 { return &c.Rules.RaidViewerBonus })},
	{yaml: "points.raid_window", env: "HEARTH_POINTS_RAID_WINDOW", flag: "points-raid-window", rule: true, help: "how long after a raid newcomers count as raiders", field: duration(func(c *Config) *time.Duration { return &c.Rules.RaidWindow })},
	{yaml: "points.first_message_bonus", env: "HEARTH_POINTS_FIRST_MESSAGE_BONUS", flag: "points-first-message-bonus", rule: true, help: "bonus for a viewer's first message ever in the channel", field: whole(func(c *Config) *int64 { return &c.Rules.FirstMessageBonus })},
	{yaml: "points.follow_bonus", env: "HEARTH_POINTS_FOLLOW_BONUS", flag: "points-follow-bonus", rule: true, help: "bonus for following the channel, once per viewer ever (EventSub)", field: whole(func(c *Config) *int64 { return &c.Rules.FollowBonus })},
	{yaml: "points.redemption_bonus", env: "HEARTH_POINTS_REDEMPTION_BONUS", flag: "points-redemption-bonus", rule: true, help: "bonus for each channel-points reward redeemed (EventSub)", field: whole(func(c *Config) *int64 { return &c.Rules.RedemptionBonus })},
	{yaml: "points.sub_multiplier", env: "HEARTH_POINTS_SUB_MULTIPLIER", flag: "points-sub-multiplier", rule: true, help: "multiplies subscribers' chat and presence points (1 to 10)", field: number(func(c *Config) *float64 { return &c.Rules.SubMultiplier })},
	{yaml: "points.vip_multiplier", env: "HEARTH_POINTS_VIP_MULTIPLIER", flag: "points-vip-multiplier", rule: true, help: "multiplies VIPs' chat and presence points (1 to 10)", field: number(func(c *Config) *float64 { return &c.Rules.VIPMultiplier })},
	{yaml: "streams.idle_gap", env: "HEARTH_STREAMS_IDLE_GAP", flag: "streams-idle-gap", rule: true, help: "when Twitch reports no online/offline, this much chat silence ends a stream", field: duration(func(c *Config) *time.Duration { return &c.Rules.IdleGap })},
	{yaml: "streams.attend_minimum", env: "HEARTH_STREAMS_ATTEND_MINIMUM", flag: "streams-attend-minimum", rule: true, help: "a viewer attended a stream if present this long, or if they chatted", field: duration(func(c *Config) *time.Duration { return &c.Rules.AttendMinimum })},
	{yaml: "streams.streak_grace_every", env: "HEARTH_STREAMS_STREAK_GRACE_EVERY", flag: "streams-streak-grace-every", rule: true, help: "one missed stream does not break a streak, once per this many streams; 0 turns the grace off", field: whole(func(c *Config) *int64 { return &c.Rules.StreakGraceEvery })},
	{yaml: "ranks.by", env: "HEARTH_RANKS_BY", flag: "ranks-by", rule: true, help: "what ranks measure: points (lifetime) or watch_time (minutes)", field: text(func(c *Config) *string { return &c.Rules.RankBy })},
	{yaml: "ranks.ladder", env: "HEARTH_RANKS_LADDER", flag: "ranks-ladder", rule: true, help: "the ranks, lowest first, as Name:minimum pairs; the first minimum is 0, and no name is on it twice", field: func(c *Config) setting { return ladderSetting{&c.Rules.Ranks} }},
	{yaml: "welcome.returning_after", env: "HEARTH_WELCOME_RETURNING_AFTER", flag: "welcome-returning-after", rule: true, help: "a viewer who chats after this long away is welcomed back", field: duration(func(c *Config) *time.Duration { return &c.Rules.ReturningAfter })},
	{yaml: "welcome.in_chat", env: "HEARTH_WELCOME_IN_CHAT", flag: "welcome-in-chat", rule: true, help: "the bot welcomes newcomers and returning viewers in chat (at most one line per 20 s)", field: boolean(func(c *Config) *bool { return &c.Rules.WelcomeInChat })},
	{yaml: "welcome.rank_up_in_chat", env: "HEARTH_WELCOME_RANK_UP_IN_CHAT", flag: "welcome-rank-up-in-chat", rule: true, help: "the bot announces rank-ups in chat (same limit)", field: boolean(func(c *Config) *bool { return &c.Rules.RankUpInChat })},
	{yaml: "alerts.follows", env: "HEARTH_ALERTS_FOLLOWS", flag: "alerts-follows", rule: true, help: "show first follows on the alerts overlay", field: boolean(func(c *Config) *bool { return &c.Rules.FollowAlerts })},
	{yaml: "alerts.redemptions", env: "HEARTH_ALERTS_REDEMPTIONS", flag: "alerts-redemptions", rule: true, help: "show channel-points redemptions on the alerts overlay", field: boolean(func(c *Config) *bool { return &c.Rules.RedemptionAlerts })},
	{yaml: "bots", env: "HEARTH_BOTS", flag: "bots", rule: true, help: "logins that earn nothing and are left out of leaderboards and engagement figures (the broadcaster and the bot account always are)", field: func(c *Config) setting { return listSetting{p: &c.Rules.Bots} }},
	{yaml: "commands.prefix", env: "HEARTH_COMMANDS_PREFIX", flag: "commands-prefix", rule: true, help: "what starts a chat command (1 to 3 characters)", field: text(func(c *Config) *string { return &c.Rules.CommandPrefix })},
	{yaml: "commands.user_cooldown", env: "HEARTH_COMMANDS_USER_COOLDOWN", flag: "commands-user-cooldown", rule: true, help: "a viewer may run each command once per this long (moderators and the broadcaster are exempt)", field: duration(func(c *Config) *time.Duration { return &c.Rules.Cooldowns.PerUser })},
	{yaml: "commands.global_cooldown", env: "HEARTH_COMMANDS_GLOBAL_COOLDOWN", flag: "commands-global-cooldown", rule: true, help: "each command runs at most once per this long in the channel (same exemption)", field: duration(func(c *Config) *time.Duration { return &c.Rules.Cooldowns.Global })},
	{yaml: "polls.duration", env: "HEARTH_POLLS_DURATION", flag: "polls-duration", rule: true, help: "how long a chat poll stays open when !poll gives no duration (10s to 30m)", field: duration(func(c *Config) *time.Duration { return &c.Rules.PollDuration })},
	{yaml: "polls.allow_change", env: "HEARTH_POLLS_ALLOW_CHANGE", flag: "polls-allow-change", rule: true, help: "a viewer may change their vote; the last one counts", field: boolean(func(c *Config) *bool { return &c.Rules.PollAllowChange })},
	{yaml: "polls.bare_votes", env: "HEARTH_POLLS_BARE_VOTES", flag: "polls-bare-votes", rule: true, help: "while a chat poll is open, a message that is only an option's number or label is a vote", field: boolean(func(c *Config) *bool { return &c.Rules.PollBareVotes })},
	{yaml: "polls.weighting", env: "HEARTH_POLLS_WEIGHTING", flag: "polls-weighting", rule: true, help: "how much a vote counts: none (one each), rank (the voter's rank, 1 for the lowest) or points (votes bought with loyalty points)", field: text(func(c *Config) *string { return &c.Rules.PollWeighting })},
	{yaml: "polls.points_per_vote", env: "HEARTH_POLLS_POINTS_PER_VOTE", flag: "polls-points-per-vote", rule: true, help: "what one vote costs when polls.weighting is points (!vote 2 3 buys 3)", field: whole(func(c *Config) *int64 { return &c.Rules.PollPointsPerVote })},
	{yaml: "segments.max_names", env: "HEARTH_SEGMENTS_MAX_NAMES", flag: "segments-max-names", rule: true, help: "how many distinct sponsor segment names a channel may use while Hearth runs, which bounds the segment label of the metrics (1 to 100)", field: wholeIn(1, community.MaxSegmentNames, func(c *Config) *int { return &c.Rules.SegmentMaxNames })},
	{yaml: "language", env: "HEARTH_LANGUAGE", flag: "language", rule: true, help: "language of the bot's replies: " + strings.Join(community.Languages(), ", "), field: text(func(c *Config) *string { return &c.Rules.Language })},
	{yaml: "store.flush_interval", env: "HEARTH_STORE_FLUSH_INTERVAL", flag: "store-flush-interval", help: "how often pending changes are written (one transaction each)", field: durationIn(10*time.Millisecond, time.Minute, func(c *Config) *time.Duration { return &c.FlushInterval })},
	{yaml: "store.flush_size", env: "HEARTH_STORE_FLUSH_SIZE", flag: "store-flush-size", help: "write sooner once this many changes wait", field: wholeIn(1, 100_000, func(c *Config) *int { return &c.FlushSize })},
	{yaml: "public_url", env: "HEARTH_PUBLIC_URL", flag: "public-url", help: "where browsers reach Hearth, such as https://hearth.example.com: the base of the Twitch sign-in's redirect URI ({public_url}/login/twitch/callback), and https makes cookies Secure; empty means http://localhost with the HTTP address's port", field: text(func(c *Config) *string { return &c.PublicURL })},
	{yaml: "console.signup", env: "HEARTH_CONSOLE_SIGNUP", flag: "console-signup", help: "who may add a channel from the console: off, allowlist or open", field: oneOf([]string{"off", "allowlist", "open"}, func(c *Config) *string { return &c.ConsoleSignup })},
	{yaml: "console.signup_allowlist", env: "HEARTH_CONSOLE_SIGNUP_ALLOWLIST", flag: "console-signup-allowlist", help: "the Twitch logins that may add their own channel from the console when console.signup is allowlist, comma-separated", field: func(c *Config) setting { return listSetting{&c.ConsoleSignupAllowlist, loginEntry} }},
	{yaml: "overlays.max_connections", env: "HEARTH_OVERLAYS_MAX_CONNECTIONS", flag: "overlays-max-connections", help: "overlay sockets a channel may hold open at once, all overlays together (1 to 100000); one more is closed with code 1013 and a reason", field: wholeIn(1, 100_000, func(c *Config) *int { return &c.OverlayMaxConnections })},
	{yaml: "overlays.event_retention", env: "HEARTH_OVERLAYS_EVENT_RETENTION", flag: "overlays-event-retention", help: "how long the overlay event log keeps follows, subs, welcomes and the rest, for pages that resume and the feed (1h to 8760h)", field: durationIn(time.Hour, 365*24*time.Hour, func(c *Config) *time.Duration { return &c.OverlayEventRetention })},
}, clusterKeys...)

// defaultText returns how a key's default is written.
func (k configKey) defaultText() string {
	c := defaultConfig()
	return k.field(&c).String()
}

// apply sets k on c from text. The syntax is the setting's to check; for a
// channel rule, its range is Rules.Validate's, asked about this one value
// over the default rules so that its answer concerns this key alone.
func (k configKey) apply(c *Config, v string) error {
	if err := k.field(c).Set(v); err != nil {
		return err
	}
	if !k.rule {
		return nil
	}
	probe := defaultConfig()
	if err := k.field(&probe).Set(v); err != nil {
		return err
	}
	return probe.Rules.Validate()
}

// ruleKeys returns the YAML names of the channel rules.
func ruleKeys() []string {
	var out []string
	for _, k := range configKeys {
		if k.rule {
			out = append(out, k.yaml)
		}
	}
	return out
}

// allKeys returns the YAML names of every setting.
func allKeys() []string {
	out := make([]string, len(configKeys))
	for i, k := range configKeys {
		out[i] = k.yaml
	}
	return out
}

// rawFlag keeps a config flag's text until the configuration is loaded,
// so that flags apply after the file and the environment.
type rawFlag struct {
	key   configKey
	value string
}

func (f *rawFlag) String() string     { return f.value }
func (f *rawFlag) Set(v string) error { f.value = v; return nil }

// IsBoolFlag lets a boolean key be given as --name alone.
func (f *rawFlag) IsBoolFlag() bool { return f.kind() == "" }

// kind names the value a flag takes, for help; "" for a boolean.
func (f *rawFlag) kind() string {
	var c Config
	switch f.key.field(&c).(type) {
	case boolSetting:
		return ""
	case intSetting, boundedInt:
		return "int"
	case floatSetting:
		return "number"
	case durationSetting:
		return "duration"
	case listSetting, ladderSetting:
		return "list"
	}
	return "string"
}

// takesList reports whether the key's value is a list (channels, bots,
// the rank ladder), written in YAML as [a, b] and elsewhere as a, b.
func (k configKey) takesList() bool {
	var c Config
	switch k.field(&c).(type) {
	case listSetting, ladderSetting:
		return true
	}
	return false
}

// checkShape refuses a file value of the wrong shape for k: a list where
// one value belongs, one value where a list belongs, or a list item that
// holds a comma (which would split into two). Values are not quoted, as
// some are secrets.
func (k configKey) checkShape(e fileEntry) error {
	switch {
	case e.null:
		return nil
	case k.takesList() && !e.list:
		return fmt.Errorf("want a list, got a single value; write it as [%s]", strings.Join(strings.Split(e.value, ","), ", "))
	case !k.takesList() && e.list:
		return fmt.Errorf("want a single value, got a list")
	}
	for _, item := range e.items {
		if strings.Contains(item, ",") {
			return fmt.Errorf("list item %q holds a comma; give each value as its own item", item)
		}
	}
	return nil
}

// configFlags registers --config and a flag for each key named (by YAML
// key) on fs, and returns a function that loads the configuration after
// fs is parsed: defaults, then the file, the environment (every key) and
// the flags that were set. An error names the file key, the variable or
// the flag the value came from.
func configFlags(fs *flag.FlagSet, keys []string) func(getenv func(string) string) (Config, error) {
	file := fs.String("config", "", "YAML config file (default ./hearth.yaml if present; env HEARTH_CONFIG)")
	raw := make(map[string]*rawFlag)
	for _, name := range keys {
		k, ok := keyByYAML(name)
		if !ok {
			panic("configFlags: no config key " + name)
		}
		f := &rawFlag{key: k, value: k.defaultText()}
		env := "env " + k.env
		if k.secret {
			env += " or " + k.env + "_FILE"
		}
		fs.Var(f, k.flag, k.help+" ("+env+")")
		raw[k.flag] = f
	}
	return func(getenv func(string) string) (Config, error) {
		c := defaultConfig()
		path, explicit := *file, *file != ""
		if !explicit {
			path = getenv("HEARTH_CONFIG")
			explicit = path != ""
		}
		if !explicit {
			path = defaultConfigFile
		}
		if err := loadConfigFile(&c, path, explicit); err != nil {
			return Config{}, err
		}
		for _, k := range configKeys {
			v, source, err := envValue(k, getenv)
			if err != nil {
				return Config{}, err
			}
			if source == "" {
				continue
			}
			if err := k.apply(&c, v); err != nil {
				return Config{}, fmt.Errorf("%s: %w", source, err)
			}
		}
		var err error
		fs.Visit(func(fl *flag.Flag) {
			f, ok := raw[fl.Name]
			if !ok || err != nil {
				return
			}
			if e := f.key.apply(&c, f.value); e != nil {
				err = fmt.Errorf("--%s: %w", fl.Name, e)
			}
		})
		if err != nil {
			return Config{}, err
		}
		return c, nil
	}
}

// defaultConfigFile is read when present and no other file is named.
const defaultConfigFile = "hearth.yaml"

// envValue reads a key's variable, or for a secret the file named by its
// _FILE variant (Docker and Kubernetes secrets). It returns the variable
// the value came from, or "" if neither is set. A named secret file that
// is missing, unreadable or empty is an error, as is setting both.
func envValue(k configKey, getenv func(string) string) (value, source string, err error) {
	v := getenv(k.env)
	fileVar := k.env + "_FILE"
	path := ""
	if k.secret {
		path = getenv(fileVar)
	}
	switch {
	case path == "" && v == "":
		return "", "", nil
	case path == "":
		return v, k.env, nil
	case v != "":
		return "", "", fmt.Errorf("both %s and %s are set; set one", k.env, fileVar)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", "", fmt.Errorf("%s=%s: cannot read the secret: %w", fileVar, path, err)
	}
	secret := strings.TrimSpace(string(b))
	if secret == "" {
		return "", "", fmt.Errorf("%s=%s: the secret file is empty", fileVar, path)
	}
	return secret, fileVar, nil
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
	entries, err := readConfigYAML(b)
	if err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	for _, e := range entries {
		if rest, ok := strings.CutPrefix(e.name, "overrides."); ok {
			if _, key, _ := strings.Cut(rest, "."); key != "" {
				if k, ok := keyByYAML(key); ok {
					if err := k.checkShape(e); err != nil {
						return fmt.Errorf("config file %s: %s: %w", path, e.name, err)
					}
				}
			}
			if err := c.addOverride(rest, e.value); err != nil {
				return fmt.Errorf("config file %s: %s: %w", path, e.name, err)
			}
			continue
		}
		k, ok := keyByYAML(e.name)
		if !ok {
			return fmt.Errorf("config file %s: unknown key %q (see the table in docs/configuration.md)", path, e.name)
		}
		if err := k.checkShape(e); err != nil {
			return fmt.Errorf("config file %s: %s: %w", path, e.name, err)
		}
		if err := k.apply(c, e.value); err != nil {
			if strings.HasPrefix(err.Error(), e.name+" ") || strings.HasPrefix(err.Error(), e.name+":") {
				return fmt.Errorf("config file %s: %w", path, err)
			}
			return fmt.Errorf("config file %s: %s: %w", path, e.name, err)
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

// fileEntry is one setting read from a config file: its dotted key, its
// value as text (a list's items joined by commas), and where it stands.
type fileEntry struct {
	name  string
	value string
	items []string // a list's items; nil for one value
	list  bool     // the value was a YAML list
	null  bool     // the value was left empty (null): no value, of either shape
	line  int
}

// Bounds on what a config file may expand to through YAML aliases.
const (
	maxConfigDepth   = 16
	maxConfigEntries = 10_000
)

// readConfigYAML reads a config file's settings in the order they are
// written, nested keys joined with dots. A key given twice is an error
// naming both lines, whether it is written twice in one mapping or once
// dotted (points.per_message) and once nested (points: {per_message}):
// no value may win by the order of a map.
func readConfigYAML(b []byte) ([]fileEntry, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: the file must hold keys and values (key: value), such as channels: [mychannel]", root.Line)
	}
	r := configReader{lines: make(map[string]int)}
	if err := r.mapping("", root, 0); err != nil {
		return nil, err
	}
	return r.entries, nil
}

// configReader collects a config file's entries and where each was set.
type configReader struct {
	entries []fileEntry
	lines   map[string]int // canonical key → line it was set on
}

func (r *configReader) mapping(prefix string, n *yaml.Node, depth int) error {
	if depth > maxConfigDepth {
		return fmt.Errorf("line %d: keys nested deeper than %d levels", n.Line, maxConfigDepth)
	}
	here := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			return fmt.Errorf("line %d: a key must be plain text (anchors, aliases and << merges are not supported as keys)", k.Line)
		}
		name := k.Value
		if prefix != "" {
			name = prefix + "." + k.Value
		}
		if first, ok := here[k.Value]; ok {
			return fmt.Errorf("%s is given twice, at line %d and at line %d; keep one", name, first, k.Line)
		}
		here[k.Value] = k.Line
		switch v.Kind {
		case yaml.MappingNode:
			if err := r.mapping(name, v, depth+1); err != nil {
				return err
			}
		case yaml.SequenceNode:
			items := make([]string, len(v.Content))
			for j, item := range v.Content {
				item = resolveAlias(item)
				if item.Kind != yaml.ScalarNode {
					return fmt.Errorf("%s (line %d): a list of plain values was expected", name, item.Line)
				}
				items[j] = scalarText(item)
			}
			if err := r.add(fileEntry{name: name, value: strings.Join(items, ","), items: items, list: true, line: k.Line}); err != nil {
				return err
			}
		default:
			null := v.Kind != yaml.ScalarNode || v.Tag == "!!null"
			if err := r.add(fileEntry{name: name, value: scalarText(v), null: null, line: k.Line}); err != nil {
				return err
			}
		}
	}
	return nil
}

// add records e, refusing a key that was set before.
func (r *configReader) add(e fileEntry) error {
	canon := canonicalKey(e.name)
	if first, ok := r.lines[canon]; ok {
		return fmt.Errorf("%s is given twice, at line %d and at line %d; keep one", canon, first, e.line)
	}
	if len(r.entries) >= maxConfigEntries {
		return fmt.Errorf("more than %d keys", maxConfigEntries)
	}
	r.lines[canon] = e.line
	r.entries = append(r.entries, e)
	return nil
}

// canonicalKey is the setting a dotted key names: an override's channel is
// written as Hearth keeps it (overrides.Small and overrides.small are one).
func canonicalKey(name string) string {
	rest, ok := strings.CutPrefix(name, "overrides.")
	if !ok {
		return name
	}
	channel, key, ok := strings.Cut(rest, ".")
	if n := hearth.NormalizeChannel(channel); ok && n != "" {
		return "overrides." + n + "." + key
	}
	return name
}

// resolveAlias follows a YAML alias to the node it names.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// scalarText is a plain value as written (a null is empty), so that a
// token such as 0123 stays 0123 and is not read as a number.
func scalarText(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// addOverride records "channel.key" = value after checking that the key is
// a channel rule and the value is one.
func (c *Config) addOverride(channelKey, value string) error {
	channel, key, ok := strings.Cut(channelKey, ".")
	if !ok || hearth.NormalizeChannel(channel) == "" {
		return fmt.Errorf("write overrides as overrides.<channel>.<rule key>, such as overrides.mychannel.points.per_message")
	}
	k, ok := keyByYAML(key)
	if !ok || !k.rule {
		return fmt.Errorf("%q is not a rule that can be set per channel", key)
	}
	scratch := defaultConfig()
	if err := k.apply(&scratch, value); err != nil {
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

// checkOverrides refuses overrides for a channel that is not served: they
// would be ignored without a word.
func (c Config) checkOverrides() error {
	var stray []string
	for ch := range c.Overrides {
		if !slices.Contains(c.Channels, ch) {
			stray = append(stray, ch)
		}
	}
	if len(stray) == 0 {
		return nil
	}
	sort.Strings(stray)
	served := strings.Join(c.Channels, ", ")
	if served == "" {
		served = "none"
	}
	return fmt.Errorf("overrides.%s: channel %s is not served (channels served: %s); add it to channels or remove its overrides",
		stray[0], stray[0], served)
}

// RulesFor returns a channel's rules: the common ones with its overrides
// applied, and the bot account among the bots.
func (c Config) RulesFor(channel string) (community.Rules, error) {
	scratch := c
	scratch.Rules.Bots = slices.Clone(c.Rules.Bots)
	scratch.Rules.Ranks = slices.Clone(c.Rules.Ranks)
	for key, value := range c.Overrides[channel] {
		k, _ := keyByYAML(key)
		if err := k.field(&scratch).Set(value); err != nil {
			return community.Rules{}, fmt.Errorf("overrides.%s.%s: %w", channel, key, err)
		}
	}
	r := scratch.Rules
	if bot := c.BotUsername; bot != "" && !slices.Contains(r.Bots, bot) {
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
