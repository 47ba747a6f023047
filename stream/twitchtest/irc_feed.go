package twitchtest

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// FeedOptions tune Feed. Zero values mean defaults.
type FeedOptions struct {
	// Speed is the replay speed: 0 sends as fast as the client acknowledges;
	// 1 keeps the gaps between the lines' tmi-sent-ts tags; 2 is twice as
	// fast. Timestamps are taken as a running maximum, so a line stamped
	// earlier than one before it is sent at once, never "in the past".
	Speed float64
	// CheckpointEvery is the number of lines between acknowledgement
	// checkpoints; default 100.
	CheckpointEvery int
	// OnProgress, if set, is called on Feed's goroutine each time the number
	// of acknowledged lines grows, with that number.
	OnProgress func(acked int)
}

// FeedResult reports what a Feed did.
type FeedResult struct {
	Lines       int // lines in the feed, all acknowledged when Feed returns nil
	Resent      int // lines written again because a connection was lost before acknowledging them
	Connections int // connections the feed was written to
}

// pingPrefix starts the token of a Feed checkpoint PING.
const pingPrefix = "hearth-feed-"

var errLost = errors.New("twitchtest: connection lost")

// checkpoint is what the answer to one checkpoint PING proves: every line of
// the feed before index has been handled.
type checkpoint struct {
	f     *feedRun
	index int
}

// feedRun is the acknowledgement state of one Feed call.
type feedRun struct {
	acked  atomic.Int64  // lines [0, acked) are acknowledged
	notify chan struct{} // signalled when acked grows
	tokens []uint64      // checkpoint tokens issued; only Feed's goroutine touches it
}

func (f *feedRun) advance(index int) {
	for {
		cur := f.acked.Load()
		if int64(index) <= cur {
			return
		}
		if f.acked.CompareAndSwap(cur, int64(index)) {
			break
		}
	}
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

// acknowledge handles a client's PONG: any checkpoint token in it, on
// whichever connection it arrives, acknowledges its feed up to that point.
func (s *Server) acknowledge(params []string) {
	var found []checkpoint
	s.mu.Lock()
	for _, p := range params {
		for _, w := range strings.Fields(p) {
			rest, ok := strings.CutPrefix(w, pingPrefix)
			if !ok {
				continue
			}
			n, err := strconv.ParseUint(rest, 10, 64)
			if err != nil {
				continue
			}
			if cp, ok := s.pings[n]; ok {
				delete(s.pings, n)
				found = append(found, cp)
			}
		}
	}
	if len(found) > 0 {
		s.notifyLocked()
	}
	s.mu.Unlock()
	for _, cp := range found {
		cp.f.advance(cp.index)
	}
}

// newCheckpoint registers a checkpoint for f at index and returns its PING.
func (s *Server) newCheckpoint(f *feedRun, index int) string {
	s.mu.Lock()
	s.pingSeq++
	n := s.pingSeq
	s.pings[n] = checkpoint{f: f, index: index}
	s.mu.Unlock()
	f.tokens = append(f.tokens, n)
	return "PING :" + pingPrefix + strconv.FormatUint(n, 10)
}

func (s *Server) forget(f *feedRun) {
	s.mu.Lock()
	for _, n := range f.tokens {
		delete(s.pings, n)
	}
	s.mu.Unlock()
}

// Feed replays raw IRC lines (tags and all, as in a Twitch capture) to a
// client joined to channel, exactly: it returns nil only once the client has
// handled every line.
//
// TCP delivery is no proof of that: go-twitch-irc, for one, can discard
// lines it has read but not yet handled when its connection ends. So every
// CheckpointEvery lines, and after the last, Feed sends "PING
// :hearth-feed-<n>" on the same connection; a client handles lines in order,
// so its "PONG :hearth-feed-<n>" proves every earlier line was handled. When
// the connection is lost (Reconnect, Drop, or the client leaving), Feed waits
// for a client to join the channel again and resumes from the first
// unacknowledged line. Lines between the last checkpoint and the loss can
// therefore arrive twice: consumers must drop duplicates by the message's id
// tag, as they must on Twitch. Feed keeps at most four checkpoints' worth of
// lines unacknowledged, so a loss costs little to resend.
//
// Lines go to one connection: the first, among those open and joined to the
// channel, to have joined it. Feed returns ctx's error or ErrClosed when
// those end it first; a client that never answers PING stalls it until then.
// Reconnect and Drop may be called at any moment while Feed runs.
func (s *Server) Feed(ctx context.Context, channel string, lines []string, opts FeedOptions) (FeedResult, error) {
	fd := &feeder{
		s:     s,
		ch:    channelName(channel),
		lines: lines,
		every: opts.CheckpointEvery,
		f:     &feedRun{notify: make(chan struct{}, 1)},
		pace:  newPacer(lines, opts.Speed),
		opts:  opts,
		res:   FeedResult{Lines: len(lines)},
	}
	if fd.every <= 0 {
		fd.every = 100
	}
	fd.window = 4 * fd.every
	defer s.forget(fd.f)
	for {
		if fd.acked() >= len(lines) {
			return fd.res, nil
		}
		c, err := fd.connection(ctx)
		if err != nil {
			return fd.res, err
		}
		if c == nil {
			continue
		}
		fd.res.Connections++
		s.log.Debug("twitchtest: feeding", "channel", fd.ch, "conn", c.id, "from", fd.acked(), "lines", len(lines))
		if err := fd.on(ctx, c); err != nil && !errors.Is(err, errLost) {
			return fd.res, err
		}
	}
}

// feeder is the state of one Feed call; only Feed's goroutine uses it.
type feeder struct {
	s        *Server
	ch       string
	lines    []string
	every    int
	window   int
	f        *feedRun
	pace     pacer
	opts     FeedOptions
	res      FeedResult
	reported int // acknowledged count last passed to OnProgress
	sent     int // lines [0, sent) have been written at least once
}

// acked returns how many lines are acknowledged, reporting progress.
func (fd *feeder) acked() int {
	a := int(fd.f.acked.Load())
	if a > fd.reported {
		fd.reported = a
		if fd.opts.OnProgress != nil {
			fd.opts.OnProgress(a)
		}
	}
	return a
}

// connection waits for a connection to feed; nil with a nil error means
// every line got acknowledged meanwhile.
func (fd *feeder) connection(ctx context.Context) (*conn, error) {
	var c *conn
	err := fd.s.waitFor(ctx, func() bool {
		if int(fd.f.acked.Load()) >= len(fd.lines) {
			return true
		}
		if joined := fd.s.joinedLocked(fd.ch); len(joined) > 0 {
			c = joined[0]
			return true
		}
		return false
	})
	return c, err
}

// wait blocks until an acknowledgement, the timer, the loss of c, ctx's end
// or the server's.
func (fd *feeder) wait(ctx context.Context, c *conn, timer <-chan time.Time) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-fd.s.closed:
		return ErrClosed
	case <-c.done:
		return errLost
	case <-fd.f.notify:
		return nil
	case <-timer:
		return nil
	}
}

func (fd *feeder) sleepUntil(ctx context.Context, c *conn, due time.Time) error {
	for {
		d := time.Until(due)
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		err := fd.wait(ctx, c, t.C)
		t.Stop()
		if err != nil {
			return err
		}
		fd.acked()
	}
}

func (fd *feeder) joined(c *conn) bool {
	fd.s.mu.Lock()
	defer fd.s.mu.Unlock()
	_, ok := c.joined[fd.ch]
	return ok
}

// on feeds c from the first unacknowledged line until every line is
// acknowledged (nil), c is lost (errLost), or ctx or the server ends.
func (fd *feeder) on(ctx context.Context, c *conn) error {
	n := len(fd.lines)
	next := fd.acked()
	fd.pace.resume(fd.sent)
	for next < n {
		for next-fd.acked() >= fd.window {
			if err := fd.wait(ctx, c, nil); err != nil {
				return err
			}
		}
		end := next + 1
		if fd.pace.speed > 0 {
			if due := fd.pace.due(next); !due.IsZero() {
				if err := fd.sleepUntil(ctx, c, due); err != nil {
					return err
				}
			}
		} else {
			end = min(n, (next/fd.every+1)*fd.every, fd.acked()+fd.window)
		}
		if !fd.joined(c) {
			return errLost
		}
		batch := make([]string, 0, end-next+1)
		for i := next; i < end; i++ {
			batch = append(batch, fd.lines[i])
			if i < fd.sent {
				fd.res.Resent++
			}
		}
		if end%fd.every == 0 || end == n {
			batch = append(batch, fd.s.newCheckpoint(fd.f, end))
		}
		if err := c.send(batch...); err != nil {
			return errLost
		}
		next = end
		fd.sent = max(fd.sent, end)
	}
	for fd.acked() < n {
		if err := fd.wait(ctx, c, nil); err != nil {
			return err
		}
	}
	return nil
}

// pacer schedules lines by their tmi-sent-ts tags.
type pacer struct {
	speed float64
	ts    []int64   // running maximum of tmi-sent-ts (ms) up to each line; 0 before any
	base  int64     // the timestamp sent at wall; 0 until anchored
	wall  time.Time // when base was due
}

func newPacer(lines []string, speed float64) pacer {
	if speed <= 0 {
		return pacer{}
	}
	p := pacer{speed: speed, ts: make([]int64, len(lines))}
	var m int64
	for i, l := range lines {
		m = max(m, lineTimestamp(l))
		p.ts[i] = m
	}
	return p
}

// resume anchors the schedule at now, after lines [0, sent) went out, so
// time lost reconnecting is not made up in a burst and resent lines go at
// once.
func (p *pacer) resume(sent int) {
	p.base = 0
	if p.speed > 0 && sent > 0 && p.ts[sent-1] > 0 {
		p.base, p.wall = p.ts[sent-1], time.Now()
	}
}

// due returns when line i should be sent; zero means now.
func (p *pacer) due(i int) time.Time {
	t := p.ts[i]
	if t == 0 {
		return time.Time{}
	}
	if p.base == 0 {
		p.base, p.wall = t, time.Now()
		return p.wall
	}
	return p.wall.Add(time.Duration(float64(t-p.base) * float64(time.Millisecond) / p.speed))
}

// lineTimestamp returns a line's tmi-sent-ts tag in milliseconds, or 0.
func lineTimestamp(line string) int64 {
	if !strings.HasPrefix(line, "@") {
		return 0
	}
	tags, _, _ := strings.Cut(line[1:], " ")
	for _, kv := range strings.Split(tags, ";") {
		if v, ok := strings.CutPrefix(kv, "tmi-sent-ts="); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return 0
			}
			return n
		}
	}
	return 0
}
