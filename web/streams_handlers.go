package web

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/report"
)

// maxSegmentBody bounds a segment request's body, far above any valid one.
const maxSegmentBody = 4 << 10

// Segments marks sponsor segments on the running channels, as
// "!segment start NAME" and "!segment end" do in chat.
type Segments interface {
	// StartSegment starts a segment named name: EINVALID for a bad name,
	// ECONFLICT when one runs, the stream is not live or the channel has
	// used its segment names.
	StartSegment(ctx context.Context, channel, name string) (hearth.SegmentRecap, error)
	// EndSegment ends the running segment and returns its recap;
	// ENOTFOUND when none runs.
	EndSegment(ctx context.Context, channel string) (hearth.SegmentRecap, error)
}

// SegmentRequest is the JSON body of POST /api/v1/channels/{channel}/segments.
type SegmentRequest struct {
	Name string `json:"name"`
}

func (a *api) registerStreams(r fiber.Router) {
	a.route(r, fiber.MethodGet, "/channels/:channel/streams", hearth.ActionView, a.listStreams)
	a.route(r, fiber.MethodGet, "/channels/:channel/streams/:seq", hearth.ActionView, a.getStream)
	a.route(r, fiber.MethodPost, "/channels/:channel/segments", hearth.ActionSegments, a.startSegment)
	a.route(r, fiber.MethodPost, "/channels/:channel/segments/end", hearth.ActionSegments, a.endSegment)
}

// streamPage is a page of GET .../streams: Next is the ?before= of the
// next page, absent on the last.
type streamPage struct {
	Streams []report.Recap `json:"streams"`
	Next    int64          `json:"next,omitempty"`
}

// listStreams lists a channel's stream recaps, newest first: ?limit= (1
// to 100, default 20) and ?before= (a stream number) page through them.
func (a *api) listStreams(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	var before int64
	if s := c.Query("before"); s != "" {
		before, err = strconv.ParseInt(s, 10, 64)
		if err != nil || before < 1 {
			return hearth.Errorf(hearth.EINVALID, "before: must be a stream number (1 or more), got %q", s)
		}
	}
	rs, err := a.store.Recaps(c.UserContext(), ch, before, limit+1)
	if err != nil {
		return err
	}
	page := streamPage{Streams: make([]report.Recap, 0, min(len(rs), limit))}
	if len(rs) > limit {
		rs = rs[:limit]
		page.Next = rs[limit-1].Seq
	}
	// Each stream's newcomers are followed into the streams after it: the
	// page's own, and the few newer than the page.
	later := rs
	if len(rs) > 0 {
		newer, err := a.store.Recaps(c.UserContext(), ch, rs[0].Seq+report.LaterStreams+1, report.LaterStreams)
		if err != nil {
			return err
		}
		later = append(newer, rs...)
	}
	now := time.Now()
	for _, r := range rs {
		out := report.New(r, now)
		out.Follow(later)
		page.Streams = append(page.Streams, out)
	}
	return c.JSON(page)
}

// getStream answers one stream's recap: JSON, or with ?format=md or
// ?format=html its report to download, as "hearth report" writes it.
func (a *api) getStream(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	raw, err := param(c, "seq")
	if err != nil {
		return err
	}
	seq, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || seq < 1 {
		return hearth.Errorf(hearth.EINVALID, "stream: must be a stream number (1 or more), got %q", raw)
	}
	r, err := a.store.Recap(c.UserContext(), ch, seq)
	if err != nil {
		return err
	}
	later, err := a.store.Recaps(c.UserContext(), ch, seq+report.LaterStreams+1, report.LaterStreams)
	if err != nil {
		return err
	}
	out := report.New(r, time.Now())
	out.Follow(later)
	switch format := c.Query("format", "json"); format {
	case "json":
		return c.JSON(out)
	case "md", "html":
		var buf bytes.Buffer
		if err := report.Write(&buf, format, out); err != nil {
			return err
		}
		ctype := "text/markdown; charset=utf-8"
		if format == "html" {
			ctype = fiber.MIMETextHTMLCharsetUTF8
		}
		c.Set(fiber.HeaderContentType, ctype)
		c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-stream-%d.%s"`, ch, seq, format))
		c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		return c.Send(buf.Bytes())
	default:
		return hearth.Errorf(hearth.EINVALID, "format: unknown %q: use json, md or html", format)
	}
}

// decodeSegment reads a segment request: JSON, one object, no unknown
// field. The name's rules are the channel's, checked where it starts.
func decodeSegment(body []byte) (SegmentRequest, error) {
	var req SegmentRequest
	if err := decodeJSON(body, maxSegmentBody, &req); err != nil {
		return req, err
	}
	if strings.TrimSpace(req.Name) == "" {
		return req, hearth.Errorf(hearth.EINVALID, "name: required")
	}
	return req, nil
}

func (a *api) segmentsOr404() error {
	if a.segments == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "segments are not available here")
	}
	return nil
}

// startSegment starts a sponsor segment; 201 with it.
func (a *api) startSegment(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	if err := a.segmentsOr404(); err != nil {
		return err
	}
	req, err := decodeSegment(c.Body())
	if err != nil {
		return err
	}
	s, err := a.segments.StartSegment(c.UserContext(), ch, req.Name)
	if err != nil {
		return err
	}
	a.record(c, ch, "segment.start", s.Name, nil, map[string]any{"name": s.Name})
	return c.Status(fiber.StatusCreated).JSON(s)
}

// endSegment ends the running sponsor segment and answers its recap.
func (a *api) endSegment(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	if err := a.segmentsOr404(); err != nil {
		return err
	}
	s, err := a.segments.EndSegment(c.UserContext(), ch)
	if err != nil {
		return err
	}
	a.record(c, ch, "segment.end", s.Name, map[string]any{"name": s.Name}, map[string]any{"ended": true})
	return c.JSON(s)
}
