package helix

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream"
	helixapi "github.com/nicklaw5/helix/v2"
)

// Scopes the Helix features need in a token.
const (
	ScopeReadChatters       = "moderator:read:chatters"
	ScopeManagePolls        = "channel:manage:polls"
	ScopeManageAnnouncement = "moderator:manage:announcements"
)

// Helix endpoint names, the bounded values of the endpoint label of
// Observer.HelixRequest.
const (
	EndpointUsers         = "users"
	EndpointStreams       = "streams"
	EndpointChatters      = "chatters"
	EndpointPolls         = "polls"
	EndpointAnnouncements = "announcements"
)

// maxBackoff bounds the wait after failed polls; maxChatterPages bounds
// one chatter list (1,000 a page).
const (
	maxBackoff      = 5 * time.Minute
	maxChatterPages = 200
	// noPermissionRetry is how long a channel whose tokens cannot read
	// its chatters goes before Hearth asks again (a token may have been
	// granted the scope since).
	noPermissionRetry = 10 * time.Minute
)

// BroadcasterIDs keeps each channel's Twitch user id once resolved, so
// that it survives restarts. hearth.Store implements it.
type BroadcasterIDs interface {
	// BroadcasterID returns a channel's stored id, or an ENOTFOUND error.
	BroadcasterID(ctx context.Context, channel string) (string, error)
	// SetBroadcasterID records a channel's id.
	SetBroadcasterID(ctx context.Context, channel, id string) error
}

// Observer is told about Helix requests and health, for metrics. Its
// methods are called from several goroutines and must be cheap.
type Observer interface {
	// HelixRequest counts one request to endpoint (one of the Endpoint
	// constants) with its HTTP status, or "error" when no answer came.
	HelixRequest(endpoint, code string)
	// HelixDegraded reports whether the last poll failed.
	HelixDegraded(degraded bool)
}

// Config configures a Helix client.
type Config struct {
	// BaseURL is the Helix base URL (HEARTH_TWITCH_API_URL); empty means
	// Twitch's.
	BaseURL string
	// ClientID is the application's client id, which Helix requires.
	ClientID string
	// Tokens hands out the bot's and the broadcasters' tokens.
	Tokens hearth.TokenSource
	// Channels are the channels to watch while Run runs; AddChannel and
	// RemoveChannel change them.
	Channels []string
	// IDs, if set, keeps the resolved broadcaster ids.
	IDs BroadcasterIDs
	// PollInterval is how often Run asks for streams and chatters
	// (default 30 s).
	PollInterval time.Duration
	// Handle receives the events polling produces: EventOnline,
	// EventOffline, EventViewerCount and EventChatters.
	Handle func(hearth.Event)
	// Observer, if set, is told about requests and health.
	Observer Observer
	// HTTPClient makes the requests (default: one with a 10 s timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Client is Hearth's client for Twitch's Helix API: it resolves channels'
// broadcaster ids, polls live status, viewer counts and chatter lists
// into events, and runs native polls and announcements. It is safe for
// concurrent use.
type Client struct {
	cfg Config
	log *slog.Logger
	obs Observer

	mu       sync.Mutex
	channels []string               // the channels watched
	ids      map[string]string      // channel -> broadcaster id
	users    map[string]string      // token subject -> the token's user id
	seen     map[string]streamState // channel -> what the last poll saw
	noList   map[string]time.Time   // channel -> when to try its chatters again
	limits   map[string]rateLimit   // token subject -> Twitch's bucket
	degraded string                 // why the last poll failed; "" when it did not
	warned   map[string]bool        // warnings already logged once
}

// streamState is a channel's stream as the last poll saw it.
type streamState struct {
	live     bool
	streamID string
}

// rateLimit is a token's bucket as Twitch's Ratelimit headers report it.
type rateLimit struct {
	remaining int
	reset     time.Time
}

var _ hearth.NativePolls = (*Client)(nil)

// New returns a Helix client. It needs a client id and a token source.
func New(cfg Config) (*Client, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("helix: a client id is required (HEARTH_TWITCH_CLIENT_ID)")
	}
	if cfg.Tokens == nil {
		return nil, errors.New("helix: a token source is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = helixapi.DefaultAPIBaseURL
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 30 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: stream.DefaultHTTPTimeout}
	}
	if cfg.Handle == nil {
		cfg.Handle = func(hearth.Event) {}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	obs := cfg.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	return &Client{
		cfg: cfg, log: cfg.Logger, obs: obs, channels: slices.Clone(cfg.Channels),
		ids: map[string]string{}, users: map[string]string{}, seen: map[string]streamState{},
		noList: map[string]time.Time{}, limits: map[string]rateLimit{}, warned: map[string]bool{},
	}, nil
}

// AddChannel watches a channel from the next poll on: its broadcaster
// id is resolved, and its live status, viewer count and chatter list
// polled like every channel's.
func (h *Client) AddChannel(channel string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.Contains(h.channels, channel) {
		h.channels = append(h.channels, channel)
	}
}

// RemoveChannel stops watching a channel: no poll asks about it or
// reports events for it any more, and what the polls saw of it is
// forgotten, so that watching it again reports its state afresh.
func (h *Client) RemoveChannel(channel string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.channels = slices.DeleteFunc(h.channels, func(ch string) bool { return ch == channel })
	delete(h.seen, channel)
	delete(h.noList, channel)
}

// watched returns the channels watched now.
func (h *Client) watched() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.channels)
}

// Run polls Helix until ctx ends: every PollInterval while Twitch
// answers, backing off (exponentially, with jitter, up to 5 minutes, and
// until Twitch's rate-limit reset after a 429) while it fails. A failing
// Helix only degrades Hearth; Run never gives up.
func (h *Client) Run(ctx context.Context) error {
	failures := 0
	for {
		wait := h.cfg.PollInterval
		err := h.Poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		h.setDegraded(err)
		if err != nil {
			failures++
			wait = backoff(h.cfg.PollInterval, failures)
			var re *retryError
			if errors.As(err, &re) && time.Until(re.until) > wait {
				wait = time.Until(re.until)
			}
			h.log.Warn("helix: poll failed", "err", err, "retry_in", wait.Round(time.Millisecond))
		} else if failures > 0 {
			h.log.Info("helix: answering again", "after_failures", failures)
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// backoff is the wait after n failures in a row: the interval doubled
// n-1 times, at most maxBackoff, with half of it random so that many
// instances do not retry in step.
func backoff(interval time.Duration, n int) time.Duration {
	d := interval
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, max(maxBackoff, interval))
	return d/2 + rand.N(d/2+1)
}

// Degraded names what is wrong with Helix, for /readyz: nil while it
// answers.
func (h *Client) Degraded() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.degraded == "" {
		return nil
	}
	return []string{"helix: " + h.degraded}
}

func (h *Client) setDegraded(err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	h.mu.Lock()
	h.degraded = msg
	h.mu.Unlock()
	h.obs.HelixDegraded(err != nil)
}

// Poll asks Helix once for every channel's broadcaster id (until known),
// live status and viewer count, and, for live channels whose tokens allow
// it, chatter list, and hands the events to Handle. It returns an error
// when Twitch could not be asked; a channel whose tokens do not allow its
// chatter list is skipped with a log line.
func (h *Client) Poll(ctx context.Context) error {
	subject, ok := h.anySubject(ctx)
	if !ok {
		h.warnOnce("token", "helix: no token yet (bot or broadcaster); Helix is not asked until someone signs in")
		return nil
	}
	if err := h.resolveIDs(ctx, subject); err != nil {
		return err
	}
	live, err := h.streams(ctx, subject)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, ch := range h.watched() {
		id := h.id(ch)
		if id == "" {
			continue
		}
		s, isLive := live[ch]
		h.transition(ch, id, s, isLive, now)
		if !isLive {
			continue
		}
		h.cfg.Handle(hearth.Event{Kind: hearth.EventViewerCount, Channel: ch, ChannelID: id, Time: now, Count: s.ViewerCount})
		if err := h.chatters(ctx, ch, id); err != nil {
			return err
		}
	}
	return nil
}

// transition emits EventOnline and EventOffline when a channel's stream
// changes from what the last poll saw; the first poll reports the state
// as it is, which ends a stream left open by an earlier run. Both carry
// the poll's time, not Twitch's started_at: a stream found long running
// would otherwise have its past minutes credited to whoever is present
// now, and a new stream could start before the last one ended.
func (h *Client) transition(ch, id string, s helixapi.Stream, live bool, now time.Time) {
	h.mu.Lock()
	prev, known := h.seen[ch]
	cur := streamState{live: live, streamID: s.ID}
	h.seen[ch] = cur
	h.mu.Unlock()
	if known && prev == cur {
		return
	}
	if prev.live && (!live || prev.streamID != s.ID) || !known && !live {
		h.cfg.Handle(hearth.Event{Kind: hearth.EventOffline, Channel: ch, ChannelID: id, Time: now})
	}
	if live {
		h.cfg.Handle(hearth.Event{Kind: hearth.EventOnline, Channel: ch, ChannelID: id, Time: now})
	}
}

// BroadcasterID returns a channel's Twitch user id: known, stored, or
// asked of Helix (and stored) the first time.
func (h *Client) BroadcasterID(ctx context.Context, channel string) (string, error) {
	if id := h.id(channel); id != "" {
		return id, nil
	}
	if h.cfg.IDs != nil {
		if id, err := h.cfg.IDs.BroadcasterID(ctx, channel); err == nil && id != "" {
			h.mu.Lock()
			h.ids[channel] = id
			h.mu.Unlock()
			return id, nil
		}
	}
	subject, ok := h.anySubject(ctx)
	if !ok {
		return "", hearth.Errorf(hearth.EUNAUTHORIZED, "no Twitch token to ask Helix with: sign in with hearth auth")
	}
	if err := h.resolve(ctx, subject, []string{channel}); err != nil {
		return "", err
	}
	if id := h.id(channel); id != "" {
		return id, nil
	}
	return "", hearth.Errorf(hearth.ENOTFOUND, "Twitch has no user %s", channel)
}

func (h *Client) id(channel string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ids[channel]
}

// resolveIDs fills in the ids of the channels that have none: from the
// store, else from Helix Get Users.
func (h *Client) resolveIDs(ctx context.Context, subject string) error {
	var missing []string
	for _, ch := range h.watched() {
		if h.id(ch) != "" {
			continue
		}
		if h.cfg.IDs != nil {
			id, err := h.cfg.IDs.BroadcasterID(ctx, ch)
			if err == nil && id != "" {
				h.mu.Lock()
				h.ids[ch] = id
				h.mu.Unlock()
				continue
			}
			if err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND {
				h.log.Warn("helix: unable to read a stored broadcaster id", "channel", ch, "err", err)
			}
		}
		missing = append(missing, ch)
	}
	return h.resolve(ctx, subject, missing)
}

// resolve asks Get Users for logins' ids, 100 at a time, and stores them.
func (h *Client) resolve(ctx context.Context, subject string, logins []string) error {
	for len(logins) > 0 {
		batch := logins[:min(len(logins), 100)]
		logins = logins[len(batch):]
		var users []helixapi.User
		err := h.call(ctx, EndpointUsers, subject, func(c *helixapi.Client) (*helixapi.ResponseCommon, error) {
			r, err := c.GetUsers(&helixapi.UsersParams{Logins: batch})
			if err != nil {
				return nil, err
			}
			users = r.Data.Users
			return &r.ResponseCommon, nil
		})
		if err != nil {
			return fmt.Errorf("Get Users: %w", err)
		}
		found := map[string]bool{}
		for _, u := range users {
			login := strings.ToLower(u.Login)
			if u.ID == "" || len(u.ID) > 64 || !hearth.ValidLogin(login) {
				continue
			}
			found[login] = true
			h.mu.Lock()
			h.ids[login] = u.ID
			h.mu.Unlock()
			if h.cfg.IDs != nil {
				if err := h.cfg.IDs.SetBroadcasterID(ctx, login, u.ID); err != nil {
					h.log.Warn("helix: unable to store a broadcaster id", "channel", login, "err", err)
				}
			}
		}
		for _, l := range batch {
			if !found[l] {
				h.warnOnce("nouser:"+l, "helix: Twitch has no user by this channel's name", "channel", l)
			}
		}
	}
	return nil
}

// streams asks Get Streams about every channel with an id and returns the
// live ones by login.
func (h *Client) streams(ctx context.Context, subject string) (map[string]helixapi.Stream, error) {
	var ids []string
	byID := map[string]string{}
	for _, ch := range h.watched() {
		if id := h.id(ch); id != "" {
			ids = append(ids, id)
			byID[id] = ch
		}
	}
	live := map[string]helixapi.Stream{}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 100)]
		ids = ids[len(batch):]
		var streams []helixapi.Stream
		err := h.call(ctx, EndpointStreams, subject, func(c *helixapi.Client) (*helixapi.ResponseCommon, error) {
			r, err := c.GetStreams(&helixapi.StreamsParams{UserIDs: batch, First: 100})
			if err != nil {
				return nil, err
			}
			streams = r.Data.Streams
			return &r.ResponseCommon, nil
		})
		if err != nil {
			return nil, fmt.Errorf("Get Streams: %w", err)
		}
		for _, s := range streams {
			if ch, ok := byID[s.UserID]; ok && s.Type == "live" {
				s.ViewerCount = max(s.ViewerCount, 0)
				live[ch] = s
			}
		}
	}
	return live, nil
}

// chatters hands a live channel's chatter list to Handle, if a token
// allows reading it: the broadcaster's own, else the bot's where the bot
// moderates. It returns an error only when Twitch failed to answer.
func (h *Client) chatters(ctx context.Context, ch, id string) error {
	h.mu.Lock()
	until := h.noList[ch]
	h.mu.Unlock()
	if time.Now().Before(until) {
		return nil
	}
	subject, tok, ok := h.tokenWith(ctx, ScopeReadChatters, ch, hearth.TokenBot)
	if !ok {
		h.warnOnce("nolist:"+ch, "helix: no token may read this channel's chatter list ("+ScopeReadChatters+"); lurkers are not counted", "channel", ch)
		h.skipChatters(ch)
		return nil
	}
	modID, err := h.userID(ctx, subject, tok)
	if err != nil {
		return err
	}
	var list []hearth.Identity
	cursor := ""
	for page := 0; page < maxChatterPages; page++ {
		var r *helixapi.GetChatChattersResponse
		err := h.call(ctx, EndpointChatters, subject, func(c *helixapi.Client) (*helixapi.ResponseCommon, error) {
			var err error
			r, err = c.GetChannelChatChatters(&helixapi.GetChatChattersParams{BroadcasterID: id, ModeratorID: modID, First: "1000", After: cursor})
			if err != nil {
				return nil, err
			}
			return &r.ResponseCommon, nil
		})
		if code := hearth.ErrorCode(err); code == hearth.EUNAUTHORIZED || code == hearth.EINVALID {
			h.log.Warn("helix: Twitch refused the chatter list; lurkers are not counted", "channel", ch, "err", err)
			h.skipChatters(ch)
			return nil
		}
		if err != nil {
			return fmt.Errorf("Get Chatters for #%s: %w", ch, err)
		}
		for _, c := range r.Data.Chatters {
			login := strings.ToLower(c.UserLogin)
			if c.UserID == "" || len(c.UserID) > 64 || !hearth.ValidLogin(login) {
				continue
			}
			list = append(list, hearth.Identity{ID: c.UserID, Login: login, DisplayName: c.Username})
		}
		if cursor = r.Data.Pagination.Cursor; cursor == "" {
			break
		}
	}
	h.cfg.Handle(hearth.Event{Kind: hearth.EventChatters, Channel: ch, ChannelID: id, Time: time.Now(), Chatters: list})
	return nil
}

func (h *Client) skipChatters(ch string) {
	h.mu.Lock()
	h.noList[ch] = time.Now().Add(noPermissionRetry)
	h.mu.Unlock()
}

// CreatePoll starts a native Twitch poll with the broadcaster's token
// (channel:manage:polls) and returns its id. duration is rounded to whole
// seconds; Twitch accepts 15 s to 30 min, 2 to 5 choices of up to 25
// characters and a title of up to 60.
func (h *Client) CreatePoll(ctx context.Context, channel, title string, choices []string, duration time.Duration) (string, error) {
	id, err := h.pollSetup(ctx, channel)
	if err != nil {
		return "", err
	}
	params := &helixapi.CreatePollParams{BroadcasterID: id, Title: title, Duration: int(duration.Round(time.Second) / time.Second)}
	for _, c := range choices {
		params.Choices = append(params.Choices, helixapi.PollChoiceParam{Title: c})
	}
	var polls []helixapi.Poll
	err = h.call(ctx, EndpointPolls, channel, func(c *helixapi.Client) (*helixapi.ResponseCommon, error) {
		r, err := c.CreatePoll(params)
		if err != nil {
			return nil, err
		}
		polls = r.Data.Polls
		return &r.ResponseCommon, nil
	})
	if err != nil {
		return "", pollError(channel, "create", err)
	}
	if len(polls) == 0 || polls[0].ID == "" {
		return "", fmt.Errorf("helix: Create Poll for #%s answered without a poll", channel)
	}
	return polls[0].ID, nil
}

// EndPoll ends a native poll early: TERMINATED shows its result, ARCHIVED
// (cancel) hides it.
func (h *Client) EndPoll(ctx context.Context, channel, pollID string, cancel bool) error {
	id, err := h.pollSetup(ctx, channel)
	if err != nil {
		return err
	}
	status := "TERMINATED"
	if cancel {
		status = "ARCHIVED"
	}
	err = h.call(ctx, EndpointPolls, channel, func(c *helixapi.Client) (*helixapi.ResponseCommon, error) {
		r, err := c.EndPoll(&helixapi.EndPollParams{BroadcasterID: id, ID: pollID, Status: status})
		if err != nil {
			return nil, err
		}
		return &r.ResponseCommon, nil
	})
	if err != nil {
		return pollError(channel, "end", err)
	}
	return nil
}

// pollSetup checks that the channel's broadcaster signed in with the polls
// scope and returns the broadcaster id.
func (h *Client) pollSetup(ctx context.Context, channel string) (string, error) {
	tok, err := h.cfg.Tokens.Token(ctx, channel)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return "", hearth.Errorf(hearth.EUNAUTHORIZED, "#%s cannot run Twitch polls: its broadcaster has not signed in (hearth auth login --channel %s)", channel, channel)
	}
	if err != nil {
		return "", err
	}
	if tok.Scopes != nil && !tok.Has(ScopeManagePolls) {
		return "", hearth.Errorf(hearth.EUNAUTHORIZED, "#%s cannot run Twitch polls: the broadcaster's sign-in lacks %s (sign in again)", channel, ScopeManagePolls)
	}
	return h.BroadcasterID(ctx, channel)
}

// pollError turns Twitch's refusal of a poll into a coded error: 401 and
// 403 (no scope, not Affiliate or Partner) are EUNAUTHORIZED, 400 is
// EINVALID with what Twitch said.
func pollError(channel, verb string, err error) error {
	var he *helixError
	if !errors.As(err, &he) {
		return fmt.Errorf("helix: unable to %s a poll in #%s: %w", verb, channel, err)
	}
	switch he.status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return hearth.Errorf(hearth.EUNAUTHORIZED, "#%s cannot run Twitch polls: %s (native polls need an Affiliate or Partner channel and %s)", channel, he.message, ScopeManagePolls)
	case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity:
		return hearth.Errorf(hearth.EINVALID, "Twitch refused the poll: %s", he.message)
	}
	return fmt.Errorf("helix: unable to %s a poll in #%s: %w", verb, channel, err)
}

// Announce sends a chat announcement (Helix Send Chat Announcement) to a
// channel, as the bot where it moderates with
// moderator:manage:announcements, else as the broadcaster. color is
// blue, green, orange, purple or "" for the channel's accent colour.
// EUNAUTHORIZED says no token may announce there; the caller may fall
// back to a plain chat line.
func (h *Client) Announce(ctx context.Context, channel, message, color string) error {
	id, err := h.BroadcasterID(ctx, channel)
	if err != nil {
		return err
	}
	// The bot's token comes first; when Twitch refuses it (a token from
	// the configuration whose scopes are unknown), the broadcaster's may
	// still be allowed.
	err = hearth.Errorf(hearth.EUNAUTHORIZED, "no token may send announcements in #%s (%s)", channel, ScopeManageAnnouncement)
	for _, candidate := range []string{hearth.TokenBot, channel} {
		subject, tok, ok := h.tokenWith(ctx, ScopeManageAnnouncement, candidate)
		if !ok {
			continue
		}
		if err = h.announceAs(ctx, id, subject, tok, message, color); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
			return err
		}
	}
	return err
}

func (h *Client) announceAs(ctx context.Context, broadcasterID, subject string, tok hearth.Token, message, color string) error {
	modID, err := h.userID(ctx, subject, tok)
	if err != nil {
		return err
	}
	err = h.call(ctx, EndpointAnnouncements, subject, func(c *helixapi.Client) (*helixapi.ResponseCommon, error) {
		r, err := c.SendChatAnnouncement(&helixapi.SendChatAnnouncementParams{BroadcasterID: broadcasterID, ModeratorID: modID, Message: message, Color: color})
		if err != nil {
			return nil, err
		}
		return &r.ResponseCommon, nil
	})
	var he *helixError
	if errors.As(err, &he) && (he.status == http.StatusUnauthorized || he.status == http.StatusForbidden) {
		return hearth.Errorf(hearth.EUNAUTHORIZED, "Twitch refused the announcement as %s: %s", tok.Login, he.message)
	}
	if errors.As(err, &he) && he.status == http.StatusBadRequest {
		return hearth.Errorf(hearth.EINVALID, "Twitch refused the announcement: %s", he.message)
	}
	return err
}

// anySubject returns a subject with a token to make unprivileged calls
// (users, streams) with: the bot's, else a broadcaster's.
func (h *Client) anySubject(ctx context.Context) (string, bool) {
	for _, s := range append([]string{hearth.TokenBot}, h.watched()...) {
		if _, err := h.cfg.Tokens.Token(ctx, s); err == nil {
			return s, true
		}
	}
	return "", false
}

// tokenWith returns the first of subjects with a token that has scope, or
// whose scopes are unknown (a token given in the configuration): Twitch
// then says whether it may.
func (h *Client) tokenWith(ctx context.Context, scope string, subjects ...string) (string, hearth.Token, bool) {
	for _, s := range subjects {
		tok, err := h.cfg.Tokens.Token(ctx, s)
		if err == nil && (tok.Scopes == nil || tok.Has(scope)) {
			return s, tok, true
		}
	}
	return "", hearth.Token{}, false
}

// userID returns the Twitch user a token acts as: its UserID, else the
// login's id, else Get Users' answer for the token itself.
func (h *Client) userID(ctx context.Context, subject string, tok hearth.Token) (string, error) {
	if tok.UserID != "" {
		return tok.UserID, nil
	}
	h.mu.Lock()
	id := h.users[subject]
	h.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var users []helixapi.User
	err := h.call(ctx, EndpointUsers, subject, func(c *helixapi.Client) (*helixapi.ResponseCommon, error) {
		r, err := c.GetUsers(&helixapi.UsersParams{})
		if err != nil {
			return nil, err
		}
		users = r.Data.Users
		return &r.ResponseCommon, nil
	})
	if err != nil {
		return "", fmt.Errorf("Get Users for the %s token: %w", subject, err)
	}
	if len(users) == 0 || users[0].ID == "" {
		return "", fmt.Errorf("helix: Get Users named no user for the %s token", subject)
	}
	h.mu.Lock()
	h.users[subject] = users[0].ID
	h.mu.Unlock()
	return users[0].ID, nil
}

// call makes one Helix request with subject's token through fn, which
// uses the client it is given and returns the response's common part. It
// waits while the token's rate-limit bucket is empty, counts the request,
// and after a 401 invalidates the token and tries once more with a fresh
// one. An answer other than 2xx becomes a *helixError (with a *retryError
// inside for 429 and 5xx).
func (h *Client) call(ctx context.Context, endpoint, subject string, fn func(*helixapi.Client) (*helixapi.ResponseCommon, error)) error {
	for attempt := 0; ; attempt++ {
		tok, err := h.cfg.Tokens.Token(ctx, subject)
		if err != nil {
			return err
		}
		if err := h.waitBucket(ctx, subject); err != nil {
			return err
		}
		c, err := helixapi.NewClientWithContext(ctx, &helixapi.Options{
			ClientID: h.cfg.ClientID, UserAccessToken: tok.Access, APIBaseURL: h.cfg.BaseURL, HTTPClient: h.cfg.HTTPClient,
		})
		if err != nil {
			return err
		}
		rc, err := fn(c)
		if err != nil || rc == nil {
			h.obs.HelixRequest(endpoint, "error")
			if err == nil {
				err = errors.New("no answer")
			}
			// The library's messages carry no token; they can carry a URL
			// with ids, which are public.
			return &retryError{err: err, until: time.Now()}
		}
		h.obs.HelixRequest(endpoint, strconv.Itoa(rc.StatusCode))
		h.noteBucket(subject, rc.Header)
		// A 401 for a missing scope is not cured by a refresh.
		if rc.StatusCode == http.StatusUnauthorized && attempt == 0 && !strings.HasPrefix(rc.ErrorMessage, "Missing scope") {
			h.cfg.Tokens.Invalidate(subject)
			continue
		}
		if rc.StatusCode < 300 {
			return nil
		}
		return newHelixError(subject, rc)
	}
}

// waitBucket waits until Twitch's reset when the subject's bucket is
// empty.
func (h *Client) waitBucket(ctx context.Context, subject string) error {
	h.mu.Lock()
	l, ok := h.limits[subject]
	h.mu.Unlock()
	if !ok || l.remaining > 0 {
		return nil
	}
	wait := time.Until(l.reset)
	if wait <= 0 {
		return nil
	}
	wait = min(wait, time.Minute) + rand.N(wait/10+1)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// noteBucket records the Ratelimit-Remaining and Ratelimit-Reset headers.
func (h *Client) noteBucket(subject string, hdr http.Header) {
	rem, err1 := strconv.Atoi(hdr.Get("Ratelimit-Remaining"))
	reset, err2 := strconv.ParseInt(hdr.Get("Ratelimit-Reset"), 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	h.mu.Lock()
	h.limits[subject] = rateLimit{remaining: rem, reset: time.Unix(reset, 0)}
	h.mu.Unlock()
}

func (h *Client) warnOnce(key, msg string, args ...any) {
	h.mu.Lock()
	done := h.warned[key]
	h.warned[key] = true
	h.mu.Unlock()
	if !done {
		h.log.Warn(msg, args...)
	}
}

// helixError is Twitch's answer to a request it refused.
type helixError struct {
	status  int
	message string
	subject string
	retry   *retryError
}

func newHelixError(subject string, rc *helixapi.ResponseCommon) *helixError {
	msg := rc.ErrorMessage
	if msg == "" {
		msg = http.StatusText(rc.StatusCode)
	}
	e := &helixError{status: rc.StatusCode, message: msg, subject: subject}
	if rc.StatusCode == http.StatusTooManyRequests || rc.StatusCode >= 500 {
		until := time.Now()
		if reset, err := strconv.ParseInt(rc.Header.Get("Ratelimit-Reset"), 10, 64); err == nil && rc.StatusCode == http.StatusTooManyRequests {
			until = time.Unix(reset, 0)
		}
		e.retry = &retryError{err: errors.New(msg), until: until}
	}
	return e
}

// Error says what Twitch answered, naming whose token was used but never
// the token.
func (e *helixError) Error() string {
	if e.status == http.StatusUnauthorized {
		return fmt.Sprintf("%d %s (with the %s token)", e.status, e.message, e.subject)
	}
	return fmt.Sprintf("%d %s", e.status, e.message)
}

// Unwrap exposes the retry advice of a 429 or 5xx, and a coded error for
// refusals that callers act on.
func (e *helixError) Unwrap() []error {
	switch {
	case e.retry != nil:
		return []error{e.retry}
	case e.status == http.StatusUnauthorized || e.status == http.StatusForbidden:
		return []error{hearth.Errorf(hearth.EUNAUTHORIZED, "%s", e.message)}
	case e.status >= 400 && e.status < 500:
		return []error{hearth.Errorf(hearth.EINVALID, "%s", e.message)}
	}
	return nil
}

// retryError is a failure worth retrying later: no answer, 429 or 5xx.
// until is Twitch's rate-limit reset after a 429.
type retryError struct {
	err   error
	until time.Time
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

type nopObserver struct{}

func (nopObserver) HelixRequest(string, string) {}
func (nopObserver) HelixDegraded(bool)          {}
