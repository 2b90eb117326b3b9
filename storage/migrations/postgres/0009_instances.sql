-- Several `strikebot run` processes on one database (docs/deployment.md, "Running several instances").

-- every running instance writes its row every few seconds; /status and `strikebot status` read them
CREATE TABLE instances (
    id         text PRIMARY KEY,
    role       text NOT NULL DEFAULT 'follower' CHECK (role IN ('leader', 'follower')),
    host       text NOT NULL DEFAULT '',
    pid        integer NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now()
);

-- a platform update (Telegram update_id) is handled by whichever instance claims it first;
-- retried webhook deliveries and updates fetched again after a hand-over find their row here
CREATE TABLE processed_updates (
    platform  text NOT NULL,
    update_id bigint NOT NULL,
    seen_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, update_id)
);
CREATE INDEX processed_updates_seen ON processed_updates (seen_at);

-- a platform's overall send rate shared by every instance: the next free send slot
-- (seconds since the epoch, on the database's clock), moved forward by each batch taken
CREATE TABLE rate_budgets (
    bucket    text PRIMARY KEY,
    next_free double precision NOT NULL DEFAULT 0
);

-- new outbox rows wake the dispatchers of every instance at once (LISTEN strikebot_outbox);
-- the payload is the schema, so that stores in other schemas of the database ignore it
CREATE FUNCTION strikebot_notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('strikebot_outbox', current_schema());
    RETURN NULL;
END
$$;
CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION strikebot_notify_outbox();
