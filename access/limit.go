package access

import (
	"sync"
	"time"
)

// Admin-token attempts: at most LoginAttempts failures per client address
// in LoginWindow; past that, every attempt from the address is refused
// (429 with Retry-After) until the window ends.
const (
	LoginAttempts = 10
	LoginWindow   = time.Minute
	// maxTracked bounds the addresses remembered; past it the oldest
	// windows are dropped first.
	maxTracked = 10_000
)

// limiter counts failures per client address in fixed windows.
type limiter struct {
	max    int
	window time.Duration

	mu    sync.Mutex
	addrs map[string]*attempts
}

type attempts struct {
	failures int
	until    time.Time // when the window ends
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, addrs: map[string]*attempts{}}
}

// allow reports whether addr may try now, and if not how long it waits.
func (l *limiter) allow(addr string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.addrs[addr]
	if !ok || !now.Before(a.until) || a.failures < l.max {
		return true, 0
	}
	return false, a.until.Sub(now)
}

// fail counts a failed attempt from addr.
func (l *limiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.addrs[addr]
	if !ok || !now.Before(a.until) {
		if len(l.addrs) >= maxTracked {
			l.pruneLocked(now)
		}
		a = &attempts{until: now.Add(l.window)}
		l.addrs[addr] = a
	}
	a.failures++
}

// pruneLocked drops ended windows, and if every window is live, the one
// that ends first.
func (l *limiter) pruneLocked(now time.Time) {
	var first string
	for addr, a := range l.addrs {
		if !now.Before(a.until) {
			delete(l.addrs, addr)
		} else if first == "" || a.until.Before(l.addrs[first].until) {
			first = addr
		}
	}
	if len(l.addrs) >= maxTracked && first != "" {
		delete(l.addrs, first)
	}
}
