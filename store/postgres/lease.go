package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearthlive/hearth"
)

// The leases and instances of a cluster of Hearth processes sharing this
// database (migration 017). Every time is the database's clock
// (clock_timestamp()), which all instances share, so that hosts whose
// clocks disagree still agree on when a lease expires.

// leaseColumns are the columns a lease is read from, with what it has left.
const leaseColumns = `channel, owner, epoch, acquired_at, expires_at,
	EXTRACT(EPOCH FROM (expires_at - clock_timestamp()))::float8`

func scanLease(row pgx.Row, l *hearth.Lease, more ...any) error {
	var remaining float64
	dest := append([]any{&l.Channel, &l.Owner, &l.Epoch, (*timestamptz)(&l.AcquiredAt), (*timestamptz)(&l.ExpiresAt), &remaining}, more...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	l.Remaining = time.Duration(remaining * float64(time.Second))
	return nil
}

// Heartbeat records that the instance id is alive for ttl more, removes
// instances whose heartbeat expired more than an hour ago, and returns how
// many instances are alive, this one included.
func (db *DB) Heartbeat(ctx context.Context, id string, ttl time.Duration) (int, error) {
	if id == "" {
		return 0, hearth.Errorf(hearth.EINVALID, "instance id must not be empty")
	}
	var live int
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO cluster_instances (id, started_at, heartbeat, expires_at)
			VALUES ($1, clock_timestamp(), clock_timestamp(), clock_timestamp() + $2::interval)
			ON CONFLICT (id) DO UPDATE SET heartbeat = EXCLUDED.heartbeat, expires_at = EXCLUDED.expires_at`,
			id, ttl); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM cluster_instances WHERE expires_at < clock_timestamp() - interval '1 hour'`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM cluster_instances WHERE expires_at > clock_timestamp()`).Scan(&live)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: unable to record the heartbeat of instance %.60q: %w", id, err)
	}
	return live, nil
}

// LeaveCluster removes the instance's heartbeat, so the others count it
// gone at once. Its leases are released separately (ReleaseLeases).
func (db *DB) LeaveCluster(ctx context.Context, id string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM cluster_instances WHERE id = $1`, id); err != nil {
		return fmt.Errorf("postgres: unable to remove instance %.60q: %w", id, err)
	}
	return nil
}

// Instances returns every instance with a heartbeat row, by id.
func (db *DB) Instances(ctx context.Context) ([]hearth.Instance, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, started_at, heartbeat, expires_at > clock_timestamp()
		FROM cluster_instances ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list instances: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hearth.Instance, error) {
		var in hearth.Instance
		err := row.Scan(&in.ID, (*timestamptz)(&in.StartedAt), (*timestamptz)(&in.Heartbeat), &in.Live)
		return in, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list instances: %w", err)
	}
	return out, nil
}

// Leases returns every lease row, by channel: held, expired and released.
func (db *DB) Leases(ctx context.Context) ([]hearth.Lease, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+leaseColumns+` FROM channel_leases ORDER BY channel`)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list leases: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hearth.Lease, error) {
		var l hearth.Lease
		err := scanLease(row, &l)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list leases: %w", err)
	}
	return out, nil
}

// AcquireLeases takes, for owner and for d, the lease of each of channels
// that nobody holds: never leased, released, or expired. Each lease taken
// gets a new epoch. Leases that another instance holds are left alone and
// missing from the result.
func (db *DB) AcquireLeases(ctx context.Context, owner string, channels []string, d time.Duration) ([]hearth.Lease, error) {
	if owner == "" {
		return nil, hearth.Errorf(hearth.EINVALID, "instance id must not be empty")
	}
	if len(channels) == 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `WITH prev AS (
			SELECT channel, owner, release_reason FROM channel_leases WHERE channel = ANY($1::text[])
		), got AS (
			INSERT INTO channel_leases (channel, owner, epoch, acquired_at, expires_at)
			SELECT c, $2, nextval('lease_epochs'), clock_timestamp(), clock_timestamp() + $3::interval
			FROM unnest($1::text[]) AS c ORDER BY c
			ON CONFLICT (channel) DO UPDATE SET owner = EXCLUDED.owner, epoch = EXCLUDED.epoch,
				acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at, release_reason = ''
			WHERE channel_leases.owner = '' OR channel_leases.expires_at <= clock_timestamp()
			RETURNING channel, owner, epoch, acquired_at, expires_at
		)
		SELECT got.channel, got.owner, got.epoch, got.acquired_at, got.expires_at,
			EXTRACT(EPOCH FROM (got.expires_at - clock_timestamp()))::float8,
			CASE WHEN prev.owner IS NULL THEN '' WHEN prev.owner = '' THEN prev.release_reason ELSE $4 END
		FROM got LEFT JOIN prev ON prev.channel = got.channel ORDER BY got.channel`,
		channels, owner, d, hearth.HandoverExpired)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to acquire leases: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hearth.Lease, error) {
		var l hearth.Lease
		err := scanLease(row, &l, &l.Handover)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to acquire leases: %w", err)
	}
	return out, nil
}

// RenewLeases extends by d each of held that owner still holds at the same
// epoch and that has not expired, and returns the leases renewed. A lease
// missing from the result is lost: the caller must stop running its
// channel (and take it again, with a new epoch, if it wants it back).
func (db *DB) RenewLeases(ctx context.Context, owner string, held []hearth.Lease, d time.Duration) ([]hearth.Lease, error) {
	if len(held) == 0 {
		return nil, nil
	}
	names, epochs := leaseKeys(held)
	rows, err := db.pool.Query(ctx, `UPDATE channel_leases l SET expires_at = clock_timestamp() + $4::interval
		FROM unnest($2::text[], $3::bigint[]) AS h (channel, epoch)
		WHERE l.channel = h.channel AND l.epoch = h.epoch AND l.owner = $1 AND l.expires_at > clock_timestamp()
		RETURNING l.channel, l.owner, l.epoch, l.acquired_at, l.expires_at,
			EXTRACT(EPOCH FROM (l.expires_at - clock_timestamp()))::float8`,
		owner, names, epochs, d)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to renew leases: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hearth.Lease, error) {
		var l hearth.Lease
		err := scanLease(row, &l)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to renew leases: %w", err)
	}
	return out, nil
}

// ReleaseLeases gives up each of held that owner still holds at the same
// epoch, recording reason (hearth.HandoverReleased or
// hearth.HandoverRebalanced), and
// notifies TopicLease so that other instances take the channels over at
// once rather than when they would have expired. It returns the channels
// released.
func (db *DB) ReleaseLeases(ctx context.Context, owner string, held []hearth.Lease, reason string) ([]string, error) {
	if reason != hearth.HandoverReleased && reason != hearth.HandoverRebalanced {
		return nil, hearth.Errorf(hearth.EINVALID, "release reason %q is not %q or %q", reason, hearth.HandoverReleased, hearth.HandoverRebalanced)
	}
	if len(held) == 0 {
		return nil, nil
	}
	names, epochs := leaseKeys(held)
	var released []string
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE channel_leases l SET owner = '', expires_at = clock_timestamp(), release_reason = $4
			FROM unnest($2::text[], $3::bigint[]) AS h (channel, epoch)
			WHERE l.channel = h.channel AND l.epoch = h.epoch AND l.owner = $1
			RETURNING l.channel`, owner, names, epochs, reason)
		if err != nil {
			return err
		}
		released, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(released) == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `SELECT pg_notify(hearth_topic($1), $2)`, TopicLease, reason)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to release leases: %w", err)
	}
	return released, nil
}

// leaseKeys returns the channels and epochs of ls, as two columns.
func leaseKeys(ls []hearth.Lease) ([]string, []int64) {
	names := make([]string, len(ls))
	epochs := make([]int64, len(ls))
	for i, l := range ls {
		names[i], epochs[i] = l.Channel, l.Epoch
	}
	return names, epochs
}
