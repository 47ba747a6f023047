package stream

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Twitch's chat limits for a bot account: messages per sliding window, as a
// normal user and where the bot is moderator, VIP or broadcaster.
const (
	DefaultUserLimit = 20
	DefaultModLimit  = 100
	DefaultWindow    = 30 * time.Second
	// DefaultQueueSize is how many replies may wait; past it the oldest is
	// dropped, since a stale reply is worth less than a fresh one.
	DefaultQueueSize = 50
)

// Outgoing is one queued chat line: the channel it goes to and its text.
type Outgoing struct {
	Channel string
	Text    string
}

// Limiter queues chat lines and releases them no faster than a sliding
// window allows. It counts every send in one window across all channels,
// which is never looser than Twitch's per-channel rule. Safe for concurrent
// use.
type Limiter struct {
	userLimit, modLimit int
	window              time.Duration
	queueSize           int

	mu      sync.Mutex
	queue   []Outgoing
	sent    []time.Time // send times within the window, oldest first
	mod     map[string]bool
	dropped int64
	wake    chan struct{}
}

// NewLimiter returns a Limiter that sends at most userLimit lines per window,
// or modLimit in channels where the bot is moderator, VIP or broadcaster,
// and keeps at most queueSize lines waiting.
func NewLimiter(userLimit, modLimit int, window time.Duration, queueSize int) *Limiter {
	return &Limiter{
		userLimit: userLimit,
		modLimit:  modLimit,
		window:    window,
		queueSize: queueSize,
		mod:       make(map[string]bool),
		wake:      make(chan struct{}, 1),
	}
}

// Push queues a line, dropping the oldest queued line if the queue is full.
// It reports whether a line was dropped.
func (l *Limiter) Push(o Outgoing) (dropped bool) {
	l.mu.Lock()
	if len(l.queue) >= l.queueSize {
		copy(l.queue, l.queue[1:])
		l.queue = l.queue[:len(l.queue)-1]
		l.dropped++
		dropped = true
	}
	l.queue = append(l.queue, o)
	l.mu.Unlock()
	l.Poke()
	return dropped
}

// Poke wakes the sender without blocking.
func (l *Limiter) Poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Moderator reports whether the bot may send at the moderator's rate in
// channel.
func (l *Limiter) Moderator(channel string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mod[channel]
}

// SetModerator records whether the bot may send at the moderator's rate in
// channel.
func (l *Limiter) SetModerator(channel string, mod bool) {
	l.mu.Lock()
	l.mod[channel] = mod
	l.mu.Unlock()
}

// next returns the first queued line if it may be sent at now, and
// otherwise how long to wait before asking again (0 when the queue is empty).
func (l *Limiter) next(now time.Time) (o Outgoing, ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cut := 0
	// A send stays counted a little past the window: Twitch counts when a
	// line arrives, and one that took longer on the way than a later one
	// would otherwise look, to Twitch, closer to it than the window.
	window := l.window + l.window/50
	for cut < len(l.sent) && now.Sub(l.sent[cut]) >= window {
		cut++
	}
	l.sent = l.sent[cut:]
	if len(l.queue) == 0 {
		return Outgoing{}, false, 0
	}
	head := l.queue[0]
	limit := l.userLimit
	if l.mod[head.Channel] {
		limit = l.modLimit
	}
	if len(l.sent) >= limit {
		// The oldest send leaves the window first; after it, one slot frees.
		return Outgoing{}, false, window - now.Sub(l.sent[len(l.sent)-limit]) + time.Millisecond
	}
	l.queue = l.queue[1:]
	l.sent = append(l.sent, now)
	return head, true, 0
}

// Run hands each queued line to send as the window allows, until ctx
// ends. While ready, if not nil, reports false, lines wait in the queue; a
// Push or Poke makes Run ask again.
func (l *Limiter) Run(ctx context.Context, ready func() bool, send func(Outgoing)) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if ready != nil && !ready() {
			select {
			case <-ctx.Done():
				return
			case <-l.wake:
				continue
			}
		}
		o, ok, wait := l.next(time.Now())
		if ok {
			send(o)
			continue
		}
		if wait == 0 {
			wait = time.Hour
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-timer.C:
		}
	}
}

// SanitizeReply makes text safe to send as one chat line: one line, no
// leading '/' or '.' that Twitch would run as a command, valid UTF-8, at
// most MaxMessageRunes.
func SanitizeReply(text string) string {
	text = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(text, ""))
	text = strings.TrimSpace(text)
	for strings.HasPrefix(text, "/") || strings.HasPrefix(text, ".") {
		text = strings.TrimSpace(text[1:])
	}
	if utf8.RuneCountInString(text) > MaxMessageRunes {
		text = ClampText(text)
	}
	return text
}
