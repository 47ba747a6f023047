-- Polls, chat and native, written as whole rows. options and tally are
-- JSON (an array of labels; hearth.PollTally). closed_at is 0 while open.
CREATE TABLE polls (
    channel         TEXT    NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
    id              TEXT    NOT NULL CHECK (id <> ''),
    kind            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    question        TEXT    NOT NULL,
    options         TEXT    NOT NULL,
    weighting       TEXT    NOT NULL,
    points_per_vote INTEGER NOT NULL,
    started_by      TEXT    NOT NULL,
    started_at      INTEGER NOT NULL,
    ends_at         INTEGER NOT NULL,
    closed_at       INTEGER NOT NULL,
    tally           TEXT    NOT NULL,
    PRIMARY KEY (channel, id)
) STRICT;

CREATE INDEX polls_by_start ON polls (channel, started_at, id);
CREATE INDEX polls_open ON polls (channel, status);

-- One viewer's vote in a chat poll; a changed vote replaces the row.
CREATE TABLE poll_votes (
    channel    TEXT    NOT NULL,
    poll_id    TEXT    NOT NULL,
    user_id    TEXT    NOT NULL CHECK (user_id <> ''),
    login      TEXT    NOT NULL,
    choice     INTEGER NOT NULL,
    weight     INTEGER NOT NULL,
    spent      INTEGER NOT NULL,
    subscriber INTEGER NOT NULL,
    newcomer   INTEGER NOT NULL,
    voter_rank TEXT    NOT NULL,
    voted_at   INTEGER NOT NULL,
    PRIMARY KEY (channel, poll_id, user_id),
    FOREIGN KEY (channel, poll_id) REFERENCES polls (channel, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX poll_votes_by_user ON poll_votes (channel, user_id);
