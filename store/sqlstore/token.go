package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
)

// tokens is the tokens table, one row per subject. Scopes are kept
// space-separated.
var tokens = newTable("tokens", 1,
	textColumn("subject", func(t hearth.StoredToken) string { return t.Subject }),
	textColumn("user_id", func(t hearth.StoredToken) string { return t.UserID }),
	textColumn("login", func(t hearth.StoredToken) string { return t.Login }),
	textColumn("scopes", func(t hearth.StoredToken) string { return strings.Join(t.Scopes, " ") }),
	timeColumn("expires_at", func(t hearth.StoredToken) time.Time { return t.ExpiresAt }),
	timeColumn("obtained_at", func(t hearth.StoredToken) time.Time { return t.ObtainedAt }),
	bytesColumn("sealed", func(t hearth.StoredToken) []byte { return t.Sealed }),
)

// PutToken writes t, replacing the token stored for its subject. It returns
// an EINVALID error if t does not validate.
func (s *Store) PutToken(ctx context.Context, t hearth.StoredToken) error {
	if err := t.Validate(); err != nil {
		return err
	}
	err := s.d.Write(ctx, func(tx Tx) error {
		return tokens.upsert([]hearth.StoredToken{t}).exec(ctx, tx)
	})
	if err != nil {
		return s.errorf("unable to store the token for %s: %w", t.Subject, err)
	}
	return nil
}

// StoredToken returns the token stored for subject, or an ENOTFOUND error.
func (s *Store) StoredToken(ctx context.Context, subject string) (hearth.StoredToken, error) {
	t, err := s.scanToken(s.d.QueryRow(ctx, `SELECT `+tokens.list+` FROM tokens WHERE subject = $1`, subject))
	if errors.Is(err, sql.ErrNoRows) {
		return hearth.StoredToken{}, hearth.Errorf(hearth.ENOTFOUND, "no token stored for %.40q", subject)
	}
	if err != nil {
		return hearth.StoredToken{}, s.errorf("unable to read the token for %.40q: %w", subject, err)
	}
	return t, nil
}

// StoredTokens returns every stored token, ordered by subject.
func (s *Store) StoredTokens(ctx context.Context) ([]hearth.StoredToken, error) {
	rows, err := s.d.Query(ctx, `SELECT `+tokens.list+` FROM tokens ORDER BY subject`)
	if err != nil {
		return nil, s.errorf("unable to list tokens: %w", err)
	}
	defer rows.Close()
	ts := []hearth.StoredToken{}
	for rows.Next() {
		t, err := s.scanToken(rows)
		if err != nil {
			return nil, s.errorf("unable to list tokens: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("unable to list tokens: %w", err)
	}
	return ts, nil
}

// DeleteToken removes the token stored for subject, or returns an
// ENOTFOUND error.
func (s *Store) DeleteToken(ctx context.Context, subject string) error {
	n, err := s.d.Exec(ctx, `DELETE FROM tokens WHERE subject = $1`, subject)
	if err != nil {
		return s.errorf("unable to delete the token for %.40q: %w", subject, err)
	}
	if n == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "no token stored for %.40q", subject)
	}
	return nil
}

// scanToken reads one row of tokens' columns.
func (s *Store) scanToken(row Row) (hearth.StoredToken, error) {
	var t hearth.StoredToken
	var scopes string
	if err := row.Scan(&t.Subject, &t.UserID, &t.Login, &scopes, s.d.Time(&t.ExpiresAt), s.d.Time(&t.ObtainedAt), &t.Sealed); err != nil {
		return hearth.StoredToken{}, err
	}
	t.Scopes = strings.Fields(scopes)
	return t, nil
}
