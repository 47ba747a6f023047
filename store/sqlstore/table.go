package sqlstore

import (
	"context"
	"strings"
	"time"
)

// table is a table that rows of R are written to whole: the columns a row
// fills, in order, the first key of them identifying it. Every row the
// store writes goes through a table, so a column's name, kind and value
// stand together on one line.
type table[R any] struct {
	columns []column[R]

	// list is the columns' names, comma-separated, in order.
	list string
	// head begins a statement that inserts rows; upsertTail ends one
	// that writes them whole (a row whose key is stored replaces every
	// column of the stored one), insertTail one that leaves a stored row
	// as it is.
	head, upsertTail, insertTail string
}

// column is one column of a table: its name, and how a row's value is
// read, which Kind says.
type column[R any] struct {
	name   string
	kind   Kind
	values func(rows []R) any
}

// newTable returns the table name of columns, the first key of them its
// key.
func newTable[R any](name string, key int, columns ...column[R]) table[R] {
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c.name
	}
	keys := strings.Join(names[:key], ", ")
	var set strings.Builder
	for i, n := range names[key:] {
		if i > 0 {
			set.WriteString(",\n\t")
		}
		set.WriteString(n + " = excluded." + n)
	}
	t := table[R]{columns: columns, list: strings.Join(names, ", ")}
	t.head = "INSERT INTO " + name + " (" + t.list + ")\n"
	t.upsertTail = "\nON CONFLICT (" + keys + ") DO UPDATE SET\n\t" + set.String()
	t.insertTail = "\nON CONFLICT (" + keys + ") DO NOTHING"
	return t
}

// cols returns the values of rows, a Column per column of t.
func (t table[R]) cols(rows []R) []Column {
	cs := make([]Column, len(t.columns))
	for i, c := range t.columns {
		cs[i] = Column{Kind: c.kind, Values: c.values(rows)}
	}
	return cs
}

// upsert returns the statement that writes rows whole.
func (t table[R]) upsert(rows []R) statement {
	return statement{head: t.head, cols: t.cols(rows), tail: t.upsertTail}
}

// insert returns the statement that inserts rows whose key is not
// stored.
func (t table[R]) insert(rows []R) statement {
	return statement{head: t.head, cols: t.cols(rows), tail: t.insertTail}
}

// statement is one statement that writes many rows: the arguments of
// Tx.ExecRows; or, with no cols, one statement of head alone with args.
type statement struct {
	head string
	cols []Column
	tail string
	args []any
}

// exec runs st in tx.
func (st statement) exec(ctx context.Context, tx Tx) error {
	if st.cols == nil {
		return tx.Exec(ctx, st.head, st.args...)
	}
	return tx.ExecRows(ctx, st.head, st.cols, st.tail)
}

// each returns one field of every row, in order: a column's values.
func each[R, T any](rows []R, field func(R) T) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = field(r)
	}
	return out
}

func textColumn[R any](name string, f func(R) string) column[R] {
	return column[R]{name, Text, func(rs []R) any { return each(rs, f) }}
}

func bytesColumn[R any](name string, f func(R) []byte) column[R] {
	return column[R]{name, Bytes, func(rs []R) any { return each(rs, f) }}
}

func intColumn[R any](name string, f func(R) int64) column[R] {
	return column[R]{name, Int, func(rs []R) any { return each(rs, f) }}
}

func floatColumn[R any](name string, f func(R) float64) column[R] {
	return column[R]{name, Float, func(rs []R) any { return each(rs, f) }}
}

func boolColumn[R any](name string, f func(R) bool) column[R] {
	return column[R]{name, Bool, func(rs []R) any { return each(rs, f) }}
}

func timeColumn[R any](name string, f func(R) time.Time) column[R] {
	return column[R]{name, Time, func(rs []R) any { return each(rs, f) }}
}

// optionalTimeColumn is a time column whose zero time stands for none.
func optionalTimeColumn[R any](name string, f func(R) time.Time) column[R] {
	return column[R]{name, OptionalTime, func(rs []R) any { return each(rs, f) }}
}

// ms truncates a time to the millisecond, the precision that SQLite
// keeps; polls, votes and recaps keep it in PostgreSQL too.
func ms(t time.Time) time.Time { return t.Truncate(time.Millisecond) }
