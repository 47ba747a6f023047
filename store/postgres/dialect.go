package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearthlive/hearth/store/sqlstore"
)

// dialect is how the store speaks to PostgreSQL, through a pgx pool. Times
// are TIMESTAMPTZ, and an optional time that is unset is NULL.
type dialect struct {
	pool *pgxpool.Pool
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
	tag, err := d.pool.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

// Write runs fn in a transaction whose statements are queued and sent
// together, in one round trip, when fn returns.
func (d dialect) Write(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		var b pgx.Batch
		if err := fn(batchTx{&b}); err != nil {
			return err
		}
		return tx.SendBatch(ctx, &b).Close()
	})
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
