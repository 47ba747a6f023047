package twitchtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// helixRateLimit is the size of the fake's request bucket per token, as
// Twitch's Ratelimit-Limit header reports it; it refills every minute.
const helixRateLimit = 800

// Helix endpoints, as HelixRequests counts them.
const (
	HelixUsers         = "users"
	HelixStreams       = "streams"
	HelixChatters      = "chatters"
	HelixPolls         = "polls"
	HelixAnnouncements = "announcements"
	HelixModerators    = "moderators"
)

// helixState is the fake's view of Twitch for Helix: who is live, who is
// in chat, which channels may run polls, and the failures to inject.
type helixState struct {
	live        map[string]*liveStream // by channel login
	chatters    map[string][]Chatter   // by channel login
	moderators  map[string][]string    // channel login -> moderators' logins
	names       map[string]string      // login -> display name, when not the login
	nonAffiliat map[string]bool        // channels that cannot run polls
	polls       map[string]*fakePoll   // by poll id
	announced   []Announcement
	requests    map[string]int  // by endpoint
	known       map[string]bool // logins looked up or set up, so ids resolve back
	failStatus  int
	failLeft    int // -1: until HelixRecover
	buckets     map[string]*bucket
}

// liveStream is one live stream.
type liveStream struct {
	id        string
	viewers   int
	startedAt time.Time
	title     string
}

// bucket is one token's rate-limit bucket.
type bucket struct {
	remaining int
	reset     time.Time
}

// fakePoll is a native poll the fake runs.
type fakePoll struct {
	id, broadcasterID, broadcasterLogin, title, status string
	choices                                            []string
	duration                                           int
	startedAt, endedAt                                 time.Time
}

// Announcement is one chat announcement the fake received.
type Announcement struct {
	Channel     string // the broadcaster's login
	ModeratorID string
	Message     string
	Color       string
}

func (a *API) helix() *helixState {
	if a.hx == nil {
		a.hx = &helixState{
			live:        map[string]*liveStream{},
			chatters:    map[string][]Chatter{},
			moderators:  map[string][]string{},
			names:       map[string]string{},
			nonAffiliat: map[string]bool{},
			polls:       map[string]*fakePoll{},
			requests:    map[string]int{},
			buckets:     map[string]*bucket{},
			known:       map[string]bool{},
		}
	}
	return a.hx
}

// SetLive makes a channel's stream live with viewers concurrent viewers,
// or changes the count of a stream already live. A stream that goes live
// gets a new stream id.
func (a *API) SetLive(channel string, viewers int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	hx := a.helix()
	hx.known[channel] = true
	if s, ok := hx.live[channel]; ok {
		s.viewers = viewers
		return
	}
	hx.live[channel] = &liveStream{id: strconv.FormatInt(time.Now().UnixNano()%1e11, 10), viewers: viewers,
		startedAt: time.Now().UTC().Truncate(time.Second), title: "Live with " + channel}
}

// SetOffline ends a channel's stream.
func (a *API) SetOffline(channel string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.helix().live, channel)
}

// SetChatters sets who Get Chatters lists for a channel, in order.
func (a *API) SetChatters(channel string, chatters []Chatter) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.helix().known[channel] = true
	a.helix().chatters[channel] = slices.Clone(chatters)
}

// SetModerator makes login a moderator of channel (or not), for the
// moderator_id check of Get Chatters and Send Chat Announcement.
func (a *API) SetModerator(channel, login string, on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	hx := a.helix()
	hx.known[channel] = true
	mods := slices.DeleteFunc(hx.moderators[channel], func(s string) bool { return s == login })
	if on {
		mods = append(mods, login)
	}
	hx.moderators[channel] = mods
}

// SetAffiliate says whether a channel is an Affiliate or Partner (the
// default), which native polls need.
func (a *API) SetAffiliate(channel string, on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.helix().nonAffiliat[channel] = !on
}

// FailHelix makes the next n Helix requests fail with status (429 or a
// 5xx) and Twitch's error body; n < 0 fails every request until
// HelixRecover.
func (a *API) FailHelix(status, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	hx := a.helix()
	hx.failStatus, hx.failLeft = status, n
}

// SetHelixLatency makes every Helix request (EventSub subscriptions
// included) wait d before it is handled, as over a real network to
// Twitch; 0 answers at once.
func (a *API) SetHelixLatency(d time.Duration) {
	a.mu.Lock()
	a.latency = d
	a.mu.Unlock()
}

// HelixRecover ends the failures FailHelix injected.
func (a *API) HelixRecover() { a.FailHelix(0, 0) }

// HelixRequests returns how many requests an endpoint (HelixUsers,
// HelixStreams...) has received, failed ones included.
func (a *API) HelixRequests(endpoint string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.helix().requests[endpoint]
}

// Announcements returns the chat announcements received, oldest first.
func (a *API) Announcements() []Announcement {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.helix().announced)
}

// PollStatus returns a native poll's status (ACTIVE, COMPLETED,
// TERMINATED, ARCHIVED), or "" if the fake has no such poll.
func (a *API) PollStatus(id string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p, ok := a.helix().polls[id]; ok {
		return p.status
	}
	return ""
}

// helixRoutes registers the Helix endpoints Hearth calls.
func (a *API) helixRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /helix/users", a.helixHandler(HelixUsers, "", a.getUsers))
	mux.HandleFunc("GET /helix/streams", a.helixHandler(HelixStreams, "", a.getStreams))
	mux.HandleFunc("GET /helix/chat/chatters", a.helixHandler(HelixChatters, "moderator:read:chatters", a.getChatters))
	mux.HandleFunc("POST /helix/polls", a.helixHandler(HelixPolls, "channel:manage:polls", a.createPoll))
	mux.HandleFunc("PATCH /helix/polls", a.helixHandler(HelixPolls, "channel:manage:polls", a.endPoll))
	mux.HandleFunc("POST /helix/chat/announcements", a.helixHandler(HelixAnnouncements, "moderator:manage:announcements", a.announce))
	mux.HandleFunc("GET /helix/moderation/moderators", a.helixHandler(HelixModerators, "moderation:read", a.getModerators))
}

// helixHandler wraps an endpoint with what every Helix call goes through:
// the injected failures, the Client-Id and token checks, the scope, and
// the rate-limit bucket and headers. The handler runs with a.mu held.
func (a *API) helixHandler(endpoint, scope string, h func(w http.ResponseWriter, r *http.Request, tok *Token)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := a.tokenFor(r.Header.Get("Authorization"))
		a.mu.Lock()
		defer a.mu.Unlock()
		hx := a.helix()
		hx.requests[endpoint]++
		if hx.failLeft != 0 {
			if hx.failLeft > 0 {
				hx.failLeft--
			}
			if hx.failStatus == http.StatusTooManyRequests {
				w.Header().Set("Ratelimit-Limit", strconv.Itoa(helixRateLimit))
				w.Header().Set("Ratelimit-Remaining", "0")
				w.Header().Set("Ratelimit-Reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))
			}
			helixError(w, hx.failStatus, "injected failure")
			return
		}
		switch {
		case r.Header.Get("Client-Id") == "":
			helixError(w, http.StatusUnauthorized, "Client ID is missing")
			return
		case !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "):
			helixError(w, http.StatusUnauthorized, "OAuth token is missing")
			return
		case tok == nil:
			helixError(w, http.StatusUnauthorized, "Invalid OAuth token")
			return
		case tok.ClientID != r.Header.Get("Client-Id"):
			helixError(w, http.StatusUnauthorized, "Client ID and OAuth token do not match")
			return
		case scope != "" && !tok.Has(scope):
			helixError(w, http.StatusUnauthorized, "Missing scope: "+scope)
			return
		}
		b := hx.buckets[tok.Access]
		now := time.Now()
		if b == nil || now.After(b.reset) {
			b = &bucket{remaining: helixRateLimit, reset: now.Add(time.Minute)}
			hx.buckets[tok.Access] = b
		}
		w.Header().Set("Ratelimit-Limit", strconv.Itoa(helixRateLimit))
		w.Header().Set("Ratelimit-Reset", strconv.FormatInt(b.reset.Unix(), 10))
		if b.remaining == 0 {
			w.Header().Set("Ratelimit-Remaining", "0")
			helixError(w, http.StatusTooManyRequests, "Too Many Requests")
			return
		}
		b.remaining--
		w.Header().Set("Ratelimit-Remaining", strconv.Itoa(b.remaining))
		h(w, r, tok)
	}
}

func writeData(w http.ResponseWriter, body any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// helixUser is a user as Get Users describes them.
type helixUser struct {
	ID              string `json:"id"`
	Login           string `json:"login"`
	DisplayName     string `json:"display_name"`
	Type            string `json:"type"`
	BroadcasterType string `json:"broadcaster_type"`
	Description     string `json:"description"`
	ProfileImageURL string `json:"profile_image_url"`
	OfflineImageURL string `json:"offline_image_url"`
	ViewCount       int    `json:"view_count"`
	CreatedAt       string `json:"created_at"`
}

// loginByID finds the login whose fake user id is id among the logins the
// fake knows of (live channels, chatters, tokens' users).
func (a *API) loginByID(id string) string {
	hx := a.helix()
	for l := range hx.known {
		if UserID(l) == id {
			return l
		}
	}
	for _, cs := range hx.chatters {
		for _, c := range cs {
			if c.userID() == id {
				return c.login()
			}
		}
	}
	for _, t := range a.tokens {
		if t.Login != "" && t.UserID == id {
			return t.Login
		}
	}
	return ""
}

func (a *API) user(login string) helixUser {
	kind := "affiliate"
	if a.helix().nonAffiliat[login] {
		kind = ""
	}
	name := login
	if n, ok := a.helix().names[login]; ok {
		name = n
	}
	return helixUser{ID: UserID(login), Login: login, DisplayName: name, BroadcasterType: kind,
		ProfileImageURL: "https://static-cdn.jtvnw.net/user-default-pictures-uv/profile_image-300x300.png",
		CreatedAt:       "2019-06-01T12:00:00Z"}
}

// getUsers answers GET /users: by login and id (together at most 100),
// or the token's own user when neither is given.
func (a *API) getUsers(w http.ResponseWriter, r *http.Request, tok *Token) {
	q := r.URL.Query()
	logins, ids := q["login"], q["id"]
	if len(logins)+len(ids) > 100 {
		helixError(w, http.StatusBadRequest, "The combined number of login and id query parameters must not exceed 100")
		return
	}
	users := []helixUser{}
	if len(logins)+len(ids) == 0 {
		if tok.Login == "" {
			helixError(w, http.StatusBadRequest, "The id or login query parameter is required unless the token is a user access token")
			return
		}
		users = append(users, a.user(tok.Login))
	}
	for _, l := range logins {
		if l = strings.ToLower(l); validLogin(l) {
			a.helix().known[l] = true
			users = append(users, a.user(l))
		}
	}
	for _, id := range ids {
		if l := a.loginByID(id); l != "" {
			users = append(users, a.user(l))
		}
	}
	writeData(w, map[string]any{"data": users})
}

// getStreams answers GET /streams for user_login and user_id filters:
// the live ones among them, or an empty list.
func (a *API) getStreams(w http.ResponseWriter, r *http.Request, _ *Token) {
	q := r.URL.Query()
	logins := slices.Clone(q["user_login"])
	for _, id := range q["user_id"] {
		if l := a.loginByID(id); l != "" {
			logins = append(logins, l)
		}
	}
	if len(q["user_login"])+len(q["user_id"]) > 100 {
		helixError(w, http.StatusBadRequest, "The number of user_login and user_id query parameters must not exceed 100")
		return
	}
	type stream struct {
		ID           string   `json:"id"`
		UserID       string   `json:"user_id"`
		UserLogin    string   `json:"user_login"`
		UserName     string   `json:"user_name"`
		GameID       string   `json:"game_id"`
		GameName     string   `json:"game_name"`
		Type         string   `json:"type"`
		Title        string   `json:"title"`
		Tags         []string `json:"tags"`
		ViewerCount  int      `json:"viewer_count"`
		StartedAt    string   `json:"started_at"`
		Language     string   `json:"language"`
		ThumbnailURL string   `json:"thumbnail_url"`
		TagIDs       []string `json:"tag_ids"`
		IsMature     bool     `json:"is_mature"`
	}
	data := []stream{}
	seen := map[string]bool{}
	for _, l := range logins {
		l = strings.ToLower(l)
		s, ok := a.helix().live[l]
		if !ok || seen[l] {
			continue
		}
		seen[l] = true
		data = append(data, stream{ID: s.id, UserID: UserID(l), UserLogin: l, UserName: l, GameID: "509658", GameName: "Just Chatting",
			Type: "live", Title: s.title, Tags: []string{"English"}, ViewerCount: s.viewers, StartedAt: s.startedAt.Format(time.RFC3339),
			Language: "en", ThumbnailURL: "https://static-cdn.jtvnw.net/previews-ttv/live_user_" + l + "-{width}x{height}.jpg", TagIDs: []string{}})
	}
	writeData(w, map[string]any{"data": data, "pagination": map[string]any{}})
}

// mayModerate reports whether the user tok acts as moderates channel.
func (a *API) mayModerate(channel string, tok *Token) bool {
	return tok.Login == channel || slices.Contains(a.helix().moderators[channel], tok.Login)
}

// getChatters answers GET /chat/chatters: broadcaster_id, moderator_id
// (the token's user, the broadcaster or one of their moderators), first
// (1 to 1000, default 100) and after (a cursor from the last page).
func (a *API) getChatters(w http.ResponseWriter, r *http.Request, tok *Token) {
	q := r.URL.Query()
	bid, mid := q.Get("broadcaster_id"), q.Get("moderator_id")
	switch {
	case bid == "":
		helixError(w, http.StatusBadRequest, "Missing required parameter \"broadcaster_id\"")
		return
	case mid == "":
		helixError(w, http.StatusBadRequest, "Missing required parameter \"moderator_id\"")
		return
	case mid != tok.UserID:
		helixError(w, http.StatusUnauthorized, "The ID in moderator_id must match the user ID found in the request's OAuth token.")
		return
	}
	channel := a.loginByID(bid)
	if channel == "" {
		helixError(w, http.StatusBadRequest, "The ID in broadcaster_id is not valid")
		return
	}
	if !a.mayModerate(channel, tok) {
		helixError(w, http.StatusForbidden, "The user in moderator_id is not one of the broadcaster's moderators.")
		return
	}
	first := 100
	if f := q.Get("first"); f != "" {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 1000 {
			helixError(w, http.StatusBadRequest, "The parameter \"first\" was malformed: the value must be between 1 and 1000")
			return
		}
		first = n
	}
	offset := 0
	if after := q.Get("after"); after != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(after, "cursor-"))
		if err != nil || !strings.HasPrefix(after, "cursor-") || n < 0 {
			helixError(w, http.StatusBadRequest, "The parameter \"after\" was malformed")
			return
		}
		offset = n
	}
	all := a.helix().chatters[channel]
	type chatter struct {
		UserID    string `json:"user_id"`
		UserLogin string `json:"user_login"`
		UserName  string `json:"user_name"`
	}
	data := []chatter{}
	for i := offset; i < len(all) && i < offset+first; i++ {
		c := all[i]
		data = append(data, chatter{UserID: c.userID(), UserLogin: c.login(), UserName: c.displayName()})
	}
	page := map[string]any{}
	if offset+first < len(all) {
		page["cursor"] = fmt.Sprintf("cursor-%d", offset+first)
	}
	writeData(w, map[string]any{"data": data, "pagination": page, "total": len(all)})
}

// json is the poll as the Polls endpoints describe it.
func (p *fakePoll) json() map[string]any {
	choices := make([]map[string]any, len(p.choices))
	for i, c := range p.choices {
		choices[i] = map[string]any{"id": fmt.Sprintf("%s-choice-%d", p.id, i+1), "title": c, "votes": 0, "channel_points_votes": 0, "bits_votes": 0}
	}
	var ended any
	if !p.endedAt.IsZero() {
		ended = p.endedAt.Format(time.RFC3339)
	}
	return map[string]any{"id": p.id, "broadcaster_id": p.broadcasterID, "broadcaster_name": p.broadcasterLogin, "broadcaster_login": p.broadcasterLogin,
		"title": p.title, "choices": choices, "bits_voting_enabled": false, "bits_per_vote": 0, "channel_points_voting_enabled": false,
		"channel_points_per_vote": 0, "status": p.status, "duration": p.duration, "started_at": p.startedAt.Format(time.RFC3339), "ended_at": ended}
}

// pollOwner checks that the token's user is the broadcaster whose id the
// request names and may run polls; it writes the error and returns ""
// otherwise.
func (a *API) pollOwner(w http.ResponseWriter, tok *Token, bid string) string {
	switch {
	case bid == "":
		helixError(w, http.StatusBadRequest, "Missing required parameter \"broadcaster_id\"")
		return ""
	case bid != tok.UserID:
		helixError(w, http.StatusUnauthorized, "The broadcaster_id does not match the user ID in the OAuth token")
		return ""
	case a.helix().nonAffiliat[tok.Login]:
		helixError(w, http.StatusForbidden, "The broadcaster must be a partner or affiliate to use polls")
		return ""
	}
	return tok.Login
}

// createPoll answers POST /polls: a title of 1 to 60 characters, 2 to 5
// choices of 1 to 25 characters, a duration of 15 to 1800 seconds, and no
// other active poll in the channel.
func (a *API) createPoll(w http.ResponseWriter, r *http.Request, tok *Token) {
	var body struct {
		BroadcasterID string `json:"broadcaster_id"`
		Title         string `json:"title"`
		Choices       []struct {
			Title string `json:"title"`
		} `json:"choices"`
		Duration int `json:"duration"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil {
		helixError(w, http.StatusBadRequest, "The request body is not valid JSON")
		return
	}
	login := a.pollOwner(w, tok, body.BroadcasterID)
	if login == "" {
		return
	}
	n := utf8.RuneCountInString(body.Title)
	switch {
	case n < 1 || n > 60:
		helixError(w, http.StatusBadRequest, "The title must be 1 to 60 characters")
		return
	case len(body.Choices) < 2 || len(body.Choices) > 5:
		helixError(w, http.StatusBadRequest, "The number of choices must be 2 to 5")
		return
	case body.Duration < 15 || body.Duration > 1800:
		helixError(w, http.StatusBadRequest, "The duration must be 15 to 1800 seconds")
		return
	}
	var choices []string
	for _, c := range body.Choices {
		if n := utf8.RuneCountInString(c.Title); n < 1 || n > 25 {
			helixError(w, http.StatusBadRequest, "A choice's title must be 1 to 25 characters")
			return
		}
		choices = append(choices, c.Title)
	}
	for _, p := range a.helix().polls {
		if p.broadcasterLogin == login && p.status == "ACTIVE" && time.Now().Before(p.startedAt.Add(time.Duration(p.duration)*time.Second)) {
			helixError(w, http.StatusBadRequest, "The broadcaster already has an active poll")
			return
		}
	}
	p := &fakePoll{id: NewMessageID(), broadcasterID: body.BroadcasterID, broadcasterLogin: login, title: body.Title, status: "ACTIVE",
		choices: choices, duration: body.Duration, startedAt: time.Now().UTC().Truncate(time.Second)}
	a.helix().polls[p.id] = p
	writeData(w, map[string]any{"data": []any{p.json()}})
}

// endPoll answers PATCH /polls: status TERMINATED (show the result) or
// ARCHIVED (hide it) for an active poll of the broadcaster.
func (a *API) endPoll(w http.ResponseWriter, r *http.Request, tok *Token) {
	var body struct {
		BroadcasterID string `json:"broadcaster_id"`
		ID            string `json:"id"`
		Status        string `json:"status"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil {
		helixError(w, http.StatusBadRequest, "The request body is not valid JSON")
		return
	}
	login := a.pollOwner(w, tok, body.BroadcasterID)
	if login == "" {
		return
	}
	p, ok := a.helix().polls[body.ID]
	switch {
	case body.Status != "TERMINATED" && body.Status != "ARCHIVED":
		helixError(w, http.StatusBadRequest, "The status must be TERMINATED or ARCHIVED")
		return
	case !ok || p.broadcasterLogin != login:
		helixError(w, http.StatusBadRequest, "The poll id is not valid")
		return
	case p.status != "ACTIVE":
		helixError(w, http.StatusBadRequest, "The poll is not active")
		return
	}
	p.status, p.endedAt = body.Status, time.Now().UTC().Truncate(time.Second)
	writeData(w, map[string]any{"data": []any{p.json()}})
}

// announce answers POST /chat/announcements with 204: broadcaster_id and
// moderator_id in the query, a message of up to 500 characters and an
// optional colour in the body.
func (a *API) announce(w http.ResponseWriter, r *http.Request, tok *Token) {
	q := r.URL.Query()
	bid, mid := q.Get("broadcaster_id"), q.Get("moderator_id")
	var body struct {
		Message string `json:"message"`
		Color   string `json:"color"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil {
		helixError(w, http.StatusBadRequest, "The request body is not valid JSON")
		return
	}
	channel := a.loginByID(bid)
	switch {
	case bid == "" || mid == "":
		helixError(w, http.StatusBadRequest, "Missing required parameter \"broadcaster_id\" or \"moderator_id\"")
		return
	case mid != tok.UserID:
		helixError(w, http.StatusUnauthorized, "The ID in moderator_id must match the user ID in the OAuth token")
		return
	case channel == "":
		helixError(w, http.StatusBadRequest, "The ID in broadcaster_id is not valid")
		return
	case !a.mayModerate(channel, tok):
		helixError(w, http.StatusForbidden, "The user in moderator_id is not one of the broadcaster's moderators")
		return
	case body.Message == "" || utf8.RuneCountInString(body.Message) > 500:
		helixError(w, http.StatusBadRequest, "The message must be 1 to 500 characters")
		return
	}
	switch strings.ToLower(body.Color) {
	case "", "primary", "blue", "green", "orange", "purple":
	default:
		helixError(w, http.StatusBadRequest, "The color must be blue, green, orange, purple or primary")
		return
	}
	a.helix().announced = append(a.helix().announced, Announcement{Channel: channel, ModeratorID: mid, Message: body.Message, Color: body.Color})
	w.WriteHeader(http.StatusNoContent)
}
