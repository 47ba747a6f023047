package overlays

import (
	"crypto/sha256"
	"crypto/subtle"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// pagePolicy is the Content-Security-Policy of every overlay page: scripts,
// styles and sockets from Hearth itself only, nothing inline; images from
// Hearth, data: URLs (a custom stylesheet's) and Twitch's CDN (emotes).
const pagePolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://static-cdn.jtvnw.net; " +
	"connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

// Keys of the request locals that carry a checked socket request into the
// socket handler.
const (
	localChannel = "overlays.channel"
	localTopic   = "overlays.topic"
	localSince   = "overlays.since"
	localToken   = "overlays.token"
)

// Kinds lists the overlay kinds the hub serves pages for.
func (h *Hub) Kinds() []string { return Kinds() }

// Register mounts the overlay routes on r: GET /overlays/:kind (the page of
// a kind, for ?channel=NAME&token=T), GET /overlays/assets/* (the pages'
// scripts and styles), GET /overlays/theme.css (a page's theme, for its
// query), GET /overlays/custom.css (a channel's custom stylesheet, for
// ?channel=NAME&token=T) and GET /overlays/ws (the live socket, for
// ?channel=NAME&token=T&topic=TOPIC, and for the events topic &since=SEQ,
// the last event the page showed).
func (h *Hub) Register(r fiber.Router) {
	// The socket and asset routes come first: /overlays/:kind would match
	// "ws" too.
	r.Get("/overlays/ws", h.authorizeSocket, websocket.New(h.serveSocket, websocket.Config{
		HandshakeTimeout: writeWait,
		ReadBufferSize:   maxReadBytes,
		// The hub writes its frames itself and fasthttp's websocket only
		// its small control frames, which need no buffer: a pool that
		// stays empty saves one per socket.
		WriteBufferPool: new(sync.Pool),
	}))
	r.Get("/overlays/assets/*", h.serveAsset)
	r.Get("/overlays/theme.css", h.serveTheme)
	r.Get("/overlays/custom.css", h.serveCustomCSS)
	r.Get("/overlays/:kind", h.servePage)
}

func (h *Hub) servePage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	kind := c.Params("kind")
	if !knownKind(kind) {
		return refuse(c, fiber.StatusNotFound, "unknown overlay: the overlays are "+strings.Join(kinds, ", "))
	}
	if _, status, msg := h.checkToken(c); status != 0 {
		return refuse(c, status, msg)
	}
	page, err := webFS.ReadFile("web/" + kind + ".html")
	if err != nil {
		h.log.Error("overlays: page missing from the binary", "kind", kind, "err", err)
		return refuse(c, fiber.StatusInternalServerError, "internal error")
	}
	c.Set(fiber.HeaderContentSecurityPolicy, pagePolicy)
	// The URL carries the token: keep it out of caches and Referer headers.
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(page)
}

func (h *Hub) serveAsset(c *fiber.Ctx) error {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	name := c.Params("*")
	var contentType string
	switch path.Ext(name) {
	case ".js":
		contentType = "text/javascript; charset=utf-8"
	case ".css":
		contentType = "text/css; charset=utf-8"
	}
	if contentType == "" || strings.ContainsAny(name, `/\`) {
		return refuse(c, fiber.StatusNotFound, "not found")
	}
	body, err := webFS.ReadFile("web/" + name)
	if err != nil {
		return refuse(c, fiber.StatusNotFound, "not found")
	}
	// Revalidate every time so an upgraded Hearth never runs with stale
	// scripts; the files are small and local.
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderContentType, contentType)
	return c.Send(body)
}

// authorizeSocket checks a socket request before the upgrade, so a refused
// browser gets a plain HTTP status.
func (h *Hub) authorizeSocket(c *fiber.Ctx) error {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	if h.isClosed() {
		return refuse(c, fiber.StatusServiceUnavailable, "hearth is shutting down")
	}
	topic := c.Query("topic")
	switch {
	case topic == "":
		return refuse(c, fiber.StatusBadRequest, "topic is required")
	case !knownTopic(topic):
		return refuse(c, fiber.StatusNotFound, "unknown topic")
	}
	since := int64(-1)
	if raw := c.Query("since"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 || topic != hearth.TopicEvents {
			return refuse(c, fiber.StatusBadRequest, "since must be the seq of an event, a whole number from 0, on the events topic")
		}
		since = n
	}
	channel, status, msg := h.checkToken(c)
	if status != 0 {
		return refuse(c, status, msg)
	}
	if !websocket.IsWebSocketUpgrade(c) {
		return refuse(c, fiber.StatusUpgradeRequired, "websocket upgrade required")
	}
	// The socket outlives the request, whose strings alias buffers that
	// fasthttp reuses unless the app runs with fiber's Immutable, which
	// this package cannot assume of the router it is given.
	c.Locals(localChannel, strings.Clone(channel))
	c.Locals(localTopic, strings.Clone(topic))
	c.Locals(localSince, since)
	c.Locals(localToken, digest(c.Query("token")))
	return c.Next()
}

func (h *Hub) serveSocket(c *websocket.Conn) {
	channel, _ := c.Locals(localChannel).(string)
	topic, _ := c.Locals(localTopic).(string)
	since, _ := c.Locals(localSince).(int64)
	token, _ := c.Locals(localToken).(tokenDigest)
	h.log.Debug("overlays: socket connected", "channel", channel, "topic", topic)
	start := time.Now()
	cl := newClient(key{channel, topic}, c.Conn)
	cl.token = token
	if since >= 0 {
		cl.since = since
		cl.sent.Store(since)
	}
	h.serve(cl)
	h.log.Debug("overlays: socket closed", "channel", channel, "topic", topic, "duration", time.Since(start))
}

// checkToken returns the canonical channel of the request when its token is
// that channel's overlay token; otherwise it returns the status and the
// message to refuse the request with. A malformed or unknown channel is
// refused exactly as a wrong token is, with the same status, message and
// work, so nobody can probe which channels are served.
func (h *Hub) checkToken(c *fiber.Ctx) (channel string, status int, msg string) {
	channel = hearth.NormalizeChannel(c.Query("channel"))
	var want string
	if channel != "" {
		var err error
		want, err = h.tokens.OverlayToken(c.UserContext(), channel)
		if err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND {
			h.log.Error("overlays: cannot look up overlay token", "channel", channel, "err", err)
			return "", fiber.StatusInternalServerError, "internal error"
		}
	}
	if !tokenMatches(c.Query("token"), want) {
		h.log.Debug("overlays: overlay token refused", "channel", channel, "path", c.Path())
		return "", fiber.StatusUnauthorized, "unknown channel or wrong overlay token"
	}
	return channel, 0, ""
}

// tokenMatches compares in constant time. Hashing first keeps the length of
// the real token from showing in the timing too, and hashing even when one
// side is empty keeps an unknown channel from showing. An empty token
// never matches.
func tokenMatches(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1 && got != "" && want != ""
}

func refuse(c *fiber.Ctx, status int, msg string) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.Status(status).SendString(msg + "\n")
}
