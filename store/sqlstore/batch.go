package sqlstore

import (
	"cmp"
	"context"
	"slices"

	"github.com/hearthlive/hearth"
)

// applyAttempts bounds retries of a batch that lost a deadlock or a
// serialization conflict (Dialect.Retryable); rewriting whole rows is safe
// to repeat.
const applyAttempts = 3

// Apply writes every change in b in one transaction: all or nothing. It
// deletes the viewers that b.Forget names first (a viewer that is not there
// is no error, and their poll votes go too), then writes b.Viewers, then
// b.Streams, b.Polls, b.PollVotes, b.Recaps and b.Goals' progress (of stored goals only). Rows are whole (absolute values), so
// applying the same batch twice leaves the same state; when a batch holds two rows for one viewer, or for one stream, the
// later one wins. A channel that a viewer or stream names and the store does
// not know yet is created, as EnsureChannel would; Forget creates none. A
// batch that hearth.Batch.Validate refuses is rejected whole with its
// EINVALID error and writes nothing. An empty batch writes nothing.
func (s *Store) Apply(ctx context.Context, b hearth.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if err := b.Validate(); err != nil {
		return err
	}
	w := newWrite(b)
	var err error
	for range applyAttempts {
		err = s.d.Write(ctx, func(tx Tx) error {
			for _, st := range w {
				if err := st.exec(ctx, tx); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil || !s.d.Retryable(err) {
			break
		}
	}
	if err != nil {
		return s.errorf("unable to apply batch: %w", err)
	}
	return nil
}

// deleteViewers and deleteViewerVotes remove forgotten viewers and their
// votes: their rows hold a channel and a user id.
const (
	deleteViewers     = "DELETE FROM viewers WHERE (channel, user_id) IN (\n"
	deleteViewerVotes = "DELETE FROM poll_votes WHERE (channel, user_id) IN (\n"
)

// newWrite turns a valid batch into the statements that write it, in
// order, built once and run again if the transaction is retried. Rows are
// made unique by key, the last given winning, because one statement
// cannot write a row twice in PostgreSQL; and sorted by key, because
// writers that lock rows in the same order cannot deadlock each other.
func newWrite(b hearth.Batch) []statement {
	var w []statement
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
	for _, e := range b.OverlayEvents {
		names = append(names, e.Channel)
	}
	if len(names) > 0 {
		slices.Sort(names)
		w = append(w, newChannels(slices.Compact(names)))
	}
	if len(b.Forget) > 0 {
		keys := lastByKey(b.Forget, func(k hearth.ViewerKey) hearth.ViewerKey { return k }, compareViewerKeys)
		cols := []Column{
			{Text, each(keys, func(k hearth.ViewerKey) string { return k.Channel })},
			{Text, each(keys, func(k hearth.ViewerKey) string { return k.UserID })},
		}
		w = append(w, statement{head: deleteViewers, cols: cols, tail: ")"}, statement{head: deleteViewerVotes, cols: cols, tail: ")"},
			statement{head: deleteViewerEvents, cols: cols, tail: ")"})
	}
	if len(b.Viewers) > 0 {
		w = append(w, viewers.upsert(lastByKey(b.Viewers, hearth.ViewerStats.Key, compareViewerKeys)))
	}
	if len(b.Streams) > 0 {
		w = append(w, streams.upsert(lastByKey(b.Streams, keyOfStream, compareStreamKeys)))
	}
	if len(b.Polls) > 0 {
		w = append(w, polls.upsert(lastByKey(b.Polls, keyOfPoll, comparePollKeys)))
	}
	if len(b.PollVotes) > 0 {
		w = append(w, pollVotes.upsert(lastByKey(b.PollVotes, keyOfVote, compareVoteKeys)))
	}
	if len(b.Recaps) > 0 {
		w = append(w, recaps.upsert(lastByKey(b.Recaps, keyOfRecap, compareStreamKeys)))
	}
	if len(b.Goals) > 0 {
		w = append(w, goalProgress(b.Goals)...)
	}
	if len(b.OverlayEvents) > 0 {
		w = append(w, overlayEvents.upsert(lastByKey(b.OverlayEvents, keyOfEvent, compareEventKeys)))
	}
	return w
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

// streamKey names one stream session, or its recap: a channel and a
// sequence number.
type streamKey struct {
	channel string
	seq     int64
}

func keyOfStream(s hearth.StreamSession) streamKey { return streamKey{s.Channel, s.Seq} }

func keyOfRecap(r hearth.StreamRecap) streamKey { return streamKey{r.Channel, r.Seq} }

func compareStreamKeys(a, b streamKey) int {
	return cmp.Or(cmp.Compare(a.channel, b.channel), cmp.Compare(a.seq, b.seq))
}

type pollKey struct{ channel, id string }

func keyOfPoll(p hearth.Poll) pollKey { return pollKey{p.Channel, p.ID} }

func comparePollKeys(a, b pollKey) int {
	return cmp.Or(cmp.Compare(a.channel, b.channel), cmp.Compare(a.id, b.id))
}

type voteKey struct{ channel, poll, user string }

func keyOfVote(v hearth.PollVote) voteKey { return voteKey{v.Channel, v.PollID, v.UserID} }

func compareVoteKeys(a, b voteKey) int {
	return cmp.Or(cmp.Compare(a.channel, b.channel), cmp.Compare(a.poll, b.poll), cmp.Compare(a.user, b.user))
}
