package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	var env []string
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
// window to it.
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
	var dialErr atomic.Value
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
	// The clients do as little as a client can: each reads a frame into a
	// buffer it reuses and looks for probe logins in the raw bytes, without
	// decoding the JSON, so that what they cost on this shared machine is
	// mostly the socket reads any client pays.
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen := map[int]bool{}
			var mine []time.Duration
			defer func() {
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
			var buf bytes.Buffer
			for {
				_, r, err := c.NextReader()
				if err != nil {
					return
				}
				buf.Reset()
				if _, err := buf.ReadFrom(r); err != nil {
					return
				}
				now := time.Now().UnixNano()
				for rest := buf.Bytes(); ; {
					i := bytes.Index(rest, []byte(probeTag))
					if i < 0 {
						break
					}
					rest = rest[i+len(probeTag):]
					if len(rest) < 6 {
						break
					}
					k, err := strconv.Atoi(string(rest[:6]))
					if err != nil || k >= maxProbes || seen[k] {
						continue
					}
					if at := sent[k].Load(); at != 0 {
						seen[k] = true
						mine = append(mine, time.Duration(now-at))
						received.Add(1)
					}
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond) // let the first (current state) frames arrive

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
