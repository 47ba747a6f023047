package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/hearthlive/hearth"
)

// audit is the audit table but for seq, which the database gives. ref is
// a random name for the row, by which the writer reads its seq back: SQLite
// reads on other connections than it writes on.
var audit = newTable("audit", 1,
	textColumn("ref", func(e auditRow) string { return e.ref }),
	textColumn("channel", func(e auditRow) string { return e.Channel }),
	timeColumn("at", func(e auditRow) time.Time { return e.At }),
	textColumn("actor", func(e auditRow) string { return e.Actor }),
	textColumn("role", func(e auditRow) string { return string(e.Role) }),
	textColumn("action", func(e auditRow) string { return e.Action }),
	textColumn("target", func(e auditRow) string { return e.Target }),
	textColumn("before_value", func(e auditRow) string { return e.Before }),
	textColumn("after_value", func(e auditRow) string { return e.After }),
)

// auditRow is one row of audit.
type auditRow struct {
	ref string
	hearth.AuditEntry
}

// auditColumns are the columns an entry is read from.
const auditColumns = `seq, channel, at, actor, role, action, target, before_value, after_value`

// AppendAudit stores e and returns it with its Seq; EINVALID if it does
// not validate.
func (s *Store) AppendAudit(ctx context.Context, e hearth.AuditEntry) (hearth.AuditEntry, error) {
	if err := e.Validate(); err != nil {
		return hearth.AuditEntry{}, err
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	ref := hex.EncodeToString(b)
	err := s.d.Write(ctx, func(tx Tx) error {
		return audit.insert([]auditRow{{ref, e}}).exec(ctx, tx)
	})
	if err != nil {
		return hearth.AuditEntry{}, s.errorf("unable to append to the audit log of %.40q: %w", e.Channel, err)
	}
	got, err := s.scanAudit(s.d.QueryRow(ctx, `SELECT `+auditColumns+` FROM audit WHERE ref = $1`, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return hearth.AuditEntry{}, s.errorf("unable to read back an audit entry of %.40q", e.Channel)
	}
	if err != nil {
		return hearth.AuditEntry{}, s.errorf("unable to read back an audit entry of %.40q: %w", e.Channel, err)
	}
	return got, nil
}

// Audit returns a channel's entries newest first, at most n (1 or more),
// with Seq below before (0: from the newest).
func (s *Store) Audit(ctx context.Context, channel string, n int, before int64) ([]hearth.AuditEntry, error) {
	if n < 1 {
		return nil, hearth.Errorf(hearth.EINVALID, "n must be at least 1, got %d", n)
	}
	var rows Rows
	var err error
	if before > 0 {
		rows, err = s.d.Query(ctx, `SELECT `+auditColumns+` FROM audit WHERE channel = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`, channel, before, n)
	} else {
		rows, err = s.d.Query(ctx, `SELECT `+auditColumns+` FROM audit WHERE channel = $1 ORDER BY seq DESC LIMIT $2`, channel, n)
	}
	if err != nil {
		return nil, s.errorf("unable to read the audit log of %.40q: %w", channel, err)
	}
	defer rows.Close()
	out := []hearth.AuditEntry{}
	for rows.Next() {
		e, err := s.scanAudit(rows)
		if err != nil {
			return nil, s.errorf("unable to read the audit log of %.40q: %w", channel, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("unable to read the audit log of %.40q: %w", channel, err)
	}
	return out, nil
}

// scanAudit reads one row of auditColumns.
func (s *Store) scanAudit(row Row) (hearth.AuditEntry, error) {
	var e hearth.AuditEntry
	var role string
	err := row.Scan(&e.Seq, &e.Channel, s.d.Time(&e.At), &e.Actor, &role, &e.Action, &e.Target, &e.Before, &e.After)
	e.Role = hearth.Access(role)
	return e, err
}
