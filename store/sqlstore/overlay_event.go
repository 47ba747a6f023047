package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hearthlive/hearth"
)

// overlayEvents is the overlay_events table: an event of a stored
// (channel, seq) replaces the stored one. A roll's credits are JSON text,
// "" for other events; times are kept to the millisecond.
var overlayEvents = newTable("overlay_events", 2,
	textColumn("channel", func(e hearth.OverlayEvent) string { return e.Channel }),
	intColumn("seq", func(e hearth.OverlayEvent) int64 { return e.Seq }),
	textColumn("kind", func(e hearth.OverlayEvent) string { return e.Kind }),
	textColumn("user_id", func(e hearth.OverlayEvent) string { return e.UserID }),
	textColumn("login", func(e hearth.OverlayEvent) string { return e.Login }),
	textColumn("display_name", func(e hearth.OverlayEvent) string { return e.DisplayName }),
	textColumn("rank", func(e hearth.OverlayEvent) string { return e.Rank }),
	textColumn("text", func(e hearth.OverlayEvent) string { return e.Text }),
	intColumn("amount", func(e hearth.OverlayEvent) int64 { return e.Amount }),
	intColumn("stream", func(e hearth.OverlayEvent) int64 { return e.Stream }),
	boolColumn("test", func(e hearth.OverlayEvent) bool { return e.Test }),
	timeColumn("at", func(e hearth.OverlayEvent) time.Time { return ms(e.At) }),
	textColumn("credits", func(e hearth.OverlayEvent) string {
		if e.Credits == nil {
			return ""
		}
		b, _ := json.Marshal(e.Credits) // strings and slices only: cannot fail
		return string(b)
	}),
)

// deleteViewerEvents removes forgotten viewers' events: their rows hold a
// channel and a user id.
const deleteViewerEvents = "DELETE FROM overlay_events WHERE (channel, user_id) IN (\n"

type eventKey struct {
	channel string
	seq     int64
}

func keyOfEvent(e hearth.OverlayEvent) eventKey { return eventKey{e.Channel, e.Seq} }

func compareEventKeys(a, b eventKey) int {
	return compareStreamKeys(streamKey(a), streamKey(b))
}

// OverlayEvents returns up to limit of a channel's events with a seq above
// after, in seq order; EINVALID for a limit below 1.
func (s *Store) OverlayEvents(ctx context.Context, channel string, after int64, limit int) ([]hearth.OverlayEvent, error) {
	if limit < 1 {
		return nil, hearth.Errorf(hearth.EINVALID, "number of events must be at least 1, got %d", limit)
	}
	rows, err := s.d.Query(ctx, `SELECT `+overlayEvents.list+` FROM overlay_events
		WHERE channel = $1 AND seq > $2
		ORDER BY seq
		LIMIT $3`, channel, after, limit)
	if err != nil {
		return nil, s.errorf("unable to read overlay events: %w", err)
	}
	es, err := s.scanOverlayEvents(rows)
	if err != nil {
		return nil, s.errorf("unable to read overlay events: %w", err)
	}
	return es, nil
}

// RecentOverlayEvents returns a channel's last n events, in seq order;
// EINVALID for n below 1.
func (s *Store) RecentOverlayEvents(ctx context.Context, channel string, n int) ([]hearth.OverlayEvent, error) {
	if n < 1 {
		return nil, hearth.Errorf(hearth.EINVALID, "number of events must be at least 1, got %d", n)
	}
	rows, err := s.d.Query(ctx, `SELECT `+overlayEvents.list+` FROM overlay_events
		WHERE channel = $1
		ORDER BY seq DESC
		LIMIT $2`, channel, n)
	if err != nil {
		return nil, s.errorf("unable to read overlay events: %w", err)
	}
	es, err := s.scanOverlayEvents(rows)
	if err != nil {
		return nil, s.errorf("unable to read overlay events: %w", err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es, nil
}

// PruneOverlayEvents deletes the events from before before, but for each
// channel's last one, which keeps the channel's seq counting on.
func (s *Store) PruneOverlayEvents(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.d.Exec(ctx, `DELETE FROM overlay_events
		WHERE at < $1
		AND seq < (SELECT MAX(o.seq) FROM overlay_events o WHERE o.channel = overlay_events.channel)`, s.d.TimeArg(ms(before)))
	if err != nil {
		return 0, s.errorf("unable to prune overlay events: %w", err)
	}
	return n, nil
}

// scanOverlayEvents reads every row of overlayEvents' columns and closes
// rows.
func (s *Store) scanOverlayEvents(rows Rows) ([]hearth.OverlayEvent, error) {
	defer rows.Close()
	es := []hearth.OverlayEvent{}
	for rows.Next() {
		var e hearth.OverlayEvent
		var credits string
		if err := rows.Scan(&e.Channel, &e.Seq, &e.Kind, &e.UserID, &e.Login, &e.DisplayName, &e.Rank, &e.Text,
			&e.Amount, &e.Stream, &e.Test, s.d.Time(&e.At), &credits); err != nil {
			return nil, err
		}
		if credits != "" {
			e.Credits = new(hearth.Credits)
			if err := json.Unmarshal([]byte(credits), e.Credits); err != nil {
				return nil, err
			}
		}
		es = append(es, e)
	}
	return es, rows.Err()
}
