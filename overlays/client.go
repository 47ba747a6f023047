package overlays

import (
	"encoding/binary"
	"errors"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	fws "github.com/fasthttp/websocket"
	"github.com/hearthlive/hearth"
)

// frame is one state, encoded once as a complete, unmasked WebSocket text
// frame (header and payload) that every socket watching key is given as
// is. It is never modified.
type frame struct {
	key  key
	data []byte
}

// newFrame frames payload as a single final text frame, as RFC 6455
// section 5.2 lays it out for a server.
func newFrame(k key, payload []byte) *frame {
	const text, fin = 1, 0x80
	n := len(payload)
	var hdr []byte
	switch {
	case n < 126:
		hdr = []byte{fin | text, byte(n)}
	case n <= 0xffff:
		hdr = binary.BigEndian.AppendUint16([]byte{fin | text, 126}, uint16(n))
	default:
		hdr = binary.BigEndian.AppendUint64([]byte{fin | text, 127}, uint64(n))
	}
	data := make([]byte, 0, len(hdr)+n)
	data = append(append(data, hdr...), payload...)
	return &frame{key: k, data: data}
}

// client is one connected browser. What waits for its socket is at most:
// the state on connect, always sent first and never replaced (a page may
// treat the first state it gets as history, as the alerts page does, and
// must not take a newer one for it); the rest of a frame that a push could
// write only in part; and the latest frame, which a newer one replaces, so
// a slow browser skips states instead of queueing them.
//
// Whoever writes to the socket holds wmu: a push writing a frame without
// waiting, the client's goroutine waiting for a slow socket, or the reader
// answering a ping. A push never waits for wmu: when the socket is busy it
// leaves its frame as the latest and wakes the client's goroutine.
type client struct {
	key  key
	conn *fws.Conn
	wake chan struct{} // capacity 1: something is waiting for the socket
	next atomic.Pointer[frame]

	// greeting is the state on connect; set before the client is seen by
	// any push, and never changed after.
	greeting *frame
	// token is the digest of the overlay token the socket was opened
	// with; revoked is closed when that token is rotated away
	// (revoke.go).
	token      tokenDigest
	revoked    chan struct{}
	revokeOnce sync.Once
	// firstRefused says the hub refused this socket, the first its
	// channel refused since it was last below the limit; set by add.
	firstRefused bool

	// A socket of the events topic: the seq the page asked for events
	// after (-1 for none) and whether its first message is still to go,
	// guarded by wmu; and the seq of the last event it was sent (or asked
	// for), which keeps the hub from dropping the events after it
	// (eventlog.go), written under wmu.
	since  int64
	resync bool
	sent   atomic.Int64

	wmu    sync.Mutex
	first  []byte // the state on connect, until it is written
	rest   []byte // what a push left of a frame it wrote in part
	broken error  // why a push could not write; the socket is done

	// raw writes to the socket without waiting, when the connection
	// allows it; nil sends every frame through the client's goroutine.
	raw syscall.RawConn
	// The argument and results of tryWrite's system call, kept here so a
	// write allocates nothing; guarded by wmu.
	wbuf     []byte
	wn       int
	werr     error
	rawWrite func(fd uintptr) bool
}

func newClient(k key, conn *fws.Conn) *client {
	c := &client{key: k, conn: conn, wake: make(chan struct{}, 1), revoked: make(chan struct{}), since: -1, resync: k.topic == hearth.TopicEvents}
	c.sent.Store(math.MaxInt64 - 1) // holds nothing back until it asks
	if conn != nil {
		c.raw = rawConn(conn.NetConn())
	}
	c.rawWrite = func(fd uintptr) bool {
		c.wn, c.werr = syscall.Write(int(fd), c.wbuf)
		return true
	}
	return c
}

// rawConn returns the system connection under nc, for writes that do not
// wait, or nil when there is none (TLS, a pipe).
func rawConn(nc net.Conn) syscall.RawConn {
	// fasthttp hands over a hijacked connection in a wrapper.
	if u, ok := nc.(interface{ UnsafeConn() net.Conn }); ok {
		nc = u.UnsafeConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// greet makes f, if any, the state on connect. It is called once, before
// the client is offered anything.
func (c *client) greet(f *frame) {
	if f == nil {
		return
	}
	c.greeting = f
	c.wmu.Lock()
	c.first = f.data
	c.wmu.Unlock()
	c.signal()
}

func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// offer gives f to c's socket without waiting for it: it writes f at once
// when the socket is idle with nothing waiting and takes all of it, and
// reports true, and otherwise leaves the socket's goroutine to write f, or
// whatever newer frame replaces it.
func (h *Hub) offer(c *client, f *frame) bool {
	if f == c.greeting {
		return false // it is on its way already
	}
	if c.raw != nil && c.wmu.TryLock() {
		if c.first != nil || c.rest != nil || c.broken != nil || c.next.Load() != nil {
			c.wmu.Unlock()
		} else {
			n, err := c.tryWrite(f.data)
			switch {
			case err == nil && n == len(f.data):
				c.wmu.Unlock()
				return true
			case n > 0:
				// Part of the frame is on the wire: the rest must follow
				// before anything else.
				c.rest = f.data[n:]
				c.wmu.Unlock()
				c.signal()
				return false
			case err != nil && !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EINTR):
				c.broken = err
				c.wmu.Unlock()
				c.signal()
				return false
			}
			c.wmu.Unlock() // the socket is full: wait for it below
		}
	}
	c.next.Store(f)
	c.signal()
	return false
}

// tryWrite writes as much of b as the socket takes without waiting, in one
// system call. c.wmu must be held.
func (c *client) tryWrite(b []byte) (int, error) {
	c.wbuf = b
	err := c.raw.Write(c.rawWrite)
	n, werr := c.wn, c.werr
	c.wbuf, c.werr = nil, nil
	if err != nil {
		return 0, err
	}
	return max(n, 0), werr
}

// write sends whatever waits for c's socket, in order, waiting up to
// writeWait for each frame; to a socket of the events topic, every event
// it has not had.
func (h *Hub) write(c *client) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for {
		if c.broken != nil {
			return c.broken
		}
		msg := c.take()
		if msg == nil {
			if c.key.topic == hearth.TopicEvents {
				return h.writeEvents(c)
			}
			return nil
		}
		if err := c.writeWaiting(msg); err != nil {
			return err
		}
		h.pushed(c.key, 1)
	}
}

// take returns what the socket must be sent next, or nil, and clears it:
// the state on connect, then the rest of a frame written in part, then the
// latest frame. c.wmu must be held.
func (c *client) take() []byte {
	var msg []byte
	switch {
	case c.first != nil:
		msg, c.first = c.first, nil
	case c.rest != nil:
		msg, c.rest = c.rest, nil
	default:
		if f := c.next.Swap(nil); f != nil {
			msg = f.data
		}
	}
	return msg
}

// writeWaiting writes b, waiting up to writeWait for the socket to take
// it. c.wmu must be held.
func (c *client) writeWaiting(b []byte) error {
	nc := c.conn.NetConn()
	if err := nc.SetWriteDeadline(time.Now().Add(writeWait)); err != nil {
		return err
	}
	if _, err := nc.Write(b); err != nil {
		return err
	}
	// No deadline between writes: tryWrite would fail on a stale one.
	return nc.SetWriteDeadline(time.Time{})
}

// control writes a control frame (ping, pong, close), waiting up to
// writeWait for the socket to take it.
func (c *client) control(messageType int, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	err := c.conn.WriteControl(messageType, data, time.Now().Add(writeWait))
	if err != nil {
		return err
	}
	if messageType == fws.CloseMessage {
		// Nothing may follow a close frame.
		c.broken = fws.ErrCloseSent
	}
	// WriteControl leaves its deadline set: tryWrite would fail on it
	// once it is past.
	return c.conn.NetConn().SetWriteDeadline(time.Time{})
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
