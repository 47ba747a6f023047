package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/hearthlive/hearth"
)

// Overlay states relayed between the instances of a cluster (migration
// 017): the owner of a channel writes its overlays' latest states, and the
// other instances read them when notified, or all of them after a
// reconnect.

// maxOverlayState bounds one stored state.
const maxOverlayState = 1 << 20

// PutOverlayStates writes each state as the latest of its (channel, topic),
// with a new version, and notifies TopicOverlay with what it wrote, one
// "channel topic version" line each (several notifications when they do
// not fit in one). Of two states for one key, the later is written. The
// rows are fenced like every channel's rows: a writer that lost a
// channel's lease gets a *hearth.LeaseLostError and nothing is written.
func (db *DB) PutOverlayStates(ctx context.Context, states []hearth.OverlayState) error {
	if len(states) == 0 {
		return nil
	}
	type key struct{ channel, topic string }
	index := map[key]int{}
	var channels, topics, bodies []string
	for i, s := range states {
		if !hearth.ValidLogin(s.Channel) || s.Topic == "" || len(s.Topic) > 64 || strings.ContainsAny(s.Topic, " \n") || len(s.State) > maxOverlayState {
			return hearth.Errorf(hearth.EINVALID, "overlay state %d: the channel, the topic or the size is not acceptable", i)
		}
		if j, ok := index[key{s.Channel, s.Topic}]; ok {
			bodies[j] = string(s.State)
			continue
		}
		index[key{s.Channel, s.Topic}] = len(channels)
		channels, topics, bodies = append(channels, s.Channel), append(topics, s.Topic), append(bodies, string(s.State))
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := db.dialect.setFence(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `INSERT INTO overlay_states AS o (channel, topic, version, state, updated_at)
			SELECT c, t, 1, s, clock_timestamp() FROM unnest($1::text[], $2::text[], $3::text[]) AS u (c, t, s)
			ORDER BY c, t
			ON CONFLICT (channel, topic) DO UPDATE SET version = o.version + 1, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
			RETURNING channel, topic, version`, channels, topics, bodies)
		if err != nil {
			return err
		}
		var channel, topic string
		var version int64
		var payload strings.Builder
		var payloads []string
		_, err = pgx.ForEachRow(rows, []any{&channel, &topic, &version}, func() error {
			line := channel + " " + topic + " " + strconv.FormatInt(version, 10) + "\n"
			if payload.Len()+len(line) > MaxPayload {
				payloads = append(payloads, payload.String())
				payload.Reset()
			}
			payload.WriteString(line)
			return nil
		})
		if err != nil {
			return err
		}
		for _, p := range append(payloads, payload.String()) {
			if _, err := tx.Exec(ctx, `SELECT pg_notify(hearth_topic($1), $2)`, TopicOverlay, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: unable to store overlay states: %w", leaseLost(err))
	}
	return nil
}

// NotifyOverlayEvents notifies TopicOverlay that each channel's event log
// gained the events from added[channel][0] to added[channel][1], as the
// lines "channel events_from FIRST" and "channel events LAST".
func (db *DB) NotifyOverlayEvents(ctx context.Context, added map[string][2]int64) error {
	var b strings.Builder
	for c, span := range added {
		fmt.Fprintf(&b, "%s events_from %d\n%s %s %d\n", c, span[0], c, hearth.TopicEvents, span[1])
		if b.Len() > MaxPayload-200 {
			if err := db.Notify(ctx, TopicOverlay, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	if b.Len() == 0 {
		return nil
	}
	return db.Notify(ctx, TopicOverlay, b.String())
}

// OverlayStates returns the stored overlay states of channels, or of every
// channel when channels is nil, by channel and topic.
func (db *DB) OverlayStates(ctx context.Context, channels []string) ([]hearth.OverlayState, error) {
	rows, err := db.pool.Query(ctx, `SELECT channel, topic, version, state FROM overlay_states
		WHERE $1::text[] IS NULL OR channel = ANY($1::text[]) ORDER BY channel, topic`, channels)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to read overlay states: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hearth.OverlayState, error) {
		var s hearth.OverlayState
		var state string
		err := row.Scan(&s.Channel, &s.Topic, &s.Version, &state)
		s.State = []byte(state)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to read overlay states: %w", err)
	}
	return out, nil
}

// ParseOverlayNotice reads the keys and versions a TopicOverlay
// notification names; malformed lines are skipped.
func ParseOverlayNotice(payload string) []hearth.OverlayState {
	var out []hearth.OverlayState
	for _, line := range strings.Split(payload, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		v, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			continue
		}
		out = append(out, hearth.OverlayState{Channel: f[0], Topic: f[1], Version: v})
	}
	return out
}
