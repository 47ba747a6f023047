-- Loyalty: lifetime points, watch time, the current stream's counts and
-- attendance streaks. STRICT tables accept only INTEGER, which SQLite stores
-- as 64 bits. Rows written before this migration start at zero, except
-- lifetime points: no points had moved between viewers before, so a balance
-- is everything its viewer earned.
ALTER TABLE viewers ADD COLUMN lifetime_points      INTEGER NOT NULL DEFAULT 0;
UPDATE viewers SET lifetime_points = points;
ALTER TABLE viewers ADD COLUMN watch_seconds        INTEGER NOT NULL DEFAULT 0;
ALTER TABLE viewers ADD COLUMN stream_seq           INTEGER NOT NULL DEFAULT 0;
ALTER TABLE viewers ADD COLUMN stream_messages      INTEGER NOT NULL DEFAULT 0;
ALTER TABLE viewers ADD COLUMN stream_watch_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE viewers ADD COLUMN streak               INTEGER NOT NULL DEFAULT 0;
ALTER TABLE viewers ADD COLUMN longest_streak       INTEGER NOT NULL DEFAULT 0;
ALTER TABLE viewers ADD COLUMN last_attended        INTEGER NOT NULL DEFAULT 0;
ALTER TABLE viewers ADD COLUMN grace_used_at        INTEGER NOT NULL DEFAULT 0;

-- A channel's broadcasts, numbered 1, 2, 3... within the channel and
-- written as whole rows. ended_at is 0 while the stream is live.
CREATE TABLE streams (
    channel    TEXT    NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq > 0),
    started_at INTEGER NOT NULL,
    ended_at   INTEGER NOT NULL,
    source     TEXT    NOT NULL,
    messages   INTEGER NOT NULL,
    chatters   INTEGER NOT NULL,
    PRIMARY KEY (channel, seq)
) STRICT;
