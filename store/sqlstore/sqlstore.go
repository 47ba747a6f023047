// Package sqlstore implements hearth.Store once, for SQLite and PostgreSQL
// alike: the SQL text of every statement, the arguments it takes and the
// scanning of the rows it returns. What the two databases do their own way
// stands behind a Dialect: how statements reach the database, how one
// statement writes many rows (a multi-row VALUES, or one array per
// column), how a time is stored, which errors are worth a retry, and the
// few statements that only one of them can say. store/sqlite and
// store/postgres open their database, migrate it, and hand their Dialect
// to New.
//
// The name says what the package holds, the store written in SQL, and
// keeps clear of database/sql's own name.
//
// Statements number their parameters $1, $2, ...: PostgreSQL's own
// notation, which SQLite reads as named parameters that its driver binds
// by number.
package sqlstore

import (
	"context"
	"fmt"
	"reflect"
	"time"
)

// Rows is the result of a query, read row by row. Close may be called
// more than once.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is the result of a query that returns at most one row. Scan
// returns an error that wraps sql.ErrNoRows when there is none.
type Row interface {
	Scan(dest ...any) error
}

// Conn is how the store reaches its database.
type Conn interface {
	// Query runs a query that returns rows.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query that returns at most one row.
	QueryRow(ctx context.Context, query string, args ...any) Row
	// Exec runs one statement that writes, on its own, and returns how
	// many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// Write runs fn in one write transaction, and commits it if fn and
	// every statement it ran succeeded.
	Write(ctx context.Context, fn func(Tx) error) error
}

// Tx is one write transaction. A dialect may run each statement at once,
// or hold them back and send them together when fn returns (PostgreSQL
// sends them in one round trip): either way the first statement that
// fails fails the transaction, and Write returns its error.
type Tx interface {
	// Exec runs one statement.
	Exec(ctx context.Context, query string, args ...any) error
	// ExecRows writes every row of cols, which hold at least one: it
	// runs head, then the rows as the dialect spells a source of rows
	// (a multi-row VALUES, or a SELECT from one array per column), then
	// tail, and may split the rows over several such statements.
	ExecRows(ctx context.Context, head string, cols []Column, tail string) error
}

// Dialect is one database: its connection, and what it does its own way.
type Dialect interface {
	Conn
	// Name is the database's name, which begins every error the store
	// returns: "sqlite", "postgres".
	Name() string
	// Retryable reports whether a transaction that failed with err may
	// succeed if tried again as it is.
	Retryable(err error) bool
	// Time returns a destination for Scan that reads a time column, as
	// the dialect stores a Time, into *t, in UTC.
	Time(t *time.Time) any
	// OptionalTime is Time for a column written as OptionalTime: what
	// stands for none reads as the zero time.
	OptionalTime(t *time.Time) any
	// TimeArg returns t as the dialect stores a Time, for a statement's
	// argument compared with a time column.
	TimeArg(t time.Time) any
	// EndPresence returns the statements that Store.EndPresence runs in
	// one transaction, each with the channel as $1: they record a
	// presence cut of the channel's live stream, if it has one, at the
	// minute the stream stored, and move the stream's clock one minute on.
	EndPresence() []string
}

// Kind says how a Column's values are written, and which Go type holds
// them.
type Kind int

// The kinds of Column.
const (
	Text         Kind = iota // []string
	Bytes                    // [][]byte
	Int                      // []int64
	Float                    // []float64
	Bool                     // []bool
	Time                     // []time.Time
	OptionalTime             // []time.Time, zero for none
)

// Column is one column of the rows that Tx.ExecRows writes.
type Column struct {
	Kind   Kind
	Values any // a slice of the type Kind names, a value per row
}

// Len returns how many values c holds: how many rows.
func (c Column) Len() int { return reflect.ValueOf(c.Values).Len() }

// Store is a hearth.Store, but for Ping and Close, over a Dialect. Create
// it with New; it is safe for concurrent use if the Dialect is.
type Store struct {
	d Dialect
}

// New returns a Store that reads and writes through d.
func New(d Dialect) *Store {
	return &Store{d: d}
}

// errorf returns an error that begins with the dialect's name, as every
// error of the store does: "sqlite: unable to ...".
func (s *Store) errorf(format string, args ...any) error {
	return fmt.Errorf(s.d.Name()+": "+format, args...)
}
