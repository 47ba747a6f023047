package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hearthlive/hearth"
)

// sessions is the sessions table. Its times are Unix milliseconds in both
// databases, so that expiry compares numbers given as plain arguments.
var sessions = newTable("sessions", 1,
	textColumn("id", func(s hearth.Session) string { return s.ID }),
	boolColumn("operator", func(s hearth.Session) bool { return s.Operator }),
	textColumn("user_id", func(s hearth.Session) string { return s.UserID }),
	textColumn("login", func(s hearth.Session) string { return s.Login }),
	textColumn("display_name", func(s hearth.Session) string { return s.DisplayName }),
	textColumn("csrf", func(s hearth.Session) string { return s.CSRF }),
	intColumn("created_at", func(s hearth.Session) int64 { return s.CreatedAt.UnixMilli() }),
	intColumn("last_seen", func(s hearth.Session) int64 { return s.LastSeen.UnixMilli() }),
	intColumn("expires_at", func(s hearth.Session) int64 { return s.ExpiresAt.UnixMilli() }),
)

// CreateSession stores a new session: EINVALID if it does not validate,
// ECONFLICT if a session with its ID is stored.
func (s *Store) CreateSession(ctx context.Context, sess hearth.Session) error {
	if err := sess.Validate(); err != nil {
		return err
	}
	if _, err := s.Session(ctx, sess.ID); err == nil {
		return hearth.Errorf(hearth.ECONFLICT, "a session with this id exists")
	} else if hearth.ErrorCode(err) != hearth.ENOTFOUND {
		return err
	}
	err := s.d.Write(ctx, func(tx Tx) error {
		return sessions.insert([]hearth.Session{sess}).exec(ctx, tx)
	})
	if err != nil {
		return s.errorf("unable to store a session: %w", err)
	}
	// An insert that met a row made in the meantime left that row.
	got, err := s.Session(ctx, sess.ID)
	if err != nil {
		return err
	}
	if got.CSRF != sess.CSRF {
		return hearth.Errorf(hearth.ECONFLICT, "a session with this id exists")
	}
	return nil
}

// Session returns a session by ID, or ENOTFOUND. Expired sessions are
// returned too: expiry is the caller's rule.
func (s *Store) Session(ctx context.Context, id string) (hearth.Session, error) {
	var sess hearth.Session
	var created, seen, expires int64
	err := s.d.QueryRow(ctx, `SELECT `+sessions.list+` FROM sessions WHERE id = $1`, id).Scan(
		&sess.ID, &sess.Operator, &sess.UserID, &sess.Login, &sess.DisplayName, &sess.CSRF, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return hearth.Session{}, hearth.Errorf(hearth.ENOTFOUND, "no such session")
	}
	if err != nil {
		return hearth.Session{}, s.errorf("unable to read a session: %w", err)
	}
	sess.CreatedAt = time.UnixMilli(created).UTC()
	sess.LastSeen = time.UnixMilli(seen).UTC()
	sess.ExpiresAt = time.UnixMilli(expires).UTC()
	return sess, nil
}

// TouchSession sets a session's LastSeen; ENOTFOUND if it is gone.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	n, err := s.d.Exec(ctx, `UPDATE sessions SET last_seen = $1 WHERE id = $2`, at.UnixMilli(), id)
	if err != nil {
		return s.errorf("unable to touch a session: %w", err)
	}
	if n == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "no such session")
	}
	return nil
}

// DeleteSession removes a session; one that is gone is no error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.d.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return s.errorf("unable to delete a session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions whose absolute expiry is
// before now or that were last seen before idleSince, and says how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleSince time.Time) (int, error) {
	n, err := s.d.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1 OR last_seen < $2`, now.UnixMilli(), idleSince.UnixMilli())
	if err != nil {
		return 0, s.errorf("unable to delete expired sessions: %w", err)
	}
	return int(n), nil
}
