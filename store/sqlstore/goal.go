package sqlstore

import (
	"cmp"
	"context"
	"time"

	"github.com/hearthlive/hearth"
)

// goals is the goals table.
var goals = newTable("goals", 2,
	textColumn("channel", func(g hearth.Goal) string { return g.Channel }),
	textColumn("id", func(g hearth.Goal) string { return g.ID }),
	textColumn("title", func(g hearth.Goal) string { return g.Title }),
	textColumn("kind", func(g hearth.Goal) string { return g.Kind }),
	intColumn("target", func(g hearth.Goal) int64 { return g.Target }),
	boolColumn("per_stream", func(g hearth.Goal) bool { return g.PerStream }),
	intColumn("progress", func(g hearth.Goal) int64 { return g.Progress }),
	intColumn("stream", func(g hearth.Goal) int64 { return g.Stream }),
	timeColumn("updated_at", func(g hearth.Goal) time.Time { return ms(g.UpdatedAt) }),
	intColumn("version", func(g hearth.Goal) int64 { return g.Version }),
)

// updateGoalProgress moves the progress of one stored goal's setting; a
// goal that is not stored, or was set again since, is left as it is.
const updateGoalProgress = `UPDATE goals SET progress = $1, stream = $2 WHERE channel = $3 AND id = $4 AND version = $5`

// goalProgress returns the statements that write progress, one per goal
// and setting, the last given winning, in key order.
func goalProgress(progress []hearth.GoalProgress) []statement {
	type key struct {
		channel, id string
		version     int64
	}
	rows := lastByKey(progress, func(p hearth.GoalProgress) key { return key{p.Channel, p.ID, p.Version} },
		func(a, b key) int {
			return cmp.Or(cmp.Compare(a.channel, b.channel), cmp.Compare(a.id, b.id), cmp.Compare(a.version, b.version))
		})
	w := make([]statement, len(rows))
	for i, p := range rows {
		w[i] = statement{head: updateGoalProgress, args: []any{p.Progress, p.Stream, p.Channel, p.ID, p.Version}}
	}
	return w
}

// Goals returns a channel's goals, ordered by id.
func (s *Store) Goals(ctx context.Context, channel string) ([]hearth.Goal, error) {
	rows, err := s.d.Query(ctx, `SELECT `+goals.list+` FROM goals WHERE channel = $1 ORDER BY id`, channel)
	if err != nil {
		return nil, s.errorf("unable to list goals: %w", err)
	}
	defer rows.Close()
	out := []hearth.Goal{}
	for rows.Next() {
		var g hearth.Goal
		if err := rows.Scan(&g.Channel, &g.ID, &g.Title, &g.Kind, &g.Target, &g.PerStream, &g.Progress, &g.Stream, s.d.Time(&g.UpdatedAt), &g.Version); err != nil {
			return nil, s.errorf("unable to list goals: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("unable to list goals: %w", err)
	}
	return out, nil
}

// PutGoal writes a goal whole, creating or replacing it. It returns
// EINVALID for a goal that cannot be stored and ENOTFOUND for a channel
// the store does not know.
func (s *Store) PutGoal(ctx context.Context, g hearth.Goal) error {
	if err := hearth.CheckGoal(g); err != nil {
		return err
	}
	if err := s.knownChannel(ctx, g.Channel); err != nil {
		return err
	}
	err := s.d.Write(ctx, func(tx Tx) error {
		return goals.upsert([]hearth.Goal{g}).exec(ctx, tx)
	})
	if err != nil {
		return s.errorf("unable to store goal %.40q: %w", g.ID, err)
	}
	return nil
}

// DeleteGoal deletes one goal; ENOTFOUND if there is none.
func (s *Store) DeleteGoal(ctx context.Context, channel, id string) error {
	n, err := s.d.Exec(ctx, `DELETE FROM goals WHERE channel = $1 AND id = $2`, channel, id)
	if err != nil {
		return s.errorf("unable to delete goal %.40q: %w", id, err)
	}
	if n == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "#%.40s has no goal %.40q", channel, id)
	}
	return nil
}

// knownChannel returns ENOTFOUND unless the store knows channel.
func (s *Store) knownChannel(ctx context.Context, channel string) error {
	var n int64
	if err := s.d.QueryRow(ctx, `SELECT COUNT(*) FROM channels WHERE name = $1`, channel).Scan(&n); err != nil {
		return s.errorf("unable to look up channel %.40q: %w", channel, err)
	}
	if n == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "no channel %.40q", channel)
	}
	return nil
}
