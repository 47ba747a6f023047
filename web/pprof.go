package web

import (
	"net/http/pprof"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
)

// registerPprof mounts Go's runtime profiles at /debug/pprof behind the
// admin token: /debug/pprof/profile?seconds=N for CPU, /debug/pprof/heap,
// /debug/pprof/goroutine and the rest of net/http/pprof's index.
func registerPprof(app *fiber.App, adminToken string) {
	g := app.Group("/debug/pprof", bearer(adminToken))
	g.Get("/cmdline", adaptor.HTTPHandlerFunc(pprof.Cmdline))
	g.Get("/profile", adaptor.HTTPHandlerFunc(pprof.Profile))
	g.Get("/symbol", adaptor.HTTPHandlerFunc(pprof.Symbol))
	g.Get("/trace", adaptor.HTTPHandlerFunc(pprof.Trace))
	g.Get("/", adaptor.HTTPHandlerFunc(pprof.Index))
	g.Get("/:name", func(c *fiber.Ctx) error {
		return adaptor.HTTPHandler(pprof.Handler(c.Params("name")))(c)
	})
}
