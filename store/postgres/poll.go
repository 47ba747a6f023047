package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hearthlive/hearth"
)

// pollColumns are read and written in this order by upsertPolls,
// pollArrays and scanPoll.
const pollColumns = `channel, id, kind, status, question, options, weighting, points_per_vote,
	started_by, started_at, ends_at, closed_at, tally`

// upsertPolls writes many whole poll rows in one statement.
const upsertPolls = `INSERT INTO polls (` + pollColumns + `)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
	$8::bigint[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::text[])
ON CONFLICT (channel, id) DO UPDATE SET
	kind = excluded.kind, status = excluded.status, question = excluded.question,
	options = excluded.options, weighting = excluded.weighting,
	points_per_vote = excluded.points_per_vote, started_by = excluded.started_by,
	started_at = excluded.started_at, ends_at = excluded.ends_at,
	closed_at = excluded.closed_at, tally = excluded.tally`

// voteColumns are read and written in this order by upsertVotes,
// voteArrays and PollVotes.
const voteColumns = `channel, poll_id, user_id, login, choice, weight, spent, subscriber, newcomer, voter_rank, voted_at`

// upsertVotes writes many whole vote rows in one statement.
const upsertVotes = `INSERT INTO poll_votes (` + voteColumns + `)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::bigint[],
	$8::boolean[], $9::boolean[], $10::text[], $11::timestamptz[])
ON CONFLICT (channel, poll_id, user_id) DO UPDATE SET
	login = excluded.login, choice = excluded.choice, weight = excluded.weight,
	spent = excluded.spent, subscriber = excluded.subscriber, newcomer = excluded.newcomer,
	voter_rank = excluded.voter_rank, voted_at = excluded.voted_at`

// deleteViewerVotes removes forgotten viewers' votes.
const deleteViewerVotes = `DELETE FROM poll_votes AS v USING unnest($1::text[], $2::text[]) AS f (channel, user_id)
WHERE v.channel = f.channel AND v.user_id = f.user_id`

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

// ms truncates a time to the millisecond, the precision both stores keep.
func ms(t time.Time) time.Time { return t.Truncate(time.Millisecond) }

// pollArrays returns the arguments of upsertPolls for ps.
func pollArrays(ps []hearth.Poll) []any {
	type row = hearth.Poll
	return []any{
		column(ps, func(r row) string { return r.Channel }),
		column(ps, func(r row) string { return r.ID }),
		column(ps, func(r row) string { return r.Kind }),
		column(ps, func(r row) string { return r.Status }),
		column(ps, func(r row) string { return r.Question }),
		column(ps, func(r row) string { b, _ := json.Marshal(r.Options); return string(b) }),
		column(ps, func(r row) string { return r.Weighting }),
		column(ps, func(r row) int64 { return r.PointsPerVote }),
		column(ps, func(r row) string { return r.StartedBy }),
		column(ps, func(r row) time.Time { return ms(r.StartedAt) }),
		column(ps, func(r row) time.Time { return ms(r.EndsAt) }),
		column(ps, func(r row) pgtype.Timestamptz {
			return pgtype.Timestamptz{Time: ms(r.ClosedAt), Valid: !r.ClosedAt.IsZero()}
		}),
		column(ps, func(r row) string { b, _ := json.Marshal(r.Tally); return string(b) }),
	}
}

// voteArrays returns the arguments of upsertVotes for vs.
func voteArrays(vs []hearth.PollVote) []any {
	type row = hearth.PollVote
	return []any{
		column(vs, func(r row) string { return r.Channel }),
		column(vs, func(r row) string { return r.PollID }),
		column(vs, func(r row) string { return r.UserID }),
		column(vs, func(r row) string { return r.Login }),
		column(vs, func(r row) int32 { return int32(r.Option) }),
		column(vs, func(r row) int64 { return r.Weight }),
		column(vs, func(r row) int64 { return r.Spent }),
		column(vs, func(r row) bool { return r.Subscriber }),
		column(vs, func(r row) bool { return r.Newcomer }),
		column(vs, func(r row) string { return r.Rank }),
		column(vs, func(r row) time.Time { return ms(r.At) }),
	}
}

// Poll returns one poll of a channel, or ENOTFOUND.
func (db *DB) Poll(ctx context.Context, channel, id string) (hearth.Poll, error) {
	p, err := scanPoll(db.pool.QueryRow(ctx, `SELECT `+pollColumns+` FROM polls WHERE channel = $1 AND id = $2`, channel, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return hearth.Poll{}, hearth.Errorf(hearth.ENOTFOUND, "#%s has no poll %s", channel, id)
	}
	if err != nil {
		return hearth.Poll{}, fmt.Errorf("postgres: unable to read poll: %w", err)
	}
	return p, nil
}

// Polls returns up to limit of a channel's polls, newest first; with
// before set, only those started before that poll (ENOTFOUND if before is
// not one of the channel's polls). limit must be at least 1.
func (db *DB) Polls(ctx context.Context, channel, before string, limit int) ([]hearth.Poll, error) {
	if limit < 1 {
		return nil, hearth.Errorf(hearth.EINVALID, "limit must be at least 1, got %d", limit)
	}
	var rows pgx.Rows
	var err error
	if before == "" {
		rows, err = db.pool.Query(ctx, `SELECT `+pollColumns+` FROM polls WHERE channel = $1
			ORDER BY started_at DESC, id DESC LIMIT $2`, channel, limit)
	} else {
		var started time.Time
		err = db.pool.QueryRow(ctx, `SELECT started_at FROM polls WHERE channel = $1 AND id = $2`, channel, before).Scan(&started)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, hearth.Errorf(hearth.ENOTFOUND, "#%s has no poll %s", channel, before)
		}
		if err == nil {
			rows, err = db.pool.Query(ctx, `SELECT `+pollColumns+` FROM polls WHERE channel = $1
				AND (started_at < $2 OR started_at = $2 AND id < $3)
				ORDER BY started_at DESC, id DESC LIMIT $4`, channel, started, before, limit)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list polls: %w", err)
	}
	ps, err := collectPolls(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list polls: %w", err)
	}
	return ps, nil
}

// OpenPolls returns a channel's open polls, oldest first.
func (db *DB) OpenPolls(ctx context.Context, channel string) ([]hearth.Poll, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+pollColumns+` FROM polls WHERE channel = $1 AND status = $2
		ORDER BY started_at, id`, channel, hearth.PollOpen)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list open polls: %w", err)
	}
	ps, err := collectPolls(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list open polls: %w", err)
	}
	return ps, nil
}

// PollVotes returns every vote of a poll, ordered by user id; none for a
// poll without votes or unknown.
func (db *DB) PollVotes(ctx context.Context, channel, pollID string) ([]hearth.PollVote, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+voteColumns+` FROM poll_votes
		WHERE channel = $1 AND poll_id = $2 ORDER BY user_id`, channel, pollID)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list poll votes: %w", err)
	}
	defer rows.Close()
	vs := []hearth.PollVote{}
	for rows.Next() {
		var v hearth.PollVote
		var option int32
		if err := rows.Scan(&v.Channel, &v.PollID, &v.UserID, &v.Login, &option, &v.Weight, &v.Spent,
			&v.Subscriber, &v.Newcomer, &v.Rank, &v.At); err != nil {
			return nil, fmt.Errorf("postgres: unable to list poll votes: %w", err)
		}
		v.Option, v.At = int(option), v.At.UTC()
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: unable to list poll votes: %w", err)
	}
	return vs, nil
}

func collectPolls(rows pgx.Rows) ([]hearth.Poll, error) {
	defer rows.Close()
	ps := []hearth.Poll{}
	for rows.Next() {
		p, err := scanPoll(rows)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// scanPoll reads one row of pollColumns.
func scanPoll(row pgx.Row) (hearth.Poll, error) {
	var p hearth.Poll
	var options, tally string
	var closed pgtype.Timestamptz
	if err := row.Scan(&p.Channel, &p.ID, &p.Kind, &p.Status, &p.Question, &options, &p.Weighting, &p.PointsPerVote,
		&p.StartedBy, &p.StartedAt, &p.EndsAt, &closed, &tally); err != nil {
		return hearth.Poll{}, err
	}
	if err := json.Unmarshal([]byte(options), &p.Options); err != nil {
		return hearth.Poll{}, fmt.Errorf("poll %s: options: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(tally), &p.Tally); err != nil {
		return hearth.Poll{}, fmt.Errorf("poll %s: tally: %w", p.ID, err)
	}
	p.StartedAt, p.EndsAt = p.StartedAt.UTC(), p.EndsAt.UTC()
	if closed.Valid {
		p.ClosedAt = closed.Time.UTC()
	}
	return p, nil
}
