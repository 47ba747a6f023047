-- Each channel's overlay event log (hearth.OverlayEvent): follows, subs,
-- gifts, cheers, raids, redemptions, welcomes, rank-ups, poll results and
-- credits rolls, numbered by seq per channel. user_id is the viewer the
-- event is about ('' for none), so forgetting them deletes it; credits
-- is a roll's sections as JSON text ('' for other events). at is in Unix
-- milliseconds; events older than the retention are pruned by it.
CREATE TABLE overlay_events (
    channel      TEXT    NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
    seq          INTEGER NOT NULL CHECK (seq > 0),
    kind         TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    login        TEXT    NOT NULL,
    display_name TEXT    NOT NULL,
    rank         TEXT    NOT NULL,
    text         TEXT    NOT NULL,
    amount       INTEGER NOT NULL,
    stream       INTEGER NOT NULL,
    test         INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    credits      TEXT    NOT NULL,
    PRIMARY KEY (channel, seq)
) STRICT;

CREATE INDEX overlay_events_by_viewer ON overlay_events (channel, user_id) WHERE user_id <> '';
CREATE INDEX overlay_events_by_time ON overlay_events (at);
