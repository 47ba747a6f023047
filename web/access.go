package web

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/access"
)

// route registers an API route under the action it takes: the caller's
// role on the channel the path names must allow it (ActionChannels: the
// operator alone), else 403.
func (a *api) route(r fiber.Router, method, path string, action hearth.Action, h fiber.Handler) {
	r.Add(method, path, a.allow(action), h)
}

// allow refuses a caller whose role on the request's channel does not
// allow action. A channel name that cannot be one is the handler's to
// refuse (400) for the operator; anyone else is refused it here.
func (a *api) allow(action hearth.Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := access.From(c)
		if id == nil {
			return hearth.Errorf(hearth.EUNAUTHORIZED, "sign in first")
		}
		if action == hearth.ActionChannels {
			if !id.Operator() {
				return hearth.Errorf(hearth.EFORBIDDEN, "only the operator (signed in with the admin token) may do this")
			}
			return c.Next()
		}
		if id.Operator() {
			return c.Next()
		}
		raw, err := param(c, "channel")
		if err != nil {
			return err
		}
		ch := hearth.NormalizeChannel(raw)
		if !id.Can(ch, action) {
			if id.Access(ch) == hearth.AccessNone {
				return hearth.Errorf(hearth.EFORBIDDEN, "you have no role on #%s", hearth.DisplayText(raw, "?"))
			}
			return hearth.Errorf(hearth.EFORBIDDEN, "a %s of #%s may not do this (%s)", id.Access(ch), ch, action)
		}
		return c.Next()
	}
}

// record appends a change to the channel's audit log: who (the caller),
// what, to what, the value before and after (each marshalled as JSON). A
// log that cannot be written is logged: the change is made already.
func (a *api) record(c *fiber.Ctx, channel, action, target string, before, after any) {
	if a.audit == nil {
		return
	}
	id := access.From(c)
	e := hearth.AuditEntry{Channel: channel, At: time.Now().UTC(), Actor: id.Login(), Role: id.Access(channel),
		Action: action, Target: target, Before: auditJSON(before), After: auditJSON(after)}
	if _, err := a.audit.AppendAudit(context.WithoutCancel(c.UserContext()), e); err != nil {
		a.log.Error("http: unable to append to the audit log", "channel", channel, "action", action, "err", err)
	}
}

// auditJSON is v as a short JSON document: "" for nil, and a value too
// long for the log cut to a note that it was.
func auditJSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	if len(b) > hearth.MaxAuditValue {
		b, _ = json.Marshal(map[string]any{"truncated": true, "bytes": len(b)})
	}
	return string(b)
}
