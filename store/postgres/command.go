package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearthlive/hearth"
)

// Commands forwarded between instances (migration 017): an action for a
// channel that another instance runs is posted as a row, claimed and run
// by the channel's owner, and answered in the same row.

// maxCommandBody bounds a command's body and result.
const maxCommandBody = 1 << 20

// PostCommand stores c for the owner of c.Channel to claim until within has
// passed, notifies TopicCommand with the channel, and returns the
// command's id.
func (db *DB) PostCommand(ctx context.Context, c hearth.ClusterCommand, within time.Duration) (int64, error) {
	switch {
	case !hearth.ValidLogin(c.Channel):
		return 0, hearth.Errorf(hearth.EINVALID, "%.40q is not a valid channel login", c.Channel)
	case c.Action == "" || len(c.Action) > 100:
		return 0, hearth.Errorf(hearth.EINVALID, "a command needs an action of at most 100 bytes")
	case len(c.Body) > maxCommandBody:
		return 0, hearth.Errorf(hearth.EINVALID, "a command's body is at most %d bytes", maxCommandBody)
	}
	if c.Body == nil {
		c.Body = []byte{}
	}
	var id int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO cluster_commands (channel, action, body, created_at, deadline)
			VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp() + $4::interval) RETURNING id`,
			c.Channel, c.Action, c.Body, within).Scan(&id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify(hearth_topic($1), $2)`, TopicCommand, c.Channel)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: unable to post a command: %w", err)
	}
	return id, nil
}

// ClaimCommands claims for owner, oldest first, every command of channels
// that nobody has claimed and whose deadline has not passed, and returns
// them. Two instances claiming at once never get the same command.
func (db *DB) ClaimCommands(ctx context.Context, owner string, channels []string) ([]hearth.ClusterCommand, error) {
	if len(channels) == 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `UPDATE cluster_commands SET claimed_by = $1
		WHERE id IN (SELECT id FROM cluster_commands
			WHERE claimed_by IS NULL AND channel = ANY($2::text[]) AND deadline > clock_timestamp()
			ORDER BY id FOR UPDATE SKIP LOCKED)
		RETURNING id, channel, action, body`, owner, channels)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to claim commands: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hearth.ClusterCommand, error) {
		var c hearth.ClusterCommand
		err := row.Scan(&c.ID, &c.Channel, &c.Action, &c.Body)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to claim commands: %w", err)
	}
	// RETURNING does not follow the subquery's order.
	slices.SortFunc(out, func(a, b hearth.ClusterCommand) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// FinishCommand writes the result of command id and notifies
// TopicCommandResult with its id. A result or message too long to store
// is replaced by an EINTERNAL error saying so.
func (db *DB) FinishCommand(ctx context.Context, id int64, r hearth.ClusterResult) error {
	if len(r.Result) > maxCommandBody || len(r.ErrorMessage) > 4096 {
		r = hearth.ClusterResult{ErrorCode: hearth.EINTERNAL, ErrorMessage: "the command's result was too long to return"}
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE cluster_commands SET done_at = clock_timestamp(), result = $2,
			error_code = $3, error_message = $4 WHERE id = $1`, id, r.Result, r.ErrorCode, r.ErrorMessage); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify(hearth_topic($1), $2)`, TopicCommandResult, strconv.FormatInt(id, 10))
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: unable to finish command %d: %w", id, err)
	}
	return nil
}

// CommandResult returns the result of command id, and whether it is done.
// A command that is not stored (deleted, or never posted) is ENOTFOUND.
func (db *DB) CommandResult(ctx context.Context, id int64) (hearth.ClusterResult, bool, error) {
	var r hearth.ClusterResult
	var done *time.Time
	err := db.pool.QueryRow(ctx, `SELECT done_at, COALESCE(result, ''::bytea), error_code, error_message
		FROM cluster_commands WHERE id = $1`, id).Scan(&done, &r.Result, &r.ErrorCode, &r.ErrorMessage)
	if errors.Is(err, pgx.ErrNoRows) {
		return hearth.ClusterResult{}, false, hearth.Errorf(hearth.ENOTFOUND, "no command %d", id)
	}
	if err != nil {
		return hearth.ClusterResult{}, false, fmt.Errorf("postgres: unable to read command %d: %w", id, err)
	}
	return r, done != nil, nil
}

// DeleteCommand removes command id, done or not, and every command older
// than an hour, which nobody waits for any more. It reports whether the
// command had been claimed, and so may have run.
func (db *DB) DeleteCommand(ctx context.Context, id int64) (claimed bool, err error) {
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `DELETE FROM cluster_commands WHERE id = $1 RETURNING claimed_by IS NOT NULL`, id).Scan(&claimed)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM cluster_commands WHERE created_at < clock_timestamp() - interval '1 hour'`)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("postgres: unable to delete command %d: %w", id, err)
	}
	return claimed, nil
}
