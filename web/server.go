// Package web owns Hearth's one HTTP application: health checks, /metrics,
// the Grafana dashboard, the overlays, and the admin REST API under /api/v1.
package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/access"
	"github.com/hearthlive/hearth/internal/jsonlist"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Mounter adds routes to the app; the overlay hub is one.
type Mounter interface {
	Register(r fiber.Router)
	// Kinds lists the overlay kinds served at /overlays/{kind}.
	Kinds() []string
}

// Pages adds routes of pages to the app; the console is one.
type Pages interface {
	Register(r fiber.Router)
}

// RequestRecorder counts requests for metrics.
type RequestRecorder interface {
	HTTPRequest(route string, status int)
}

// Health says whether Hearth can do its job, for /readyz.
type Health interface {
	// Ready reports whether Hearth can do its job (chat connected, store
	// writable); /readyz answers 503 with its error otherwise.
	Ready(ctx context.Context) error
	// Degraded names what works at reduced capacity while Hearth is
	// ready (a failing Helix); /readyz lists it and still answers 200.
	Degraded() []string
}

// Owner is a Health that also says which channels this instance runs,
// as one instance of a cluster: /readyz lists them.
type Owner interface {
	Owned() []string
}

// Config is what the HTTP application serves.
type Config struct {
	// Store answers the API's reads of what is stored.
	Store hearth.History
	// Engine answers for the running channels: which are served, the
	// leaderboard, forgetting a viewer; nil serves no channel, and the API
	// answers 404 on every channel's route.
	Engine Engine
	// Polls runs the poll routes' actions; nil serves stored polls only.
	Polls Polls
	// Segments starts and ends sponsor segments for the segment routes;
	// nil answers them 404, and the stream recaps are still served.
	Segments Segments
	// Channels adds and removes channels and changes their settings for
	// the channel routes; nil answers them 404, and the list is still
	// served.
	Channels Channels
	// Cluster shows the instances sharing the channels and their leases
	// at GET /api/v1/cluster; nil (clustering off) answers it 404.
	Cluster Cluster
	// OverlayTokens rotates overlay tokens; nil answers that route 404.
	OverlayTokens OverlayTokens
	// OverlaySettings sets goals and custom overlay stylesheets for their
	// routes; nil answers them 404.
	OverlaySettings OverlaySettings
	// OverlayEvents plays test events and credits on the overlays; nil
	// answers those routes 404.
	OverlayEvents OverlayActions
	// AdminToken guards /api/v1 as a bearer token (and /debug/pprof);
	// empty disables both unless Access signs people in.
	AdminToken string
	// Access signs people in (/login) and admits API requests by bearer
	// token or session; nil admits only AdminToken as a bearer token and
	// serves no sign-in pages.
	Access *access.Service
	// Grants keeps what broadcasters grant their moderators, Audit the
	// log of changes made through the API; nil answers their routes 404.
	Grants hearth.GrantStore
	Audit  hearth.AuditStore
	// Pprof mounts Go's profiles at /debug/pprof, behind AdminToken.
	Pprof bool
	// Dashboard is the Grafana dashboard served at
	// /grafana/dashboard.json; nil serves none.
	Dashboard []byte
	// Gatherer is scraped at /metrics.
	Gatherer prometheus.Gatherer
	// Health answers /readyz; nil is always ready.
	Health Health
	// Overlays is mounted at /overlays.
	Overlays Mounter
	// Console, if set, adds the console's pages (at / and /channels/).
	Console Pages
	// Recorder, if set, counts requests.
	Recorder RequestRecorder
	Logger   *slog.Logger
}

// New builds the fiber application.
func New(cfg Config) *fiber.App {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	app := fiber.New(fiber.Config{
		AppName:               "hearth",
		DisableStartupMessage: true,
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
		BodyLimit:             64 << 10,
		ErrorHandler:          errorHandler(cfg.Logger),
		JSONEncoder:           jsonlist.Marshal,
		// By default the strings fiber's Ctx returns (Path, Params, Query,
		// Get, the body) point into buffers that fasthttp reuses once the
		// handler returns, so any of them kept longer (a metric label, a
		// map key, an overlay socket's channel, a value handed to the
		// engine that outlives a cancelled request) silently changes
		// later. Immutable makes each one a copy: one small allocation per
		// value read, which Hearth's request rate never notices, against
		// a rule that every handler, present and future, would otherwise
		// have to remember.
		Immutable: true,
	})
	if cfg.Recorder != nil {
		app.Use(func(c *fiber.Ctx) error {
			err := c.Next()
			status := c.Response().StatusCode()
			var fe *fiber.Error
			if errors.As(err, &fe) {
				status = fe.Code
			} else if err != nil && hearth.ErrorCode(err) != "" {
				status = StatusFor(err)
			}
			cfg.Recorder.HTTPRequest(routeGroup(c.Path()), status)
			return err
		})
	}
	app.Get("/healthz", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": "ok", "version": hearth.Version})
	})
	app.Get("/readyz", func(c *fiber.Ctx) error {
		if cfg.Health != nil {
			ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
			defer cancel()
			if err := cfg.Health.Ready(ctx); err != nil {
				return c.Status(http.StatusServiceUnavailable).JSON(fiber.Map{"status": "not ready", "error": err.Error()})
			}
			answer := fiber.Map{"status": "ready"}
			if d := cfg.Health.Degraded(); len(d) > 0 {
				answer["degraded"] = d
			}
			if o, ok := cfg.Health.(Owner); ok {
				answer["channels"] = o.Owned()
			}
			return c.JSON(answer)
		}
		return c.JSON(fiber.Map{"status": "ready"})
	})
	if cfg.Gatherer != nil {
		app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(cfg.Gatherer, promhttp.HandlerOpts{})))
	}
	// The Grafana dashboard matching this build's metrics; public, like
	// /metrics, so an operator can import it straight from the service.
	if cfg.Dashboard != nil {
		app.Get("/grafana/dashboard.json", func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
			return c.Send(cfg.Dashboard)
		})
	}
	if cfg.Overlays != nil {
		cfg.Overlays.Register(app)
	}
	// The console's pages come before the sign-in routes: its channel
	// list at / is the signed-in landing page.
	if cfg.Console != nil {
		cfg.Console.Register(app)
	}
	auth := cfg.Access
	if auth == nil {
		auth = access.Bearer(cfg.AdminToken, cfg.Logger)
	} else {
		auth.Register(app)
	}
	api := &api{overlays: cfg.Overlays, store: cfg.Store, engine: cfg.Engine, polls: cfg.Polls, segments: cfg.Segments,
		admin: cfg.Channels, grants: cfg.Grants, audit: cfg.Audit, log: cfg.Logger, tokens: cfg.OverlayTokens,
		settings: cfg.OverlaySettings, overlayEvents: cfg.OverlayEvents,
		cluster: cfg.Cluster}
	api.register(app.Group("/api/v1", auth.API()))
	if cfg.Pprof {
		registerPprof(app, cfg.AdminToken)
	}
	return app
}

// routeGroup maps a path to a bounded label.
func routeGroup(path string) string {
	switch {
	case path == "/metrics":
		return "metrics"
	case path == "/healthz":
		return "healthz"
	case path == "/readyz":
		return "readyz"
	case strings.HasPrefix(path, "/overlays/ws"):
		return "overlay_ws"
	case strings.HasPrefix(path, "/overlays"):
		return "overlays"
	case strings.HasPrefix(path, "/api/"):
		return "api"
	case path == "/" || strings.HasPrefix(path, "/channels/") || strings.HasPrefix(path, "/console/"):
		return "console"
	default:
		return "other"
	}
}

// bearer admits requests carrying "Authorization: Bearer TOKEN".
func bearer(token string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if token == "" {
			return hearth.Errorf(hearth.EUNAUTHORIZED, "the API is disabled: set HEARTH_ADMIN_TOKEN to enable it")
		}
		got, ok := bearerToken(c.Get(fiber.HeaderAuthorization))
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			return hearth.Errorf(hearth.EUNAUTHORIZED, "missing or wrong admin token: send Authorization: Bearer <HEARTH_ADMIN_TOKEN>")
		}
		return c.Next()
	}
}

// bearerToken returns the credentials of an Authorization header under
// the Bearer scheme. The scheme's name is case-insensitive and one or more
// spaces follow it (RFC 7235, 2.1).
func bearerToken(header string) (string, bool) {
	scheme, rest, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimLeft(rest, " "), true
}

var statusByCode = map[string]int{
	hearth.ECONFLICT:     http.StatusConflict,
	hearth.EINVALID:      http.StatusBadRequest,
	hearth.ENOTFOUND:     http.StatusNotFound,
	hearth.EUNAUTHORIZED: http.StatusUnauthorized,
	hearth.EFORBIDDEN:    http.StatusForbidden,
	hearth.EINTERNAL:     http.StatusInternalServerError,
}

// StatusFor returns the HTTP status for an error's code.
func StatusFor(err error) int {
	if s, ok := statusByCode[hearth.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var fe *fiber.Error
		if errors.As(err, &fe) {
			return c.Status(fe.Code).JSON(fiber.Map{"error": fe.Message})
		}
		status := StatusFor(err)
		if status >= 500 {
			log.Error("http: request failed", "path", c.Path(), "err", err)
		}
		return c.Status(status).JSON(fiber.Map{"error": hearth.ErrorMessage(err)})
	}
}
