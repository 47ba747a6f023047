package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hearthlive/hearth"
)

// polls is the polls table. options and tally are JSON text, kept as
// written; times are kept to the millisecond.
var polls = newTable("polls", 2,
	textColumn("channel", func(p hearth.Poll) string { return p.Channel }),
	textColumn("id", func(p hearth.Poll) string { return p.ID }),
	textColumn("kind", func(p hearth.Poll) string { return p.Kind }),
	textColumn("status", func(p hearth.Poll) string { return p.Status }),
	textColumn("question", func(p hearth.Poll) string { return p.Question }),
	textColumn("options", func(p hearth.Poll) string { b, _ := json.Marshal(p.Options); return string(b) }),
	textColumn("weighting", func(p hearth.Poll) string { return p.Weighting }),
	intColumn("points_per_vote", func(p hearth.Poll) int64 { return p.PointsPerVote }),
	textColumn("started_by", func(p hearth.Poll) string { return p.StartedBy }),
	timeColumn("started_at", func(p hearth.Poll) time.Time { return ms(p.StartedAt) }),
	timeColumn("ends_at", func(p hearth.Poll) time.Time { return ms(p.EndsAt) }),
	optionalTimeColumn("closed_at", func(p hearth.Poll) time.Time { return ms(p.ClosedAt) }),
	textColumn("tally", func(p hearth.Poll) string { b, _ := json.Marshal(p.Tally); return string(b) }),
)

// pollVotes is the poll_votes table: a changed vote replaces the row.
var pollVotes = newTable("poll_votes", 3,
	textColumn("channel", func(v hearth.PollVote) string { return v.Channel }),
	textColumn("poll_id", func(v hearth.PollVote) string { return v.PollID }),
	textColumn("user_id", func(v hearth.PollVote) string { return v.UserID }),
	textColumn("login", func(v hearth.PollVote) string { return v.Login }),
	intColumn("choice", func(v hearth.PollVote) int64 { return int64(v.Option) }),
	intColumn("weight", func(v hearth.PollVote) int64 { return v.Weight }),
	intColumn("spent", func(v hearth.PollVote) int64 { return v.Spent }),
	boolColumn("subscriber", func(v hearth.PollVote) bool { return v.Subscriber }),
	boolColumn("newcomer", func(v hearth.PollVote) bool { return v.Newcomer }),
	textColumn("voter_rank", func(v hearth.PollVote) string { return v.Rank }),
	timeColumn("voted_at", func(v hearth.PollVote) time.Time { return ms(v.At) }),
)

// Poll returns one poll of a channel, or ENOTFOUND.
func (s *Store) Poll(ctx context.Context, channel, id string) (hearth.Poll, error) {
	p, err := s.scanPoll(s.d.QueryRow(ctx, `SELECT `+polls.list+` FROM polls WHERE channel = $1 AND id = $2`, channel, id))
	if errors.Is(err, sql.ErrNoRows) {
		return hearth.Poll{}, hearth.Errorf(hearth.ENOTFOUND, "#%s has no poll %s", channel, id)
	}
	if err != nil {
		return hearth.Poll{}, s.errorf("unable to read poll: %w", err)
	}
	return p, nil
}

// Polls returns up to limit of a channel's polls, newest first; with
// before set, only those started before that poll (ENOTFOUND if before is
// not one of the channel's polls). limit must be at least 1.
func (s *Store) Polls(ctx context.Context, channel, before string, limit int) ([]hearth.Poll, error) {
	if limit < 1 {
		return nil, hearth.Errorf(hearth.EINVALID, "limit must be at least 1, got %d", limit)
	}
	var rows Rows
	var err error
	if before == "" {
		rows, err = s.d.Query(ctx, `SELECT `+polls.list+` FROM polls WHERE channel = $1
			ORDER BY started_at DESC, id DESC LIMIT $2`, channel, limit)
	} else {
		// The start is passed back as the database gave it.
		var started any
		err = s.d.QueryRow(ctx, `SELECT started_at FROM polls WHERE channel = $1 AND id = $2`, channel, before).Scan(&started)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, hearth.Errorf(hearth.ENOTFOUND, "#%s has no poll %s", channel, before)
		}
		if err == nil {
			rows, err = s.d.Query(ctx, `SELECT `+polls.list+` FROM polls WHERE channel = $1
				AND (started_at < $2 OR started_at = $2 AND id < $3)
				ORDER BY started_at DESC, id DESC LIMIT $4`, channel, started, before, limit)
		}
	}
	if err != nil {
		return nil, s.errorf("unable to list polls: %w", err)
	}
	ps, err := s.collectPolls(rows)
	if err != nil {
		return nil, s.errorf("unable to list polls: %w", err)
	}
	return ps, nil
}

// OpenPolls returns a channel's open polls, oldest first.
func (s *Store) OpenPolls(ctx context.Context, channel string) ([]hearth.Poll, error) {
	rows, err := s.d.Query(ctx, `SELECT `+polls.list+` FROM polls WHERE channel = $1 AND status = $2
		ORDER BY started_at, id`, channel, hearth.PollOpen)
	if err != nil {
		return nil, s.errorf("unable to list open polls: %w", err)
	}
	ps, err := s.collectPolls(rows)
	if err != nil {
		return nil, s.errorf("unable to list open polls: %w", err)
	}
	return ps, nil
}

// PollVotes returns every vote of a poll, ordered by user id; none for a
// poll without votes or unknown.
func (s *Store) PollVotes(ctx context.Context, channel, pollID string) ([]hearth.PollVote, error) {
	rows, err := s.d.Query(ctx, `SELECT `+pollVotes.list+` FROM poll_votes
		WHERE channel = $1 AND poll_id = $2 ORDER BY user_id`, channel, pollID)
	if err != nil {
		return nil, s.errorf("unable to list poll votes: %w", err)
	}
	defer rows.Close()
	vs := []hearth.PollVote{}
	for rows.Next() {
		var v hearth.PollVote
		if err := rows.Scan(&v.Channel, &v.PollID, &v.UserID, &v.Login, &v.Option, &v.Weight, &v.Spent,
			&v.Subscriber, &v.Newcomer, &v.Rank, s.d.Time(&v.At)); err != nil {
			return nil, s.errorf("unable to list poll votes: %w", err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("unable to list poll votes: %w", err)
	}
	return vs, nil
}

// collectPolls reads every row of polls' columns and closes rows.
func (s *Store) collectPolls(rows Rows) ([]hearth.Poll, error) {
	defer rows.Close()
	ps := []hearth.Poll{}
	for rows.Next() {
		p, err := s.scanPoll(rows)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// scanPoll reads one row of polls' columns.
func (s *Store) scanPoll(row Row) (hearth.Poll, error) {
	var p hearth.Poll
	var options, tally string
	if err := row.Scan(&p.Channel, &p.ID, &p.Kind, &p.Status, &p.Question, &options, &p.Weighting, &p.PointsPerVote,
		&p.StartedBy, s.d.Time(&p.StartedAt), s.d.Time(&p.EndsAt), s.d.OptionalTime(&p.ClosedAt), &tally); err != nil {
		return hearth.Poll{}, err
	}
	if err := json.Unmarshal([]byte(options), &p.Options); err != nil {
		return hearth.Poll{}, fmt.Errorf("poll %s: options: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(tally), &p.Tally); err != nil {
		return hearth.Poll{}, fmt.Errorf("poll %s: tally: %w", p.ID, err)
	}
	return p, nil
}
