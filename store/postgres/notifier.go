package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/redact"
)

// The topics that instances of a cluster notify each other on. Payloads
// are versions, ids or names, never state: a NOTIFY sent while a listener
// was disconnected is lost, so a listener re-reads the store after every
// reconnect instead of trusting it saw every notice.
const (
	TopicOverlay       = "hearth_overlay"        // an overlay's state changed: the channel
	TopicLease         = "hearth_lease"          // a lease was released: the reason
	TopicCommand       = "hearth_command"        // a command was posted: its channel
	TopicCommandResult = "hearth_command_result" // a command's result was written: its id
	TopicOverlayToken  = "hearth_overlay_token"  // a channel's overlay token was rotated: the channel
)

// MaxPayload is the longest payload Notify sends; PostgreSQL refuses
// payloads of 8,000 bytes or more.
const MaxPayload = 7999

// Notify sends payload to every listener of topic, through the pool.
func (db *DB) Notify(ctx context.Context, topic, payload string) error {
	if len(payload) > MaxPayload {
		return hearth.Errorf(hearth.EINVALID, "notification of %d bytes on %s is longer than %d", len(payload), topic, MaxPayload)
	}
	if _, err := db.pool.Exec(ctx, `SELECT pg_notify(hearth_topic($1), $2)`, topic, payload); err != nil {
		return fmt.Errorf("postgres: unable to notify %s: %w", topic, err)
	}
	return nil
}

// NotifierOptions tune a Notifier; zero fields take the defaults.
type NotifierOptions struct {
	// PingInterval is how long the connection may stay silent before the
	// notifier pings it, and so how soon a connection dropped without a
	// word is noticed. Default 5 s.
	PingInterval time.Duration
	// RetryMin and RetryMax bound the wait between reconnect attempts,
	// doubling from the one to the other. Defaults 100 ms and 5 s.
	RetryMin, RetryMax time.Duration
	Logger             *slog.Logger
}

// Notifier listens on one dedicated connection (not from the pool: a
// LISTEN belongs to its session, so it needs a direct connection, or a
// PgBouncer in session mode) for notifications on several topics, and
// hands each to the topic's handlers. It pings a silent connection,
// reconnects with backoff when the connection fails, and after every
// connection made calls the OnConnect handlers, so that subscribers read
// again from the store what they may have missed.
//
// Register handlers with Listen and OnConnect before Run. Handlers run on
// the notifier's goroutine, one at a time: they must be quick (hand the
// work on) and never call the notifier.
type Notifier struct {
	conf *pgx.ConnConfig
	opts NotifierOptions
	log  *slog.Logger

	mu        sync.Mutex
	handlers  map[string][]func(payload string)
	onConnect []func(reconnect bool)
	connected bool
	running   bool
}

// NewNotifier returns a notifier for the database at url; Run connects.
func NewNotifier(url string, opts NotifierOptions) (*Notifier, error) {
	// The pool's parser, so that the pool's own parameters (pool_max_conns)
	// in the store's URL are understood rather than sent to the server.
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to parse database URL %s: %s", redact.URL(url), parseReason(err, url))
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = 5 * time.Second
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = 100 * time.Millisecond
	}
	if opts.RetryMax < opts.RetryMin {
		opts.RetryMax = max(5*time.Second, opts.RetryMin)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Notifier{conf: cfg.ConnConfig, opts: opts, log: log, handlers: map[string][]func(string){}}, nil
}

// Listen calls fn with the payload of every notification on topic. It
// must be called before Run.
func (n *Notifier) Listen(topic string, fn func(payload string)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.running {
		panic("postgres: Notifier.Listen after Run")
	}
	n.handlers[topic] = append(n.handlers[topic], fn)
}

// OnConnect calls fn each time the notifier has connected and listens on
// every topic: reconnect is false the first time. It must be called
// before Run.
func (n *Notifier) OnConnect(fn func(reconnect bool)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.running {
		panic("postgres: Notifier.OnConnect after Run")
	}
	n.onConnect = append(n.onConnect, fn)
}

// Connected reports whether the notifier is listening right now.
func (n *Notifier) Connected() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.connected
}

// Run connects, listens and reconnects until ctx ends; then it closes the
// connection and returns nil.
func (n *Notifier) Run(ctx context.Context) error {
	n.mu.Lock()
	n.running = true
	n.mu.Unlock()
	wait := n.opts.RetryMin
	connects := 0
	for ctx.Err() == nil {
		conn, topics, err := n.connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			n.log.Warn("notifier: unable to listen; retrying", "err", err, "in", wait)
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			wait = min(2*wait, n.opts.RetryMax)
			continue
		}
		wait = n.opts.RetryMin
		n.setConnected(true)
		if connects > 0 {
			n.log.Info("notifier: listening again")
		}
		for _, fn := range n.onConnect {
			fn(connects > 0)
		}
		connects++
		err = n.receive(ctx, conn, topics)
		n.setConnected(false)
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(closeCtx)
		cancel()
		if ctx.Err() == nil {
			n.log.Warn("notifier: connection lost; reconnecting", "err", err)
		}
	}
	return nil
}

func (n *Notifier) setConnected(c bool) {
	n.mu.Lock()
	n.connected = c
	n.mu.Unlock()
}

// connect opens the listening connection and listens on every topic, by
// its name in the schema (hearth_topic), and returns the topic of each
// name.
func (n *Notifier) connect(ctx context.Context) (*pgx.Conn, map[string]string, error) {
	cctx, cancel := context.WithTimeout(ctx, n.opts.PingInterval+5*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, n.conf.Copy())
	if err != nil {
		return nil, nil, err
	}
	topics := make(map[string]string, len(n.handlers))
	for topic := range n.handlers {
		var name string
		if err := conn.QueryRow(cctx, `SELECT hearth_topic($1)`, topic).Scan(&name); err != nil {
			conn.Close(context.Background())
			return nil, nil, err
		}
		if _, err := conn.Exec(cctx, "LISTEN "+pgx.Identifier{name}.Sanitize()); err != nil {
			conn.Close(context.Background())
			return nil, nil, err
		}
		topics[name] = topic
	}
	return conn, topics, nil
}

// receive hands notifications to their handlers until the connection
// fails or ctx ends, pinging the connection whenever it stays silent for
// PingInterval.
func (n *Notifier) receive(ctx context.Context, conn *pgx.Conn, topics map[string]string) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, n.opts.PingInterval)
		note, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			pctx, cancel := context.WithTimeout(ctx, n.opts.PingInterval)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
		case err != nil:
			return err
		default:
			for _, fn := range n.handlers[topics[note.Channel]] {
				fn(note.Payload)
			}
		}
	}
}
