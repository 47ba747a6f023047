-- The audit log: every change made to a channel through the console or the
-- API (hearth.AuditEntry), appended, never rewritten. seq increases; ref is
-- a random name the writer gives an entry to read its seq back by. It
-- outlives a channel removed, as the record of who did what, and goes when
-- the channel is forgotten.
CREATE TABLE audit (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ref          TEXT COLLATE "C" NOT NULL UNIQUE,
    channel      TEXT COLLATE "C" NOT NULL,
    at           TIMESTAMPTZ      NOT NULL,
    actor        TEXT             NOT NULL,
    role         TEXT             NOT NULL,
    action       TEXT             NOT NULL,
    target       TEXT             NOT NULL,
    before_value TEXT             NOT NULL,
    after_value  TEXT             NOT NULL
);

CREATE INDEX audit_by_channel ON audit (channel, seq);
