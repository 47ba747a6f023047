-- Tokens of the bot account and of broadcasters who signed in. Who a token
-- is for and what it grants are kept in the clear; the access and refresh
-- tokens only sealed (AES-GCM), with a key the database never holds.
CREATE TABLE tokens (
    subject     TEXT    NOT NULL PRIMARY KEY CHECK (subject <> ''),
    user_id     TEXT    NOT NULL,
    login       TEXT    NOT NULL,
    scopes      TEXT    NOT NULL, -- space-separated
    expires_at  INTEGER NOT NULL, -- Unix milliseconds
    obtained_at INTEGER NOT NULL,
    sealed      BLOB    NOT NULL
);
