-- One recap per stream (hearth.StreamRecap), written whole. The figures
-- are columns; the minute curve, the polls, the segments and the newcomer
-- cohorts are JSON text (arrays of hearth.MinuteActivity, PollRecap,
-- SegmentRecap and CohortRetention), kept as written. ended_at is
-- 0 while the stream is live. Recaps hold no viewer's name or id.
CREATE TABLE recaps (
    channel            TEXT    NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
    seq                INTEGER NOT NULL CHECK (seq > 0),
    started_at         INTEGER NOT NULL,
    ended_at           INTEGER NOT NULL,
    messages           INTEGER NOT NULL,
    chatters           INTEGER NOT NULL,
    verified_messages  INTEGER NOT NULL,
    verified_chatters  INTEGER NOT NULL,
    newcomers          INTEGER NOT NULL,
    returners          INTEGER NOT NULL,
    previous_attendees INTEGER NOT NULL,
    retained           INTEGER NOT NULL,
    top10_share        REAL    NOT NULL,
    peak_viewers       INTEGER NOT NULL,
    avg_viewers        INTEGER NOT NULL,
    participation      REAL    NOT NULL,
    activity           TEXT    NOT NULL,
    polls              TEXT    NOT NULL,
    segments           TEXT    NOT NULL,
    cohorts            TEXT    NOT NULL,
    PRIMARY KEY (channel, seq)
) STRICT;
