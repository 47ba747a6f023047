-- The audit log: every change made to a channel through the console or the
-- API (hearth.AuditEntry), appended, never rewritten. seq increases; ref is
-- a random name the writer gives an entry to read its seq back by. It
-- outlives a channel removed, as the record of who did what, and goes when
-- the channel is forgotten.
CREATE TABLE audit (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    ref          TEXT    NOT NULL UNIQUE,
    channel      TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    actor        TEXT    NOT NULL,
    role         TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    target       TEXT    NOT NULL,
    before_value TEXT    NOT NULL,
    after_value  TEXT    NOT NULL
) STRICT;

CREATE INDEX audit_by_channel ON audit (channel, seq);
