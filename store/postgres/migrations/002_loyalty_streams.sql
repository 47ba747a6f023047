-- Loyalty: watch time, the current stream's counts and attendance streaks.
-- Rows written before this migration start at zero; a constant default
-- does not rewrite the table.
ALTER TABLE viewers
    ADD COLUMN watch_seconds        BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN stream_seq           BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN stream_messages      BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN stream_watch_seconds BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN streak               BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN longest_streak       BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN last_attended        BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN grace_used_at        BIGINT NOT NULL DEFAULT 0;

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
