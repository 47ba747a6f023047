package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/hearthlive/hearth"
)

// grants is the grants table, one row per channel whose broadcaster set
// any; the actions are kept space-separated.
var grants = newTable("grants", 1,
	textColumn("channel", func(g channelGrants) string { return g.channel }),
	textColumn("actions", func(g channelGrants) string {
		names := make([]string, len(g.Actions))
		for i, a := range g.Actions {
			names[i] = string(a)
		}
		return strings.Join(names, " ")
	}),
	intColumn("point_limit", func(g channelGrants) int64 { return g.PointLimit }),
)

// channelGrants is one row of grants.
type channelGrants struct {
	channel string
	hearth.Grants
}

// Grants returns a channel's grants: the zero Grants (with no actions, an
// empty list) for a channel whose broadcaster set none.
func (s *Store) Grants(ctx context.Context, channel string) (hearth.Grants, error) {
	var actions string
	var g hearth.Grants
	err := s.d.QueryRow(ctx, `SELECT actions, point_limit FROM grants WHERE channel = $1`, channel).Scan(&actions, &g.PointLimit)
	if errors.Is(err, sql.ErrNoRows) {
		return hearth.Grants{Actions: []hearth.Action{}}, nil
	}
	if err != nil {
		return hearth.Grants{}, s.errorf("unable to read the grants of %.40q: %w", channel, err)
	}
	g.Actions = []hearth.Action{}
	for _, a := range strings.Fields(actions) {
		g.Actions = append(g.Actions, hearth.Action(a))
	}
	return g, nil
}

// SetGrants replaces a channel's grants: EINVALID for grants that do not
// validate, ENOTFOUND for a channel the store does not know.
func (s *Store) SetGrants(ctx context.Context, channel string, g hearth.Grants) error {
	if err := g.Validate(); err != nil {
		return err
	}
	var one int
	err := s.d.QueryRow(ctx, `SELECT 1 FROM channels WHERE name = $1`, channel).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return hearth.Errorf(hearth.ENOTFOUND, "no channel %.40q", channel)
	}
	if err != nil {
		return s.errorf("unable to store the grants of %.40q: %w", channel, err)
	}
	err = s.d.Write(ctx, func(tx Tx) error {
		return grants.upsert([]channelGrants{{channel, g}}).exec(ctx, tx)
	})
	if err != nil {
		return s.errorf("unable to store the grants of %.40q: %w", channel, err)
	}
	return nil
}
