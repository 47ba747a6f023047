package twitchtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
)

// Limits of the fake EventSub, as Twitch documents them for the WebSocket
// transport.
const (
	// EventSubMaxPerConnection is how many enabled subscriptions one
	// WebSocket session may hold.
	EventSubMaxPerConnection = 300
	// EventSubMaxTotalCost is the total cost one client and user may
	// spend on subscriptions that the condition's user did not authorise.
	EventSubMaxTotalCost = 10
	// eventSubWelcomeWindow is how long a new session may go without a
	// subscription before Twitch closes it (code 4003).
	eventSubWelcomeWindow = 10 * time.Second
	// eventSubReconnectGrace is how long the old connection stays open
	// after a session_reconnect (code 4004 when it runs out).
	eventSubReconnectGrace = 30 * time.Second
)

// The status values of a subscription the fake reports.
const (
	StatusEnabled             = "enabled"
	StatusAuthorizationRevoke = "authorization_revoked"
	StatusUserRemoved         = "user_removed"
	StatusVersionRemoved      = "version_removed"
	statusDisconnected        = "websocket_disconnected"
)

// eventSubType is what the fake knows of one subscription type: its
// version, the condition fields it needs, and the scopes of which the
// token must hold one ("" in scopes: none needed).
type eventSubType struct {
	version   string
	condition []string
	scopes    []string
}

var eventSubTypes = map[string]eventSubType{
	"channel.follow":               {"2", []string{"broadcaster_user_id", "moderator_user_id"}, []string{"moderator:read:followers"}},
	"channel.subscribe":            {"1", []string{"broadcaster_user_id"}, []string{"channel:read:subscriptions"}},
	"channel.subscription.gift":    {"1", []string{"broadcaster_user_id"}, []string{"channel:read:subscriptions"}},
	"channel.subscription.message": {"1", []string{"broadcaster_user_id"}, []string{"channel:read:subscriptions"}},
	"channel.cheer":                {"1", []string{"broadcaster_user_id"}, []string{"bits:read"}},
	"channel.raid":                 {"1", nil, nil},
	"channel.channel_points_custom_reward_redemption.add": {"1", []string{"broadcaster_user_id"}, []string{"channel:read:redemptions", "channel:manage:redemptions"}},
	"channel.poll.begin":    {"1", []string{"broadcaster_user_id"}, []string{"channel:read:polls", "channel:manage:polls"}},
	"channel.poll.progress": {"1", []string{"broadcaster_user_id"}, []string{"channel:read:polls", "channel:manage:polls"}},
	"channel.poll.end":      {"1", []string{"broadcaster_user_id"}, []string{"channel:read:polls", "channel:manage:polls"}},
	"channel.chat.message":  {"1", []string{"broadcaster_user_id", "user_id"}, []string{"user:read:chat"}},
	"stream.online":         {"1", []string{"broadcaster_user_id"}, nil},
	"stream.offline":        {"1", []string{"broadcaster_user_id"}, nil},
}

// eventSub is the fake's EventSub state: WebSocket sessions and the
// subscriptions made on them.
type eventSub struct {
	mu        sync.Mutex
	sessions  map[string]*esSession      // by session id
	subs      map[string]*ESSubscription // by subscription id
	keepalive time.Duration              // default keepalive_timeout_seconds
	stalled   bool                       // keepalives and notifications held back
	welcomes  int
	sent      map[string][]string // chat messages sent with Send Chat Message, by broadcaster id
}

// esSession is one EventSub session and the connection that currently
// carries it.
type esSession struct {
	id        string
	keepalive time.Duration
	conn      *esConn
	old       *esConn // the connection being replaced after session_reconnect
	created   time.Time
}

// esConn is one WebSocket connection; writes are serialised.
type esConn struct {
	ws      *websocket.Conn
	mu      sync.Mutex
	lastOut time.Time
	done    chan struct{}
	once    sync.Once
}

func (c *esConn) write(msg []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastOut = time.Now()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, msg)
}

func (c *esConn) close(code int, reason string) {
	c.once.Do(func() {
		c.mu.Lock()
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
		c.mu.Unlock()
		_ = c.ws.Close()
		close(c.done)
	})
}

// ESSubscription is an EventSub subscription as the fake holds it.
type ESSubscription struct {
	ID        string
	Type      string
	Version   string
	Status    string
	Condition map[string]string
	SessionID string
	ClientID  string
	UserID    string // the user whose token created it
	Cost      int
	CreatedAt time.Time
}

// Notification is one EventSub event waiting to be delivered: its
// subscription type and version, the broadcaster whose subscriptions
// receive it, and the event object exactly as Twitch documents it.
type Notification struct {
	Type        string
	Version     string
	Broadcaster string // login of the channel the event is about
	Event       map[string]any
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (a *API) eventsubRoutes(mux *http.ServeMux) {
	a.es = &eventSub{
		sessions:  make(map[string]*esSession),
		subs:      make(map[string]*ESSubscription),
		keepalive: 10 * time.Second,
		sent:      make(map[string][]string),
	}
	mux.HandleFunc("GET /eventsub/ws", a.eventsubSocket)
	mux.HandleFunc("POST /helix/eventsub/subscriptions", a.createSubscription)
	mux.HandleFunc("GET /helix/eventsub/subscriptions", a.listSubscriptions)
	mux.HandleFunc("DELETE /helix/eventsub/subscriptions", a.deleteSubscription)
	mux.HandleFunc("POST /helix/chat/messages", a.sendChatMessage)
}

// SetEventSubKeepalive sets the keepalive_timeout_seconds that new
// sessions are welcomed with, when the client asks for none (Twitch's
// default is 10 s).
func (a *API) SetEventSubKeepalive(d time.Duration) {
	a.es.mu.Lock()
	a.es.keepalive = d
	a.es.mu.Unlock()
}

// StallEventSub holds back keepalives and notifications on every session
// while on is true, as a connection that silently died would: the client
// should notice that the keepalive timeout passed and connect again.
func (a *API) StallEventSub(on bool) {
	a.es.mu.Lock()
	a.es.stalled = on
	a.es.mu.Unlock()
}

// EventSubWelcomes returns how many session_welcome messages the fake has
// sent, reconnects included.
func (a *API) EventSubWelcomes() int {
	a.es.mu.Lock()
	defer a.es.mu.Unlock()
	return a.es.welcomes
}

// EventSubSessions returns the ids of the sessions whose connection is
// still open, sorted. A session ends when the client closes its
// connection (or the fake closes it); its subscriptions are then disabled.
func (a *API) EventSubSessions() []string {
	a.es.mu.Lock()
	defer a.es.mu.Unlock()
	var out []string
	for id, s := range a.es.sessions {
		if s.conn != nil {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// EventSubSubscriptions returns the subscriptions whose condition names
// broadcaster (a login), enabled or not, oldest first.
func (a *API) EventSubSubscriptions(broadcaster string) []ESSubscription {
	id := UserID(broadcaster)
	a.es.mu.Lock()
	defer a.es.mu.Unlock()
	var out []ESSubscription
	for _, s := range a.es.subs {
		if conditionNames(s.Condition, id) {
			c := *s
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(x, y ESSubscription) int { return x.CreatedAt.Compare(y.CreatedAt) })
	return out
}

func conditionNames(cond map[string]string, userID string) bool {
	return cond["broadcaster_user_id"] == userID || cond["to_broadcaster_user_id"] == userID
}

func (a *API) eventsubSocket(w http.ResponseWriter, r *http.Request) {
	keepalive := time.Duration(0)
	if v := r.URL.Query().Get("keepalive_timeout_seconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 || n > 600 {
			http.Error(w, "keepalive_timeout_seconds must be between 10 and 600", http.StatusBadRequest)
			return
		}
		keepalive = time.Duration(n) * time.Second
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &esConn{ws: ws, done: make(chan struct{})}
	es := a.es
	es.mu.Lock()
	var s *esSession
	if id := r.URL.Query().Get("reconnect"); id != "" {
		s = es.sessions[id]
		if s == nil || s.old == nil {
			es.mu.Unlock()
			c.close(4007, "invalid reconnect")
			return
		}
	} else {
		if keepalive == 0 {
			keepalive = es.keepalive
		}
		s = &esSession{id: randomToken(), keepalive: keepalive, created: time.Now()}
		es.sessions[s.id] = s
	}
	welcome := a.sessionMessage("session_welcome", s, "connected", "")
	// The welcome goes out before the session is moved to this connection,
	// so every notification after it arrives here, and only then does the
	// old connection close.
	if err := c.write(welcome); err != nil {
		es.mu.Unlock()
		c.close(4006, "network error")
		return
	}
	es.welcomes++
	old := s.old
	s.conn, s.old = c, nil
	es.mu.Unlock()
	if old != nil {
		old.close(websocket.CloseNormalClosure, "reconnected")
	}
	a.log.Info("twitchtest: eventsub session welcomed", "session", s.id)
	go a.keepSessionAlive(s, c)
	a.readSession(s, c)
}

// readSession reads until the connection ends. Twitch closes a connection
// that sends anything (4001); when the connection that carries a session
// ends, the session ends and its subscriptions are disabled.
func (a *API) readSession(s *esSession, c *esConn) {
	defer func() {
		es := a.es
		es.mu.Lock()
		if s.conn == c && s.old == nil {
			delete(es.sessions, s.id)
			for _, sub := range es.subs {
				if sub.SessionID == s.id && sub.Status == StatusEnabled {
					sub.Status = statusDisconnected
				}
			}
		}
		es.mu.Unlock()
		c.close(websocket.CloseNormalClosure, "")
	}()
	for {
		kind, _, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		if kind == websocket.TextMessage || kind == websocket.BinaryMessage {
			c.close(4001, "client sent inbound traffic")
			return
		}
	}
}

// keepSessionAlive sends session_keepalive when nothing else went out for
// the keepalive time, and closes a session that subscribed to nothing
// within its first 10 s (4003), as Twitch does.
func (a *API) keepSessionAlive(s *esSession, c *esConn) {
	t := time.NewTicker(s.keepalive / 4)
	defer t.Stop()
	window := time.NewTimer(eventSubWelcomeWindow)
	defer window.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-window.C:
			a.es.mu.Lock()
			used := false
			for _, sub := range a.es.subs {
				if sub.SessionID == s.id {
					used = true
					break
				}
			}
			a.es.mu.Unlock()
			if !used {
				c.close(4003, "connection unused")
				return
			}
		case <-t.C:
			a.es.mu.Lock()
			stalled := a.es.stalled
			a.es.mu.Unlock()
			c.mu.Lock()
			idle := time.Since(c.lastOut)
			c.mu.Unlock()
			if stalled || idle < s.keepalive*3/4 {
				continue
			}
			msg, _ := json.Marshal(map[string]any{"metadata": metadata("session_keepalive", "", ""), "payload": map[string]any{}})
			if c.write(msg) != nil {
				return
			}
		}
	}
}

func metadata(kind, subType, subVersion string) map[string]any {
	m := map[string]any{
		"message_id":        newUUID(),
		"message_type":      kind,
		"message_timestamp": time.Now().UTC().Format(time.RFC3339Nano),
	}
	if subType != "" {
		m["subscription_type"] = subType
		m["subscription_version"] = subVersion
	}
	return m
}

// sessionMessage builds a session_welcome or session_reconnect message.
func (a *API) sessionMessage(kind string, s *esSession, status, reconnectURL string) []byte {
	session := map[string]any{
		"id":                        s.id,
		"status":                    status,
		"connected_at":              s.created.UTC().Format(time.RFC3339Nano),
		"keepalive_timeout_seconds": int(s.keepalive / time.Second),
		"reconnect_url":             nil,
		"recovery_url":              nil,
	}
	if reconnectURL != "" {
		session["reconnect_url"] = reconnectURL
		session["keepalive_timeout_seconds"] = nil
	}
	msg, _ := json.Marshal(map[string]any{"metadata": metadata(kind, "", ""), "payload": map[string]any{"session": session}})
	return msg
}

// ReconnectEventSub sends session_reconnect to every session, as Twitch
// does before it moves a server. Each session's old connection stays open
// and keeps receiving notifications until the client connects to the
// reconnect_url and is welcomed there; if it does not within 30 s, the old
// connection closes with 4004. It returns how many sessions were asked.
func (a *API) ReconnectEventSub() int {
	es := a.es
	es.mu.Lock()
	defer es.mu.Unlock()
	n := 0
	for _, s := range es.sessions {
		if s.conn == nil || s.old != nil {
			continue
		}
		url := a.EventSubURL() + "?reconnect=" + s.id
		msg := a.sessionMessage("session_reconnect", s, "reconnecting", url)
		if s.conn.write(msg) != nil {
			continue
		}
		s.old = s.conn
		old := s.old
		go func() {
			select {
			case <-old.done:
			case <-time.After(eventSubReconnectGrace):
				old.close(4004, "reconnect grace time expired")
			}
		}()
		n++
	}
	return n
}

// Notify delivers n to every session holding an enabled subscription of
// its type and version for its broadcaster, copies times each (more than
// one copy is a duplicate delivery with the same message id, which
// Twitch's at-least-once delivery allows). It returns the message ids
// sent, one a subscription.
func (a *API) Notify(n Notification, copies int) []string {
	return a.notify(n, UserID(n.Broadcaster), copies)
}

func (a *API) notify(n Notification, id string, copies int) []string {
	es := a.es
	es.mu.Lock()
	defer es.mu.Unlock()
	if es.stalled {
		return nil
	}
	var ids []string
	for _, sub := range es.subs {
		if sub.Type != n.Type || sub.Version != n.Version || sub.Status != StatusEnabled || !conditionNames(sub.Condition, id) {
			continue
		}
		s := es.sessions[sub.SessionID]
		if s == nil || s.conn == nil {
			continue
		}
		md := metadata("notification", n.Type, n.Version)
		msg, _ := json.Marshal(map[string]any{"metadata": md, "payload": map[string]any{"subscription": subscriptionJSON(sub), "event": n.Event}})
		for range max(copies, 1) {
			_ = s.conn.write(msg)
		}
		ids = append(ids, md["message_id"].(string))
	}
	return ids
}

// Revoke revokes every enabled subscription of typ for broadcaster with
// status (StatusAuthorizationRevoke, StatusUserRemoved or
// StatusVersionRemoved), sending a revocation message to its session. It
// returns how many it revoked.
func (a *API) Revoke(typ, broadcaster, status string) int {
	id := UserID(broadcaster)
	es := a.es
	es.mu.Lock()
	defer es.mu.Unlock()
	n := 0
	for _, sub := range es.subs {
		if sub.Type != typ || sub.Status != StatusEnabled || !conditionNames(sub.Condition, id) {
			continue
		}
		sub.Status = status
		n++
		s := es.sessions[sub.SessionID]
		if s == nil || s.conn == nil {
			continue
		}
		msg, _ := json.Marshal(map[string]any{"metadata": metadata("revocation", sub.Type, sub.Version), "payload": map[string]any{"subscription": subscriptionJSON(sub)}})
		_ = s.conn.write(msg)
	}
	return n
}

func subscriptionJSON(s *ESSubscription) map[string]any {
	return map[string]any{
		"id":         s.ID,
		"status":     s.Status,
		"type":       s.Type,
		"version":    s.Version,
		"cost":       s.Cost,
		"condition":  s.Condition,
		"transport":  map[string]any{"method": "websocket", "session_id": s.SessionID},
		"created_at": s.CreatedAt.UTC().Format(time.RFC3339Nano),
	}
}

// helixError answers as Helix does: {"error", "status", "message"}.
func helixError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": http.StatusText(status), "status": status, "message": message})
}

// caller checks the Client-Id and user token of a Helix request.
func (a *API) caller(w http.ResponseWriter, r *http.Request) *Token {
	if r.Header.Get("Client-Id") != a.opts.ClientID {
		helixError(w, http.StatusUnauthorized, "Client ID and OAuth token do not match")
		return nil
	}
	t := a.tokenFor(r.Header.Get("Authorization"))
	if t == nil {
		helixError(w, http.StatusUnauthorized, "Invalid OAuth token")
		return nil
	}
	return t
}

func (a *API) createSubscription(w http.ResponseWriter, r *http.Request) {
	t := a.caller(w, r)
	if t == nil {
		return
	}
	var body struct {
		Type      string            `json:"type"`
		Version   string            `json:"version"`
		Condition map[string]string `json:"condition"`
		Transport struct {
			Method    string `json:"method"`
			SessionID string `json:"session_id"`
		} `json:"transport"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil {
		helixError(w, http.StatusBadRequest, "malformed request body")
		return
	}
	if t.UserID == "" {
		helixError(w, http.StatusBadRequest, "invalid transport and auth combination: WebSocket subscriptions need a user access token")
		return
	}
	if body.Transport.Method != "websocket" {
		helixError(w, http.StatusBadRequest, "the fake supports the websocket transport only")
		return
	}
	spec, ok := eventSubTypes[body.Type]
	if !ok || spec.version != body.Version {
		helixError(w, http.StatusBadRequest, fmt.Sprintf("unknown subscription type and version: %q %q", body.Type, body.Version))
		return
	}
	for _, f := range spec.condition {
		if body.Condition[f] == "" {
			helixError(w, http.StatusBadRequest, "condition."+f+" is required")
			return
		}
	}
	if body.Type == "channel.raid" && (body.Condition["to_broadcaster_user_id"] == "") == (body.Condition["from_broadcaster_user_id"] == "") {
		helixError(w, http.StatusBadRequest, "exactly one of condition.to_broadcaster_user_id and condition.from_broadcaster_user_id is required")
		return
	}
	authorised := t.UserID == body.Condition["broadcaster_user_id"] || t.UserID == body.Condition["to_broadcaster_user_id"] ||
		t.UserID == body.Condition["from_broadcaster_user_id"]
	if len(spec.scopes) > 0 {
		granted := slices.ContainsFunc(spec.scopes, t.Has)
		switch body.Type {
		case "channel.follow":
			authorised = t.UserID == body.Condition["moderator_user_id"]
		case "channel.chat.message":
			authorised = t.UserID == body.Condition["user_id"] &&
				(t.UserID == body.Condition["broadcaster_user_id"] || a.granted(body.Condition["broadcaster_user_id"], "channel:bot"))
		}
		if !granted || !authorised {
			helixError(w, http.StatusForbidden, "subscription missing proper authorization")
			return
		}
	}
	cost := 0
	if !authorised {
		cost = 1
	}

	es := a.es
	es.mu.Lock()
	defer es.mu.Unlock()
	s := es.sessions[body.Transport.SessionID]
	if s == nil || s.conn == nil {
		helixError(w, http.StatusBadRequest, "websocket transport session does not exist or has already disconnected")
		return
	}
	onSession, totalCost, total := 0, 0, 0
	for _, sub := range es.subs {
		if sub.Status != StatusEnabled {
			continue
		}
		if sub.SessionID == s.id {
			onSession++
			if sub.Type == body.Type && sub.Version == body.Version && maps(sub.Condition, body.Condition) {
				helixError(w, http.StatusConflict, "subscription already exists")
				return
			}
		}
		if sub.ClientID == t.ClientID && sub.UserID == t.UserID {
			totalCost += sub.Cost
			total++
		}
	}
	if onSession >= EventSubMaxPerConnection {
		helixError(w, http.StatusTooManyRequests, "websocket transport session subscriptions limit exceeded")
		return
	}
	if totalCost+cost > EventSubMaxTotalCost {
		helixError(w, http.StatusTooManyRequests, "subscription cost exceeds max_total_cost")
		return
	}
	sub := &ESSubscription{
		ID: newUUID(), Type: body.Type, Version: body.Version, Status: StatusEnabled,
		Condition: body.Condition, SessionID: s.id, ClientID: t.ClientID, UserID: t.UserID,
		Cost: cost, CreatedAt: time.Now(),
	}
	es.subs[sub.ID] = sub
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"data": []any{subscriptionJSON(sub)}, "total": total + 1, "total_cost": totalCost + cost, "max_total_cost": EventSubMaxTotalCost,
	})
}

func maps(x, y map[string]string) bool {
	if len(x) != len(y) {
		return false
	}
	for k, v := range x {
		if y[k] != v {
			return false
		}
	}
	return true
}

func (a *API) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	t := a.caller(w, r)
	if t == nil {
		return
	}
	status, typ := r.URL.Query().Get("status"), r.URL.Query().Get("type")
	es := a.es
	es.mu.Lock()
	data := []any{}
	total, totalCost := 0, 0
	var mine []*ESSubscription
	for _, sub := range es.subs {
		if sub.ClientID != t.ClientID || sub.UserID != t.UserID {
			continue
		}
		total++
		if sub.Status == StatusEnabled {
			totalCost += sub.Cost
		}
		if (status == "" || sub.Status == status) && (typ == "" || sub.Type == typ) {
			mine = append(mine, sub)
		}
	}
	slices.SortFunc(mine, func(x, y *ESSubscription) int { return x.CreatedAt.Compare(y.CreatedAt) })
	for _, sub := range mine {
		data = append(data, subscriptionJSON(sub))
	}
	es.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"data": data, "total": total, "total_cost": totalCost, "max_total_cost": EventSubMaxTotalCost, "pagination": map[string]any{},
	})
}

func (a *API) deleteSubscription(w http.ResponseWriter, r *http.Request) {
	t := a.caller(w, r)
	if t == nil {
		return
	}
	id := r.URL.Query().Get("id")
	es := a.es
	es.mu.Lock()
	defer es.mu.Unlock()
	sub := es.subs[id]
	if sub == nil || sub.ClientID != t.ClientID || sub.UserID != t.UserID {
		helixError(w, http.StatusNotFound, "subscription not found")
		return
	}
	delete(es.subs, id)
	w.WriteHeader(http.StatusNoContent)
}

func newUUID() string {
	h := randomToken() + randomToken()
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// issuedTo returns the issued token of the user with id and, if scope is not
// "", that scope; nil if none.
func (a *API) issuedTo(id, scope string) *Token {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, t := range a.tokens {
		if t.UserID == id && (scope == "" || t.Has(scope)) && time.Now().Before(t.ExpiresAt) {
			return t
		}
	}
	return nil
}

// granted reports whether the user with id holds a token the fake issued
// with scope (a broadcaster granting channel:bot, say).
func (a *API) granted(id, scope string) bool { return a.issuedTo(id, scope) != nil }

// SentChat returns the messages sent to broadcaster's chat with Helix Send
// Chat Message, oldest first.
func (a *API) SentChat(broadcaster string) []string {
	a.es.mu.Lock()
	defer a.es.mu.Unlock()
	return slices.Clone(a.es.sent[UserID(broadcaster)])
}

// sendChatMessage is Helix Send Chat Message: the message is recorded and,
// as on Twitch, delivered to the channel's channel.chat.message
// subscriptions.
func (a *API) sendChatMessage(w http.ResponseWriter, r *http.Request) {
	t := a.caller(w, r)
	if t == nil {
		return
	}
	var body struct {
		BroadcasterID string `json:"broadcaster_id"`
		SenderID      string `json:"sender_id"`
		Message       string `json:"message"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil {
		helixError(w, http.StatusBadRequest, "malformed request body")
		return
	}
	switch {
	case !t.Has("user:write:chat"):
		helixError(w, http.StatusUnauthorized, "Missing scope: user:write:chat")
		return
	case body.SenderID != t.UserID:
		helixError(w, http.StatusUnauthorized, "The sender must match the user ID in the access token")
		return
	case body.BroadcasterID == "" || body.Message == "" || len([]rune(body.Message)) > 500:
		helixError(w, http.StatusBadRequest, "broadcaster_id and a message of 1 to 500 characters are required")
		return
	case body.BroadcasterID != t.UserID && !a.granted(body.BroadcasterID, "channel:bot"):
		helixError(w, http.StatusForbidden, "The sender is not permitted to send chat messages to the broadcaster's chat room")
		return
	}
	a.es.mu.Lock()
	a.es.sent[body.BroadcasterID] = append(a.es.sent[body.BroadcasterID], body.Message)
	a.es.mu.Unlock()
	n := ChatMessage(a.issuedTo(body.BroadcasterID, "").Login, Chatter{ID: t.UserID, Login: t.Login}, body.Message, 0)
	a.notify(n, body.BroadcasterID, 1)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": []any{map[string]any{"message_id": n.Event["message_id"], "is_sent": true, "drop_reason": nil}}})
}
