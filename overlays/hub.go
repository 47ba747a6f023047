package overlays

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	fws "github.com/fasthttp/websocket"
	"github.com/hearthlive/hearth"
)

const (
	defaultMaxPushesPerSecond = 25
	// maxPushesPerSecond bounds the push rate so the interval between two
	// pushes stays well above zero whatever the configuration says.
	maxPushesPerSecond = 1000

	// writeWait bounds every write to a socket that cannot take a frame at
	// once; a browser that cannot take one in that time is dropped and
	// will reconnect.
	writeWait = 10 * time.Second
	// pongWait is how long a socket may stay silent, pongs included, before
	// the hub gives up on it. Pings go out well before it runs out.
	pongWait   = 60 * time.Second
	pingPeriod = pongWait * 9 / 10
	// closeWait is how long a socket gets to answer the hub's close frame.
	closeWait = time.Second
	// shutdownGrace is how long Run waits for sockets to close cleanly
	// before it closes the rest without ceremony.
	shutdownGrace = 3 * time.Second
	// maxReadBytes bounds what a browser may send; the pages send nothing.
	maxReadBytes = 512

	// DefaultMaxConnectionsPerChannel is how many sockets a channel may
	// hold open when Options leave it unset: enough for the three overlays
	// in several OBS scenes, a second PC and some previews, and far from
	// what a leaked or hostile token can cost the process.
	DefaultMaxConnectionsPerChannel = 50

	// RefusedChannelLimit is the reason a socket is refused when its
	// channel already holds Options.MaxConnectionsPerChannel: the reason
	// label of the refusals metric.
	RefusedChannelLimit = "channel_limit"

	// fanoutShard is how many sockets one goroutine of a push writes to:
	// a push to more is split over up to GOMAXPROCS goroutines, so that
	// ten thousand browsers get a state in the time a few thousand take.
	fanoutShard = 512
)

// Options tune a Hub. The zero value is usable.
type Options struct {
	// MaxPushesPerSecond caps how many messages each connected browser gets
	// per second for its (channel, topic); 0 means 25.
	MaxPushesPerSecond int
	// Logger receives the hub's logs; nil discards them.
	Logger *slog.Logger
	// OnPush, if set, is told how many messages were written to sockets
	// of (channel, topic), for metrics: once for the sockets a push wrote
	// to at once, and once more for each message a slow socket took
	// later. It is called from many goroutines at once and must not
	// block.
	OnPush func(channel, topic string, messages int)
	// MaxConnectionsPerChannel caps the sockets open at once for one
	// channel, all topics together; 0 means
	// DefaultMaxConnectionsPerChannel. One more is accepted and closed at
	// once with close code 1013 (try again later) and a reason saying so.
	MaxConnectionsPerChannel int
	// Styles gives each channel's custom stylesheet, served at
	// /overlays/custom.css; nil serves none.
	Styles StyleSource
	// OnRefused, if set, is told of each socket refused, with the reason
	// (RefusedChannelLimit), for metrics. It must not block.
	OnRefused func(channel, reason string)
	// EventsKept is how many of each channel's last overlay events the hub
	// keeps in memory for the pages that reconnect; 0 means
	// DefaultEventsKept.
	EventsKept int
	// Events, if set, reads the events older than the hub keeps, for a
	// page that asks for them; without it such a page gets the oldest the
	// hub keeps on.
	Events EventSource
}

// Hub keeps the latest state of every (channel, topic) pair and pushes it to
// the browsers that watch it. Publish may be called from any goroutine; Run
// drives the pushes; Register mounts the pages and the socket on a router.
//
// A state is encoded once, into a complete WebSocket frame that every
// watcher's socket is given as is, and only when it is sent: states
// published faster than pushes go out, or to a topic nobody watches, cost
// nothing to encode. A push writes that frame to each socket
// straight from the pushing goroutine when the socket can take it at once,
// which is nearly always; a socket that cannot is handed to its own
// goroutine, which waits for it with the latest frame only, so a slow
// browser never holds up the others.
type Hub struct {
	tokens   TokenSource
	styles   StyleSource
	log      *slog.Logger
	interval time.Duration
	onPush   func(channel, topic string, messages int)
	onRefuse func(channel, reason string)
	maxConns int // sockets per channel
	// eventsKept bounds each channel's log in memory; source reads what
	// is older.
	eventsKept int
	source     EventSource

	running atomic.Bool
	done    chan struct{} // closed when the hub shuts down
	kick    chan struct{} // capacity 1: a topic may be due for a push
	conns   sync.WaitGroup

	mu     sync.Mutex
	closed bool
	topics map[key]*topic
	dirty  map[key]*topic // published since their last push
	counts map[string]int // connected sockets per channel
	// full holds the channels that refused a socket since they were last
	// below the limit, so a flood of refusals logs one warning.
	full map[string]bool
	// logs holds each channel's last overlay events (eventlog.go).
	logs map[string]*eventLog
	// current holds the digest of each channel's overlay token as
	// SetOverlayToken last gave it: a socket opened with another is
	// refused, or closed if open (revoke.go).
	current map[string]tokenDigest
}

// key names what a socket watches.
type key struct{ channel, topic string }

// topic is the hub's state of one (channel, topic) pair. Its fields are
// guarded by Hub.mu; the clients slice is never modified once set, so a
// push may range over it after the lock is released.
type topic struct {
	state     any    // the latest state published
	published bool   // state holds one
	latest    *frame // state encoded (frameOf), nil until it is needed
	lastPush  time.Time
	clients   []*client
}

// message is what travels on the socket.
type message struct {
	Topic string `json:"topic"`
	State any    `json:"state"`
}

// NewHub returns a hub that checks overlay tokens with tokens. Start it with
// Run and mount it with Register.
func NewHub(tokens TokenSource, opts Options) *Hub {
	rate := opts.MaxPushesPerSecond
	if rate <= 0 {
		rate = defaultMaxPushesPerSecond
	}
	rate = min(rate, maxPushesPerSecond)
	maxConns := opts.MaxConnectionsPerChannel
	if maxConns <= 0 {
		maxConns = DefaultMaxConnectionsPerChannel
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	kept := opts.EventsKept
	if kept <= 0 {
		kept = DefaultEventsKept
	}
	return &Hub{
		eventsKept: kept,
		source:     opts.Events,
		logs:       make(map[string]*eventLog),
		tokens:     tokens,
		styles:     opts.Styles,
		log:        log,
		interval:   time.Second / time.Duration(rate),
		onPush:     opts.OnPush,
		onRefuse:   opts.OnRefused,
		maxConns:   maxConns,
		done:       make(chan struct{}),
		kick:       make(chan struct{}, 1),
		topics:     make(map[key]*topic),
		dirty:      make(map[key]*topic),
		counts:     make(map[string]int),
		full:       make(map[string]bool),
		current:    make(map[string]tokenDigest),
	}
}

// Publish records state as the latest for (channel, topic) and schedules it
// for the browsers watching it. It never blocks on a browser. Pushes are
// coalesced: a state published after a quiet spell goes out at once, and
// one published within MaxPushesPerSecond's interval of the last push
// waits for the interval to end, when the latest state waiting goes out.
// So a browser gets at most MaxPushesPerSecond messages a second per
// (channel, topic) besides the state it got on connect, the last state
// wins, and the final state is always delivered. State is encoded to JSON
// when it is sent, so the caller must not change it after the call.
// Publish implements hearth.Broadcaster.
func (h *Hub) Publish(channel, topic string, state any) {
	name := hearth.NormalizeChannel(channel)
	if name == "" {
		h.log.Warn("overlays: publish to a malformed channel name dropped", "channel", channel, "topic", topic)
		return
	}
	k := key{name, topic}
	h.mu.Lock()
	t := h.topic(k)
	t.state, t.published, t.latest = state, true, nil
	_, waiting := h.dirty[k]
	h.dirty[k] = t
	h.mu.Unlock()
	// Run sees when the push is due; a topic already waiting is in hand.
	if !waiting {
		select {
		case h.kick <- struct{}{}:
		default:
		}
	}
}

// topic returns k's state, made on first use. h.mu must be held.
func (h *Hub) topic(k key) *topic {
	t := h.topics[k]
	if t == nil {
		t = &topic{}
		h.topics[k] = t
	}
	return t
}

// frameOf returns t's latest state encoded as the message of k's topic,
// encoding it on first need; nil when nothing was published or the state
// cannot be encoded (logged). h.mu must be held.
func (h *Hub) frameOf(k key, t *topic) *frame {
	if t.latest != nil || !t.published {
		return t.latest
	}
	f, err := encodeFrame(k, t.state)
	if err != nil {
		h.log.Error("overlays: cannot encode state", "channel", k.channel, "topic", k.topic, "err", err)
		t.published, t.state = false, nil // logged once; the next state may do
		return nil
	}
	t.latest = f
	return f
}

// encodeFrame encodes state as the message of k's topic.
func encodeFrame(k key, state any) (*frame, error) {
	payload, err := json.Marshal(message{Topic: k.topic, State: state})
	if err != nil {
		return nil, err
	}
	return newFrame(k, payload), nil
}

// Run pushes published states to the browsers until ctx is done, then
// delivers the last states, closes every socket with a going-away close
// frame and returns nil. A hub runs once; a second call returns an error.
func (h *Hub) Run(ctx context.Context) error {
	if !h.running.CompareAndSwap(false, true) {
		return errors.New("overlays: hub already ran")
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			h.shutdown()
			return nil
		case <-h.kick:
		case <-timer.C:
		}
		if wait := h.flush(false); wait > 0 {
			timer.Reset(wait)
		}
	}
}

// Clients returns how many sockets are connected for channel.
func (h *Hub) Clients(channel string) int {
	name := hearth.NormalizeChannel(channel)
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[name]
}

// push is one frame for the clients that were watching when it was taken.
type push struct {
	f       *frame
	clients []*client
}

// flush pushes every published state whose topic's interval has run out
// since its last push, or every one when all is set, and returns how long
// until the next of the others is due, or 0 when none waits.
func (h *Hub) flush(all bool) time.Duration {
	var (
		pushes []push
		wake   [][]*client // sockets of the events topic, which fetch their events
		wait   time.Duration
	)
	h.mu.Lock()
	now := time.Now()
	for k, t := range h.dirty {
		if left := h.interval - now.Sub(t.lastPush); left > 0 && !all {
			if wait == 0 || left < wait {
				wait = left
			}
			continue
		}
		delete(h.dirty, k)
		t.lastPush = now
		if len(t.clients) == 0 {
			continue
		}
		if k.topic == hearth.TopicEvents {
			wake = append(wake, t.clients)
			continue
		}
		if f := h.frameOf(k, t); f != nil {
			pushes = append(pushes, push{f, t.clients})
		}
	}
	h.mu.Unlock()
	for _, p := range pushes {
		h.fanout(p)
	}
	for _, clients := range wake {
		for _, c := range clients {
			c.signal()
		}
	}
	return wait
}

// fanout gives p's frame to each of its clients, over several goroutines
// when there are many.
func (h *Hub) fanout(p push) {
	shards := min(runtime.GOMAXPROCS(0), (len(p.clients)+fanoutShard-1)/fanoutShard)
	if shards <= 1 {
		h.offerAll(p.clients, p.f)
		return
	}
	var wg sync.WaitGroup
	size := (len(p.clients) + shards - 1) / shards
	for part := range chunk(p.clients, size) {
		wg.Go(func() { h.offerAll(part, p.f) })
	}
	wg.Wait()
}

// offerAll offers f to each of clients and counts the messages written at
// once in one call of the metrics hook, which would cost as much as a
// write if it were called per socket.
func (h *Hub) offerAll(clients []*client, f *frame) {
	written := 0
	for _, c := range clients {
		if h.offer(c, f) {
			written++
		}
	}
	h.pushed(f.key, written)
}

// chunk yields s in consecutive parts of n elements, the last one shorter.
func chunk[T any](s []T, n int) func(yield func([]T) bool) {
	return func(yield func([]T) bool) {
		for len(s) > 0 {
			m := min(n, len(s))
			if !yield(s[:m]) {
				return
			}
			s = s[m:]
		}
	}
}

func (h *Hub) shutdown() {
	h.flush(true)
	h.mu.Lock()
	h.closed = true
	close(h.done)
	h.mu.Unlock()

	idle := make(chan struct{})
	go func() {
		h.conns.Wait()
		close(idle)
	}()
	select {
	case <-idle:
		return
	case <-time.After(shutdownGrace):
	}
	// Some browser is not answering; cut the remaining connections so
	// their writers return at once.
	h.mu.Lock()
	for _, t := range h.topics {
		for _, c := range t.clients {
			abort(c.conn)
		}
	}
	h.mu.Unlock()
	<-idle
}

func (h *Hub) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// Why add did not subscribe a client.
const (
	added = iota
	addClosed
	addFull
	addRevoked
)

// add subscribes c with the latest state as its state on connect, or the
// kind's blank state when nothing was published yet. It reports addClosed
// once the hub has shut down, and addFull when c's channel already holds
// as many sockets as it may.
func (h *Hub) add(c *client) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return addClosed
	}
	if h.stale(c) {
		return addRevoked
	}
	if h.counts[c.key.channel] >= h.maxConns {
		if !h.full[c.key.channel] {
			h.full[c.key.channel] = true
			c.firstRefused = true
		}
		return addFull
	}
	t := h.topic(c.key)
	greeting := h.frameOf(c.key, t)
	if greeting == nil {
		if state, ok := blankState(c.key.topic, c.key.channel); ok {
			f, err := encodeFrame(c.key, state)
			if err != nil {
				h.log.Error("overlays: cannot encode blank state", "channel", c.key.channel, "topic", c.key.topic, "err", err)
			}
			greeting = f
		}
	}
	c.greet(greeting)
	if c.key.topic == hearth.TopicEvents {
		c.signal() // its first message says where the log stands
	}
	// A new slice: a push in progress may be ranging over the old one.
	clients := make([]*client, len(t.clients), len(t.clients)+1)
	copy(clients, t.clients)
	t.clients = append(clients, c)
	h.counts[c.key.channel]++
	h.conns.Add(1)
	return added
}

func (h *Hub) remove(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.topics[c.key]
	if t == nil {
		return
	}
	i := -1
	for j, x := range t.clients {
		if x == c {
			i = j
			break
		}
	}
	if i < 0 {
		return
	}
	// A new slice: a push in progress may be ranging over the old one.
	clients := make([]*client, 0, len(t.clients)-1)
	clients = append(clients, t.clients[:i]...)
	t.clients = append(clients, t.clients[i+1:]...)
	if len(t.clients) == 0 && !t.published {
		delete(h.topics, c.key)
	}
	if h.counts[c.key.channel]--; h.counts[c.key.channel] <= 0 {
		delete(h.counts, c.key.channel)
	}
	if h.counts[c.key.channel] < h.maxConns {
		delete(h.full, c.key.channel)
	}
}

// serve runs one socket until the browser leaves, a write fails or the hub
// shuts down. It runs in the connection's own goroutine and owns the
// reader goroutine it starts.
func (h *Hub) serve(c *client) {
	conn := c.conn
	switch h.add(c) {
	case addClosed:
		h.closeSocket(c, nil)
		return
	case addFull:
		h.refuseSocket(c)
		return
	case addRevoked:
		h.closeRevoked(c, nil)
		return
	}
	defer h.conns.Done()
	defer h.remove(c)

	// The reader keeps the read deadline moving on pongs and notices when
	// the browser goes away; browsers send nothing else. Its answers to
	// pings and close frames are writes, so they take the socket's write
	// lock like every other.
	conn.SetPingHandler(func(data string) error {
		err := c.control(fws.PongMessage, []byte(data))
		if err == fws.ErrCloseSent {
			return nil
		}
		var netErr interface{ Timeout() bool }
		if errors.As(err, &netErr) {
			return nil
		}
		return err
	})
	conn.SetCloseHandler(func(code int, _ string) error {
		_ = c.control(fws.CloseMessage, fws.FormatCloseMessage(code, ""))
		return nil
	})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		conn.SetReadLimit(maxReadBytes)
		_ = conn.SetReadDeadline(time.Now().Add(pongWait))
		conn.SetPongHandler(func(string) error {
			return conn.SetReadDeadline(time.Now().Add(pongWait))
		})
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()

	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		select {
		case <-c.wake:
			if err := h.write(c); err != nil {
				h.log.Debug("overlays: socket write failed", "channel", c.key.channel, "topic", c.key.topic, "err", err)
				abort(conn)
				<-readDone
				return
			}
		case <-ping.C:
			if err := c.control(fws.PingMessage, nil); err != nil {
				abort(conn)
				<-readDone
				return
			}
		case <-readDone:
			return
		case <-c.revoked:
			h.closeRevoked(c, readDone)
			abort(conn)
			<-readDone
			return
		case <-h.done:
			if err := h.write(c); err == nil {
				h.closeSocket(c, readDone)
			}
			abort(conn)
			<-readDone
			return
		}
	}
}

// pushed counts n messages written to sockets watching k.
func (h *Hub) pushed(k key, n int) {
	if h.onPush != nil && n > 0 {
		h.onPush(k.channel, k.topic, n)
	}
}

// refuseSocket closes a socket its channel has no room for, with a close
// frame that says why: the page retries later, as it does after any close,
// and whoever looks at its connection sees the reason.
func (h *Hub) refuseSocket(c *client) {
	level := slog.LevelDebug
	if c.firstRefused {
		level = slog.LevelWarn
	}
	h.log.Log(context.Background(), level, "overlays: socket refused, the channel holds as many as it may (overlays.max_connections)",
		"channel", c.key.channel, "topic", c.key.topic, "limit", h.maxConns)
	if h.onRefuse != nil {
		h.onRefuse(c.key.channel, RefusedChannelLimit)
	}
	msg := fmt.Sprintf("too many overlay sockets for this channel (limit %d): close unused sources or raise overlays.max_connections", h.maxConns)
	_ = c.control(fws.CloseMessage, fws.FormatCloseMessage(fws.CloseTryAgainLater, msg))
}

// closeSocket says goodbye with a going-away close frame and, when
// readDone is given, waits a little for the browser's answer.
func (h *Hub) closeSocket(c *client, readDone <-chan struct{}) {
	frame := fws.FormatCloseMessage(fws.CloseGoingAway, "hearth is shutting down")
	if err := c.control(fws.CloseMessage, frame); err != nil || readDone == nil {
		return
	}
	select {
	case <-readDone:
	case <-time.After(closeWait):
	}
}
