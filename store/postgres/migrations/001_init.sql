-- Channels Hearth serves, and the token their overlays present. Text that
-- is compared or ordered uses the "C" collation, byte order, so that
-- PostgreSQL orders rows as SQLite does whatever the database's locale.
CREATE TABLE channels (
    name          TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (name <> ''),
    overlay_token TEXT             NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ      NOT NULL
);

-- A viewer's standing in one channel, written as whole rows.
CREATE TABLE viewers (
    channel      TEXT COLLATE "C" NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
    user_id      TEXT COLLATE "C" NOT NULL CHECK (user_id <> ''),
    login        TEXT COLLATE "C" NOT NULL,
    display_name TEXT             NOT NULL,
    messages     BIGINT           NOT NULL,
    points       BIGINT           NOT NULL,
    first_seen   TIMESTAMPTZ      NOT NULL,
    last_seen    TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (channel, user_id)
);

CREATE INDEX viewers_by_points ON viewers (channel, points DESC, login);
CREATE INDEX viewers_by_login ON viewers (channel, login);
