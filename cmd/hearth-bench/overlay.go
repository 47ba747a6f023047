package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	fws "github.com/fasthttp/websocket"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// overlayResult is the latency from a chat line sent by the fake Twitch to
// the alerts frame that shows it arriving at an overlay client.
type overlayResult struct {
	Clients   int     `json:"clients"`
	Rate      int     `json:"chat_messages_per_second"` // achieved, not asked
	Probes    int     `json:"probes"`
	Expected  int64   `json:"frames_expected"`
	Received  int64   `json:"frames_received"`
	P50Millis float64 `json:"p50_ms"`
	P99Millis float64 `json:"p99_ms"`
	MaxMillis float64 `json:"max_ms"`
	// HearthCPU and BenchCPU are the cores hearth and this program (the
	// overlay clients and the fake Twitch) kept busy while measuring: on a
	// shared machine, what the clients cost is taken from hearth.
	HearthCPU float64 `json:"hearth_cores"`
	BenchCPU  float64 `json:"bench_cores"`
	Skipped   string  `json:"skipped,omitempty"`
}

// probeTag starts the login of every probe viewer; each probe is a
// newcomer's first line, which the alerts overlay shows as a welcome.
const probeTag = "zqprobe"

// runOverlay connects overlay clients to hearth's alerts socket while chat
// flows at o.overlayRate, and times probe lines from send to frame.
func runOverlay(ctx context.Context, bin, dir, dbURL string, capture []capLine, o options, prefix string, logf func(string, ...any)) ([]overlayResult, error) {
	channel := prefix + "c0"
	srv, err := twitchtest.NewServer(twitchtest.Options{})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	// Every client watches one channel: raise its socket limit to the
	// largest count measured.
	env := []string{"HEARTH_OVERLAYS_MAX_CONNECTIONS=" + strconv.Itoa(slices.Max(o.overlayClients))}
	if o.overlayProfile != "" {
		env = append(env, "HEARTH_DEBUG_PPROF=true")
	}
	h, err := startHearth(bin, dir, srv.Addr(), dbURL, []string{channel}, env...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = h.stop() }()
	if _, err := h.waitReady(ctx, time.Minute); err != nil {
		return nil, err
	}
	if err := srv.WaitJoined(ctx, channel); err != nil {
		return nil, err
	}
	token, err := h.overlayToken(channel)
	if err != nil {
		return nil, err
	}
	wsURL := strings.Replace(h.http, "http://", "ws://", 1) + "/overlays/ws?" + url.Values{
		"channel": {channel}, "token": {token}, "topic": {"alerts"},
	}.Encode()

	// The background chat comes from 2,000 viewers who have all chatted
	// once before measuring starts, so the only newcomers are the probes.
	var msgs []capLine
	for _, c := range capture {
		if c.command == "PRIVMSG" {
			msgs = append(msgs, c)
		}
	}
	const regulars = 2000
	var seq atomic.Int64
	var b strings.Builder
	line := func(login, userID string, c capLine) string {
		n := seq.Add(1)
		c.render(&b, identity{login: login, userID: userID, channel: channel, roomID: roomID(0)}, "o-"+strconv.FormatInt(n, 10), time.Now().UnixMilli())
		return b.String()
	}
	regular := func(k int) string {
		return line("r"+strconv.Itoa(k%regulars), strconv.Itoa(800000000+k%regulars), msgs[k%len(msgs)])
	}
	warm := make([]string, regulars)
	for k := range warm {
		warm[k] = regular(k)
	}
	srv.Send(channel, warm...)
	time.Sleep(2 * time.Second)

	var out []overlayResult
	probeBase := 0
	largest := slices.Max(o.overlayClients)
	for _, n := range o.overlayClients {
		logf("overlay: %d clients", n)
		profile := ""
		if n == largest {
			profile, largest = o.overlayProfile, 0
		}
		r, err := measureOverlay(ctx, h, srv, wsURL, channel, n, o, &probeBase, regular, line, msgs[0], profile)
		if err != nil {
			r.Skipped = err.Error()
			logf("  %v", err)
		} else {
			logf("  p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d of %d frames; cores busy: hearth %.2f, bench %.2f",
				r.P50Millis, r.P99Millis, r.MaxMillis, r.Received, r.Expected, r.HearthCPU, r.BenchCPU)
		}
		if profile != "" && err == nil {
			logf("  cpu profile of hearth written to %s (go tool pprof -top %s)", profile, profile)
		}
		out = append(out, r)
	}
	return out, nil
}

// measureOverlay connects n clients and times the probes; when profile
// names a file, it also writes a CPU profile of hearth over the measuring
// window to it. A probe's latency is taken for every client, from just
// before the fake Twitch writes the probe's line to hearth's chat
// connection until the client's read that completed the first frame
// carrying it returned; no client is set apart to be timed. Over loopback,
// each of hearth's writes also does the kernel's receive work for the
// client's socket, work a browser's own machine would do; a kernel
// profile puts it at about half of each write's time.
func measureOverlay(ctx context.Context, h *hearthProc, srv *twitchtest.Server, wsURL, channel string, n int, o options, probeBase *int,
	regular func(int) string, line func(login, userID string, c capLine) string, probeMsg capLine, profile string) (overlayResult, error) {
	res := overlayResult{Clients: n, Rate: o.overlayRate}
	const maxProbes = 100000
	var sent [maxProbes]atomic.Int64 // probe → send time, Unix ns
	var mu sync.Mutex
	var lat []time.Duration
	var received atomic.Int64
	dialer := *fws.DefaultDialer
	dialer.HandshakeTimeout = 30 * time.Second
	conns := make([]*fws.Conn, n)
	var wg, dialWG sync.WaitGroup
	sem := make(chan struct{}, 64)
	var dialErr, readErr atomic.Value
	for i := range conns {
		dialWG.Add(1)
		sem <- struct{}{}
		go func() {
			defer dialWG.Done()
			defer func() { <-sem }()
			c, _, err := dialer.DialContext(ctx, wsURL, nil)
			if err != nil {
				dialErr.Store(err)
				return
			}
			conns[i] = c
			// The state on connect. Nothing is published while clients
			// connect, so it is all the WebSocket library has read: from
			// here on the client reads the socket itself.
			_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
			if _, _, err := c.ReadMessage(); err != nil {
				dialErr.Store(err)
				return
			}
			_ = c.SetReadDeadline(time.Time{})
		}()
	}
	dialWG.Wait()
	closeAll := func() {
		for _, c := range conns {
			if c != nil {
				_ = c.Close()
			}
		}
	}
	if err, ok := dialErr.Load().(error); ok {
		closeAll()
		return res, fmt.Errorf("connecting %d overlay clients: %w", n, err)
	}
	// Every client is an ordinary subscriber and every one is measured:
	// each notes when the frame that first carries a probe reached it, so
	// the percentiles are over (probe, client) pairs, every client
	// included, the last socket a push reaches as much as the first.
	first := *probeBase
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := first - 1 // the newest probe this client has seen
			var mine []time.Duration
			err := readFrames(c.NetConn(), func(payload []byte, at int64) {
				// Alerts are listed oldest first and probes are sent in
				// order, so the probes this client has not seen yet end
				// the frame: scan back until one it has seen. Each probe
				// shows twice in a row, as login and display name.
				newest, prev := last, -1
				for rest := payload; ; {
					i := bytes.LastIndex(rest, []byte(probeTag))
					if i < 0 || len(rest) < i+len(probeTag)+6 {
						break
					}
					k, err := strconv.Atoi(string(rest[i+len(probeTag):][:6]))
					rest = rest[:i]
					if err != nil || k == prev || k >= maxProbes {
						continue
					}
					if k <= last {
						break
					}
					prev, newest = k, max(newest, k)
					if sentAt := sent[k].Load(); sentAt != 0 {
						mine = append(mine, time.Duration(at-sentAt))
					}
				}
				last = newest
			})
			if err != nil && !errors.Is(err, net.ErrClosed) {
				readErr.Store(err)
			}
			received.Add(int64(len(mine)))
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}

	// Chat at o.overlayRate in 10 ms ticks, and a probe every 100 ms.
	perTick := max(o.overlayRate/100, 1)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	began := time.Now()
	end := began.Add(o.overlayFor)
	hearthBefore, _ := readProc(h.cmd.Process.Pid)
	benchBefore, _ := readProc(os.Getpid())
	profiled := make(chan error, 1)
	if profile != "" {
		go func() { profiled <- h.profile(profile, o.overlayFor) }()
	} else {
		profiled <- nil
	}
	k := 0
	probes := 0
	for i := 0; time.Now().Before(end) && ctx.Err() == nil; i++ {
		<-tick.C
		batch := make([]string, perTick)
		for j := range batch {
			batch[j] = regular(k)
			k++
		}
		srv.Send(channel, batch...)
		if i%10 == 0 && *probeBase+probes < maxProbes {
			p := *probeBase + probes
			probes++
			l := line(fmt.Sprintf("%s%06d", probeTag, p), strconv.Itoa(810000000+p), probeMsg)
			sent[p].Store(time.Now().UnixNano())
			srv.Send(channel, l)
		}
	}
	*probeBase += probes
	took := time.Since(began)
	res.Rate = int(float64(k) / took.Seconds())
	if after, err := readProc(h.cmd.Process.Pid); err == nil {
		res.HearthCPU = (after.CPU - hearthBefore.CPU).Seconds() / took.Seconds()
	}
	if after, err := readProc(os.Getpid()); err == nil {
		res.BenchCPU = (after.CPU - benchBefore.CPU).Seconds() / took.Seconds()
	}
	if err := <-profiled; err != nil {
		closeAll()
		wg.Wait()
		return res, fmt.Errorf("profiling hearth: %w", err)
	}
	time.Sleep(2 * time.Second) // stragglers
	closeAll()
	wg.Wait()
	if err, ok := readErr.Load().(error); ok {
		return res, fmt.Errorf("reading an overlay client: %w", err)
	}
	res.Probes = probes
	res.Expected = int64(probes) * int64(n)
	res.Received = received.Load()
	if len(lat) == 0 {
		return res, fmt.Errorf("no probe reached an overlay client")
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	res.P50Millis = ms(lat[len(lat)/2])
	res.P99Millis = ms(lat[min(len(lat)-1, len(lat)*99/100)])
	res.MaxMillis = ms(lat[len(lat)-1])
	return res, nil
}

// readFrames reads the server's WebSocket frames from nc until it closes,
// and gives got the payload of each text frame with the time, in Unix ns,
// the read that completed it returned.
//
// Hearth and these clients share the machine, so every cycle a client
// spends is taken from hearth and shows up as hearth's latency. The
// clients therefore read as cheaply as a client can: one system call per
// frame. A WebSocket library reads until the socket says it is empty, a
// second system call per frame; here a read that leaves room in the
// buffer is taken to have emptied the socket, and the client waits for
// the socket to be readable again, which the runtime's edge-triggered
// poller reports for any byte that arrived after that read. The clients
// answer no pings: a measurement ends well within the minute hearth
// waits for a pong.
func readFrames(nc net.Conn, got func(payload []byte, at int64)) error {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return fmt.Errorf("overlay client: %T has no file descriptor", nc)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	buf := make([]byte, 0, 16<<10)
	var rerr error
	// One Read for the whole life of the socket: between two calls of the
	// function the runtime would forget that the socket became readable.
	err = raw.Read(func(fd uintptr) bool {
		for {
			if len(buf) == cap(buf) {
				buf = slices.Grow(buf, cap(buf))
			}
			room := cap(buf) - len(buf)
			n, err := syscall.Read(int(fd), buf[len(buf):cap(buf)])
			switch {
			case err == syscall.EAGAIN:
				return false
			case err == syscall.EINTR:
				continue
			case err != nil:
				rerr = err
				return true
			case n == 0:
				rerr = net.ErrClosed
				return true
			}
			buf = buf[:len(buf)+n]
			var closed bool
			buf, closed = splitFrames(buf, time.Now().UnixNano(), got)
			if closed {
				rerr = net.ErrClosed
				return true
			}
			if n < room {
				return false
			}
		}
	})
	if err != nil {
		return err
	}
	return rerr
}

// splitFrames gives got the payload of each complete text frame in b and
// returns what is left of b, moved to its start, and whether a close frame
// came.
func splitFrames(b []byte, at int64, got func(payload []byte, at int64)) ([]byte, bool) {
	const text, closeFrame = 1, 8
	rest := b
	for {
		op, payload, size := nextFrame(rest)
		if size == 0 {
			break
		}
		switch op {
		case text:
			got(payload, at)
		case closeFrame:
			return b[:0], true
		}
		rest = rest[size:]
	}
	return b[:copy(b, rest)], false
}

// nextFrame returns the opcode and payload of the frame that b starts with
// and its size, header included, or a size of 0 when b does not hold all
// of it. Frames from a server are never masked (RFC 6455, section 5.2).
func nextFrame(b []byte) (op byte, payload []byte, size int) {
	if len(b) < 2 {
		return 0, nil, 0
	}
	n, hdr := uint64(b[1]&0x7f), 2
	switch {
	case n == 126 && len(b) >= 4:
		n, hdr = uint64(binary.BigEndian.Uint16(b[2:])), 4
	case n == 127 && len(b) >= 10:
		n, hdr = binary.BigEndian.Uint64(b[2:]), 10
	case n >= 126:
		return 0, nil, 0
	}
	if uint64(len(b)-hdr) < n {
		return 0, nil, 0
	}
	return b[0] & 0x0f, b[hdr : hdr+int(n)], hdr + int(n)
}
