package overlays

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	fws "github.com/fasthttp/websocket"
	"github.com/hearthlive/hearth"
)

const (
	defaultMaxPushesPerSecond = 25
	// maxPushesPerSecond bounds the flush rate so the ticker interval stays
	// well above zero whatever the configuration says.
	maxPushesPerSecond = 1000

	// writeWait bounds every write to a socket; a browser that cannot take
	// a message in that time is dropped and will reconnect.
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
)

// Options tune a Hub. The zero value is usable.
type Options struct {
	// MaxPushesPerSecond caps how many messages each connected browser gets
	// per second for its (channel, topic); 0 means 25.
	MaxPushesPerSecond int
	// Logger receives the hub's logs; nil discards them.
	Logger *slog.Logger
	// OnPush, if set, is called after each message is written to a socket,
	// for metrics. It is called from many goroutines at once and must not
	// block.
	OnPush func(channel, topic string)
}

// Hub keeps the latest state of every (channel, topic) pair and pushes it to
// the browsers that watch it. Publish may be called from any goroutine; Run
// drives the pushes; Register mounts the pages and the socket on a router.
type Hub struct {
	tokens   TokenSource
	log      *slog.Logger
	interval time.Duration
	onPush   func(channel, topic string)

	running atomic.Bool
	done    chan struct{} // closed when the hub shuts down
	conns   sync.WaitGroup

	mu     sync.Mutex
	closed bool
	latest map[key][]byte // encoded message of the latest state
	dirty  map[key]struct{}
	subs   map[key]map[*client]struct{}
	counts map[string]int // connected sockets per channel
}

// key names what a socket watches.
type key struct{ channel, topic string }

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
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub{
		tokens:   tokens,
		log:      log,
		interval: time.Second / time.Duration(rate),
		onPush:   opts.OnPush,
		done:     make(chan struct{}),
		latest:   make(map[key][]byte),
		dirty:    make(map[key]struct{}),
		subs:     make(map[key]map[*client]struct{}),
		counts:   make(map[string]int),
	}
}

// Publish records state as the latest for (channel, topic) and schedules it
// for the browsers watching it. It never blocks on a browser: pushes are
// coalesced, so a browser gets at most MaxPushesPerSecond messages a second
// per (channel, topic) besides the state it got on connect, the last state
// wins, and the final state is always delivered. State is encoded to JSON during the call, so the caller may
// reuse it afterwards. Publish implements hearth.Broadcaster.
func (h *Hub) Publish(channel, topic string, state any) {
	name := hearth.NormalizeChannel(channel)
	if name == "" {
		h.log.Warn("overlays: publish to a malformed channel name dropped", "channel", channel, "topic", topic)
		return
	}
	msg, err := json.Marshal(message{Topic: topic, State: state})
	if err != nil {
		h.log.Error("overlays: cannot encode state", "channel", name, "topic", topic, "err", err)
		return
	}
	k := key{name, topic}
	h.mu.Lock()
	h.latest[k] = msg
	h.dirty[k] = struct{}{}
	h.mu.Unlock()
}

// Run pushes published states to the browsers until ctx is done, then
// delivers the last states, closes every socket with a going-away close
// frame and returns nil. A hub runs once; a second call returns an error.
func (h *Hub) Run(ctx context.Context) error {
	if !h.running.CompareAndSwap(false, true) {
		return errors.New("overlays: hub already ran")
	}
	tick := time.NewTicker(h.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			h.shutdown()
			return nil
		case <-tick.C:
			h.flush()
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

// flush hands every state published since the last flush to its watchers.
func (h *Hub) flush() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k := range h.dirty {
		msg := h.latest[k]
		for c := range h.subs[k] {
			c.offer(msg)
		}
		delete(h.dirty, k)
	}
}

func (h *Hub) shutdown() {
	h.flush()
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
	for _, set := range h.subs {
		for c := range set {
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

// add subscribes c and queues the latest state for it, or the kind's blank
// state when nothing was published yet. It reports false once the hub has
// shut down.
func (h *Hub) add(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	set := h.subs[c.key]
	if set == nil {
		set = make(map[*client]struct{})
		h.subs[c.key] = set
	}
	set[c] = struct{}{}
	h.counts[c.key.channel]++
	h.conns.Add(1)
	if msg, ok := h.latest[c.key]; ok {
		c.greet(msg)
	} else if state, ok := blankState(c.key.topic, c.key.channel); ok {
		msg, err := json.Marshal(message{Topic: c.key.topic, State: state})
		if err != nil {
			h.log.Error("overlays: cannot encode blank state", "channel", c.key.channel, "topic", c.key.topic, "err", err)
		} else {
			c.greet(msg)
		}
	}
	return true
}

func (h *Hub) remove(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.subs[c.key]
	if _, ok := set[c]; !ok {
		return
	}
	delete(set, c)
	if len(set) == 0 {
		delete(h.subs, c.key)
	}
	if h.counts[c.key.channel]--; h.counts[c.key.channel] <= 0 {
		delete(h.counts, c.key.channel)
	}
}

// client is one connected browser. It holds at most one pending message:
// a newer one replaces it, so a slow browser skips states instead of
// queueing them. The state on connect is the exception: it is always sent,
// first, because a page may treat the first state it gets as history (the
// alerts page does) and must not take a newer one for it.
type client struct {
	key  key
	conn *fws.Conn
	wake chan struct{} // capacity 1: a message is pending

	mu    sync.Mutex
	first []byte // the state on connect, until it is sent
	next  []byte
}

func newClient(k key, conn *fws.Conn) *client {
	return &client{key: k, conn: conn, wake: make(chan struct{}, 1)}
}

// offer makes msg the pending message without waiting for the writer.
func (c *client) offer(msg []byte) {
	c.mu.Lock()
	c.next = msg
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// greet makes msg the state on connect, which no later offer replaces.
func (c *client) greet(msg []byte) {
	c.mu.Lock()
	c.first = msg
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// take returns the state on connect if it is still pending, else the
// pending message, or nil, and clears what it returns.
func (c *client) take() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if msg := c.first; msg != nil {
		c.first = nil
		return msg
	}
	msg := c.next
	c.next = nil
	return msg
}

// serve runs one socket until the browser leaves, a write fails or the hub
// shuts down. It runs in the connection's own goroutine and owns the
// reader goroutine it starts.
func (h *Hub) serve(c *client) {
	conn := c.conn
	if !h.add(c) {
		h.closeSocket(conn, nil)
		return
	}
	defer h.conns.Done()
	defer h.remove(c)

	// The reader keeps the read deadline moving on pongs and notices when
	// the browser goes away; browsers send nothing else.
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
			if err := conn.WriteControl(fws.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				abort(conn)
				<-readDone
				return
			}
		case <-readDone:
			return
		case <-h.done:
			if err := h.write(c); err == nil {
				h.closeSocket(conn, readDone)
			}
			abort(conn)
			<-readDone
			return
		}
	}
}

// write sends c's pending messages: the state on connect and a newer one
// may both be waiting.
func (h *Hub) write(c *client) error {
	for {
		msg := c.take()
		if msg == nil {
			return nil
		}
		if err := c.conn.SetWriteDeadline(time.Now().Add(writeWait)); err != nil {
			return err
		}
		if err := c.conn.WriteMessage(fws.TextMessage, msg); err != nil {
			return err
		}
		if h.onPush != nil {
			h.onPush(c.key.channel, c.key.topic)
		}
	}
}

// abort cuts a socket's connection so that its pending and future reads
// and writes fail at once. The websocket's own Close cannot do it: fasthttp
// closes a hijacked connection only after the handler returns.
func abort(conn *fws.Conn) {
	nc := conn.NetConn()
	if hijacked, ok := nc.(interface{ UnsafeConn() net.Conn }); ok {
		_ = hijacked.UnsafeConn().Close()
		return
	}
	_ = nc.SetDeadline(time.Now())
}

// closeSocket says goodbye with a going-away close frame and, when
// readDone is given, waits a little for the browser's answer.
func (h *Hub) closeSocket(conn *fws.Conn, readDone <-chan struct{}) {
	frame := fws.FormatCloseMessage(fws.CloseGoingAway, "hearth is shutting down")
	if err := conn.WriteControl(fws.CloseMessage, frame, time.Now().Add(writeWait)); err != nil || readDone == nil {
		return
	}
	select {
	case <-readDone:
	case <-time.After(closeWait):
	}
}
