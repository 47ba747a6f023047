-- Each channel's goals (hearth.Goal): a target and the progress toward
-- it, which the engine moves as events go by. stream is the stream a
-- per-stream goal's progress belongs to (0 before the first); updated_at
-- is when the goal was last set, and version grows with each setting
-- (progress counted for an earlier one is not written to a later one).
CREATE TABLE goals (
    channel    TEXT COLLATE "C" NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
    id         TEXT COLLATE "C" NOT NULL,
    title      TEXT             NOT NULL,
    kind       TEXT             NOT NULL,
    target     BIGINT           NOT NULL CHECK (target > 0),
    per_stream BOOLEAN          NOT NULL,
    progress   BIGINT           NOT NULL CHECK (progress >= 0),
    stream     BIGINT           NOT NULL CHECK (stream >= 0),
    updated_at TIMESTAMPTZ      NOT NULL,
    version    BIGINT           NOT NULL,
    PRIMARY KEY (channel, id)
);

-- Each channel's custom overlay stylesheet, checked by
-- hearth.CheckOverlayCSS before it is stored.
CREATE TABLE overlay_css (
    channel TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES channels (name) ON DELETE CASCADE,
    css     TEXT             NOT NULL
);
