package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
)

// Apply writes every change in b in one transaction: all or nothing. It
// deletes the viewers that b.Forget names first (a viewer that is not there
// is no error, and their poll votes go too), then writes b.Viewers, then
// b.Streams, b.Polls, b.PollVotes and b.Recaps. Rows are whole (absolute values), so
// applying the same batch twice leaves the same state; when a batch holds two rows for one viewer, or for one stream, the
// later one wins. A channel that a viewer or stream names and the store does
// not know yet is created, as EnsureChannel would; Forget creates none. A
// batch that hearth.Batch.Validate refuses is rejected whole with its
// EINVALID error and writes nothing. An empty batch writes nothing.
func (db *DB) Apply(ctx context.Context, b hearth.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if err := db.apply(ctx, b); err != nil {
		return fmt.Errorf("sqlite: unable to apply batch: %w", err)
	}
	return nil
}

func (db *DB) apply(ctx context.Context, b hearth.Batch) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	now := time.Now()
	seen := make(map[string]bool)
	for _, name := range batchChannels(b) {
		if seen[name] {
			continue
		}
		seen[name] = true
		if err := insertChannel(ctx, tx, name, now); err != nil {
			return err
		}
	}

	if err := execEach(ctx, tx, deleteViewer, b.Forget, func(k hearth.ViewerKey) []any {
		return []any{k.Channel, k.UserID}
	}); err != nil {
		return err
	}
	if err := execEach(ctx, tx, deleteViewerVotes, b.Forget, func(k hearth.ViewerKey) []any {
		return []any{k.Channel, k.UserID}
	}); err != nil {
		return err
	}
	if err := execRows(ctx, tx, upsertViewers, b.Viewers, viewerArgs); err != nil {
		return err
	}
	if err := execEach(ctx, tx, upsertStream, b.Streams, streamArgs); err != nil {
		return err
	}
	if err := execEach(ctx, tx, upsertPoll, b.Polls, pollArgs); err != nil {
		return err
	}
	if err := execEach(ctx, tx, upsertVote, b.PollVotes, voteArgs); err != nil {
		return err
	}
	if err := execEach(ctx, tx, upsertRecap, b.Recaps, recapArgs); err != nil {
		return err
	}
	return tx.Commit()
}

// batchChannels returns the channel of every viewer and stream row in b,
// repeats included.
func batchChannels(b hearth.Batch) []string {
	names := make([]string, 0, len(b.Viewers)+len(b.Streams))
	for _, v := range b.Viewers {
		names = append(names, v.Channel)
	}
	for _, s := range b.Streams {
		names = append(names, s.Channel)
	}
	for _, p := range b.Polls {
		names = append(names, p.Channel)
	}
	for _, r := range b.Recaps {
		names = append(names, r.Channel)
	}
	return names
}

// execEach runs query once per row, with the arguments args returns for it,
// through one prepared statement. It prepares nothing when rows is empty.
func execEach[T any](ctx context.Context, tx *sql.Tx, query string, rows []T, args func(T) []any) error {
	if len(rows) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range rows {
		if _, err := stmt.ExecContext(ctx, args(r)...); err != nil {
			return err
		}
	}
	return nil
}

// multiRow is an INSERT that takes any number of rows: head, then row
// once per row (comma-separated), then tail.
type multiRow struct{ head, row, tail string }

// rowsPerStatement is how many rows one multi-row statement takes: one
// statement per row costs a step, a reset and the bindings' round trip
// through database/sql for each, which dominated a flush of thousands of
// rows. 50 rows of 19 columns stay far under SQLite's 32,766 parameters.
const rowsPerStatement = 50

func (m multiRow) query(n int) string {
	var b strings.Builder
	b.Grow(len(m.head) + n*(len(m.row)+2) + len(m.tail))
	b.WriteString(m.head)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(m.row)
	}
	b.WriteString(m.tail)
	return b.String()
}

// execRows writes rows through m, rowsPerStatement at a time in one
// prepared statement and the rest in a shorter one, in order.
func execRows[T any](ctx context.Context, tx *sql.Tx, m multiRow, rows []T, args func(T) []any) error {
	full := len(rows) / rowsPerStatement * rowsPerStatement
	if full > 0 {
		stmt, err := tx.PrepareContext(ctx, m.query(rowsPerStatement))
		if err != nil {
			return err
		}
		defer stmt.Close()
		var buf []any
		for i := 0; i < full; i += rowsPerStatement {
			buf = buf[:0]
			for _, r := range rows[i : i+rowsPerStatement] {
				buf = append(buf, args(r)...)
			}
			if _, err := stmt.ExecContext(ctx, buf...); err != nil {
				return err
			}
		}
	}
	if rest := rows[full:]; len(rest) > 0 {
		buf := make([]any, 0, len(rest)*8)
		for _, r := range rest {
			buf = append(buf, args(r)...)
		}
		if _, err := tx.ExecContext(ctx, m.query(len(rest)), buf...); err != nil {
			return err
		}
	}
	return nil
}
