package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/hearthlive/hearth"
)

// OverlayCSS returns a channel's custom overlay stylesheet, "" when it has
// none.
func (s *Store) OverlayCSS(ctx context.Context, channel string) (string, error) {
	var css string
	err := s.d.QueryRow(ctx, `SELECT css FROM overlay_css WHERE channel = $1`, channel).Scan(&css)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", s.errorf("unable to read the overlay stylesheet of %.40q: %w", channel, err)
	}
	return css, nil
}

// SetOverlayCSS replaces a channel's custom overlay stylesheet; "" removes
// it. ENOTFOUND for a channel the store does not know, EINVALID for a
// stylesheet hearth.CheckOverlayCSS refuses.
func (s *Store) SetOverlayCSS(ctx context.Context, channel, css string) error {
	if err := hearth.CheckOverlayCSS(css); err != nil {
		return err
	}
	if err := s.knownChannel(ctx, channel); err != nil {
		return err
	}
	err := s.d.Write(ctx, func(tx Tx) error {
		if err := tx.Exec(ctx, `DELETE FROM overlay_css WHERE channel = $1`, channel); err != nil {
			return err
		}
		if css == "" {
			return nil
		}
		return tx.Exec(ctx, `INSERT INTO overlay_css (channel, css) VALUES ($1, $2)`, channel, css)
	})
	if err != nil {
		return s.errorf("unable to store the overlay stylesheet of %.40q: %w", channel, err)
	}
	return nil
}
