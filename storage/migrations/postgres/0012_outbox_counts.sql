-- strikebot schema v12: 100,000 subscriptions and 1,000,000 outbox rows.
-- The outbox no longer checks its references by foreign keys: each check took
-- a FOR KEY SHARE lock on the subscription and was half the cost of queueing
-- an alert to every chat. Rows are only ever queued by INSERT … SELECT from
-- the subscriptions, summaries and broadcasts they name; subscriptions and
-- summaries are never deleted, and a broadcast is deleted only once no outbox
-- row names it.
ALTER TABLE deliveries
    DROP CONSTRAINT IF EXISTS deliveries_subscription_id_fkey,
    DROP CONSTRAINT IF EXISTS deliveries_summary_id_fkey,
    DROP CONSTRAINT IF EXISTS deliveries_broadcast_id_fkey;
-- Rows sent in the last 24 hours are counted per UTC minute by statement
-- triggers on the outbox itself, so every write path keeps the count exact and
-- /status sums at most 1,440 minutes plus the partial minute at the window's start.
CREATE TABLE outbox_sent_minutes (
    minute timestamp PRIMARY KEY,
    n      bigint NOT NULL
);
INSERT INTO outbox_sent_minutes (minute, n)
    SELECT date_trunc('minute', updated_at AT TIME ZONE 'UTC'), count(*)
    FROM deliveries WHERE status = 'sent' GROUP BY 1;
CREATE FUNCTION outbox_count_sent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO outbox_sent_minutes AS m (minute, n)
            SELECT date_trunc('minute', updated_at AT TIME ZONE 'UTC'), count(*) FROM new_rows
            WHERE status = 'sent' GROUP BY 1 ORDER BY 1
            ON CONFLICT (minute) DO UPDATE SET n = m.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE outbox_sent_minutes m SET n = m.n - d.n FROM (
            SELECT date_trunc('minute', updated_at AT TIME ZONE 'UTC') AS minute, count(*) AS n
            FROM old_rows WHERE status = 'sent' GROUP BY 1) d
        WHERE m.minute = d.minute;
    ELSE
        INSERT INTO outbox_sent_minutes AS m (minute, n)
            SELECT minute, sum(n) FROM (
                SELECT date_trunc('minute', updated_at AT TIME ZONE 'UTC') AS minute, -1 AS n
                FROM old_rows WHERE status = 'sent'
                UNION ALL
                SELECT date_trunc('minute', updated_at AT TIME ZONE 'UTC'), 1
                FROM new_rows WHERE status = 'sent') d
            GROUP BY minute HAVING sum(n) <> 0 ORDER BY minute
            ON CONFLICT (minute) DO UPDATE SET n = m.n + excluded.n;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER deliveries_sent_insert AFTER INSERT ON deliveries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_count_sent();
CREATE TRIGGER deliveries_sent_update AFTER UPDATE ON deliveries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_count_sent();
CREATE TRIGGER deliveries_sent_delete AFTER DELETE ON deliveries
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_count_sent();
-- leased rows and rows with an error are few: /status reads them from their own ranges
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE status = 'pending' AND lease_until IS NOT NULL;
CREATE INDEX deliveries_errors ON deliveries (status, updated_at) WHERE last_error IS NOT NULL;
CREATE INDEX subscriptions_active_platform ON subscriptions (platform) WHERE active;
