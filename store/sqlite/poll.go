package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hearthlive/hearth"
)

// pollColumns are read and written in this order by upsertPoll, pollArgs
// and scanPoll.
const pollColumns = `channel, id, kind, status, question, options, weighting, points_per_vote,
	started_by, started_at, ends_at, closed_at, tally`

// upsertPoll writes one whole poll row.
const upsertPoll = `INSERT INTO polls (` + pollColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (channel, id) DO UPDATE SET
	kind = excluded.kind, status = excluded.status, question = excluded.question,
	options = excluded.options, weighting = excluded.weighting,
	points_per_vote = excluded.points_per_vote, started_by = excluded.started_by,
	started_at = excluded.started_at, ends_at = excluded.ends_at,
	closed_at = excluded.closed_at, tally = excluded.tally`

// voteColumns are read and written in this order by upsertVote, voteArgs
// and PollVotes.
const voteColumns = `channel, poll_id, user_id, login, choice, weight, spent, subscriber, newcomer, voter_rank, voted_at`

// upsertVote writes one whole vote row: a changed vote replaces it.
const upsertVote = `INSERT INTO poll_votes (` + voteColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (channel, poll_id, user_id) DO UPDATE SET
	login = excluded.login, choice = excluded.choice, weight = excluded.weight,
	spent = excluded.spent, subscriber = excluded.subscriber, newcomer = excluded.newcomer,
	voter_rank = excluded.voter_rank, voted_at = excluded.voted_at`

// deleteViewerVotes removes a forgotten viewer's votes.
const deleteViewerVotes = `DELETE FROM poll_votes WHERE channel = ? AND user_id = ?`

// pollArgs returns p's values in the order of pollColumns.
func pollArgs(p hearth.Poll) []any {
	options, _ := json.Marshal(p.Options)
	tally, _ := json.Marshal(p.Tally)
	return []any{p.Channel, p.ID, p.Kind, p.Status, p.Question, string(options), p.Weighting, p.PointsPerVote,
		p.StartedBy, toMillis(p.StartedAt), toMillis(p.EndsAt), endToMillis(p.ClosedAt), string(tally)}
}

// voteArgs returns v's values in the order of voteColumns.
func voteArgs(v hearth.PollVote) []any {
	return []any{v.Channel, v.PollID, v.UserID, v.Login, v.Option, v.Weight, v.Spent,
		boolInt(v.Subscriber), boolInt(v.Newcomer), v.Rank, toMillis(v.At)}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Poll returns one poll of a channel, or ENOTFOUND.
func (db *DB) Poll(ctx context.Context, channel, id string) (hearth.Poll, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+pollColumns+` FROM polls WHERE channel = ? AND id = ?`, channel, id)
	if err != nil {
		return hearth.Poll{}, fmt.Errorf("sqlite: unable to read poll: %w", err)
	}
	ps, err := scanPolls(rows)
	if err != nil {
		return hearth.Poll{}, fmt.Errorf("sqlite: unable to read poll: %w", err)
	}
	if len(ps) == 0 {
		return hearth.Poll{}, hearth.Errorf(hearth.ENOTFOUND, "#%s has no poll %s", channel, id)
	}
	return ps[0], nil
}

// Polls returns up to limit of a channel's polls, newest first; with
// before set, only those started before that poll (ENOTFOUND if before is
// not one of the channel's polls). limit must be at least 1.
func (db *DB) Polls(ctx context.Context, channel, before string, limit int) ([]hearth.Poll, error) {
	if limit < 1 {
		return nil, hearth.Errorf(hearth.EINVALID, "limit must be at least 1, got %d", limit)
	}
	var rows *sql.Rows
	var err error
	if before == "" {
		rows, err = db.read.QueryContext(ctx, `SELECT `+pollColumns+` FROM polls WHERE channel = ?
			ORDER BY started_at DESC, id DESC LIMIT ?`, channel, limit)
	} else {
		var started int64
		err = db.read.QueryRowContext(ctx, `SELECT started_at FROM polls WHERE channel = ? AND id = ?`, channel, before).Scan(&started)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, hearth.Errorf(hearth.ENOTFOUND, "#%s has no poll %s", channel, before)
		}
		if err == nil {
			rows, err = db.read.QueryContext(ctx, `SELECT `+pollColumns+` FROM polls WHERE channel = ?
				AND (started_at < ? OR started_at = ? AND id < ?)
				ORDER BY started_at DESC, id DESC LIMIT ?`, channel, started, started, before, limit)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list polls: %w", err)
	}
	ps, err := scanPolls(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list polls: %w", err)
	}
	return ps, nil
}

// OpenPolls returns a channel's open polls, oldest first.
func (db *DB) OpenPolls(ctx context.Context, channel string) ([]hearth.Poll, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+pollColumns+` FROM polls WHERE channel = ? AND status = ?
		ORDER BY started_at, id`, channel, hearth.PollOpen)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list open polls: %w", err)
	}
	ps, err := scanPolls(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list open polls: %w", err)
	}
	return ps, nil
}

// PollVotes returns every vote of a poll, ordered by user id; none for a
// poll without votes or unknown.
func (db *DB) PollVotes(ctx context.Context, channel, pollID string) ([]hearth.PollVote, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+voteColumns+` FROM poll_votes
		WHERE channel = ? AND poll_id = ? ORDER BY user_id`, channel, pollID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list poll votes: %w", err)
	}
	defer rows.Close()
	vs := []hearth.PollVote{}
	for rows.Next() {
		var v hearth.PollVote
		var sub, newcomer, at int64
		if err := rows.Scan(&v.Channel, &v.PollID, &v.UserID, &v.Login, &v.Option, &v.Weight, &v.Spent,
			&sub, &newcomer, &v.Rank, &at); err != nil {
			return nil, fmt.Errorf("sqlite: unable to list poll votes: %w", err)
		}
		v.Subscriber, v.Newcomer, v.At = sub != 0, newcomer != 0, fromMillis(at)
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: unable to list poll votes: %w", err)
	}
	return vs, nil
}

// scanPolls reads every row of pollColumns and closes rows.
func scanPolls(rows *sql.Rows) ([]hearth.Poll, error) {
	defer rows.Close()
	ps := []hearth.Poll{}
	for rows.Next() {
		var p hearth.Poll
		var options, tally string
		var started, ends, closed int64
		if err := rows.Scan(&p.Channel, &p.ID, &p.Kind, &p.Status, &p.Question, &options, &p.Weighting, &p.PointsPerVote,
			&p.StartedBy, &started, &ends, &closed, &tally); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(options), &p.Options); err != nil {
			return nil, fmt.Errorf("poll %s: options: %w", p.ID, err)
		}
		if err := json.Unmarshal([]byte(tally), &p.Tally); err != nil {
			return nil, fmt.Errorf("poll %s: tally: %w", p.ID, err)
		}
		p.StartedAt, p.EndsAt, p.ClosedAt = fromMillis(started), fromMillis(ends), endFromMillis(closed)
		ps = append(ps, p)
	}
	return ps, rows.Err()
}
