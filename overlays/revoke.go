package overlays

import (
	"crypto/sha256"
	"time"

	fws "github.com/fasthttp/websocket"
	"github.com/hearthlive/hearth"
)

// CloseTokenRevoked is the close code of a socket whose overlay token was
// rotated away: the page stops reconnecting, since its URL will never be
// let in again. Codes 4000-4999 are the application's own (RFC 6455
// section 7.4.2).
const CloseTokenRevoked = 4001

// closeRevokedReason is the reason sent with CloseTokenRevoked. It names
// no token, old or new.
const closeRevokedReason = "overlay token rotated: paste the overlay's new URL"

// tokenDigest is a token's SHA-256: what a socket keeps of the token it
// was opened with, so no copy of the secret outlives the request.
type tokenDigest [sha256.Size]byte

func digest(token string) tokenDigest { return sha256.Sum256([]byte(token)) }

// SetOverlayToken learns a channel's overlay token, once it is stored:
// every socket of the channel open with another token is closed at once
// with CloseTokenRevoked, and one that passed the token check before the
// rotation but is not yet subscribed is refused the same way. The hub's
// TokenSource must know the new token first, so that the pages that
// reconnect are refused. SetOverlayToken implements
// hearth.OverlayTokenSink.
func (h *Hub) SetOverlayToken(channel, token string) {
	name := hearth.NormalizeChannel(channel)
	if name == "" {
		return
	}
	d := digest(token)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.current[name] = d
	closed := 0
	for k, t := range h.topics {
		if k.channel != name {
			continue
		}
		for _, c := range t.clients {
			if c.token != d {
				c.revokeOnce.Do(func() { close(c.revoked) })
				closed++
			}
		}
	}
	if closed > 0 {
		h.log.Info("overlays: sockets opened with a rotated token closed", "channel", name, "sockets", closed)
	}
}

// stale reports whether c was opened with a token its channel no longer
// has. h.mu must be held.
func (h *Hub) stale(c *client) bool {
	d, ok := h.current[c.key.channel]
	return ok && d != c.token
}

// closeRevoked closes a socket whose token was rotated away with
// CloseTokenRevoked and, when readDone is given, waits a little for the
// browser's answer.
func (h *Hub) closeRevoked(c *client, readDone <-chan struct{}) {
	h.log.Debug("overlays: socket closed, its token was rotated", "channel", c.key.channel, "topic", c.key.topic)
	frame := fws.FormatCloseMessage(CloseTokenRevoked, closeRevokedReason)
	if err := c.control(fws.CloseMessage, frame); err != nil || readDone == nil {
		return
	}
	select {
	case <-readDone:
	case <-time.After(closeWait):
	}
}
