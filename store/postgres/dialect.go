package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/store/sqlstore"
)

// dialect is how the store speaks to PostgreSQL, through a pgx pool. Times
// are TIMESTAMPTZ, and an optional time that is unset is NULL.
type dialect struct {
	pool *pgxpool.Pool
	// fence, when set, gives the fence of writes whose context carries
	// none (DB.FenceWith).
	fence *atomic.Pointer[func() hearth.Fence]
}

var _ sqlstore.Dialect = dialect{}

// Name is what every error of the store begins with.
func (dialect) Name() string { return "postgres" }

// Query runs a query.
func (d dialect) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return d.pool.Query(ctx, query, args...)
}

// QueryRow runs a query.
func (d dialect) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return d.pool.QueryRow(ctx, query, args...)
}

// Exec runs a statement in a transaction of its own. A statement that
// fails has an empty tag, which counts no rows.
func (d dialect) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if _, ok := d.fenceOf(ctx); !ok {
		tag, err := d.pool.Exec(ctx, query, args...)
		return tag.RowsAffected(), leaseLost(err)
	}
	var n int64
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		if err := d.setFence(ctx, tx); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, query, args...)
		n = tag.RowsAffected()
		return err
	})
	return n, leaseLost(err)
}

// Write runs fn in a transaction whose statements are queued and sent
// together, in one round trip, when fn returns. If ctx carries a
// hearth.Fence, the transaction sets it first (hearth.fence, read by the
// fencing triggers of migration 017), and a statement the triggers refuse
// fails the transaction with a *hearth.LeaseLostError.
func (d dialect) Write(ctx context.Context, fn func(sqlstore.Tx) error) error {
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		var b pgx.Batch
		if f, ok := d.fenceOf(ctx); ok {
			setting, err := json.Marshal(fenceSetting{Owner: f.Owner, Epochs: f.Epochs})
			if err != nil {
				return err
			}
			b.Queue(`SELECT set_config('hearth.fence', $1, true)`, string(setting))
		}
		if err := fn(batchTx{&b}); err != nil {
			return err
		}
		return tx.SendBatch(ctx, &b).Close()
	})
	return leaseLost(err)
}

// fenceOf returns the fence of a write: the one ctx carries, else the
// store's own, if it has one.
func (d dialect) fenceOf(ctx context.Context) (hearth.Fence, bool) {
	if f, ok := hearth.FenceFrom(ctx); ok {
		return f, true
	}
	if d.fence != nil {
		if fn := d.fence.Load(); fn != nil {
			return (*fn)(), true
		}
	}
	return hearth.Fence{}, false
}

// setFence sets, for the rest of tx, the fence of a write (fenceOf).
func (d dialect) setFence(ctx context.Context, tx pgx.Tx) error {
	f, ok := d.fenceOf(ctx)
	if !ok {
		return nil
	}
	setting, err := json.Marshal(fenceSetting{Owner: f.Owner, Epochs: f.Epochs})
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `SELECT set_config('hearth.fence', $1, true)`, string(setting))
	return err
}

// fenceSetting is a hearth.Fence as the fencing triggers read it.
type fenceSetting struct {
	Owner  string           `json:"owner"`
	Epochs map[string]int64 `json:"epochs"`
}

// leaseLostCode is the SQLSTATE the fencing triggers raise; their detail
// names the channel.
const leaseLostCode = "HLOST"

// leaseLost returns a *hearth.LeaseLostError for an error the fencing
// triggers raised, and err itself otherwise.
func leaseLost(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == leaseLostCode {
		return &hearth.LeaseLostError{Channel: pgErr.Detail}
	}
	return err
}

// Retryable reports whether err is a deadlock or serialization failure,
// after which PostgreSQL expects the transaction to be tried again.
func (dialect) Retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// Time reads a TIMESTAMPTZ.
func (dialect) Time(t *time.Time) any { return (*timestamptz)(t) }

// OptionalTime reads a TIMESTAMPTZ, NULL for none.
func (dialect) OptionalTime(t *time.Time) any { return (*timestamptz)(t) }

// TimeArg is t as it is: pgx sends it as a timestamptz.
func (dialect) TimeArg(t time.Time) any { return t.UTC() }

// endPresence records a presence cut of a channel's live stream, if it has
// one, at the minute the stream stored, and moves the stream's clock past
// the minute the cut skips, in one statement.
const endPresence = `WITH live AS (
	UPDATE streams SET minutes = minutes + 1 WHERE channel = $1 AND ended_at IS NULL
	RETURNING channel, seq, minutes - 1 AS minute)
INSERT INTO presence_cuts (channel, seq, minute) SELECT channel, seq, minute FROM live`

// EndPresence returns endPresence.
func (dialect) EndPresence() []string { return []string{endPresence} }

// batchTx queues a transaction's statements in a pgx.Batch.
type batchTx struct{ b *pgx.Batch }

// Exec queues one statement.
func (t batchTx) Exec(_ context.Context, query string, args ...any) error {
	t.b.Queue(query, args...)
	return nil
}

// ExecRows queues one statement that takes its rows as arrays, one per
// column, so that it costs the same whatever the number of rows.
func (t batchTx) ExecRows(_ context.Context, head string, cols []sqlstore.Column, tail string) error {
	var q strings.Builder
	q.WriteString(head)
	q.WriteString("SELECT * FROM unnest(")
	args := make([]any, len(cols))
	for i, c := range cols {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("$" + strconv.Itoa(i+1) + "::" + arrayTypes[c.Kind])
		args[i] = c.Values
		if c.Kind == sqlstore.OptionalTime {
			args[i] = nullTimes(c.Values.([]time.Time))
		}
	}
	q.WriteString(")")
	q.WriteString(tail)
	t.b.Queue(q.String(), args...)
	return nil
}

// arrayTypes are the array types that columns of each kind are sent as.
var arrayTypes = [...]string{
	sqlstore.Text:         "text[]",
	sqlstore.Bytes:        "bytea[]",
	sqlstore.Int:          "bigint[]",
	sqlstore.Float:        "double precision[]",
	sqlstore.Bool:         "boolean[]",
	sqlstore.Time:         "timestamptz[]",
	sqlstore.OptionalTime: "timestamptz[]",
}

// nullTimes returns ts with each zero time NULL.
func nullTimes(ts []time.Time) []pgtype.Timestamptz {
	out := make([]pgtype.Timestamptz, len(ts))
	for i, t := range ts {
		out[i] = pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
	}
	return out
}

// timestamptz reads a TIMESTAMPTZ into a time.Time in UTC, where pgx would
// give the process's local zone, and NULL as the zero time.
type timestamptz time.Time

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (t *timestamptz) ScanTimestamptz(v pgtype.Timestamptz) error {
	*t = timestamptz{}
	if v.Valid {
		*t = timestamptz(v.Time.UTC())
	}
	return nil
}
