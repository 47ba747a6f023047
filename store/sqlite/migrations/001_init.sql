-- Channels Hearth serves, and the token their overlays present.
-- Times are Unix milliseconds, UTC.
CREATE TABLE channels (
    name          TEXT    NOT NULL PRIMARY KEY CHECK (name <> ''),
    overlay_token TEXT    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL
) STRICT;

-- A viewer's standing in one channel, written as whole rows.
CREATE TABLE viewers (
    channel      TEXT    NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
    user_id      TEXT    NOT NULL CHECK (user_id <> ''),
    login        TEXT    NOT NULL,
    display_name TEXT    NOT NULL,
    messages     INTEGER NOT NULL,
    points       INTEGER NOT NULL,
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    PRIMARY KEY (channel, user_id)
) STRICT;

CREATE INDEX viewers_by_points ON viewers (channel, points DESC, login);
CREATE INDEX viewers_by_login ON viewers (channel, login);
