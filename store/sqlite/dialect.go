package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/hearthlive/hearth/store/sqlstore"
)

// dialect is how the store speaks to SQLite: reads go to the pool of
// read-only connections, writes to the one writer connection. Times are
// stored as Unix milliseconds, UTC, and an optional time that is unset as 0.
type dialect struct {
	write, read *sql.DB
}

var _ sqlstore.Dialect = dialect{}

// Name is what every error of the store begins with.
func (dialect) Name() string { return "sqlite" }

// Query runs a query on a reader.
func (d dialect) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := d.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// sqlRows is sql.Rows, whose Close error says nothing that Err has not.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

// QueryRow runs a query on a reader.
func (d dialect) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return d.read.QueryRowContext(ctx, query, args...)
}

// Exec runs a statement on the writer, in a transaction of its own.
func (d dialect) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := d.write.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Write runs fn in a transaction on the writer, which begins it
// IMMEDIATE: it takes the write lock at once, so statements never fail
// for a lock that another process took in the meantime.
func (d dialect) Write(ctx context.Context, fn func(sqlstore.Tx) error) error {
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(writeTx{tx}); err != nil {
		return err
	}
	return tx.Commit()
}

// Retryable reports false: writes queue for the one writer connection and
// wait for the file's lock (busy_timeout), so no transaction fails in a
// way that trying it again would mend.
func (dialect) Retryable(error) bool { return false }

// Time reads a time stored as Unix milliseconds.
func (dialect) Time(t *time.Time) any { return (*millis)(t) }

// TimeArg is t as Unix milliseconds.
func (dialect) TimeArg(t time.Time) any { return t.UnixMilli() }

// OptionalTime reads a time stored as Unix milliseconds, 0 for none.
func (dialect) OptionalTime(t *time.Time) any { return (*optionalMillis)(t) }

// cutPresence records a presence cut of a channel's live stream, if it
// has one, at the minute the stream stored; skipPresenceMinute then moves
// the stream's clock past the minute the cut skips.
const (
	cutPresence        = `INSERT INTO presence_cuts (channel, seq, minute) SELECT channel, seq, minutes FROM streams WHERE channel = $1 AND ended_at = 0`
	skipPresenceMinute = `UPDATE streams SET minutes = minutes + 1 WHERE channel = $1 AND ended_at = 0`
)

// EndPresence returns cutPresence and skipPresenceMinute: SQLite cannot
// update in a WITH clause, and the writer's transaction keeps the two
// together.
func (dialect) EndPresence() []string { return []string{cutPresence, skipPresenceMinute} }

// writeTx is a transaction on the writer; it runs each statement at once.
type writeTx struct{ tx *sql.Tx }

// Exec runs one statement.
func (w writeTx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := w.tx.ExecContext(ctx, query, args...)
	return err
}

// rowsPerStatement is how many rows one multi-row statement takes: one
// statement per row costs a step, a reset and the bindings' round trip
// through database/sql for each, which dominated a flush of thousands of
// rows. 50 rows of 20 columns stay far under SQLite's 32,766 parameters.
const rowsPerStatement = 50

// ExecRows writes the rows of cols as a multi-row VALUES, rowsPerStatement
// at a time through one prepared statement and the rest in a shorter one,
// in order.
func (w writeTx) ExecRows(ctx context.Context, head string, cols []sqlstore.Column, tail string) error {
	cols, n := millisColumns(cols), cols[0].Len()
	full := n / rowsPerStatement * rowsPerStatement
	buf := make([]any, 0, min(n, rowsPerStatement)*len(cols))
	if full > 0 {
		stmt, err := w.tx.PrepareContext(ctx, multiRow(head, len(cols), rowsPerStatement, tail))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := 0; i < full; i += rowsPerStatement {
			buf = buf[:0]
			for r := i; r < i+rowsPerStatement; r++ {
				buf = appendRow(buf, cols, r)
			}
			if _, err := stmt.ExecContext(ctx, buf...); err != nil {
				return err
			}
		}
	}
	if rest := n - full; rest > 0 {
		buf = buf[:0]
		for r := full; r < n; r++ {
			buf = appendRow(buf, cols, r)
		}
		if _, err := w.tx.ExecContext(ctx, multiRow(head, len(cols), rest, tail), buf...); err != nil {
			return err
		}
	}
	return nil
}

// multiRow returns head, a VALUES of n rows of width placeholders each,
// then tail.
func multiRow(head string, width, n int, tail string) string {
	row := "(" + strings.Repeat("?, ", width-1) + "?)"
	var b strings.Builder
	b.Grow(len(head) + len("VALUES ") + n*(len(row)+2) + len(tail))
	b.WriteString(head)
	b.WriteString("VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(tail)
	return b.String()
}

// millisColumns returns cols with their times as Unix milliseconds.
func millisColumns(cols []sqlstore.Column) []sqlstore.Column {
	out := make([]sqlstore.Column, len(cols))
	for i, c := range cols {
		if ts, ok := c.Values.([]time.Time); ok {
			ms := make([]int64, len(ts))
			for j, t := range ts {
				if c.Kind != sqlstore.OptionalTime || !t.IsZero() {
					ms[j] = t.UnixMilli()
				}
			}
			c = sqlstore.Column{Kind: sqlstore.Int, Values: ms}
		}
		out[i] = c
	}
	return out
}

// appendRow appends row r of cols to args.
func appendRow(args []any, cols []sqlstore.Column, r int) []any {
	for _, c := range cols {
		switch v := c.Values.(type) {
		case []string:
			args = append(args, v[r])
		case [][]byte:
			args = append(args, v[r])
		case []int64:
			args = append(args, v[r])
		case []float64:
			args = append(args, v[r])
		case []bool:
			args = append(args, v[r])
		}
	}
	return args
}

// millis is a time stored as Unix milliseconds, which carry no zone; it
// reads back in UTC.
type millis time.Time

// Scan reads the stored milliseconds.
func (t *millis) Scan(src any) error {
	ms, ok := src.(int64)
	if !ok {
		return fmt.Errorf("a time stored as %T, want Unix milliseconds", src)
	}
	*t = millis(time.UnixMilli(ms).UTC())
	return nil
}

// optionalMillis is millis where 0 stands for none, the zero time. An end
// at exactly the Unix epoch therefore reads back as none; no stream ended
// in 1970.
type optionalMillis time.Time

// Scan reads the stored milliseconds.
func (t *optionalMillis) Scan(src any) error {
	if ms, ok := src.(int64); ok && ms == 0 {
		*t = optionalMillis{}
		return nil
	}
	return (*millis)(t).Scan(src)
}
