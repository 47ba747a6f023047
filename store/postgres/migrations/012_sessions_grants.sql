-- Console sessions, one row per signed-in browser. id is a hash of the
-- secret the browser's cookie holds, so the table alone signs nobody in.
-- Times are Unix milliseconds, compared as numbers when sessions expire.
CREATE TABLE sessions (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (id <> ''),
    operator     BOOLEAN          NOT NULL,
    user_id      TEXT             NOT NULL,
    login        TEXT             NOT NULL,
    display_name TEXT             NOT NULL,
    csrf         TEXT             NOT NULL,
    created_at   BIGINT           NOT NULL,
    last_seen    BIGINT           NOT NULL,
    expires_at   BIGINT           NOT NULL
);

CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen);

-- What each channel's broadcaster grants its moderators (hearth.Grants):
-- the grantable actions, space-separated, and the point limit.
CREATE TABLE grants (
    channel     TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES channels (name) ON DELETE CASCADE,
    actions     TEXT             NOT NULL,
    point_limit BIGINT           NOT NULL CHECK (point_limit >= 0)
);
