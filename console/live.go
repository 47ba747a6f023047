package console

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// Timings of a live stream.
const (
	// livePing is how many looks without a change pass before the
	// stream sends a comment, so a client that went is noticed.
	livePing = 3
	// liveWrite bounds one write to the client; it is set before each
	// write, so the server's response write timeout does not end a stream
	// that writes in time.
	liveWrite = 10 * time.Second
	// liveRetry is how long, in milliseconds, a browser waits before it
	// opens the stream again after it ended.
	liveRetry = 2000
)

// liveStream sends the channel's overview as server-sent events: at once,
// then whenever it changed, looking every LiveEvery. It ends when the
// client goes or the console closes; a channel holds at most MaxLive.
func (con *Console) liveStream(c *fiber.Ctx) error {
	ch := channelOf(c)
	if !con.openLive(ch) {
		return c.Status(http.StatusTooManyRequests).JSON(fiber.Map{"error": "too many live pages open for #" + ch})
	}
	conn := c.Context().Conn()
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer con.closeLive(ch)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-con.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		write := func(s []byte) bool {
			_ = conn.SetWriteDeadline(time.Now().Add(liveWrite))
			if _, err := w.Write(s); err != nil {
				return false
			}
			return w.Flush() == nil
		}
		if !write([]byte("retry: " + strconv.Itoa(liveRetry) + "\n\n")) {
			return
		}
		t := time.NewTicker(con.cfg.LiveEvery)
		defer t.Stop()
		var last []byte
		idle := 0
		for {
			frame, err := con.liveFrame(ctx, ch)
			switch {
			case err != nil && ctx.Err() != nil:
				return
			case err != nil:
				con.log.Warn("console: live figures", "channel", ch, "err", err)
			case string(frame) != string(last):
				if !write(append(append([]byte("event: overview\ndata: "), frame...), "\n\n"...)) {
					return
				}
				last, idle = frame, 0
			default:
				if idle++; idle >= livePing {
					if !write([]byte(": ping\n\n")) {
						return
					}
					idle = 0
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	return nil
}

// liveFrame returns the channel's overview as JSON, its clocks left out
// so that two frames differ only when something shown changed.
func (con *Console) liveFrame(ctx context.Context, channel string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	o, err := con.cfg.Engine.Overview(ctx, channel)
	if err != nil {
		return nil, err
	}
	o.At, o.Poll.Now = time.Time{}, time.Time{}
	if o.Events == nil {
		o.Events = []hearth.OverlayEvent{}
	}
	return json.Marshal(o)
}

// openLive counts a live stream of channel in, false when the channel
// holds MaxLive already.
func (con *Console) openLive(channel string) bool {
	con.liveMu.Lock()
	defer con.liveMu.Unlock()
	if con.live[channel] >= con.cfg.MaxLive {
		return false
	}
	con.live[channel]++
	return true
}

func (con *Console) closeLive(channel string) {
	con.liveMu.Lock()
	defer con.liveMu.Unlock()
	if con.live[channel]--; con.live[channel] <= 0 {
		delete(con.live, channel)
	}
}

// Live returns how many live streams channel holds open.
func (con *Console) Live(channel string) int {
	con.liveMu.Lock()
	defer con.liveMu.Unlock()
	return con.live[channel]
}
