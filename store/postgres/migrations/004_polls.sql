-- Polls, chat and native, written as whole rows. options and tally are
-- JSON text (an array of labels; hearth.PollTally), kept as written.
-- closed_at is NULL while open.
CREATE TABLE polls (
    channel         TEXT COLLATE "C" NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
    id              TEXT COLLATE "C" NOT NULL CHECK (id <> ''),
    kind            TEXT             NOT NULL,
    status          TEXT             NOT NULL,
    question        TEXT             NOT NULL,
    options         TEXT             NOT NULL,
    weighting       TEXT             NOT NULL,
    points_per_vote BIGINT           NOT NULL,
    started_by      TEXT             NOT NULL,
    started_at      TIMESTAMPTZ      NOT NULL,
    ends_at         TIMESTAMPTZ      NOT NULL,
    closed_at       TIMESTAMPTZ,
    tally           TEXT             NOT NULL,
    PRIMARY KEY (channel, id)
);

CREATE INDEX polls_by_start ON polls (channel, started_at, id);
CREATE INDEX polls_open ON polls (channel, status);

-- One viewer's vote in a chat poll; a changed vote replaces the row.
CREATE TABLE poll_votes (
    channel    TEXT COLLATE "C" NOT NULL,
    poll_id    TEXT COLLATE "C" NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL CHECK (user_id <> ''),
    login      TEXT             NOT NULL,
    choice     INTEGER          NOT NULL,
    weight     BIGINT           NOT NULL,
    spent      BIGINT           NOT NULL,
    subscriber BOOLEAN          NOT NULL,
    newcomer   BOOLEAN          NOT NULL,
    voter_rank TEXT             NOT NULL,
    voted_at   TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (channel, poll_id, user_id),
    FOREIGN KEY (channel, poll_id) REFERENCES polls (channel, id) ON DELETE CASCADE
);

CREATE INDEX poll_votes_by_user ON poll_votes (channel, user_id);
