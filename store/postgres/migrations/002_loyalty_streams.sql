-- Loyalty: lifetime points, watch time, the current stream's counts and
-- attendance streaks. Rows written before this migration start at zero,
-- except lifetime points: no points had moved between viewers before, so a
-- balance is everything its viewer earned.
ALTER TABLE viewers
    ADD COLUMN lifetime_points      BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN watch_seconds        BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN stream_seq           BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN stream_messages      BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN stream_watch_seconds BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN streak               BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN longest_streak       BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN last_attended        BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN grace_used_at        BIGINT NOT NULL DEFAULT 0;
UPDATE viewers SET lifetime_points = points;

-- A channel's broadcasts, numbered 1, 2, 3... within the channel and
-- written as whole rows. ended_at is NULL while the stream is live.
CREATE TABLE streams (
    channel    TEXT COLLATE "C" NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
    seq        BIGINT           NOT NULL CHECK (seq > 0),
    started_at TIMESTAMPTZ      NOT NULL,
    ended_at   TIMESTAMPTZ,
    source     TEXT             NOT NULL,
    messages   BIGINT           NOT NULL,
    chatters   BIGINT           NOT NULL,
    PRIMARY KEY (channel, seq)
);
