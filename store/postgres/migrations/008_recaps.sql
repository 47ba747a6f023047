-- One recap per stream (hearth.StreamRecap), written whole. The figures
-- are columns; the minute curve, the polls, the segments and the newcomer
-- cohorts are JSON text (arrays of hearth.MinuteActivity, PollRecap,
-- SegmentRecap and CohortRetention), kept as written. ended_at is
-- NULL while the stream is live. Recaps hold no viewer's name or id.
CREATE TABLE recaps (
    channel            TEXT COLLATE "C" NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
    seq                BIGINT           NOT NULL CHECK (seq > 0),
    started_at         TIMESTAMPTZ      NOT NULL,
    ended_at           TIMESTAMPTZ,
    messages           BIGINT           NOT NULL,
    chatters           BIGINT           NOT NULL,
    verified_messages  BIGINT           NOT NULL,
    verified_chatters  BIGINT           NOT NULL,
    newcomers          BIGINT           NOT NULL,
    returners          BIGINT           NOT NULL,
    previous_attendees BIGINT           NOT NULL,
    retained           BIGINT           NOT NULL,
    top10_share        DOUBLE PRECISION NOT NULL,
    peak_viewers       BIGINT           NOT NULL,
    avg_viewers        BIGINT           NOT NULL,
    participation      DOUBLE PRECISION NOT NULL,
    activity           TEXT             NOT NULL,
    polls              TEXT             NOT NULL,
    segments           TEXT             NOT NULL,
    cohorts            TEXT             NOT NULL,
    PRIMARY KEY (channel, seq)
);
