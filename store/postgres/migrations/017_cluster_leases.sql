-- Scale-out: several instances share this database, and PostgreSQL is
-- their only coordinator. Each channel is run by the instance that holds
-- its lease; a lease carries an epoch, drawn from one sequence so that it
-- grows on every change of owner and never repeats, even for a channel
-- removed and added again. A released lease keeps its row (owner '') so
-- that the next epoch is still a new one. The row does not go with its
-- channel's: forgetting a channel deletes its rows, and those deletes are
-- fenced by the lease like any other write.
CREATE SEQUENCE lease_epochs;

CREATE TABLE channel_leases (
    channel        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    owner          TEXT COLLATE "C" NOT NULL,
    epoch          BIGINT           NOT NULL CHECK (epoch > 0),
    acquired_at    TIMESTAMPTZ      NOT NULL,
    expires_at     TIMESTAMPTZ      NOT NULL,
    -- Why the last owner let go of a released lease: 'released' (it
    -- stopped) or 'rebalanced' (it held more than its share); '' while held.
    release_reason TEXT             NOT NULL DEFAULT ''
);

-- The instances alive: each renews its row with its leases, and the
-- number of live rows sets every instance's fair share of the channels.
CREATE TABLE cluster_instances (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (id <> ''),
    started_at TIMESTAMPTZ      NOT NULL,
    heartbeat  TIMESTAMPTZ      NOT NULL,
    expires_at TIMESTAMPTZ      NOT NULL
);

-- Actions for a channel that another instance runs: the caller inserts a
-- row and notifies; the channel's owner claims it, runs it and writes the
-- result back; the caller reads the result and deletes the row. A row not
-- claimed by its deadline is never run.
CREATE TABLE cluster_commands (
    id            BIGSERIAL        PRIMARY KEY,
    channel       TEXT COLLATE "C" NOT NULL,
    action        TEXT             NOT NULL,
    body          BYTEA            NOT NULL,
    created_at    TIMESTAMPTZ      NOT NULL,
    deadline      TIMESTAMPTZ      NOT NULL,
    claimed_by    TEXT COLLATE "C",
    done_at       TIMESTAMPTZ,
    result        BYTEA,
    error_code    TEXT             NOT NULL DEFAULT '',
    error_message TEXT             NOT NULL DEFAULT ''
);

CREATE INDEX cluster_commands_pending ON cluster_commands (channel, id) WHERE claimed_by IS NULL;

-- The latest state of each overlay topic of each channel, written by the
-- instance that runs the channel (a few times a second at most) so that
-- the instances that do not run it can show it to the overlays connected
-- to them: a notification names the rows written, and a listener reads
-- them (and every row after it reconnects). state is the JSON the overlays
-- receive; version grows with each write of the row.
CREATE TABLE overlay_states (
    channel    TEXT COLLATE "C" NOT NULL REFERENCES channels (name) ON DELETE CASCADE,
    topic      TEXT COLLATE "C" NOT NULL,
    version    BIGINT           NOT NULL,
    state      TEXT             NOT NULL,
    updated_at TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (channel, topic)
);

-- The name a topic of LISTEN/NOTIFY has in this schema. Notifications are
-- database-wide, so deployments (and tests) sharing one database in
-- different schemas would hear each other's: the schema is part of the
-- name, cut to PostgreSQL's 63 bytes.
CREATE FUNCTION hearth_topic(topic text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT left(topic || ':' || current_schema(), 63)
$$;

-- Fencing, enforced by the database. A writer that runs a channel under a
-- lease sets hearth.fence for its transaction (SET LOCAL, as JSON:
-- {"owner": ID, "epochs": {CHANNEL: EPOCH, ...}}). After every statement
-- that writes a channel's rows, this check locks the leases of the
-- channels written (so that a take-over waits for the writer's commit, and
-- the new owner reads what it wrote) and refuses the statement, with
-- SQLSTATE HLOST and the channel as its detail, when:
--   * the writer set a fence, and the channel's lease is not held by its
--     owner at its epoch, or has expired;
--   * the writer set none, and another instance holds a live lease on the
--     channel. Without leases (a single instance) writes pass as before.
CREATE FUNCTION hearth_fence_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    fence jsonb := NULLIF(current_setting('hearth.fence', true), '')::jsonb;
    bad   text;
BEGIN
    PERFORM 1 FROM channel_leases
        WHERE channel IN (SELECT DISTINCT channel FROM changed)
        ORDER BY channel FOR SHARE;
    IF fence IS NULL THEN
        SELECT l.channel INTO bad FROM channel_leases l
            WHERE l.channel IN (SELECT DISTINCT channel FROM changed)
              AND l.owner <> '' AND l.expires_at > clock_timestamp()
            ORDER BY l.channel LIMIT 1;
    ELSE
        SELECT c.channel INTO bad
            FROM (SELECT DISTINCT channel FROM changed) c
            LEFT JOIN channel_leases l ON l.channel = c.channel
            WHERE l.channel IS NULL
               OR l.owner IS DISTINCT FROM fence->>'owner'
               OR l.epoch IS DISTINCT FROM (fence->'epochs'->>c.channel)::bigint
               OR l.expires_at <= clock_timestamp()
            ORDER BY c.channel LIMIT 1;
    END IF;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'lease lost: channel % is run by another instance', bad
            USING ERRCODE = 'HLOST', DETAIL = bad;
    END IF;
    RETURN NULL;
END
$$;

-- Every table of a channel's rows is fenced: inserts and updates by the
-- rows they leave, deletes by the rows they remove.
CREATE TRIGGER viewers_fence_insert AFTER INSERT ON viewers REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER viewers_fence_update AFTER UPDATE ON viewers REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER viewers_fence_delete AFTER DELETE ON viewers REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER streams_fence_insert AFTER INSERT ON streams REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER streams_fence_update AFTER UPDATE ON streams REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER streams_fence_delete AFTER DELETE ON streams REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER polls_fence_insert AFTER INSERT ON polls REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER polls_fence_update AFTER UPDATE ON polls REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER polls_fence_delete AFTER DELETE ON polls REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER poll_votes_fence_insert AFTER INSERT ON poll_votes REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER poll_votes_fence_update AFTER UPDATE ON poll_votes REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER poll_votes_fence_delete AFTER DELETE ON poll_votes REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER recaps_fence_insert AFTER INSERT ON recaps REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER recaps_fence_update AFTER UPDATE ON recaps REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER recaps_fence_delete AFTER DELETE ON recaps REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER presence_cuts_fence_insert AFTER INSERT ON presence_cuts REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER presence_cuts_fence_update AFTER UPDATE ON presence_cuts REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER presence_cuts_fence_delete AFTER DELETE ON presence_cuts REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
-- The overlay event log is fenced as it is written (a stale owner must not
-- number an event over the new owner's); its pruning by age, by whichever
-- instance, is not.
CREATE TRIGGER overlay_events_fence_insert AFTER INSERT ON overlay_events REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER overlay_events_fence_update AFTER UPDATE ON overlay_events REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER overlay_states_fence_insert AFTER INSERT ON overlay_states REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
CREATE TRIGGER overlay_states_fence_update AFTER UPDATE ON overlay_states REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_fence_check();
