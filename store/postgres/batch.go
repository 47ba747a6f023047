package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hearthlive/hearth"
)

// insertChannels creates the channels a batch names, each with a fresh
// token, unless they exist.
const insertChannels = `INSERT INTO channels (name, overlay_token, created_at)
SELECT name, token, $3 FROM unnest($1::text[], $2::text[]) AS c (name, token)
ON CONFLICT (name) DO NOTHING`

// applyAttempts bounds retries of a batch that lost a deadlock or a
// serialization conflict; rewriting whole rows is safe to repeat.
const applyAttempts = 3

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
	w := newWrite(b)
	var err error
	for range applyAttempts {
		if err = db.apply(ctx, w); err == nil || !retryable(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: unable to apply batch: %w", err)
	}
	return nil
}

// write is a batch as the arguments of its statements, built once and sent
// again if the transaction is retried. Every statement takes its rows as
// arrays, one per column, so a batch costs one round trip whatever its size.
type write struct {
	channels, tokens []string // channels to create, sorted, with their tokens
	forget           []any    // arguments of deleteViewers, or nil
	viewers          []any    // arguments of upsertViewers, or nil
	streams          []any    // arguments of upsertStreams, or nil
	polls, votes     []any    // arguments of upsertPolls and upsertVotes, or nil
	recaps           []any    // arguments of upsertRecaps, or nil
}

// newWrite turns a valid batch into a write. Rows are made unique by key,
// the last given winning, because one INSERT cannot touch a row twice; and
// sorted by key, because writers that lock rows in the same order cannot
// deadlock each other.
func newWrite(b hearth.Batch) write {
	var w write
	if len(b.Forget) > 0 {
		keys := lastByKey(b.Forget, func(k hearth.ViewerKey) hearth.ViewerKey { return k }, compareViewerKeys)
		w.forget = []any{
			column(keys, func(k hearth.ViewerKey) string { return k.Channel }),
			column(keys, func(k hearth.ViewerKey) string { return k.UserID }),
		}
	}
	if len(b.Viewers) > 0 {
		w.viewers = viewerArrays(lastByKey(b.Viewers, hearth.ViewerStats.Key, compareViewerKeys))
	}
	if len(b.Streams) > 0 {
		w.streams = streamArrays(lastByKey(b.Streams, keyOfStream, compareStreamKeys))
	}
	if len(b.Polls) > 0 {
		w.polls = pollArrays(lastByKey(b.Polls, keyOfPoll, comparePollKeys))
	}
	if len(b.PollVotes) > 0 {
		w.votes = voteArrays(lastByKey(b.PollVotes, keyOfVote, compareVoteKeys))
	}
	if len(b.Recaps) > 0 {
		w.recaps = recapArrays(lastByKey(b.Recaps, keyOfRecap, compareStreamKeys))
	}

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
	slices.Sort(names)
	w.channels = slices.Compact(names)
	w.tokens = make([]string, len(w.channels))
	for i := range w.tokens {
		w.tokens[i] = newToken()
	}
	return w
}

func (db *DB) apply(ctx context.Context, w write) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var b pgx.Batch
		if len(w.channels) > 0 {
			b.Queue(insertChannels, w.channels, w.tokens, time.Now())
		}
		if w.forget != nil {
			b.Queue(deleteViewers, w.forget...)
			b.Queue(deleteViewerVotes, w.forget...)
		}
		if w.viewers != nil {
			b.Queue(upsertViewers, w.viewers...)
		}
		if w.streams != nil {
			b.Queue(upsertStreams, w.streams...)
		}
		if w.polls != nil {
			b.Queue(upsertPolls, w.polls...)
		}
		if w.votes != nil {
			b.Queue(upsertVotes, w.votes...)
		}
		if w.recaps != nil {
			b.Queue(upsertRecaps, w.recaps...)
		}
		return tx.SendBatch(ctx, &b).Close()
	})
}

// lastByKey returns rows with one row per key, the last given, sorted by
// key.
func lastByKey[R any, K comparable](rows []R, key func(R) K, compare func(a, b K) int) []R {
	index := make(map[K]int, len(rows))
	out := make([]R, 0, len(rows))
	for _, r := range rows {
		k := key(r)
		if i, ok := index[k]; ok {
			out[i] = r
			continue
		}
		index[k] = len(out)
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b R) int { return compare(key(a), key(b)) })
	return out
}

func compareViewerKeys(a, b hearth.ViewerKey) int {
	return cmp.Or(cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.UserID, b.UserID))
}

// column returns one field of every row, in order: one array argument of a
// statement that unnests its rows.
func column[R, T any](rows []R, field func(R) T) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = field(r)
	}
	return out
}

// retryable reports whether err is a deadlock or serialization failure,
// after which PostgreSQL expects the transaction to be tried again.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}
