-- Each channel's goals (hearth.Goal): a target and the progress toward
-- it, which the engine moves as events go by. stream is the stream a
-- per-stream goal's progress belongs to (0 before the first); updated_at
-- is when the goal was last set, and version grows with each setting
-- (progress counted for an earlier one is not written to a later one), in Unix milliseconds.
CREATE TABLE goals (
    channel    TEXT    NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
    id         TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    target     INTEGER NOT NULL CHECK (target > 0),
    per_stream INTEGER NOT NULL,
    progress   INTEGER NOT NULL CHECK (progress >= 0),
    stream     INTEGER NOT NULL CHECK (stream >= 0),
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (channel, id)
) STRICT;

-- Each channel's custom overlay stylesheet, checked by
-- hearth.CheckOverlayCSS before it is stored.
CREATE TABLE overlay_css (
    channel TEXT NOT NULL PRIMARY KEY REFERENCES channels (name) ON DELETE CASCADE,
    css     TEXT NOT NULL
) STRICT;
