package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream/oauth"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// authKeys are the settings the auth commands take.
var authKeys = []string{"database_url", "twitch.auth_url", "twitch.client_id", "twitch.client_secret", "secret_key", "bot.username", "log_level", "log_format"}

// authCommand is "hearth auth" and its subcommands.
func authCommand() *command {
	return &command{
		name:    "auth",
		summary: "sign the bot or a broadcaster in to Twitch, and manage the stored tokens",
		about: "Sign the bot account or a channel's broadcaster in to Twitch, and manage the\n" +
			"tokens Hearth stores (sealed with HEARTH_SECRET_KEY or the key file; see docs/twitch.md).",
		subcommands: []*command{
			{name: "login", summary: "sign in with Twitch's device code flow and store the token",
				about: "Sign the bot (--bot) or a broadcaster (--channel NAME) in with Twitch's device\n" +
					"code flow: open the URL printed, enter the code, and approve. Hearth asks for\n" +
					"the scopes its features need (listed in docs/twitch.md) and stores the token.",
				keys: authKeys, setup: authLoginCommand},
			{name: "import", summary: "store a token obtained elsewhere, after Twitch validates it",
				keys: authKeys, setup: authImportCommand},
			{name: "status", summary: "list who is signed in, with scopes and expiry (never the tokens)",
				keys: authKeys, setup: plain(runAuthStatus)},
			{name: "logout", summary: "revoke a stored token at Twitch and delete it",
				keys: authKeys, setup: authLogoutCommand},
		},
	}
}

// subjectFlags are --bot and --channel, which say whose token a command
// is about.
type subjectFlags struct {
	bot     bool
	channel string
}

func (f *subjectFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.bot, "bot", false, "the bot account (the chat connection's login)")
	fs.StringVar(&f.channel, "channel", "", "the broadcaster of channel `NAME`")
}

// subject returns hearth.TokenBot or the channel's login.
func (f *subjectFlags) subject(cmd string) (string, error) {
	switch {
	case f.bot && f.channel != "":
		return "", &usageError{path: cmd, msg: "give --bot or --channel NAME, not both"}
	case f.bot:
		return hearth.TokenBot, nil
	case f.channel != "":
		name := hearth.NormalizeChannel(f.channel)
		if name == "" {
			return "", &usageError{path: cmd, msg: fmt.Sprintf("--channel %q is not a Twitch channel name", f.channel)}
		}
		return name, nil
	}
	return "", &usageError{path: cmd, msg: "say whose token: --bot or --channel NAME"}
}

// scopesFor returns the scopes subject is asked for.
func scopesFor(subject string) []string {
	if subject == hearth.TokenBot {
		return oauth.ScopeNames(oauth.BotScopes)
	}
	return oauth.ScopeNames(oauth.ChannelScopes)
}

// keyFilePath is where the key that seals tokens lives when
// HEARTH_SECRET_KEY is not set: next to a SQLite database, or in the
// working directory for PostgreSQL.
func keyFilePath(dbURL string) string {
	if isPostgres(dbURL) {
		return "hearth.key"
	}
	return filepath.Join(filepath.Dir(sqlitePath(dbURL)), "hearth.key")
}

// secretKey returns the sealer of stored tokens and where its key came
// from. Without HEARTH_SECRET_KEY it reads the key file, or creates it if
// create is set; with neither it returns a nil sealer.
func secretKey(cfg Config, create bool, log *slog.Logger) (*oauth.Sealer, string, error) {
	if cfg.SecretKey != "" {
		key, err := oauth.ParseKey(cfg.SecretKey)
		if err != nil {
			return nil, "", fmt.Errorf("secret_key (HEARTH_SECRET_KEY): %w", err)
		}
		s, err := oauth.NewSealer(key)
		return s, "HEARTH_SECRET_KEY", err
	}
	path := keyFilePath(cfg.DatabaseURL)
	source := "the key file " + path
	key, err := oauth.LoadKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		if key, err = oauth.CreateKeyFile(path); err == nil {
			log.Info("created the key that seals stored Twitch tokens; keep it with the database and back it up with it (or set HEARTH_SECRET_KEY)", "path", path)
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, source, nil
	}
	if err != nil {
		return nil, "", err
	}
	s, err := oauth.NewSealer(key)
	return s, source, err
}

// authSession is what the auth commands work with: the store, the tokens
// in it and Twitch's OAuth endpoints.
type authSession struct {
	store  hearth.Store
	tokens *oauth.Tokens
	oauth  *oauth.Client
	log    *slog.Logger
}

// openAuth opens the store and the key (creating the key file if create).
func openAuth(ctx context.Context, inv *invocation, create bool) (*authSession, error) {
	cfg, log := inv.cfg, inv.logger()
	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	sealer, source, err := secretKey(cfg, create, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	o := oauthClient(cfg)
	return &authSession{
		store:  st,
		tokens: oauth.NewTokens(oauth.TokensConfig{Store: st, Sealer: sealer, KeySource: source, Client: o, Logger: log}),
		oauth:  o,
		log:    log,
	}, nil
}

func oauthClient(cfg Config) *oauth.Client {
	return &oauth.Client{BaseURL: cfg.TwitchAuthURL, ClientID: cfg.TwitchClientID, ClientSecret: cfg.TwitchClientSecret}
}

// needClientID refuses to go on without the application's client id.
func needClientID(cfg Config) error {
	if cfg.TwitchClientID == "" {
		return errors.New("no Twitch client id: set HEARTH_TWITCH_CLIENT_ID (or --twitch-client-id) to your application's; docs/twitch.md says how to register one")
	}
	return nil
}

// checkIdentity refuses a token that is not the one subject needs: a
// broadcaster's token must be the channel's own, the bot's must match
// bot.username when that is set, and it must belong to this application.
func checkIdentity(cfg Config, subject string, v oauth.Validation) error {
	switch {
	case cfg.TwitchClientID != "" && v.ClientID != cfg.TwitchClientID:
		return fmt.Errorf("the token belongs to another Twitch application (client id %s, not HEARTH_TWITCH_CLIENT_ID %s): Hearth could not refresh it", v.ClientID, cfg.TwitchClientID)
	case subject != hearth.TokenBot && v.Login != subject:
		return fmt.Errorf("the token is %s's, not the broadcaster of #%s: sign in as %s", v.Login, subject, subject)
	case subject == hearth.TokenBot && cfg.BotUsername != "" && v.Login != cfg.BotUsername:
		return fmt.Errorf("the token is %s's but bot.username is %s: sign in as %s, or change bot.username", v.Login, cfg.BotUsername, cfg.BotUsername)
	}
	return nil
}

func authLoginCommand(fs *flag.FlagSet) runFunc {
	var who subjectFlags
	who.register(fs)
	return func(ctx context.Context, inv *invocation) error {
		subject, err := who.subject("auth login")
		if err != nil {
			return err
		}
		if err := needClientID(inv.cfg); err != nil {
			return err
		}
		a, err := openAuth(ctx, inv, true)
		if err != nil {
			return err
		}
		defer a.store.Close()
		return a.login(ctx, inv.cfg, inv.stdout, subject)
	}
}

// login runs the device flow for subject and stores the token.
func (a *authSession) login(ctx context.Context, cfg Config, out io.Writer, subject string) error {
	scopes := scopesFor(subject)
	dc, err := a.oauth.StartDevice(ctx, scopes)
	if err != nil {
		return fmt.Errorf("cannot start the sign-in: %w", err)
	}
	who := "the bot account"
	if subject != hearth.TokenBot {
		who = "the broadcaster of #" + subject
	}
	fmt.Fprintf(out, "To sign in %s, open %s\nand enter the code %s (signed in to Twitch as that account).\n", who, dc.VerificationURI, dc.UserCode)
	fmt.Fprintf(out, "Scopes asked for: %s\n", strings.Join(scopes, " "))
	fmt.Fprintf(out, "Waiting for approval (the code expires at %s)...\n", dc.ExpiresAt.Format("15:04:05"))
	g, err := a.oauth.AwaitDevice(ctx, dc, scopes)
	switch {
	case errors.Is(err, oauth.ErrDeviceCodeExpired):
		return fmt.Errorf("sign-in not completed: %w; run %s again", err, oauth.LoginCommand(subject))
	case err != nil:
		return fmt.Errorf("sign-in not completed: %w", err)
	}
	return a.saveGrant(ctx, cfg, out, subject, g, true)
}

// saveGrant validates a granted token, checks whose it is and stores it.
// A token refused as someone else's is revoked if revokeRefused is set:
// one that sign-in just obtained, not one imported, which may serve
// elsewhere.
func (a *authSession) saveGrant(ctx context.Context, cfg Config, out io.Writer, subject string, g oauth.Grant, revokeRefused bool) error {
	v, err := a.oauth.Validate(ctx, g.Access)
	if err != nil {
		return fmt.Errorf("Twitch does not accept the token: %w", err)
	}
	if err := checkIdentity(cfg, subject, v); err != nil {
		if !revokeRefused {
			return err
		}
		if rerr := a.oauth.Revoke(ctx, g.Access); rerr != nil {
			a.log.Warn("could not revoke the refused token", "err", rerr)
		}
		return err
	}
	tok, err := a.tokens.Save(ctx, subject, g, v)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Signed in %s as %s (user id %s); the token expires at %s and Hearth refreshes it.\n",
		subjectName(subject), tok.Login, tok.UserID, tok.ExpiresAt.Format(time.RFC3339))
	if missing := missingScopes(subject, tok.Scopes); len(missing) > 0 {
		fmt.Fprintf(out, "Not granted, so the features that need them stay off: %s\n", strings.Join(missing, " "))
	}
	return nil
}

// missingScopes returns the scopes subject is asked for that it lacks.
func missingScopes(subject string, have []string) []string {
	var out []string
	for _, s := range scopesFor(subject) {
		if !slices.Contains(have, s) {
			out = append(out, s)
		}
	}
	return out
}

func subjectName(subject string) string {
	if subject == hearth.TokenBot {
		return "the bot"
	}
	return "#" + subject
}

func authImportCommand(fs *flag.FlagSet) runFunc {
	var who subjectFlags
	who.register(fs)
	token := fs.String("token", "", "the access token (`T`, with or without oauth:); - reads it from standard input, out of the process list")
	refresh := fs.String("refresh-token", "", "its refresh token (`R`); without it the token cannot be renewed")
	return func(ctx context.Context, inv *invocation) error {
		subject, err := who.subject("auth import")
		if err != nil {
			return err
		}
		access := *token
		if access == "-" {
			line, err := bufio.NewReader(os.Stdin).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("reading the token from standard input: %w", err)
			}
			access = line
		}
		access = strings.TrimPrefix(strings.TrimSpace(access), "oauth:")
		if access == "" {
			return &usageError{path: "auth import", msg: "give the token with --token T"}
		}
		a, err := openAuth(ctx, inv, true)
		if err != nil {
			return err
		}
		defer a.store.Close()
		var oe *oauth.Error
		if _, err := a.oauth.Validate(ctx, access); errors.As(err, &oe) {
			return fmt.Errorf("Twitch rejects the token (%d %s): nothing was stored", oe.Status, oe.Message)
		} else if err != nil {
			return fmt.Errorf("cannot validate the token, so nothing was stored: %w", err)
		}
		g := oauth.Grant{Access: access, Refresh: strings.TrimSpace(*refresh)}
		if err := a.saveGrant(ctx, inv.cfg, inv.stdout, subject, g, false); err != nil {
			return err
		}
		if g.Refresh == "" {
			fmt.Fprintln(inv.stdout, "No refresh token given: Hearth cannot renew this token, so sign in again before it expires.")
		}
		return nil
	}
}

// signInAdvice says how to sign in.
const signInAdvice = `Run "hearth auth login --bot" for the bot, and "hearth auth login --channel NAME" for each broadcaster.`

func runAuthStatus(ctx context.Context, inv *invocation) error {
	// Asking who is signed in never creates a database.
	if err := mustExist(inv.cfg.DatabaseURL); err != nil {
		if err := checkDatabaseURL(inv.cfg.DatabaseURL); err != nil {
			return err
		}
		fmt.Fprintf(inv.stdout, "Nobody is signed in (there is no database at %s yet). %s\n", sqlitePath(inv.cfg.DatabaseURL), signInAdvice)
		return nil
	}
	a, err := openAuth(ctx, inv, false)
	if err != nil {
		return err
	}
	defer a.store.Close()
	stored, err := a.store.StoredTokens(ctx)
	if err != nil {
		return err
	}
	out := inv.stdout
	if inv.cfg.BotToken != "" {
		fmt.Fprintln(out, "bot: a token is set in bot.token (HEARTH_BOT_TOKEN); serve uses it instead of a stored one")
	}
	if len(stored) == 0 {
		fmt.Fprintln(out, "Nobody is signed in. "+signInAdvice)
		return nil
	}
	now := time.Now()
	for _, st := range stored {
		state := "valid for " + st.ExpiresAt.Sub(now).Round(time.Second).String()
		if now.After(st.ExpiresAt) {
			state = "expired; refreshed at next use"
		}
		fmt.Fprintf(out, "%s: %s (user id %s), expires %s (%s)\n", subjectName(st.Subject), st.Login, st.UserID, st.ExpiresAt.Format(time.RFC3339), state)
		fmt.Fprintf(out, "  scopes: %s\n", strings.Join(st.Scopes, " "))
		if missing := missingScopes(st.Subject, st.Scopes); len(missing) > 0 {
			fmt.Fprintf(out, "  not granted: %s\n", strings.Join(missing, " "))
		}
		if _, err := a.tokens.Open(st); err != nil {
			fmt.Fprintf(out, "  unusable: %s\n", hearth.ErrorMessage(err))
		}
	}
	return nil
}

func authLogoutCommand(fs *flag.FlagSet) runFunc {
	var who subjectFlags
	who.register(fs)
	return func(ctx context.Context, inv *invocation) error {
		subject, err := who.subject("auth logout")
		if err != nil {
			return err
		}
		a, err := openAuth(ctx, inv, false)
		if err != nil {
			return err
		}
		defer a.store.Close()
		st, err := a.store.StoredToken(ctx, subject)
		if err != nil {
			return err
		}
		if tok, err := a.tokens.Open(st); err != nil {
			fmt.Fprintf(inv.stdout, "Cannot open the token to revoke it at Twitch (%s); deleting it anyway.\n", hearth.ErrorMessage(err))
		} else if err := a.oauth.Revoke(ctx, tok.Access); err != nil {
			fmt.Fprintf(inv.stdout, "Twitch did not revoke the token (%v); deleting it anyway.\n", err)
		}
		if err := a.store.DeleteToken(ctx, subject); err != nil {
			return err
		}
		fmt.Fprintf(inv.stdout, "Signed %s out: the token is deleted.\n", subjectName(subject))
		return nil
	}
}

// openTokens gives Main the store's tokens. The key file is created on
// the first start without HEARTH_SECRET_KEY, unless NoNewKey is set. When bot.token is empty and
// the bot signed in, chat logs in with the stored (and refreshed) token,
// and bot.username defaults to the login it belongs to.
func (m *Main) openTokens(ctx context.Context) error {
	sealer, source, err := secretKey(m.Config, !m.NoNewKey, m.Logger)
	if err != nil {
		return err
	}
	m.Tokens = oauth.NewTokens(oauth.TokensConfig{
		Store: m.Store, Sealer: sealer, KeySource: source, Client: oauthClient(m.Config), Logger: m.Logger,
	})
	if m.Config.BotToken != "" {
		return nil
	}
	bot, err := m.Store.StoredToken(ctx, hearth.TokenBot)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := m.Tokens.Open(bot); err != nil {
		return errors.New(hearth.ErrorMessage(err))
	}
	switch m.Config.BotUsername {
	case bot.Login:
	case "":
		m.Config.BotUsername = bot.Login
		for ch := range m.rules {
			if m.rules[ch], err = m.Config.RulesFor(ch); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("bot.username is %s but the bot signed in as %s: run \"hearth auth login --bot\" as %s, or change bot.username",
			m.Config.BotUsername, bot.Login, m.Config.BotUsername)
	}
	m.botTokens = m.Tokens
	m.Logger.Info("chat: using the bot's stored token", "login", bot.Login, "expires_at", bot.ExpiresAt.Format(time.RFC3339))
	return nil
}

// tokenSource is where Helix and EventSub get tokens: the stored ones
// (hearth auth), except the bot's when bot.token gives it directly.
func (m *Main) tokenSource() hearth.TokenSource {
	if m.Config.BotToken == "" {
		return m.Tokens
	}
	bot := configTokens{access: strings.TrimPrefix(m.Config.BotToken, "oauth:"), login: m.Config.BotUsername}
	return configBot{TokenSource: m.Tokens, bot: bot}
}

// configBot answers for the bot with the token bot.token gives, and for
// broadcasters with the stored tokens.
type configBot struct {
	hearth.TokenSource
	bot configTokens
}

// Token returns the configured bot token, or a broadcaster's stored one.
func (c configBot) Token(ctx context.Context, subject string) (hearth.Token, error) {
	if subject == hearth.TokenBot {
		return c.bot.Token(ctx, subject)
	}
	return c.TokenSource.Token(ctx, subject)
}

// Invalidate passes a broadcaster's refused token on to be refreshed; the
// configured bot token cannot be.
func (c configBot) Invalidate(subject string) {
	if subject != hearth.TokenBot {
		c.TokenSource.Invalidate(subject)
	}
}

// demoSignInBot signs the demo's bot in through the fake Twitch's device
// flow, as "hearth auth login --bot" does, playing the user who approves
// the code, so that the demo chats with a stored, refreshed token. A bot
// token already in the database is kept if this fake Twitch accepts it,
// and replaced if an earlier demo's fake issued it (see demoKeepsToken).
func demoSignInBot(ctx context.Context, api *twitchtest.API, cfg *Config, log *slog.Logger) error {
	cfg.TwitchAuthURL = api.AuthURL()
	cfg.TwitchClientID = api.ClientID()
	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	cfg.BotToken = ""
	sealer, source, err := secretKey(*cfg, true, log)
	if err != nil {
		return err
	}
	a := &authSession{store: st, oauth: oauthClient(*cfg), log: log,
		tokens: oauth.NewTokens(oauth.TokensConfig{Store: st, Sealer: sealer, KeySource: source, Client: oauthClient(*cfg), Logger: log})}
	if keep, err := demoKeepsToken(ctx, st, a.tokens, a.oauth, hearth.TokenBot, log); keep || err != nil {
		return err
	}
	api.SetDeviceInterval(time.Second)
	dc, err := a.oauth.StartDevice(ctx, scopesFor(hearth.TokenBot))
	if err != nil {
		return err
	}
	if err := api.Approve(dc.UserCode, cfg.BotUsername); err != nil {
		return err
	}
	g, err := a.oauth.AwaitDevice(ctx, dc, scopesFor(hearth.TokenBot))
	if err != nil {
		return err
	}
	var out strings.Builder
	if err := a.saveGrant(ctx, *cfg, &out, hearth.TokenBot, g, true); err != nil {
		return err
	}
	log.Info("demo: the bot signed in through the fake Twitch's device flow", "login", cfg.BotUsername, "user_code", dc.UserCode)
	return nil
}

// demoKeepsToken reports whether the demo keeps the token stored for
// subject: yes if this run's fake Twitch accepts it. A token that it
// refuses, or that the key does not open, was issued by an earlier demo's
// fake Twitch, which is gone (a demo restarted on its database, as the
// compose file's volume and restart policy do): the demo signs in again
// and replaces it. A token no fake issued is a real account's, which the
// demo never replaces: that is an error.
func demoKeepsToken(ctx context.Context, st hearth.Store, tokens *oauth.Tokens, o *oauth.Client, subject string, log *slog.Logger) (bool, error) {
	stored, err := st.StoredToken(ctx, subject)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// The fake gives each login a user id of its own making.
	if stored.UserID != twitchtest.UserID(stored.Login) {
		return false, fmt.Errorf("the database holds a Twitch token for %s (%s) that no demo made, and demo would replace it: give demo a database of its own (--db)",
			subjectName(subject), stored.Login)
	}
	if tok, err := tokens.Open(stored); err == nil {
		if _, err := o.Validate(ctx, tok.Access); err == nil {
			return true, nil
		}
	}
	log.Info("demo: the stored token was issued by an earlier demo's fake Twitch; signing in again", "subject", subject, "login", stored.Login)
	return false, nil
}
