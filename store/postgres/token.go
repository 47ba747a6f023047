package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/hearthlive/hearth"
)

// PutToken writes t, replacing the token stored for its subject. It returns
// an EINVALID error if t does not validate.
func (db *DB) PutToken(ctx context.Context, t hearth.StoredToken) error {
	if err := t.Validate(); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO tokens
		(subject, user_id, login, scopes, expires_at, obtained_at, sealed)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (subject) DO UPDATE SET user_id = excluded.user_id, login = excluded.login,
			scopes = excluded.scopes, expires_at = excluded.expires_at,
			obtained_at = excluded.obtained_at, sealed = excluded.sealed`,
		t.Subject, t.UserID, t.Login, strings.Join(t.Scopes, " "),
		t.ExpiresAt, t.ObtainedAt, t.Sealed)
	if err != nil {
		return fmt.Errorf("postgres: unable to store the token for %s: %w", t.Subject, err)
	}
	return nil
}

// StoredToken returns the token stored for subject, or an ENOTFOUND error.
func (db *DB) StoredToken(ctx context.Context, subject string) (hearth.StoredToken, error) {
	t, err := scanToken(db.pool.QueryRow(ctx, `SELECT subject, user_id, login, scopes,
		expires_at, obtained_at, sealed FROM tokens WHERE subject = $1`, subject))
	if errors.Is(err, pgx.ErrNoRows) {
		return hearth.StoredToken{}, hearth.Errorf(hearth.ENOTFOUND, "no token stored for %.40q", subject)
	}
	if err != nil {
		return hearth.StoredToken{}, fmt.Errorf("postgres: unable to read the token for %.40q: %w", subject, err)
	}
	return t, nil
}

// StoredTokens returns every stored token, ordered by subject.
func (db *DB) StoredTokens(ctx context.Context) ([]hearth.StoredToken, error) {
	rows, err := db.pool.Query(ctx, `SELECT subject, user_id, login, scopes,
		expires_at, obtained_at, sealed FROM tokens ORDER BY subject`)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list tokens: %w", err)
	}
	defer rows.Close()
	ts := []hearth.StoredToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: unable to list tokens: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: unable to list tokens: %w", err)
	}
	return ts, nil
}

// DeleteToken removes the token stored for subject, or returns an
// ENOTFOUND error.
func (db *DB) DeleteToken(ctx context.Context, subject string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM tokens WHERE subject = $1`, subject)
	if err != nil {
		return fmt.Errorf("postgres: unable to delete the token for %.40q: %w", subject, err)
	}
	if tag.RowsAffected() == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "no token stored for %.40q", subject)
	}
	return nil
}

// scanToken reads one row of subject, user_id, login, scopes, expires_at,
// obtained_at, sealed.
func scanToken(row pgx.Row) (hearth.StoredToken, error) {
	var t hearth.StoredToken
	var scopes string
	if err := row.Scan(&t.Subject, &t.UserID, &t.Login, &scopes, &t.ExpiresAt, &t.ObtainedAt, &t.Sealed); err != nil {
		return hearth.StoredToken{}, err
	}
	t.Scopes = strings.Fields(scopes)
	t.ExpiresAt, t.ObtainedAt = t.ExpiresAt.UTC(), t.ObtainedAt.UTC()
	return t, nil
}
